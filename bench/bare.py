"""The baselines: bare Flask apps shaped like the citizen form, with no templates or extensions.
`gunicorn bench.bare:app` with the same settings as the portal gives the ceiling that the portal's
throughput is compared with (`submit_ratio_*`).

GET /s/<code> answers a tiny page with the two hidden fields the load generator reads; POST parses
the form and answers 303, as the portal does after storing a response.

`bench.bare:write_app` is the same with one more step on POST: the answers are written as one
row, in one transaction, to the database named by DATABASE_URL, with SQLAlchemy Core. It is a
reference for what persisting a response costs at the least (`submit_write_ratio_*`), not a
target of the issue.

`bench.bare:stack_app()` is the other reference: the portal itself (its session, CSRF, Babel,
Flask-Login, Flask-Limiter, security headers and commit hook, all configured as in production)
with the form's view replaced by the bare view, which only adds a real CSRF token to the page.
It shows what the portal's request stack costs before the form does any work
(`submit_stack_ratio`), again a reference, not a target.
"""
from __future__ import annotations

import os
import secrets

from flask import Flask, redirect, request
from sqlalchemy import Column, Integer, MetaData, SmallInteger, String, Table, create_engine

import portal.db  # noqa: F401  (the portal's SQLite settings: WAL, busy timeout, BEGIN IMMEDIATE for writes)

PAGE = (
    '<!doctype html><title>Bench</title><form method="post">'
    '<input type="hidden" name="csrf_token" value="{csrf}">'
    '<input id="form_key" name="form_key" type="hidden" value="{token}">'
    "</form>"
)
UNSUR = tuple(f"u{i}" for i in range(1, 10))


def _complete(answers) -> bool:
    return bool(answers.get("form_key")) and all(answers.get(u) for u in UNSUR)


def _bare_survey(code: str, csrf_token=None, store=None):
    """The bare view: GET gives the page with its two hidden fields (the CSRF field holds a
    random token unless `csrf_token()` gives a real one); a complete POST is stored with
    `store(code, answers)` if given, and answered 303 as the portal answers."""
    if request.method == "POST":
        answers = request.form
        if not _complete(answers):
            return "incomplete", 400
        if store is not None:
            store(code, answers)
        return redirect(f"/s/{code}/terima-kasih", 303)
    token = secrets.token_urlsafe(16)
    return PAGE.format(csrf=csrf_token() if csrf_token else token, token=token)


app = Flask(__name__)


@app.get("/healthz")
def healthz():
    return {"status": "ok"}


@app.route("/s/<code>", methods=["GET", "POST"])
def survey(code: str):
    return _bare_survey(code)


metadata = MetaData()
bare_response = Table(
    "bare_response", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(16), nullable=False),
    Column("form_key", String(64), nullable=False, unique=True),
    *(Column(u, SmallInteger, nullable=False) for u in UNSUR),
)
write_app = Flask(__name__)
_engine = None


def _database():
    global _engine
    if _engine is None:
        _engine = create_engine(os.environ["DATABASE_URL"])
        metadata.create_all(_engine)
    return _engine


@write_app.get("/healthz")
def write_healthz():
    _database()
    return {"status": "ok"}


def _store(code: str, answers) -> None:
    with _database().begin() as connection:
        connection.execute(bare_response.insert(), {
            "code": code, "form_key": answers["form_key"], **{u: int(answers[u]) for u in UNSUR}})


@write_app.route("/s/<code>", methods=["GET", "POST"])
def write_survey(code: str):
    return _bare_survey(code, store=_store)


def stack_app():
    """The portal app with the bare view at /s/<code>; every hook and extension stays in place."""
    from flask_wtf.csrf import generate_csrf

    from portal import create_app
    from portal.access import PUBLIC, access

    portal = create_app()

    @access(PUBLIC)
    def stack_survey(code: str):
        # CSRFProtect has checked a POST's token before this runs.
        return _bare_survey(code, csrf_token=generate_csrf)

    portal.view_functions["feedback.survey"] = stack_survey
    return portal

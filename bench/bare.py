"""The baselines: bare Flask apps shaped like the citizen form, with no templates or extensions.
`gunicorn bench.bare:app` with the same settings as the portal gives the ceiling that the portal's
throughput is compared with (`submit_ratio_*`).

GET /s/<code> answers a tiny page with the two hidden fields the load generator reads; POST parses
the form and answers 303, as the portal does after storing a response.

`bench.bare:write_app` is the like-for-like write reference, the floor of a submission
(`submit_write_ratio_*`, target ≥ 0.5): it serves the portal's real form page bytes (captured once
from the portal, the tokens substituted per request), checks a CSRF token with Flask-WTF, and
stores one row in one transaction with SQLAlchemy Core in the database named by DATABASE_URL.

`bench.bare:stack_app()` is the other reference: the portal itself (its session, CSRF, Babel,
Flask-Login, Flask-Limiter, security headers and commit hook, all configured as in production)
with the form's view replaced by the bare view, which only adds a real CSRF token to the page.
It shows what the portal's request stack costs before the form does any work
(`submit_stack_ratio`), again a reference, not a target.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

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

#: The slots that `capture_pages` puts in place of the two per-request values of a captured form.
CSRF_SLOT = "bench-slot-csrf-token"
KEY_SLOT = "bench-slot-form-key"
#: The file (JSON: loket code -> page with the slots) that `write_app` serves.
PAGES_ENV = "CERMIN_BENCH_FORM_PAGES"


def capture_pages(pages: dict[str, str]) -> dict[str, str]:
    """The portal's real form pages with this request's CSRF token and form key replaced by slots."""
    from bench.harness import CSRF_RE, FORM_KEY_RE

    captured = {}
    for code, page in pages.items():
        csrf, key = CSRF_RE.search(page), FORM_KEY_RE.search(page)
        if not csrf or not key:
            raise ValueError(f"/s/{code}: no CSRF token or form key in the page")
        captured[code] = page.replace(csrf.group(1), CSRF_SLOT).replace(key.group(1), KEY_SLOT)
    return captured


def _write_app() -> Flask:
    """The like-for-like write reference: the least a correct form endpoint must do.

    GET serves the portal's real form page for the loket (captured once from the portal and read
    from the file named by CERMIN_BENCH_FORM_PAGES), with a fresh CSRF token (Flask-WTF, kept in a
    signed session cookie as the portal keeps it) and a fresh random form key substituted. POST has
    its CSRF token checked by Flask-WTF, and a complete answer set is stored as one row in one
    transaction (SQLAlchemy Core), the form key unique as the portal's idempotency key is.
    """
    import json

    from flask_wtf.csrf import CSRFProtect, generate_csrf

    reference = Flask(__name__)
    reference.config.update(SECRET_KEY=os.environ.get("SECRET_KEY", "bench"), WTF_CSRF_TIME_LIMIT=None)
    CSRFProtect(reference)
    pages = json.loads(Path(os.environ[PAGES_ENV]).read_text()) if os.environ.get(PAGES_ENV) else {}
    engine = None

    def database():
        nonlocal engine
        if engine is None:
            engine = create_engine(os.environ["DATABASE_URL"])
            metadata.create_all(engine)
        return engine

    @reference.get("/healthz")
    def healthz():
        database()
        return {"status": "ok"}

    @reference.route("/s/<code>", methods=["GET", "POST"])
    def survey(code: str):
        page = pages.get(code)
        if page is None:
            return "unknown loket", 404
        if request.method == "POST":
            answers = request.form
            if not _complete(answers):
                return "incomplete", 400
            with database().begin() as connection:
                connection.execute(bare_response.insert(), {
                    "code": code, "form_key": answers["form_key"], **{u: int(answers[u]) for u in UNSUR}})
            return redirect(f"/s/{code}/terima-kasih", 303)
        return page.replace(CSRF_SLOT, generate_csrf()).replace(KEY_SLOT, secrets.token_urlsafe(24))

    return reference


write_app = _write_app()


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

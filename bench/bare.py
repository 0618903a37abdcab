"""The baseline: a bare Flask app shaped like the citizen form, with no database, templates or
extensions. `gunicorn bench.bare:app` with the same settings as the portal gives the ceiling that
the portal's throughput is compared with.

GET /s/<code> answers a tiny page with the two hidden fields the load generator reads; POST parses
the form and answers 303, as the portal does after storing a response.
"""
from __future__ import annotations

import secrets

from flask import Flask, redirect, request

app = Flask(__name__)

PAGE = (
    '<!doctype html><title>Bench</title><form method="post">'
    '<input type="hidden" name="csrf_token" value="{token}">'
    '<input id="form_key" name="form_key" type="hidden" value="{token}">'
    "</form>"
)


@app.get("/healthz")
def healthz():
    return {"status": "ok"}


@app.route("/s/<code>", methods=["GET", "POST"])
def survey(code: str):
    if request.method == "POST":
        answers = request.form
        if not answers.get("form_key") or not all(answers.get(f"u{i}") for i in range(1, 10)):
            return "incomplete", 400
        return redirect(f"/s/{code}/terima-kasih", 303)
    return PAGE.format(token=secrets.token_urlsafe(16))

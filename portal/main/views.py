"""Home page, language switch and health check."""
from __future__ import annotations

from flask import Blueprint, jsonify, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import text

from portal.access import PUBLIC, access
from portal.accounts.views import safe_next
from portal.extensions import db
from portal.i18n import LANG_COOKIE, LOCALES

bp = Blueprint("main", __name__, template_folder="templates")


@bp.route("/")
@access(PUBLIC)
def home():
    if not current_user.is_authenticated:
        return render_template("main/landing.html")
    from portal.main.work import work_for

    return render_template("main/home.html", work=work_for(current_user))


@bp.route("/bahasa/<code>")
@access(PUBLIC)
def switch_language(code: str):
    target = safe_next(request.args.get("next"), url_for("main.home"))
    response = make_response(redirect(target))
    if code in LOCALES:
        if current_user.is_authenticated and current_user.locale:
            # The saved setting outranks the cookie, so the switch updates it too.
            current_user.locale = code
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


@bp.route("/healthz")
@access(PUBLIC)
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any failure means the database cannot serve requests
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")

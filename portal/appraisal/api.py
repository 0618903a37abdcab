"""The read-only JSON API for outside systems (SIMPEG, e-Kinerja): bearer tokens, no cookies.

Every endpoint is GET-only (CSRF does not apply) and checks its token in one place,
`bearer_token` below. Errors are JSON: {"error", "detail", "status"}.
"""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import gettext

from portal.access import PUBLIC, access
from portal.appraisal import tokens
from portal.appraisal.exports import Scope, appraisal_rows, find_period, find_unit, to_json
from portal.extensions import limiter

bp = Blueprint("api", __name__, url_prefix="/api/v1")
REALM = "cermin"


def _limit() -> str:
    return current_app.config.get("CERMIN_API_LIMIT", "120 per minute")


def _presented() -> tokens.Presented | None:
    """The request's bearer token, looked up once per request: None when the header names none.

    The scheme is matched without regard to case and the token without the spaces around it, so
    every spelling of one token is the same token.
    """
    if "api_presented" not in g:
        parts = request.headers.get("Authorization", "").split(maxsplit=1)
        token = parts[1].strip() if len(parts) == 2 and parts[0].lower() == "bearer" else ""
        g.api_presented = tokens.presented(token) if token else None
    return g.api_presented


def _limit_key() -> str:
    """Count calls per known token (its id, whatever the header's spelling), and everything else,
    a missing, malformed or unknown token included, per address: a made-up or respelt token gets no
    allowance of its own."""
    found = _presented()
    if found is not None and found.row is not None:
        return f"token:{found.row.id}"
    return "addr:" + (request.remote_addr or "")


def _error(status: int, error: str, detail: str, challenge: str | None = None):
    response = jsonify({"error": error, "detail": detail, "status": status})
    response.status_code = status
    if challenge is not None:
        response.headers["WWW-Authenticate"] = challenge
    return response


def _unauthorised(detail: str, invalid: bool):
    challenge = f'Bearer realm="{REALM}"' + (', error="invalid_token"' if invalid else "")
    return _error(401, "unauthorized", detail, challenge)


def _forbidden(detail: str, scope: str | None = None):
    challenge = f'Bearer realm="{REALM}", error="insufficient_scope", scope="{scope}"' if scope else None
    return _error(403, "forbidden", detail, challenge)


def bearer_token(scope: str):
    """Require `Authorization: Bearer <token>` with the scope; the token is then `g.api_token`."""

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            found = _presented()
            if found is None:
                return _unauthorised(gettext("Sertakan token API: Authorization: Bearer <token>."), invalid=False)
            if found.refusal == tokens.EXPIRED:
                return _unauthorised(gettext("Token API sudah kedaluwarsa. Minta token baru kepada admin."),
                                     invalid=True)
            if found.refusal == tokens.ISSUER_GONE:
                return _unauthorised(gettext("Token API tidak berlaku lagi: akun yang menerbitkannya tidak lagi "
                                             "aktif sebagai admin. Minta token baru kepada admin."), invalid=True)
            if found.refusal is not None:
                return _unauthorised(gettext("Token API tidak dikenal atau sudah dicabut."), invalid=True)
            row = found.row
            if not tokens.has_scope(row, scope):
                return _forbidden(gettext("Token ini tidak berhak atas %(scope)s.", scope=scope), scope)
            tokens.touch(row)
            g.api_token = row
            return view(*args, **kwargs)

        return guarded

    return decorate


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/appraisals")
@access(PUBLIC)
@limiter.limit(_limit, key_func=_limit_key)
@bearer_token(tokens.READ_APPRAISALS)
def appraisals():
    """GET /api/v1/appraisals?period=ID[&unit=CODE]: one object per appraisal record."""
    row = g.api_token
    period_text = request.args.get("period", "").strip()
    if not period_text.isascii() or not period_text.isdigit():
        return _error(400, "bad_request", gettext("Parameter period wajib berisi id periode (bilangan bulat)."))
    period = find_period(row.instansi_id, int(period_text))
    if period is None:
        return _error(404, "not_found", gettext("Periode tidak ditemukan."))
    unit_code = request.args.get("unit", "").strip()
    restricted = tokens.token_unit(row)
    if restricted is not None and unit_code and unit_code.upper() != restricted.code.upper():
        return _forbidden(gettext("Token ini hanya untuk unit %(code)s.", code=restricted.code))
    unit = restricted
    if unit is None and unit_code:
        unit = find_unit(row.instansi_id, unit_code)
        if unit is None:
            return _error(404, "not_found", gettext("Unit kerja tidak ditemukan: %(code)s", code=unit_code))
    body = {
        "period": {"id": period.id, "name": period.name, "kind": period.kind,
                   "citizen_from": period.citizen_from.isoformat(), "citizen_to": period.citizen_to.isoformat()},
        "appraisals": [to_json(r) for r in appraisal_rows(Scope(period, unit=unit))],
    }
    return _no_store(jsonify(body))


@bp.after_request
def never_cache(response):
    return _no_store(response)

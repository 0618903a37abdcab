"""Bearer tokens for the read-only API: issued, scoped and revoked by an admin.

Only the SHA-256 of a token is stored; the token itself is shown once when it is issued.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import audit
from portal.appraisal.models import ApiToken
from portal.db import utcnow
from portal.extensions import db
from portal.org.models import Unit

#: Recognisable in logs and by secret scanners.
TOKEN_PREFIX = "cmn_"
#: 30 random bytes: 40 URL-safe characters after the prefix.
TOKEN_BYTES = 30
#: Characters kept to recognise a token in the list (the prefix and 8 more).
SHOWN_CHARS = 12
READ_APPRAISALS = "appraisals:read"
SCOPES = {READ_APPRAISALS: _l("Membaca data penilaian (GET /api/v1/appraisals)")}
#: last_used_at is written at most this often, so a busy client does not write on every call.
TOUCH_EVERY = timedelta(minutes=1)


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(instansi_id: int, name: str, scopes: list[str], unit: Unit | None, *, actor) -> tuple[ApiToken, str]:
    """A new token row and the token itself, which the caller shows once and never stores.

    `actor` (the admin, or a command's name) is the token's creator and is named in the audit log.
    """
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ValueError(f"unknown scopes: {unknown}")
    if unit is not None and unit.instansi_id != instansi_id:
        raise ValueError("the unit belongs to another instansi")
    token = new_token()
    row = ApiToken(instansi_id=instansi_id, name=name.strip(), token_hash=token_hash(token), prefix=token[:SHOWN_CHARS],
                   scopes=" ".join(sorted(set(scopes))), unit_id=unit.id if unit else None,
                   created_by_id=audit.actor_columns(actor)[0])
    db.session.add(row)
    db.session.flush()
    _audit_token("api_token.issue", row, actor, None, {
        "name": row.name, "prefix": row.prefix, "scopes": row.scopes, "unit": unit.code if unit else None,
    })
    return row, token


def revoke_token(row: ApiToken, *, actor, now: datetime | None = None) -> bool:
    """Revoke the token; False when it was already revoked."""
    if row.revoked_at is not None:
        return False
    row.revoked_at = now or utcnow()
    db.session.flush()
    _audit_token("api_token.revoke", row, actor, {"revoked_at": None}, {"revoked_at": row.revoked_at})
    return True


def _audit_token(action: str, row: ApiToken, actor, before: dict | None, after: dict | None) -> None:
    audit.record(action, instansi_id=row.instansi_id, actor=actor, obj=row, label=f"{row.name} ({row.prefix}…)",
                 before=before, after=after, unit_id=row.unit_id)


def find_active(token: str) -> ApiToken | None:
    """The unrevoked token row for a presented token, looked up by its hash."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token)))
    if row is None or row.revoked_at is not None:
        return None
    return row


def has_scope(row: ApiToken, scope: str) -> bool:
    return scope in row.scopes.split()


def touch(row: ApiToken, now: datetime | None = None) -> None:
    now = now or utcnow()
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY:
        row.last_used_at = now
        db.session.flush()


def tokens_of(instansi_id: int) -> list[ApiToken]:
    """Active tokens first, newest first."""
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.instansi_id == instansi_id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
    ))


def find_token(instansi_id: int, token_id: int) -> ApiToken | None:
    row = db.session.get(ApiToken, token_id)
    return row if row is not None and row.instansi_id == instansi_id else None


def token_unit(row: ApiToken) -> Unit | None:
    return db.session.get(Unit, row.unit_id) if row.unit_id else None

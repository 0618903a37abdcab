"""Bearer tokens for the read-only API: issued, scoped and revoked by an admin.

Only the SHA-256 of a token is stored; the token itself is shown once when it is issued. A token
works until the first of:

- its expiry (`expires_at`: DEFAULT_DAYS after issue, or the MIN_DAYS…MAX_DAYS the admin chose);
- its revocation (by an admin; or by the portal when the account that issued it is deactivated
  or loses the admin role, recorded in the audit log with that reason);
- its issuer's account being inactive or without the admin role, checked in the same query that
  finds the token on every request (so a change made outside the portal's pages counts too).
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, or_, select

from portal import audit, clock, events
from portal.accounts.models import ADMIN, User, UserRole
from portal.appraisal.models import ApiToken
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
#: How long a token lives, in days: the default, and the bounds an admin may choose within.
DEFAULT_DAYS, MIN_DAYS, MAX_DAYS = 90, 1, 365
#: The role that issues tokens; a token dies with its issuer's hold of it.
ISSUING_ROLE = ADMIN
#: Why a presented token does not work (None: it does).
UNKNOWN, REVOKED, EXPIRED, ISSUER_GONE = "unknown", "revoked", "expired", "issuer_gone"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(instansi_id: int, name: str, scopes: list[str], unit: Unit | None, *, actor,
                days: int = DEFAULT_DAYS) -> tuple[ApiToken, str]:
    """A new token row and the token itself, which the caller shows once and never stores.

    `actor` (the admin, or a command's name) is the token's issuer and is named in the audit log;
    the token expires `days` days from now.
    """
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ValueError(f"unknown scopes: {unknown}")
    if unit is not None and unit.instansi_id != instansi_id:
        raise ValueError("the unit belongs to another instansi")
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise ValueError(f"a token lives {MIN_DAYS} to {MAX_DAYS} days, not {days}")
    token = new_token()
    now = clock.now()
    row = ApiToken(instansi_id=instansi_id, name=name.strip(), token_hash=token_hash(token), prefix=token[:SHOWN_CHARS],
                   scopes=" ".join(sorted(set(scopes))), unit_id=unit.id if unit else None,
                   created_by_id=audit.actor_columns(actor)[0], created_at=now, expires_at=now + timedelta(days=days))
    db.session.add(row)
    db.session.flush()
    _audit_token("api_token.issue", row, actor, None, {
        "name": row.name, "prefix": row.prefix, "scopes": row.scopes, "unit": unit.code if unit else None,
        "expires_at": row.expires_at,
    })
    return row, token


def revoke_token(row: ApiToken, *, actor, reason: str | None = None) -> bool:
    """Revoke the token; False when it was already revoked."""
    if row.revoked_at is not None:
        return False
    row.revoked_at = clock.now()
    db.session.flush()
    _audit_token("api_token.revoke", row, actor, {"revoked_at": None}, {"revoked_at": row.revoked_at}, reason)
    return True


def _audit_token(action: str, row: ApiToken, actor, before: dict | None, after: dict | None,
                 reason: str | None = None) -> None:
    audit.record(action, instansi_id=row.instansi_id, actor=actor, obj=row, label=f"{row.name} ({row.prefix}…)",
                 before=before, after=after, reason=reason, unit_id=row.unit_id)


def _issuer_holds_the_role():
    """SQL: the token's issuer is an active account with the issuing role (or there is no issuer
    account: a token a command issued)."""
    return or_(ApiToken.created_by_id.is_(None), exists().where(
        User.id == ApiToken.created_by_id, User.active.is_(True),
        UserRole.user_id == User.id, UserRole.role == ISSUING_ROLE,
    ))


@dataclass(frozen=True)
class Presented:
    """A presented token: its row when the hash is known (in any state), and why it does not work
    (None when it does)."""

    row: ApiToken | None
    refusal: str | None


def presented(token: str) -> Presented:
    """Look a presented token up, with its issuer's standing, in one indexed query."""
    if not token.startswith(TOKEN_PREFIX):
        return Presented(None, UNKNOWN)
    found = db.session.execute(
        select(ApiToken, _issuer_holds_the_role().label("issuer_ok")).where(ApiToken.token_hash == token_hash(token))
    ).first()
    if found is None:
        return Presented(None, UNKNOWN)
    row, issuer_ok = found
    return Presented(row, state(row, issuer_ok))


def state(row: ApiToken, issuer_ok: bool, now: datetime | None = None) -> str | None:
    """Why the token does not work, or None when it does."""
    if row.revoked_at is not None:
        return REVOKED
    if row.expires_at <= (now or clock.now()):
        return EXPIRED
    if not issuer_ok:
        return ISSUER_GONE
    return None


def find_active(token: str) -> ApiToken | None:
    """The working token row for a presented token, looked up by its hash."""
    found = presented(token)
    return found.row if found.refusal is None else None


def has_scope(row: ApiToken, scope: str) -> bool:
    return scope in row.scopes.split()


def touch(row: ApiToken, now: datetime | None = None) -> None:
    now = now or clock.now()
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY:
        row.last_used_at = now
        db.session.flush()


def tokens_of(instansi_id: int) -> list[tuple[ApiToken, str | None]]:
    """Each token with why it does not work (None: it works); working tokens first, newest first."""
    rows = db.session.execute(
        select(ApiToken, _issuer_holds_the_role()).where(ApiToken.instansi_id == instansi_id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ).all()
    now = clock.now()
    listed = [(row, state(row, issuer_ok, now)) for row, issuer_ok in rows]
    return sorted(listed, key=lambda item: item[1] is not None)


def find_token(instansi_id: int, token_id: int) -> ApiToken | None:
    row = db.session.get(ApiToken, token_id)
    return row if row is not None and row.instansi_id == instansi_id else None


def token_unit(row: ApiToken) -> Unit | None:
    return db.session.get(Unit, row.unit_id) if row.unit_id else None


# --- A token dies with its issuer ----------------------------------------------------------------

ISSUER_DEACTIVATED = "Akun penerbit token dinonaktifkan."
ISSUER_LOST_ROLE = "Akun penerbit token tidak lagi memegang peran admin."


def revoke_tokens_of(user: User, actor, reason: str) -> int:
    """Revoke every unrevoked token `user` issued, each audited with the reason; how many."""
    rows = db.session.scalars(select(ApiToken).where(ApiToken.created_by_id == user.id, ApiToken.revoked_at.is_(None)))
    return sum(revoke_token(row, actor=actor, reason=reason) for row in rows)


def _issuer_deactivated(user: User, actor) -> None:
    revoke_tokens_of(user, actor, ISSUER_DEACTIVATED)


def _issuer_lost_role(user: User, role: str, actor) -> None:
    if role == ISSUING_ROLE:
        revoke_tokens_of(user, actor, ISSUER_LOST_ROLE)


def subscribe() -> None:
    """Listen to account changes (`portal/events.py`), so a token dies with its issuer for good."""
    events.account_deactivated.connect(_issuer_deactivated)
    events.account_lost_role.connect(_issuer_lost_role)

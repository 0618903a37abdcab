"""Failed-login throttling per account name and client, with growing delays and no hard lock.

A client is told apart by the device cookie its browser received at an earlier successful login
to the same account, else by a keyed hash of its address. Wrong passwords from one client delay
only that client's next attempts at that account name: a stranger who knows a NIP slows himself
down, never the employee at her own desk. Every moment comes from the caller (`portal.clock`).
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import delete, select

from portal.accounts.models import LoginFailure
from portal.extensions import db
from portal.sql import dialect_insert

#: Failures older than this are forgotten: the next wrong password starts the count again.
FORGET_AFTER = timedelta(hours=24)


@dataclass(frozen=True)
class ThrottlePolicy:
    #: Wrong passwords a client may make at one account name before the first delay.
    free_attempts: int
    #: The first delay; each further failure doubles it, up to `max_delay`.
    first_delay: timedelta
    max_delay: timedelta

    def delay_after(self, failures: int) -> timedelta:
        over = failures - self.free_attempts
        if over < 0:
            return timedelta(0)
        # min() first: 2 ** a large count is a huge int, not an overflow, but keep it small.
        return min(self.first_delay * (2 ** min(over, 32)), self.max_delay)


@dataclass(frozen=True)
class Client:
    """Who is trying to log in, as the throttle tells clients apart."""

    secret: str
    address: str
    #: (user id, device id) from a valid device cookie, when the browser sent one.
    device: tuple[int, str] | None = None

    def _keyed(self, kind: str, value: str) -> str:
        return hmac.new(self.secret.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:40]

    def account_key(self, login: str) -> str:
        """The login name as typed, normalised: a username in lower case, a NIP without spaces."""
        return self._keyed("login", "".join(login.split()).lower())

    def client_key(self, user_id: int | None) -> str:
        """The device of an earlier login to this very account, else the address."""
        if self.device is not None and user_id is not None and self.device[0] == user_id:
            return self._keyed("device", self.device[1])
        return self._keyed("address", self.address)


def wait_left(account_key: str, client_key: str, policy: ThrottlePolicy, now: datetime) -> timedelta | None:
    """How long this client must still wait before trying this account name again, or None."""
    row = db.session.execute(
        select(LoginFailure.failures, LoginFailure.last_failure_at)
        .where(LoginFailure.account_key == account_key, LoginFailure.client_key == client_key)
    ).first()
    if row is None or now - row.last_failure_at >= FORGET_AFTER:
        return None
    delay = policy.delay_after(row.failures)
    # Never longer than the delay itself: a clock stepped back (NTP, a restored VM) lengthens no wait.
    left = min(row.last_failure_at + delay - now, delay)
    return left if left > timedelta(0) else None


def record_failure(account_key: str, client_key: str, now: datetime) -> None:
    """Count one wrong password (or TOTP code); atomic under concurrent attempts."""
    # Forgotten counts go first, so the upsert below starts them again at one.
    db.session.execute(delete(LoginFailure).where(LoginFailure.last_failure_at <= now - FORGET_AFTER))
    db.session.execute(_upsert(db.session.get_bind().dialect.name), {
        "account_key": account_key, "client_key": client_key, "failures": 1, "last_failure_at": now,
    })


@lru_cache(maxsize=2)
def _upsert(dialect_name: str):
    table = LoginFailure.__table__
    insert = dialect_insert(table, dialect_name)
    return insert.on_conflict_do_update(
        index_elements=[table.c.account_key, table.c.client_key],
        set_={"failures": table.c.failures + 1, "last_failure_at": insert.excluded.last_failure_at},
    )


def forget(account_key: str, client_key: str) -> None:
    """A successful login clears its client's count."""
    db.session.execute(delete(LoginFailure).where(
        LoginFailure.account_key == account_key, LoginFailure.client_key == client_key))

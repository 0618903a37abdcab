"""Keeping the public form honest without identifying anyone.

- Each rendered form carries a signed key: its idempotency key (a retry stores one response)
  and its render time (a form sent back faster than a person can read it is refused).
- A signed cookie counts this device's responses per loket per day; no IP address is stored.
"""
from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from functools import lru_cache

from flask import current_app
from itsdangerous import BadSignature

from portal import clock
from portal.signed import PlainURLSafeSerializer

FORM_SALT = "cermin-skm-form"
DEVICE_SALT = "cermin-skm-device"
DEVICE_COOKIE = "cermin_votes"
#: A form older than this is refused as expired (re-rendered with a fresh key).
FORM_MAX_AGE = 12 * 3600
DAY = 24 * 3600


@dataclass(frozen=True)
class FormKey:
    nonce: str
    issued: float
    counter_code: str
    officer_id: int | None = None
    ticket: str | None = None

    @property
    def idempotency_key(self) -> str:
        return hashlib.sha256(f"skm:{self.nonce}".encode()).hexdigest()


def _serializer(salt: str) -> PlainURLSafeSerializer:
    return _serializer_for(current_app.config["SECRET_KEY"], salt)


@lru_cache(maxsize=16)
def _serializer_for(secret_key: str, salt: str) -> PlainURLSafeSerializer:
    """One serializer per key and salt: every citizen's form key and device cookie use it."""
    return PlainURLSafeSerializer(secret_key, salt=salt)


def issue_form_key(counter_code: str, officer_id: int | None = None, ticket: str | None = None,
                   now: float | None = None) -> str:
    payload = {"n": secrets.token_urlsafe(16), "t": round(now if now is not None else clock.timestamp(), 3),
               "c": counter_code, "o": officer_id, "k": ticket}
    return _serializer(FORM_SALT).dumps(payload)


def read_form_key(token: str, counter_code: str) -> FormKey | None:
    """The key's contents if it is genuine, for this loket and not expired; otherwise None."""
    try:
        data = _serializer(FORM_SALT).loads(token or "")
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("c") != counter_code:
        return None
    key = FormKey(nonce=str(data.get("n")), issued=float(data.get("t", 0)), counter_code=counter_code,
                  officer_id=data.get("o"), ticket=data.get("k"))
    if clock.timestamp() - key.issued > FORM_MAX_AGE:
        return None
    return key


def filled_too_fast(key: FormKey, now: float | None = None) -> bool:
    return seconds_to_wait(key, now) > 0


def seconds_to_wait(key: FormKey, now: float | None = None) -> int:
    """Whole seconds until the form may be sent (0 when it may be sent now)."""
    minimum = float(current_app.config.get("CERMIN_MIN_FILL_SECONDS", 4))
    left = minimum - ((now if now is not None else clock.timestamp()) - key.issued)
    return math.ceil(left) if left > 0 else 0


def device_votes(cookie: str | None, now: float | None = None) -> dict[str, list[float]]:
    """This device's recent response times per loket, from its signed cookie (last 24 hours)."""
    now = now if now is not None else clock.timestamp()
    try:
        data = _serializer(DEVICE_SALT).loads(cookie or "")
    except BadSignature:
        return {}
    if not isinstance(data, dict):
        return {}
    recent = {}
    for code, stamps in data.items():
        if isinstance(code, str) and isinstance(stamps, list):
            kept = [float(s) for s in stamps if isinstance(s, (int, float)) and now - float(s) < DAY]
            if kept:
                recent[code] = kept
    return recent


def device_limit_reached(votes: dict[str, list[float]], counter_code: str) -> bool:
    limit = int(current_app.config.get("CERMIN_DEVICE_DAILY_LIMIT", 3))
    return len(votes.get(counter_code, [])) >= limit


def device_cookie_value(votes: dict[str, list[float]], counter_code: str, now: float | None = None) -> str:
    now = now if now is not None else clock.timestamp()
    updated = {code: stamps[-10:] for code, stamps in votes.items()}
    updated.setdefault(counter_code, []).append(round(now, 1))
    return _serializer(DEVICE_SALT).dumps(updated)

"""Signed, single-use queue ticket codes, printed on the paper ticket and typed on the form.

A vote tied to a ticket cannot be stuffed: the code is verified with the instansi's key and
no lookup, and the portal stores each used code under a unique constraint (single use).

Format (version 1). Bytes, big-endian::

    len(counter_code) : 1 byte
    counter_code      : ASCII [A-Za-z0-9_-], 1..16 bytes (case kept)
    day               : 2 bytes, days since 2000-01-01
    serial            : 3 bytes, 0..16 777 215
    tag               : 8 bytes, HMAC-SHA256(key, "cermin-ticket-v1" NUL payload) truncated

encoded in RFC 4648 base32 (A–Z, 2–7) without padding, in groups of four joined by "-",
e.g. ``AFAU-2TKS-...``. Reading ignores case, spaces and dashes; any other change is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from surveys.errors import InvalidTicket

__all__ = ["InvalidTicket", "Ticket", "new_instansi_key", "peek_counter_code", "sign_ticket", "verify_ticket"]

_CONTEXT = b"cermin-ticket-v1\x00"
_EPOCH = date(2000, 1, 1)
_TAG_BYTES = 8
_MAX_DAYS = 2**16 - 1
MAX_SERIAL = 2**24 - 1
_COUNTER_RE = re.compile(r"[A-Za-z0-9_-]{1,16}")
_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
_GROUP = 4
_MIN_KEY_BYTES = 16
# The longest valid code (16-byte counter code), with room for dashes and spaces.
_MAX_TEXT = 96


@dataclass(frozen=True)
class Ticket:
    """What a verified code says: issued at ``counter_code`` on ``day`` with ``serial``."""

    counter_code: str
    day: date
    serial: int


def new_instansi_key() -> bytes:
    """A fresh 256-bit signing key for one instansi."""
    return secrets.token_bytes(32)


def _tag(key: bytes, payload: bytes) -> bytes:
    if len(key) < _MIN_KEY_BYTES:
        raise ValueError("the ticket key must be at least 16 bytes")
    return hmac.new(key, _CONTEXT + payload, hashlib.sha256).digest()[:_TAG_BYTES]


def sign_ticket(key: bytes, counter_code: str, day: date, serial: int) -> str:
    """The printable code for ticket ``serial`` issued at ``counter_code`` on ``day``."""
    if not _COUNTER_RE.fullmatch(counter_code):
        raise ValueError(f"counter code must match {_COUNTER_RE.pattern}: {counter_code!r}")
    days = (day - _EPOCH).days
    if not 0 <= days <= _MAX_DAYS:
        raise ValueError(f"day out of range: {day}")
    if isinstance(serial, bool) or not 0 <= serial <= MAX_SERIAL:
        raise ValueError(f"serial out of range: {serial}")
    counter = counter_code.encode("ascii")
    payload = (
        bytes([len(counter)]) + counter + days.to_bytes(2, "big") + serial.to_bytes(3, "big")
    )
    text = base64.b32encode(payload + _tag(key, payload)).decode("ascii").rstrip("=")
    return "-".join(text[i : i + _GROUP] for i in range(0, len(text), _GROUP))


def _decode(code: object) -> bytes:
    if not isinstance(code, str) or len(code) > _MAX_TEXT:
        raise InvalidTicket()
    text = "".join(code.split()).replace("-", "").upper()
    if not text or not set(text) <= _ALPHABET:
        raise InvalidTicket()
    try:
        raw = base64.b32decode(text + "=" * (-len(text) % 8))
    except binascii.Error:
        raise InvalidTicket() from None
    # Unused trailing bits must be zero, so each ticket has exactly one spelling.
    if base64.b32encode(raw).decode("ascii").rstrip("=") != text:
        raise InvalidTicket()
    return raw


def peek_counter_code(code: str) -> str:
    """The loket code a ticket *claims*, unverified: only to choose which instansi key verifies it."""
    raw = _decode(code)
    if len(raw) < 2:
        raise InvalidTicket()
    length = raw[0]
    claimed = raw[1 : 1 + length].decode("ascii", errors="replace")
    if not _COUNTER_RE.fullmatch(claimed):
        raise InvalidTicket()
    return claimed


def verify_ticket(key: bytes, code: str) -> Ticket:
    """Read and authenticate a typed code; raise :class:`InvalidTicket` when it is malformed,
    forged or altered. Whether it was already used is the caller's (database's) question.
    """
    raw = _decode(code)
    if len(raw) < 1 + 1 + 2 + 3 + _TAG_BYTES:
        raise InvalidTicket()
    payload, tag = raw[:-_TAG_BYTES], raw[-_TAG_BYTES:]
    if not hmac.compare_digest(tag, _tag(key, payload)):
        raise InvalidTicket()
    length = payload[0]
    if len(payload) != 1 + length + 5:
        raise InvalidTicket()
    counter_code = payload[1 : 1 + length].decode("ascii", errors="replace")
    if not _COUNTER_RE.fullmatch(counter_code):
        raise InvalidTicket()
    days = int.from_bytes(payload[1 + length : 3 + length], "big")
    serial = int.from_bytes(payload[3 + length :], "big")
    return Ticket(counter_code=counter_code, day=_EPOCH + timedelta(days=days), serial=serial)

"""A rater's draft, sealed with a key that only the rater's browser keeps.

Only the rater, logged in, opens their invitation link; the draft must still be theirs alone,
even to whoever reads the database. It is stored encrypted (AES-256-GCM, bound to its
invitation) under a random key that lives in a cookie scoped to the link's path: the same
browser resumes the draft, another device of the rater gets an empty form and a note that a
draft exists elsewhere, and whoever reads the database finds only ciphertext.
"""
from __future__ import annotations

import base64
import binascii

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from portal.reviews import sealing

#: The cookie that carries the key, set with the path of the rater's link only.
COOKIE = "cermin_draf"
#: Marks a sealed draft; drafts saved before sealing existed are plain JSON.
PREFIX = "sealed1:"
KEY_BYTES = sealing.KEY_BYTES


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def encode_key(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode("ascii").rstrip("=")


def decode_key(text: str | None) -> bytes | None:
    """The key from its cookie value; None for a missing or malformed value."""
    if not text or len(text) > 64:
        return None
    try:
        key = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    return key if len(key) == KEY_BYTES else None


def _context(invitation_id: int) -> bytes:
    return f"cermin-review-draft:{invitation_id}".encode()


def seal(plain: str, key: bytes, invitation_id: int) -> str:
    return PREFIX + sealing.encrypt(key, plain.encode("utf-8"), _context(invitation_id))


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)


def unseal(stored: str, key: bytes | None, invitation_id: int) -> str | None:
    """The draft's JSON, or None when this key (or no key) does not open it."""
    if key is None:
        return None
    plain = sealing.decrypt(key, stored[len(PREFIX):], _context(invitation_id))
    return None if plain is None else plain.decode("utf-8")

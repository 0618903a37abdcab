"""Authenticated encryption for what a rater sends: AES-256-GCM bound to a context (which draft,
which cycle's pool), stored as URL-safe base64 of nonce and ciphertext."""
from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12


def encrypt(key: bytes, data: bytes, context: bytes) -> str:
    nonce = os.urandom(NONCE_BYTES)
    return base64.urlsafe_b64encode(nonce + AESGCM(key).encrypt(nonce, data, context)).decode("ascii")


def decrypt(key: bytes, text: str, context: bytes) -> bytes | None:
    """The data, or None when this key (or this context) does not open it."""
    try:
        data = base64.urlsafe_b64decode(text)
        return AESGCM(key).decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], context)
    except (InvalidTag, ValueError, binascii.Error):
        return None

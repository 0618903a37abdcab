"""Signed, URL-safe tokens without the compression attempt.

itsdangerous' URL-safe serializers try zlib on every payload and keep the result only when it is
shorter. The portal's payloads (a form key, a device's counts, a session holding a CSRF token or
a login) are a few dozen bytes that deflate never shortens, and the attempt (a compressor set up
and torn down) cost some 45 µs of the 60 µs a token takes: four times per citizen. These
serializers write the payload uncompressed, in the same format; reading is unchanged, so a token
written compressed before still reads.
"""
from __future__ import annotations

from itsdangerous import Serializer, URLSafeSerializer, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode


def _uncompressed(serializer: Serializer, obj) -> bytes:
    return base64_encode(Serializer.dump_payload(serializer, obj))


class PlainURLSafeSerializer(URLSafeSerializer):
    def dump_payload(self, obj) -> bytes:
        return _uncompressed(self, obj)


class PlainURLSafeTimedSerializer(URLSafeTimedSerializer):
    def dump_payload(self, obj) -> bytes:
        return _uncompressed(self, obj)

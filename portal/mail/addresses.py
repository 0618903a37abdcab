"""Email addresses: one check for every path that stores or sends one (forms, imports, the outbox).

An address is kept only when it is a plain `local@domain` that an SMTP server and a mail header
take as it is: no display name, no quoting, no line breaks or other control characters (which
would let a value add headers or recipients to a message), at most 200 characters.
"""
from __future__ import annotations

import unicodedata

from email_validator import EmailNotValidError, validate_email

from surveys.errors import DomainError
from surveys.i18n import N_

#: The width of the email columns (`employee.email`, `outbox_message.recipient`).
MAX_LENGTH = 200


class InvalidAddress(DomainError, ValueError):
    """An email address the portal does not store or send to, with a message for the user."""

    default_message = N_("Alamat email tidak valid.")


def _breaks_a_header(text: str) -> bool:
    # Cc (controls: CR, LF, TAB, NUL…), Zl and Zp (U+2028, U+2029) and NEL (U+0085) all end a
    # line for some mail software.
    return any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in text)


def normalise(text: str) -> str:
    """The address to store for what was typed or imported (surrounding spaces dropped, the
    domain in lower case and in ASCII); InvalidAddress when it is not one."""
    if _breaks_a_header(text or ""):
        raise InvalidAddress(N_("Alamat email tidak boleh memuat baris baru atau karakter kendali."))
    address = (text or "").strip()
    if len(address) > MAX_LENGTH:
        raise InvalidAddress(N_("Alamat email terlalu panjang (maksimal %(n)d karakter)."), {"n": MAX_LENGTH})
    try:
        checked = validate_email(address, check_deliverability=False, allow_smtputf8=False, strict=True)
    except EmailNotValidError as error:
        raise InvalidAddress() from error
    return checked.ascii_email or checked.normalized

"""Language choice: the user's setting, the language-switch cookie, Accept-Language, Indonesian."""
from __future__ import annotations

import os
from functools import lru_cache

from babel import Locale
from flask import has_request_context, request
from flask_login import current_user
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

LOCALES = ("id", "en")
DEFAULT_LOCALE = "id"
LANG_COOKIE = "lang"


#: The locales themselves, made once: Flask-Babel takes a Locale as it is.
_LOCALE_OF = {code: Locale.parse(code) for code in LOCALES}


def select_locale() -> Locale:
    if not has_request_context():
        # Command-line tools speak Indonesian unless CERMIN_LANG says otherwise.
        lang = os.environ.get("CERMIN_LANG", DEFAULT_LOCALE)
        return _LOCALE_OF.get(lang, _LOCALE_OF[DEFAULT_LOCALE])
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return _LOCALE_OF[current_user.locale]
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in LOCALES:
        return _LOCALE_OF[cookie]
    return _LOCALE_OF[_accepted(request.headers.get("Accept-Language", ""))]


@lru_cache(maxsize=256)
def _accepted(header: str) -> str:
    """The best of our locales for an Accept-Language header (browsers send a handful of them:
    each is parsed once)."""
    return parse_accept_header(header, LanguageAccept).best_match(LOCALES) or DEFAULT_LOCALE


def select_timezone() -> str:
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.instansi.timezone
    return "UTC"

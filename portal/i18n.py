"""Language choice: the user's setting, the language-switch cookie, Accept-Language, Indonesian."""
from __future__ import annotations

import os

from flask import has_request_context, request
from flask_login import current_user

LOCALES = ("id", "en")
DEFAULT_LOCALE = "id"
LANG_COOKIE = "lang"


def select_locale() -> str:
    if not has_request_context():
        # Command-line tools speak Indonesian unless CERMIN_LANG says otherwise.
        lang = os.environ.get("CERMIN_LANG", DEFAULT_LOCALE)
        return lang if lang in LOCALES else DEFAULT_LOCALE
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in LOCALES:
        return cookie
    return request.accept_languages.best_match(LOCALES) or DEFAULT_LOCALE


def select_timezone() -> str:
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.instansi.timezone
    return "UTC"

"""Showing domain errors to the user in their language."""
from __future__ import annotations

from flask_babel import gettext

from surveys.errors import DomainError


def say(error: DomainError) -> str:
    """Translate the error's template, then fill in its parameters."""
    params = {k: gettext(v) if isinstance(v, str) else v for k, v in error.params.items()}
    return gettext(error.message, **params)


def say_template(template: str, params: dict) -> str:
    params = {k: gettext(v) if isinstance(v, str) else v for k, v in params.items()}
    return gettext(template, **params)

"""Showing domain errors and stored explanations to the user in their language."""
from __future__ import annotations

import re
from decimal import Decimal

from flask_babel import format_decimal, gettext

from surveys.errors import DomainError

#: A decimal figure stored as text in an explanation's parameters ("44.44", "3.8750").
DECIMAL_TEXT = re.compile(r"^-?\d+\.\d+$")


def say(error: DomainError) -> str:
    """Translate the error's template, then fill in its parameters."""
    params = {k: gettext(v) if isinstance(v, str) else v for k, v in error.params.items()}
    return gettext(error.message, **params)


def say_template(template: str, params: dict) -> str:
    params = {k: gettext(v) if isinstance(v, str) else v for k, v in params.items()}
    return gettext(template, **params)


def figure_text(value: str | Decimal) -> str:
    """A stored figure written the user's way with exactly its own decimals ("3.8750" is "3,8750"
    in Indonesian): an explanation shows each figure as it was computed, never rounded again."""
    places = max(0, -Decimal(value).as_tuple().exponent)
    return format_decimal(Decimal(value), "#,##0" + ("." + "0" * places if places else ""))


def explained(template: str, params: dict) -> str:
    """One line of a stored explanation ([template, params]), its figures written the user's way."""
    shown = {k: figure_text(v) if isinstance(v, Decimal) or (isinstance(v, str) and DECIMAL_TEXT.match(v)) else v
             for k, v in params.items()}
    return say_template(template, shown)

"""Strict parsing of scores typed or posted by people."""

from __future__ import annotations

_DIGITS = frozenset("0123456789")


def parse_score(value: object, low: int, high: int) -> int | None:
    """An int in [low, high] from an int or an ASCII digit string; None when unusable.

    Bools, floats, signs, "2.5" and other scripts' digits are refused: a form posts the
    button's value, and anything else is not an answer.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        if not text or len(text) > 3 or not set(text) <= _DIGITS:
            return None
        number = int(text)
    else:
        return None
    return number if low <= number <= high else None


def is_blank(value: object) -> bool:
    """No answer given: missing, None, or only whitespace."""
    return value is None or (isinstance(value, str) and not value.strip())

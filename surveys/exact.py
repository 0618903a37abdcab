"""Exact arithmetic helpers shared by the scoring modules."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

Number = int | Fraction | Decimal | float


def to_fraction(value: Number) -> Fraction:
    """Convert ``value`` exactly; a float is read as its shortest repr (so 2.675 means 2.675)."""
    if isinstance(value, bool):
        raise TypeError("a bool is not a number here")
    if isinstance(value, (int, Fraction)):
        return Fraction(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"not a finite number: {value}")
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"not a finite number: {value}")
        # The binary float 2.675 is 2.67499999...; people mean the decimal they typed.
        return Fraction(Decimal(repr(value)))
    raise TypeError(f"not a number: {value!r}")


def round_half_up(value: Number, places: int = 2) -> Decimal:
    """Round exactly to ``places`` decimals, halves away from zero (88.305 → 88.31)."""
    if places < 0:
        raise ValueError("places must be >= 0")
    exact = to_fraction(value)
    scaled = abs(exact) * 10**places
    magnitude = math.floor(scaled + Fraction(1, 2))
    sign = 1 if exact < 0 and magnitude else 0
    digits = tuple(int(d) for d in str(magnitude))
    return Decimal((sign, digits, -places))

"""Exact arithmetic helpers shared by the scoring modules."""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Context, Decimal
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


#: A positive float below this, rounded to at most _QUICK_PLACES places, is rounded by the decimal
#: module from its shortest repr (the figures fit its precision): the same value and exponent as
#: through a Fraction, several times sooner (the merge rounds a float margin per officer).
_QUICK_BELOW, _QUICK_PLACES = 1e15, 10
_QUICK = Context(prec=40)


def round_half_up(value: Number, places: int = 2) -> Decimal:
    """Round exactly to ``places`` decimals, halves away from zero (88.305 → 88.31)."""
    if places < 0:
        raise ValueError("places must be >= 0")
    if type(value) is float and 0.0 < value < _QUICK_BELOW and places <= _QUICK_PLACES:
        return Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP, context=_QUICK)
    exact = value if type(value) in (int, Fraction) else to_fraction(value)
    numerator, denominator = exact.numerator, exact.denominator
    # floor(|value| × 10^places + 1/2) in integers: a dashboard rounds several hundred figures.
    magnitude = (2 * abs(numerator) * 10**places + denominator) // (2 * denominator)
    sign = "-" if numerator < 0 and magnitude else ""
    return Decimal(f"{sign}{magnitude}E-{places}")


def largest_remainder(parts: Sequence[Number], total: Number = 100, places: int = 2) -> list[Decimal]:
    """Round ``parts`` (which add up to ``total`` exactly) to ``places`` decimals so that the
    rounded figures add up to ``total`` too: each part is rounded down, and the units still
    missing go one each to the parts with the largest remainders, ties to the part listed first
    (the largest remainder method, as seats are shared out in an election).

    A part that is already a multiple of the unit is never changed, so weights of 40, 35 and 25
    stay 40.00, 35.00 and 25.00; 100/3 three times gives 33.34, 33.33 and 33.33.
    """
    if places < 0:
        raise ValueError("places must be >= 0")
    exact = [to_fraction(part) for part in parts]
    if any(part < 0 for part in exact):
        raise ValueError("parts must not be negative")
    if sum(exact, Fraction(0)) != to_fraction(total):
        raise ValueError(f"parts add up to {sum(exact, Fraction(0))}, not {total}")
    scale = 10**places
    floors = [math.floor(part * scale) for part in exact]
    missing = int(to_fraction(total) * scale) - sum(floors)
    by_remainder = sorted(range(len(exact)), key=lambda i: (-(exact[i] * scale - floors[i]), i))
    for i in by_remainder[:missing]:
        floors[i] += 1
    return [Decimal(units).scaleb(-places) for units in floors]

"""When to alert a unit head about unhappy citizens."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction

from surveys import kiosk, skm
from surveys.exact import to_fraction


def negative_share_exceeds(
    negative: int, n: int, threshold_percent: Decimal | int, min_n: int
) -> bool:
    """True when a window has at least ``min_n`` answers and the negative share is above
    ``threshold_percent`` (strictly; compared exactly). Too few answers never alert: one
    unhappy visitor out of two is not a trend.
    """
    threshold = to_fraction(threshold_percent)
    if not 0 <= threshold <= 100:
        raise ValueError(f"threshold_percent must be within 0..100, got {threshold_percent}")
    if min_n < 1:
        raise ValueError("min_n must be >= 1")
    if n < 0 or not 0 <= negative <= n:
        raise ValueError(f"impossible counts: {negative} negative of {n}")
    return n >= min_n and Fraction(negative * 100, n) > threshold


#: A response with a total below this (mean below 2.5 over nine unsur) counts as negative.
_NEGATIVE_SKM_TOTAL = Fraction(5, 2) * len(skm.UNSUR_CODES)


def is_negative_skm(scores: Mapping[str, object]) -> bool:
    """An SKM response is negative when its mean over the nine unsur is below 2.5, i.e. it
    leans to the "tidak / kurang" answers (1–2) rather than the positive ones (3–4).
    """
    return sum(skm.validate_scores(scores).values()) < _NEGATIVE_SKM_TOTAL


def is_negative_face(face: object) -> bool:
    """A kiosk answer is negative when it is one of the two unhappy faces."""
    return kiosk.validate_face(face) in kiosk.NEGATIVE_FACES

"""The uncertainty of officer-level figures: 95% t-intervals on a mean, and whether an officer is
reliably below their peers (Welch's comparison, within each layanan, weighted by responses).

Everything is computed from moments (n, Σx, Σx²) that SQL sums from the rollups, never from the
responses one by one. Means and variances are exact (Fractions); only the square root and the t
quantile are floating point, and a figure is rounded once, where it is shown. `docs/statistics.md`
describes the method with a worked example.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from statistics import NormalDist

from surveys.exact import Number, round_half_up, to_fraction

#: The confidence of every interval and comparison.
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Moments:
    """n values, their sum and the sum of their squares."""

    n: int
    total: Fraction
    squares: Fraction

    def __post_init__(self) -> None:
        if self.n < 0:
            raise ValueError("n must be >= 0")
        object.__setattr__(self, "total", to_fraction(self.total))
        object.__setattr__(self, "squares", to_fraction(self.squares))

    @classmethod
    def of(cls, values: Sequence[Number]) -> Moments:
        exact = [to_fraction(v) for v in values]
        return cls(len(exact), sum(exact, Fraction(0)), sum((v * v for v in exact), Fraction(0)))

    def __add__(self, other: Moments) -> Moments:
        return Moments(self.n + other.n, self.total + other.total, self.squares + other.squares)

    def __sub__(self, other: Moments) -> Moments:
        return Moments(self.n - other.n, self.total - other.total, self.squares - other.squares)

    def scaled(self, factor: Number, offset: Number = 0) -> Moments:
        """The moments of factor × x + offset."""
        a, b = to_fraction(factor), to_fraction(offset)
        return Moments(self.n, a * self.total + b * self.n,
                       a * a * self.squares + 2 * a * b * self.total + b * b * self.n)

    @property
    def mean(self) -> Fraction:
        if not self.n:
            raise ValueError("no values")
        return self.total / self.n

    @property
    def variance(self) -> Fraction:
        """The sample variance (n − 1 in the denominator), exact; needs two values."""
        if self.n < 2:
            raise ValueError("a variance needs two values")
        return max(Fraction(0), (self.squares - self.total * self.total / self.n) / (self.n - 1))


# --- Student's t ---------------------------------------------------------------------------------


def _continued_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz)."""
    tiny, eps = 1e-300, 1e-16
    qab, qap, qam = a + b, a + 1, a - 1
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 400):
        m2 = 2 * m
        for numerator in (m * (b - m) * x / ((qam + m2) * (a + m2)),
                          -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < eps:
            break
    return h


def _incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1) / (a + b + 2):
        return front * _continued_fraction(a, b, x) / a
    return 1.0 - front * _continued_fraction(b, a, 1 - x) / b


def t_cdf(t: float, df: float) -> float:
    """P(T ≤ t) for Student's t with ``df`` degrees of freedom (df > 0, not necessarily whole)."""
    if df <= 0:
        raise ValueError("df must be > 0")
    tail = 0.5 * _incomplete_beta(df / 2, 0.5, df / (df + t * t))
    return 1 - tail if t >= 0 else tail


#: From this many degrees of freedom the Cornish–Fisher expansion alone is within 10⁻¹⁰ of t.
_EXPANSION_FROM = 100


def _t_density(t: float, df: float) -> float:
    return math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
                    - (df + 1) / 2 * math.log1p(t * t / df))


@lru_cache(maxsize=4096)
def t_quantile(probability: float, df: float) -> float:
    """The t value below which ``probability`` of Student's t lies (e.g. 0.975, 10 → 2.2281);
    what a spreadsheet's T.INV(probability; df) gives.

    The Cornish–Fisher expansion of the normal quantile (Abramowitz and Stegun 26.7.5), exact to
    10⁻¹⁰ from 100 degrees of freedom on; below, Newton's method on the distribution function
    from there, a few steps to full precision (bisection where Newton would not settle). A merge
    can afford one per officer.
    """
    if not 0.5 <= probability < 1:
        raise ValueError("probability must be in [0.5, 1)")
    if df <= 0:
        raise ValueError("df must be > 0")
    z = NormalDist().inv_cdf(probability)
    g = ((z**3 + z) / 4, (5 * z**5 + 16 * z**3 + 3 * z) / 96,
         (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384,
         (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160)
    t = z + sum(term / df ** (i + 1) for i, term in enumerate(g))
    if df >= _EXPANSION_FROM:
        return t
    for _ in range(50):
        step = (t_cdf(t, df) - probability) / _t_density(t, df)
        if not math.isfinite(step) or t - step <= 0:
            break
        t -= step
        if abs(step) < 1e-13 * max(1.0, t):
            return t
    return _t_bisection(probability, df)


def _t_bisection(probability: float, df: float) -> float:
    low, high = 0.0, 1.0
    while t_cdf(high, df) < probability:
        high *= 2
    for _ in range(200):
        middle = (low + high) / 2
        if t_cdf(middle, df) < probability:
            low = middle
        else:
            high = middle
        if high - low < 1e-13 * max(1.0, high):
            break
    return (low + high) / 2


def critical_t(df: float, confidence: float = CONFIDENCE) -> float:
    """The two-sided critical value: T.INV.2T(1 − confidence; df)."""
    return t_quantile(1 - (1 - confidence) / 2, df)


# --- intervals -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    """A figure as shown, its 95% margin as shown, and the bounds the two give (clipped to the
    scale): low = figure − margin, high = figure + margin, so a reader can check them."""

    figure: Decimal
    margin: Decimal
    low: Decimal
    high: Decimal


def margin(moments: Moments, confidence: float = CONFIDENCE) -> float | None:
    """The half-width of the t-interval on the mean: t(n − 1) × s / √n; None below two values."""
    if moments.n < 2:
        return None
    return critical_t(moments.n - 1, confidence) * math.sqrt(moments.variance / moments.n)


def mean_interval(moments: Moments, scale: tuple[Number, Number], places: int = 2,
                  confidence: float = CONFIDENCE) -> Interval | None:
    """The mean and its 95% t-interval, rounded once where shown: the mean and the margin each
    half up to ``places``, the bounds their difference and sum, kept within ``scale``. None below
    two values (no spread, no interval)."""
    half = margin(moments, confidence)
    if half is None:
        return None
    figure = round_half_up(moments.mean, places)
    shown_margin = round_half_up(half, places)
    low, high = (round_half_up(end, places) for end in scale)
    return Interval(figure, shown_margin, max(low, figure - shown_margin), min(high, figure + shown_margin))


# --- comparison with peers -----------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """An officer against peers, pooled over layanan: the weighted difference of means (officer
    minus peers) and the upper end of its 95% interval. ``reliably_below`` when that end is under
    zero."""

    difference: float
    upper: float
    n: int

    @property
    def reliably_below(self) -> bool:
        return self.upper < 0


def compare_with_peers(parts: Sequence[tuple[Moments, Moments]], confidence: float = CONFIDENCE) -> Comparison | None:
    """Welch's comparison of an officer with the other officers, one (officer, peers) pair per
    layanan, weighted by the officer's responses at each. A layanan counts when both sides have
    at least two responses. The variance of the weighted difference is Σ w² (s²ₒ/nₒ + s²ₚ/nₚ),
    its degrees of freedom Welch–Satterthwaite's. None when no layanan counts."""
    usable = [(officer, peers) for officer, peers in parts if officer.n >= 2 and peers.n >= 2]
    if not usable:
        return None
    total = sum(officer.n for officer, _peers in usable)
    difference, variance, denominator = 0.0, 0.0, 0.0
    for officer, peers in usable:
        weight = officer.n / total
        difference += weight * float(officer.mean - peers.mean)
        for side in (officer, peers):
            term = weight * weight * float(side.variance) / side.n
            variance += term
            denominator += term * term / (side.n - 1)
    if variance == 0:
        return Comparison(difference, difference, total)
    df = variance * variance / denominator
    return Comparison(difference, difference + critical_t(df, confidence) * math.sqrt(variance), total)

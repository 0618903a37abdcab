"""Appraisal of ASN performance (PermenPANRB No. 6 Tahun 2022).

The regulation fixes the ratings, the predikat matrix and the expected distribution of
predikat. It fixes no numeric weighting: the composite score here is the organisation's own
policy, and it only *suggests* a rating that the Pejabat Penilai confirms or overrides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from fractions import Fraction

from surveys import berakhlak, skm, stats
from surveys.errors import InvalidValue, InvalidWeights
from surveys.exact import Number, largest_remainder, round_half_up, to_fraction
from surveys.i18n import N_, Message

# --- ratings and predikat -------------------------------------------------------------------


class Rating(str, Enum):
    """The rating of hasil kerja or perilaku kerja; the value is the regulation's wording."""

    DI_ATAS = N_("Di Atas Ekspektasi")
    SESUAI = N_("Sesuai Ekspektasi")
    DI_BAWAH = N_("Di Bawah Ekspektasi")

    @property
    def label(self) -> str:
        return self.value


_RATING_WORDS = {
    **{rating.value.casefold(): rating for rating in Rating},
    **{rating.name.casefold(): rating for rating in Rating},
    **{rating.name.casefold().replace("_", " "): rating for rating in Rating},
    "atas": Rating.DI_ATAS,
    "sesuai": Rating.SESUAI,
    "bawah": Rating.DI_BAWAH,
}


def parse_rating(text: str | Rating) -> Rating:
    """Read a rating from its wording, its name or a short code ("atas", "sesuai", "bawah"),
    ignoring case and extra whitespace.
    """
    if isinstance(text, Rating):
        return text
    key = " ".join(str(text).split()).casefold()
    try:
        return _RATING_WORDS[key]
    except KeyError:
        raise InvalidValue(
            N_(
                "Penilaian \"%(text)s\" tidak dikenal. Pilih Di Atas Ekspektasi, "
                "Sesuai Ekspektasi, atau Di Bawah Ekspektasi."
            ),
            {"text": str(text)},
        ) from None


class Predikat(str, Enum):
    """Predikat kinerja of an employee."""

    SANGAT_BAIK = N_("Sangat Baik")
    BAIK = N_("Baik")
    BUTUH_PERBAIKAN = N_("Butuh Perbaikan")
    KURANG = N_("Kurang/Misconduct")
    SANGAT_KURANG = N_("Sangat Kurang")

    @property
    def label(self) -> str:
        return self.value


#: The regulation's matrix: rows hasil kerja, columns perilaku kerja.
PREDIKAT_MATRIX: dict[Rating, dict[Rating, Predikat]] = {
    Rating.DI_ATAS: {
        Rating.DI_BAWAH: Predikat.KURANG,
        Rating.SESUAI: Predikat.BAIK,
        Rating.DI_ATAS: Predikat.SANGAT_BAIK,
    },
    Rating.SESUAI: {
        Rating.DI_BAWAH: Predikat.KURANG,
        Rating.SESUAI: Predikat.BAIK,
        Rating.DI_ATAS: Predikat.BAIK,
    },
    Rating.DI_BAWAH: {
        Rating.DI_BAWAH: Predikat.SANGAT_KURANG,
        Rating.SESUAI: Predikat.BUTUH_PERBAIKAN,
        Rating.DI_ATAS: Predikat.BUTUH_PERBAIKAN,
    },
}


def predikat(hasil_kerja: Rating, perilaku: Rating) -> Predikat:
    """Predikat kinerja from the rating of hasil kerja and of perilaku kerja."""
    return PREDIKAT_MATRIX[Rating(hasil_kerja)][Rating(perilaku)]


# --- scores and the weighted composite ------------------------------------------------------


def normalise(x: Number, scale_min: Number, scale_max: Number) -> Fraction:
    """Map ``x`` on [scale_min, scale_max] linearly onto 0..100, exactly."""
    low, high, value = to_fraction(scale_min), to_fraction(scale_max), to_fraction(x)
    if low >= high:
        raise ValueError(f"empty scale {scale_min}..{scale_max}")
    if not low <= value <= high:
        raise InvalidValue(
            N_("Nilai %(value)s di luar skala %(min)s sampai %(max)s."),
            {"value": str(x), "min": str(scale_min), "max": str(scale_max)},
        )
    return (value - low) / (high - low) * 100


class Component(str, Enum):
    """A source of evidence for the composite score."""

    CITIZEN = "citizen"
    ATASAN = "atasan"
    REKAN = "rekan"
    BAWAHAN = "bawahan"
    SELF = "self"

    @property
    def label(self) -> str:
        return _COMPONENT_LABELS[self]


_COMPONENT_LABELS = {
    Component.CITIZEN: N_("Masyarakat"),
    Component.ATASAN: N_("Atasan"),
    Component.REKAN: N_("Rekan kerja"),
    Component.BAWAHAN: N_("Bawahan"),
    Component.SELF: N_("Diri sendiri"),
}


class LeftOut(str, Enum):
    """Why a weighted component was left out of the composite."""

    NO_DATA = "no_data"
    TOO_FEW = "too_few"
    #: An anonymous rater group with no answers that may be shown: how many answered is not said.
    HIDDEN = "hidden"


@dataclass(frozen=True)
class ComponentEvidence:
    """One component's score on 0..100 (None when there is none) and its response count.

    ``anonymous`` marks a rater group shown only above the anonymity threshold: left out, it is
    explained without its count, which would tell how many answered in a hidden group.
    """

    component: Component
    score_0_100: Fraction | None
    n: int
    min_n: int
    anonymous: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "component", Component(self.component))
        if self.score_0_100 is not None:
            score = to_fraction(self.score_0_100)
            if not 0 <= score <= 100:
                raise ValueError(f"score {self.score_0_100} outside 0..100")
            object.__setattr__(self, "score_0_100", score)
        if self.n < 0 or self.min_n < 1:
            raise ValueError("n must be >= 0 and min_n >= 1")


@dataclass(frozen=True)
class CompositeResult:
    """The weighted score (None when no component is usable) and how it was reached.

    ``weights_used`` are the weights after renormalisation (they sum to 100), ``weights_shown``
    the same to two decimals by largest remainder (they sum to 100.00); ``explanations`` are
    ``(template, params)`` pairs in plain Indonesian for the employee and the Penilai.
    """

    score: Fraction | None
    weights_used: dict[Component, Fraction]
    left_out: list[tuple[Component, LeftOut]] = field(default_factory=list)
    explanations: list[Message] = field(default_factory=list)
    weights_shown: dict[Component, Decimal] = field(default_factory=dict)

    @property
    def score_display(self) -> Decimal | None:
        return None if self.score is None else round_half_up(self.score, 2)


def _percent(value: Fraction) -> Decimal:
    return round_half_up(value, 2)


def validate_weights(weights: Mapping[Component | str, Number]) -> dict[Component, Fraction]:
    """Every component's weight (missing ones are 0), each within 0..100, summing to 100."""
    result = dict.fromkeys(Component, Fraction(0))
    for key, raw in weights.items():
        try:
            component = Component(key)
        except ValueError:
            raise InvalidWeights(
                N_("Komponen %(component)s tidak dikenal."), {"component": str(key)}
            ) from None
        try:
            weight = to_fraction(raw)
        except (TypeError, ValueError):
            raise InvalidWeights(
                N_("Bobot %(component)s harus berupa angka."), {"component": component.label}
            ) from None
        if not 0 <= weight <= 100:
            raise InvalidWeights(
                N_("Bobot %(component)s harus antara 0 dan 100."),
                {"component": component.label},
            )
        result[component] = weight
    total = sum(result.values(), Fraction(0))
    if total != 100:
        raise InvalidWeights(
            N_("Jumlah bobot harus 100, sekarang %(total)s."),
            {"total": total.numerator if total.denominator == 1 else _percent(total)},
        )
    return result


#: The composite's explanations (``(template, params)``; see :func:`composite`).
MSG_NO_DATA = N_("Komponen %(component)s tidak disertakan: belum ada data.")
MSG_TOO_FEW = N_(
    "Komponen %(component)s tidak disertakan: hanya %(n)d tanggapan, minimal %(min)d."
)
MSG_HIDDEN_GROUP = N_(
    "Komponen %(component)s tidak disertakan: belum ada tanggapan yang mencapai ambang anonimitas."
)
MSG_NO_COMPONENT = N_(
    "Belum ada komponen dengan data yang cukup, jadi skor gabungan belum dapat dihitung."
)
MSG_REWEIGHTED = N_("Bobot komponen yang tersisa disesuaikan agar jumlahnya tetap 100.")
MSG_WEIGHT_NOW = N_("Bobot %(component)s menjadi %(used)s%% (semula %(configured)s%%).")


def _leave_out(
    component: Component, item: ComponentEvidence | None
) -> tuple[LeftOut, Message] | None:
    """Why a weighted component cannot count, with its explanation; None when it can."""
    if item is not None and item.anonymous and (item.score_0_100 is None or item.n < item.min_n):
        return LeftOut.HIDDEN, (MSG_HIDDEN_GROUP, {"component": component.label})
    if item is None or item.score_0_100 is None or item.n == 0:
        return LeftOut.NO_DATA, (MSG_NO_DATA, {"component": component.label})
    if item.n < item.min_n:
        return LeftOut.TOO_FEW, (
            MSG_TOO_FEW,
            {"component": component.label, "n": item.n, "min": item.min_n},
        )
    return None


def composite(
    evidence: Sequence[ComponentEvidence], weights: Mapping[Component | str, Number]
) -> CompositeResult:
    """Weighted mean of the components' 0..100 scores.

    Components weighted 0 are ignored. A weighted component with no score, or with fewer than
    its ``min_n`` responses, is left out and the remaining weights are scaled to sum to 100,
    so a missing voice neither drags the score down nor is silently replaced.
    """
    configured = validate_weights(weights)
    by_component: dict[Component, ComponentEvidence] = {}
    for item in evidence:
        if item.component in by_component:
            raise ValueError(f"two pieces of evidence for {item.component}")
        by_component[item.component] = item

    scores: dict[Component, Fraction] = {}
    left_out: list[tuple[Component, LeftOut]] = []
    explanations: list[Message] = []
    for component in (c for c, weight in configured.items() if weight):
        found = by_component.get(component)
        leave_out = _leave_out(component, found)
        if leave_out is not None:
            reason, explanation = leave_out
            left_out.append((component, reason))
            explanations.append(explanation)
        elif found is not None and found.score_0_100 is not None:  # narrows the type
            scores[component] = found.score_0_100

    if not scores:
        explanations.append((MSG_NO_COMPONENT, {}))
        return CompositeResult(None, {}, left_out, explanations)

    included_total = sum(configured[c] for c in scores)
    weights_used = {c: configured[c] / included_total * 100 for c in scores}
    weights_shown = shown_weights(weights_used)
    score = sum((scores[c] * weights_used[c] / 100 for c in scores), Fraction(0))
    if left_out:
        explanations.append((MSG_REWEIGHTED, {}))
        explanations.extend(
            (
                MSG_WEIGHT_NOW,
                {
                    "component": c.label,
                    "used": weights_shown[c],
                    "configured": _percent(configured[c]),
                },
            )
            for c in weights_used
        )
    return CompositeResult(score, weights_used, left_out, explanations, weights_shown)


def shown_weights(weights: Mapping[Component, Fraction]) -> dict[Component, Decimal]:
    """Weights that add up to 100 as shown: two decimals by largest remainder, ties going to
    the component listed first (citizen, atasan, rekan, bawahan, self)."""
    ordered = [c for c in Component if c in weights]
    return dict(zip(ordered, largest_remainder([weights[c] for c in ordered])))


def shown_composite(scores: Mapping[Component, Decimal], weights: Mapping[Component, Decimal]) -> Decimal:
    """The composite as an auditor recomputes it from what is shown: the weighted mean of the
    shown component scores (two decimals) with the shown weights (two decimals adding up to
    100.00, :func:`shown_weights`), rounded half up once to two decimals."""
    if set(scores) != set(weights) or sum(weights.values(), Decimal(0)) != 100:
        raise ValueError("the shown weights must cover the shown scores and add up to 100")
    return round_half_up(sum((to_fraction(scores[c]) * to_fraction(weights[c]) for c in scores), Fraction(0)) / 100, 2)


def citizen_component(ikm_shown: Number) -> Decimal:
    """The citizen component (0–100) from the officer's IKM as shown (25–100, two decimals):
    (IKM − 25) / 75 × 100, rounded half up to two decimals. IKM 25 is 0, 100 is 100."""
    return round_half_up(normalise(ikm_shown, skm.SCALE_MIN * skm.CONVERSION, skm.SCALE_MAX * skm.CONVERSION), 2)


def suggest_rating(
    score: Number, above: Number = Decimal(80), meets: Number = Decimal(60)
) -> Rating:
    """Suggest a rating from a 0..100 score: ≥ ``above`` Di Atas, ≥ ``meets`` Sesuai, else
    Di Bawah. Only a suggestion: the Pejabat Penilai decides.
    """
    value, upper, lower = to_fraction(score), to_fraction(above), to_fraction(meets)
    if not 0 <= lower < upper <= 100:
        raise InvalidValue(
            N_("Batas penilaian harus 0 ≤ %(meets)s < %(above)s ≤ 100."),
            {"meets": str(meets), "above": str(above)},
        )
    if not 0 <= value <= 100:
        raise ValueError(f"score {score} outside 0..100")
    if value >= upper:
        return Rating.DI_ATAS
    if value >= lower:
        return Rating.SESUAI
    return Rating.DI_BAWAH


# --- pola distribusi ------------------------------------------------------------------------


class OrgPredikat(str, Enum):
    """The organisation's own predikat, which sets the expected spread of employee predikat."""

    ISTIMEWA = N_("Istimewa")
    BAIK = N_("Baik")
    BUTUH_PERBAIKAN = N_("Butuh Perbaikan")
    KURANG = N_("Kurang")
    SANGAT_KURANG = N_("Sangat Kurang")

    @property
    def label(self) -> str:
        return self.value


MSG_AT_MOST = N_(
    "Predikat %(predikat)s diberikan kepada %(share)s%% pegawai (%(count)d dari %(total)d); "
    "untuk organisasi berpredikat %(org)s paling banyak %(limit)d%%."
)
MSG_AT_LEAST = N_(
    "Predikat %(predikat)s diberikan kepada %(share)s%% pegawai (%(count)d dari %(total)d); "
    "untuk organisasi berpredikat %(org)s paling sedikit %(limit)d%%."
)
MSG_LOW_EITHER = N_(
    "Predikat Kurang/Misconduct dan Butuh Perbaikan bersama diberikan kepada %(share)s%% "
    "pegawai (%(count)d dari %(total)d); untuk organisasi berpredikat %(org)s paling sedikit "
    "%(limit)d%%."
)
MSG_NEEDS_LOW = N_(
    "Organisasi berpredikat %(org)s diharapkan memiliki pegawai berpredikat Butuh Perbaikan "
    "dan/atau Kurang/Misconduct, tetapi belum ada."
)
MSG_NONE_ALLOWED = N_(
    "Organisasi berpredikat %(org)s tidak semestinya memiliki pegawai berpredikat "
    "%(predikat)s, tetapi ada %(count)d."
)

# (predikat counted, "max" or "min", percent) per organisation predikat, from the regulation.
_SHARE_RULES: dict[OrgPredikat, tuple[tuple[Predikat, str, int], ...]] = {
    OrgPredikat.ISTIMEWA: ((Predikat.SANGAT_BAIK, "max", 70),),
    OrgPredikat.BAIK: ((Predikat.BAIK, "max", 70),),
    OrgPredikat.BUTUH_PERBAIKAN: (
        (Predikat.BUTUH_PERBAIKAN, "min", 60),
        (Predikat.SANGAT_BAIK, "max", 10),
    ),
    OrgPredikat.KURANG: (
        (Predikat.KURANG, "min", 60),
        (Predikat.BUTUH_PERBAIKAN, "min", 10),
        (Predikat.SANGAT_BAIK, "max", 10),
    ),
    OrgPredikat.SANGAT_KURANG: ((Predikat.SANGAT_KURANG, "min", 60),),
}


def predikat_shares(counts: Mapping[Predikat | str, int]) -> dict[Predikat, Decimal]:
    """Each predikat's share of the employees, in percent to two decimals, as shown: by the
    largest remainder method, so the shares add up to exactly 100.00 (ties to the predikat
    listed first). Every statement about a share (the table, the warnings and the check
    against the pola distribusi) uses these figures. No employees: every share is 0.00.
    """
    tally = dict.fromkeys(Predikat, 0)
    for key, count in counts.items():
        if count < 0:
            raise ValueError(f"negative count for {key}")
        tally[Predikat(key)] += count
    total = sum(tally.values())
    if total == 0:
        return dict.fromkeys(Predikat, Decimal("0.00"))
    return dict(zip(tally, largest_remainder([Fraction(count * 100, total) for count in tally.values()])))


def distribution_warnings(
    org: OrgPredikat, counts: Mapping[Predikat | str, int]
) -> list[Message]:
    """Departures from the expected spread of employee predikat, as warnings for HR.

    The detail of the rules is unconfirmed, so they never block: a departure is a warning,
    not an error. No employees, no warnings. Invalid input (a negative count) still raises.
    The shares are compared as shown (:func:`predikat_shares`), so a table reading 70.00%
    never carries a warning that it is above 70%.
    """
    org = OrgPredikat(org)
    shares = predikat_shares(counts)
    tally = dict.fromkeys(Predikat, 0)
    for key, count in counts.items():
        tally[Predikat(key)] += count
    total = sum(tally.values())
    if total == 0:
        return []

    base = {"org": org.label, "total": total}
    warnings: list[Message] = []
    for counted, kind, limit in _SHARE_RULES[org]:
        count, share = tally[counted], shares[counted]
        if (kind == "max" and share > limit) or (kind == "min" and share < limit):
            warnings.append(
                (
                    MSG_AT_MOST if kind == "max" else MSG_AT_LEAST,
                    {**base, "predikat": counted.label, "share": share, "count": count, "limit": limit},
                )
            )
    low = tally[Predikat.BUTUH_PERBAIKAN] + tally[Predikat.KURANG]
    if org is OrgPredikat.BAIK and low == 0:
        warnings.append((MSG_NEEDS_LOW, dict(base)))
    if org is OrgPredikat.SANGAT_KURANG:
        low_share = shares[Predikat.BUTUH_PERBAIKAN] + shares[Predikat.KURANG]
        if low_share < 10:
            warnings.append((MSG_LOW_EITHER, {**base, "share": low_share, "count": low, "limit": 10}))
        if tally[Predikat.SANGAT_BAIK]:
            warnings.append(
                (
                    MSG_NONE_ALLOWED,
                    {
                        **base,
                        "predikat": Predikat.SANGAT_BAIK.label,
                        "count": tally[Predikat.SANGAT_BAIK],
                    },
                )
            )
    return warnings


# --- development areas ----------------------------------------------------------------------


@dataclass(frozen=True)
class DevelopmentAreas:
    """The weakest BerAKHLAK values and officer unsur, weakest first."""

    values: tuple[str, ...]
    unsur: tuple[str, ...]


def _weakest(means: Mapping[str, Fraction], order: Sequence[str], k: int) -> tuple[str, ...]:
    unknown = set(means) - set(order)
    if unknown:
        raise ValueError(f"unknown codes: {sorted(unknown)}")
    position = {code: i for i, code in enumerate(order)}
    ranked = sorted(means, key=lambda code: (to_fraction(means[code]), position[code]))
    return tuple(ranked[:k])


def development_areas(
    value_means: Mapping[str, Fraction], unsur_nrr: Mapping[str, Fraction], k: int = 2
) -> DevelopmentAreas:
    """The ``k`` lowest-scoring values and unsur, ties broken by their order in the
    instrument; where to start the tindak lanjut.
    """
    if k < 1:
        raise ValueError("k must be >= 1")
    return DevelopmentAreas(
        values=_weakest(value_means, berakhlak.VALUE_CODES, k),
        unsur=_weakest(unsur_nrr, skm.UNSUR_CODES, k),
    )


@dataclass(frozen=True)
class UnsurGap:
    """An officer unsur on which the officer is reliably below the other officers at the same
    layanan: the officer's mean and the peers' (weighted by the officer's responses at each
    layanan, on 1–4), their difference and the upper end of its 95% interval (under zero)."""

    code: str
    officer_mean: float
    peers_mean: float
    comparison: stats.Comparison


def unsur_below_peers(per_unsur: Mapping[str, Sequence[tuple[stats.Moments, stats.Moments]]],
                      min_n: int) -> tuple[UnsurGap, ...]:
    """The development areas among the officer unsur: for each unsur, the officer's answers
    against the other officers' at each layanan the officer served (one (officer, peers) pair of
    moments per layanan), compared by :func:`surveys.stats.compare_with_peers`. An unsur counts
    when the officer is reliably below, not under a fixed cut-off, and only when the officer has
    at least ``min_n`` answers at the layanan compared; most below first, ties in U-order.
    """
    if min_n < 1:
        raise ValueError("min_n must be >= 1")
    unknown = set(per_unsur) - set(skm.UNSUR_CODES)
    if unknown:
        raise ValueError(f"unknown codes: {sorted(unknown)}")
    gaps = []
    for code in (c for c in skm.UNSUR_CODES if c in per_unsur):
        parts = [(officer, peers) for officer, peers in per_unsur[code] if officer.n >= 2 and peers.n >= 2]
        found = stats.compare_with_peers(parts)
        if found is None or found.n < min_n or not found.reliably_below:
            continue
        officer_mean = sum(officer.n / found.n * float(officer.mean) for officer, _peers in parts)
        peers_mean = sum(officer.n / found.n * float(peers.mean) for officer, peers in parts)
        gaps.append(UnsurGap(code, officer_mean, peers_mean, found))
    position = {code: i for i, code in enumerate(skm.UNSUR_CODES)}
    return tuple(sorted(gaps, key=lambda gap: (gap.comparison.difference, position[gap.code])))

"""Survei Kepuasan Masyarakat (SKM) and its index (IKM), per PermenPANRB No. 14 Tahun 2017.

Nine unsur, each answered 1..4. NRR of an unsur = sum of its scores / respondents; the IKM
(1–4) is the exact mean of the NRRs (the weight 1/9, never the printed 0.111); the published
IKM is that value × 25, rounded half up to two decimals, and the mutu is read from that
rounded figure so the number shown and its category always agree.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from surveys.errors import InvalidResponse, InvalidValue, NoResponses
from surveys.exact import Number, round_half_up, to_fraction
from surveys.i18n import N_
from surveys.inputs import is_blank, parse_score
from surveys.stats import Moments

__all__ = [
    "AGE_RANGES",
    "DEFAULT_OFFICER_UNSUR",
    "EDUCATION",
    "GENDERS",
    "LARGE_POPULATION_SAMPLE",
    "MUTU_BANDS",
    "OCCUPATIONS",
    "OPTIONAL_OFFICER_UNSUR",
    "PRODUCT_KEYS",
    "SCALE_MAX",
    "SCALE_MIN",
    "SQUARE_KEYS",
    "UNSUR",
    "UNSUR_BY_KODE",
    "UNSUR_CODES",
    "IkmResult",
    "InvalidResponse",
    "MutuBand",
    "NoResponses",
    "SampleAdequacy",
    "Unsur",
    "compute_ikm",
    "compute_ikm_for_subset",
    "ikm_from_responses",
    "krejcie_morgan",
    "mutu_for",
    "nrr",
    "officer_moments",
    "round_half_up",
    "sample_adequacy",
    "unsur_moments",
    "validate_officer_unsur",
    "validate_scores",
]

SCALE_MIN = 1
SCALE_MAX = 4
#: The IKM conversion factor from the 1–4 scale to 25–100.
CONVERSION = 25


@dataclass(frozen=True)
class Unsur:
    """One element of the SKM questionnaire; ``labels`` are the answers for scores 1→4."""

    kode: str
    name: str
    question: str
    labels: tuple[str, str, str, str]


UNSUR: tuple[Unsur, ...] = (
    Unsur(
        "U1",
        N_("Persyaratan"),
        N_(
            "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan "
            "dengan jenis pelayanannya?"
        ),
        (N_("Tidak sesuai"), N_("Kurang sesuai"), N_("Sesuai"), N_("Sangat sesuai")),
    ),
    Unsur(
        "U2",
        N_("Sistem, Mekanisme, dan Prosedur"),
        N_("Bagaimana pendapat Saudara tentang kemudahan prosedur pelayanan di unit ini?"),
        (N_("Tidak mudah"), N_("Kurang mudah"), N_("Mudah"), N_("Sangat mudah")),
    ),
    Unsur(
        "U3",
        N_("Waktu Penyelesaian"),
        N_("Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?"),
        (N_("Tidak cepat"), N_("Kurang cepat"), N_("Cepat"), N_("Sangat cepat")),
    ),
    Unsur(
        "U4",
        N_("Biaya/Tarif"),
        N_("Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?"),
        (N_("Sangat mahal"), N_("Cukup mahal"), N_("Murah"), N_("Gratis")),
    ),
    Unsur(
        "U5",
        N_("Produk Spesifikasi Jenis Pelayanan"),
        N_(
            "Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang "
            "tercantum dalam standar pelayanan dengan hasil yang diberikan?"
        ),
        (N_("Tidak sesuai"), N_("Kurang sesuai"), N_("Sesuai"), N_("Sangat sesuai")),
    ),
    Unsur(
        "U6",
        N_("Kompetensi Pelaksana"),
        N_("Bagaimana pendapat Saudara tentang kompetensi atau kemampuan petugas dalam pelayanan?"),
        (N_("Tidak kompeten"), N_("Kurang kompeten"), N_("Kompeten"), N_("Sangat kompeten")),
    ),
    Unsur(
        "U7",
        N_("Perilaku Pelaksana (sopan dan ramah)"),
        N_(
            "Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan, "
            "terkait kesopanan dan keramahan?"
        ),
        (
            N_("Tidak sopan dan ramah"),
            N_("Kurang sopan dan ramah"),
            N_("Sopan dan ramah"),
            N_("Sangat sopan dan ramah"),
        ),
    ),
    Unsur(
        "U8",
        N_("Sarana dan Prasarana"),
        N_("Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana pelayanan?"),
        (N_("Buruk"), N_("Cukup"), N_("Baik"), N_("Sangat baik")),
    ),
    Unsur(
        "U9",
        N_("Penanganan Pengaduan, Saran dan Masukan"),
        N_(
            "Bagaimana pendapat Saudara tentang penanganan pengaduan, saran, dan masukan "
            "pengguna layanan?"
        ),
        (
            N_("Tidak ada"),
            N_("Ada tetapi tidak berfungsi"),
            N_("Berfungsi kurang maksimal"),
            N_("Dikelola dengan baik"),
        ),
    ),
)
UNSUR_BY_KODE: dict[str, Unsur] = {u.kode: u for u in UNSUR}
UNSUR_CODES: tuple[str, ...] = tuple(u.kode for u in UNSUR)

# SKM measures the unit; only these unsur describe the officer who served (a period setting).
DEFAULT_OFFICER_UNSUR: tuple[str, ...] = ("U6", "U7")
OPTIONAL_OFFICER_UNSUR: tuple[str, ...] = ("U3",)
_OFFICER_UNSUR = frozenset(DEFAULT_OFFICER_UNSUR + OPTIONAL_OFFICER_UNSUR)


def _canonical_order(codes: Iterable[str]) -> tuple[str, ...]:
    chosen = set(codes)
    return tuple(code for code in UNSUR_CODES if code in chosen)


def validate_officer_unsur(codes: Iterable[str]) -> tuple[str, ...]:
    """Return the officer unsur in U-order; a non-empty subset of U3, U6, U7."""
    if isinstance(codes, str):
        raise InvalidValue(N_("Pilih unsur petugas sebagai daftar kode."))
    chosen = list(codes)
    unknown = [code for code in chosen if code not in _OFFICER_UNSUR]
    if unknown:
        raise InvalidValue(
            N_("Unsur %(kode)s tidak menggambarkan petugas; pilih dari U3, U6, dan U7."),
            {"kode": str(unknown[0])},
        )
    if not chosen:
        raise InvalidValue(N_("Pilih paling sedikit satu unsur petugas."))
    return _canonical_order(chosen)


# --- arithmetic -----------------------------------------------------------------------------


def nrr(total: int, n: int) -> Fraction:
    """Nilai rata-rata of one unsur: the sum of its scores over the number of respondents."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if n == 0:
        raise NoResponses()
    return Fraction(total, n)


@dataclass(frozen=True)
class MutuBand:
    """One row of the mutu table, on the rounded 25–100 scale (``lower`` is inclusive)."""

    mutu: str
    label: str
    lower: Decimal
    upper: Decimal


MUTU_BANDS: tuple[MutuBand, ...] = (
    MutuBand("A", N_("Sangat Baik"), Decimal("88.31"), Decimal("100.00")),
    MutuBand("B", N_("Baik"), Decimal("76.61"), Decimal("88.30")),
    MutuBand("C", N_("Kurang Baik"), Decimal("65.00"), Decimal("76.60")),
    MutuBand("D", N_("Tidak Baik"), Decimal("25.00"), Decimal("64.99")),
)
_IKM_MIN = Decimal(SCALE_MIN * CONVERSION)
_IKM_MAX = Decimal(SCALE_MAX * CONVERSION)


def mutu_for(converted: Number) -> tuple[str, str]:
    """Return ``(mutu, label)`` for an IKM on the 25–100 scale.

    The value is rounded half up to two decimals first (a no-op for a published figure) and
    classified with "≥ lower bound", so 88.305 → 88.31 → A.
    """
    if not _IKM_MIN <= to_fraction(converted) <= _IKM_MAX:
        raise InvalidValue(
            N_("Nilai IKM %(value)s di luar rentang 25 sampai 100."), {"value": str(converted)}
        )
    shown = round_half_up(converted, 2)
    for band in MUTU_BANDS:
        if shown >= band.lower:
            return band.mutu, band.label
    raise AssertionError("the D band starts at the scale minimum")


@dataclass(frozen=True)
class IkmResult:
    """An IKM with its parts. ``nrr`` holds the unsur that were scored, in U-order."""

    n: int
    nrr: dict[str, Fraction]
    ikm_4: Fraction
    ikm: Decimal
    ikm_4_rounded: Decimal
    mutu: str
    mutu_label: str
    weakest: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        """The figures as published: IKM to 2 decimals, IKM 1–4 and NRRs to 4 (half up)."""
        return {
            "n": self.n,
            "ikm": float(self.ikm),
            "ikm_4": float(self.ikm_4_rounded),
            "mutu": self.mutu,
            "mutu_label": self.mutu_label,
            "unsur": [
                {"kode": kode, "nrr": float(round_half_up(value, 4))}
                for kode, value in self.nrr.items()
            ],
        }


def _validate_codes(codes: Sequence[str]) -> tuple[str, ...]:
    unknown = [code for code in codes if code not in UNSUR_BY_KODE]
    if unknown or not codes:
        raise ValueError(f"unknown or empty unsur codes: {codes!r}")
    return _canonical_order(codes)


def compute_ikm(
    totals: Mapping[str, int], n: int, codes: Sequence[str] = UNSUR_CODES
) -> IkmResult:
    """IKM from per-unsur score sums over ``n`` complete responses (a SQL GROUP BY result).

    ``codes`` selects the unsur that count (all nine by default); an officer score passes the
    officer unsur, and the IKM is then the mean of those NRRs with the same conversion and mutu.
    Keys of ``totals`` outside ``codes`` are ignored. Raises :class:`NoResponses` when n == 0.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"n must be a non-negative int, got {n!r}")
    if n == 0:
        raise NoResponses()
    selected = _validate_codes(codes)
    chosen: dict[str, int] = {}
    for kode in selected:
        total = totals.get(kode)
        if isinstance(total, bool) or not isinstance(total, int):
            raise ValueError(f"total for {kode} must be an int, got {total!r}")
        if not n * SCALE_MIN <= total <= n * SCALE_MAX:
            raise ValueError(f"total {total} for {kode} is impossible with {n} responses")
        chosen[kode] = total
    # Every NRR shares the denominator n: their mean is the sum of the totals over k·n, and the
    # lowest NRR is the lowest total (whole numbers, where a dashboard computes dozens of these).
    ikm_4 = Fraction(sum(chosen.values()), len(chosen) * n)
    ikm = round_half_up(ikm_4 * CONVERSION, 2)
    mutu, label = mutu_for(ikm)
    lowest = min(chosen.values())
    return IkmResult(
        n=n,
        nrr={kode: nrr(total, n) for kode, total in chosen.items()},
        ikm_4=ikm_4,
        ikm=ikm,
        ikm_4_rounded=round_half_up(ikm_4, 4),
        mutu=mutu,
        mutu_label=label,
        weakest=tuple(kode for kode, total in chosen.items() if total == lowest),
    )


def ikm_of_score_total(score_total: int, n: int) -> Decimal:
    """The IKM (25–100, two decimals) of ``n`` complete responses from the sum of all nine scores
    of each, as :func:`compute_ikm` gives it from the nine sums: every unsur weighs the same, so
    the mean of the nine NRRs is ``score_total / (9 n)``. Raises :class:`NoResponses` when n == 0.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"n must be a non-negative int, got {n!r}")
    if n == 0:
        raise NoResponses()
    count = len(UNSUR_CODES)
    if not count * n * SCALE_MIN <= score_total <= count * n * SCALE_MAX:
        raise ValueError(f"score total {score_total} is impossible with {n} responses")
    return round_half_up(Fraction(score_total * CONVERSION, count * n), 2)


def compute_ikm_for_subset(totals: Mapping[str, int], n: int, codes: Sequence[str]) -> IkmResult:
    """An officer's score: :func:`compute_ikm` over the given unsur only (e.g. U6, U7)."""
    return compute_ikm(totals, n, codes)


#: The keys of an officer unsur's sum of squares, and of two officer unsur's sum of products, in a
#: totals mapping (the names of the daily rollup's columns).
SQUARE_KEYS = {"U3": "q3", "U6": "q6", "U7": "q7"}
PRODUCT_KEYS = {("U3", "U6"): "p36", ("U3", "U7"): "p37", ("U6", "U7"): "p67"}


def officer_moments(totals: Mapping[str, int], n: int, codes: Sequence[str]) -> Moments:
    """The moments (n, Σx, Σx²) of the officer score of each response on the 25–100 scale, x =
    25 × the mean of its officer unsur, from rollup sums: the unsur sums (``"U6"``), their sums of
    squares (``"q6"``, SQUARE_KEYS) and the sums of products of two of them (``"p67"``). The mean
    of x is the officer's IKM; its spread gives the officer's 95% interval (surveys.stats).
    """
    selected = validate_officer_unsur(codes)
    k = len(selected)
    total = sum(totals[code] for code in selected)
    squares = sum(totals[SQUARE_KEYS[code]] for code in selected)
    squares += 2 * sum(totals[key] for pair, key in PRODUCT_KEYS.items() if set(pair) <= set(selected))
    return Moments(n, Fraction(CONVERSION * total, k), Fraction(CONVERSION**2 * squares, k * k))


def unsur_moments(totals: Mapping[str, int], n: int, code: str) -> Moments:
    """The moments of one officer unsur's answers (1–4), from its sum and sum of squares."""
    return Moments(n, totals[code], totals[SQUARE_KEYS[code]])


def ikm_from_responses(responses: Iterable[Mapping[str, object]]) -> IkmResult:
    """IKM straight from complete responses (each validated); a convenience and test oracle."""
    totals = dict.fromkeys(UNSUR_CODES, 0)
    n = 0
    for response in responses:
        for kode, score in validate_scores(response).items():
            totals[kode] += score
        n += 1
    return compute_ikm(totals, n)


# --- sample size ----------------------------------------------------------------------------

_CHI_SQUARE = Fraction("3.841")
_P = Fraction(1, 2)
_D = Fraction(1, 20)
#: Krejcie–Morgan's sample for a very large (or unknown) population.
LARGE_POPULATION_SAMPLE = 384


def krejcie_morgan(population: int) -> int:
    """Required sample: s = χ²·N·P(1−P) / (d²(N−1) + χ²·P(1−P)), rounded up.

    With χ² = 3.841, P = 0.5, d = 0.05: N=100 → 80, N=1 000 → 278. The formula tends to 384.1,
    so beyond N ≈ 1.47 million rounding up would give 385; the Krejcie–Morgan table the
    regulation points to stops at 384, which is kept as the ceiling.
    """
    if isinstance(population, bool) or not isinstance(population, int) or population <= 0:
        raise InvalidValue(
            N_("Jumlah populasi harus bilangan bulat positif, bukan %(value)s."),
            {"value": str(population)},
        )
    spread = _CHI_SQUARE * _P * (1 - _P)
    s = spread * population / (_D**2 * (population - 1) + spread)
    return min(math.ceil(s), LARGE_POPULATION_SAMPLE)


@dataclass(frozen=True)
class SampleAdequacy:
    """Whether ``n`` responses meet the Krejcie–Morgan sample for the population served."""

    required: int
    n: int
    adequate: bool


def sample_adequacy(n: int, population: int | None) -> SampleAdequacy:
    """Compare ``n`` with the required sample; an unknown population counts as very large."""
    if n < 0:
        raise ValueError("n must be >= 0")
    required = LARGE_POPULATION_SAMPLE if population is None else krejcie_morgan(population)
    return SampleAdequacy(required=required, n=n, adequate=n >= required)


# --- input validation -----------------------------------------------------------------------

MSG_REQUIRED = N_("Pilih salah satu jawaban.")
MSG_RANGE = N_("Nilai harus 1 sampai 4.")


def validate_scores(scores: Mapping[str, object]) -> dict[str, int]:
    """Strictly parse one SKM response: all nine unsur, each 1..4 (int or digit string).

    Other keys are ignored. Raises :class:`InvalidResponse` with a message per failing kode.
    """
    result: dict[str, int] = {}
    errors: dict[str, str] = {}
    for kode in UNSUR_CODES:
        raw = scores.get(kode)
        if is_blank(raw):
            errors[kode] = MSG_REQUIRED
            continue
        score = parse_score(raw, SCALE_MIN, SCALE_MAX)
        if score is None:
            errors[kode] = MSG_RANGE
        else:
            result[kode] = score
    if errors:
        raise InvalidResponse(errors)
    return result


# --- respondent profile (optional, never identifying) ---------------------------------------

GENDERS: tuple[tuple[str, str], ...] = (("L", N_("Laki-laki")), ("P", N_("Perempuan")))
AGE_RANGES: tuple[tuple[str, str], ...] = (
    ("<20", N_("Di bawah 20 tahun")),
    ("20-29", N_("20–29 tahun")),
    ("30-39", N_("30–39 tahun")),
    ("40-49", N_("40–49 tahun")),
    ("50-59", N_("50–59 tahun")),
    ("60+", N_("60 tahun ke atas")),
)
EDUCATION: tuple[tuple[str, str], ...] = (
    ("SD", N_("SD/sederajat")),
    ("SMP", N_("SMP/sederajat")),
    ("SMA", N_("SMA/sederajat")),
    ("S1", N_("D1–D4/S1")),
    ("S2", N_("S2")),
    ("S3", N_("S3")),
)
OCCUPATIONS: tuple[tuple[str, str], ...] = (
    ("PNS", N_("PNS")),
    ("TNI", N_("TNI")),
    ("POLRI", N_("POLRI")),
    ("SWASTA", N_("Pegawai swasta")),
    ("WIRAUSAHA", N_("Wirausaha")),
    ("LAINNYA", N_("Lainnya")),
)

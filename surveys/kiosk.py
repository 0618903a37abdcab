"""The four-face counter kiosk: a quick rating with no neutral face.

The happy index is the mean face on the 1–4 scale × 25, like the IKM conversion, so a unit
whose every visitor presses "Sangat puas" reads 100.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from surveys.errors import InvalidValue, NoResponses
from surveys.exact import round_half_up
from surveys.i18n import N_
from surveys.inputs import parse_score

SCALE_MIN = 1
SCALE_MAX = 4


@dataclass(frozen=True)
class Face:
    """One kiosk button: ``value`` 1..4, a stable ASCII ``name`` and a label."""

    value: int
    name: str
    label: str


FACES: tuple[Face, ...] = (
    Face(1, "sangat_tidak_puas", N_("Sangat tidak puas")),
    Face(2, "tidak_puas", N_("Tidak puas")),
    Face(3, "puas", N_("Puas")),
    Face(4, "sangat_puas", N_("Sangat puas")),
)
FACE_BY_VALUE: dict[int, Face] = {face.value: face for face in FACES}
NEGATIVE_FACES: tuple[int, ...] = (1, 2)

#: Follow-up choices for "Apa yang kurang?" after a negative face.
REASONS: tuple[tuple[str, str], ...] = (
    ("waktu_tunggu", N_("Terlalu lama menunggu")),
    ("keramahan", N_("Petugas kurang ramah")),
    ("persyaratan", N_("Persyaratan tidak jelas")),
    ("biaya", N_("Biaya tidak jelas atau ada pungutan")),
    ("fasilitas", N_("Fasilitas kurang nyaman")),
    ("lainnya", N_("Lainnya")),
)
REASON_CODES: tuple[str, ...] = tuple(code for code, _ in REASONS)


def validate_face(value: object) -> int:
    """A face value 1..4 from an int or a digit string (a button's form value)."""
    face = parse_score(value, SCALE_MIN, SCALE_MAX)
    if face is None:
        raise InvalidValue(N_("Pilih salah satu wajah."))
    return face


def validate_reason(code: object) -> str:
    """One of :data:`REASON_CODES`."""
    if code not in REASON_CODES:
        raise InvalidValue(N_("Pilih salah satu alasan."))
    return str(code)


def _check_counts(part: int, n: int, low: int, high: int) -> None:
    if n < 0 or part < 0:
        raise ValueError("counts must be >= 0")
    if n == 0:
        raise NoResponses()
    if not n * low <= part <= n * high:
        raise ValueError(f"{part} is impossible with {n} answers")


def happy_index(total: int, n: int) -> Decimal:
    """Mean face × 25, rounded half up to 2 places (25 = all unhappy, 100 = all very happy)."""
    _check_counts(total, n, SCALE_MIN, SCALE_MAX)
    return round_half_up(Fraction(total, n) * 25, 2)


def negative_share(neg: int, n: int) -> Decimal:
    """Percentage (0–100, 2 places half up) of answers that were a negative face."""
    _check_counts(neg, n, 0, 1)
    return round_half_up(Fraction(neg * 100, n), 2)

"""NIP, the 18-digit civil servant identifier.

Layout: birth date YYYYMMDD, TMT CPNS YYYYMM, gender digit (1 male, 2 female), a 3-digit
sequence. Only these facts are checked, so no real NIP is refused for a rule the source
does not make.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from surveys.errors import InvalidNip
from surveys.i18n import N_

__all__ = ["InvalidNip", "Nip", "make_nip", "parse_nip", "validate_nip"]

_DIGITS = frozenset("0123456789")


@dataclass(frozen=True)
class Nip:
    """The parts of a NIP."""

    birth: date
    tmt_year: int
    tmt_month: int
    gender: int
    seq: int


def parse_nip(text: str) -> Nip:
    """Split a NIP into its parts, checking its shape; spaces are ignored."""
    if not isinstance(text, str):
        raise InvalidNip(N_("NIP harus terdiri dari 18 angka."))
    digits = "".join(text.split())
    if len(digits) != 18 or not set(digits) <= _DIGITS:
        raise InvalidNip(N_("NIP harus terdiri dari 18 angka."))
    try:
        birth = date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise InvalidNip(
            N_("Tanggal lahir pada NIP (%(value)s) bukan tanggal yang valid."),
            {"value": digits[0:8]},
        ) from None
    tmt_year, tmt_month = int(digits[8:12]), int(digits[12:14])
    if not 1 <= tmt_month <= 12:
        raise InvalidNip(
            N_("Bulan TMT CPNS pada NIP (%(value)s) tidak valid."), {"value": digits[8:14]}
        )
    if tmt_year < birth.year:
        raise InvalidNip(
            N_("TMT CPNS pada NIP (%(value)s) lebih awal dari tahun lahir."),
            {"value": digits[8:14]},
        )
    gender = int(digits[14])
    if gender not in (1, 2):
        raise InvalidNip(
            N_("Digit jenis kelamin pada NIP harus 1 (laki-laki) atau 2 (perempuan).")
        )
    return Nip(
        birth=birth, tmt_year=tmt_year, tmt_month=tmt_month, gender=gender, seq=int(digits[15:18])
    )


def validate_nip(text: str) -> str:
    """The NIP as 18 digits without spaces; raise :class:`InvalidNip` when malformed."""
    parse_nip(text)
    return "".join(text.split())


def make_nip(birth: date, tmt: tuple[int, int], gender: int, seq: int) -> str:
    """Compose a NIP (for seeding and tests); raise :class:`InvalidNip` if it would be invalid."""
    tmt_year, tmt_month = tmt
    if not 0 <= seq <= 999 or not 0 <= tmt_year <= 9999 or not 0 <= tmt_month <= 99:
        raise ValueError("sequence must be 0..999 and TMT a (year, month) pair")
    if not 0 <= gender <= 9:
        raise ValueError("gender must be one digit")
    return validate_nip(
        f"{birth.year:04d}{birth.month:02d}{birth.day:02d}"
        f"{tmt_year:04d}{tmt_month:02d}{gender}{seq:03d}"
    )

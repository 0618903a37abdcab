"""BerAKHLAK, the ASN core values that perilaku kerja is judged against (PermenPANRB 6/2022).

Seven values with three behaviour guides each; a 360 questionnaire asks one item per guide,
identified "KODE.1".."KODE.3", answered 1..5 or "tidak dapat menilai".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from surveys.errors import InvalidResponse, InvalidValue
from surveys.i18n import N_
from surveys.inputs import is_blank, parse_score

SCALE_MIN = 1
SCALE_MAX = 5


@dataclass(frozen=True)
class CoreValue:
    """One BerAKHLAK value with its three panduan perilaku."""

    code: str
    name: str
    guides: tuple[str, str, str]

    @property
    def items(self) -> tuple[tuple[str, str], ...]:
        """``(item_code, guide)`` pairs, e.g. ("AKUNTABEL.1", "Melaksanakan tugas ...")."""
        return tuple((item_code(self.code, i), guide) for i, guide in enumerate(self.guides, 1))


VALUES: tuple[CoreValue, ...] = (
    CoreValue(
        "BERORIENTASI_PELAYANAN",
        N_("Berorientasi Pelayanan"),
        (
            N_("Memahami dan memenuhi kebutuhan masyarakat"),
            N_("Ramah, cekatan, solutif, dan dapat diandalkan"),
            N_("Melakukan perbaikan tiada henti"),
        ),
    ),
    CoreValue(
        "AKUNTABEL",
        N_("Akuntabel"),
        (
            N_(
                "Melaksanakan tugas dengan jujur, bertanggung jawab, cermat, disiplin dan "
                "berintegritas tinggi"
            ),
            N_("Menggunakan kekayaan dan BMN secara bertanggung jawab, efektif, dan efisien"),
            N_("Tidak menyalahgunakan kewenangan jabatan"),
        ),
    ),
    CoreValue(
        "KOMPETEN",
        N_("Kompeten"),
        (
            N_("Meningkatkan kompetensi diri untuk menjawab tantangan yang selalu berubah"),
            N_("Membantu orang lain belajar"),
            N_("Melaksanakan tugas dengan kualitas terbaik"),
        ),
    ),
    CoreValue(
        "HARMONIS",
        N_("Harmonis"),
        (
            N_("Menghargai setiap orang apapun latar belakangnya"),
            N_("Suka menolong orang lain"),
            N_("Membangun lingkungan kerja yang kondusif"),
        ),
    ),
    CoreValue(
        "LOYAL",
        N_("Loyal"),
        (
            N_(
                "Memegang teguh ideologi Pancasila, UUD 1945, setia kepada NKRI serta "
                "pemerintahan yang sah"
            ),
            N_("Menjaga nama baik sesama ASN, pimpinan, instansi, dan negara"),
            N_("Menjaga rahasia jabatan dan negara"),
        ),
    ),
    CoreValue(
        "ADAPTIF",
        N_("Adaptif"),
        (
            N_("Cepat menyesuaikan diri menghadapi perubahan"),
            N_("Terus berinovasi dan mengembangkan kreativitas"),
            N_("Bertindak proaktif"),
        ),
    ),
    CoreValue(
        "KOLABORATIF",
        N_("Kolaboratif"),
        (
            N_("Memberi kesempatan kepada berbagai pihak untuk berkontribusi"),
            N_("Terbuka dalam bekerja sama untuk menghasilkan nilai tambah"),
            N_("Menggerakkan pemanfaatan berbagai sumber daya untuk tujuan bersama"),
        ),
    ),
)
VALUE_BY_CODE: dict[str, CoreValue] = {value.code: value for value in VALUES}
VALUE_CODES: tuple[str, ...] = tuple(value.code for value in VALUES)

ANCHORS: tuple[tuple[int, str], ...] = (
    (1, N_("Sangat jarang menunjukkan")),
    (2, N_("Jarang menunjukkan")),
    (3, N_("Kadang-kadang menunjukkan")),
    (4, N_("Sering menunjukkan")),
    (5, N_("Selalu menunjukkan")),
)
CANNOT_RATE = N_("Tidak dapat menilai")
#: The form value of the "tidak dapat menilai" choice; stored as a null score.
CANNOT_RATE_CODE = "na"


def item_code(value_code: str, number: int) -> str:
    """The identifier of a guide item, e.g. ``item_code("LOYAL", 2) == "LOYAL.2"``."""
    if value_code not in VALUE_BY_CODE or number not in (1, 2, 3):
        raise ValueError(f"no such item: {value_code}.{number}")
    return f"{value_code}.{number}"


def parse_item_code(code: str) -> tuple[str, int]:
    """Split "LOYAL.2" into ``("LOYAL", 2)``; raise ValueError for an unknown item."""
    value_code, _, number = code.partition(".")
    if value_code not in VALUE_BY_CODE or number not in ("1", "2", "3"):
        raise ValueError(f"no such item: {code!r}")
    return value_code, int(number)


ITEM_CODES: tuple[str, ...] = tuple(code for value in VALUES for code, _ in value.items)

MSG_REQUIRED = N_("Pilih salah satu jawaban.")
MSG_RANGE = N_("Nilai harus 1 sampai 5, atau pilih Tidak dapat menilai.")


def validate_item_score(value: object) -> int | None:
    """One answer: 1..5 (int or digit string), or None for "tidak dapat menilai"."""
    if isinstance(value, str) and value.strip().lower() == CANNOT_RATE_CODE:
        return None
    score = parse_score(value, SCALE_MIN, SCALE_MAX)
    if score is None:
        raise InvalidValue(MSG_RANGE)
    return score


def validate_answers(answers: Mapping[str, object]) -> dict[str, int | None]:
    """Strictly parse a 360 questionnaire: every item answered (a score or "na").

    Raises :class:`InvalidResponse` with a message per failing item code.
    """
    result: dict[str, int | None] = {}
    errors: dict[str, str] = {}
    for code in ITEM_CODES:
        raw = answers.get(code)
        if is_blank(raw):
            errors[code] = MSG_REQUIRED
            continue
        try:
            result[code] = validate_item_score(raw)
        except InvalidValue as error:
            errors[code] = error.message
    if errors:
        raise InvalidResponse(errors)
    return result

"""Laporan SKM of one unit and period: the figures for the printable page and the XLSX file.

The IKM comes from `portal.feedback.scoring` (the daily rollups) and the formulas from
`surveys.skm`; the respondent profile and the channels are GROUP BY counts over the responses.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction

from flask_babel import gettext
from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.feedback import scoring
from portal.feedback.models import CHANNELS, SkmResponse
from portal.insight import followup
from portal.insight.models import FollowUp
from portal.localtime import today
from portal.org.models import Instansi, Unit
from portal.tabular import safe_cell
from surveys import skm
from surveys.errors import NoResponses
from surveys.exact import round_half_up
from surveys.i18n import N_

WEIGHT = Fraction(1, len(skm.UNSUR_CODES))
METHOD = N_("Kuesioner elektronik dan kertas, 9 unsur PermenPANRB 14/2017, skala 1–4")
CHANNEL_LABELS = {
    "web": N_("Kode QR loket (formulir daring)"),
    "officer": N_("Kode QR papan nama petugas"),
    "ticket": N_("Kode pada tiket antrean"),
    "paper": N_("Kuesioner kertas"),
}
NOT_ANSWERED = N_("Tidak menjawab")
#: Decimals per XLSX column: IKM 25–100 in B, NRR in C, the printed weight 0.111 in D, NRR × 1/9 in E.
NUMBER_FORMATS = {"B": "0.00", "C": "0.0000", "D": "0.000", "E": "0.0000"}
PROFILE_FIELDS = (
    ("gender", N_("Jenis kelamin"), skm.GENDERS),
    ("age_range", N_("Umur"), skm.AGE_RANGES),
    ("education", N_("Pendidikan"), skm.EDUCATION),
    ("occupation", N_("Pekerjaan"), skm.OCCUPATIONS),
)


@dataclass(frozen=True)
class CountRow:
    code: str | None
    label: str
    count: int


@dataclass(frozen=True)
class UnsurRow:
    kode: str
    name: str
    nrr: Fraction
    weight: Fraction
    weighted: Fraction
    weakest: bool


@dataclass
class Laporan:
    instansi: Instansi
    unit: Unit
    date_from: date
    date_to: date
    made_on: date
    population: int | None
    n: int
    adequacy: skm.SampleAdequacy
    channels: list[CountRow]
    profile: list[tuple[str, list[CountRow]]]
    ikm: skm.IkmResult | None
    unsur_rows: list[UnsurRow]
    saran: dict[str, int]
    previous_follow_ups: list[FollowUp] = field(default_factory=list)

    @property
    def weakest(self) -> list[skm.Unsur]:
        return [skm.UNSUR_BY_KODE[k] for k in self.ikm.weakest] if self.ikm else []

    @property
    def weighted_total(self) -> Fraction | None:
        return sum((row.weighted for row in self.unsur_rows), Fraction(0)) if self.unsur_rows else None


def _counts(unit: Unit, date_from: date, date_to: date, column) -> dict[str | None, int]:
    rows = db.session.execute(
        select(column, func.count(SkmResponse.id))
        .where(SkmResponse.unit_id == unit.id, SkmResponse.local_date.between(date_from, date_to))
        .group_by(column)
    ).all()
    return {key: int(n) for key, n in rows}


def _count_rows(counts: dict[str | None, int], pairs, with_missing: bool = True) -> list[CountRow]:
    rows = [CountRow(code, label, counts.get(code, 0)) for code, label in pairs]
    if with_missing:
        known = {code for code, _ in pairs}
        rows.append(CountRow(None, NOT_ANSWERED, sum(n for key, n in counts.items() if key not in known)))
    return rows


def build(unit: Unit, date_from: date, date_to: date, population: int | None = None,
          now: datetime | None = None) -> Laporan:
    instansi = unit.instansi
    scope = scoring.Scope(instansi.id, unit_id=unit.id, date_from=date_from, date_to=date_to)
    n, sums, _negative = scoring.totals(scope)
    try:
        result = skm.compute_ikm(sums, n)
    except NoResponses:
        result = None
    unsur_rows = []
    if result is not None:
        unsur_rows = [UnsurRow(kode, skm.UNSUR_BY_KODE[kode].name, value, WEIGHT, value * WEIGHT,
                               kode in result.weakest) for kode, value in result.nrr.items()]
    channels = _count_rows(_counts(unit, date_from, date_to, SkmResponse.channel),
                           [(c, CHANNEL_LABELS[c]) for c in CHANNELS], with_missing=False)
    profile = [(title, _count_rows(_counts(unit, date_from, date_to, getattr(SkmResponse, column)), pairs))
               for column, title, pairs in PROFILE_FIELDS]
    return Laporan(
        instansi=instansi, unit=unit, date_from=date_from, date_to=date_to,
        made_on=today(instansi.tz, now or clock.now()), population=population, n=n,
        adequacy=skm.sample_adequacy(n, population), channels=channels, profile=profile, ikm=result,
        unsur_rows=unsur_rows, saran=followup.status_counts([unit.id], date_from, date_to),
        previous_follow_ups=followup.previous_follow_ups(unit, date_from),
    )


def number(value, places: int = 2) -> str:
    """A figure rounded half up and written the user's way (3,2500 in Indonesian)."""
    from flask_babel import format_decimal

    if value is None:
        return "—"
    pattern = "0." + "0" * places if places else "0"
    return format_decimal(round_half_up(value, places), pattern)


# --- XLSX ---------------------------------------------------------------------------------------------

def _decimal(value: Fraction, places: int) -> float:
    return float(round_half_up(value, places))


def to_xlsx(report: Laporan) -> bytes:
    """The Laporan as one worksheet, sections one under the other (text cells escaped)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = gettext("Laporan SKM")[:31]
    bold = Font(bold=True)
    rows: list[tuple[list, bool]] = []

    def line(*cells, strong: bool = False):
        rows.append((list(cells), strong))

    line(gettext("Laporan Survei Kepuasan Masyarakat"), strong=True)
    line(gettext("Instansi"), report.instansi.name)
    line(gettext("Unit"), f"{report.unit.code} · {report.unit.name}")
    line(gettext("Periode"), report.date_from, report.date_to)
    line(gettext("Dibuat"), report.made_on)
    line()
    line(gettext("Metode dan sampel"), strong=True)
    line(gettext("Metode"), gettext(METHOD))
    line(gettext("Jumlah responden (n)"), report.n)
    line(gettext("Populasi"), report.population if report.population else gettext("tidak diketahui (dianggap sangat besar)"))
    line(gettext("Sampel minimal Krejcie–Morgan"), report.adequacy.required)
    line(gettext("Sampel memadai"), gettext("Ya") if report.adequacy.adequate else gettext("Tidak"))
    line()
    line(gettext("Saluran"), gettext("Jumlah"), strong=True)
    for row in report.channels:
        line(gettext(row.label), row.count)
    for title, counts in report.profile:
        line()
        line(gettext(title), gettext("Jumlah"), strong=True)
        for row in counts:
            line(gettext(row.label), row.count)
    line()
    line(gettext("Kode"), gettext("Unsur"), gettext("NRR"), gettext("Bobot"), gettext("NRR tertimbang"), strong=True)
    for row in report.unsur_rows:
        line(row.kode, gettext(row.name), _decimal(row.nrr, 4), float(row.weight), _decimal(row.weighted, 4))
    if report.ikm is not None:
        line("", gettext("IKM (skala 1–4)"), "", "", float(report.ikm.ikm_4_rounded), strong=True)
        line(gettext("IKM unit pelayanan (skala 25–100)"), float(report.ikm.ikm), strong=True)
        line(gettext("Mutu pelayanan"), f"{report.ikm.mutu} · {gettext(report.ikm.mutu_label)}")
        line(gettext("Unsur terlemah"), ", ".join(f"{u.kode} {gettext(u.name)}" for u in report.weakest))
    else:
        line(gettext("Belum ada tanggapan pada periode ini."))
    line()
    line(gettext("Saran dan pengaduan"), gettext("Jumlah"), strong=True)
    for status, count in report.saran.items():
        line(gettext(followup.COMMENT_STATUS_LABELS[status]), count)
    line()
    line(gettext("Tindak lanjut periode sebelumnya"), strong=True)
    if report.previous_follow_ups:
        line(gettext("Periode"), "", gettext("Unsur"), gettext("Tindakan"), gettext("Status"), gettext("Target"),
             strong=True)
        for item in report.previous_follow_ups:
            line(item.period_from, item.period_to, item.unsur, item.action,
                 gettext(followup.FOLLOW_UP_STATUS_LABELS[item.status]), item.target_date)
    else:
        line(gettext("Belum ada tindak lanjut yang tercatat untuk periode sebelumnya."))

    for cells, strong in rows:
        sheet.append([safe_cell(value) for value in cells])
        if strong:
            for cell in sheet[sheet.max_row]:
                cell.font = bold
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(cell.value, float):
                cell.number_format = NUMBER_FORMATS.get(cell.column_letter, "0.0000")
    sheet.column_dimensions["A"].width = 38
    sheet.column_dimensions["B"].width = 40
    for letter in "CDEF":
        sheet.column_dimensions[letter].width = 16
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

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
from portal.feedback.models import CHANNELS, UNSUR_COLUMNS, SkmResponse
from portal.insight import followup
from portal.insight.models import FollowUp
from portal.localtime import today
from portal.org.models import Instansi, Unit
from portal.tabular import fill_rows, safe_cell
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
        .where(SkmResponse.unit_id == unit.id, SkmResponse.local_date.between(date_from, date_to),
               SkmResponse.status == "counted")
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
#
# The workbook lets an auditor recompute the IKM: sheet "Tabulasi" holds every counted response
# (its nine answers, local date and channel: no saran, no profile, no officer), and sheet
# "Laporan SKM" computes n, the NRR, the weight 1/9, the NRR tertimbang, both IKM and the mutu
# from it with formulas, the mutu over the band table in sheet "Mutu". The cells keep full
# precision and are formatted for display; the portal's figures are what a spreadsheet computes
# (tests/portal/test_workbooks_libreoffice.py recalculates the file with LibreOffice).

SHEET_REPORT, SHEET_TABULATION, SHEET_BANDS = N_("Laporan SKM"), N_("Tabulasi"), N_("Mutu")
#: Tabulasi's columns: No, Tanggal, Saluran, then U1–U9 from column D.
FIRST_UNSUR_COLUMN = 4
FORMAT_NRR, FORMAT_IKM, FORMAT_WEIGHT, FORMAT_DATE = "0.0000", "0.00", "?/?", "yyyy-mm-dd"
_TABULATION_BATCH = 5000


def tabulation(unit: Unit, date_from: date, date_to: date):
    """Every response the report counts, oldest first: (local date, channel, u1, …, u9)."""
    query = (select(SkmResponse.local_date, SkmResponse.channel, *(getattr(SkmResponse, c) for c in UNSUR_COLUMNS))
             .where(SkmResponse.unit_id == unit.id, SkmResponse.local_date.between(date_from, date_to))
             .order_by(SkmResponse.local_date, SkmResponse.id))
    return db.session.execute(query.execution_options(yield_per=_TABULATION_BATCH))


class Formula(str):
    """A cell's formula, written by the portal; every other text is escaped (safe_cell)."""


def _sheet_name(message: str) -> str:
    return gettext(message)[:31]


def _quoted(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def to_xlsx(report: Laporan) -> bytes:
    """The Laporan (sheet "Laporan SKM", sections one under the other, text cells escaped), the
    tabulation it is computed from and the mutu bands."""
    from openpyxl import Workbook
    from openpyxl.cell import Cell, WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_name(SHEET_REPORT))
    tab_name, bands_name = _sheet_name(SHEET_TABULATION), _sheet_name(SHEET_BANDS)
    tab, bands = _quoted(tab_name), _quoted(bands_name)
    bold = Font(bold=True)
    #: The tabulation's rows: every response in the unit and dates (the channels count them all).
    last = 1 + sum(row.count for row in report.channels)
    rows: list[list] = []

    def cell(value, fmt: str | None = None, strong: bool = False):
        if isinstance(value, str) and not isinstance(value, Formula):
            value = safe_cell(value)
        item = WriteOnlyCell(sheet, value=value)
        if strong:
            item.font = bold
        if fmt is not None:
            item.number_format = fmt
        elif isinstance(value, date):
            item.number_format = FORMAT_DATE
        return item

    def line(*cells, strong: bool = False) -> int:
        rows.append([c if isinstance(c, Cell) else cell(c, strong=strong) for c in cells])
        return len(rows)

    def column(offset: int) -> str:
        letter = get_column_letter(FIRST_UNSUR_COLUMN + offset)
        return f"{tab}!${letter}$2:${letter}${last}"

    line(gettext("Laporan Survei Kepuasan Masyarakat"), strong=True)
    line(gettext("Instansi"), report.instansi.name)
    line(gettext("Unit"), f"{report.unit.code} · {report.unit.name}")
    line(gettext("Periode"), report.date_from, report.date_to)
    line(gettext("Dibuat"), report.made_on)
    line()
    line(gettext("Metode dan sampel"), strong=True)
    line(gettext("Metode"), gettext(METHOD))
    n_row = line(gettext("Jumlah responden (n)"), cell(Formula(f"=COUNT({column(0)})") if report.n else 0, "0"))
    line(gettext("Populasi"), report.population if report.population else gettext("tidak diketahui (dianggap sangat besar)"))
    line(gettext("Sampel minimal Krejcie–Morgan"), report.adequacy.required)
    line(gettext("Sampel memadai"), gettext("Ya") if report.adequacy.adequate else gettext("Tidak"))
    line()
    line(gettext("Saluran"), gettext("Jumlah"), strong=True)
    for row in report.channels:
        at = len(rows) + 1
        line(gettext(row.label), cell(Formula(f"=COUNTIF({tab}!$C$2:$C${last},A{at})") if report.n else 0, "0"))
    for title, counts in report.profile:
        line()
        line(gettext(title), gettext("Jumlah"), strong=True)
        for row in counts:
            line(gettext(row.label), row.count)
    line()
    line(gettext("Kode"), gettext("Unsur"), gettext("NRR"), gettext("Bobot"), gettext("NRR tertimbang"), strong=True)
    if report.ikm is not None:
        first = len(rows) + 1
        for row in report.unsur_rows:
            at = len(rows) + 1
            offset = skm.UNSUR_CODES.index(row.kode)
            line(row.kode, gettext(row.name), cell(Formula(f"=SUM({column(offset)})/$B${n_row}"), FORMAT_NRR),
                 cell(Formula("=1/9"), FORMAT_WEIGHT), cell(Formula(f"=C{at}*D{at}"), FORMAT_NRR))
        ikm_4_row = line("", cell(gettext("IKM (skala 1–4) = Σ NRR tertimbang"), strong=True), "", "",
                         cell(Formula(f"=SUM(E{first}:E{len(rows)})"), FORMAT_NRR, strong=True))
        ikm_row = line(cell(gettext("IKM unit pelayanan (skala 25–100) = IKM × 25"), strong=True),
                       cell(Formula(f"=E{ikm_4_row}*25"), FORMAT_IKM, strong=True))
        band = f"ROUND(B{ikm_row},2),{bands}!$A$2:$D${1 + len(skm.MUTU_BANDS)}"
        line(gettext("Mutu pelayanan"), cell(Formula(f"=VLOOKUP({band},3,TRUE)")), cell(Formula(f"=VLOOKUP({band},4,TRUE)")))
        line(gettext("Unsur terlemah"), ", ".join(f"{u.kode} {gettext(u.name)}" for u in report.weakest))
        line(gettext("Catatan"), gettext("NRR = jumlah nilai unsur / n; bobot tiap unsur tepat 1/9; IKM dihitung "
                                         "dengan presisi penuh, dibulatkan dua desimal, lalu mutu dibaca dari tabel "
                                         "di lembar %(sheet)s. Tanggapan yang dihitung ada di lembar %(tabulation)s.",
                                         sheet=bands_name, tabulation=tab_name))
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

    sheet.column_dimensions["A"].width = 38
    sheet.column_dimensions["B"].width = 40
    for letter in "CDEF":
        sheet.column_dimensions[letter].width = 16
    for row in rows:
        sheet.append(row)
    _tabulation_sheet(workbook.create_sheet(tab_name), bold)
    _bands_sheet(workbook.create_sheet(bands_name), bold)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _with_tabulation(buffer.getvalue(), report)


def _tabulation_sheet(sheet, bold) -> None:
    """The tabulation's heading and one sample row carrying each column's format; the rows
    themselves go in after saving (_with_tabulation)."""
    from openpyxl.cell import WriteOnlyCell

    def heading(text: str) -> WriteOnlyCell:
        item = WriteOnlyCell(sheet, value=text)
        item.font = bold
        return item

    sheet.column_dimensions["B"].width = 12
    sheet.column_dimensions["C"].width = 36
    sheet.freeze_panes = "D2"
    sheet.append([heading(gettext("No")), heading(gettext("Tanggal")), heading(gettext("Saluran")),
                  *(heading(code) for code in skm.UNSUR_CODES)])
    day = WriteOnlyCell(sheet, value=date(2000, 1, 1))
    day.number_format = FORMAT_DATE
    sheet.append([0, day, "", *([0] * len(skm.UNSUR_CODES))])


def _with_tabulation(xlsx: bytes, report: Laporan) -> bytes:
    """Every counted response into the Tabulasi sheet (the second), written as the sheet's XML."""
    labels = {code: gettext(label) for code, label in CHANNEL_LABELS.items()}
    rows = ((number, day, labels.get(channel, channel), *scores) for number, (day, channel, *scores)
            in enumerate(tabulation(report.unit, report.date_from, report.date_to), 1))
    return fill_rows(xlsx, 2, 2, rows)


def _bands_sheet(sheet, bold) -> None:
    from openpyxl.cell import WriteOnlyCell

    headings = (gettext("IKM dibulatkan ≥"), gettext("IKM sampai"), gettext("Mutu"), gettext("Kinerja unit pelayanan"))
    row = []
    for text in headings:
        item = WriteOnlyCell(sheet, value=text)
        item.font = bold
        row.append(item)
    sheet.column_dimensions["A"].width = sheet.column_dimensions["B"].width = 16
    sheet.column_dimensions["D"].width = 24
    sheet.append(row)
    # Ascending, as VLOOKUP's approximate match reads it.
    for band in reversed(skm.MUTU_BANDS):
        cells = [WriteOnlyCell(sheet, value=float(band.lower)), WriteOnlyCell(sheet, value=float(band.upper))]
        for item in cells:
            item.number_format = FORMAT_IKM
        sheet.append([*cells, band.mutu, gettext(band.label)])

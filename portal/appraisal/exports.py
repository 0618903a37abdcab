"""Appraisal records as rows for machines and spreadsheets: the CSV, the XLSX and the API share
one row builder, so every output carries the same 22 fields with the same values.

The CSV header and the API keys are an interface that outside systems read: never rename them.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from babel.dates import format_datetime
from sqlalchemy import func, select

from portal.appraisal.models import AppraisalPeriod, AppraisalRecord
from portal.db import utcnow
from portal.extensions import db
from portal.org.models import Employee, Instansi, Unit
from portal.tabular import safe_cell, write_csv
from surveys.exact import round_half_up
from surveys.skm import UNSUR_BY_KODE

#: The CSV header and the API's keys, in this order.
FIELDS: tuple[str, ...] = (
    "nip", "nama", "unit", "jabatan",
    "citizen_score", "citizen_n", "atasan_score", "atasan_n", "rekan_score", "rekan_n", "bawahan_score", "bawahan_n",
    "weight_citizen", "weight_atasan", "weight_rekan", "weight_bawahan",
    "composite", "rating_perilaku_suggested", "rating_perilaku", "rating_hasil_kerja", "predikat", "status",
)
#: Fields holding a 0–100 figure with up to two decimals (None when absent or left out).
DECIMAL_FIELDS = frozenset({
    "citizen_score", "atasan_score", "rekan_score", "bawahan_score",
    "weight_citizen", "weight_atasan", "weight_rekan", "weight_bawahan", "composite",
})
#: Response counts, always integers.
COUNT_FIELDS = frozenset({"citizen_n", "atasan_n", "rekan_n", "bawahan_n"})

# The XLSX is read by people at BKPSDM: its headings are fixed Indonesian, like the regulation's
# words in the rating cells, whatever the language of the person who downloads it.
XLSX_HEADINGS: dict[str, str] = {
    "nip": "NIP",
    "nama": "Nama",
    "unit": "Unit Kerja",
    "jabatan": "Jabatan",
    "citizen_score": "Skor Masyarakat",
    "citizen_n": "n Masyarakat",
    "atasan_score": "Skor Atasan",
    "atasan_n": "n Atasan",
    "rekan_score": "Skor Rekan Kerja",
    "rekan_n": "n Rekan Kerja",
    "bawahan_score": "Skor Bawahan",
    "bawahan_n": "n Bawahan",
    "weight_citizen": "Bobot Masyarakat (%)",
    "weight_atasan": "Bobot Atasan (%)",
    "weight_rekan": "Bobot Rekan Kerja (%)",
    "weight_bawahan": "Bobot Bawahan (%)",
    "composite": "Nilai Komposit",
    "rating_perilaku_suggested": "Rating Perilaku (usulan)",
    "rating_perilaku": "Rating Perilaku (ditetapkan)",
    "rating_hasil_kerja": "Rating Hasil Kerja",
    "predikat": "Predikat",
    "status": "Status",
}
XLSX_STATUS = {"draft": "Draf", "confirmed": "Dikonfirmasi", "finalised": "Final"}
XLSX_KIND = {"tahunan": "Tahunan", "triwulan": "Triwulan"}
XLSX_JOB_GROUP = {"front_line": "Pelayanan langsung (loket)", "back_office": "Pendukung (tanpa loket)"}
XLSX_WIDTHS = {"nip": 21, "nama": 30, "unit": 34, "jabatan": 30, "rating_perilaku_suggested": 24,
               "rating_perilaku": 24, "rating_hasil_kerja": 22, "predikat": 18, "status": 13}
SHEET_RECORDS = "Penilaian"
SHEET_NOTES = "Keterangan"


@dataclass(frozen=True)
class Scope:
    """Which of a period's records an export holds: one unit or all, everyone or one team."""

    period: AppraisalPeriod
    unit: Unit | None = None
    #: Only the records this Pejabat Penilai decides (a supervisor's own export).
    supervisor: Employee | None = None


def find_unit(instansi_id: int, code: str) -> Unit | None:
    """A unit of the instansi by its code, in any letter case."""
    return db.session.scalar(select(Unit).where(Unit.instansi_id == instansi_id,
                                                func.upper(Unit.code) == code.strip().upper()))


def find_period(instansi_id: int, period_id: int) -> AppraisalPeriod | None:
    period = db.session.get(AppraisalPeriod, period_id)
    return period if period is not None and period.instansi_id == instansi_id else None


def two_places(value: Decimal | None) -> Decimal | None:
    return None if value is None else round_half_up(value, 2)


def scoped_records(scope: Scope) -> list[tuple[AppraisalRecord, Employee, Unit]]:
    """The records in the scope with their employee and (snapshot) unit, by unit code then name."""
    query = (
        select(AppraisalRecord, Employee, Unit)
        .join(Employee, Employee.id == AppraisalRecord.employee_id)
        .join(Unit, Unit.id == AppraisalRecord.unit_id)
        .where(AppraisalRecord.period_id == scope.period.id)
        .order_by(Unit.code, Employee.name, Employee.nip)
    )
    if scope.unit is not None:
        query = query.where(AppraisalRecord.unit_id == scope.unit.id)
    if scope.supervisor is not None:
        query = query.where(AppraisalRecord.penilai_id == scope.supervisor.id,
                            AppraisalRecord.employee_id != scope.supervisor.id)
    return [tuple(row) for row in db.session.execute(query)]


def _row(record: AppraisalRecord, employee: Employee, unit: Unit) -> dict:
    row = {"nip": employee.nip, "nama": employee.name, "unit": unit.code, "jabatan": employee.jabatan}
    for name in FIELDS[4:]:
        value = getattr(record, name)
        row[name] = two_places(value) if name in DECIMAL_FIELDS else value
    return row


def appraisal_rows(scope: Scope) -> list[dict]:
    """One dict per record with the FIELDS as keys, sorted by unit code then name.

    Figures are Decimals rounded half up to two places, or None where the record has none
    (a component left out has no weight); counts are ints; the rest are text as stored.
    """
    return [_row(*found) for found in scoped_records(scope)]


def unit_names(scope: Scope) -> dict[str, str]:
    """Unit code → name for the units in an export (the XLSX shows names)."""
    rows = db.session.execute(
        select(Unit.code, Unit.name).join(AppraisalRecord, AppraisalRecord.unit_id == Unit.id)
        .where(AppraisalRecord.period_id == scope.period.id).distinct()
    ).all()
    return {code: name for code, name in rows}


# --- CSV and JSON ---------------------------------------------------------------------------

def plain_number(value: Decimal) -> str:
    """83.330 → "83.33", 80.00 → "80": up to two decimals, no exponent."""
    return format(two_places(value).normalize(), "f")


def _csv_value(name: str, value):
    if value is None:
        return ""
    if name in DECIMAL_FIELDS:
        return plain_number(value)
    return value


def to_csv(rows: list[dict]) -> str:
    """UTF-8 text (no byte-order mark), comma-separated, lines ending in CRLF (RFC 4180)."""
    out = io.StringIO()
    write_csv(out, list(FIELDS), ([_csv_value(name, row[name]) for name in FIELDS] for row in rows))
    return out.getvalue()


def to_json(row: dict) -> dict:
    """The same fields for the API: figures as JSON numbers or null, counts as integers."""
    return {name: (float(value) if name in DECIMAL_FIELDS and value is not None else value)
            for name, value in row.items()}


# --- XLSX -----------------------------------------------------------------------------------

def _xlsx_value(name: str, value, units: dict[str, str]):
    if value is None:
        return None
    if name in DECIMAL_FIELDS:
        return float(value)
    if name == "unit":
        return safe_cell(units.get(value, value))
    if name == "status":
        return XLSX_STATUS.get(value, value)
    return safe_cell(value)


def _records_sheet(sheet, rows: list[dict], units: dict[str, str]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    sheet.title = SHEET_RECORDS
    sheet.append([XLSX_HEADINGS[name] for name in FIELDS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EEF2F6")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append([_xlsx_value(name, row[name], units) for name in FIELDS])
    for index, name in enumerate(FIELDS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = XLSX_WIDTHS.get(name, 12)
        if name == "nip" or name in DECIMAL_FIELDS:
            number_format = "@" if name == "nip" else "0.00"
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = number_format
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions


def _notes_sheet(sheet, scope: Scope, rows: list[dict], exported_at: datetime) -> None:
    from openpyxl.styles import Font

    period = scope.period
    instansi = db.session.get(Instansi, period.instansi_id)
    tz = instansi.tz
    unsur = ", ".join(f"{code} {UNSUR_BY_KODE[code].name}" for code in period.officer_unsur.split(",")
                      if code in UNSUR_BY_KODE)
    lines = [
        ("Instansi", instansi.name),
        ("Periode", period.name),
        ("Jenis periode", XLSX_KIND.get(period.kind, period.kind)),
        ("Data masyarakat dari", period.citizen_from),
        ("Data masyarakat sampai", period.citizen_to),
        ("Unit kerja", f"{scope.unit.code} · {scope.unit.name}" if scope.unit else "Semua unit kerja"),
        ("Cakupan", f"Pegawai yang dinilai oleh {scope.supervisor.name}" if scope.supervisor else "Semua pegawai"),
        ("Jumlah pegawai", len(rows)),
        ("Unsur SKM tentang petugas", unsur),
        ("Minimal tanggapan masyarakat", period.min_citizen_n),
        ("Batas Di Atas Ekspektasi (nilai komposit ≥)", float(period.above_threshold)),
        ("Batas Sesuai Ekspektasi (nilai komposit ≥)", float(period.meets_threshold)),
        ("Diekspor", format_datetime(exported_at, "d MMMM yyyy, HH.mm z", tzinfo=tz, locale="id")),
        ("Catatan", "Skor dan nilai komposit berskala 0–100. Bobot adalah bobot yang dipakai setelah "
                    "penyesuaian; kosong bila komponen tidak disertakan (data belum ada atau terlalu sedikit)."),
    ]
    sheet.title = SHEET_NOTES
    for label, value in lines:
        sheet.append([label, safe_cell(value)])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True)
        if hasattr(value, "isoformat"):
            sheet.cell(sheet.max_row, 2).number_format = "yyyy-mm-dd"
    sheet.append([])
    sheet.append(["Bobot per kelompok jabatan (%)", "Masyarakat", "Atasan", "Rekan Kerja", "Bawahan", "Diri Sendiri"])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for profile in period.weights:
        sheet.append([XLSX_JOB_GROUP.get(profile.job_group, profile.job_group), float(profile.citizen),
                      float(profile.atasan), float(profile.rekan), float(profile.bawahan), float(profile.self_weight)])
    sheet.column_dimensions["A"].width = 44
    sheet.column_dimensions["B"].width = 40
    for letter in "CDEF":
        sheet.column_dimensions[letter].width = 13


def to_xlsx(scope: Scope, rows: list[dict], exported_at: datetime | None = None) -> bytes:
    """Sheet "Penilaian" (one row per record, Indonesian headings) and sheet "Keterangan"."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.properties.creator = "Cermin"
    workbook.properties.title = f"Penilaian {scope.period.name}"
    _records_sheet(workbook.active, rows, unit_names(scope))
    _notes_sheet(workbook.create_sheet(), scope, rows, exported_at or utcnow())
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def file_name(scope: Scope, extension: str) -> str:
    """penilaian-<period id>[-<unit code>][-tim].csv: ASCII, safe in a Content-Disposition."""
    parts = ["penilaian", str(scope.period.id)]
    if scope.unit is not None:
        parts.append(scope.unit.code)
    if scope.supervisor is not None:
        parts.append("tim")
    stem = "-".join(parts)
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "-" for c in stem) + "." + extension

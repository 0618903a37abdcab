"""Appraisal records as rows for machines and spreadsheets: the CSV, the XLSX and the API share
one row builder, so every output carries the same fields with the same values.

The CSV header and the API keys are an interface that outside systems read: never rename them;
new fields only at the end. Each row carries its record's own settings (the snapshot the merge
computed it with), never the period's current ones.
"""
from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from babel.dates import format_datetime
from sqlalchemy import func, select

from portal import clock
from portal.accounts.models import User
from portal.appraisal import snapshots, window
from portal.appraisal.models import AppraisalObjection, AppraisalPeriod, AppraisalRecord, AppraisalSettings
from portal.db import utcnow
from portal.extensions import db
from portal.org.models import Employee, Instansi, Unit
from portal.tabular import safe_cell, write_csv
from surveys.appraisal import Component
from surveys.exact import round_half_up
from surveys.skm import UNSUR_BY_KODE

#: Who decided (issue 15): the record's fixed Pejabat Penilai and Atasan Pejabat Penilai, and the
#: accounts that confirmed and finalised it.
DUTY_FIELDS = ("pejabat_penilai_nip", "atasan_pejabat_penilai_nip", "confirmed_by", "confirmed_at", "finalised_by",
               "finalised_at")
#: The employee's objection (keberatan).
OBJECTION_FIELDS = ("keberatan_status", "keberatan_deadline", "keberatan_filed_at", "keberatan_decided_by",
                    "keberatan_decided_at", "keberatan_predikat_before")
#: The settings the record was computed with.
SETTINGS_FIELDS = ("settings_version", "above_threshold", "meets_threshold", "min_citizen_n", "officer_unsur")
#: The officer's citizen responses in the period left out of citizen_n (issue 13): awaiting review
#: (held, or in an unverified paper batch), and rejected or withdrawn. Always integers.
HELD_FIELDS = ("citizen_held_n", "citizen_rejected_n")
#: The figures behind the citizen score and the self-assessment (issue 16).
FIGURE_FIELDS = ("citizen_ikm", "self_score", "weight_self")
#: The CSV header and the API's keys, in this order.
FIELDS: tuple[str, ...] = (
    "nip", "nama", "unit", "jabatan",
    "citizen_score", "citizen_n", "atasan_score", "atasan_n", "rekan_score", "rekan_n", "bawahan_score", "bawahan_n",
    "weight_citizen", "weight_atasan", "weight_rekan", "weight_bawahan",
    "composite", "rating_perilaku_suggested", "rating_perilaku", "rating_hasil_kerja", "predikat", "status",
    # Added later, each issue's at the end in turn: the officer's citizen responses in the period
    # left out of citizen_n (issue 13), who decided and the settings (issue 15), the officer's IKM
    # (25–100) the citizen score is computed from and the self-assessment's score and weight (issue 16).
    *HELD_FIELDS, *DUTY_FIELDS, *OBJECTION_FIELDS, *SETTINGS_FIELDS, *FIGURE_FIELDS,
)
#: Fields holding a 0–100 figure with up to two decimals (None when absent or left out).
DECIMAL_FIELDS = frozenset({
    "citizen_score", "atasan_score", "rekan_score", "bawahan_score",
    "weight_citizen", "weight_atasan", "weight_rekan", "weight_bawahan", "composite",
    "citizen_ikm", "self_score", "weight_self",
    "above_threshold", "meets_threshold",
})
#: (score, weight) of each component: the composite is Σ score × weight / 100 over them.
COMPOSITE_TERMS = tuple((f"{c}_score", f"weight_{c}") for c in ("citizen", "atasan", "rekan", "bawahan", "self"))
#: Response counts: integers, None for a rater group without a shown score (AppraisalRecord.shown_n).
COUNT_FIELDS = frozenset({"citizen_n", "atasan_n", "rekan_n", "bawahan_n"})
#: Instants (ISO 8601 in UTC in the CSV and the API) and days (YYYY-MM-DD).
MOMENT_FIELDS = frozenset({"confirmed_at", "finalised_at", "keberatan_filed_at", "keberatan_decided_at"})
DAY_FIELDS = frozenset({"keberatan_deadline"})

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
    "citizen_held_n": "n Masyarakat Ditahan",
    "citizen_rejected_n": "n Masyarakat Ditolak",
    "citizen_ikm": "IKM Petugas (25–100)",
    "self_score": "Skor Diri Sendiri",
    "weight_self": "Bobot Diri Sendiri (%)",
    "pejabat_penilai_nip": "NIP Pejabat Penilai",
    "atasan_pejabat_penilai_nip": "NIP Atasan Pejabat Penilai",
    "confirmed_by": "Dikonfirmasi oleh",
    "confirmed_at": "Waktu konfirmasi",
    "finalised_by": "Difinalkan oleh",
    "finalised_at": "Waktu finalisasi",
    "keberatan_status": "Keberatan",
    "keberatan_deadline": "Batas keberatan",
    "keberatan_filed_at": "Keberatan diajukan",
    "keberatan_decided_by": "Keberatan diputuskan oleh",
    "keberatan_decided_at": "Keberatan diputuskan",
    "keberatan_predikat_before": "Predikat sebelum keberatan",
    "settings_version": "Versi pengaturan",
    "above_threshold": "Batas Di Atas Ekspektasi",
    "meets_threshold": "Batas Sesuai Ekspektasi",
    "min_citizen_n": "Minimal tanggapan masyarakat",
    "officer_unsur": "Unsur petugas",
}
XLSX_OBJECTION = {window.OPEN: "Masa keberatan berjalan", window.WAIVED: "Hak keberatan dilepaskan",
                  window.PENDING: "Menunggu keputusan", window.DECIDED: "Diputuskan",
                  window.CLOSED: "Masa keberatan selesai"}
XLSX_STATUS = {"draft": "Draf", "confirmed": "Dikonfirmasi", "finalised": "Final"}
XLSX_KIND = {"tahunan": "Tahunan", "triwulan": "Triwulan"}
XLSX_JOB_GROUP = {"front_line": "Pelayanan langsung (loket)", "back_office": "Pendukung (tanpa loket)"}
XLSX_WIDTHS = {"nip": 21, "nama": 30, "unit": 34, "jabatan": 30, "rating_perilaku_suggested": 24,
               "rating_perilaku": 24, "rating_hasil_kerja": 22, "predikat": 18, "status": 13,
               "pejabat_penilai_nip": 21, "atasan_pejabat_penilai_nip": 21, "confirmed_at": 17, "finalised_at": 17,
               "keberatan_status": 22, "keberatan_filed_at": 17, "keberatan_decided_at": 17,
               "keberatan_predikat_before": 18}
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


#: The record's own columns among FIELDS (the rest come from its employee, unit and context).
_RECORD_FIELDS = FIELDS[4:FIELDS.index("status") + 1] + HELD_FIELDS + FIGURE_FIELDS


@dataclass
class _Context:
    """What the rows of an export need beyond their records, read in a few queries."""

    employees: dict[int, Employee]
    users: dict[int, User]
    objections: dict[int, AppraisalObjection]
    settings: dict[int, snapshots.SettingsView]

    @classmethod
    def of(cls, found: list[tuple[AppraisalRecord, Employee, Unit]]) -> _Context:
        records = [record for record, _employee, _unit in found]
        employee_ids = {i for r in records for i in (r.penilai_id, r.atasan_penilai_id) if i}
        objections = _latest_objections([r.id for r in records])
        user_ids = {i for r in records for i in (r.confirmed_by_id, r.finalised_by_id) if i}
        user_ids |= {o.decided_by_id for o in objections.values() if o.decided_by_id}
        settings_ids = {r.settings_id for r in records if r.settings_id}
        return cls(
            employees=_by_id(Employee, employee_ids), users=_by_id(User, user_ids), objections=objections,
            settings={s.id: snapshots.view(s) for s in _by_id(AppraisalSettings, settings_ids).values()},
        )


def _by_id(model, ids: set[int]) -> dict:
    return {o.id: o for o in db.session.scalars(select(model).where(model.id.in_(ids)))} if ids else {}


def _latest_objections(record_ids: list[int]) -> dict[int, AppraisalObjection]:
    """Record id → its latest objection."""
    latest: dict[int, AppraisalObjection] = {}
    if record_ids:
        for objection in db.session.scalars(select(AppraisalObjection).where(
                AppraisalObjection.record_id.in_(record_ids)).order_by(AppraisalObjection.id)):
            latest[objection.record_id] = objection
    return latest


def _objection_status(record: AppraisalRecord, objection: AppraisalObjection | None, today) -> str | None:
    """window.objection_state without a query per record."""
    if record.status == "draft" or record.confirmed_at is None:
        return None
    if objection is not None and objection.filed_at >= record.confirmed_at:
        return window.PENDING if objection.status == "pending" else window.DECIDED
    if record.objection_waived_at is not None:
        return window.WAIVED
    last_day = window.deadline(record)
    return window.OPEN if last_day is not None and today <= last_day else window.CLOSED


def _row(record: AppraisalRecord, employee: Employee, unit: Unit, context: _Context, today) -> dict:
    row = {"nip": employee.nip, "nama": employee.name, "unit": unit.code, "jabatan": employee.jabatan}
    for name in _RECORD_FIELDS:
        value = record.shown_n(name[:-2]) if name in COUNT_FIELDS else getattr(record, name)
        row[name] = two_places(value) if name in DECIMAL_FIELDS else value

    def nip(employee_id):
        return context.employees[employee_id].nip if employee_id in context.employees else None

    def username(user_id):
        return context.users[user_id].username if user_id in context.users else None

    objection = context.objections.get(record.id)
    status = _objection_status(record, objection, today)
    decided = objection if objection is not None and objection.status == "decided" else None
    settings = context.settings.get(record.settings_id)
    row.update({
        "pejabat_penilai_nip": nip(record.penilai_id), "atasan_pejabat_penilai_nip": nip(record.atasan_penilai_id),
        "confirmed_by": username(record.confirmed_by_id), "confirmed_at": record.confirmed_at,
        "finalised_by": username(record.finalised_by_id), "finalised_at": record.finalised_at,
        "keberatan_status": status, "keberatan_deadline": window.deadline(record) if status else None,
        "keberatan_filed_at": objection.filed_at if objection is not None else None,
        "keberatan_decided_by": username(decided.decided_by_id) if decided else None,
        "keberatan_decided_at": decided.decided_at if decided else None,
        "keberatan_predikat_before": decided.predikat_before if decided else None,
        "settings_version": settings.version if settings else None,
        "above_threshold": two_places(settings.above) if settings else None,
        "meets_threshold": two_places(settings.meets) if settings else None,
        "min_citizen_n": settings.min_citizen_n if settings else None,
        "officer_unsur": " ".join(settings.officer_unsur) if settings else None,
    })
    return row


def appraisal_rows(scope: Scope) -> list[dict]:
    """One dict per record with the FIELDS as keys, sorted by unit code then name.

    Figures are Decimals rounded half up to two places, or None where the record has none
    (a component left out has no weight); counts are ints, None beside a rater group's missing
    score (a hidden group shows no count); instants are aware datetimes and days dates; the rest
    are text as stored, None where absent. The objection status is as of today in the instansi's
    time zone.
    """
    found = scoped_records(scope)
    context = _Context.of(found)
    today = clock.today(db.session.get(Instansi, scope.period.instansi_id).tz)
    return [_row(record, employee, unit, context, today) for record, employee, unit in found]


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
    if name in MOMENT_FIELDS or name in DAY_FIELDS:
        return value.isoformat()
    return value


def to_csv(rows: list[dict]) -> str:
    """UTF-8 text (no byte-order mark), comma-separated, lines ending in CRLF (RFC 4180)."""
    out = io.StringIO()
    write_csv(out, list(FIELDS), ([_csv_value(name, row[name]) for name in FIELDS] for row in rows))
    return out.getvalue()


def to_json(row: dict) -> dict:
    """The same fields for the API: figures as JSON numbers or null, counts as integers, instants
    and days as the CSV writes them (ISO 8601)."""
    def value_of(name: str, value):
        if value is None:
            return None
        if name in DECIMAL_FIELDS:
            return float(value)
        if name in MOMENT_FIELDS or name in DAY_FIELDS:
            return value.isoformat()
        return value
    return {name: value_of(name, value) for name, value in row.items()}


# --- XLSX -----------------------------------------------------------------------------------

def _xlsx_value(name: str, value, units: dict[str, str], tz):
    if value is None:
        return None
    if name in DECIMAL_FIELDS:
        return float(value)
    if name in MOMENT_FIELDS:  # local wall time: a spreadsheet cell has no time zone
        return value.astimezone(tz).replace(tzinfo=None)
    if name == "unit":
        return safe_cell(units.get(value, value))
    if name == "status":
        return XLSX_STATUS.get(value, value)
    if name == "keberatan_status":
        return XLSX_OBJECTION.get(value, value)
    return safe_cell(value)


def _records_sheet(sheet, rows: list[dict], units: dict[str, str], tz) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    sheet.title = SHEET_RECORDS
    sheet.append([XLSX_HEADINGS[name] for name in FIELDS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EEF2F6")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    letter = {name: get_column_letter(index) for index, name in enumerate(FIELDS, start=1)}
    for number, row in enumerate(rows, start=2):
        cells = [_xlsx_value(name, row[name], units, tz) for name in FIELDS]
        if row["composite"] is not None:
            # The composite as the reader recomputes it: the shown scores with the shown weights.
            terms = "+".join(f"{letter[score]}{number}*{letter[weight]}{number}" for score, weight in COMPOSITE_TERMS)
            cells[FIELDS.index("composite")] = f"=ROUND(({terms})/100,2)"
        sheet.append(cells)
    for index, name in enumerate(FIELDS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = XLSX_WIDTHS.get(name, 12)
        number_format = ("@" if name in ("nip", "pejabat_penilai_nip", "atasan_pejabat_penilai_nip") else
                         "0.00" if name in DECIMAL_FIELDS else "yyyy-mm-dd hh:mm" if name in MOMENT_FIELDS else
                         "yyyy-mm-dd" if name in DAY_FIELDS else None)
        if number_format:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = number_format
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions


def _notes_sheet(sheet, scope: Scope, rows: list[dict], exported_at: datetime) -> None:
    """The period, the scope, and the settings each record was computed with: one block per
    settings version the exported records carry, never the period's current settings."""
    from openpyxl.styles import Font

    period = scope.period
    instansi = db.session.get(Instansi, period.instansi_id)
    lines = [
        ("Instansi", instansi.name),
        ("Periode", period.name),
        ("Jenis periode", XLSX_KIND.get(period.kind, period.kind)),
        ("Unit kerja", f"{scope.unit.code} · {scope.unit.name}" if scope.unit else "Semua unit kerja"),
        ("Cakupan", f"Pegawai yang dinilai oleh {scope.supervisor.name}" if scope.supervisor else "Semua pegawai"),
        ("Jumlah pegawai", len(rows)),
        ("Diekspor", format_datetime(exported_at, "d MMMM yyyy, HH.mm z", tzinfo=instansi.tz, locale="id")),
        ("Catatan", "Skor dan nilai komposit berskala 0–100. Bobot adalah bobot yang dipakai setelah "
                    "penyesuaian; kosong bila komponen tidak disertakan (data belum ada atau terlalu sedikit). "
                    "Nilai komposit = Σ skor × bobot / 100 atas skor dan bobot yang tercetak, dibulatkan dua "
                    "desimal (rumus di selnya). Skor masyarakat = (IKM petugas − 25) / 75 × 100. "
                    "Setiap catatan dihitung dengan pengaturan versinya sendiri (kolom Versi pengaturan)."),
    ]
    sheet.title = SHEET_NOTES

    def append(label, value) -> None:
        sheet.append([label, safe_cell(value)])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True)
        if hasattr(value, "isoformat"):
            sheet.cell(sheet.max_row, 2).number_format = "yyyy-mm-dd"

    for label, value in lines:
        append(label, value)
    used = Counter(row["settings_version"] for row in rows)
    for settings in snapshots.versions_of(period, [v for v in used if v is not None]):
        sheet.append([])
        sheet.append([f"Pengaturan versi {settings.version}", f"dipakai oleh {used[settings.version]} catatan"])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True)
        unsur = ", ".join(f"{code} {UNSUR_BY_KODE[code].name}" for code in settings.officer_unsur
                          if code in UNSUR_BY_KODE)
        for label, value in (
            ("Data masyarakat dari", settings.citizen_from), ("Data masyarakat sampai", settings.citizen_to),
            ("Siklus ulasan 360", ", ".join(settings.cycle_names) or "—"), ("Unsur SKM tentang petugas", unsur),
            ("Minimal tanggapan masyarakat", settings.min_citizen_n),
            ("Batas Di Atas Ekspektasi (nilai komposit ≥)", float(settings.above)),
            ("Batas Sesuai Ekspektasi (nilai komposit ≥)", float(settings.meets)),
        ):
            append(label, value)
        sheet.append(["Bobot per kelompok jabatan (%)", "Masyarakat", "Atasan", "Rekan Kerja", "Bawahan",
                      "Diri Sendiri"])
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
        for job_group, weights in sorted(settings.weights.items()):
            sheet.append([XLSX_JOB_GROUP.get(job_group, job_group), *(float(weights[c]) for c in Component)])
    if used.get(None):
        sheet.append([])
        sheet.append(["Pengaturan tidak tercatat", f"{used[None]} catatan dihitung sebelum pengaturan disimpan "
                                                   "bersama catatan"])
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
    _records_sheet(workbook.active, rows, unit_names(scope), db.session.get(Instansi, scope.period.instansi_id).tz)
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

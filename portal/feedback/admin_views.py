"""Unit managers' pages for paper surveys: importing SKM forms typed in from paper."""
from __future__ import annotations

import io
from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext, lazy_gettext as _l
from flask_login import current_user
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlalchemy import select

from portal import nav
from portal.access import access
from portal.accounts.models import ADMIN, HR, SUPERVISOR
from portal.extensions import db
from portal.feedback import batches, imports
from portal.feedback.services import MAX_COMMENT, FeedbackError
from portal.localtime import today
from portal.messages import say
from portal.org.forms import ImportForm
from portal.org.models import Counter, Unit
from portal.org.permissions import my_managed_units
from portal.org.services import ImportRejected
from portal.tabular import TableError, read_table, safe_cell, write_csv
from portal.web import rollback_request
from surveys import skm

bp = Blueprint("feedback_admin", __name__, url_prefix="/survei", template_folder="templates")
#: Unit heads hold the supervisor role; which units they manage is decided by permissions.py.
MANAGERS = (SUPERVISOR, HR, ADMIN)
TEMPLATE_COLUMNS = (*imports.REQUIRED_COLUMNS, *imports.OPTIONAL_COLUMNS)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

nav.register("feedback_admin.import_responses", _l("Survei kertas"),
             _l("Impor tanggapan SKM dari formulir kertas (CSV atau XLSX)."), *MANAGERS, order=65)


def _counters(units: list[Unit]) -> list[Counter]:
    return list(db.session.scalars(
        select(Counter).where(Counter.unit_id.in_([u.id for u in units])).order_by(Counter.code)
    ))


@bp.route("/impor", methods=["GET", "POST"])
@access(*MANAGERS)
def import_responses():
    units = my_managed_units()
    form = ImportForm()
    problems: list[tuple[int, str]] = []
    if form.validate_on_submit():
        try:
            content = form.file.data.read()
            table = read_table(content, imports.RESPONSE_ALIASES)
            upload = batches.Upload(current_user, form.file.data.filename or "", content, trusted=False)
            summary = imports.import_responses(current_user.instansi, table, upload, unit_ids=[u.id for u in units])
        except ImportRejected as error:
            rollback_request()
            problems = [(p.row, gettext(p.message, **p.params)) for p in error.problems]
            flash(say(error), "error")
        except (TableError, FeedbackError) as error:
            rollback_request()
            flash(say(error), "error")
        else:
            flash(gettext("Impor selesai: %(added)d tanggapan disimpan dalam batch yang dihitung setelah diverifikasi "
                          "petugas BKPSDM (HR) kedua; %(skipped)d sudah ada sebelumnya.",
                          added=summary.added, skipped=summary.skipped), "success")
            return redirect(url_for("feedback_admin.import_responses"))
    return render_template("feedback/admin/import.html", form=form, problems=problems, counters=_counters(units),
                           max_comment=MAX_COMMENT)


def _example_row(counters: list[Counter]) -> list[str]:
    """One filled-in row: the user's first loket, yesterday morning in the instansi's zone."""
    day = today(current_user.instansi.tz) - timedelta(days=1)
    code = counters[0].code if counters else "LOKET01"
    return [code, f"{day.isoformat()} 09:15", "4", "3", "3", "4", "3", "3", "4", "3", "3", "",
            gettext("Pelayanan cepat, tetapi ruang tunggu panas."), "P", "30-39", "SMA", "WIRAUSAHA"]


@bp.route("/impor/template.csv")
@access(*MANAGERS)
def template_csv():
    counters = _counters(my_managed_units())
    stream = io.StringIO()
    stream.write("\ufeff")  # so that Excel reads the file as UTF-8
    write_csv(stream, list(TEMPLATE_COLUMNS), [_example_row(counters)])
    return send_file(io.BytesIO(stream.getvalue().encode("utf-8")), mimetype="text/csv", as_attachment=True,
                     download_name="survei-kertas.csv")


@bp.route("/impor/template.xlsx")
@access(*MANAGERS)
def template_xlsx():
    counters = _counters(my_managed_units())
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Tanggapan"
    sheet.append(list(TEMPLATE_COLUMNS))
    sheet.append([safe_cell(v) for v in _example_row(counters)])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        sheet.column_dimensions[cell.column_letter].width = max(8, len(cell.value) + 4)
    for column in ("submitted_at", "employee_nip"):
        letter = sheet.cell(row=1, column=TEMPLATE_COLUMNS.index(column) + 1).column_letter
        # Text, so a spreadsheet keeps 18-digit NIPs and typed dates exactly as written.
        sheet.column_dimensions[letter].number_format = "@"
        sheet.column_dimensions[letter].width = 22
    _instructions(workbook.create_sheet("Petunjuk"), counters)
    data = io.BytesIO()
    workbook.save(data)
    data.seek(0)
    return send_file(data, mimetype=XLSX_TYPE, as_attachment=True, download_name="survei-kertas.xlsx")


def _codes(pairs: tuple[tuple[str, str], ...]) -> str:
    return "; ".join(f"{code} = {gettext(label)}" for code, label in pairs)


def _instructions(sheet, counters: list[Counter]) -> None:
    """The "Petunjuk" sheet: what goes in each column and the codes allowed."""
    rows = [
        (gettext("Petunjuk pengisian survei kertas (SKM)"),),
        (gettext("Satu baris untuk satu formulir. Hapus baris contoh sebelum mengimpor. Jika ada satu baris "
                 "saja yang salah, tidak ada yang disimpan; berkas yang sama boleh diimpor ulang karena baris "
                 "yang sudah ada dilewati."),),
        (),
        (gettext("Kolom"), gettext("Wajib"), gettext("Isi")),
        ("counter", gettext("Ya"), gettext("Kode loket (huruf besar atau kecil sama saja); daftar di bawah.")),
        ("submitted_at", gettext("Ya"), gettext(
            "Tanggal dan jam survei menurut waktu setempat instansi, misalnya 2026-03-02 09:15, atau dengan "
            "zona waktu, misalnya 2026-03-02T09:15:00+08:00. Tanggal saja (2026-03-02) dianggap pukul 12.00 "
            "waktu setempat. Tanggal yang belum terjadi ditolak.")),
    ]
    for unsur in skm.UNSUR:
        answers = "; ".join(f"{score} = {gettext(label)}" for score, label in enumerate(unsur.labels, start=1))
        rows.append((unsur.kode.lower(), gettext("Ya"), f"{unsur.kode} {gettext(unsur.name)}: {answers}"))
    rows += [
        ("employee_nip", gettext("Tidak"), gettext(
            "NIP petugas yang melayani (18 angka, pegawai aktif). Kosongkan bila tidak diketahui.")),
        ("comment", gettext("Tidak"), gettext("Saran atau keluhan, paling banyak %(max)d karakter.", max=MAX_COMMENT)),
        ("gender", gettext("Tidak"), _codes(skm.GENDERS)),
        ("age_range", gettext("Tidak"), _codes(skm.AGE_RANGES)),
        ("education", gettext("Tidak"), _codes(skm.EDUCATION)),
        ("occupation", gettext("Tidak"), _codes(skm.OCCUPATIONS)),
        (),
        (gettext("Profil responden boleh dikosongkan, ditulis dengan kode, atau dengan keterangannya "
                 "(misalnya Laki-laki atau Perempuan)."),),
        (),
        (gettext("Kode loket"), gettext("Nama loket"), gettext("Unit kerja")),
        *((c.code, c.name, f"{c.unit.code} · {c.unit.name}") for c in counters),
    ]
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    sheet["A1"].font = Font(bold=True, size=13)
    for cell in (*sheet[4], *sheet[len(rows) - len(counters)]):
        cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 10
    sheet.column_dimensions["C"].width = 100
    for row in sheet.iter_rows(min_row=5, min_col=3, max_col=3):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")

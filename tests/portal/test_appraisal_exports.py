"""Appraisal outputs: CSV and XLSX exports (UI and CLI), the printable sheet, development areas,
recognition with certificates, and who may open each."""
import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from portal.appraisal import exports, reports, window
from portal.appraisal.merge import merge
from portal.appraisal.models import AppraisalRecord
from tests.conftest import assert_headings, login
from tests.portal.appraisal_helpers import citizen_responses, make_period, record_of
from tests.portal.appraisal_output_data import ANSWERED_AT, PERIOD_2025

HEADER = ("nip,nama,unit,jabatan,citizen_score,citizen_n,atasan_score,atasan_n,rekan_score,rekan_n,bawahan_score,"
          "bawahan_n,weight_citizen,weight_atasan,weight_rekan,weight_bawahan,composite,rating_perilaku_suggested,"
          "rating_perilaku,rating_hasil_kerja,predikat,status")
#: Appended by issue 13: the officer's citizen responses left out of citizen_n.
HELD_COLUMNS = "citizen_held_n,citizen_rejected_n"
#: Appended after those by issue 15: who decided, the objection, the record's own settings.
NEW_COLUMNS = ("pejabat_penilai_nip,atasan_pejabat_penilai_nip,confirmed_by,confirmed_at,finalised_by,finalised_at,"
               "keberatan_status,keberatan_deadline,keberatan_filed_at,keberatan_decided_by,keberatan_decided_at,"
               "keberatan_predikat_before,settings_version,above_threshold,meets_threshold,min_citizen_n,officer_unsur")
#: Appended after those by issue 16.
APPENDED = ("citizen_ikm", "self_score", "weight_self")
#: The whole header, in this order.
FULL_HEADER = HEADER + "," + HELD_COLUMNS + "," + NEW_COLUMNS + "," + ",".join(APPENDED)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _sheet(data: bytes, name="Penilaian"):
    workbook = load_workbook(io.BytesIO(data))
    return workbook, workbook[name]


def _values(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _table_rows(html: str) -> list[list[str]]:
    """The text of each body row's cells of the page's first table."""
    body = html[html.index("<tbody"):html.index("</tbody>")]
    return [[" ".join(re.sub(r"<[^>]+>", " ", cell).replace(" ,", ",").split())
             for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


# --- CSV ------------------------------------------------------------------------------------

def test_csv_header_is_exactly_the_interface(appraisals):
    text = exports.to_csv(exports.appraisal_rows(exports.Scope(appraisals.period)))
    header = text.split("\r\n", 1)[0]
    # The interface's 22 columns first, in their order; new columns only after them, each issue's in turn.
    assert header == FULL_HEADER
    assert len(HEADER.split(",")) == 22 and len(HELD_COLUMNS.split(",")) == 2 and len(NEW_COLUMNS.split(",")) == 17
    assert len(header.split(",")) == 44


def test_csv_row_of_a_record_with_left_out_components(appraisals, org):
    """Staf Uji 1: citizens 91.67 (24), atasan 75 (1); the rekan group (2 of 3) and the bawahan left
    out; 40 and 30 renormalised to 57.14 and 42.86 (largest remainder: 57.142… and 42.857…, the missing
    hundredth to the larger remainder, .857); composite from the shown parts (91.67 × 57.14 + 75.00 ×
    42.86) / 100 = 84.525238 → 84.53 (from the unrounded parts it was 84.52)."""
    rows = _csv(exports.to_csv(exports.appraisal_rows(exports.Scope(appraisals.period))))
    row = next(r for r in rows if r["nama"] == "Staf Uji 1")
    for key in APPENDED:  # the appended columns: test_api.py and test_appraisal_outputs.py
        del row[key]
    assert row == {
        "nip": org.staff[0].nip, "nama": "Staf Uji 1", "unit": "DUKCAPIL", "jabatan": "Pengadministrasi Umum",
        "citizen_score": "91.67", "citizen_n": "24", "atasan_score": "75", "atasan_n": "1", "rekan_score": "",
        "rekan_n": "", "bawahan_score": "", "bawahan_n": "", "weight_citizen": "57.14", "weight_atasan": "42.86",
        "weight_rekan": "", "weight_bawahan": "", "composite": "84.53",
        "rating_perilaku_suggested": "Di Atas Ekspektasi", "rating_perilaku": "Di Atas Ekspektasi",
        "rating_hasil_kerja": "Sesuai Ekspektasi", "predikat": "Baik", "status": "confirmed",
        "citizen_held_n": "0", "citizen_rejected_n": "0",
        "pejabat_penilai_nip": org.supervisor.nip, "atasan_pejabat_penilai_nip": org.head.nip,
        "confirmed_by": "atasan", "confirmed_at": appraisals.own.confirmed_at.isoformat(),
        "finalised_by": "", "finalised_at": "", "keberatan_status": "open",
        "keberatan_deadline": window.deadline(appraisals.own).isoformat(), "keberatan_filed_at": "",
        "keberatan_decided_by": "", "keberatan_decided_at": "", "keberatan_predikat_before": "",
        "settings_version": "1", "above_threshold": "80", "meets_threshold": "60", "min_citizen_n": "10",
        "officer_unsur": "U6 U7"}


def test_csv_draft_has_empty_ratings_and_one_row_per_record_by_unit_then_name(appraisals):
    rows = _csv(exports.to_csv(exports.appraisal_rows(exports.Scope(appraisals.period))))
    assert [(r["unit"], r["nama"]) for r in rows] == [
        ("DINKES", "Bidan Dinkes"), ("DINKES", "Kepala Dinkes Uji"), ("DINKES", "Petugas HR Uji"),
        ("DUKCAPIL", "Atasan Uji"), ("DUKCAPIL", "Kepala Dinas Uji"), ("DUKCAPIL", "Staf Uji 1"),
        ("DUKCAPIL", "Staf Uji 2"), ("DUKCAPIL", "Staf Uji 3"), ("DUKCAPIL", "Staf Uji 4"),
    ]
    draft = rows[6]
    assert draft["status"] == "draft" and draft["rating_perilaku"] == "" and draft["predikat"] == ""
    # 40, 30 and 20 over 90 shown 44.45 (the largest remainder, .444), 33.33 and 22.22;
    # (66.67 × 44.45 + 50.00 × 33.33 + 75.00 × 22.22) / 100 = 62.9648 → 62.96: Sesuai Ekspektasi (60 to 80)
    assert (draft["composite"], draft["rating_perilaku_suggested"]) == ("62.96", "Sesuai Ekspektasi")
    assert (draft["weight_citizen"], draft["weight_atasan"], draft["weight_rekan"]) == ("44.45", "33.33", "22.22")
    assert (draft["rekan_n"], draft["bawahan_n"]) == ("3", "")
    assert rows[7]["status"] == "finalised" and rows[7]["predikat"] == "Sangat Baik"
    # Nobody answered about the HR officer: a record without any score.
    assert rows[2]["composite"] == rows[2]["rating_perilaku_suggested"] == "" and rows[2]["status"] == "draft"


@pytest.mark.parametrize("name", ['=HYPERLINK("http://evil.example","klik")', "-Budi", "+Ani", "@Cici"])
def test_formula_names_are_escaped_in_csv_and_xlsx(factory, org, name):
    factory.employee(org.unit, name, jabatan="=1+2")
    period = make_period(org.instansi, **PERIOD_2025)
    merge(period)
    scope = exports.Scope(period, unit=org.unit)
    rows = exports.appraisal_rows(scope)
    row = _csv(exports.to_csv(rows))[0]
    assert row["nama"] == "'" + name and row["jabatan"] == "'=1+2"
    _, sheet = _sheet(exports.to_xlsx(scope, rows))
    assert sheet["B2"].value == "'" + name and sheet["B2"].data_type == "s"
    assert sheet["D2"].value == "'=1+2" and sheet["D2"].data_type == "s"


# --- XLSX -----------------------------------------------------------------------------------

def test_xlsx_has_indonesian_headings_numbers_and_notes(appraisals, org):
    scope = exports.Scope(appraisals.period)
    workbook, sheet = _sheet(exports.to_xlsx(scope, exports.appraisal_rows(scope)))
    assert workbook.sheetnames == ["Penilaian", "Keterangan"]
    values = _values(sheet)
    assert values[0][:6] == ["NIP", "Nama", "Unit Kerja", "Jabatan", "Skor Masyarakat", "n Masyarakat"]
    assert "Bobot Masyarakat (%)" in values[0] and values[0][16:22] == [
        "Nilai Komposit", "Rating Perilaku (usulan)", "Rating Perilaku (ditetapkan)", "Rating Hasil Kerja",
        "Predikat", "Status"]
    assert values[0][22:24] == ["n Masyarakat Ditahan", "n Masyarakat Ditolak"]
    assert values[0][24] == "NIP Pejabat Penilai" and values[0][40] == "Unsur petugas"
    assert values[0][41:] == ["IKM Petugas (25–100)", "Skor Diri Sendiri", "Bobot Diri Sendiri (%)"]
    assert sheet.freeze_panes == "A2"
    own = next(r for r in values if r[1] == "Staf Uji 1")
    assert own[0] == org.staff[0].nip and isinstance(own[0], str)
    assert own[2] == "Dinas Kependudukan dan Pencatatan Sipil"
    assert own[4] == pytest.approx(91.67) and own[5] == 24 and own[10] is None and own[15] is None
    # The composite is a formula over the score and weight cells; LibreOffice computes it
    # (test_workbooks_libreoffice.py).
    assert (own[12], own[13]) == (pytest.approx(57.14), pytest.approx(42.86))
    assert own[16].startswith("=ROUND((E") and own[16].endswith(")/100,2)")
    assert own[21] == "Dikonfirmasi" and own[22:24] == [0, 0]
    assert own[24] == org.supervisor.nip and own[36] == 1
    assert sheet.column_dimensions["B"].width >= 25
    notes = {row[0]: row[1] for row in _values(workbook["Keterangan"]) if row and row[0]}
    assert notes["Periode"] == "Penilaian Kinerja Tahunan 2025"
    assert notes["Instansi"] == "Pemerintah Kota Uji"
    assert notes["Data masyarakat dari"].date().isoformat() == "2025-01-01"
    assert notes["Minimal tanggapan masyarakat"] == 10
    assert notes["Jumlah pegawai"] == 9
    assert "WITA" in notes["Diekspor"]
    weights = next(row for row in _values(workbook["Keterangan"]) if row[0] == "Pelayanan langsung (loket)")
    assert weights[1:] == [40, 30, 20, 10, 0]


# --- command line ---------------------------------------------------------------------------

def test_cli_writes_csv_to_standard_output(runner, appraisals):
    result = runner.invoke(args=["export-appraisals", "--period", str(appraisals.period.id), "--format", "csv"])
    assert result.exit_code == 0, result.output
    text = result.stdout_bytes.decode("utf-8")
    assert text.split("\r\n", 1)[0] == FULL_HEADER
    assert len(_csv(text)) == 9
    assert "9 catatan penilaian" in result.stderr


def test_cli_unit_filter_and_file_output(runner, appraisals, tmp_path):
    target = tmp_path / "dukcapil.csv"
    result = runner.invoke(args=["export-appraisals", "--period", str(appraisals.period.id), "--unit", "dukcapil",
                                 "--output", str(target)])
    assert result.exit_code == 0, result.output
    rows = _csv(target.read_text(encoding="utf-8"))
    assert {r["unit"] for r in rows} == {"DUKCAPIL"} and len(rows) == 6
    assert str(target) in result.stdout


def test_cli_writes_xlsx_to_standard_output_and_to_a_file(runner, appraisals, tmp_path):
    result = runner.invoke(args=["export-appraisals", "--period", str(appraisals.period.id), "--format", "xlsx",
                                 "--unit", "DINKES"])
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.startswith(b"PK\x03\x04")
    _, sheet = _sheet(result.stdout_bytes)
    assert [r[1] for r in _values(sheet)] == ["Nama", "Bidan Dinkes", "Kepala Dinkes Uji", "Petugas HR Uji"]

    target = tmp_path / "semua.xlsx"
    result = runner.invoke(args=["export-appraisals", "--period", str(appraisals.period.id), "--format", "xlsx",
                                 "--output", str(target), "--instansi", "Pemerintah Kota Uji"])
    assert result.exit_code == 0, result.output
    workbook, sheet = _sheet(target.read_bytes())
    assert _values(sheet)[0][0] == "NIP" and sheet.max_row == 10


@pytest.mark.parametrize("args, message", [
    (["--period", "999999"], "Periode tidak ditemukan: 999999"),
    (["--period", "abc"], "Periode tidak ditemukan: abc"),
    (["--unit", "ENTAH"], "Unit kerja tidak ditemukan: ENTAH"),
    (["--instansi", "Kota Lain"], "Periode tidak ditemukan"),
])
def test_cli_refuses_unknown_period_or_unit(runner, appraisals, args, message):
    if "--period" not in args:
        args = ["--period", str(appraisals.period.id), *args]
    result = runner.invoke(args=["export-appraisals", *args])
    assert result.exit_code == 1
    assert message in result.stderr and result.stdout == ""


def test_cli_refuses_unknown_format_and_has_help(runner, appraisals):
    result = runner.invoke(args=["export-appraisals", "--period", str(appraisals.period.id), "--format", "pdf"])
    assert result.exit_code == 2
    help_text = runner.invoke(args=["export-appraisals", "--help"]).stdout
    assert "--format" in help_text and "--unit" in help_text and "--output" in help_text


def test_cli_reports_an_unwritable_file(runner, appraisals, tmp_path):
    result = runner.invoke(args=["export-appraisals", "--period", str(appraisals.period.id),
                                 "--output", str(tmp_path / "no" / "x.csv")])
    assert result.exit_code == 1 and "Berkas tidak dapat ditulis" in result.stderr


# --- downloads in the UI --------------------------------------------------------------------

def test_hr_downloads_csv_and_xlsx(hr_client, appraisals):
    period_id = appraisals.period.id
    response = hr_client.get(f"/penilaian/{period_id}/ekspor.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert f"penilaian-{period_id}.csv" in response.headers["Content-Disposition"]
    assert len(_csv(response.get_data(as_text=True))) == 9
    response = hr_client.get(f"/penilaian/{period_id}/ekspor.xlsx?unit=DINKES")
    assert response.status_code == 200 and response.mimetype == XLSX_TYPE
    assert f"penilaian-{period_id}-DINKES.xlsx" in response.headers["Content-Disposition"]
    _, sheet = _sheet(response.data)
    assert sheet.max_row == 4


def test_admin_downloads_too(admin_client, appraisals):
    assert admin_client.get(f"/penilaian/{appraisals.period.id}/ekspor.csv").status_code == 200


def test_supervisor_exports_their_team_only(supervisor_client, appraisals):
    period_id = appraisals.period.id
    rows = _csv(supervisor_client.get(f"/penilaian/{period_id}/ekspor.csv").get_data(as_text=True))
    assert [r["nama"] for r in rows] == ["Staf Uji 1", "Staf Uji 2", "Staf Uji 3", "Staf Uji 4"]
    rows = _csv(supervisor_client.get(f"/penilaian/{period_id}/ekspor.csv?unit=DINKES").get_data(as_text=True))
    assert rows == []
    _, sheet = _sheet(supervisor_client.get(f"/penilaian/{period_id}/ekspor.xlsx").data)
    assert sheet.max_row == 5
    page = supervisor_client.get(f"/penilaian/{period_id}/ekspor").get_data(as_text=True)
    assert f"/catatan/{appraisals.final.id}/cetak" in page and "Bidan Dinkes" not in page
    assert f"/catatan/{appraisals.supervisor.id}/cetak" not in page


def test_employee_may_not_export(employee_client, appraisals):
    for suffix in ("ekspor", "ekspor.csv", "ekspor.xlsx"):
        assert employee_client.get(f"/penilaian/{appraisals.period.id}/{suffix}").status_code == 403


def test_anonymous_is_sent_to_login(client, appraisals):
    response = client.get(f"/penilaian/{appraisals.period.id}/ekspor.csv")
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]


def test_unknown_unit_and_another_instansis_period_are_not_found(hr_client, appraisals, factory, db):
    assert hr_client.get(f"/penilaian/{appraisals.period.id}/ekspor.csv?unit=ENTAH").status_code == 404
    elsewhere = factory.instansi(name="Pemerintah Kota Lain")
    other = make_period(elsewhere, **PERIOD_2025)
    db.session.commit()
    for suffix in ("ekspor", "ekspor.csv", "ekspor.xlsx", "pengembangan", "apresiasi"):
        assert hr_client.get(f"/penilaian/{other.id}/{suffix}").status_code == 404, suffix


def test_export_page_lists_links_units_and_sheets(hr_client, appraisals):
    html = hr_client.get(f"/penilaian/{appraisals.period.id}/ekspor").get_data(as_text=True)
    assert f"/penilaian/{appraisals.period.id}/ekspor.xlsx" in html
    assert f"/penilaian/{appraisals.period.id}/ekspor.csv?unit=DINKES" in html
    assert f"/penilaian/catatan/{appraisals.own.id}/cetak" in html
    assert "Area pengembangan" in html and "Apresiasi petugas" in html


def test_reports_index_lists_the_periods(hr_client, supervisor_client, employee_client, appraisals):
    html = hr_client.get("/penilaian/laporan").get_data(as_text=True)
    assert "Penilaian Kinerja Tahunan 2025" in html and "Laporan penilaian" in html
    assert f"/penilaian/{appraisals.period.id}/apresiasi" in html
    html = supervisor_client.get("/penilaian/laporan").get_data(as_text=True)
    assert "Ekspor tim saya" in html and "/apresiasi" not in html
    assert employee_client.get("/penilaian/laporan").status_code == 403


# --- the printable sheet --------------------------------------------------------------------

def test_sheet_shows_everything_for_the_file(hr_client, appraisals, org):
    response = hr_client.get(f"/penilaian/catatan/{appraisals.own.id}/cetak")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for text in ("Pemerintah Kota Uji", "Penilaian Kinerja Tahunan 2025", org.staff[0].nip, "Staf Uji 1",
                 "Pengadministrasi Umum", "Dinas Kependudukan dan Pencatatan Sipil",
                 "Masyarakat", "91,67", "57,14%", "Atasan", "75,00", "42,86%", "Rekan kerja", "Bawahan",
                 "tidak dihitung", "Nilai komposit", "84,53", "Di Atas Ekspektasi", "Sesuai Ekspektasi", "Baik",
                 # No bawahan, or too few: the same words, so the sheet tells no count apart.
                 "Komponen Bawahan tidak disertakan: belum ada tanggapan yang mencapai ambang anonimitas.",
                 "Bobot Masyarakat menjadi 57,14% (semula 40,00%).",
                 # Staf Uji 1's U7 (3.50 against the peers' 3.74) is not reliably below them (the
                 # interval's upper end is +0.003): no unsur among the development areas.
                 "Berorientasi Pelayanan, Akuntabel",
                 "Pejabat Penilai Kinerja", "Pegawai yang Dinilai", "Atasan Uji", org.supervisor.nip,
                 "appraisal-print.css"):
        assert text in html, text
    assert "DRAF" not in html
    assert " style=" not in html and "<script>" not in html


def test_draft_sheet_says_so_and_tolerates_missing_development(hr_client, appraisals, org, db):
    html = hr_client.get(f"/penilaian/catatan/{appraisals.final.id}/cetak").get_data(as_text=True)
    assert "Sangat Baik" in html and "DRAF" not in html
    html = hr_client.get(f"/penilaian/catatan/{appraisals.draft.id}/cetak").get_data(as_text=True)
    assert "DRAF" in html and "belum ditetapkan" in html
    # The HR officer: nobody answered about them, so no area is marked.
    hr_record = record_of(appraisals.period, org.users["hr"].employee)
    html = hr_client.get(f"/penilaian/catatan/{hr_record.id}/cetak").get_data(as_text=True)
    assert "Belum ada area pengembangan yang ditandai." in html


def test_sheet_renders_in_english(hr_client, appraisals):
    name = appraisals.own.employee.name
    assert_headings(hr_client, {f"/penilaian/catatan/{appraisals.own.id}/cetak": (
        f"Lembar penilaian {name}", f"Appraisal sheet for {name}")})


def test_employee_prints_own_sheet_once_confirmed(employee_client, appraisals, factory, org, db):
    assert employee_client.get(f"/penilaian/catatan/{appraisals.own.id}/cetak").status_code == 200
    assert employee_client.get(f"/penilaian/catatan/{appraisals.draft.id}/cetak").status_code == 403
    assert employee_client.get(f"/penilaian/catatan/{appraisals.final.id}/cetak").status_code == 403


def test_employee_own_draft_is_refused(app, org, db):
    period = make_period(org.instansi, **PERIOD_2025)
    merge(period)
    db.session.commit()
    client = app.test_client()
    login(client, "pegawai")
    assert client.get(f"/penilaian/catatan/{record_of(period, org.staff[0]).id}/cetak").status_code == 403


def test_supervisor_prints_team_sheets_only(supervisor_client, appraisals):
    assert supervisor_client.get(f"/penilaian/catatan/{appraisals.draft.id}/cetak").status_code == 200
    assert supervisor_client.get(f"/penilaian/catatan/{appraisals.other_unit.id}/cetak").status_code == 403


def test_sheet_of_another_instansi_or_unknown_is_not_found(hr_client, appraisals, factory, db):
    elsewhere = factory.instansi(name="Pemerintah Kota Lain")
    unit = factory.unit(elsewhere)
    stranger = factory.employee(unit, "Orang Lain")
    period = make_period(elsewhere, **PERIOD_2025)
    merge(period)
    db.session.commit()
    assert hr_client.get(f"/penilaian/catatan/{record_of(period, stranger).id}/cetak").status_code == 404
    assert hr_client.get("/penilaian/catatan/999999/cetak").status_code == 404


# --- development areas ----------------------------------------------------------------------

def test_development_page_groups_employees_by_area(hr_client, appraisals):
    """Every rater gave every value the same score, so the two weakest values are the first two of the
    instrument for everyone the 360 cycle covered. Unsur are development areas only where the officer
    is reliably below the other officers at the same layanan: Staf Uji 2 (all 3s, 12 responses) against
    the others at the DUKCAPIL loket (U6 all 4s, no spread: the difference −1 decides; U7 mean 224/59 =
    3.80). Staf Uji 1's U7 (3.50 against 3.74) has the upper end +0.003, not under zero; Staf Uji 4
    has 5 responses (under the minimum 10); the Bidan is alone at her layanan."""
    html = hr_client.get(f"/penilaian/{appraisals.period.id}/pengembangan").get_data(as_text=True)
    rows = {cells[0]: cells[1:] for cells in _table_rows(html)}
    values = "Atasan Uji (DUKCAPIL), Staf Uji 1 (DUKCAPIL), Staf Uji 2 (DUKCAPIL), Staf Uji 3 (DUKCAPIL), Staf Uji 4 (DUKCAPIL)"
    unsur = "Staf Uji 2 (DUKCAPIL)"
    assert rows == {
        "Berorientasi Pelayanan": ["Nilai BerAKHLAK", "5", values], "Akuntabel": ["Nilai BerAKHLAK", "5", values],
        "U6 Kompetensi Pelaksana": ["Unsur pelayanan (SKM)", "1", unsur],
        "U7 Perilaku Pelaksana (sopan dan ramah)": ["Unsur pelayanan (SKM)", "1", unsur],
    }


def test_development_csv_lists_one_line_per_employee_and_area(hr_client, appraisals, org):
    response = hr_client.get(f"/penilaian/{appraisals.period.id}/pengembangan.csv?unit=DUKCAPIL")
    assert response.status_code == 200
    rows = _csv(response.get_data(as_text=True))
    assert list(rows[0]) == ["jenis", "kode", "area", "nip", "nama", "unit", "jabatan"]
    accountable = [r["nama"] for r in rows if r["kode"] == "AKUNTABEL"]
    assert accountable == ["Atasan Uji", "Staf Uji 1", "Staf Uji 2", "Staf Uji 3", "Staf Uji 4"]
    assert {"jenis": "skm", "kode": "U7", "area": "Perilaku Pelaksana (sopan dan ramah)", "nip": org.staff[1].nip,
            "nama": "Staf Uji 2", "unit": "DUKCAPIL", "jabatan": "Pengadministrasi Umum"} in rows
    # Two values for each of the five, and Staf Uji 2's U6 and U7.
    assert len(rows) == 12 and "Bidan Dinkes" not in {r["nama"] for r in rows}


def test_development_and_recognition_are_hrs(supervisor_client, employee_client, appraisals):
    for client in (supervisor_client, employee_client):
        for suffix in ("pengembangan", "pengembangan.csv", "apresiasi", f"apresiasi/{appraisals.own.employee_id}/sertifikat"):
            assert client.get(f"/penilaian/{appraisals.period.id}/{suffix}").status_code == 403, suffix


# --- recognition ----------------------------------------------------------------------------

def test_recognition_ranks_by_citizen_score_with_minimum_n(hr_client, appraisals):
    """Citizen scores: Staf Uji 3 100 (30), Staf Uji 1 91.67 (24), Staf Uji 2 66.67 (12), Staf Uji 4
    100 from only 5 answers (under the period's minimum of 10); Bidan Dinkes 100 (15)."""
    url = f"/penilaian/{appraisals.period.id}/apresiasi"
    html = hr_client.get(f"{url}?unit=DUKCAPIL&min_skor=0").get_data(as_text=True)
    assert html.index("Staf Uji 3") < html.index("Staf Uji 1") < html.index("Staf Uji 2")
    assert "Staf Uji 4" not in html and "Bidan Dinkes" not in html and "Atasan Uji" not in html
    html = hr_client.get(f"{url}?unit=DUKCAPIL&min_n=5&min_skor=0").get_data(as_text=True)
    assert html.index("Staf Uji 4") < html.index("Staf Uji 1")
    html = hr_client.get(f"{url}?min_n=13&min_skor=0").get_data(as_text=True)
    assert "Staf Uji 2" not in html and "Bidan Dinkes" in html  # 12 responses < 13; DINKES has 15
    # By default only scores at the Di Atas threshold (80) take part: Staf Uji 2's 66.67 does not.
    html = hr_client.get(f"{url}?unit=DUKCAPIL").get_data(as_text=True)
    assert "Staf Uji 3" in html and "Staf Uji 1" in html and "Staf Uji 2" not in html
    assert 'name="min_skor"' in html and 'value="80.00"' in html


def test_recognition_shares_a_rank_between_equal_shown_scores(factory, org, db):
    period = make_period(org.instansi, **PERIOD_2025)
    for name, score in (("Petugas A", "90.001"), ("Petugas B", "85.334"), ("Petugas C", "85.333"),
                        ("Petugas D", "84.995"), ("Petugas E", "84.994")):
        officer = factory.employee(org.unit, name, job_group="front_line")
        factory.add(AppraisalRecord(period_id=period.id, employee_id=officer.id, unit_id=org.unit.id,
                                    job_group="front_line", status="draft", citizen_score=Decimal(score), citizen_n=20))
    (_unit, honourees), = reports.recognition(period, 10, Decimal("84.99"))
    # 85.334 and 85.333 are both shown as 85.33; 84.995 is shown as 85.00 and 84.994 as 84.99.
    assert [(h.employee.name, h.rank, str(h.figure)) for h in honourees] == [
        ("Petugas A", 1, "90.00"), ("Petugas B", 2, "85.33"), ("Petugas C", 2, "85.33"),
        ("Petugas D", 4, "85.00"), ("Petugas E", 5, "84.99")]
    assert [h.employee.name for _u, hs in reports.recognition(period, 10, Decimal("85.00")) for h in hs][-1] == \
        "Petugas D"


def test_recognition_keeps_ten_per_unit(hr_client, factory, org, db):
    """Twelve officers, each with 12 citizen answers: officer i gives U6 = 4 in i of them (3 in the
    rest), so officer 11 scores highest and officers 00 and 01 fall off the list."""
    for i in range(12):
        officer = factory.employee(org.unit, f"Petugas {i:02d}", job_group="front_line")
        citizen_responses(org.counter, officer, [4] * i + [3] * (12 - i), [3] * 12,
                          ANSWERED_AT + timedelta(hours=i))  # one officer an hour: none held
    period = make_period(org.instansi, **PERIOD_2025)
    merge(period)
    db.session.commit()
    html = hr_client.get(f"/penilaian/{period.id}/apresiasi?min_skor=0").get_data(as_text=True)
    assert "Petugas 11" in html and "Petugas 02" in html and "Petugas 01" not in html and "Petugas 00" not in html


def test_certificate_for_a_recognised_officer(hr_client, appraisals, org):
    response = hr_client.get(f"/penilaian/{appraisals.period.id}/apresiasi/{org.staff[2].id}/sertifikat")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for text in ("Piagam Penghargaan", "Pemerintah Kota Uji", "Dinas Kependudukan dan Pencatatan Sipil",
                 "Staf Uji 3", org.staff[2].nip, "Penilaian Kinerja Tahunan 2025", "100,00", "30 tanggapan",
                 "peringkat 1", "Kepala Dinas Uji", "appraisal-print.css"):
        assert text in html, text


def test_certificate_needs_a_place_on_the_list(hr_client, appraisals, org):
    url = f"/penilaian/{appraisals.period.id}/apresiasi/{org.staff[3].id}/sertifikat"  # 5 citizen answers
    assert hr_client.get(url).status_code == 404
    assert hr_client.get(url + "?min_n=5").status_code == 200
    assert hr_client.get(f"/penilaian/{appraisals.period.id}/apresiasi/{org.supervisor.id}/sertifikat").status_code == 404


def test_output_pages_render_in_english(hr_client, appraisals, org):
    period_id = appraisals.period.id
    name = org.staff[2].name
    assert_headings(hr_client, {
        "/penilaian/laporan": ("Laporan penilaian", "Appraisal report"),
        f"/penilaian/{period_id}/ekspor": ("Ekspor penilaian", "Export appraisals"),
        f"/penilaian/{period_id}/pengembangan": ("Area pengembangan", "Development areas"),
        f"/penilaian/{period_id}/apresiasi": ("Apresiasi petugas", "Officer appreciation"),
        f"/penilaian/{period_id}/apresiasi/{org.staff[2].id}/sertifikat": (
            f"Piagam penghargaan {name}", f"Certificate of Appreciation for {name}"),
    })

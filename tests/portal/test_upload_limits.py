"""Uploads read within limits: every crafted bomb under the upload limit is refused with a clear
message, reading any such file adds at most 100 MB to the process, the time cap runs on an
injected clock, and the streaming reader gives what openpyxl's read-only mode gives."""
import datetime as dt
import io
import random
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from portal import clock
from portal.org.models import Employee
from portal.tabular import ReadLimits, TableError, read_table
from portal.tabular.xlsx import cell_text, rows
from portal.tabular.limits import Guard
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.conftest import csrf_token
from tests.portal import xlsx_bombs as bombs

UPLOAD_LIMIT = 8 * 1024 * 1024
ROOT = Path(__file__).resolve().parents[2]
MEMORY_BOUND_KIB = 100 * 1024

#: What each bomb is refused with (Indonesian, the source language).
REFUSALS = {
    "huge_shared_string": "Isi berkas terlalu besar setelah dibuka (lebih dari 48 MB)",
    "long_shared_string": "Sebuah sel memuat lebih dari 32767 karakter.",
    "zip_bomb": "Isi berkas terlalu besar setelah dibuka (lebih dari 48 MB)",
    "lying_zip_bomb": "Berkas XLSX rusak atau tidak dapat dibaca.",
    "million_empty_rows": "Berkas memuat lebih dari 100000 baris.",
    "million_rows_with_values": "Berkas memuat lebih dari 100000 baris.",
    "million_columns": "Berkas memuat data di luar kolom ke-200.",
    "far_column": "Berkas memuat data di luar kolom ke-200.",
    "repeated_styles": "Berkas XLSX memuat struktur yang tidak didukung.",
    "deeply_nested_styles": "Berkas XLSX memuat struktur yang tidak didukung.",
    "many_tiny_strings": "Berkas memuat lebih dari 400000 sel.",
    "many_long_strings": "Isi berkas terlalu besar setelah dibuka (lebih dari 56 MB)",
    "wide_char_strings": "Isi berkas terlalu besar setelah dibuka (lebih dari 56 MB)",
    "huge_attribute": "Berkas XLSX memuat struktur yang tidak didukung.",
    "many_entries": "Berkas XLSX memuat struktur yang tidak didukung.",
    "lying_entry_count": "Berkas XLSX memuat struktur yang tidak didukung.",
    "entity_expansion": "Berkas XLSX memuat struktur yang tidak didukung.",
    "csv_empty_lines": "Berkas memuat lebih dari 100000 baris.",
    "csv_wide_row": "Berkas memuat data di luar kolom ke-200.",
    "csv_huge_field": "Sebuah sel memuat lebih dari 32767 karakter.",
}


def long_shared_string() -> bytes:
    """A 40 MB shared string: within the unpacked limit, far past a cell's length."""
    return bombs.huge_shared_string(megabytes=40)


def large_legitimate_csv() -> bytes:
    """An employee list as large as the limits allow: 39,999 rows of ten columns."""
    lines = ["nip,nama,jabatan,unit,nip_atasan,email,aktif,job_group,catatan,nomor"]
    for n in range(39_999):
        lines.append(f"19850101201001{n:04d},Nama Pegawai Nomor {n},Analis Kebijakan Ahli Muda,DUKCAPIL,"
                     f"198501012010011001,pegawai{n}@contoh.go.id,ya,front_line,Catatan singkat {n % 97},{n}")
    return ("\n".join(lines) + "\n").encode()


def large_legitimate_xlsx() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["nip", "nama", "jabatan", "unit", "tanggal", "nilai"])
    for n in range(20_000):
        sheet.append([f"19850101201001{n:04d}", f"Nama Pegawai {n}", "Analis", "DUKCAPIL",
                      dt.datetime(2026, 3, 2, 9, n % 60), n * 1.5])
    data = io.BytesIO()
    workbook.save(data)
    return data.getvalue()


FILES = {**bombs.BOMBS, "long_shared_string": long_shared_string}
LEGITIMATE = {"large_legitimate_csv": large_legitimate_csv, "large_legitimate_xlsx": large_legitimate_xlsx}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bombs")
    built = {}
    for name, make in {**FILES, **LEGITIMATE}.items():
        data = make()
        assert len(data) < UPLOAD_LIMIT, name
        built[name] = folder / name
        built[name].write_bytes(data)
    return built


#: The size limits on a clock that does not move: on a busy machine the time cap (tested on its own
#: below, with clocks the tests drive) would otherwise refuse a file before the limit under test.
UNTIMED = ReadLimits(clock=lambda: 0.0)


@pytest.mark.parametrize("name", sorted(FILES))
def test_each_bomb_is_refused_with_a_clear_message(files, name):
    with pytest.raises(TableError) as refused:
        read_table(files[name].read_bytes(), limits=UNTIMED)
    assert str(refused.value).startswith(REFUSALS[name])


@pytest.mark.parametrize("name", sorted(FILES) + sorted(LEGITIMATE))
def test_reading_any_file_under_the_upload_limit_adds_at_most_100_mb(files, name):
    """Peak resident memory of a fresh process reading the file, above what it held before."""
    result = subprocess.run([sys.executable, "-m", "tests.portal.xlsx_bombs", "measure", str(files[name])],
                            cwd=ROOT, capture_output=True, text=True, check=True)
    added_kib, outcome = result.stdout.strip().split("\t", 1)
    assert outcome.startswith("read" if name in LEGITIMATE else "refused"), outcome
    assert int(added_kib) <= MEMORY_BOUND_KIB, f"{name} added {int(added_kib) // 1024} MB"


def test_the_legitimate_files_read_whole(files):
    assert len(read_table(files["large_legitimate_csv"].read_bytes(), limits=UNTIMED).rows) == 39_999
    table = read_table(files["large_legitimate_xlsx"].read_bytes(), limits=UNTIMED)
    assert len(table.rows) == 20_000 and table.rows[0][1]["tanggal"] == "2026-03-02T09:00:00"


# --- time -------------------------------------------------------------------------------------------

class StepClock:
    """A clock that moves on by `step` seconds each time it is read."""

    def __init__(self, step: float):
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


@pytest.mark.parametrize("make", [large_legitimate_csv, large_legitimate_xlsx])
def test_the_time_cap_refuses_a_slow_read(make):
    data = make()
    with pytest.raises(TableError) as refused:
        read_table(data, limits=ReadLimits(max_seconds=5, clock=StepClock(1.0)))
    assert str(refused.value).startswith("Berkas terlalu lama diproses (lebih dari 5 detik)")
    # The same file on a clock that does not move reads whole.
    assert read_table(data, limits=ReadLimits(max_seconds=5, clock=lambda: 0.0)).rows


def test_the_time_cap_follows_the_portals_clock(files):
    moments = iter(range(10**9))
    clock.set_clock(lambda: dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(seconds=next(moments)))
    try:
        with pytest.raises(TableError, match="terlalu lama"):
            read_table(files["large_legitimate_csv"].read_bytes())
    finally:
        clock.set_clock(None)


# --- through the pages --------------------------------------------------------------------------------

def _upload(client, url, data, name, **kwargs):
    """Post a file as a browser would; the body is built in memory (werkzeug's test client would
    spool a large one to a temporary file it never closes)."""
    boundary, body = encode_multipart({"csrf_token": csrf_token(client, url),
                                       "file": FileStorage(io.BytesIO(data), filename=name)})
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}", **kwargs)


@pytest.mark.parametrize("name", ["huge_shared_string", "million_rows_with_values", "csv_wide_row", "entity_expansion"])
def test_the_employee_import_refuses_a_bomb_and_changes_nothing(hr_client, org, db, files, name):
    before = db.session.scalar(select(func.count(Employee.id)))
    response = _upload(hr_client, "/organisasi/pegawai/impor", files[name].read_bytes(), "pegawai.xlsx")
    assert response.status_code == 200
    assert REFUSALS[name] in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Employee.id))) == before


def test_the_paper_import_and_the_hasil_kerja_import_share_the_limits(hr_client, org, db, files):
    from tests.portal.appraisal_helpers import make_period

    data = files["zip_bomb"].read_bytes()
    response = _upload(hr_client, "/survei/impor", data, "kertas.xlsx")
    assert REFUSALS["zip_bomb"] in response.get_data(as_text=True)
    period = make_period(org)
    db.session.commit()
    response = _upload(hr_client, f"/penilaian/periode/{period.id}/impor-hasil-kerja", data, "hasil.xlsx")
    assert REFUSALS["zip_bomb"] in response.get_data(as_text=True)


def test_the_refusal_in_english(hr_client, org, files):
    response = _upload(hr_client, "/organisasi/pegawai/impor", files["far_column"].read_bytes(), "pegawai.xlsx",
                       headers={"Accept-Language": "en"})
    assert "The file has data beyond column 200." in response.get_data(as_text=True)


# --- the same values as openpyxl ------------------------------------------------------------------------

def _openpyxl_rows(data: bytes):
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    found = []
    for number, row in enumerate(workbook.worksheets[0].iter_rows(values_only=True), start=1):
        values = [cell_text(v) for v in row]
        while values and values[-1] == "":
            values.pop()
        if values:
            found.append((number, values))
    workbook.close()
    return found


def _random_workbook(seed: int) -> bytes:
    chooser = random.Random(seed)
    makers = [
        lambda: f"teks {chooser.randint(0, 99)}", lambda: chooser.randint(-10**12, 10**12),
        lambda: chooser.random() * 1000, lambda: dt.date(2026, chooser.randint(1, 12), chooser.randint(1, 28)),
        lambda: dt.datetime(2025, 5, 6, chooser.randint(0, 23), 15), lambda: dt.time(9, chooser.randint(0, 59)),
        lambda: chooser.choice([True, False]), lambda: None, lambda: "  spasi  ", lambda: "ünïcödé ✓ 😀",
        lambda: 1.0, lambda: 3e20, lambda: dt.timedelta(hours=30), lambda: "198501012010011001",
    ]
    workbook = Workbook()
    sheet = workbook.active
    for _ in range(chooser.randint(1, 25)):
        sheet.append([chooser.choice(makers)() for _ in range(chooser.randint(0, 12))])
    if chooser.random() < 0.3:
        sheet.cell(row=chooser.randint(40, 60), column=chooser.randint(1, 30), value="jauh")
    workbook.create_sheet("Kedua").append(["bukan lembar ini"])
    data = io.BytesIO()
    workbook.save(data)
    return data.getvalue()


@pytest.mark.parametrize("seed", range(25))
def test_values_are_what_openpyxl_reads(seed):
    data = _random_workbook(seed)
    assert list(rows(data, Guard(ReadLimits()))) == _openpyxl_rows(data)


def test_inline_strings_rich_text_and_a_1904_workbook():
    sheet = (bombs.SHEET_HEAD + '<row r="1"><c r="A1" t="inlineStr"><is><r><t>Ba</t></r><r><t xml:space="preserve">iq '
             '</t></r><rPh><t>phonetic</t></rPh></is></c><c r="B1" s="1"><v>1</v></c><c r="C1" t="b"><v>1</v></c>'
             '<c r="D1" t="str"><v>hasil rumus</v></c><c r="E1" t="e"><v>#N/A</v></c></row>' + bombs.SHEET_TAIL)
    styles = (f'<?xml version="1.0"?><styleSheet xmlns="{bombs.MAIN}"><numFmts><numFmt numFmtId="164" '
              'formatCode="dd/mm/yyyy"/></numFmts><cellXfs><xf numFmtId="0"/><xf numFmtId="164"/></cellXfs></styleSheet>')
    workbook = bombs.WORKBOOK.replace("<sheets>", '<workbookPr date1904="1"/><sheets>')
    data = bombs.build({"xl/worksheets/sheet1.xml": sheet, "xl/styles.xml": styles, "xl/workbook.xml": workbook})
    assert list(rows(data, Guard(ReadLimits()))) == [
        (1, ["Baiq ", "1904-01-02T00:00:00", "True", "hasil rumus", "#N/A"])]


def _with_damaged_sheet(data: bytes) -> bytes:
    import zipfile

    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 10
    return data[:start] + bytes(b ^ 0x5A for b in data[start:start + 40]) + data[start + 40:]


def test_a_damaged_file_is_refused_as_such():
    data = _random_workbook(1)
    for broken in (data[:len(data) // 2], _with_damaged_sheet(data), b"PK\x03\x04" + b"x" * 100):
        with pytest.raises(TableError, match="rusak"):
            read_table(broken)

"""Loket tools: the `counters` listing, queue-ticket batches (CLI and UI), QR codes, posters and
name plates, and who may use them."""
import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
import qrcode
from PIL import Image
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.feedback.models import TicketBatch
from portal.localtime import today
from portal.org.models import Counter
from surveys.errors import InvalidTicket
from surveys.tickets import verify_ticket
from tests.conftest import assert_headings, login, post_form

SVG_NS = "{http://www.w3.org/2000/svg}"
BASE = "https://cermin.test"


@pytest.fixture
def lokets(factory, org, db):
    """Besides UJI01: a second DUKCAPIL loket, an inactive one, and a DINKES loket without layanan."""
    second = factory.add(Counter(unit_id=org.unit.id, service_id=org.service.id, code="UJI02", name="Loket 2"))
    closed = factory.add(Counter(unit_id=org.unit.id, code="UJI09", name="Loket lama", active=False))
    health = factory.add(Counter(unit_id=org.other_unit.id, code="DKS01", name="Loket Kesehatan"))
    db.session.commit()
    return {"second": second, "closed": closed, "health": health}


def _local_today(org) -> date:
    return today(org.instansi.tz)


def _batches(db) -> int:
    return db.session.scalar(select(func.count(TicketBatch.id)))


def _matrix(data: str) -> list[list[bool]]:
    """The modules that a QR code of `data` must have: error correction M, quiet zone 4."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr.add_data(data)
    qr.make(fit=True)
    return qr.get_matrix()


def _svg_modules(svg: str) -> set[tuple[int, int]]:
    root = ET.fromstring(svg)
    paths = root.findall(f"{SVG_NS}path")
    assert len(paths) == 1
    return {(int(x), int(y)) for x, y in re.findall(r"M(\d+),(\d+)H", paths[0].get("d"))}


def _dark(matrix) -> set[tuple[int, int]]:
    return {(x, y) for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark}


# --- flask counters ---------------------------------------------------------------------------

def test_counters_json_lists_active_lokets_exactly(runner, org, lokets):
    result = runner.invoke(args=["counters", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {"code": "DKS01", "name": "Loket Kesehatan", "unit": "DINKES", "service": None,
         "survey_url": f"{BASE}/s/DKS01"},
        {"code": "UJI01", "name": "Loket 1", "unit": "DUKCAPIL", "service": "KTP elektronik",
         "survey_url": f"{BASE}/s/UJI01"},
        {"code": "UJI02", "name": "Loket 2", "unit": "DUKCAPIL", "service": "KTP elektronik",
         "survey_url": f"{BASE}/s/UJI02"},
    ]


def test_counters_of_an_inactive_unit_are_left_out(runner, org, lokets, db):
    org.other_unit.active = False
    db.session.commit()
    codes = [row["code"] for row in json.loads(runner.invoke(args=["counters", "--json"]).stdout)]
    assert codes == ["UJI01", "UJI02"]


def test_counters_prints_a_readable_table(runner, org, lokets):
    result = runner.invoke(args=["counters", "--instansi", org.instansi.name])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["Kode", "Loket", "Unit", "Layanan", "Alamat", "survei"]
    assert [line.split()[0] for line in lines[2:]] == ["DKS01", "UJI01", "UJI02"]
    assert f"{BASE}/s/UJI01" in result.stdout and "UJI09" not in result.stdout


def test_counters_with_unknown_instansi_is_refused(runner, org):
    result = runner.invoke(args=["counters", "--instansi", "Kota Entah"])
    assert result.exit_code == 1
    assert "Instansi tidak ditemukan" in result.output


@pytest.mark.parametrize("command", ["counters", "tickets"])
def test_commands_have_help(runner, command):
    result = runner.invoke(args=[command, "--help"])
    assert result.exit_code == 0
    assert "--instansi" in result.output


# --- flask tickets ----------------------------------------------------------------------------

def test_tickets_writes_verifiable_single_use_codes(runner, org, db):
    day = _local_today(org) + timedelta(days=1)
    result = runner.invoke(args=["tickets", "--counter", "uji01", "--date", day.isoformat(), "--count", "5"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "counter,date,serial,code,url"
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [int(r["serial"]) for r in rows] == [1, 2, 3, 4, 5]
    for row in rows:
        ticket = verify_ticket(org.instansi.ticket_key, row["code"])
        assert (ticket.counter_code, ticket.day, ticket.serial) == ("UJI01", day, int(row["serial"]))
        assert (row["counter"], row["date"]) == ("UJI01", day.isoformat())
        assert row["url"] == f"{BASE}/t/{row['code']}"
    assert "5 kode tiket loket UJI01" in result.stderr
    batch = db.session.scalar(select(TicketBatch))
    assert (batch.counter_id, batch.day, batch.first_serial, batch.count) == (org.counter.id, day, 1, 5)
    assert batch.created_by_id is None


def test_tickets_default_to_today_in_the_instansi_zone(runner, org, db):
    assert runner.invoke(args=["tickets", "--counter", "UJI01", "--count", "1"]).exit_code == 0
    assert db.session.scalar(select(TicketBatch.day)) == _local_today(org)


def test_ticket_serials_continue_across_batches(runner, org, db, tmp_path):
    day = _local_today(org).isoformat()
    codes, serials = [], []
    for count, name in ((3, "pagi.csv"), (4, "siang.csv")):
        output = tmp_path / name
        result = runner.invoke(args=["tickets", "--counter", "UJI01", "--date", day, "--count", str(count),
                                     "--output", str(output)])
        assert result.exit_code == 0, result.output
        assert "Ditulis ke" in result.stdout
        rows = list(csv.DictReader(io.StringIO(output.read_text(encoding="utf-8"))))
        codes += [r["code"] for r in rows]
        serials += [int(r["serial"]) for r in rows]
    assert serials == [1, 2, 3, 4, 5, 6, 7]
    assert len(set(codes)) == 7
    assert db.session.scalars(select(TicketBatch.first_serial).order_by(TicketBatch.id)).all() == [1, 4]


def test_ticket_serials_are_per_loket_and_day(runner, org, lokets):
    day = _local_today(org)
    for code, when in (("UJI01", day), ("UJI02", day), ("UJI01", day + timedelta(days=1))):
        result = runner.invoke(args=["tickets", "--counter", code, "--date", when.isoformat(), "--count", "2"])
        assert [r["serial"] for r in csv.DictReader(io.StringIO(result.stdout))] == ["1", "2"]


@pytest.mark.parametrize("args,message", [
    (["--counter", "TIDAKADA", "--count", "5"], "Loket tidak ditemukan: TIDAKADA"),
    (["--counter", "UJI09", "--count", "5"], "Loket UJI09 tidak aktif"),
    (["--counter", "UJI01", "--count", "0"], "Jumlah tiket harus antara 1 dan 5000."),
    (["--counter", "UJI01", "--count", "5001"], "Jumlah tiket harus antara 1 dan 5000."),
    (["--counter", "UJI01", "--count", "lima"], "Jumlah tiket harus bilangan bulat antara 1 dan 5000."),
    (["--counter", "UJI01", "--count", "5", "--date", "2026-02-30"], "Tanggal tidak valid: 2026-02-30"),
    (["--counter", "UJI01", "--count", "5", "--date", "23-11-2026"], "Tanggal tidak valid: 23-11-2026"),
    (["--counter", "UJI01", "--count", "5", "--date", "2020-01-01"], "Tanggal 2020-01-01 sudah lewat"),
    (["--counter", "UJI01", "--count", "5", "--date", "2199-01-01"], "paling lambat 366 hari"),
])
def test_tickets_refuses_bad_input_and_stores_nothing(runner, org, lokets, db, tmp_path, args, message):
    output = tmp_path / "tiket.csv"
    result = runner.invoke(args=["tickets", *args, "--output", str(output)])
    assert result.exit_code == 1
    assert message in result.output
    assert _batches(db) == 0
    assert not output.exists()


def test_tickets_refuses_an_unwritable_file_and_stores_nothing(runner, org, db, tmp_path):
    result = runner.invoke(args=["tickets", "--counter", "UJI01", "--count", "2", "--output", str(tmp_path / "no" / "t.csv")])
    assert result.exit_code == 1
    assert "Berkas tidak dapat ditulis" in result.output
    assert _batches(db) == 0


# --- QR codes ---------------------------------------------------------------------------------

def test_counter_qr_svg_encodes_the_survey_url(hr_client, org):
    response = hr_client.get("/loket/UJI01/qr.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Content-Disposition"] == "attachment; filename=qr-UJI01.svg"
    svg = response.get_data(as_text=True)
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    matrix = _matrix(f"{BASE}/s/UJI01")
    assert root.get("viewBox") == f"0 0 {len(matrix)} {len(matrix)}"
    assert _svg_modules(svg) == _dark(matrix)


def test_counter_qr_png_encodes_the_survey_url(hr_client, org):
    response = hr_client.get("/loket/UJI01/qr.png")
    assert response.status_code == 200
    assert response.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert response.headers["Content-Disposition"] == "attachment; filename=qr-UJI01.png"
    image = Image.open(io.BytesIO(response.data)).convert("L")
    matrix = _matrix(f"{BASE}/s/UJI01")
    box = image.width // len(matrix)
    assert image.size == (box * len(matrix),) * 2
    seen = {(x, y) for y in range(len(matrix)) for x in range(len(matrix))
            if image.getpixel((x * box + box // 2, y * box + box // 2)) < 128}
    assert seen == _dark(matrix)


def test_officer_qr_encodes_the_name_plate_url(hr_client, org):
    officer = org.staff[0]
    response = hr_client.get(f"/loket/petugas/{officer.public_code}/qr.svg")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=qr-petugas-Staf-Uji-1-{officer.public_code}.svg")
    assert _svg_modules(response.get_data(as_text=True)) == _dark(_matrix(f"{BASE}/p/{officer.public_code}"))
    png = hr_client.get(f"/loket/petugas/{officer.public_code}/qr.png")
    assert png.data.startswith(b"\x89PNG\r\n\x1a\n")


# --- posters and name plates ------------------------------------------------------------------

def _assert_clean_html(html: str) -> None:
    """The CSP forbids inline script and style: none may appear."""
    assert " style=" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)


@pytest.mark.parametrize("size", ["a4", "a5"])
def test_poster_shows_everything_a_citizen_needs(hr_client, org, size):
    response = hr_client.get(f"/loket/UJI01/poster?ukuran={size}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for text in ("Pemerintah Kota Uji", "Dinas Kependudukan dan Pencatatan Sipil", "Loket 1", "UJI01",
                 "KTP elektronik", "cermin.test/s/UJI01",
                 "Pindai kode QR ini untuk menilai layanan kami — tanpa login, kurang dari 1 menit."):
        assert text in html
    assert f'class="poster poster-{size}"' in html
    assert html.count("<svg") == 1
    inline = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert _svg_modules(inline) == _dark(_matrix(f"{BASE}/s/UJI01"))
    assert "/static/css/posters.css" in html
    _assert_clean_html(html)


def test_poster_of_an_unknown_size_is_not_found(hr_client, org):
    assert hr_client.get("/loket/UJI01/poster?ukuran=a3").status_code == 404


def test_unit_sheet_has_one_poster_per_active_loket(hr_client, org, lokets):
    html = hr_client.get("/loket/unit/DUKCAPIL/poster?ukuran=a5").get_data(as_text=True)
    assert html.count('<article class="poster poster-a5"') == 2
    assert "cermin.test/s/UJI01" in html and "cermin.test/s/UJI02" in html
    assert "UJI09" not in html and "DKS01" not in html
    assert html.count("<svg") == 2 and 'id="qr-path"' not in html
    _assert_clean_html(html)


def test_unit_sheet_of_name_plates_lists_front_line_officers(hr_client, org):
    html = hr_client.get("/loket/unit/DUKCAPIL/papan-nama").get_data(as_text=True)
    for officer in org.staff:
        assert officer.name in html and f"cermin.test/p/{officer.public_code}" in html
    assert org.head.name not in html
    assert html.count('<article class="plate"') == len(org.staff)
    assert "Pengadministrasi Umum" in html
    _assert_clean_html(html)


def test_name_plate_of_one_officer(hr_client, org):
    officer = org.staff[1]
    html = hr_client.get(f"/loket/petugas/{officer.public_code}/papan-nama").get_data(as_text=True)
    assert html.count('<article class="plate"') == 1
    assert officer.name in html and f"cermin.test/p/{officer.public_code}" in html


def test_inactive_officer_and_loket_are_not_found(hr_client, org, lokets, db):
    org.staff[3].active = False
    db.session.commit()
    assert hr_client.get(f"/loket/petugas/{org.staff[3].public_code}/papan-nama").status_code == 404
    assert hr_client.get("/loket/UJI09/poster").status_code == 404
    assert hr_client.get("/loket/UJI09/tiket").status_code == 404


# --- who may use the tools --------------------------------------------------------------------

def _dukcapil_paths(org):
    code = org.staff[0].public_code
    return ["/loket/", "/loket/UJI01/poster?ukuran=a4", "/loket/UJI01/poster?ukuran=a5",
            "/loket/unit/DUKCAPIL/poster?ukuran=a4", "/loket/UJI01/qr.svg", "/loket/UJI01/qr.png",
            f"/loket/petugas/{code}/qr.svg", f"/loket/petugas/{code}/qr.png", f"/loket/petugas/{code}/papan-nama",
            "/loket/unit/DUKCAPIL/papan-nama", "/loket/UJI01/tiket"]


DINKES_PATHS = ["/loket/DKS01/poster", "/loket/DKS01/qr.svg", "/loket/DKS01/qr.png", "/loket/DKS01/tiket",
                "/loket/unit/DINKES/poster", "/loket/unit/DINKES/papan-nama"]


def test_anonymous_is_sent_to_login(client, org, lokets):
    for path in _dukcapil_paths(org) + DINKES_PATHS:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/masuk?next="), path


def test_employee_and_supervisor_who_heads_nothing_are_refused(employee_client, supervisor_client, org, lokets):
    for path in _dukcapil_paths(org) + DINKES_PATHS:
        assert employee_client.get(path).status_code == 403, path
        assert supervisor_client.get(path).status_code == 403, path


def test_hr_and_admin_use_every_unit(hr_client, admin_client, org, lokets):
    for path in _dukcapil_paths(org) + DINKES_PATHS:
        assert hr_client.get(path).status_code == 200, path
        assert admin_client.get(path).status_code == 200, path


def test_unit_head_uses_own_unit_only(head_client, org, lokets):
    for path in _dukcapil_paths(org):
        assert head_client.get(path).status_code == 200, path
    for path in DINKES_PATHS:
        assert head_client.get(path).status_code == 403, path
    html = head_client.get("/loket/").get_data(as_text=True)
    assert "UJI01" in html and "UJI02" in html and "DKS01" not in html
    assert "Dinas Kesehatan" not in html


def test_unit_head_of_another_unit_is_refused(app, org, lokets, factory, db):
    health_head = factory.employee(org.other_unit, "Kepala Dinkes Uji", jabatan="Kepala Dinas", is_unit_head=True)
    factory.user(org.instansi, "kadinkes", {"supervisor", "employee"}, health_head)
    db.session.commit()
    client = app.test_client()
    login(client, "kadinkes")
    assert client.get("/loket/DKS01/poster").status_code == 200
    for path in _dukcapil_paths(org)[1:]:
        assert client.get(path).status_code == 403, path


def test_another_instansi_is_not_found(hr_client, org, factory, db):
    other = factory.instansi("Pemerintah Kota Lain")
    unit = factory.unit(other, code="LAIN")
    factory.add(Counter(unit_id=unit.id, code="LAIN01", name="Loket Lain"))
    officer = factory.employee(unit, "Petugas Lain", job_group="front_line")
    db.session.commit()
    for path in ("/loket/LAIN01/poster", "/loket/LAIN01/qr.svg", "/loket/LAIN01/tiket", "/loket/unit/LAIN/poster",
                 "/loket/unit/LAIN/papan-nama", f"/loket/petugas/{officer.public_code}/qr.png"):
        assert hr_client.get(path).status_code == 404, path


def test_hr_sees_every_unit_and_the_menu_entry(hr_client, org, lokets):
    html = hr_client.get("/loket/").get_data(as_text=True)
    assert ">Loket & QR</a>" in html
    for text in ("Dinas Kependudukan dan Pencatatan Sipil", "Dinas Kesehatan", "/loket/UJI01/poster?ukuran=a4",
                 "/loket/UJI01/poster?ukuran=a5", "/loket/UJI01/qr.svg", "/loket/UJI01/qr.png",
                 f'href="{BASE}/s/UJI01"', "/loket/UJI01/tiket", "/loket/unit/DUKCAPIL/poster?ukuran=a4",
                 "/loket/unit/DUKCAPIL/papan-nama", "/loket/DKS01/tiket"):
        assert text in html, text
    assert "UJI09" not in html


# --- queue tickets in the UI ------------------------------------------------------------------

def test_ticket_form_offers_today_and_downloads_a_csv(head_client, org, db):
    day = _local_today(org)
    page = head_client.get("/loket/UJI01/tiket").get_data(as_text=True)
    assert f'value="{day.isoformat()}"' in page
    assert "Belum ada batch tiket" in page
    response = post_form(head_client, "/loket/UJI01/tiket", {"day": day.isoformat(), "count": "3"})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f"attachment; filename=tiket-UJI01-{day.isoformat()}.csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [verify_ticket(org.instansi.ticket_key, r["code"]).serial for r in rows] == [1, 2, 3]
    batch = db.session.scalar(select(TicketBatch))
    assert batch.created_by_id == db.session.scalar(select(User.id).where(User.username == "kepala"))
    page = head_client.get("/loket/UJI01/tiket").get_data(as_text=True)
    assert "1–3" in page and "Kepala Dinas Uji" in page
    again = head_client.get(f"/loket/UJI01/tiket/{batch.id}.csv")
    assert again.get_data(as_text=True) == response.get_data(as_text=True)


def test_second_batch_from_the_ui_continues_the_serials(hr_client, org):
    day = (_local_today(org) + timedelta(days=2)).isoformat()
    post_form(hr_client, "/loket/UJI01/tiket", {"day": day, "count": "2"})
    response = post_form(hr_client, "/loket/UJI01/tiket", {"day": day, "count": "2"})
    assert response.headers["Content-Disposition"] == f"attachment; filename=tiket-UJI01-{day}-nomor-3-4.csv"
    assert [r["serial"] for r in csv.DictReader(io.StringIO(response.get_data(as_text=True)))] == ["3", "4"]


@pytest.mark.parametrize("data,message", [
    ({"count": "0"}, "Angka harus antara 1 dan 5000."),
    ({"count": "5001"}, "Angka harus antara 1 dan 5000."),
    ({"count": "banyak"}, "Harus berupa bilangan bulat."),
    ({"count": ""}, "Wajib diisi."),
    ({"day": ""}, "Wajib diisi."),
    ({"day": "2026-13-01"}, "Tanggal tidak valid (format TTTT-BB-HH)."),
    ({"day": "2020-01-01"}, "Tanggal 2020-01-01 sudah lewat"),
])
def test_bad_ticket_input_gets_a_message_and_stores_nothing(hr_client, org, db, data, message):
    payload = {"day": _local_today(org).isoformat(), "count": "10", **data}
    response = post_form(hr_client, "/loket/UJI01/tiket", payload)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert message in response.get_data(as_text=True)
    assert _batches(db) == 0


def test_batch_of_another_loket_is_not_found(hr_client, org, lokets):
    response = post_form(hr_client, "/loket/UJI01/tiket", {"day": _local_today(org).isoformat(), "count": "1"})
    assert response.status_code == 200
    assert hr_client.get("/loket/UJI02/tiket/1.csv").status_code == 404


def test_tampered_ticket_does_not_verify(runner, org):
    result = runner.invoke(args=["tickets", "--counter", "UJI01", "--count", "1"])
    code = next(csv.DictReader(io.StringIO(result.stdout)))["code"]
    altered = code[:-1] + ("A" if code[-1] != "A" else "B")
    with pytest.raises(InvalidTicket):
        verify_ticket(org.instansi.ticket_key, altered)


def test_pages_render_in_english(hr_client, org):
    assert_headings(hr_client, {
        "/loket/": ("Loket & QR", "Counters & QR"),
        "/loket/UJI01/poster": ("Poster loket UJI01", "Poster for counter UJI01"),
        "/loket/unit/DUKCAPIL/papan-nama": (f"Papan nama petugas {org.unit.name}", f"Officer name plates for {org.unit.name}"),
        "/loket/UJI01/tiket": ("Tiket antrean UJI01", "Queue ticket UJI01"),
    })


def test_service_name_is_optional_on_posters(hr_client, org, lokets):
    html = hr_client.get("/loket/DKS01/poster").get_data(as_text=True)
    assert "Loket Kesehatan" in html and "Layanan:" not in html

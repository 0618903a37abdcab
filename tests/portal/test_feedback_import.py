"""Paper SKM forms: `import-responses` and the /survei/impor page."""
import csv
import io
import random
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from portal import clock
from portal.feedback import scoring
from portal.feedback.models import SkmComment, SkmDaily, SkmHourly, SkmResponse
from portal.feedback.services import Submission, record_response
from portal.org.models import Counter
from surveys import skm
from tests.conftest import post_form

HEADER = ["counter", "submitted_at", *[f"u{i}" for i in range(1, 10)], "employee_nip", "comment", "gender",
          "age_range", "education", "occupation"]
GOOD = (4, 3, 3, 4, 3, 3, 4, 3, 3)


def row(counter="UJI01", at="2026-03-02 09:15", scores=GOOD, nip="", comment="", gender="", age="", education="",
        occupation=""):
    return [counter, at, *[str(s) for s in scores], nip, comment, gender, age, education, occupation]


def as_csv(rows, header=HEADER) -> bytes:
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerow(header)
    writer.writerows(rows)
    return stream.getvalue().encode()


def import_file(runner, tmp_path, data: bytes, name="kertas.csv", *options):
    path = tmp_path / name
    path.write_bytes(data)
    return runner.invoke(args=["import-responses", str(path), *options])


def count(db, model=SkmResponse) -> int:
    return db.session.scalar(select(func.count(model.id)))


@pytest.fixture
def dinkes_counter(factory, org):
    counter = factory.add(Counter(unit_id=org.other_unit.id, code="DNK01", name="Loket Dinkes",
                                  opened_on=date(2020, 1, 1)))
    factory.db.session.commit()
    return counter


@pytest.fixture
def in_march():
    """A web upload takes paper forms of the last 60 days: the page's tests run on 10 March 2026."""
    with clock.frozen(datetime(2026, 3, 10, 4, 0, tzinfo=timezone.utc)):
        yield


# --- command line --------------------------------------------------------------------------

def test_cli_imports_csv_rows_as_paper_responses(runner, org, db, tmp_path):
    officer = org.staff[1]
    result = import_file(runner, tmp_path, as_csv([
        row(nip=officer.nip, comment="Antrean lama, mohon tambah kursi.", gender="P", age="30-39",
            education="SMA", occupation="WIRAUSAHA"),
        row(counter="uji01", at="2026-03-03 10:00", scores=(1, 2, 1, 2, 1, 2, 1, 2, 1)),
        row(at="2026-03-04T08:00:00+08:00"),
    ]))
    assert result.exit_code == 0, result.output
    assert "Impor selesai: 3 tanggapan ditambahkan, 0 sudah ada sebelumnya." in result.output

    responses = db.session.scalars(select(SkmResponse).order_by(SkmResponse.submitted_at)).all()
    assert [r.channel for r in responses] == ["paper"] * 3
    assert {(r.unit_id, r.counter_id, r.service_id) for r in responses} == {(org.unit.id, org.counter.id, org.service.id)}
    first, second, third = responses
    assert first.employee_id == officer.id and second.employee_id is None
    assert (first.gender, first.age_range, first.education, first.occupation) == ("P", "30-39", "SMA", "WIRAUSAHA")
    assert first.scores() == dict(zip(skm.UNSUR_CODES, GOOD))
    assert not first.negative and second.negative
    assert all(r.import_key and len(r.import_key) == 64 for r in responses)
    assert len({r.import_key for r in responses}) == 3
    comment = db.session.scalar(select(SkmComment))
    assert comment.response_id == first.id and comment.unit_id == org.unit.id
    assert comment.text == "Antrean lama, mohon tambah kursi." and comment.status == "baru"
    assert comment.local_date == date(2026, 3, 2)


def test_cli_imports_xlsx_with_indonesian_headings_and_labels(runner, org, db, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Loket", "Tanggal", *[f"U{i}" for i in range(1, 10)], "NIP Petugas", "Saran", "Jenis Kelamin",
                  "Umur", "Pendidikan", "Pekerjaan"])
    # A spreadsheet stores typed dates as datetimes and scores as numbers.
    sheet.append(["UJI01", datetime(2026, 3, 2, 9, 15), *GOOD, org.staff[0].nip, "Ramah sekali", "Laki-laki",
                  "30–39 tahun", "D3", "pegawai swasta"])
    sheet.append(["UJI01", "2026-03-02", *GOOD, None, None, "perempuan", "<20", "S2", "PNS"])
    # A date-only cell reads as midnight; like a bare date it means 12:00 local time.
    sheet.append(["UJI01", date(2026, 3, 3), *GOOD])
    path = tmp_path / "kertas.xlsx"
    workbook.save(path)
    result = runner.invoke(args=["import-responses", str(path)])
    assert result.exit_code == 0, result.output
    assert "3 tanggapan ditambahkan" in result.output
    first, second, third = db.session.scalars(select(SkmResponse).order_by(SkmResponse.submitted_at)).all()
    assert first.submitted_at == datetime(2026, 3, 2, 1, 15, tzinfo=timezone.utc)
    assert third.submitted_at == datetime(2026, 3, 3, 4, 0, tzinfo=timezone.utc)
    assert (first.gender, first.age_range, first.education, first.occupation) == ("L", "30-39", "S1", "SWASTA")
    assert first.employee_id == org.staff[0].id
    assert (second.gender, second.age_range, second.education, second.occupation) == ("P", "<20", "S2", "PNS")


def test_times_with_offsets_and_in_local_time(runner, org, db, tmp_path):
    """The instansi is in WITA (UTC+8): times without an offset are WITA."""
    result = import_file(runner, tmp_path, as_csv([
        row(at="2026-03-02 23:30"),                 # WITA, late evening
        row(at="2026-03-02T23:30:00+07:00"),        # WIB: 00:30 WITA the next day
        row(at="2026-03-02T16:00:00Z"),             # UTC: midnight WITA
        row(at="2026-03-05"),                       # a bare date: 12:00 WITA
    ]))
    assert result.exit_code == 0, result.output
    stamps = [(r.submitted_at, r.local_date, r.local_hour) for r in
              db.session.scalars(select(SkmResponse).order_by(SkmResponse.submitted_at))]
    assert stamps == [
        (datetime(2026, 3, 2, 15, 30, tzinfo=timezone.utc), date(2026, 3, 2), 23),
        (datetime(2026, 3, 2, 16, 0, tzinfo=timezone.utc), date(2026, 3, 3), 0),
        (datetime(2026, 3, 2, 16, 30, tzinfo=timezone.utc), date(2026, 3, 3), 0),
        (datetime(2026, 3, 5, 4, 0, tzinfo=timezone.utc), date(2026, 3, 5), 12),
    ]


@pytest.mark.parametrize("zone", ["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"])
def test_a_date_alone_may_be_today_but_not_tomorrow_in_the_instansis_zone(runner, org, db, tmp_path, zone):
    """Tomorrow begins at local midnight: in WIB at 17:00 UTC, in WITA at 16:00, in WIT at 15:00."""
    org.instansi.timezone = zone
    db.session.commit()
    midnight = datetime(2026, 3, 3, tzinfo=ZoneInfo(zone))
    with clock.frozen(midnight - timedelta(seconds=1)):
        result = import_file(runner, tmp_path, as_csv([row(at="2026-03-02"), row(at="2026-03-03")]))
    assert result.exit_code == 1
    assert "Baris 3: Tanggal 2026-03-03 belum terjadi." in result.output and "Baris 2:" not in result.output
    assert count(db) == 0
    with clock.frozen(midnight):
        assert import_file(runner, tmp_path, as_csv([row(at="2026-03-03")])).exit_code == 0
    stored = db.session.scalar(select(SkmResponse))
    assert (stored.local_date, stored.local_hour) == (date(2026, 3, 3), 12)
    assert stored.submitted_at == datetime(2026, 3, 3, 12, tzinfo=ZoneInfo(zone))


def test_a_loket_or_an_officer_of_another_instansi_is_unknown(runner, org, db, tmp_path, factory):
    elsewhere = factory.instansi("Pemerintah Kota Lain")
    unit = factory.unit(elsewhere, code="LAIN")
    factory.add(Counter(unit_id=unit.id, code="LAIN01", name="Loket Lain"))
    stranger = factory.employee(unit, "Petugas Kota Lain")
    db.session.commit()
    result = import_file(runner, tmp_path, as_csv([row(counter="LAIN01"), row(nip=stranger.nip)]), "kertas.csv",
                         "--instansi", org.instansi.name)
    assert result.exit_code == 1
    assert 'Baris 2: Loket "LAIN01" tidak dikenal.' in result.output
    assert f"Baris 3: Petugas dengan NIP {stranger.nip} tidak terdaftar di instansi ini." in result.output
    assert count(db) == 0


def test_an_inactive_loket_takes_no_paper_forms(hr_client, org, db):
    org.counter.active = False
    db.session.commit()
    response = upload(hr_client, as_csv([row()]))
    assert response.status_code == 200
    assert "Loket UJI01 sudah tidak aktif." in response.get_data(as_text=True)
    assert count(db) == 0


def test_import_is_all_or_nothing_and_reports_every_bad_row(runner, org, db, tmp_path):
    org.staff[3].active = False
    db.session.commit()
    result = import_file(runner, tmp_path, as_csv([
        row(),                                                  # 2: fine
        row(scores=(5, 3, 3, 4, 3, 3, 4, 3, 3)),                # 3: score 5
        row(scores=(4, 3, "", 4, 3, 3, 4, 3, 3)),               # 4: u3 missing
        row(counter="TIDAKADA"),                                # 5: unknown loket
        row(nip="199001012015031001"),                          # 6: unknown NIP
        row(at="02/03/2026 09:15"),                             # 7: not ISO 8601
        row(at="2099-01-01 08:00"),                             # 8: in the future
        row(comment="x" * 1001),                                # 9: comment too long
        row(gender="X"),                                        # 10: unknown profile code
        row(nip=org.staff[3].nip),                              # 11: officer no longer active
        row(at="2026-02-30 09:00"),                             # 12: no such day
    ]))
    assert result.exit_code == 1
    output = result.output
    assert "Baris 2:" not in output
    expected = {
        3: "Nilai U1 harus 1 sampai 4, bukan \"5\".",
        4: "Nilai U3 kosong; isi 1 sampai 4.",
        5: "Loket \"TIDAKADA\" tidak dikenal.",
        6: "Petugas dengan NIP 199001012015031001 tidak terdaftar di instansi ini.",
        7: "Tanggal \"02/03/2026 09:15\" tidak valid",
        8: "Tanggal 2099-01-01 08:00 belum terjadi.",
        9: "Saran paling banyak 1000 karakter (ada 1001).",
        10: "Isian gender \"X\" tidak dikenal; gunakan salah satu kode: L, P.",
        11: f"Petugas dengan NIP {org.staff[3].nip} sudah tidak aktif.",
        12: "Tanggal \"2026-02-30 09:00\" tidak valid",
    }
    for number, message in expected.items():
        assert f"Baris {number}: {message}" in output, (number, output)
    assert "10 baris bermasalah; tidak ada data yang disimpan." in output
    assert count(db) == 0 and count(db, SkmDaily) == 0 and count(db, SkmComment) == 0


def test_missing_columns_are_named(runner, org, tmp_path):
    result = import_file(runner, tmp_path, b"counter,u1,u2\nUJI01,4,4\n")
    assert result.exit_code == 1
    assert "Kolom wajib tidak ada: submitted_at, u3, u4, u5, u6, u7, u8, u9." in result.output


def test_unreadable_file(runner, org, tmp_path):
    result = import_file(runner, tmp_path, b"\x00\x01binary", name="kertas.xlsx")
    assert result.exit_code == 1
    assert "Berkas bukan CSV atau XLSX yang dapat dibaca." in result.output


def test_importing_the_same_file_twice_adds_nothing(runner, org, db, tmp_path):
    data = as_csv([row(comment="Bagus"), row(at="2026-03-03 10:00"), row(at="2026-03-04 11:00", nip=org.staff[0].nip)])
    assert import_file(runner, tmp_path, data).exit_code == 0
    daily = db.session.execute(select(SkmDaily.local_date, SkmDaily.n, SkmDaily.s1).order_by(SkmDaily.local_date)).all()
    again = import_file(runner, tmp_path, data)
    assert again.exit_code == 0, again.output
    assert "Impor selesai: 0 tanggapan ditambahkan, 3 sudah ada sebelumnya." in again.output
    assert count(db) == 3 and count(db, SkmComment) == 1
    assert db.session.execute(select(SkmDaily.local_date, SkmDaily.n, SkmDaily.s1).order_by(SkmDaily.local_date)).all() == daily


def test_identical_rows_in_one_file_all_count(runner, org, db, tmp_path):
    same = row(comment="Sama persis")
    assert "2 tanggapan ditambahkan" in import_file(runner, tmp_path, as_csv([same, same])).output
    assert count(db) == 2 and count(db, SkmComment) == 2
    # The same file with a third copy of the form adds only that copy.
    result = import_file(runner, tmp_path, as_csv([same, same, same]))
    assert "Impor selesai: 1 tanggapan ditambahkan, 2 sudah ada sebelumnya." in result.output
    assert count(db) == 3


def test_rollups_match_the_rows(runner, org, db, tmp_path):
    """Rollups after an import into days that already had web responses equal a raw oracle."""
    record_response(org.counter, Submission(scores=dict(zip(skm.UNSUR_CODES, GOOD)), employee_id=org.staff[0].id,
                                            submitted_at=datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)))
    db.session.commit()
    generator = random.Random(14)
    rows = []
    for _ in range(40):
        scores = tuple(generator.randint(1, 4) for _ in range(9))
        day = generator.choice([2, 3, 4])
        nip = generator.choice(["", org.staff[0].nip, org.staff[1].nip])
        rows.append(row(at=f"2026-03-0{day} {generator.randint(7, 15):02d}:30", scores=scores, nip=nip))
    assert import_file(runner, tmp_path, as_csv(rows)).exit_code == 0

    all_scores = [dict(zip(skm.UNSUR_CODES, GOOD))] + [dict(zip(skm.UNSUR_CODES, map(int, r[2:11]))) for r in rows]
    scope = scoring.Scope(instansi_id=org.instansi.id, unit_id=org.unit.id)
    n, sums, negative = scoring.totals(scope)
    assert n == 41
    assert sums == {k: sum(s[k] for s in all_scores) for k in skm.UNSUR_CODES}
    assert negative == sum(sum(s.values()) < 22.5 for s in all_scores)
    assert scoring.ikm(scope).as_json() == skm.ikm_from_responses(all_scores).as_json()
    assert db.session.scalar(select(func.sum(SkmHourly.n))) == 41
    assert db.session.scalar(select(func.sum(SkmHourly.score_total))) == sum(sum(s.values()) for s in all_scores)

    officer = [dict(zip(skm.UNSUR_CODES, map(int, r[2:11]))) for r in rows if r[11] == org.staff[1].nip]
    officer_scope = scoring.Scope(instansi_id=org.instansi.id, unit_id=org.unit.id, employee_id=org.staff[1].id)
    assert scoring.totals(officer_scope)[0] == len(officer)
    day_scope = scoring.Scope(instansi_id=org.instansi.id, unit_id=org.unit.id, date_from=date(2026, 3, 3),
                              date_to=date(2026, 3, 3))
    assert scoring.totals(day_scope)[0] == sum(r[1].startswith("2026-03-03") for r in rows)


def test_progress_bar_on_large_files(runner, org, db, tmp_path):
    rows = [row(at=f"2026-03-02 {8 + i % 8:02d}:{i % 60:02d}", scores=(1 + i % 4,) * 9) for i in range(250)]
    result = import_file(runner, tmp_path, as_csv(rows))
    assert result.exit_code == 0, result.output
    assert "Mengimpor tanggapan" in result.output
    assert count(db) == 250


def test_help_documents_the_columns(runner):
    result = runner.invoke(args=["import-responses", "--help"])
    assert result.exit_code == 0
    for column in ("counter", "submitted_at", "u1 ... u9", "employee_nip", "comment", "gender", "age_range",
                   "education", "occupation", "12:00"):
        assert column in result.output


# --- the page ------------------------------------------------------------------------------

def upload(client, data: bytes, name="kertas.csv"):
    return post_form(client, "/survei/impor", {"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_page_imports_and_shows_the_summary(hr_client, org, db, in_march):
    response = upload(hr_client, as_csv([row(), row(at="2026-03-03 10:00")]))
    assert response.status_code == 302
    page = hr_client.get(response.headers["Location"]).get_data(as_text=True)
    assert ("Impor selesai: 2 tanggapan disimpan dalam batch yang dihitung setelah diverifikasi petugas BKPSDM "
            "(HR) kedua; 0 sudah ada sebelumnya.") in page
    assert count(db) == 2
    again = upload(hr_client, as_csv([row(), row(at="2026-03-03 10:00")]))
    assert "2 sudah ada sebelumnya." in hr_client.get(again.headers["Location"]).get_data(as_text=True)


def test_page_lists_bad_rows_and_stores_nothing(hr_client, org, db, in_march):
    response = upload(hr_client, as_csv([row(), row(scores=(4, 3, 3, 4, 3, 3, 4, 3, 9)), row(counter="NOPE")]))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Baris yang perlu diperbaiki" in html
    assert "Nilai U9 harus 1 sampai 4" in html and "NOPE" in html
    assert "2 baris bermasalah" in html
    assert count(db) == 0


def test_page_reports_an_unreadable_file(hr_client, org, db):
    response = upload(hr_client, b"\x00\x01binary")
    assert response.status_code == 200
    assert "Berkas bukan CSV atau XLSX yang dapat dibaca." in response.get_data(as_text=True)


def test_unit_head_imports_only_their_own_lokets(head_client, org, db, dinkes_counter, in_march):
    page = head_client.get("/survei/impor").get_data(as_text=True)
    assert "UJI01" in page and "DNK01" not in page
    response = upload(head_client, as_csv([row(), row(counter="DNK01")]))
    assert response.status_code == 200
    assert "Loket DNK01 milik unit DINKES, yang tidak Anda kelola." in response.get_data(as_text=True)
    assert count(db) == 0
    assert upload(head_client, as_csv([row()])).status_code == 302
    assert count(db) == 1


def test_hr_imports_for_every_unit(hr_client, org, db, dinkes_counter, in_march):
    assert upload(hr_client, as_csv([row(), row(counter="dnk01")])).status_code == 302
    assert {r.unit_id for r in db.session.scalars(select(SkmResponse))} == {org.unit.id, org.other_unit.id}


@pytest.mark.parametrize("url", ["/survei/impor", "/survei/impor/template.csv", "/survei/impor/template.xlsx"])
def test_who_may_open_the_pages(url, app, org, client, admin_client, hr_client, supervisor_client, employee_client):
    assert client.get(url).status_code == 302  # to the login page
    assert employee_client.get(url).status_code == 403
    assert supervisor_client.get(url).status_code == 403  # a supervisor who heads no unit
    assert hr_client.get(url).status_code == 200
    assert admin_client.get(url).status_code == 200


def test_menu_entry(hr_client, employee_client, supervisor_client, head_client):
    assert "Survei kertas" in hr_client.get("/").get_data(as_text=True)
    assert "Survei kertas" in head_client.get("/").get_data(as_text=True)
    assert "Survei kertas" not in employee_client.get("/").get_data(as_text=True)


def test_csv_template_imports_as_is(hr_client, org, db, in_march):
    response = hr_client.get("/survei/impor/template.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert lines[0] == HEADER
    assert len(lines) == 2 and lines[1][0] == "UJI01"
    # The example row is valid: it imports (and shows what a filled-in row looks like).
    assert upload(hr_client, response.get_data()).status_code == 302
    assert count(db) == 1


def test_xlsx_template_has_the_instructions(hr_client, org, db, in_march):
    response = hr_client.get("/survei/impor/template.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(io.BytesIO(response.get_data()))
    assert workbook.sheetnames == ["Tanggapan", "Petunjuk"]
    data, instructions = workbook.worksheets
    assert [c.value for c in data[1]] == HEADER
    assert data.max_row == 2
    text = "\n".join(str(v) for r in instructions.iter_rows(values_only=True) for v in r if v is not None)
    for expected in ("L = Laki-laki", "60+ = 60 tahun ke atas", "S1 = D1–D4/S1", "WIRAUSAHA = Wirausaha",
                     "U4 Biaya/Tarif: 1 = Sangat mahal", "4 = Gratis", "UJI01", "12.00"):
        assert expected in text
    assert upload(hr_client, response.get_data(), name="survei.xlsx").status_code == 302
    assert count(db) == 1


# --- two imports at once, on two real connections ----------------------------------------------

def test_two_imports_of_one_file_at_once_store_it_once(shared, monkeypatch, in_march):
    """Import A is held inside its transaction, its rows inserted, until import B is provably
    waiting for it; then A commits. B stores nothing: it finds A's rows (SQLite, where B's write
    transaction can only begin after A's), or its own insert collides with them and it asks to
    import again (PostgreSQL). Either way each form is stored once, in A's batch, and once a second HR
    user verifies it the rollups agree."""
    import threading

    from sqlalchemy import event, text

    from portal.extensions import db as _db
    from portal.feedback import imports
    from tests.conftest import client_for
    from tests.portal.conftest import wait_for_a_lock_wait, write_queue_joined

    rows = as_csv([row(at=f"2026-03-02 {9 + i % 6:02d}:{i:02d}") for i in range(30)])
    inserted, release = threading.Event(), threading.Event()
    real_insert = imports._insert

    def held(*args):
        added = real_insert(*args)
        if threading.current_thread().name == "import-a":
            inserted.set()
            assert release.wait(60), "import B never showed that it waits"
        return added

    monkeypatch.setattr(imports, "_insert", held)
    with shared.app_context():
        engine = _db.engine
        dialect = engine.dialect.name

    def begins(conn, cursor, statement, parameters, context, executemany):
        if threading.current_thread().name == "import-b" and statement.startswith("BEGIN IMMEDIATE"):
            queued.set()

    event.listen(engine, "before_cursor_execute", begins)
    # SQLite's writers queue before BEGIN IMMEDIATE (portal/db.py): B joining the queue is B waiting.
    queued = write_queue_joined(monkeypatch, "import-b")
    answers = {}

    def run(name):
        client = client_for(shared, "hr")
        answers[name] = upload(client, rows)
        if answers[name].status_code == 302:
            answers[name] = client.get(answers[name].headers["Location"])

    first = threading.Thread(target=run, args=("a",), name="import-a")
    second = threading.Thread(target=run, args=("b",), name="import-b")
    try:
        first.start()
        assert inserted.wait(60), "import A never inserted its rows"
        second.start()
        if dialect == "sqlite":
            assert queued.wait(60)  # B's write transaction waits behind A's
        else:
            # B's insert waits for A's uncommitted rows.
            wait_for_a_lock_wait(engine, "import B never waited for import A")
        release.set()
        first.join(60)
        second.join(60)
    finally:
        release.set()
        event.remove(engine, "before_cursor_execute", begins)
    assert not first.is_alive() and not second.is_alive()
    a, b = (answers[k].get_data(as_text=True) for k in "ab")
    assert "Impor selesai: 30 tanggapan disimpan" in a and "; 0 sudah ada sebelumnya." in a
    if dialect == "sqlite":
        assert "Impor selesai: 0 tanggapan disimpan" in b and "; 30 sudah ada sebelumnya." in b
    else:
        assert "Sebagian baris baru saja diimpor oleh proses lain; ulangi impor." in b
    again = upload(client_for(shared, "hr"), rows)
    assert again.status_code == 302
    with shared.app_context():
        assert _db.session.scalar(select(func.count(SkmResponse.id))) == 30
        assert _db.session.scalar(select(func.count(func.distinct(SkmResponse.import_key)))) == 30
        assert _db.session.scalar(select(func.count(func.distinct(SkmResponse.batch_id)))) == 1  # A's batch
        instansi_id = _db.session.scalar(select(SkmResponse.instansi_id).limit(1))
        assert scoring.totals(scoring.Scope(instansi_id=instansi_id))[0] == 0  # waiting for a second HR user
        from portal.feedback import batches
        from portal.feedback.models import PaperBatch
        from portal.org.models import Instansi
        from tests.factories import Factory

        second = Factory(_db).user(_db.session.get(Instansi, instansi_id), "hr2", {"hr"})
        batch = _db.session.scalar(select(PaperBatch).where(PaperBatch.id == select(SkmResponse.batch_id)
                                                            .limit(1).scalar_subquery()))
        assert batches.verify(batch, second) == 30
        _db.session.commit()
        assert scoring.totals(scoring.Scope(instansi_id=instansi_id))[0] == 30  # the rollups hold each row once

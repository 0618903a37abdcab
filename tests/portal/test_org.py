"""HR manages organisation data in the UI; employees come in from SIMPEG/SIASN files."""
import io
from datetime import time, timedelta

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from portal import clock
from portal.org.models import Counter, Employee, RosterEntry, Service, Unit
from tests.conftest import post_form
from tests.portal.org_import_helpers import import_via_pages
from tests.factories import new_nip

ORG_PAGES = ["/organisasi/", "/organisasi/unit", "/organisasi/layanan", "/organisasi/loket", "/organisasi/pegawai",
             "/organisasi/pegawai/impor", "/organisasi/jadwal"]


@pytest.mark.parametrize("path", ORG_PAGES)
def test_employees_and_supervisors_cannot_manage_org(employee_client, supervisor_client, path):
    assert employee_client.get(path).status_code == 403
    assert supervisor_client.get(path).status_code == 403


@pytest.mark.parametrize("path", ORG_PAGES)
def test_anonymous_is_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/masuk?next=")


def test_only_admin_manages_accounts(hr_client, admin_client):
    assert hr_client.get("/organisasi/pengguna").status_code == 403
    assert admin_client.get("/organisasi/pengguna").status_code == 200


def test_hr_adds_unit_service_counter_employee_and_roster(hr_client, org, db):
    assert post_form(hr_client, "/organisasi/unit", {"code": "DPMPTSP", "name": "DPMPTSP", "active": "y"}).status_code == 302
    unit = db.session.scalar(select(Unit).where(Unit.code == "DPMPTSP"))
    assert post_form(hr_client, "/organisasi/layanan", {"unit_id": unit.id, "name": "Izin PBG", "active": "y"}).status_code == 302
    service = db.session.scalar(select(Service).where(Service.name == "Izin PBG"))
    response = post_form(hr_client, "/organisasi/loket", {
        "code": "ptsp01", "name": "Loket Perizinan", "unit_id": unit.id, "service_id": service.id,
        "location": "MPP lantai 2", "active": "y",
    })
    assert response.status_code == 302
    counter = db.session.scalar(select(Counter).where(Counter.code == "PTSP01"))
    assert counter.service_id == service.id
    nip = new_nip(gender=2)
    response = post_form(hr_client, "/organisasi/pegawai", {
        "nip": nip, "name": "Baiq Nurul", "jabatan": "Analis Perizinan", "unit_id": unit.id,
        "supervisor_id": org.supervisor.id, "job_group": "front_line", "active": "y",
    })
    assert response.status_code == 302
    employee = db.session.scalar(select(Employee).where(Employee.nip == nip))
    assert employee.supervisor_id == org.supervisor.id
    response = post_form(hr_client, "/organisasi/jadwal", {
        "counter_id": counter.id, "employee_id": employee.id, "weekday": "0", "start_time": "08:00",
        "end_time": "15:30", "valid_from": "2026-01-01",
    })
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(RosterEntry.id)).where(RosterEntry.employee_id == employee.id)) == 1


def test_bad_input_gets_messages_and_changes_nothing(hr_client, org, db):
    before = db.session.scalar(select(func.count(Employee.id)))
    response = post_form(hr_client, "/organisasi/pegawai", {
        "nip": "12345", "name": "", "unit_id": org.unit.id, "job_group": "front_line",
    })
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "NIP" in html and "Wajib diisi." in html
    assert db.session.scalar(select(func.count(Employee.id))) == before


def test_duplicate_counter_code_is_refused(hr_client, org):
    response = post_form(hr_client, "/organisasi/loket", {
        "code": "uji01", "name": "Loket lain", "unit_id": org.unit.id, "active": "y",
    })
    assert "Kode loket sudah dipakai." in response.get_data(as_text=True)


def test_roster_end_before_start_is_refused(hr_client, org):
    response = post_form(hr_client, "/organisasi/jadwal", {
        "counter_id": org.counter.id, "employee_id": org.staff[1].id, "start_time": "15:00",
        "end_time": "08:00", "valid_from": "2026-01-01",
    })
    assert "Jam selesai harus setelah jam mulai." in response.get_data(as_text=True)


def test_supervisor_cycle_is_refused(hr_client, org):
    response = post_form(hr_client, f"/organisasi/pegawai/{org.supervisor.id}", {
        "nip": org.supervisor.nip, "name": org.supervisor.name, "unit_id": org.unit.id,
        "supervisor_id": org.staff[0].id, "job_group": "back_office", "active": "y",
    })
    assert "rantai atasan berputar" in response.get_data(as_text=True)


def test_objects_of_another_instansi_are_not_found(hr_client, factory):
    other = factory.instansi("Pemerintah Kota Lain")
    unit = factory.unit(other, code="LAIN")
    employee = factory.employee(unit, "Orang Lain")
    assert hr_client.get(f"/organisasi/unit/{unit.id}").status_code == 404
    assert hr_client.get(f"/organisasi/pegawai/{employee.id}").status_code == 404


def test_employee_list_searches_by_name_and_nip(hr_client, org):
    html = hr_client.get("/organisasi/pegawai?q=Staf Uji 2").get_data(as_text=True)
    assert "<td>Staf Uji 2</td>" in html and "<td>Staf Uji 3</td>" not in html
    html = hr_client.get(f"/organisasi/pegawai?q={org.staff[3].nip}").get_data(as_text=True)
    assert "<td>Staf Uji 4</td>" in html


def test_admin_creates_account_with_several_roles(admin_client, org, db, client):
    from portal.accounts.models import User
    from tests.conftest import login

    response = post_form(admin_client, "/organisasi/pengguna", {
        "username": "kadis", "display_name": "Kepala Dinas Uji", "employee_id": org.head.id,
        "roles": ["supervisor", "employee"], "password": "Dinas-Uji-2026", "active": "y",
    })
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "kadis"))
    assert user.roles == {"supervisor", "employee"}
    assert login(client, org.head.nip, "Dinas-Uji-2026").status_code == 302


# --- import ------------------------------------------------------------------------------------

def _csv(rows, header="nip,nama,jabatan,unit,nip_atasan"):
    return (header + "\n" + "\n".join(",".join(r) for r in rows) + "\n").encode()


def test_import_cli_upserts_by_nip(runner, org, db, tmp_path):
    boss, staff = new_nip(), new_nip(gender=2)
    path = tmp_path / "pegawai.csv"
    path.write_bytes(_csv([
        [boss, "Lalu Ahmad", "Kepala Bidang", "DUKCAPIL", ""],
        [staff, "Baiq Sri", "Analis", "Dinas Kesehatan", boss],
        [org.staff[1].nip, "Staf Uji Dua (ganti nama)", "Operator", "DUKCAPIL", boss],
    ]))
    result = runner.invoke(args=["import-employees", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 ditambahkan, 1 diperbarui" in result.output
    imported = db.session.scalar(select(Employee).where(Employee.nip == staff))
    assert imported.unit.code == "DINKES" and imported.supervisor.nip == boss
    assert db.session.get(Employee, org.staff[1].id).name == "Staf Uji Dua (ganti nama)"
    again = runner.invoke(args=["import-employees", str(path)])
    assert "0 ditambahkan, 0 diperbarui, 3 tidak berubah" in again.output


def test_import_is_all_or_nothing_and_reports_every_bad_row(runner, org, db, tmp_path):
    before = db.session.scalar(select(func.count(Employee.id)))
    good = new_nip()
    path = tmp_path / "pegawai.csv"
    path.write_bytes(_csv([
        [good, "Baris Baik", "Analis", "DUKCAPIL", ""],
        ["19850101", "NIP Pendek", "Analis", "DUKCAPIL", ""],
        [new_nip(), "", "Analis", "DUKCAPIL", ""],
        [new_nip(), "Unit Salah", "Analis", "TIDAKADA", ""],
        [good, "NIP Ganda", "Analis", "DUKCAPIL", ""],
        [new_nip(), "Atasan Hilang", "Analis", "DUKCAPIL", new_nip()],
    ]))
    result = runner.invoke(args=["import-employees", str(path)])
    assert result.exit_code == 1
    for row in (3, 4, 5, 6, 7):
        assert f"Baris {row}:" in result.output
    assert "Baris 2:" not in result.output
    assert db.session.scalar(select(func.count(Employee.id))) == before


def test_import_refuses_a_supervisor_cycle(runner, org, db, tmp_path):
    a, b = new_nip(), new_nip()
    path = tmp_path / "cycle.csv"
    path.write_bytes(_csv([[a, "A", "", "DUKCAPIL", b], [b, "B", "", "DUKCAPIL", a]]))
    result = runner.invoke(args=["import-employees", str(path)])
    assert result.exit_code == 1
    assert "berputar" in result.output
    assert db.session.scalar(select(Employee).where(Employee.nip == a)) is None


def test_import_xlsx_with_siasn_headers(runner, org, db, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["NIP Baru", "Nama Lengkap", "Jabatan", "Unit Kerja", "NIP Atasan Langsung"])
    nip = new_nip()
    sheet.append([nip, "Ni Made Ayu", "Perawat", "DINKES", org.head.nip])
    path = tmp_path / "siasn.xlsx"
    workbook.save(path)
    result = runner.invoke(args=["import-employees", str(path)])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Employee).where(Employee.nip == nip)).supervisor_id == org.head.id


def test_import_checks_content_not_file_name(runner, org, tmp_path):
    path = tmp_path / "pegawai.xlsx"
    path.write_bytes(b"\x00\x01\x02binary junk")
    result = runner.invoke(args=["import-employees", str(path)])
    assert result.exit_code == 1
    assert "Berkas bukan CSV atau XLSX yang dapat dibaca." in result.output


def test_import_missing_columns(runner, org, tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"nama,jabatan\nA,B\n")
    result = runner.invoke(args=["import-employees", str(path)])
    assert result.exit_code == 1
    assert "Kolom wajib tidak ada: nip, unit." in result.output


def test_import_shows_progress_on_large_files(runner, org, tmp_path):
    rows = [[new_nip(), f"Pegawai {i}", "Staf", "DUKCAPIL", ""] for i in range(250)]
    path = tmp_path / "besar.csv"
    path.write_bytes(_csv(rows))
    result = runner.invoke(args=["import-employees", str(path)])
    assert result.exit_code == 0, result.output
    assert "Mengimpor pegawai" in result.output


def test_import_in_the_ui_lists_bad_rows(hr_client, org, db):
    data = _csv([["123", "X", "", "DUKCAPIL", ""]])
    response = post_form(hr_client, "/organisasi/pegawai/impor", {"file": (io.BytesIO(data), "p.csv")},
                         content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Baris yang perlu diperbaiki" in html and "NIP" in html


def test_import_in_the_ui_succeeds(hr_client, org, db):
    nip = new_nip()
    data = _csv([[nip, "Lalu Baru", "Staf", "DUKCAPIL", org.supervisor.nip]])
    response = import_via_pages(hr_client, data)
    assert response.status_code == 302
    assert db.session.scalar(select(Employee).where(Employee.nip == nip)) is not None


def test_import_help(runner):
    result = runner.invoke(args=["import-employees", "--help"])
    assert result.exit_code == 0 and "NIP" in result.output


def test_on_duty_uses_instansi_local_time(org, db):
    from datetime import date, datetime, time, timezone

    from portal.org.services import on_duty

    db.session.add(RosterEntry(counter_id=org.counter.id, employee_id=org.staff[1].id, weekday=0,
                               start_time=time(8, 0), end_time=time(12, 0), valid_from=date(2026, 1, 1)))
    db.session.flush()
    # Monday 2026-11-23 08:30 WITA is 00:30 UTC.
    names = [e.name for e in on_duty(org.counter, datetime(2026, 11, 23, 0, 30, tzinfo=timezone.utc))]
    assert "Staf Uji 2" in names
    names = [e.name for e in on_duty(org.counter, datetime(2026, 11, 23, 5, 0, tzinfo=timezone.utc))]
    assert "Staf Uji 2" not in names


# --- the edit pages, read back from the database --------------------------------------------------

def _fresh(db, model, object_id):
    db.session.expire_all()
    return db.session.get(model, object_id)


def test_hr_edits_a_service_and_a_loket(hr_client, org, db):
    response = post_form(hr_client, f"/organisasi/layanan/{org.service.id}",
                         {"unit_id": org.unit.id, "name": "KTP elektronik dan KIA"})
    assert response.status_code == 302
    service = _fresh(db, Service, org.service.id)
    assert (service.name, service.active) == ("KTP elektronik dan KIA", False)  # the box was left unticked
    response = post_form(hr_client, f"/organisasi/loket/{org.counter.id}", {
        "code": "UJI01", "name": "Loket Satu", "unit_id": org.unit.id, "service_id": org.service.id,
        "location": "Lantai 2", "active": "y"})
    assert response.status_code == 302
    counter = _fresh(db, Counter, org.counter.id)
    assert (counter.name, counter.location, counter.active) == ("Loket Satu", "Lantai 2", True)


def test_a_loket_code_taken_in_the_instansi_is_refused_on_edit(hr_client, org, db):
    other = Counter(unit_id=org.unit.id, code="UJI02", name="Loket 2")
    db.session.add(other)
    db.session.commit()
    response = post_form(hr_client, f"/organisasi/loket/{other.id}", {
        "code": "UJI01", "name": "Loket 2", "unit_id": org.unit.id, "active": "y"})
    assert response.status_code == 200 and "UJI01" in response.get_data(as_text=True)
    assert _fresh(db, Counter, other.id).code == "UJI02"


def test_hr_removes_a_roster_shift_with_a_post_only(hr_client, org, db):
    """A shift that has run is ended (valid up to yesterday, so past paper forms stay checkable);
    one that has not run yet is removed."""
    entry = db.session.scalar(select(RosterEntry).where(RosterEntry.counter_id == org.counter.id))
    assert entry.valid_from < clock.today(org.instansi.tz)
    assert hr_client.get(f"/organisasi/jadwal/{entry.id}/hapus").status_code == 405
    assert post_form(hr_client, f"/organisasi/jadwal/{entry.id}/hapus", {}, page="/organisasi/jadwal").status_code == 302
    assert _fresh(db, RosterEntry, entry.id).valid_to == clock.today(org.instansi.tz) - timedelta(days=1)
    later = RosterEntry(counter_id=org.counter.id, employee_id=org.staff[1].id, weekday=3, start_time=time(8),
                        end_time=time(12), valid_from=clock.today(org.instansi.tz) + timedelta(days=1))
    db.session.add(later)
    db.session.commit()
    assert post_form(hr_client, f"/organisasi/jadwal/{later.id}/hapus", {}, page="/organisasi/jadwal").status_code == 302
    assert _fresh(db, RosterEntry, later.id) is None


def test_admin_changes_an_accounts_roles(admin_client, org, db):
    from portal.accounts.models import User

    user = org.users["pegawai"]
    response = post_form(admin_client, f"/organisasi/pengguna/{user.id}", {
        "username": "pegawai", "display_name": "Staf Uji Satu", "employee_id": user.employee_id,
        "roles": ["employee", "supervisor"], "active": "y"})
    assert response.status_code == 302
    stored = _fresh(db, User, user.id)
    assert stored.display_name == "Staf Uji Satu" and set(stored.roles) == {"employee", "supervisor"}

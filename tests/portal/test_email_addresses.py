"""Email addresses are checked on every path that stores one: the employee form and the employee
import (page and command). An address that could break a mail header is refused with a clear
message and changes nothing."""
import io

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.mail import addresses
from portal.org.models import Employee
from tests.conftest import post_form
from tests.factories import new_nip

HEADER_BREAKERS = [
    "kepala@uji.go.id\r\nBcc: semua@luar.go.id",
    "kepala@uji.go.id\n",
    "kepala@uji.go.id\rX",
    "kepala\x00@uji.go.id",
    "kepala@uji.go.id\u2028Bcc: x@luar.go.id",
    "kepala@uji.go.id\x85",
    "kepala\t@uji.go.id",
]
MALFORMED = ["kepala", "kepala@", "@uji.go.id", "kepala@uji", "dua@uji.go.id, tiga@uji.go.id",
             "Kepala <kepala@uji.go.id>", '"kepala"@uji.go.id', "kepala@localhost", "a" * 190 + "@uji.go.id"]
NEWLINE_MESSAGE = "Alamat email tidak boleh memuat baris baru atau karakter kendali."


def _employee_form(employee, **changes):
    data = {"nip": employee.nip, "name": employee.name, "jabatan": employee.jabatan, "unit_id": employee.unit_id,
            "supervisor_id": employee.supervisor_id or 0, "job_group": employee.job_group, "active": "y"}
    return data | changes


def _stored_email(db, employee_id):
    db.session.expire_all()
    return db.session.get(Employee, employee_id).email


@pytest.mark.parametrize("typed,stored", [
    ("staf.satu@uji.go.id", "staf.satu@uji.go.id"),
    ("  Staf.Satu@UJI.GO.ID ", "Staf.Satu@uji.go.id"),
    ("staf@bükittinggi.go.id", "staf@xn--bkittinggi-9db.go.id"),
    ("", None),
])
def test_saving_an_employee_with_an_email(hr_client, org, db, typed, stored):
    """The edit page of an employee who has an email saves (it once answered 500: WTForms' Email()
    needed email_validator, which was not installed)."""
    employee = org.staff[0]
    url = f"/organisasi/pegawai/{employee.id}"
    response = post_form(hr_client, url, _employee_form(employee, email=typed))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert _stored_email(db, employee.id) == stored
    if stored:
        page = hr_client.get(url)
        assert page.status_code == 200 and f'value="{stored}"' in page.get_data(as_text=True)
        again = post_form(hr_client, url, _employee_form(employee, email=stored))
        assert again.status_code == 302


def test_adding_an_employee_with_an_email(hr_client, org, db):
    nip = new_nip()
    response = post_form(hr_client, "/organisasi/pegawai", {
        "nip": nip, "name": "Baiq Email", "unit_id": org.unit.id, "supervisor_id": 0, "job_group": "front_line",
        "email": "baiq@uji.go.id", "active": "y"})
    assert response.status_code == 302
    assert db.session.scalar(select(Employee.email).where(Employee.nip == nip)) == "baiq@uji.go.id"


@pytest.mark.parametrize("typed", HEADER_BREAKERS)
def test_the_employee_form_refuses_an_address_that_breaks_a_header(hr_client, org, db, typed):
    employee = org.staff[0]
    employee.email = "lama@uji.go.id"
    db.session.commit()
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    response = post_form(hr_client, f"/organisasi/pegawai/{employee.id}",
                         _employee_form(employee, email=typed, name="Nama Baru"))
    assert response.status_code == 200
    assert NEWLINE_MESSAGE in response.get_data(as_text=True)
    db.session.expire_all()
    assert (db.session.get(Employee, employee.id).email, db.session.get(Employee, employee.id).name) == (
        "lama@uji.go.id", employee.name)
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events


@pytest.mark.parametrize("typed", MALFORMED)
def test_the_employee_form_refuses_a_malformed_address(hr_client, org, db, typed):
    employee = org.staff[0]
    response = post_form(hr_client, f"/organisasi/pegawai/{employee.id}", _employee_form(employee, email=typed))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Alamat email tidak valid." in html or "Alamat email terlalu panjang (maksimal 200 karakter)." in html
    assert _stored_email(db, employee.id) is None


def test_the_form_speaks_english(hr_client, org, db):
    hr_client.get("/bahasa/en")
    employee = org.staff[0]
    response = post_form(hr_client, f"/organisasi/pegawai/{employee.id}",
                         _employee_form(employee, email="a@uji.go.id\r\nBcc: b@luar.go.id"))
    assert "An email address may not contain a line break or a control character." in response.get_data(as_text=True)


def _csv(rows):
    lines = ["nip,nama,unit,email"] + [",".join(row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode()


def test_the_import_page_refuses_an_address_with_a_line_break(hr_client, org, db):
    good, bad = new_nip(), new_nip()
    data = _csv([[good, "Baris Baik", "DUKCAPIL", "baik@uji.go.id"],
                 [bad, "Baris Jahat", "DUKCAPIL", '"jahat@uji.go.id\r\nBcc: semua@luar.go.id"']])
    response = post_form(hr_client, "/organisasi/pegawai/impor", {"file": (io.BytesIO(data), "p.csv")},
                         content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and NEWLINE_MESSAGE in html
    assert db.session.scalar(select(Employee.id).where(Employee.nip.in_([good, bad]))) is None


@pytest.mark.parametrize("email", ["tanpa-at", "x@uji.go.id\nBcc: y@luar.go.id", "a,b@uji.go.id"])
def test_the_import_command_refuses_a_bad_address(runner, org, db, tmp_path, email):
    nip = new_nip()
    path = tmp_path / "pegawai.csv"
    quoted = '"' + email + '"'
    path.write_bytes(_csv([[nip, "Lalu Email", "DUKCAPIL", quoted]]))
    result = runner.invoke(args=["import-employees", str(path)])
    assert result.exit_code == 1
    assert "Baris 2:" in result.output and "Alamat email" in result.output
    assert db.session.scalar(select(Employee.id).where(Employee.nip == nip)) is None


def test_the_import_stores_the_normalised_address(runner, org, db, tmp_path):
    nip = new_nip()
    path = tmp_path / "pegawai.csv"
    path.write_bytes(_csv([[nip, "Lalu Email", "DUKCAPIL", " Lalu@UJI.go.id "]]))
    result = runner.invoke(args=["import-employees", str(path)])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Employee.email).where(Employee.nip == nip)) == "Lalu@uji.go.id"


@pytest.mark.parametrize("text", HEADER_BREAKERS + MALFORMED)
def test_one_check_for_every_path(text):
    with pytest.raises(addresses.InvalidAddress):
        addresses.normalise(text)

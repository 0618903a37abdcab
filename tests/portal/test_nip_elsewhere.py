"""Nothing tells an instansi which NIPs another instansi holds: every path that takes a NIP answers
for another instansi's NIP exactly as for a NIP that exists nowhere (the employee import and form,
paper responses, hasil kerja, the audit command, login). A NIP is unique within an instansi."""
import io
import re

import pytest
from sqlalchemy import func, select

from portal.appraisal.merge import merge
from portal.org.models import Employee
from tests.conftest import login, post_form
from tests.factories import new_nip
from tests.portal.appraisal_helpers import make_period
from tests.portal.test_feedback_import import as_csv, row
from tests.portal.org_import_helpers import import_via_pages


@pytest.fixture
def elsewhere(factory, db):
    """An employee of another instansi, with an account: the NIP the importer must learn nothing of."""
    instansi = factory.instansi(name="Pemerintah Kabupaten Lain")
    unit = factory.unit(instansi, code="BAPPEDA", name="Bappeda")
    employee = factory.employee(unit, "Pegawai Kabupaten Lain", email="lain@kab.go.id")
    factory.user(instansi, "pegawailain", {"employee"}, employee)
    db.session.commit()
    return employee


def _same(html_a: str, nip_a: str, html_b: str, nip_b: str) -> None:
    """The two answers are the same page but for the NIP each named (and the CSRF token)."""
    def plain(html, nip):
        html = re.sub(r"<input[^>]*csrf_token[^>]*>", "", html)
        return html.replace(nip, "<NIP>")

    assert plain(html_a, nip_a) == plain(html_b, nip_b)


def _employee_csv(nip, name):
    return f"nip,nama,unit\r\n{nip},{name},DUKCAPIL\r\n".encode()


def test_the_employee_import_takes_another_instansis_nip_as_a_new_one(hr_client, org, db, elsewhere):
    answers = []
    for nip in (elsewhere.nip, new_nip()):
        response = import_via_pages(hr_client, _employee_csv(nip, "Pegawai Pindahan"))
        assert response.status_code == 302
        page = hr_client.get(response.headers["Location"]).get_data(as_text=True)
        answers.append((response.headers["Location"].replace(nip, "<NIP>"), re.findall(r'class="flash[^"]*"[^>]*>([^<]*)<', page)))
    assert answers[0] == answers[1]
    assert answers[0][1] == ["Impor selesai: 1 ditambahkan, 0 diperbarui, 0 tidak berubah."]
    ours = db.session.scalar(select(Employee).where(Employee.instansi_id == org.instansi.id,
                                                    Employee.nip == elsewhere.nip))
    assert ours is not None and ours.id != elsewhere.id and ours.name == "Pegawai Pindahan"
    db.session.expire_all()
    theirs = db.session.get(Employee, elsewhere.id)
    assert (theirs.name, theirs.instansi_id, theirs.email) == ("Pegawai Kabupaten Lain", elsewhere.instansi_id,
                                                               "lain@kab.go.id")


def test_the_import_command_too(runner, org, db, elsewhere, tmp_path):
    outputs = []
    for nip in (elsewhere.nip, new_nip()):
        path = tmp_path / f"{nip}.csv"
        path.write_bytes(_employee_csv(nip, "Pegawai Pindahan"))
        result = runner.invoke(args=["import-employees", str(path), "--instansi", org.instansi.name])
        assert result.exit_code == 0, result.output
        outputs.append(result.output.replace(nip, "<NIP>"))
    assert outputs[0] == outputs[1]


def test_a_bad_row_lists_the_same_problems_for_either_nip(hr_client, org, db, elsewhere):
    """In a rejected file, another instansi's NIP draws no remark of its own."""
    _nowhere, page = _upload_both(hr_client, "/organisasi/pegawai/impor", elsewhere,
                                  lambda nip: f"nip,nama,unit\r\n{nip},Pegawai Pindahan,TIDAKADA\r\n".encode())
    assert "Unit kerja" in page


def test_the_employee_form_takes_another_instansis_nip(hr_client, org, db, elsewhere):
    response = post_form(hr_client, "/organisasi/pegawai", {
        "nip": elsewhere.nip, "name": "Pegawai Pindahan", "unit_id": org.unit.id, "supervisor_id": 0,
        "job_group": "back_office", "active": "y"})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Employee.id)).where(Employee.nip == elsewhere.nip)) == 2
    # Within the instansi a NIP is still one employee's.
    again = post_form(hr_client, "/organisasi/pegawai", {
        "nip": elsewhere.nip, "name": "Pegawai Ganda", "unit_id": org.unit.id, "supervisor_id": 0,
        "job_group": "back_office", "active": "y"})
    assert again.status_code == 200 and "NIP sudah terdaftar." in again.get_data(as_text=True)


def _upload_both(client, url, elsewhere, file_for) -> tuple[str, str]:
    """Upload the file `file_for(nip)` names once with another instansi's NIP and once with a NIP
    that exists nowhere; both are refused the same way. Returns the second NIP and its page."""
    nowhere = new_nip()
    answers = {}
    for nip in (elsewhere.nip, nowhere):
        response = post_form(client, url, {"file": (io.BytesIO(file_for(nip)), "berkas.csv")},
                             content_type="multipart/form-data")
        assert response.status_code == 200
        answers[nip] = response.get_data(as_text=True)
    _same(answers[elsewhere.nip], elsewhere.nip, answers[nowhere], nowhere)
    return nowhere, answers[nowhere]


def test_paper_responses_name_another_instansis_nip_as_unknown(hr_client, org, db, elsewhere):
    nowhere, page = _upload_both(hr_client, "/survei/impor", elsewhere, lambda nip: as_csv([row(nip=nip)]))
    assert f"Petugas dengan NIP {nowhere} tidak terdaftar di instansi ini." in page


def test_hasil_kerja_names_another_instansis_nip_as_without_a_record(hr_client, org, db, elsewhere):
    period = make_period(org)
    merge(period)
    db.session.commit()
    nowhere, page = _upload_both(hr_client, f"/penilaian/periode/{period.id}/impor-hasil-kerja", elsewhere,
                                 lambda nip: f"nip,rating\r\n{nip},sesuai\r\n".encode())
    assert f"NIP {nowhere} tidak mempunyai catatan pada periode ini." in page


def test_the_audit_command_knows_only_its_own_instansis_nips(runner, org, db, elsewhere):
    nowhere = new_nip()
    outputs = []
    for nip in (elsewhere.nip, nowhere):
        result = runner.invoke(args=["audit", "--json", "--employee", nip, "--instansi", org.instansi.name])
        assert result.exit_code == 1
        outputs.append(result.output.replace(nip, "<NIP>"))
    assert outputs[0] == outputs[1]


def test_login_by_a_nip_two_instansi_hold(app, factory, org, db, elsewhere):
    """Each holder logs in with their username; the NIP alone names no account."""
    twin = factory.employee(org.unit, "Pegawai Pindahan", nip=elsewhere.nip)
    factory.user(org.instansi, "pindahan", {"employee"}, twin)
    db.session.commit()
    for name in ("pindahan", "pegawailain"):
        assert login(app.test_client(), name).status_code == 302
    refused = login(app.test_client(), elsewhere.nip)
    assert refused.status_code == 200 and "NIP/nama pengguna atau kata sandi salah." in refused.get_data(as_text=True)
    assert login(app.test_client(), org.staff[0].nip).status_code == 302  # a NIP held once still works

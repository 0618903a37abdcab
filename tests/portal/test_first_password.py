"""A password someone else set (an admin, the bulk creation for imported employees) is changed
at the first login, before any other page opens; accounts for employees come in bulk."""
import csv
import io
import json
import os
import stat

from sqlalchemy import func, select

from portal.accounts.models import User
from tests.conftest import csrf_token, login, post_form
from tests.factories import PASSWORD

FIRST = "/akun/kata-sandi-baru"


def _admin_creates(admin_client, org, password="Dari-Admin-2026"):
    response = post_form(admin_client, "/organisasi/pengguna", {
        "username": "kadis", "display_name": "Kepala Dinas Uji", "employee_id": org.head.id,
        "roles": ["supervisor", "employee"], "password": password, "active": "y",
    })
    assert response.status_code == 302


def test_an_account_an_admin_created_opens_only_the_change_page(app, admin_client, org, client, db):
    _admin_creates(admin_client, org)
    response = login(client, "kadis", "Dari-Admin-2026")
    assert response.status_code == 302
    assert client.get("/").headers["Location"] == FIRST
    for path in ("/akun", "/penilaian/", "/360/", "/organisasi/", "/akun/dua-langkah"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == FIRST, path
    # A POST elsewhere changes nothing either: it is sent to the change page before any view runs.
    response = client.post("/akun", data={"csrf_token": csrf_token(client, FIRST), "lang-locale": "en",
                                          "lang-submit": "1"})
    assert response.headers["Location"] == FIRST
    assert db.session.scalar(select(User.locale).where(User.username == "kadis")) is None
    assert client.get(FIRST).status_code == 200


def test_choosing_a_password_opens_the_portal(app, admin_client, org, client, db):
    _admin_creates(admin_client, org)
    login(client, "kadis", "Dari-Admin-2026")
    same = post_form(client, FIRST, {"current": "Dari-Admin-2026", "new": "Dari-Admin-2026",
                                     "confirm": "Dari-Admin-2026"})
    assert "Kata sandi baru harus berbeda dari yang lama." in same.get_data(as_text=True)
    wrong = post_form(client, FIRST, {"current": "bukan-itu-123", "new": "Punya-Saya-2026", "confirm": "Punya-Saya-2026"})
    assert "Kata sandi saat ini salah." in wrong.get_data(as_text=True)
    assert client.get("/akun").headers["Location"] == FIRST
    done = post_form(client, FIRST, {"current": "Dari-Admin-2026", "new": "Punya-Saya-2026", "confirm": "Punya-Saya-2026"})
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert client.get("/akun").status_code == 200
    assert client.get(FIRST).headers["Location"] == "/"
    fresh = app.test_client()
    assert login(fresh, "kadis", "Punya-Saya-2026").headers["Location"] == "/"
    assert fresh.get("/akun").status_code == 200


def test_an_admins_new_password_must_be_changed_too(app, admin_client, org, client, runner):
    user = org.users["pegawai"]
    post_form(admin_client, f"/organisasi/pengguna/{user.id}", {
        "username": "pegawai", "display_name": user.display_name, "employee_id": user.employee_id,
        "roles": ["employee"], "password": "Dari-Admin-2026", "active": "y"})
    login(client, "pegawai", "Dari-Admin-2026")
    assert client.get("/akun").headers["Location"] == FIRST
    entries = json.loads(runner.invoke(args=["audit", "--json"]).output)
    reset = [e for e in entries if e["action"] == "accounts.user.password_reset"]
    assert [(e["actor"], e["after"]) for e in reset] == [("admin", {"must_change_password": True})]
    assert "Dari-Admin-2026" not in json.dumps(entries)


def test_the_change_page_in_english(app, admin_client, org, client):
    _admin_creates(admin_client, org)
    login(client, "kadis", "Dari-Admin-2026")
    html = client.get(FIRST, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Choose your password" in html and "The password you were given" in html


def test_accounts_of_the_suite_and_the_cli_user(runner, org, db):
    result = runner.invoke(args=["create-user", "operator", "--role", "admin", "--password", "Pertama-Kali-2026"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User.must_change_password).where(User.username == "operator")) is True
    assert org.users["hr"].must_change_password is False


# --- accounts in bulk ---------------------------------------------------------------------------

def _without_account(factory, org):
    """Three employees as an import leaves them: no account; one is an atasan, one inactive."""
    boss = factory.employee(org.unit, "Baiq Atasan Baru", jabatan="Kepala Seksi")
    staff = factory.employee(org.unit, "=Lalu Staf Baru", supervisor=boss)
    gone = factory.employee(org.unit, "Pegawai Pensiun", active=False)
    factory.db.session.commit()
    return boss, staff, gone


def _rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_hr_creates_accounts_for_employees_without_one(app, hr_client, factory, org, db, runner):
    boss, staff, gone = _without_account(factory, org)
    before = db.session.scalar(select(func.count(User.id)))
    page = hr_client.get("/organisasi/pengguna/massal").get_data(as_text=True)
    waiting = 2 + 1 + 3  # the two new active ones, and the small org's head and three of its staff
    assert f"{waiting} pegawai aktif belum memiliki akun." in page
    response = post_form(hr_client, "/organisasi/pengguna/massal", {})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _rows(response)
    assert list(rows[0]) == ["nip", "nama", "unit", "nama_pengguna", "kata_sandi_awal"]
    assert len(rows) == waiting and db.session.scalar(select(func.count(User.id))) == before + waiting
    by_nip = {row["nip"]: row for row in rows}
    assert gone.nip not in by_nip
    assert by_nip[staff.nip]["nama"] == "'=Lalu Staf Baru"  # no formula in a spreadsheet
    accounts = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(by_nip)))}
    assert accounts[boss.nip].roles == {"employee", "supervisor"} and accounts[staff.nip].roles == {"employee"}
    assert all(u.must_change_password for u in accounts.values())
    assert all(row["kata_sandi_awal"] not in u.password_hash for row, u in
               ((by_nip[n], accounts[n]) for n in by_nip))
    created = [e for e in json.loads(runner.invoke(args=["audit", "--json"]).output)
               if e["action"] == "accounts.user.create"]
    assert sorted(e["after"]["username"] for e in created) == sorted(by_nip) and {e["actor"] for e in created} == {"hr"}
    again = post_form(hr_client, "/organisasi/pengguna/massal", {})
    assert again.status_code == 302
    assert "Semua pegawai aktif sudah memiliki akun." in hr_client.get(again.headers["Location"]).get_data(as_text=True)


def test_an_imported_employee_logs_in_with_the_first_password_and_must_change_it(app, hr_client, factory, org):
    _boss, staff, _gone = _without_account(factory, org)
    rows = {row["nip"]: row for row in _rows(post_form(hr_client, "/organisasi/pengguna/massal", {}))}
    employee = app.test_client()
    assert login(employee, staff.nip, rows[staff.nip]["kata_sandi_awal"]).status_code == 302
    assert employee.get("/360/").headers["Location"] == FIRST
    post_form(employee, FIRST, {"current": rows[staff.nip]["kata_sandi_awal"], "new": "Milik-Lalu-2026",
                                "confirm": "Milik-Lalu-2026"})
    assert employee.get("/akun").status_code == 200


def test_a_wrong_first_password_is_refused_like_any_other(app, hr_client, factory, org):
    _boss, staff, _gone = _without_account(factory, org)
    post_form(hr_client, "/organisasi/pengguna/massal", {})
    response = login(app.test_client(), staff.nip, "salah-sekali-123")
    assert response.status_code == 200 and "NIP/nama pengguna atau kata sandi salah." in response.get_data(as_text=True)


def test_employees_cannot_create_accounts(employee_client, supervisor_client, org):
    for client in (employee_client, supervisor_client):
        assert client.get("/organisasi/pengguna/massal").status_code == 403
        assert client.post("/organisasi/pengguna/massal",
                           data={"csrf_token": csrf_token(client, "/akun")}).status_code == 403


def test_the_cli_writes_first_passwords_to_a_private_new_file(runner, factory, org, db, tmp_path):
    _without_account(factory, org)
    target = tmp_path / "akun.csv"
    result = runner.invoke(args=["create-accounts", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert rows and all(len(r["kata_sandi_awal"]) == 19 for r in rows)
    assert runner.invoke(args=["create-accounts", "--output", str(target)]).exit_code == 1

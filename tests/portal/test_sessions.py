"""Sessions that really end: a session cookie copied before logout, a password change, a TOTP
change or a deactivation opens nothing after it. TOTP codes work once."""
from datetime import datetime, timedelta, timezone

import pyotp
import pytest
from sqlalchemy import event

from portal import clock
from tests.conftest import client_for, login, post_form
from tests.factories import PASSWORD

#: A moment well inside a 30-second TOTP step.
MOMENT = datetime(2026, 3, 2, 1, 0, 5, tzinfo=timezone.utc)


def copy_of(app, client):
    """Another browser holding a copy of this client's session cookie, as a thief would."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def opens_private_page(client) -> bool:
    response = client.get("/akun")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def test_copied_cookie_opens_nothing_after_logout(app, employee_client):
    thief = copy_of(app, employee_client)
    assert opens_private_page(thief)
    post_form(employee_client, "/keluar", {}, page="/akun")
    assert not opens_private_page(employee_client)
    assert not opens_private_page(thief)
    assert thief.get("/akun").headers["Location"].startswith("/masuk")


def test_logout_ends_the_other_devices_too(app, org):
    office, phone = client_for(app, "pegawai"), client_for(app, "pegawai")
    post_form(office, "/keluar", {}, page="/akun")
    assert not opens_private_page(phone)


def test_password_change_ends_every_other_session_but_this_one(app, hr_client, org):
    other_device = client_for(app, "hr")
    thief = copy_of(app, hr_client)
    response = post_form(hr_client, "/akun", {
        "pw-current": PASSWORD, "pw-new": "Baru-Sekali-2026", "pw-confirm": "Baru-Sekali-2026", "pw-submit": "1",
    })
    assert response.status_code == 302
    assert opens_private_page(hr_client)
    assert not opens_private_page(other_device)
    assert not opens_private_page(thief)


def _enable_totp(client, moment):
    post_form(client, "/akun/dua-langkah", {"action": "start"})
    page = client.get("/akun/dua-langkah").get_data(as_text=True)
    secret = page.split("<code>", 1)[1].split("</code>", 1)[0]
    response = post_form(client, "/akun/dua-langkah", {"action": "enable", "code": pyotp.TOTP(secret).at(moment)})
    assert response.status_code == 302
    return secret


def test_turning_totp_on_and_off_ends_the_other_sessions(app, hr_client, org):
    with clock.frozen(MOMENT) as advance:
        thief = copy_of(app, hr_client)
        secret = _enable_totp(hr_client, MOMENT)
        assert opens_private_page(hr_client)
        assert not opens_private_page(thief)

        advance(timedelta(seconds=30))
        thief = copy_of(app, hr_client)
        response = post_form(hr_client, "/akun/dua-langkah",
                             {"action": "disable", "code": pyotp.TOTP(secret).at(clock.now())})
        assert response.status_code == 302 and not org.users["hr"].uses_totp
        assert opens_private_page(hr_client)
        assert not opens_private_page(thief)


def test_deactivation_ends_the_session_and_reactivation_does_not_revive_it(app, admin_client, employee_client, org):
    thief = copy_of(app, employee_client)
    user = org.users["pegawai"]
    form = {"username": "pegawai", "display_name": user.display_name, "employee_id": user.employee_id,
            "roles": ["employee"], "password": ""}
    assert post_form(admin_client, f"/organisasi/pengguna/{user.id}", form).status_code == 302
    assert not opens_private_page(employee_client)
    assert not opens_private_page(thief)
    assert post_form(admin_client, f"/organisasi/pengguna/{user.id}", {**form, "active": "y"}).status_code == 302
    assert not opens_private_page(thief)
    assert not opens_private_page(employee_client)


def test_admin_password_reset_ends_the_users_sessions(app, admin_client, employee_client, org):
    user = org.users["pegawai"]
    response = post_form(admin_client, f"/organisasi/pengguna/{user.id}", {
        "username": "pegawai", "display_name": user.display_name, "employee_id": user.employee_id,
        "roles": ["employee"], "password": "Dari-Admin-2026", "active": "y"})
    assert response.status_code == 302
    assert employee_client.get("/akun").headers["Location"].startswith("/masuk?")


def test_a_cookieless_request_makes_no_query_for_the_session(app, client, org, db):
    statements = []

    def count(*args, **kwargs):
        statements.append(args[2])

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get("/masuk").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert statements == []


# --- TOTP codes work once -------------------------------------------------------------------------

@pytest.fixture
def totp_hr(app, hr_client, org):
    """HR with TOTP on, enabled at MOMENT; yields the secret with the clock frozen there."""
    with clock.frozen(MOMENT) as advance:
        secret = _enable_totp(hr_client, MOMENT)
        yield secret, advance


def _code_login(app, code):
    fresh = app.test_client()
    response = login(fresh, "hr")
    assert response.headers["Location"].endswith("/masuk/kode")
    response = post_form(fresh, "/masuk/kode", {"code": code})
    return fresh, response


def test_the_same_totp_code_logs_in_once(app, totp_hr):
    secret, advance = totp_hr
    advance(timedelta(seconds=30))
    code = pyotp.TOTP(secret).at(clock.now())
    first, response = _code_login(app, code)
    assert response.status_code == 302 and opens_private_page(first)
    second, response = _code_login(app, code)
    assert response.status_code == 200
    assert "Kode verifikasi salah" in response.get_data(as_text=True)
    assert not opens_private_page(second)


def test_the_code_that_turned_totp_on_cannot_log_in(app, totp_hr):
    secret, _advance = totp_hr
    _client, response = _code_login(app, pyotp.TOTP(secret).at(MOMENT))
    assert "Kode verifikasi salah" in response.get_data(as_text=True)


def test_an_earlier_step_is_refused_after_a_later_one(app, totp_hr):
    secret, advance = totp_hr
    advance(timedelta(seconds=60))
    later = pyotp.TOTP(secret).at(clock.now())
    earlier = pyotp.TOTP(secret).at(clock.now() - timedelta(seconds=30))  # still inside the window
    assert _code_login(app, later)[1].status_code == 302
    assert "Kode verifikasi salah" in _code_login(app, earlier)[1].get_data(as_text=True)
    advance(timedelta(seconds=30))
    assert _code_login(app, pyotp.TOTP(secret).at(clock.now()))[1].status_code == 302


def test_a_code_pending_across_a_password_change_is_void(app, totp_hr, org):
    """A right password entered before the owner changed it does not complete a login after."""
    secret, advance = totp_hr
    fresh = app.test_client()
    login(fresh, "hr")
    owner = client_for_totp(app, secret, advance)
    post_form(owner, "/akun", {"pw-current": PASSWORD, "pw-new": "Baru-Sekali-2026",
                               "pw-confirm": "Baru-Sekali-2026", "pw-submit": "1"})
    advance(timedelta(seconds=30))
    response = post_form(fresh, "/masuk/kode", {"code": pyotp.TOTP(secret).at(clock.now())}, page="/masuk")
    assert response.status_code == 302 and response.headers["Location"].startswith("/masuk")
    assert not opens_private_page(fresh)


def client_for_totp(app, secret, advance):
    advance(timedelta(seconds=30))
    client, response = _code_login(app, pyotp.TOTP(secret).at(clock.now()))
    assert response.status_code == 302
    return client


def test_use_totp_code_is_a_conditional_update(app, totp_hr, org, db):
    from portal.accounts.services import use_totp_code

    secret, advance = totp_hr
    advance(timedelta(seconds=30))
    user = org.users["hr"]
    code = pyotp.TOTP(secret).at(clock.now())
    assert use_totp_code(user, code)
    assert not use_totp_code(user, code)
    assert user.totp_last_step == pyotp.TOTP(secret).timecode(clock.now())


def test_a_new_secret_key_ends_the_sessions_signed_with_the_old_one(app, employee_client):
    """The session cookie's signer is built once per secret key: a key rotated without the old
    one among SECRET_KEY_FALLBACKS ends every session, and with it the old cookies still open."""
    assert opens_private_page(employee_client)
    old_key = app.secret_key
    try:
        app.secret_key = app.config["SECRET_KEY"] = "a-rotated-key-for-this-test-only"
        assert not opens_private_page(copy_of(app, employee_client))
        app.config["SECRET_KEY_FALLBACKS"] = [old_key]
        assert opens_private_page(copy_of(app, employee_client))
    finally:
        app.secret_key = app.config["SECRET_KEY"] = old_key
        app.config["SECRET_KEY_FALLBACKS"] = []
    assert opens_private_page(employee_client)

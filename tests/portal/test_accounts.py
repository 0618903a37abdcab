"""Logging in with NIP or username, wrong passwords, the per-address limit, idle and absolute
session limits, logout and password changes (login delays per client: test_login_throttle.py;
sessions that end everywhere: test_sessions.py)."""
from datetime import datetime, timedelta, timezone

from portal import clock
from tests.conftest import csrf_token, login, post_form
from tests.factories import PASSWORD


def test_login_with_username_shows_home(client, org):
    response = login(client, "hr")
    assert response.status_code == 302
    assert "Petugas HR Uji" in client.get("/").get_data(as_text=True)


def test_login_with_nip(client, org):
    response = login(client, org.staff[0].nip)
    assert response.status_code == 302


def test_wrong_password_gives_clear_message_and_no_session(client, org):
    response = login(client, "hr", "salah-sekali-123")
    assert response.status_code == 200
    assert "NIP/nama pengguna atau kata sandi salah." in response.get_data(as_text=True)
    assert client.get("/akun").status_code == 302


def test_unknown_user_gets_the_same_message(client, org):
    response = login(client, "tidak.ada", "apa-saja-123")
    assert "NIP/nama pengguna atau kata sandi salah." in response.get_data(as_text=True)


def test_wrong_passwords_are_rate_limited(app, client, org):
    app.config["CERMIN_LOGIN_LIMIT"] = "3 per minute"
    try:
        for _ in range(3):
            assert login(client, "hr", "salah-sekali-123").status_code == 200
        response = login(client, "hr", "salah-sekali-123")
    finally:
        app.config["CERMIN_LOGIN_LIMIT"] = "10 per minute"
    assert response.status_code == 429
    assert "Terlalu banyak percobaan" in response.get_data(as_text=True)


def test_inactive_account_cannot_log_in(client, org, db):
    org.users["pegawai"].active = False
    db.session.flush()
    assert login(client, "pegawai").status_code == 200


# --- sessions that end -------------------------------------------------------------------------

SIGNED_IN_AT = datetime(2026, 11, 18, 1, 0, tzinfo=timezone.utc)


def _signed_in(client) -> bool:
    response = client.get("/akun")
    assert response.status_code in (200, 302)
    return response.status_code == 200 and "Akun saya" in response.get_data(as_text=True)


def test_a_session_ends_after_an_hour_idle(client, org):
    with clock.frozen(SIGNED_IN_AT) as advance:
        assert login(client, "pegawai").status_code == 302
        advance(timedelta(minutes=59, seconds=59))
        assert _signed_in(client)  # a request resets the idle time
        advance(timedelta(minutes=60))
        assert _signed_in(client)
        advance(timedelta(minutes=60, seconds=1))
        assert not _signed_in(client)
        response = client.get("/akun")
        assert response.status_code == 302 and "/masuk" in response.headers["Location"]


def test_a_session_ends_twelve_hours_after_login_however_busy(client, org):
    with clock.frozen(SIGNED_IN_AT) as advance:
        assert login(client, "pegawai").status_code == 302
        for _ in range(24):
            advance(timedelta(minutes=30))
            assert _signed_in(client)
        advance(timedelta(seconds=1))
        assert not _signed_in(client)


def test_an_account_deactivated_mid_session_is_signed_out_at_its_next_request(app, admin_client, employee_client, org):
    assert _signed_in(employee_client)
    user = org.users["pegawai"]
    response = post_form(admin_client, f"/organisasi/pengguna/{user.id}", {
        "username": user.username, "display_name": user.display_name, "employee_id": str(user.employee_id),
        "roles": "employee"})  # the "active" box left unticked
    assert response.status_code == 302
    assert not _signed_in(employee_client)
    assert employee_client.get("/ulasan-saya").status_code == 302


def test_logout_requires_post_and_ends_session(hr_client):
    assert hr_client.get("/keluar").status_code == 405
    response = post_form(hr_client, "/keluar", {}, page="/akun")
    assert response.status_code == 302
    assert hr_client.get("/akun").status_code == 302


def test_next_parameter_is_followed_only_on_site(client, org):
    token = csrf_token(client, "/masuk")
    response = client.post("/masuk?next=//evil.example/x", data={"csrf_token": token, "login": "hr", "password": PASSWORD})
    assert response.headers["Location"] == "/"
    client.post("/keluar", data={"csrf_token": csrf_token(client, "/akun")})
    token = csrf_token(client, "/masuk")
    response = client.post("/masuk?next=/akun", data={"csrf_token": token, "login": "hr", "password": PASSWORD})
    assert response.headers["Location"] == "/akun"


def test_change_password(hr_client, client, org):
    response = post_form(hr_client, "/akun", {
        "pw-current": PASSWORD, "pw-new": "Baru-Sekali-2026", "pw-confirm": "Baru-Sekali-2026", "pw-submit": "1",
    })
    assert response.status_code == 302
    assert login(client, "hr", "Baru-Sekali-2026").status_code == 302


def test_change_password_refuses_weak_or_wrong(hr_client, org):
    response = post_form(hr_client, "/akun", {
        "pw-current": PASSWORD, "pw-new": "pendek", "pw-confirm": "pendek", "pw-submit": "1",
    })
    assert "Kata sandi minimal 10 karakter." in response.get_data(as_text=True)
    response = post_form(hr_client, "/akun", {
        "pw-current": "bukan-ini-123", "pw-new": "Baru-Sekali-2026", "pw-confirm": "Baru-Sekali-2026", "pw-submit": "1",
    })
    assert "Kata sandi saat ini salah." in response.get_data(as_text=True)


def test_language_setting_is_saved(hr_client, org, db):
    response = post_form(hr_client, "/akun", {"lang-locale": "en", "lang-submit": "1"})
    assert response.status_code == 302
    assert "My account" in hr_client.get("/akun").get_data(as_text=True)


def test_wtforms_messages_are_translated(client, org):
    response = post_form(client, "/masuk", {"login": "", "password": ""})
    assert "Wajib diisi." in response.get_data(as_text=True)
    response = post_form(client, "/masuk", {"login": "", "password": ""}, headers={"Accept-Language": "en"})
    assert "This field is required." in response.get_data(as_text=True)


def test_passwords_are_stored_as_argon2(org):
    assert org.users["hr"].password_hash.startswith("$argon2")

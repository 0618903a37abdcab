"""The optional TOTP second factor for admin and HR accounts (each code works once: test_sessions.py)."""
import re
from datetime import datetime, timedelta, timezone

import pyotp
import pytest

from portal import clock
from tests.conftest import login, post_form
from tests.factories import PASSWORD


@pytest.fixture(autouse=True)
def frozen():
    """The portal's clock, which the codes are checked against, held still inside a 30-second step."""
    with clock.frozen(datetime(2026, 3, 2, 1, 0, 5, tzinfo=timezone.utc)) as advance:
        yield advance


def _code(secret):
    return pyotp.TOTP(secret).at(clock.now())


def _start_and_enable(client, user):
    post_form(client, "/akun/dua-langkah", {"action": "start"})
    secret = re.search(r"<code>([A-Z2-7]+)</code>", client.get("/akun/dua-langkah").get_data(as_text=True)).group(1)
    response = post_form(client, "/akun/dua-langkah", {"action": "enable", "code": _code(secret)})
    assert response.status_code == 302
    return secret


def test_hr_turns_on_totp_and_then_needs_a_code(app, hr_client, org, db, frozen):
    secret = _start_and_enable(hr_client, org.users["hr"])
    frozen(timedelta(seconds=30))  # the code that turned it on is spent
    assert org.users["hr"].uses_totp
    fresh = app.test_client()
    response = login(fresh, "hr")
    assert response.status_code == 302 and response.headers["Location"].endswith("/masuk/kode")
    assert fresh.get("/akun").status_code == 302  # not logged in yet
    wrong = post_form(fresh, "/masuk/kode", {"code": "000000"})
    assert "Kode verifikasi salah" in wrong.get_data(as_text=True)
    assert fresh.get("/akun").status_code == 302
    right = post_form(fresh, "/masuk/kode", {"code": _code(secret)})
    assert right.status_code == 302
    assert fresh.get("/akun").status_code == 200


def test_wrong_first_code_does_not_enable(hr_client, org):
    post_form(hr_client, "/akun/dua-langkah", {"action": "start"})
    response = post_form(hr_client, "/akun/dua-langkah", {"action": "enable", "code": "123456"})
    assert "Kode verifikasi salah" in response.get_data(as_text=True)
    assert not org.users["hr"].uses_totp


def test_turning_off_needs_a_current_code(hr_client, org, frozen):
    secret = _start_and_enable(hr_client, org.users["hr"])
    post_form(hr_client, "/akun/dua-langkah", {"action": "disable", "code": "111111"})
    assert org.users["hr"].uses_totp
    frozen(timedelta(seconds=30))
    post_form(hr_client, "/akun/dua-langkah", {"action": "disable", "code": _code(secret)})
    assert not org.users["hr"].uses_totp


def test_employees_cannot_open_the_setup(employee_client, supervisor_client):
    assert employee_client.get("/akun/dua-langkah").status_code == 403
    assert supervisor_client.get("/akun/dua-langkah").status_code == 403


def test_code_page_without_a_password_step_goes_back_to_login(client, org):
    response = client.get("/masuk/kode")
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]


def test_accounts_without_totp_log_in_directly(client, org):
    assert login(client, "admin", PASSWORD).headers["Location"] == "/"

"""Wrong passwords delay only the client that typed them: a stranger who knows a NIP cannot keep
its employee out, delays grow, and an unknown name looks like a known one."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from portal import clock
from portal.accounts.models import LoginFailure
from portal.accounts.throttle import ThrottlePolicy
from tests.conftest import login, post_form
from tests.factories import PASSWORD

MOMENT = datetime(2026, 5, 4, 2, 0, tzinfo=timezone.utc)
STRANGER, OWNER = "203.0.113.9", "198.51.100.7"
WRONG = "salah-sekali-123"


@pytest.fixture(autouse=True)
def roomy_address_limit(app):
    """These tests are about the per-client delays, not the per-address limit (tested apart)."""
    app.config["CERMIN_LOGIN_LIMIT"] = "1000 per minute"
    yield
    app.config["CERMIN_LOGIN_LIMIT"] = "10 per minute"


@pytest.fixture
def frozen():
    with clock.frozen(MOMENT) as advance:
        yield advance


def client_at(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def message(response) -> str:
    html = response.get_data(as_text=True)
    if 'class="error"' not in html:
        return ""
    return html.split('class="error"', 1)[1].split(">", 1)[1].split("</p>", 1)[0]


def test_policy_doubles_the_delay_up_to_the_maximum():
    policy = ThrottlePolicy(free_attempts=5, first_delay=timedelta(seconds=30), max_delay=timedelta(minutes=15))
    assert [policy.delay_after(n).total_seconds() for n in (0, 4, 5, 6, 7, 9, 10, 1000)] == [
        0, 0, 30, 60, 120, 480, 900, 900]


def test_a_stranger_cannot_keep_the_owner_out(app, org, frozen):
    nip = org.staff[0].nip
    stranger = client_at(app, STRANGER)
    for _ in range(5):
        assert login(stranger, nip, WRONG).status_code == 200
    refused = login(stranger, nip, WRONG)
    assert refused.status_code == 429
    assert "Coba lagi dalam 30 detik" in message(refused)
    # Even the right password is not tried while the stranger's client waits.
    assert login(stranger, nip, PASSWORD).status_code == 429
    assert stranger.get("/akun").status_code == 302
    owner = client_at(app, OWNER)
    assert login(owner, nip, PASSWORD).status_code == 302
    assert owner.get("/akun").status_code == 200


def test_the_owner_behind_the_strangers_address_keeps_her_device(app, org, frozen):
    """A whole office shares one public address: the browser where she logged in before is hers."""
    nip = org.staff[0].nip
    owner = client_at(app, STRANGER)
    assert login(owner, nip, PASSWORD).status_code == 302
    post_form(owner, "/keluar", {}, page="/akun")
    stranger = client_at(app, STRANGER)
    for _ in range(8):
        login(stranger, nip, WRONG)
    assert login(stranger, nip, PASSWORD).status_code == 429
    assert login(owner, nip, PASSWORD).status_code == 302


def test_a_device_cookie_of_another_account_gives_no_fresh_allowance(app, org, frozen):
    """A stranger who logs into his own account gets a device cookie for that account only."""
    nip = org.staff[0].nip
    stranger = client_at(app, STRANGER)
    assert login(stranger, "atasan", PASSWORD).status_code == 302
    post_form(stranger, "/keluar", {}, page="/akun")
    for _ in range(5):
        login(stranger, nip, WRONG)
    assert login(stranger, nip, WRONG).status_code == 429


def test_delays_grow_and_run_on_the_clock(app, org, frozen):
    advance = frozen
    stranger = client_at(app, STRANGER)
    for _ in range(5):
        login(stranger, "pegawai", WRONG)
    for wait in (30, 60, 120):
        advance(timedelta(seconds=wait - 1))
        response = login(stranger, "pegawai", WRONG)
        assert response.status_code == 429 and "Coba lagi dalam 1 detik" in message(response)
        advance(timedelta(seconds=1))
        assert login(stranger, "pegawai", WRONG).status_code == 200
    response = login(stranger, "pegawai", WRONG)
    assert "Coba lagi dalam 4 menit" in message(response)


def test_the_longest_delay_is_the_maximum(app, org, frozen, db):
    advance = frozen
    stranger = client_at(app, STRANGER)
    login(stranger, "pegawai", WRONG)
    db.session.execute(LoginFailure.__table__.update().values(failures=60))
    response = login(stranger, "pegawai", WRONG)
    assert "Coba lagi dalam 15 menit" in message(response)
    advance(timedelta(minutes=15))
    assert login(stranger, "pegawai", PASSWORD).status_code == 302


def test_a_clock_stepped_back_never_lengthens_a_wait(app, org, frozen):
    """The server's clock set back an hour (NTP, a restored machine) after one wrong password
    within the free attempts, and after six: the first waits nothing, the second is told its 30
    seconds, not the hour and 30 seconds the stepped-back clock would make of it."""
    stranger = client_at(app, STRANGER)
    login(stranger, "pegawai", WRONG)
    with clock.frozen(MOMENT - timedelta(hours=1)):
        assert login(stranger, "pegawai", PASSWORD).status_code == 302
    other = client_at(app, OWNER)
    for _ in range(6):
        login(other, "atasan", WRONG)
    with clock.frozen(MOMENT - timedelta(hours=1)):
        response = login(other, "atasan", PASSWORD)
    assert response.status_code == 429 and "Coba lagi dalam 30 detik" in message(response)


def test_failures_are_forgotten_after_a_day_and_after_a_success(app, org, frozen, db):
    advance = frozen
    client = client_at(app, OWNER)
    for _ in range(5):
        login(client, "pegawai", WRONG)
    advance(timedelta(hours=24))
    assert login(client, "pegawai", WRONG).status_code == 200
    assert db.session.scalar(select(LoginFailure.failures)) == 1
    assert login(client, "pegawai", PASSWORD).status_code == 302
    assert db.session.scalar(select(LoginFailure.id)) is None


def test_an_unknown_name_is_delayed_exactly_like_a_real_one(app, org, frozen):
    """No user enumeration: the same messages, at the same attempts, for a name that does not exist."""
    def story(name, address):
        client = client_at(app, address)
        return [(r.status_code, message(r)) for r in (login(client, name, WRONG) for _ in range(7))]

    assert story("tidak.ada", "192.0.2.1") == story("pegawai", "192.0.2.2")
    assert story("tidak.ada", "192.0.2.3")[0] == (200, "NIP/nama pengguna atau kata sandi salah.")


def test_the_delay_message_in_english(app, org, frozen):
    client = client_at(app, STRANGER)
    for _ in range(5):
        login(client, "pegawai", WRONG)
    response = post_form(client, "/masuk", {"login": "pegawai", "password": WRONG},
                         headers={"Accept-Language": "en"})
    assert response.status_code == 429
    assert "Too many wrong attempts. Try again in 30 second(s)." in message(response)


def test_wrong_totp_codes_count_like_wrong_passwords(app, hr_client, org, frozen):
    from tests.portal.test_sessions import _enable_totp

    _enable_totp(hr_client, clock.now())
    stranger = client_at(app, STRANGER)
    assert login(stranger, "hr", PASSWORD).headers["Location"].endswith("/masuk/kode")
    for _ in range(5):
        assert post_form(stranger, "/masuk/kode", {"code": "000000"}).status_code == 200
    response = post_form(stranger, "/masuk/kode", {"code": "000000"})
    assert response.status_code == 429 and "Coba lagi dalam 30 detik" in message(response)


def test_the_table_holds_no_address_or_name_in_clear(app, org, frozen, db):
    login(client_at(app, STRANGER), org.staff[0].nip, WRONG)
    row = db.session.scalar(select(LoginFailure))
    assert STRANGER not in row.client_key and org.staff[0].nip not in row.account_key

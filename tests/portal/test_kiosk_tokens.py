"""A kiosk tablet's device token rotates with every vote, so a copied cookie stops working; the
previous token stays good for a short grace period (a lost response), and a replaced token that
comes back after it revokes the device. Tried as the person who copied the cookie would."""
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.kiosk import services
from portal.kiosk.models import KioskDevice, KioskVote
from tests.conftest import csrf_token

KIOSK = "/k/UJI01"
COOKIE = "cermin_kiosk_UJI01"
KEY_RE = re.compile(r'name="key" type="hidden" value="([^"]+)"')
START = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)  # Monday 09.00 WITA
GRACE = timedelta(seconds=services.DEFAULT_TOKEN_GRACE_SECONDS)
LATER = timedelta(seconds=20)  # more than the shortest interval between two votes


def _cookie(client) -> str | None:
    cookie = client.get_cookie(COOKIE, path=KIOSK)
    return cookie.value if cookie else None


def _hold(client, value):
    client.set_cookie(COOKIE, value, path=KIOSK)


def _vote(client, face=4):
    page = client.get(KIOSK)
    match = KEY_RE.search(page.get_data(as_text=True))
    if match is None:
        return page
    return client.post(KIOSK, data={"csrf_token": csrf_token(client, KIOSK), "key": match.group(1), "face": str(face)})


def _votes(db) -> int:
    return db.session.scalar(select(func.count(KioskVote.id)))


def _device(db, device_id) -> KioskDevice:
    db.session.expire_all()
    return db.session.get(KioskDevice, device_id)


@pytest.fixture
def tablet(app, db, org):
    """A tablet paired at START through the pairing page."""
    client = app.test_client()
    with clock.frozen(START):
        _pairing, code = services.create_pairing(org.counter, None, app.secret_key)
        db.session.commit()
        response = client.post(f"{KIOSK}/pasang", data={"csrf_token": csrf_token(client, KIOSK), "code": code})
    assert response.status_code == 302
    client.device_id = db.session.scalar(select(KioskDevice.id))
    return client


def test_every_vote_gives_the_tablet_a_new_token(tablet, db):
    first = _cookie(tablet)
    assert re.fullmatch(rf"{tablet.device_id}\.0\.[A-Za-z0-9_-]{{43}}", first)
    with clock.frozen(START + LATER) as advance:
        assert _vote(tablet).status_code == 302
        second = _cookie(tablet)
        advance(LATER)
        assert _vote(tablet).status_code == 302
        third = _cookie(tablet)
    assert len({first, second, third}) == 3 and second.split(".")[1] == "1" and third.split(".")[1] == "2"
    assert _votes(db) == 2
    device = _device(db, tablet.device_id)
    assert device.generation == 2 and device.rotated_at == START + 2 * LATER
    assert first not in (device.token_seed, device.token_hash) and device.token_hash is None


def test_a_copied_cookie_stops_working_at_the_tablets_next_vote(app, tablet, db, org, head_client):
    """Someone copies the cookie; the tablet goes on voting; after the grace period the copy is a
    replaced token coming back: the device is revoked, and the manager is told why."""
    copy = app.test_client()
    _hold(copy, _cookie(tablet))
    with clock.frozen(START + LATER) as advance:
        assert _vote(tablet).status_code == 302
        advance(GRACE + timedelta(seconds=1))
        page = copy.get(KIOSK)
        assert "Pasang tablet kiosk" in page.get_data(as_text=True)
        refused = copy.post(KIOSK, data={"csrf_token": csrf_token(copy, KIOSK), "key": "k" * 32, "face": "1"})
        assert refused.status_code == 403
        # Revoked for both holders: the tablet has to be paired again.
        assert "Pasang tablet kiosk" in tablet.get(KIOSK).get_data(as_text=True)
    assert _votes(db) == 1
    device = _device(db, tablet.device_id)
    assert device.revoked_reason == services.REUSED and device.revoked_at == START + LATER + GRACE + timedelta(seconds=1)
    with clock.frozen(START + timedelta(days=29)):
        listing = head_client.get("/kiosk/").get_data(as_text=True)
    assert "dicabut otomatis" in listing and "token lamanya dipakai lagi" in listing


def test_a_copy_used_first_is_caught_when_the_tablet_comes_back(app, tablet, db):
    copy = app.test_client()
    _hold(copy, _cookie(tablet))
    with clock.frozen(START + LATER) as advance:
        assert _vote(copy, face=1).status_code == 302  # the copier votes first and gets the new token
        advance(GRACE + timedelta(minutes=30))
        assert "Pasang tablet kiosk" in tablet.get(KIOSK).get_data(as_text=True)  # the tablet's token is old
        assert "Pasang tablet kiosk" in copy.get(KIOSK).get_data(as_text=True)  # and the copy dies with it
    assert _device(db, tablet.device_id).revoked_reason == services.REUSED


def test_a_lost_response_does_not_lock_the_tablet_out(tablet, db):
    """The vote is stored and the token moves on, but the answer never reaches the tablet: its old
    token still works within the grace period, and it is given the current one."""
    old = _cookie(tablet)
    with clock.frozen(START + LATER) as advance:
        assert _vote(tablet).status_code == 302
        current = _cookie(tablet)
        _hold(tablet, old)  # the response with the new cookie was lost
        advance(GRACE)
        page = tablet.get(KIOSK)
        assert page.status_code == 200 and 'name="face"' in page.get_data(as_text=True)
        assert _cookie(tablet) == current
        page = tablet.get(KIOSK).get_data(as_text=True)
        _hold(tablet, old)  # lost again: a vote with the previous token is stored, without a new token
        data = {"csrf_token": csrf_token(tablet, KIOSK), "key": KEY_RE.search(page).group(1), "face": "2"}
        _hold(tablet, old)
        assert tablet.post(KIOSK, data=data).status_code == 302
        assert _cookie(tablet) == current
        advance(LATER)
        assert _vote(tablet).status_code == 302  # and the tablet goes on with the current one
    assert _votes(db) == 3
    device = _device(db, tablet.device_id)
    assert device.generation == 2 and device.revoked_at is None


def test_a_retried_vote_with_the_previous_token_stores_nothing_twice(tablet, db):
    """A double submission of one faces page after a lost response: one vote, the tablet resynced."""
    old = _cookie(tablet)
    with clock.frozen(START + LATER):
        page = tablet.get(KIOSK).get_data(as_text=True)
        data = {"csrf_token": csrf_token(tablet, KIOSK), "key": KEY_RE.search(page).group(1), "face": "3"}
        assert tablet.post(KIOSK, data=data).status_code == 302
        current = _cookie(tablet)
        _hold(tablet, old)
        assert tablet.post(KIOSK, data=data).status_code == 302
        assert _cookie(tablet) == current
    assert _votes(db) == 1


def test_forged_tokens_open_nothing(app, tablet, db, org, factory):
    other_counter = factory.add(type(org.counter)(unit_id=org.unit.id, code="UJI02", name="Loket 2"))
    db.session.commit()
    _pairing, code = services.create_pairing(other_counter, None, app.secret_key)
    other_device, other_token = services.enrol_device(other_counter, code, "", app.secret_key)
    db.session.commit()
    own = _cookie(tablet)
    device_id, generation, mac = own.split(".")
    forgeries = [
        other_token,  # another loket's tablet
        f"{other_device.id}.0.{mac}",  # this tablet's mac on another device
        f"{device_id}.1.{mac}",  # a generation still to come
        f"{device_id}.0.{'A' * 43}",
        f"{device_id}.00.{mac}",
        f"{device_id}.0.{mac}=",
        "bukan-token",
        "",
    ]
    stranger = app.test_client()
    for forged in forgeries:
        _hold(stranger, forged)
        assert "Pasang tablet kiosk" in stranger.get(KIOSK).get_data(as_text=True), forged
        response = stranger.post(KIOSK, data={"csrf_token": csrf_token(stranger, KIOSK), "key": "k" * 32, "face": "1"})
        assert response.status_code == 403, forged
    assert _votes(db) == 0 and _device(db, tablet.device_id).revoked_at is None
    assert _device(db, other_device.id).revoked_at is None


def test_a_tablet_paired_before_rotation_moves_to_a_rotating_token(app, client, db, org):
    """A device row from before tokens rotated: its random token works until its first vote."""
    legacy = "alte-zufaellige-token-" + "x" * 21
    device = KioskDevice(counter_id=org.counter.id, name="Tablet lama", token_hash=services._sha256(legacy),
                         enrolled_at=START, generation=0)
    db.session.add(device)
    db.session.commit()
    _hold(client, legacy)
    with clock.frozen(START + LATER):
        page = client.get(KIOSK)
        assert 'name="face"' in page.get_data(as_text=True)
        assert _cookie(client) == services.device_token(device, app.secret_key)
        assert _vote(client).status_code == 302
    assert _device(db, device.id).token_hash is None
    _hold(client, legacy)
    assert "Pasang tablet kiosk" in client.get(KIOSK).get_data(as_text=True)
    assert _device(db, device.id).revoked_at is None


def test_the_grace_period_is_a_setting(app, tablet, db, monkeypatch):
    monkeypatch.setitem(app.config, "CERMIN_KIOSK_TOKEN_GRACE_SECONDS", 60)
    old = _cookie(tablet)
    with clock.frozen(START + LATER) as advance:
        assert _vote(tablet).status_code == 302
        _hold(tablet, old)
        advance(timedelta(seconds=61))
        assert "Pasang tablet kiosk" in tablet.get(KIOSK).get_data(as_text=True)
    assert _device(db, tablet.device_id).revoked_reason == services.REUSED


def test_a_manager_revocation_is_named_as_such(tablet, db, head_client):
    from tests.conftest import post_form

    response = post_form(head_client, f"/kiosk/perangkat/{tablet.device_id}/cabut", {}, page="/kiosk/")
    assert response.status_code == 302
    assert _device(db, tablet.device_id).revoked_reason == services.MANUAL
    assert "dicabut otomatis" not in head_client.get("/kiosk/").get_data(as_text=True)


def test_the_grace_setting_is_read_within_bounds(monkeypatch, tmp_path):
    from portal import config

    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.delenv("CERMIN_KIOSK_TOKEN_GRACE_SECONDS", raising=False)
    assert config.from_environment(tmp_path)["CERMIN_KIOSK_TOKEN_GRACE_SECONDS"] == 300
    monkeypatch.setenv("CERMIN_KIOSK_TOKEN_GRACE_SECONDS", "120")
    assert config.from_environment(tmp_path)["CERMIN_KIOSK_TOKEN_GRACE_SECONDS"] == 120
    for wrong in ("5", "7200", "lima"):
        monkeypatch.setenv("CERMIN_KIOSK_TOKEN_GRACE_SECONDS", wrong)
        with pytest.raises(config.ConfigError):
            config.from_environment(tmp_path)

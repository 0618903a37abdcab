"""Kiosk mode: enrolling a tablet, four-face votes, the follow-up reason, and the happy index."""
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.feedback.models import SkmResponse
from portal.feedback.scoring import Scope, totals
from portal.feedback.services import Submission, record_response
from portal.kiosk import services
from portal.kiosk.models import KioskDevice, KioskPairing, KioskVote
from portal.localtime import stamp
from portal.org.models import Counter
from surveys import kiosk
from tests.conftest import client_for, csrf_token, post_form

KIOSK = "/k/UJI01"
CODE_RE = re.compile(r'class="pairing-code"[^>]*>([A-Z0-9-]+)<')
KEY_RE = re.compile(r'name="key" type="hidden" value="([^"]+)"')


def _vote_count(db) -> int:
    return db.session.scalar(select(func.count(KioskVote.id)))


def enrol(app, db, client, counter, name="Tablet uji"):
    """Pair a tablet through the services and give `client` its cookie."""
    _pairing, code = services.create_pairing(counter, None, app.secret_key)
    device, token = services.enrol_device(counter, code, name, app.secret_key)
    db.session.commit()
    client.set_cookie(f"cermin_kiosk_{counter.code}", token, path=f"/k/{counter.code}")
    return device


@pytest.fixture
def tablet(app, db, org):
    client = app.test_client()
    client.device = enrol(app, db, client, org.counter)
    return client


def vote(client, face, key=None):
    """Tap a face on a freshly loaded kiosk page (or reuse `key`, as a double tap does)."""
    page = client.get(KIOSK).get_data(as_text=True)
    token = csrf_token(client, KIOSK)
    key = key or KEY_RE.search(page).group(1)
    return client.post(KIOSK, data={"csrf_token": token, "key": key, "face": str(face)}), key


# --- Pairing ---------------------------------------------------------------------------------

def test_unit_head_pairs_a_tablet_end_to_end(head_client, client, db, org):
    page = head_client.get("/kiosk/")
    assert page.status_code == 200
    assert "UJI01" in page.get_data(as_text=True)
    shown = post_form(head_client, f"/kiosk/loket/{org.counter.id}/kode", {}, page="/kiosk/")
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200
    assert "https://cermin.test/k/UJI01" in html
    code = CODE_RE.search(html).group(1)
    pairing = db.session.scalar(select(KioskPairing))
    assert code.replace("-", "") not in pairing.code_hash and len(pairing.code_hash) == 64
    assert pairing.expires_at - pairing.created_at == timedelta(minutes=15)

    form = client.get(KIOSK)
    assert "Pasang tablet kiosk" in form.get_data(as_text=True)
    response = post_form(client, f"{KIOSK}/pasang", {"code": code.lower(), "name": "Tablet meja 1"}, page=KIOSK)
    assert response.status_code == 302 and response.headers["Location"] == KIOSK
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("cermin_kiosk_UJI01=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/k/UJI01" in cookie and "Max-Age=" in cookie
    assert "Secure" not in cookie

    faces = client.get(KIOSK).get_data(as_text=True)
    for label in ("Sangat tidak puas", "Tidak puas", "Puas", "Sangat puas"):
        assert f'<span class="face-label">{label}</span>' in faces
    device = db.session.scalar(select(KioskDevice))
    assert device.name == "Tablet meja 1" and device.counter_id == org.counter.id
    assert device.enrolled_by_id == db.session.scalar(select(KioskPairing.created_by_id))
    assert db.session.get(KioskPairing, pairing.id).used_at is not None

    listing = head_client.get("/kiosk/").get_data(as_text=True)
    assert "Tablet meja 1" in listing and "Belum ada" in listing


def test_device_cookie_is_secure_in_production(app, client, db, org, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    _pairing, code = services.create_pairing(org.counter, None, app.secret_key)
    db.session.commit()
    response = post_form(client, f"{KIOSK}/pasang", {"code": code}, page=KIOSK)
    assert response.status_code == 302
    assert "Secure" in response.headers["Set-Cookie"]


@pytest.mark.parametrize("typed,message", [
    ("ZZZZ-ZZZZ", "Kode pemasangan salah."),
    ("ABC", "Kode pemasangan terdiri dari 8 huruf dan angka."),
    ("", "Wajib diisi."),
])
def test_wrong_code_is_refused_and_stores_nothing(client, db, org, typed, message):
    response = post_form(client, f"{KIOSK}/pasang", {"code": typed}, page=KIOSK)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers or "cermin_kiosk" not in response.headers["Set-Cookie"]
    assert db.session.scalar(select(func.count(KioskDevice.id))) == 0


def test_expired_code_is_refused(app, client, db, org):
    long_ago = clock.now() - timedelta(minutes=16)
    pairing, code = services.create_pairing(org.counter, None, app.secret_key, now=long_ago)
    db.session.commit()
    response = post_form(client, f"{KIOSK}/pasang", {"code": code}, page=KIOSK)
    assert "sudah kedaluwarsa" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(KioskDevice.id))) == 0
    assert db.session.get(KioskPairing, pairing.id).used_at is None


def test_used_code_is_refused(app, client, db, org):
    _pairing, code = services.create_pairing(org.counter, None, app.secret_key)
    services.enrol_device(org.counter, code, "", app.secret_key)
    db.session.commit()
    response = post_form(client, f"{KIOSK}/pasang", {"code": code}, page=KIOSK)
    assert "sudah dipakai" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(KioskDevice.id))) == 1


def test_code_of_another_loket_does_not_pair_this_one(app, client, db, factory, org):
    other = factory.add(Counter(unit_id=org.unit.id, code="UJI02", name="Loket 2"))
    _pairing, code = services.create_pairing(other, None, app.secret_key)
    db.session.commit()
    response = post_form(client, f"{KIOSK}/pasang", {"code": code}, page=KIOSK)
    assert "Kode pemasangan salah." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(KioskDevice.id))) == 0


def test_guessing_codes_is_rate_limited(client, org):
    token = csrf_token(client, KIOSK)
    statuses = [client.post(f"{KIOSK}/pasang", data={"csrf_token": token, "code": "ZZZZZZZZ"}).status_code
                for _ in range(11)]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429


# --- The kiosk page --------------------------------------------------------------------------

def test_unknown_or_inactive_loket_gets_a_friendly_404(client, db, org):
    response = client.get("/k/TIDAKADA")
    assert response.status_code == 404
    assert "Kiosk tidak tersedia" in response.get_data(as_text=True)
    org.counter.active = False
    db.session.commit()
    response = client.get(KIOSK)
    assert response.status_code == 404
    assert "tidak ditemukan atau sedang tidak aktif" in response.get_data(as_text=True)


def test_lowercase_address_goes_to_the_loket_code(client, org):
    response = client.get("/k/uji01")
    assert response.status_code == 302 and response.headers["Location"] == KIOSK


def test_without_a_device_cookie_nobody_votes(client, db, org):
    page = client.get(KIOSK).get_data(as_text=True)
    assert "Pasang tablet kiosk" in page and 'name="face"' not in page
    response = post_form(client, KIOSK, {"face": "1", "key": "k" * 32})
    assert response.status_code == 403
    assert "Penilaian tidak disimpan." in response.get_data(as_text=True)
    client.set_cookie("cermin_kiosk_UJI01", "bukan-token-yang-benar", path=KIOSK)
    assert post_form(client, KIOSK, {"face": "1", "key": "k" * 32}).status_code == 403
    assert _vote_count(db) == 0


def test_kiosk_pages_are_not_cached(tablet):
    assert tablet.get(KIOSK).headers["Cache-Control"] == "no-store"


def test_vote_is_stored_with_the_instansi_local_time(tablet, db, org):
    response, key = vote(tablet, 4)
    assert response.status_code == 302 and response.headers["Location"] == f"{KIOSK}/terima-kasih"
    stored = db.session.scalar(select(KioskVote))
    assert (stored.unit_id, stored.counter_id, stored.device_id, stored.face) == (
        org.unit.id, org.counter.id, tablet.device.id, 4)
    assert stored.idempotency_key == key and stored.reason is None
    wita = stored.submitted_at.astimezone(org.instansi.tz)
    assert (stored.local_date, stored.local_hour, stored.local_weekday) == (wita.date(), wita.hour, wita.weekday())
    assert db.session.get(KioskDevice, tablet.device.id).last_vote_at == stored.submitted_at
    assert "cermin_kiosk_UJI01=" in response.headers["Set-Cookie"]  # renewed with every vote


def test_vote_late_in_the_utc_evening_counts_for_the_next_wita_day(app, db, org):
    device = enrol(app, db, app.test_client(), org.counter)
    moment = datetime(2026, 3, 1, 23, 30, tzinfo=timezone.utc)  # 07.30 WITA on Monday 2 March
    result = services.record_vote(device, "2", "kunci-uji-0000000001", 8, now=moment)
    assert result.created and result.asks_reason
    assert (result.vote.local_date, result.vote.local_hour, result.vote.local_weekday) == (date(2026, 3, 2), 7, 0)
    expected = stamp(moment, org.instansi.tz)
    assert result.vote.local_date == expected.local_date


def test_thanks_page_returns_to_the_faces_without_javascript(tablet):
    html = tablet.get(f"{KIOSK}/terima-kasih").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="5;url=/k/UJI01">' in html
    assert f'href="{KIOSK}">Kembali</a>' in html
    assert "<script" not in html and "style=" not in html


def test_faces_are_labelled_buttons_without_inline_style_or_script(tablet):
    html = tablet.get(KIOSK).get_data(as_text=True)
    assert html.count('<button type="submit" name="face"') == 4
    assert 'aria-hidden="true"' in html
    assert "<script" not in html and "style=" not in html


def test_a_bad_face_gets_a_message_and_stores_nothing(tablet, db):
    response, _key = vote(tablet, 5)
    assert response.status_code == 200
    assert "Pilih salah satu wajah." in response.get_data(as_text=True)
    response, _key = vote(tablet, "")
    assert "Pilih salah satu wajah." in response.get_data(as_text=True)
    assert _vote_count(db) == 0


def test_a_missing_page_key_gets_a_message_and_stores_nothing(tablet, db):
    response = post_form(tablet, KIOSK, {"face": "3", "key": ""})
    assert "Halaman kedaluwarsa. Silakan pilih lagi." in response.get_data(as_text=True)
    assert _vote_count(db) == 0


def test_votes_closer_than_the_minimum_interval_are_dropped(tablet, db):
    vote(tablet, 3)
    response, _key = vote(tablet, 4)
    assert response.status_code == 302 and response.headers["Location"] == f"{KIOSK}/terima-kasih"
    assert _vote_count(db) == 1
    device = db.session.get(KioskDevice, tablet.device.id)
    device.last_vote_at -= timedelta(seconds=9)
    db.session.commit()
    vote(tablet, 4)
    assert _vote_count(db) == 2


def test_minimum_interval_is_configurable(app, tablet, db, monkeypatch):
    monkeypatch.setitem(app.config, "CERMIN_KIOSK_MIN_INTERVAL_SECONDS", 0)
    vote(tablet, 3)
    vote(tablet, 4)
    assert _vote_count(db) == 2


def test_double_tap_stores_one_vote(tablet, db):
    first, key = vote(tablet, 1)
    second, _key = vote(tablet, 1, key=key)
    assert _vote_count(db) == 1
    assert first.headers["Location"] == second.headers["Location"] == f"{KIOSK}/alasan/{key}"


def test_another_device_cannot_reuse_a_page_key(app, tablet, db, org):
    _first, key = vote(tablet, 1)
    other = app.test_client()
    enrol(app, db, other, org.counter, "Tablet kedua")
    response, _key = vote(other, 4, key=key)
    assert response.headers["Location"] == f"{KIOSK}/terima-kasih"
    assert _vote_count(db) == 1


# --- "Apa yang kurang?" ----------------------------------------------------------------------

def test_negative_face_asks_for_a_reason_once(tablet, db):
    response, key = vote(tablet, 2)
    follow_up = tablet.get(response.headers["Location"])
    html = follow_up.get_data(as_text=True)
    assert "Apa yang kurang?" in html and "Lewati" in html
    for _code, label in kiosk.REASONS:
        assert label in html
    assert 'http-equiv="refresh"' in html  # an abandoned question goes back to the faces
    url = f"{KIOSK}/alasan/{key}"
    answered = post_form(tablet, url, {"reason": "waktu_tunggu"})
    assert answered.headers["Location"] == f"{KIOSK}/terima-kasih"
    assert db.session.scalar(select(KioskVote.reason)) == "waktu_tunggu"
    again = tablet.post(url, data={"csrf_token": csrf_token(tablet, KIOSK), "reason": "biaya"})
    assert again.headers["Location"] == f"{KIOSK}/terima-kasih"
    assert db.session.scalar(select(KioskVote.reason)) == "waktu_tunggu"
    assert tablet.get(url).headers["Location"] == f"{KIOSK}/terima-kasih"


def test_unknown_reason_gets_a_message(tablet, db):
    _response, key = vote(tablet, 1)
    response = post_form(tablet, f"{KIOSK}/alasan/{key}", {"reason": "lainnya-lagi"})
    assert response.status_code == 200
    assert "Pilih salah satu alasan." in response.get_data(as_text=True)
    assert db.session.scalar(select(KioskVote.reason)) is None


def test_reason_is_only_attached_by_the_same_device_and_soon(app, tablet, db, org):
    _response, key = vote(tablet, 1)
    other = app.test_client()
    enrol(app, db, other, org.counter, "Tablet kedua")
    response = other.post(f"{KIOSK}/alasan/{key}", data={"csrf_token": csrf_token(other, KIOSK), "reason": "biaya"})
    assert response.status_code == 302
    assert db.session.scalar(select(KioskVote.reason)) is None
    stored = db.session.scalar(select(KioskVote))
    stored.submitted_at -= timedelta(minutes=6)
    db.session.commit()
    post_form(tablet, f"{KIOSK}/alasan/{key}", {"reason": "biaya"}, page=KIOSK)
    assert db.session.scalar(select(KioskVote.reason)) is None


def test_positive_face_is_not_asked_for_a_reason(tablet, db):
    _response, key = vote(tablet, 3)
    post_form(tablet, f"{KIOSK}/alasan/{key}", {"reason": "biaya"}, page=KIOSK)
    assert db.session.scalar(select(KioskVote.reason)) is None


# --- Managing devices ------------------------------------------------------------------------

def test_revoked_device_is_asked_to_pair_again(head_client, tablet, db, org):
    response = post_form(head_client, f"/kiosk/perangkat/{tablet.device.id}/cabut", {}, page="/kiosk/")
    assert response.status_code == 302
    assert "dicabut" in head_client.get("/kiosk/").get_data(as_text=True)
    assert db.session.get(KioskDevice, tablet.device.id).revoked_at is not None
    assert "Pasang tablet kiosk" in tablet.get(KIOSK).get_data(as_text=True)
    assert post_form(tablet, KIOSK, {"face": "4", "key": "k" * 32}).status_code == 403
    assert _vote_count(db) == 0
    again = post_form(head_client, f"/kiosk/perangkat/{tablet.device.id}/cabut", {}, page="/kiosk/")
    assert again.status_code == 302
    assert "sudah dicabut" in head_client.get("/kiosk/").get_data(as_text=True)


def test_anonymous_is_sent_to_login(client, org):
    response = client.get("/kiosk/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/masuk")


def test_employee_and_supervisor_who_heads_nothing_are_refused(employee_client, supervisor_client, db, org):
    assert employee_client.get("/kiosk/").status_code == 403
    assert supervisor_client.get("/kiosk/").status_code == 403
    token = csrf_token(supervisor_client, "/akun")
    assert supervisor_client.post(f"/kiosk/loket/{org.counter.id}/kode", data={"csrf_token": token}).status_code == 403
    assert db.session.scalar(select(func.count(KioskPairing.id))) == 0


def test_head_of_another_unit_cannot_touch_this_loket(other_head_client, tablet, db, org):
    listing = other_head_client.get("/kiosk/")
    assert listing.status_code == 200 and "UJI01" not in listing.get_data(as_text=True)
    token = csrf_token(other_head_client, "/kiosk/")
    assert other_head_client.post(f"/kiosk/loket/{org.counter.id}/kode", data={"csrf_token": token}).status_code == 403
    assert other_head_client.post(f"/kiosk/perangkat/{tablet.device.id}/cabut",
                                  data={"csrf_token": token}).status_code == 403
    assert db.session.scalar(select(func.count(KioskPairing.id))) == 1  # only the tablet fixture's
    assert db.session.get(KioskDevice, tablet.device.id).revoked_at is None


@pytest.mark.parametrize("who", ["hr", "admin", "kepala"])
def test_hr_admin_and_the_unit_head_create_codes(app, head_client, db, org, who):
    client = head_client if who == "kepala" else client_for(app, who)
    response = post_form(client, f"/kiosk/loket/{org.counter.id}/kode", {}, page="/kiosk/")
    assert response.status_code == 200 and CODE_RE.search(response.get_data(as_text=True))
    assert db.session.scalar(select(func.count(KioskPairing.id))) == 1


def test_loket_of_another_instansi_is_not_found(hr_client, factory, db):
    elsewhere = factory.instansi(name="Pemerintah Kabupaten Lain")
    unit = factory.unit(elsewhere, code="DISDUK")
    counter = factory.add(Counter(unit_id=unit.id, code="LAIN01", name="Loket Lain"))
    db.session.commit()
    token = csrf_token(hr_client, "/kiosk/")
    assert hr_client.post(f"/kiosk/loket/{counter.id}/kode", data={"csrf_token": token}).status_code == 404
    assert "LAIN01" not in hr_client.get("/kiosk/").get_data(as_text=True)


def test_kiosk_menu_for_managers_only(head_client, employee_client):
    assert 'href="/kiosk/">Kiosk</a>' in head_client.get("/").get_data(as_text=True)
    assert 'href="/kiosk/"' not in employee_client.get("/").get_data(as_text=True)


# --- The happy index -------------------------------------------------------------------------

def _add_votes(db, device, faces, day=date(2026, 3, 2)):
    """Votes of past days, stored as a bulk load would (then counted into the rollup)."""
    votes = [KioskVote(
        unit_id=device.counter.unit_id, counter_id=device.counter_id, device_id=device.id, face=face,
        local_date=day, local_hour=9, local_weekday=day.weekday(),
        submitted_at=datetime(2026, 3, 2, 1, tzinfo=timezone.utc) + timedelta(minutes=i),
    ) for i, face in enumerate(faces)]
    db.session.add_all(votes)
    db.session.flush()
    services.add_to_rollup(votes)


def test_kiosk_summary_matches_the_domain_rules(app, db, factory, org):
    device = enrol(app, db, app.test_client(), org.counter)
    faces = [1, 2, 2, 3, 4, 4, 4]
    _add_votes(db, device, faces)
    _add_votes(db, device, [1, 1], day=date(2026, 3, 5))
    elsewhere = factory.instansi(name="Pemerintah Kabupaten Lain")
    other_counter = factory.add(Counter(unit_id=factory.unit(elsewhere, code="X").id, code="LAIN01", name="Lain"))
    _add_votes(db, enrol(app, db, app.test_client(), other_counter), [4, 4, 4])

    summary = services.kiosk_summary(instansi_id=org.instansi.id, date_from=date(2026, 3, 1), date_to=date(2026, 3, 2))
    assert summary.n == 7
    assert summary.by_face == {1: 1, 2: 2, 3: 1, 4: 3}
    assert summary.happy_index == kiosk.happy_index(sum(faces), 7)  # mean 20/7 × 25 = 71.43
    assert str(summary.happy_index) == "71.43"
    assert summary.negative_share == kiosk.negative_share(3, 7) and str(summary.negative_share) == "42.86"

    whole = services.kiosk_summary(org.unit.id, instansi_id=org.instansi.id)
    assert whole.n == 9 and whole.by_face[1] == 3
    assert services.kiosk_summary(counter_id=org.counter.id, instansi_id=org.instansi.id).n == 9
    # Another instansi's votes never leak in, even when its loket is named.
    assert services.kiosk_summary(counter_id=other_counter.id, instansi_id=org.instansi.id).n == 0


def test_kiosk_summary_without_votes(org):
    summary = services.kiosk_summary(org.other_unit.id, instansi_id=org.instansi.id)
    assert (summary.n, summary.happy_index, summary.negative_share) == (0, None, None)
    assert summary.by_face == {1: 0, 2: 0, 3: 0, 4: 0}


def test_kiosk_votes_never_enter_the_ikm(app, tablet, db, org, monkeypatch):
    record_response(org.counter, Submission(scores={f"U{i}": 3 for i in range(1, 10)}))
    db.session.commit()
    scope = Scope(instansi_id=org.instansi.id)
    before = totals(scope)
    monkeypatch.setitem(app.config, "CERMIN_KIOSK_MIN_INTERVAL_SECONDS", 0)
    for face in (1, 4, 2):
        vote(tablet, face)
    assert _vote_count(db) == 3
    assert totals(scope) == before
    assert db.session.scalar(select(func.count(SkmResponse.id))) == 1


def test_no_address_of_the_visitor_is_stored():
    columns = {c.name for c in KioskVote.__table__.columns} | {c.name for c in KioskDevice.__table__.columns}
    assert not any("ip" in name.split("_") or "addr" in name for name in columns)


def test_rollup_matches_the_votes_after_a_rebuild(app, db, org):
    device = enrol(app, db, app.test_client(), org.counter)
    _add_votes(db, device, [1, 3, 4])
    before = services.kiosk_summary(org.unit.id, instansi_id=org.instansi.id)
    services.rebuild_rollup()
    assert services.kiosk_summary(org.unit.id, instansi_id=org.instansi.id) == before


def test_a_rebuild_of_some_lokets_counts_their_bulk_loaded_votes_and_leaves_the_others(app, db, factory, org):
    device = enrol(app, db, app.test_client(), org.counter)
    _add_votes(db, device, [2, 4])
    elsewhere = factory.add(Counter(unit_id=org.unit.id, code="UJI09", name="Loket 9"))
    other = enrol(app, db, app.test_client(), elsewhere)
    # Bulk-loaded votes (as the demo writes them) are not in the rollup until it is rebuilt.
    db.session.add_all([KioskVote(unit_id=org.unit.id, counter_id=elsewhere.id, device_id=other.id, face=face,
                                  local_date=date(2026, 3, 2), local_hour=9, local_weekday=0,
                                  submitted_at=datetime(2026, 3, 2, 2, tzinfo=timezone.utc) + timedelta(minutes=i))
                        for i, face in enumerate([1, 1, 3])])
    db.session.flush()
    assert services.kiosk_summary(counter_id=elsewhere.id, instansi_id=org.instansi.id).n == 0
    services.rebuild_rollup([elsewhere.id])
    assert services.kiosk_summary(counter_id=elsewhere.id, instansi_id=org.instansi.id).by_face == {1: 2, 2: 0, 3: 1, 4: 0}
    assert services.kiosk_summary(counter_id=org.counter.id, instansi_id=org.instansi.id).by_face == {1: 0, 2: 1, 3: 0, 4: 1}


def test_next_visitor_sees_indonesian_after_one_chose_english(tablet):
    tablet.set_cookie("lang", "en")
    assert 'lang="en"' in tablet.get(KIOSK).get_data(as_text=True)
    response, _ = vote(tablet, 4)
    thanks = tablet.get(response.headers["Location"])
    # The English visitor is thanked in English; the screen that follows is Indonesian.
    assert "Thank you" in thanks.get_data(as_text=True)
    assert "lang=id" in thanks.headers["Set-Cookie"]
    html = tablet.get(KIOSK).get_data(as_text=True)
    assert 'lang="id"' in html and "Bagaimana pelayanan kami hari ini?" in html


def test_faces_left_in_english_return_to_indonesian_by_themselves(tablet):
    assert 'http-equiv="refresh"' not in tablet.get(KIOSK).get_data(as_text=True)
    tablet.set_cookie("lang", "en")
    html = tablet.get(KIOSK).get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="90;url=/bahasa/id?next=/k/UJI01">' in html
    assert tablet.get("/bahasa/id?next=/k/UJI01").headers["Location"] == KIOSK

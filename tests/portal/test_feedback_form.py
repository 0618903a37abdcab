"""The citizen's SKM form at /s/<code>: what a person at the loket sees and what is stored."""
import gzip
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from portal.feedback import scoring
from portal.feedback.models import SkmComment, SkmDaily, SkmHourly, SkmResponse
from portal.feedback.services import Submission, record_response
from portal.localtime import today
from portal.org.models import Counter
from surveys import skm
from surveys.tickets import sign_ticket
from tests.conftest import examples

ALL_FOUR = {f"u{i}": "4" for i in range(1, 10)}


def form_fields(client, url):
    html = client.get(url).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    key = re.search(r'id="form_key" name="form_key" type="hidden" value="([^"]+)"', html).group(1)
    ticket = re.search(r'id="ticket" name="ticket" type="hidden" value="([^"]*)"', html).group(1)
    return {"csrf_token": csrf, "form_key": key, "ticket": ticket}, html


def submit(client, code="UJI01", answers=None, url=None, **extra):
    fields, _ = form_fields(client, url or f"/s/{code}")
    data = {**fields, **(ALL_FOUR if answers is None else answers), **extra}
    return client.post(f"/s/{code}", data=data)


def count(db, model=SkmResponse):
    return db.session.scalar(select(func.count(model.id)))


def test_form_shows_nine_questions_with_regulation_labels(client, org):
    _, html = form_fields(client, "/s/UJI01")
    for unsur in skm.UNSUR:
        assert unsur.question in html
        for label in unsur.labels:
            assert f"><span>{label}</span></label>" in html
    assert html.count("<fieldset") == 10  # nine unsur and "who served you"
    assert "Staf Uji 1" in html and "Tidak tahu / tidak ingat" in html
    assert "setelah 730 hari" in html
    assert "Dinas Kependudukan" in html and "KTP elektronik" in html


def test_form_in_english_on_request(client, org):
    html = client.get("/s/UJI01", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Public Satisfaction Survey" in html or "Satisfaction" in html
    assert 'lang="en"' in html


def test_every_visit_gets_its_own_keys_from_the_rendered_page(app, client, org):
    """The blank form is rendered once per loket and language: the CSRF token and the form key
    must still be new for every visitor, and never the placeholders."""
    first, html = form_fields(client, "/s/UJI01")
    with app.test_client() as other:
        second, other_html = form_fields(other, "/s/UJI01")
    assert first["form_key"] != second["form_key"] and first["csrf_token"] != second["csrf_token"]
    assert "cermin-slot" not in html + other_html
    assert html.replace(first["form_key"], "").replace(first["csrf_token"], "") == \
        other_html.replace(second["form_key"], "").replace(second["csrf_token"], "")


def test_rendered_form_follows_language_roster_and_names(client, org, db):
    assert "Public Satisfaction Survey" not in client.get("/s/UJI01").get_data(as_text=True)
    english = client.get("/s/UJI01", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="en">' in english and "Public Satisfaction Survey" in english
    org.staff[0].name = "Staf Uji Satu"
    org.counter.name = "Loket Pagi"
    db.session.commit()
    html = client.get("/s/UJI01").get_data(as_text=True)
    assert "Staf Uji Satu" in html and "Loket Pagi" in html
    org.staff[0].active = False
    db.session.commit()
    assert "Staf Uji Satu" not in client.get("/s/UJI01").get_data(as_text=True)


def test_codes_are_case_insensitive(client, org):
    assert client.get("/s/uji01").status_code == 200


def test_first_response_with_css_fits_one_round_trip(client, org):
    html = client.get("/s/UJI01").get_data()
    with client.get("/static/css/public.css") as response:
        css = response.get_data()
    assert len(gzip.compress(html)) + len(gzip.compress(css)) <= 14 * 1024


def test_form_loads_nothing_from_other_hosts(client, org):
    html = client.get("/s/UJI01").get_data(as_text=True)
    for attribute in re.findall(r'(?:src|href|action)="([^"]+)"', html):
        assert attribute.startswith("/"), attribute


def test_valid_response_is_stored_with_rollups_and_saran(client, org, db):
    response = submit(client, answers={**ALL_FOUR, "u3": "2"}, officer=str(org.staff[0].id),
                      comment="Antrean terlalu lama", gender="P", age_range="30-39")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/s/UJI01/terima-kasih")
    stored = db.session.scalar(select(SkmResponse))
    assert stored.scores() == {**{f"U{i}": 4 for i in range(1, 10)}, "U3": 2}
    assert stored.employee_id == org.staff[0].id and stored.channel == "web"
    assert stored.gender == "P" and stored.age_range == "30-39" and stored.education is None
    assert db.session.scalar(select(SkmComment.text)) == "Antrean terlalu lama"
    n, sums, _ = scoring.totals(scoring.Scope(instansi_id=org.instansi.id, unit_id=org.unit.id))
    assert n == 1 and sums["U3"] == 2
    thanks = client.get("/s/UJI01/terima-kasih").get_data(as_text=True)
    assert "Terima kasih" in thanks and "/publik/DUKCAPIL" in thanks


def test_double_submit_stores_one_response(client, org, db):
    fields, _ = form_fields(client, "/s/UJI01")
    for _ in range(3):
        assert client.post("/s/UJI01", data={**fields, **ALL_FOUR}).status_code == 303
    assert count(db) == 1
    assert db.session.scalar(select(SkmDaily.n)) == 1
    assert db.session.scalar(select(SkmHourly.n)) == 1


@pytest.mark.parametrize("answers,message", [
    ({**ALL_FOUR, "u5": ""}, "Pilih salah satu jawaban."),
    ({**ALL_FOUR, "u5": "5"}, "Nilai harus 1 sampai 4."),
    ({**ALL_FOUR, "u5": "0"}, "Nilai harus 1 sampai 4."),
    ({**ALL_FOUR, "u5": "2.5"}, "Nilai harus 1 sampai 4."),
    ({k: v for k, v in ALL_FOUR.items() if k != "u9"}, "Pilih salah satu jawaban."),
])
def test_bad_answers_get_messages_and_store_nothing(client, org, db, answers, message):
    response = submit(client, answers=answers)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html and "ada jawaban yang belum lengkap" in html
    assert count(db) == 0


def test_bad_answers_keep_what_was_chosen(client, org):
    html = submit(client, answers={"u1": "3"}).get_data(as_text=True)
    assert 'name="u1" value="3" checked' in html


def test_messages_in_english(client, org, db):
    fields, _ = form_fields(client, "/s/UJI01")
    response = client.post("/s/UJI01", data={**fields, "u1": "9"}, headers={"Accept-Language": "en"})
    html = response.get_data(as_text=True)
    assert "Choose one answer." in html or "Please choose" in html or "choose" in html.lower()
    assert count(db) == 0


def test_oversize_comment_is_refused(client, org, db):
    response = submit(client, comment="x" * 1001)
    assert response.status_code == 400
    assert "Saran paling banyak 1000 karakter." in response.get_data(as_text=True)
    assert count(db) == 0


def test_unknown_officer_is_refused(client, org, db):
    response = submit(client, officer="999999")
    assert response.status_code == 400
    assert "Petugas yang dipilih tidak dikenal." in response.get_data(as_text=True)
    assert count(db) == 0


def test_an_officer_of_another_instansi_on_the_roster_is_neither_listed_nor_accepted(client, org, db, factory):
    """A roster row that names another instansi's employee (a mistake, or an insider's attempt to
    have outsiders rated here) puts nobody on duty: the form does not list them and refuses them."""
    from datetime import time

    from portal.org.models import RosterEntry

    elsewhere = factory.employee(factory.unit(factory.instansi("Pemerintah Kota Lain"), code="LAIN"), "Petugas Lain")
    factory.add(RosterEntry(counter_id=org.counter.id, employee_id=elsewhere.id, weekday=None,
                            start_time=time(0, 0), end_time=time(23, 59, 59), valid_from=date(2020, 1, 1)))
    db.session.commit()
    _, html = form_fields(client, "/s/UJI01")
    assert "Petugas Lain" not in html and f'value="{elsewhere.id}"' not in html
    response = submit(client, officer=str(elsewhere.id))
    assert response.status_code == 400
    assert "Petugas yang dipilih tidak dikenal." in response.get_data(as_text=True)
    assert count(db) == 0


def test_officer_not_on_duty_cannot_be_chosen(client, org, db):
    response = submit(client, officer=str(org.staff[2].id))
    assert response.status_code == 400
    assert count(db) == 0


def test_bad_profile_code_is_refused(client, org, db):
    response = submit(client, gender="X")
    assert response.status_code == 400
    assert count(db) == 0


def test_forged_form_key_is_refused(client, org, db):
    fields, _ = form_fields(client, "/s/UJI01")
    response = client.post("/s/UJI01", data={**fields, "form_key": fields["form_key"][:-3] + "abc", **ALL_FOUR})
    assert response.status_code == 400
    assert "kedaluwarsa" in response.get_data(as_text=True)
    assert count(db) == 0


def test_form_key_of_another_loket_is_refused(client, org, db, factory):
    factory.add(Counter(unit_id=org.unit.id, code="UJI02", name="Loket 2"))
    fields, _ = form_fields(client, "/s/UJI02")
    response = client.post("/s/UJI01", data={**fields, **ALL_FOUR})
    assert response.status_code == 400
    assert count(db) == 0


def test_honeypot_stores_nothing(client, org, db):
    response = submit(client, website="http://spam.example")
    assert response.status_code == 303
    assert count(db) == 0


def test_too_fast_is_refused(app, client, org, db):
    app.config["CERMIN_MIN_FILL_SECONDS"] = 60
    try:
        response = submit(client)
    finally:
        app.config["CERMIN_MIN_FILL_SECONDS"] = 0
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "terlalu cepat" in html and "belum disimpan" in html and "tunggu 60 detik" in html
    assert count(db) == 0


def test_device_limit_per_loket(app, client, org, db):
    for _ in range(3):
        assert submit(client).status_code == 303
    response = submit(client)
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Penilaian Anda tidak disimpan: dari perangkat ini sudah ada 3 penilaian" in html
    assert "sudah kami terima" not in html and "Terima kasih, penilaian" not in html
    assert count(db) == 3
    other_device = app.test_client()
    assert submit(other_device).status_code == 303
    assert count(db) == 4


def test_no_ip_address_is_stored(client, org, db):
    submit(client, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    columns = [c.name for c in SkmResponse.__table__.columns]
    assert not any("ip" == c or c.endswith("_ip") or "addr" in c for c in columns)


def test_unknown_and_inactive_lokets_get_clear_pages(client, org, db):
    response = client.get("/s/NOPE99")
    assert response.status_code == 404 and "Loket tidak ditemukan" in response.get_data(as_text=True)
    org.counter.active = False
    db.session.commit()
    response = client.get("/s/UJI01")
    assert response.status_code == 410 and "Loket tidak aktif" in response.get_data(as_text=True)
    assert client.post("/s/UJI01", data=ALL_FOUR).status_code in (400, 410)
    assert count(db) == 0


def test_officer_name_plate_opens_form_with_officer_chosen(client, org, db):
    officer = org.staff[0]
    response = client.get(f"/p/{officer.public_code}")
    assert response.status_code == 302
    assert f"/s/UJI01?petugas={officer.public_code}" in response.headers["Location"]
    url = response.headers["Location"]
    html = client.get(url).get_data(as_text=True)
    assert "Petugas yang melayani Anda: Staf Uji 1" in html
    assert 'name="officer"' not in html.split("<form")[1].split("</form>")[0].replace('id="officer"', "")
    fields, _ = form_fields(client, url)
    assert client.post("/s/UJI01", data={**fields, **ALL_FOUR}).status_code == 303
    stored = db.session.scalar(select(SkmResponse))
    assert stored.employee_id == officer.id and stored.channel == "officer"


def test_officer_not_on_duty_gets_a_clear_page(client, org):
    response = client.get(f"/p/{org.staff[3].public_code}")
    assert response.status_code == 409
    assert "tidak sedang bertugas" in response.get_data(as_text=True)
    response = client.get(f"/s/UJI01?petugas={org.staff[3].public_code}")
    assert response.status_code == 409
    assert client.get("/p/zzzzzzzz").status_code == 404


def _ticket(org, day=None, serial=1):
    day = day or today(org.instansi.tz)
    return sign_ticket(org.instansi.ticket_key, "UJI01", day, serial)


def test_ticket_opens_the_form_once(client, org, db):
    code = _ticket(org)
    fields, html = form_fields(client, f"/t/{code}")
    assert "Survei Kepuasan Masyarakat" in html
    assert client.post("/s/UJI01", data={**fields, **ALL_FOUR}).status_code == 303
    stored = db.session.scalar(select(SkmResponse))
    assert stored.channel == "ticket" and stored.ticket_code
    response = client.get(f"/t/{code}")
    assert response.status_code == 410 and "Tiket sudah dipakai" in response.get_data(as_text=True)
    # A second form rendered before the first was sent cannot use the ticket again.
    assert count(db) == 1


def test_ticket_used_from_two_forms_stores_one(client, org, db, app):
    code = _ticket(org, serial=7)
    first, _ = form_fields(client, f"/t/{code}")
    other = app.test_client()
    second, _ = form_fields(other, f"/t/{code}")
    assert client.post("/s/UJI01", data={**first, **ALL_FOUR}).status_code == 303
    assert other.post("/s/UJI01", data={**second, **ALL_FOUR}).status_code == 303
    assert count(db) == 1


def test_altered_or_forged_ticket_is_refused_without_storing(client, org, db):
    code = _ticket(org)
    altered = code[:-1] + ("A" if code[-1] != "A" else "B")
    response = client.get(f"/t/{altered}")
    assert response.status_code == 404 and "Kode tiket tidak valid" in response.get_data(as_text=True)
    forged = sign_ticket(b"k" * 32, "UJI01", today(org.instansi.tz), 1)
    assert client.get(f"/t/{forged}").status_code == 404
    assert client.get("/t/not-a-ticket").status_code == 404
    assert count(db) == 0


def test_expired_ticket_gets_a_clear_page(client, org):
    code = _ticket(org, day=today(org.instansi.tz) - timedelta(days=5))
    response = client.get(f"/t/{code}")
    assert response.status_code == 410 and "kedaluwarsa" in response.get_data(as_text=True)


def test_ticket_can_be_typed(client, org):
    code = _ticket(org)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/t").get_data(as_text=True)).group(1)
    response = client.post("/t", data={"csrf_token": token, "code": code.lower()})
    assert response.status_code == 302
    assert client.get(response.headers["Location"]).status_code == 200


def test_local_date_follows_the_instansi_zone(org, db):
    # 23:30 UTC is 07:30 the next morning in WITA.
    moment = datetime(2026, 3, 1, 23, 30, tzinfo=timezone.utc)
    stored = record_response(org.counter, Submission(scores={k: 3 for k in skm.UNSUR_CODES}, submitted_at=moment))
    assert stored.local_date == date(2026, 3, 2) and stored.local_hour == 7 and stored.local_weekday == 0


def test_stored_response_cannot_be_edited(org, db):
    stored = record_response(org.counter, Submission(scores={k: 3 for k in skm.UNSUR_CODES}))
    db.session.commit()
    with pytest.raises((IntegrityError, DBAPIError)):
        with db.session.begin_nested():
            db.session.execute(update(SkmResponse).where(SkmResponse.id == stored.id).values(u1=1))
    assert db.session.scalar(select(SkmResponse.u1)) == 3


@settings(max_examples=examples(30), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(responses=st.lists(st.dictionaries(st.sampled_from(skm.UNSUR_CODES), st.integers(1, 4), min_size=9, max_size=9),
                          min_size=1, max_size=12),
       officer=st.booleans())
def test_rollup_scores_match_the_raw_responses(org, db, rate_limits, responses, officer):
    rate_limits()
    nested = db.session.begin_nested()
    try:
        for scores in responses:
            record_response(org.counter, Submission(scores=scores, employee_id=org.staff[0].id if officer else None))
        expected = skm.ikm_from_responses(responses)
        scope = scoring.Scope(instansi_id=org.instansi.id, unit_id=org.unit.id)
        assert scoring.ikm(scope).as_json() == expected.as_json()
        if officer:
            officer_scope = scoring.Scope(instansi_id=org.instansi.id, employee_id=org.staff[0].id)
            assert scoring.officer_ikm(officer_scope, org.instansi).n == len(responses)
    finally:
        nested.rollback()


FIELD_VALUES = st.one_of(st.none(), st.text(max_size=30), st.sampled_from(["1", "2", "3", "4", "5", "0", "-1", "", " 3", "३"]))


@settings(max_examples=examples(60), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.dictionaries(
    st.sampled_from([f"u{i}" for i in range(1, 10)] + ["officer", "comment", "gender", "age_range", "education",
                                                         "occupation", "ticket", "website"]),
    FIELD_VALUES, max_size=16))
def test_fuzz_public_post_never_fails_and_stores_all_or_nothing(app, org, db, data):
    client = app.test_client()
    fields, _ = form_fields(client, "/s/UJI01")
    payload = {**fields, **{k: v for k, v in data.items() if v is not None}}
    before = count(db)
    response = client.post("/s/UJI01", data=payload)
    assert response.status_code in (303, 400)
    stored = count(db) - before
    # Each form has a fresh key and no ticket: the honeypot is the one reason to thank without storing.
    if payload.get("website"):
        assert (response.status_code, stored) == (303, 0), "the honeypot thanks a script and stores nothing"
    elif response.status_code == 303:
        assert stored == 1, "a thank-you without the honeypot stored the response"
        row = db.session.scalars(select(SkmResponse).order_by(SkmResponse.id.desc())).first()
        assert all(1 <= v <= 4 for v in row.scores().values())
    else:
        assert stored == 0


def test_progress_is_labelled_and_counts_the_answers_sent_back(client, org):
    _, html = form_fields(client, "/s/UJI01")
    assert "Terjawab 0 dari 9 pertanyaan" in html and "0 / 9" not in html
    response = submit(client, answers={"u1": "4", "u2": "3", "u3": "9"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Terjawab 2 dari 9 pertanyaan" in html


def test_error_summary_links_to_each_missing_answer(client, org):
    response = submit(client, answers={"u1": "4", "u2": "3"})
    html = response.get_data(as_text=True)
    summary = re.search(r'<div class="alert errsum" role="alert" id="fix"(.*?)</div>', html, re.S).group(1)
    links = re.findall(r'<a href="#(q-u\d)">', summary)
    assert links == [f"q-u{i}" for i in range(3, 10)]
    for anchor in links:
        assert f'id="{anchor}"' in html
    assert "belum dikirim" in summary and "Pertanyaan 3 (" in summary


def test_too_fast_message_in_english(app, client, org, db):
    app.config["CERMIN_MIN_FILL_SECONDS"] = 30
    client.set_cookie("lang", "en")
    try:
        response = submit(client)
    finally:
        app.config["CERMIN_MIN_FILL_SECONDS"] = 0
    html = response.get_data(as_text=True)
    assert "sent too fast" in html and "wait 30 seconds" in html and "not been stored" in html


def test_device_limit_is_said_in_english(app, client, org, db):
    client.set_cookie("lang", "en")
    for _ in range(3):
        assert submit(client).status_code == 303
    response = submit(client)
    assert response.status_code == 429
    assert "Your rating was not stored" in response.get_data(as_text=True)


def test_bad_ticket_page_in_english(client, org):
    client.set_cookie("lang", "en")
    response = client.get("/t/NOT-A-TICKET")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Invalid ticket code" in html and "Kode tiket" not in html


def test_the_answers_own_reading_of_the_roster_agrees_with_the_forms_list(org, db, factory):
    """A citizen's POST reads whether the officer it names is on duty together with the loket
    (`loket_for_answer`), instead of the whole roster (`on_duty`, which lists the form's officers).
    For every kind of roster row, at every moment of a week, both say the same."""
    from datetime import time

    from portal import clock
    from portal.feedback.loket import loket_for_answer
    from portal.org.models import RosterEntry
    from portal.org.services import on_duty

    def shift(employee, **kw):
        factory.add(RosterEntry(**{"counter_id": org.counter.id, "employee_id": employee.id, "weekday": None,
                                   "start_time": time(8, 0), "end_time": time(12, 0),
                                   "valid_from": date(2026, 1, 1), **kw}))

    mornings, tuesdays, ended, later, idle = org.staff[1], org.staff[2], org.staff[3], org.supervisor, org.head
    shift(mornings)
    shift(tuesdays, weekday=1, start_time=time(13, 0), end_time=time(15, 30))
    shift(ended, valid_to=date(2026, 3, 2))
    shift(later, valid_from=date(2026, 3, 4))
    idle.active = False
    shift(idle)
    elsewhere = factory.employee(factory.unit(factory.instansi("Pemerintah Kota Lain"), code="LAIN"), "Petugas Lain")
    shift(elsewhere)
    db.session.commit()
    named = [*org.staff, later, idle, elsewhere]
    seen = set()
    # Every three hours and a half from Monday 2 March 2026, 00:00 WITA, for a week.
    start = datetime(2026, 3, 1, 16, 0, tzinfo=timezone.utc)
    for step in range(48):
        with clock.frozen(start + timedelta(hours=3.5 * step)):
            listed = {officer.id for officer in on_duty(org.counter)}
            for employee in named:
                assert loket_for_answer("uji01", employee.id)[1] == (employee.id in listed), (step, employee.name)
            seen |= listed
    assert seen == {org.staff[0].id, mornings.id, tuesdays.id, ended.id, later.id}
    assert loket_for_answer("uji01", None)[1] is False and loket_for_answer("tidak-ada", 1) == (None, False)

"""Citizen scores that cannot be gamed: the plausibility rules hold what one person or one script
sends, through the real form; held responses count nowhere until HR releases them."""
from __future__ import annotations

import json
import math
import random
import re
from bisect import bisect_right
from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from portal import clock
from portal.appraisal.models import AppraisalPeriod
from portal.feedback import holds, review, scoring
from portal.feedback.models import HoldGroup, SkmDaily, SkmResponse
from portal.feedback.services import Submission, record_response
from portal.insight import alerts
from portal.insight.models import Alert
from portal.org.models import Counter, RosterEntry
from surveys import skm
from surveys.tickets import sign_ticket
from tests.conftest import client_for

ONES = {f"u{i}": "1" for i in range(1, 10)}
FOURS = {f"u{i}": "4" for i in range(1, 10)}


def _fields(client, url):
    html = client.get(url).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    key = re.search(r'id="form_key" name="form_key" type="hidden" value="([^"]+)"', html).group(1)
    return {"csrf_token": csrf, "form_key": key}


def _browser_submits(app, code, answers, **extra):
    """A browser that keeps no cookie: opens the form, answers and sends it, then forgets everything."""
    browser = app.test_client()
    response = browser.post(f"/s/{code}", data={**_fields(browser, f"/s/{code}"), **answers, **extra})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return response


def _statuses(db, **where):
    rows = db.session.execute(select(SkmResponse.status, SkmResponse.hold_reason, func.count())
                              .filter_by(**where).group_by(SkmResponse.status, SkmResponse.hold_reason)).all()
    return {(status, reason): n for status, reason, n in rows}


def _n(org, **scope):
    n, _sums, _negative = scoring.totals(scoring.Scope(instansi_id=org.instansi.id, unit_id=org.unit.id, **scope))
    return n


def scores(value: int = 3, **changes) -> dict[str, int]:
    return {**{k: value for k in skm.UNSUR_CODES}, **changes}


# --- the burst ------------------------------------------------------------------------------------


def test_forty_browsers_without_cookies_count_as_ten_and_the_rest_wait_for_review(app, client, org, db, runner):
    officer = org.staff[0]
    for _ in range(40):
        _browser_submits(app, "UJI01", ONES, officer=str(officer.id))
    assert _statuses(db) == {("counted", None): 10, ("held", "rate_loket"): 30}
    assert _n(org) == 10 and _n(org, employee_id=officer.id) == 10
    group = db.session.scalar(select(HoldGroup))
    assert group.status == "open" and group.counter_id == org.counter.id
    assert db.session.scalar(select(func.count()).where(SkmResponse.hold_group_id == group.id)) == 30
    alert = db.session.scalar(select(Alert).where(Alert.kind == "held"))
    assert alert is not None and alert.hold_group_id == group.id and alert.status == "open"
    result = runner.invoke(args=["ikm", "--unit", "DUKCAPIL", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["n"] == 10 and json.loads(result.output)["held"] == 30
    listed = json.loads(runner.invoke(args=["held", "--unit", "DUKCAPIL", "--json"]).output)
    assert len(listed) == 30 and {row["status"] for row in listed} == {"held"}
    assert set(listed[0]) == {"id", "counter", "submitted_at", "employee_nip", "reason", "status"}
    assert listed[0]["counter"] == "UJI01" and listed[0]["employee_nip"] == officer.nip
    assert listed[0]["reason"] == "rate_loket"
    # The public page, the dashboards and the merge read the rollups: only the ten. So does the
    # negative-share alert's window.
    assert db.session.scalar(select(func.sum(SkmDaily.n))) == 10
    first, last = db.session.execute(select(func.min(SkmResponse.submitted_at), func.max(SkmResponse.submitted_at))).one()
    assert alerts.window_counts(org.counter, first, last) == (10, 10)


def test_the_limit_holds_per_officer_across_lokets(app, org, db, factory):
    second = factory.add(Counter(unit_id=org.unit.id, service_id=org.service.id, code="UJI02", name="Loket 2"))
    officer = org.staff[0]
    moment = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)
    for i in range(12):
        record_response(org.counter if i % 2 else second,
                        Submission(scores=scores(3, U1=1 + i % 4), employee_id=officer.id, submitted_at=moment))
    assert _statuses(db) == {("counted", None): 10, ("held", "rate_officer"): 2}


def test_a_loket_manager_sets_the_loket_limit(app, org, db, head_client):
    from tests.conftest import csrf_token

    page = "/loket/UJI01/batas"
    response = head_client.post(page, data={"csrf_token": csrf_token(head_client, page), "rate_limit": "50"})
    assert response.status_code == 400 and "5 sampai 30" in response.get_data(as_text=True)
    response = head_client.post(page, data={"csrf_token": csrf_token(head_client, page), "rate_limit": "6"})
    assert response.status_code == 302
    db.session.refresh(org.counter)
    assert org.counter.rate_limit == 6
    moment = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)
    for i in range(8):
        record_response(org.counter, Submission(scores=scores(3, U2=1 + i % 4), submitted_at=moment))
    assert _statuses(db) == {("counted", None): 6, ("held", "rate_loket"): 2}


def test_the_window_moves_on(org, db):
    start = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)
    for i in range(30):
        # One every 31 seconds: ten in any five minutes, never eleven.
        record_response(org.counter, Submission(scores=scores(3, U3=1 + i % 4),
                                                submitted_at=start + timedelta(seconds=31 * i)))
    assert _statuses(db) == {("counted", None): 30}


# --- tickets --------------------------------------------------------------------------------------


def test_a_ticket_used_at_another_loket_is_held(app, org, db, factory):
    factory.add(Counter(unit_id=org.unit.id, service_id=org.service.id, code="UJI02", name="Loket 2"))
    db.session.commit()
    ticket = sign_ticket(org.instansi.ticket_key, "UJI01", clock.today(org.instansi.tz), 3)
    browser = app.test_client()
    # A form key that no longer reads makes the form come back with a fresh key for UJI02 that
    # carries the ticket sent with it: the ticket of UJI01 travels to another loket.
    fields = _fields(browser, "/s/UJI02")
    again = browser.post("/s/UJI02", data={**fields, "form_key": "expired", "ticket": ticket, **FOURS})
    assert again.status_code == 400
    key = re.search(r'id="form_key" name="form_key" type="hidden" value="([^"]+)"',
                    again.get_data(as_text=True)).group(1)
    assert browser.post("/s/UJI02", data={**fields, "form_key": key, **FOURS}).status_code == 303
    stored = db.session.scalar(select(SkmResponse))
    assert (stored.channel, stored.status, stored.hold_reason) == ("ticket", "held", "ticket_loket")
    assert _n(org) == 0


def test_a_valid_ticket_at_its_own_loket_is_never_held_by_the_rate(app, org, db):
    for _ in range(10):
        _browser_submits(app, "UJI01", FOURS)
    for serial in range(1, 4):
        browser = app.test_client()
        code = sign_ticket(org.instansi.ticket_key, "UJI01", clock.today(org.instansi.tz), serial)
        response = browser.post("/s/UJI01", data={**_fields(browser, f"/t/{code}"), **FOURS})
        assert response.status_code == 303
    assert _statuses(db) == {("counted", None): 13}
    assert _statuses(db, channel="ticket") == {("counted", None): 3}
    # …while an eleventh response without a ticket is held.
    _browser_submits(app, "UJI01", FOURS)
    assert _statuses(db, channel="web") == {("counted", None): 10, ("held", "rate_loket"): 1}


# --- anomaly signals ------------------------------------------------------------------------------


def _history(org, officer, days=30, per_day=2):
    """An officer's varied, honest past: `per_day` responses a day for `days` days."""
    rng = random.Random(7)
    start = datetime(2026, 2, 1, 1, 0, tzinfo=timezone.utc)
    for day in range(days):
        for k in range(per_day):
            record_response(org.counter, Submission(
                scores={c: rng.choice((2, 3, 3, 4, 4)) for c in skm.UNSUR_CODES}, employee_id=officer.id,
                submitted_at=start + timedelta(days=day, hours=2 * k)))


def test_a_run_of_identical_answers_far_above_the_officers_history_is_held(org, db):
    officer = org.staff[0]
    _history(org, officer)
    start = datetime(2026, 3, 5, 1, 0, tzinfo=timezone.utc)
    for i in range(12):  # one every twelve minutes: never beyond the rate
        record_response(org.counter, Submission(scores=scores(1), employee_id=officer.id,
                                                submitted_at=start + timedelta(minutes=12 * i)))
    run = db.session.scalars(select(SkmResponse.hold_reason).where(SkmResponse.local_date == date(2026, 3, 5))
                             .order_by(SkmResponse.submitted_at)).all()
    assert run == [None] * 9 + ["identical_run"] * 3


def test_an_officer_without_history_is_not_held_for_identical_answers(org, db):
    start = datetime(2026, 3, 5, 1, 0, tzinfo=timezone.utc)
    for i in range(12):
        record_response(org.counter, Submission(scores=scores(4), employee_id=org.staff[0].id,
                                                submitted_at=start + timedelta(minutes=12 * i)))
    assert _statuses(db) == {("counted", None): 12}


def _evening(hour, minute=0):
    # 2026-03-05 in WITA (UTC+8).
    return datetime(2026, 3, 5, hour - 8, minute, tzinfo=timezone.utc)


def test_a_burst_outside_rostered_hours_is_held_but_one_evening_response_is_not(org, db):
    officer = org.staff[1]
    db.session.add(RosterEntry(counter_id=org.counter.id, employee_id=officer.id, weekday=None,
                               start_time=time(8, 0), end_time=time(16, 0), valid_from=date(2026, 1, 1)))
    record_response(org.counter, Submission(scores=scores(4, U1=3), employee_id=officer.id, channel="officer",
                                            submitted_at=_evening(19)))
    assert _statuses(db) == {("counted", None): 1}
    for i in range(4):
        record_response(org.counter, Submission(scores=scores(4, U2=1 + i), employee_id=officer.id, channel="officer",
                                                submitted_at=_evening(21, 10 * i)))
    reasons = db.session.scalars(select(SkmResponse.hold_reason).order_by(SkmResponse.submitted_at)).all()
    assert reasons == [None, None, None, None, "off_roster"]
    # Just after the shift, the hour still overlaps it: a queue that ran late is not a burst.
    for i in range(4):
        record_response(org.counter, Submission(scores=scores(3, U3=1 + i), employee_id=officer.id, channel="officer",
                                                submitted_at=datetime(2026, 3, 6, 8, 5 + i, tzinfo=timezone.utc)))
    assert db.session.scalar(select(func.count()).where(SkmResponse.local_date == date(2026, 3, 6),
                                                        SkmResponse.status == "counted")) == 4


def test_a_surge_just_before_an_appraisal_period_ends_is_held(org, db):
    officer = org.staff[0]
    _history(org, officer, days=28, per_day=1)
    db.session.add(AppraisalPeriod(instansi_id=org.instansi.id, name="Tahun 2026", citizen_from=date(2026, 1, 1),
                                   citizen_to=date(2026, 3, 5)))
    db.session.flush()
    rng = random.Random(3)
    start = datetime(2026, 3, 3, 0, 30, tzinfo=timezone.utc)
    for i in range(22):  # one every twenty minutes, varied answers
        record_response(org.counter, Submission(scores={c: rng.choice((3, 4)) for c in skm.UNSUR_CODES},
                                                employee_id=officer.id, submitted_at=start + timedelta(minutes=20 * i)))
    day = select(SkmResponse.hold_reason).where(SkmResponse.local_date == date(2026, 3, 3)).order_by(
        SkmResponse.submitted_at)
    assert db.session.scalars(day).all() == [None] * 19 + ["period_end"] * 3


def test_the_same_day_far_from_a_period_end_is_not_held(org, db):
    officer = org.staff[0]
    _history(org, officer, days=28, per_day=1)
    db.session.add(AppraisalPeriod(instansi_id=org.instansi.id, name="Tahun 2026", citizen_from=date(2026, 1, 1),
                                   citizen_to=date(2026, 6, 30)))
    rng = random.Random(3)
    start = datetime(2026, 3, 3, 0, 30, tzinfo=timezone.utc)
    for i in range(22):
        record_response(org.counter, Submission(scores={c: rng.choice((3, 4)) for c in skm.UNSUR_CODES},
                                                employee_id=officer.id, submitted_at=start + timedelta(minutes=20 * i)))
    assert _statuses(db, local_date=date(2026, 3, 3)) == {("counted", None): 22}


def test_a_period_saved_while_an_officer_surges_counts_from_the_next_response(org, db, rate_limits):
    """The rule remembers the instansi's citizen windows for the minute, but a commit outside the
    citizen's pages (HR saving a period) forgets them at once: the very next response of the
    minute is weighed against the new period."""
    rate_limits()
    officer = org.staff[0]
    _history(org, officer, days=28, per_day=1)
    rng = random.Random(3)
    moment = datetime(2026, 3, 3, 2, 0, tzinfo=timezone.utc)

    def respond():
        record_response(org.counter, Submission(scores={c: rng.choice((2, 3, 4)) for c in skm.UNSUR_CODES},
                                                employee_id=officer.id, submitted_at=moment))

    for _ in range(20):  # the twentieth is a surge, and no period ends: counted, the windows remembered
        respond()
    db.session.add(AppraisalPeriod(instansi_id=org.instansi.id, name="Tahun 2026", citizen_from=date(2026, 1, 1),
                                   citizen_to=date(2026, 3, 5)))
    db.session.commit()
    respond()
    day = select(SkmResponse.hold_reason).where(SkmResponse.local_date == date(2026, 3, 3)).order_by(SkmResponse.id)
    assert db.session.scalars(day).all() == [None] * 20 + ["period_end"]


# --- a busy honest day ----------------------------------------------------------------------------


def busy_day(seed: int, day: date, officers: int = 3, hours=(8, 16), per_hour: float = 62):
    """A Mal Pelayanan Publik loket on a busy honest day: citizens arrive at random (Poisson, with a
    morning peak around 09.45 and a quieter lunch hour), wait for one of the officers, are served
    in a few minutes each (log-normal, 2.6 minutes on average) and answer the form one to four
    minutes later; some name their officer. Returns (local moment, officer index or None, answers)
    in order."""
    rng = random.Random(seed)

    def rate(minute: float) -> float:
        hour = minute / 60
        peak = 1 + 0.6 * math.exp(-((hour - 9.75) / 1.1) ** 2)
        return per_hour / 60 * peak * (0.75 if 12 <= hour < 13 else 1)

    ceiling = per_hour / 60 * 1.8
    sigma = math.sqrt(math.log(1 + 0.35 ** 2))
    mu = math.log(2.6) - sigma ** 2 / 2
    free = [hours[0] * 60.0] * officers
    minute, answers = hours[0] * 60.0, []
    while True:
        minute += rng.expovariate(ceiling)
        if minute >= hours[1] * 60:
            break
        if rng.random() >= rate(minute) / ceiling:
            continue
        desk = min(range(officers), key=free.__getitem__)
        free[desk] = max(minute, free[desk]) + rng.lognormvariate(mu, sigma)
        at = free[desk] + rng.uniform(1, 4)
        mood = rng.choice((2, 3, 3, 3, 4, 4, 4, 4))
        scores = {c: min(4, max(1, mood + rng.choice((-1, 0, 0, 0, 0, 1)))) for c in skm.UNSUR_CODES}
        answers.append((datetime.combine(day, time(0)) + timedelta(minutes=at), desk if rng.random() < 0.6 else None,
                        scores))
    return sorted(answers, key=lambda a: a[0])


def test_a_busy_honest_day_at_a_mal_pelayanan_publik_is_almost_never_held(org, db):
    tz = org.instansi.tz
    officers = org.staff[:3]
    day = date(2026, 3, 4)
    responses = busy_day(2026, day)
    hours = (responses[-1][0] - responses[0][0]).total_seconds() / 3600
    assert 55 <= len(responses) / hours <= 75, "about 60 responses an hour"
    # The busiest five minutes of the day have more than the limit: a flat cap would hold them.
    moments = [at for at, _, _ in responses]
    assert max(bisect_right(moments, m + timedelta(minutes=5)) - i for i, m in enumerate(moments)) >= 9
    for at, desk, answers in responses:
        record_response(org.counter, Submission(scores=answers, employee_id=officers[desk].id if desk is not None
                                                else None, submitted_at=at.replace(tzinfo=tz)))
    held = db.session.scalar(select(func.count()).where(SkmResponse.status == "held"))
    assert held <= 0.01 * len(responses), (held, len(responses))


# --- review: release, reject --------------------------------------------------------------------


@pytest.fixture
def burst(app, org, db):
    for i in range(14):
        _browser_submits(app, "UJI01", ONES, officer=str(org.staff[0].id), comment=f"saran {i}")
    db.session.commit()
    return db.session.scalar(select(HoldGroup))


def _audit(app, action):
    """The one audit entry of this action, as `flask audit --json` prints it."""
    entries = json.loads(app.test_cli_runner().invoke(args=["audit", "--json"]).output)
    found = [e for e in entries if e["action"] == action]
    assert len(found) == 1, entries
    return found[0]


def _decide(client, group, button, reason="Diperiksa dengan rekaman antrean"):
    from tests.conftest import csrf_token

    token = csrf_token(client, "/integritas/")
    return client.post(f"/integritas/kelompok/{group.id}/putuskan",
                       data={"csrf_token": token, f"d{group.id}-reason": reason, f"d{group.id}-{button}": "1"})


def test_hr_releases_a_burst_and_it_counts_from_then_on(app, org, db, burst, hr_client):
    page = hr_client.get("/integritas/").get_data(as_text=True)
    assert "UJI01" in page and "rate_loket" in page and "1 1 1 1 1 1 1 1 1" in page and "Staf Uji 1" in page
    assert _n(org) == 10
    response = _decide(hr_client, burst, "release")
    assert response.status_code == 303
    db.session.expire_all()
    assert _statuses(db) == {("counted", None): 10, ("counted", "rate_loket"): 4}
    assert _n(org) == 14 and db.session.get(HoldGroup, burst.id).status == "released"
    listed = json.loads(app.test_cli_runner().invoke(args=["held", "--unit", "DUKCAPIL", "--json"]).output)
    assert {row["status"] for row in listed} == {"released"} and len(listed) == 4
    entry = _audit(app, "feedback.hold.release")
    assert (entry["actor"], entry["reason"], entry["object"]) == ("hr", "Diperiksa dengan rekaman antrean",
                                                                 f"hold_group:{burst.id}")
    assert entry["before"]["status"] == "open" and entry["after"]["status"] == "released"
    assert len(entry["after"]["responses"]) == 4
    # Decided once: a second decision changes nothing.
    assert _decide(hr_client, burst, "reject").status_code == 303
    db.session.expire_all()
    assert _n(org) == 14


def test_hr_rejects_a_burst_it_is_kept_and_never_counts(app, org, db, burst, hr_client):
    assert _decide(hr_client, burst, "reject", "Skrip: 14 jawaban sama dalam dua detik").status_code == 303
    db.session.expire_all()
    assert _statuses(db) == {("counted", None): 10, ("rejected", "rate_loket"): 4}
    assert _n(org) == 10
    group = db.session.get(HoldGroup, burst.id)
    assert group.status == "rejected" and group.decision_reason.startswith("Skrip")
    entry = _audit(app, "feedback.hold.reject")
    assert entry["reason"].startswith("Skrip") and entry["before"] == {"status": "open", "held": 4, "responses": None}
    assert entry["after"]["status"] == "rejected" and len(entry["after"]["responses"]) == 4
    # The database keeps a rejected response rejected, and never lets it go.
    rejected = db.session.scalar(select(SkmResponse.id).where(SkmResponse.status == "rejected"))
    with pytest.raises((IntegrityError, DBAPIError)):
        with db.session.begin_nested():
            db.session.execute(update(SkmResponse).where(SkmResponse.id == rejected).values(status="counted"))
    with pytest.raises((IntegrityError, DBAPIError)):
        with db.session.begin_nested():
            db.session.execute(SkmResponse.__table__.delete().where(SkmResponse.id == rejected))


def test_a_held_responses_saran_reaches_the_inbox_once_released(org, db, burst, hr_client):
    from portal.insight import followup

    def inbox_total():
        return followup.inbox(followup.InboxFilter(unit_ids=(org.unit.id,)))[1]

    assert inbox_total() == 10 and followup.status_counts([org.unit.id])["baru"] == 10
    assert "saran 13" in hr_client.get("/integritas/").get_data(as_text=True)  # the reviewer reads it
    _decide(hr_client, burst, "release")
    db.session.expire_all()
    assert inbox_total() == 14


def test_a_reason_is_required(org, db, burst, hr_client):
    _decide(hr_client, burst, "release", reason="")
    db.session.expire_all()
    assert db.session.get(HoldGroup, burst.id).status == "open" and _n(org) == 10


def test_a_unit_head_sees_and_comments_but_never_clears_his_own_units_burst(org, db, burst, head_client):
    from tests.conftest import csrf_token

    page = head_client.get("/integritas/").get_data(as_text=True)
    assert "UJI01" in page and "Lepaskan" not in page
    assert _decide(head_client, burst, "release").status_code == 403
    token = csrf_token(head_client, "/integritas/")
    response = head_client.post(f"/integritas/kelompok/{burst.id}/catatan",
                                data={"csrf_token": token, f"n{burst.id}-text": "Hari itu ada antrean panjang."})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(HoldGroup, burst.id).status == "open" and _n(org) == 10
    assert "Hari itu ada antrean panjang." in head_client.get("/integritas/").get_data(as_text=True)


def test_another_units_head_does_not_see_the_burst(org, db, burst, other_head_client):
    assert "UJI01" not in other_head_client.get("/integritas/").get_data(as_text=True)
    from tests.conftest import csrf_token

    token = csrf_token(other_head_client, "/integritas/")
    response = other_head_client.post(f"/integritas/kelompok/{burst.id}/catatan",
                                      data={"csrf_token": token, f"n{burst.id}-text": "x"})
    assert response.status_code == 403


def test_hr_cannot_release_a_burst_about_itself(app, org, db, factory):
    hr_employee = org.users["hr"].employee
    db.session.add(RosterEntry(counter_id=org.counter.id, employee_id=hr_employee.id, weekday=None,
                               start_time=time(0, 0), end_time=time(23, 59, 59), valid_from=date(2020, 1, 1)))
    db.session.commit()
    for _ in range(12):
        _browser_submits(app, "UJI01", FOURS, officer=str(hr_employee.id))
    db.session.commit()
    group = db.session.scalar(select(HoldGroup))
    assert not review.may_decide(org.users["hr"], group)
    second_hr = factory.user(org.instansi, "hr2", {"hr"})
    db.session.commit()
    assert review.may_decide(second_hr, group)
    hr = client_for(app, "hr")
    _decide(hr, group, "release")
    db.session.expire_all()
    assert db.session.get(HoldGroup, group.id).status == "open"
    assert _decide(client_for(app, "hr2"), group, "release").status_code == 303
    db.session.expire_all()
    assert db.session.get(HoldGroup, group.id).status == "released"


def test_one_open_alert_per_loket_and_kind(app, org, db):
    start = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)
    db.session.add(Alert(unit_id=org.unit.id, counter_id=org.counter.id, kind="negative", opened_at=start,
                         window_start=start, window_end=start, answers=10, negative=5, share_percent=50,
                         threshold_percent=30, status="open"))
    for burst_start in (start, start + timedelta(hours=2)):
        for i in range(12):
            record_response(org.counter, Submission(scores=scores(3, U5=1 + i % 4),
                                                    submitted_at=burst_start + timedelta(seconds=i)))
    assert db.session.scalar(select(func.count()).select_from(HoldGroup)) == 2
    kinds = db.session.execute(select(Alert.kind, func.count()).group_by(Alert.kind)).all()
    assert dict(kinds) == {"negative": 1, "held": 1}


def test_the_record_says_what_was_left_out(app, org, db, hr_client):
    from portal.appraisal import exports
    from portal.appraisal.merge import merge
    from portal.appraisal.models import AppraisalRecord
    from tests.portal.appraisal_helpers import make_period

    with clock.frozen(datetime(2026, 6, 2, 2, 0, tzinfo=timezone.utc)):
        for _ in range(14):
            _browser_submits(app, "UJI01", FOURS, officer=str(org.staff[0].id))
    period = make_period(org)
    merge(period)
    record = db.session.scalar(select(AppraisalRecord).where(AppraisalRecord.employee_id == org.staff[0].id))
    assert (record.citizen_n, record.citizen_held_n, record.citizen_rejected_n) == (10, 4, 0)
    db.session.commit()
    review.reject(db.session.scalar(select(HoldGroup)), org.users["hr"], "Skrip")
    merge(period)
    db.session.refresh(record)
    assert (record.citizen_n, record.citizen_held_n, record.citizen_rejected_n) == (10, 0, 4)
    line = next(l for l in exports.to_csv(exports.appraisal_rows(exports.Scope(period))).split("\r\n")
                if l.startswith(org.staff[0].nip + ","))
    # The held counts come right after the 22 fixed columns (status the 22nd).
    assert line.split(",")[21:24] == ["draft", "0", "4"]
    page = hr_client.get(f"/penilaian/catatan/{record.id}").get_data(as_text=True)
    assert "0 tanggapan yang menunggu tinjauan" in page and "4 yang ditolak atau ditarik" in page


def test_rebuilt_rollups_hold_only_counted_responses(org, db, burst):
    from portal.feedback.services import rebuild_rollups

    rebuild_rollups()
    assert db.session.scalar(select(func.sum(SkmDaily.n))) == 10


def test_the_rules_serialise_on_the_loket_and_officer_in_postgres(org, db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writing requests with BEGIN IMMEDIATE")
    from sqlalchemy import text

    holds.lock(db.session, org.counter.id, org.staff[0].id)
    locks = db.session.execute(text("SELECT classid, objid FROM pg_locks WHERE locktype = 'advisory' "
                                    "AND pid = pg_backend_pid() ORDER BY classid")).all()
    assert [tuple(row) for row in locks] == [(holds.LOKET_LOCK, org.counter.id), (holds.OFFICER_LOCK, org.staff[0].id)]

"""Where a date is cut, it is cut at the instansi's midnight, in WIB, WITA and WIT alike: two
answers one second apart, at 23:59:59 on 31 March and at 00:00:00 on 1 April local time, fall on
different days, months and quarters in every feature that counts by day (the stored response,
the ikm command, the dashboard's presets and dates, the laporan, kiosk votes, appraisal periods,
360 cycles and queue tickets). The paper import's boundary is in test_feedback_import.py."""
import json
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal import clock
from portal.appraisal.merge import merge
from portal.appraisal.periods import create_period
from portal.counters.services import TicketRefused, issue_tickets, ticket_rows
from portal.feedback.models import SkmResponse
from portal.feedback.services import Submission, record_response
from portal.insight import report
from portal.kiosk import services as kiosk
from portal.reviews import raters
from portal.reviews import services as reviews
from tests.portal.appraisal_helpers import BACK, FRONT, cycle_invitations, record_of

ZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")  # WIB, WITA, WIT
LAST = date(2026, 3, 31)  # the last day of a month and of a quarter
FIRST = date(2026, 4, 1)
GOOD = {f"U{i}": 4 for i in range(1, 10)}


@pytest.fixture(params=ZONES, ids=lambda zone: zone.split("/")[1])
def zone(request, org, db):
    org.instansi.timezone = request.param
    db.session.commit()
    tz = ZoneInfo(request.param)
    return tz, datetime.combine(LAST, time(23, 59, 59), tz), datetime.combine(FIRST, time(0, 0), tz)


@pytest.fixture
def answers(zone, org, db):
    """One answer at 23:59:59 on 31 March and one at 00:00:00 on 1 April, both naming Staf Uji 1."""
    _tz, late, early = zone
    for moment in (late, early):
        record_response(org.counter, Submission(scores=GOOD, employee_id=org.staff[0].id, submitted_at=moment))
    db.session.commit()
    return late, early


def test_each_answer_is_stored_on_its_local_day(answers, db):
    stored = db.session.execute(select(SkmResponse.local_date, SkmResponse.local_hour, SkmResponse.local_weekday)
                                .order_by(SkmResponse.submitted_at)).all()
    assert [tuple(r) for r in stored] == [(LAST, 23, 1), (FIRST, 0, 2)]


@pytest.mark.parametrize("day", [LAST, FIRST])
def test_the_ikm_command_counts_one_answer_a_day(runner, answers, day):
    result = runner.invoke(args=["ikm", "--unit", "DUKCAPIL", "--from", day.isoformat(), "--to", day.isoformat(), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["n"] == 1


def test_the_dashboard_cuts_months_quarters_and_dates_at_local_midnight(answers, head_client, zone):
    _tz, _late, early = zone
    with clock.frozen(early + timedelta(seconds=30)):
        for preset in ("bulan", "triwulan"):
            html = head_client.get(f"/dasbor/unit/DUKCAPIL?periode={preset}").get_data(as_text=True)
            assert "1 responden;" in html, preset
        html = head_client.get("/dasbor/unit/DUKCAPIL?periode=tahun").get_data(as_text=True)
        assert "2 responden;" in html
        html = head_client.get(f"/dasbor/unit/DUKCAPIL?dari={LAST}&sampai={LAST}").get_data(as_text=True)
        assert "1 responden;" in html


def test_the_laporan_counts_by_local_day(answers, org):
    assert report.build(org.unit, LAST, LAST).n == 1
    assert report.build(org.unit, date(2026, 1, 1), LAST).n == 1  # Triwulan I
    assert report.build(org.unit, FIRST, date(2026, 6, 30)).n == 1  # Triwulan II


def test_kiosk_votes_land_on_their_local_day(zone, org, db):
    _tz, late, early = zone
    _pairing, code = kiosk.create_pairing(org.counter, org.users["hr"], "test-secret", now=late - timedelta(minutes=5))
    device, _token = kiosk.enrol_device(org.counter, code, "Tablet", "test-secret", now=late - timedelta(minutes=4))
    for moment, key in ((late, "a"), (early + timedelta(seconds=10), "b")):
        kiosk.record_vote(device, 4, key, 0, now=moment)
    db.session.commit()
    summary_last = kiosk.kiosk_summary(counter_id=org.counter.id, instansi_id=org.instansi.id, date_from=LAST, date_to=LAST)
    summary_first = kiosk.kiosk_summary(counter_id=org.counter.id, instansi_id=org.instansi.id, date_from=FIRST,
                                        date_to=FIRST)
    assert (summary_last.n, summary_first.n) == (1, 1)


def test_an_appraisal_period_counts_citizens_up_to_its_last_local_day(answers, org):
    period = create_period(org.instansi, "Triwulan I", "triwulan", date(2026, 1, 1), LAST, [],
                                     {"front_line": FRONT, "back_office": BACK}, (80, 60), 1, ["U6", "U7"])
    merge(period)
    assert record_of(period, org.staff[0]).citizen_n == 1


def test_a_360_cycle_takes_answers_until_local_midnight_of_its_last_day(zone, org, db):
    _tz, late, early = zone
    cycle = reviews.create_cycle(org.instansi, name="Triwulan I", period_kind="triwulan", opens_on=date(2026, 1, 5),
                                 closes_on=LAST, unit_ids=[org.unit.id])
    raters.propose_raters(cycle)
    reviews.transition(cycle, "open", org.instansi, now=datetime(2026, 1, 5, 9, tzinfo=late.tzinfo))
    first, second = cycle_invitations(cycle)[:2]
    scores = reviews.Answers({item.id: 4 for item in cycle.questionnaire.items})
    reviews.submit(first, scores, org.instansi, first.rater, now=late)
    with pytest.raises(reviews.ReviewError):
        reviews.submit(second, scores, org.instansi, second.rater, now=early)


def test_a_ticket_is_valid_until_local_midnight_two_days_after_its_day(zone, org, client, db):
    tz, late, early = zone
    with clock.frozen(late):  # tickets for a day can be printed until its last second
        batch = issue_tickets(org.counter, LAST, 1)
    with clock.frozen(early), pytest.raises(TicketRefused):
        issue_tickets(org.counter, LAST, 1)
    db.session.commit()
    code = ticket_rows(batch)[0].code
    for moment, status in ((datetime.combine(LAST, time(0, 0), tz) - timedelta(seconds=1), 410),  # not its day yet
                           (datetime.combine(LAST, time(0, 0), tz), 200),
                           (datetime.combine(LAST + timedelta(days=3), time(0, 0), tz) - timedelta(seconds=1), 200),
                           (datetime.combine(LAST + timedelta(days=3), time(0, 0), tz), 410)):
        with clock.frozen(moment):
            response = client.get(f"/t/{code}")
        assert response.status_code == status, moment
        if status == 410:
            assert "Tiket sudah kedaluwarsa" in response.get_data(as_text=True)

"""What the citizen's path remembers in a process (`portal.caches`): the form's GET reads the loket
and who is on duty from the current minute's memory, and a response that is not negative checks
the alert rule at most every ten seconds per loket. A staff change in the same process shows at
once; another process's change within the minute; nothing is ever stored on a stale value."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, func, select, update

from portal import clock
from portal.feedback.models import SkmResponse
from portal.insight import alerts
from portal.insight.models import Alert
from portal.org.models import Counter
from tests.portal.test_alerts import respond
from tests.portal.test_feedback_form import ALL_FOUR, form_fields

NOW = datetime(2026, 3, 10, 1, 0, 5, tzinfo=timezone.utc)  # 09.00 WITA, a Tuesday


@pytest.fixture
def statements(db):
    """The SQL statements run while the list is recording."""
    seen: list[str] = []
    engine = db.engine

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_a_second_look_at_the_form_in_the_same_minute_reads_no_database(client, org, statements):
    with clock.frozen(NOW):
        first, html = form_fields(client, "/s/UJI01")
        statements.clear()
        second, again = form_fields(client, "/s/UJI01")
    assert statements == []
    assert "Staf Uji 1" in again and first["form_key"] != second["form_key"]


def test_a_loket_closed_by_staff_closes_its_form_at_once(client, org, db):
    with clock.frozen(NOW):
        assert client.get("/s/UJI01").status_code == 200
        org.counter.active = False
        db.session.commit()
        assert client.get("/s/UJI01").status_code == 410


def test_another_processes_change_shows_within_the_minute_and_the_post_is_never_stale(client, org, db):
    """A change that this process did not commit (another gunicorn worker's) is not seen by the
    GET until the minute turns; the POST reads the loket afresh and stores nothing."""
    with clock.frozen(NOW) as advance:
        fields, _ = form_fields(client, "/s/UJI01")
        # As another process would: the row changes, and no commit runs in this one.
        db.session.execute(update(Counter).where(Counter.id == org.counter.id).values(active=False))
        assert client.get("/s/UJI01").status_code == 200
        response = client.post("/s/UJI01", data={**fields, **ALL_FOUR})
        assert response.status_code == 410 and "tidak aktif" in response.get_data(as_text=True)
        assert db.session.scalar(select(func.count(SkmResponse.id))) == 0
        advance(timedelta(minutes=1))
        assert client.get("/s/UJI01").status_code == 410


def test_a_roster_change_from_another_process_shows_when_the_minute_turns(client, org, db):
    from portal.org.models import RosterEntry

    with clock.frozen(NOW) as advance:
        assert "Staf Uji 1" in client.get("/s/UJI01").get_data(as_text=True)
        db.session.execute(update(RosterEntry).where(RosterEntry.counter_id == org.counter.id)
                           .values(valid_to=NOW.date() - timedelta(days=1)))
        assert "Staf Uji 1" in client.get("/s/UJI01").get_data(as_text=True)
        advance(timedelta(minutes=1))
        assert "Staf Uji 1" not in client.get("/s/UJI01").get_data(as_text=True)


@pytest.fixture
def checks(monkeypatch):
    """The (loket, moment) of every check of the alert rule made after a stored answer."""
    made = []
    real_check = alerts.check_counter

    def check(*args, **kwargs):
        made.append(args)
        return real_check(*args, **kwargs)

    monkeypatch.setattr(alerts, "check_counter", check)
    return made


def test_a_negative_answer_always_checks_the_alert_rule(db, org):
    for second in range(10):
        respond(org.counter, NOW + timedelta(seconds=second), negative=True)
    alert = db.session.scalar(select(Alert))
    assert alert is not None and (alert.answers, alert.negative) == (10, 10)


def test_other_answers_check_the_rule_at_most_every_ten_seconds(db, org, checks):
    """Nine negative answers, under the minimum of ten; the tenth answer, a good one, tips the
    window. Within ten seconds of the last check it does not check; the next answer after the
    ten seconds does, and `flask check-alerts` (cron) finds it without one."""
    for second in range(9):
        respond(org.counter, NOW + timedelta(seconds=second), negative=True)
    assert len(checks) == 9 and db.session.scalar(select(Alert)) is None
    respond(org.counter, NOW + timedelta(seconds=9))             # good, 1 s after the last check
    assert len(checks) == 9 and db.session.scalar(select(Alert)) is None
    opened = alerts.check_alerts(org.instansi, NOW + timedelta(seconds=9))
    assert [a.answers for a in opened] == [10]


def test_a_good_answer_ten_seconds_after_the_last_check_checks_again(db, org, checks):
    respond(org.counter, NOW)
    respond(org.counter, NOW + timedelta(seconds=9))
    respond(org.counter, NOW + timedelta(seconds=10))
    assert [args[1] for args in checks] == [NOW, NOW + timedelta(seconds=10)]


def test_a_staff_commit_forgets_when_the_rule_was_checked(db, org, checks):
    """The unit head may change the rule: after any commit that is not a citizen's, the next answer checks."""
    respond(org.counter, NOW)
    db.session.commit()
    respond(org.counter, NOW + timedelta(seconds=1))
    assert len(checks) == 2


def test_a_staff_page_that_only_reads_leaves_the_memories_warm(client, org, db, statements):
    """The memories are forgotten at a commit that wrote, not at every request: the unit head
    looking at her dashboard or a health probe between two citizens costs the second citizen
    no query."""
    from tests.conftest import client_for

    staff = client_for(client.application, "admin")
    with clock.frozen(NOW):
        form_fields(client, "/s/UJI01")
        assert staff.get("/healthz").status_code == 200
        assert staff.get("/").status_code == 200
        statements.clear()
        form_fields(client, "/s/UJI01")
    assert statements == []


def test_a_change_written_as_a_statement_forgets_the_memories_too(client, org, db):
    """Not only the ORM's flush counts as a write: an UPDATE run as a statement does as well."""
    with clock.frozen(NOW):
        assert client.get("/s/UJI01").status_code == 200
        db.session.execute(update(Counter).where(Counter.id == org.counter.id).values(active=False))
        db.session.commit()
        assert client.get("/s/UJI01").status_code == 410

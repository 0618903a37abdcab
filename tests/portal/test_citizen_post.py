"""The citizen's POST on a busy portal: its checks hold no lock, the response's moment is read only
once the loket's lock is held (so the rate rule counts every response stored before it), and a
citizen's requests carry no cookie they do not need."""
from __future__ import annotations

import itertools
import re
import threading
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, literal, select, text

from portal import clock
from portal.feedback import holds
from portal.feedback.models import SkmResponse
from portal.feedback.services import Submission, record_response
from portal.org.models import Counter
from surveys import skm
from tests.conftest import examples
from tests.portal.conftest import wait_for_a_lock_wait, write_queue_joined

CODE = "UJI01"
ANSWERS = {f"u{i}": "3" for i in range(1, 10)}


@pytest.fixture
def stepping_clock():
    """A clock that moves one second on at every reading, in every thread: two moments read one
    after the other are never equal."""
    start = datetime(2026, 3, 3, 2, 0, tzinfo=timezone.utc)  # a Tuesday, 10:00 WITA
    seconds = itertools.count()
    clock.set_clock(lambda: start + timedelta(seconds=next(seconds)))
    yield
    clock.set_clock(None)


def _form(client) -> dict[str, str]:
    html = client.get(f"/s/{CODE}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    key = re.search(r'id="form_key" name="form_key" type="hidden" value="([^"]+)"', html).group(1)
    return {"csrf_token": csrf, "form_key": key, **ANSWERS}


def test_a_response_that_waited_for_the_loket_counts_every_one_stored_before_it(shared, stepping_clock, monkeypatch):
    """Another response at the loket is being stored (its transaction holds the loket) when a
    citizen sends the form; the citizen's POST waits, and the other is stored with a later moment
    than the POST's arrival. With a limit of one response per window, the citizen's response must
    be held: its moment is read after the wait, so the other one is in its window. (Read before
    the wait, both would count, one over the limit: parallel sending would beat the rate rule.)"""
    from portal.extensions import db as _db
    from portal.feedback.loket import find_loket

    shared.config.update(CERMIN_RATE_LIMIT=1)
    with shared.app_context():
        engine = _db.engine
        dialect = engine.dialect.name
    # SQLite: the citizen's writing transaction queues before its BEGIN IMMEDIATE.
    waiting = write_queue_joined(monkeypatch, "citizen")
    answers = {}

    def citizen():
        browser = shared.test_client()
        answers["post"] = browser.post(f"/s/{CODE}", data=_form(browser))

    thread = threading.Thread(target=citizen, name="citizen")
    with shared.app_context():
        counter = _db.session.scalar(select(Counter).where(Counter.code == CODE))
        if dialect == "sqlite":
            # A write holds SQLite's lock as the other response's transaction would.
            _db.session.execute(text("UPDATE counter SET name = name WHERE id = :id"), {"id": counter.id})
        else:
            from portal.feedback import holds

            holds.lock(_db.session, counter.id, None)
        try:
            thread.start()
            if dialect == "sqlite":
                assert waiting.wait(60), "the citizen's POST never waited for the lock"
            else:
                wait_for_a_lock_wait(engine, "the citizen's POST never waited for the loket's lock",
                                     "locktype = 'advisory'")
            other = record_response(find_loket(CODE), Submission(scores=dict.fromkeys(skm.UNSUR_CODES, 3)))
            _db.session.commit()
        finally:
            _db.session.rollback()
            thread.join(60)
    assert not thread.is_alive()
    assert answers["post"].status_code == 303, answers["post"].get_data(as_text=True)[:500]
    with shared.app_context():
        rows = _db.session.execute(select(SkmResponse.id, SkmResponse.submitted_at, SkmResponse.status,
                                          SkmResponse.hold_reason).order_by(SkmResponse.id)).all()
    assert [(row.status, row.hold_reason) for row in rows] == [("counted", None), ("held", "rate_loket")]
    assert rows[0].id == other.id and rows[1].submitted_at > rows[0].submitted_at


def test_the_citizens_checks_run_before_the_write_lock(shared, request):
    """On SQLite a citizen's POST reads the loket, its form key and the roster in a plain read
    transaction; only the storing begins with BEGIN IMMEDIATE, so writers queue for their writes
    alone."""
    if request.config.getoption("--db") == "postgres":
        pytest.skip("SQLite's write lock")
    from portal.extensions import db as _db

    with shared.app_context():
        engine = _db.engine
    browser = shared.test_client()
    fields = _form(browser)
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        response = browser.post(f"/s/{CODE}", data=fields)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert response.status_code == 303
    immediate = statements.index("BEGIN IMMEDIATE")
    before, after = statements[:immediate], statements[immediate:]
    # The checks read outside any transaction: no BEGIN to send, and nothing to roll back.
    assert any(s.startswith("SELECT counter.id") for s in before)
    assert all(s.startswith("SELECT") for s in before), before
    assert any("INSERT INTO skm_response" in s for s in after)


def test_a_citizen_gets_no_cookie_it_does_not_need(shared):
    """The form sets the session cookie that holds its CSRF token once. Sending it sets only the
    device's count, and opening the form again sets nothing: no rewritten session and no
    deletion of a login cookie the portal never set, on every request of a slow phone."""
    browser = shared.test_client()
    first = browser.get(f"/s/{CODE}")
    assert [c.split("=")[0] for c in first.headers.getlist("Set-Cookie")] == ["session"]
    fields = _form(browser)
    sent = browser.post(f"/s/{CODE}", data=fields)
    assert sent.status_code == 303
    assert [c.split("=")[0] for c in sent.headers.getlist("Set-Cookie")] == ["cermin_votes"]
    assert browser.get(f"/s/{CODE}").headers.getlist("Set-Cookie") == []
    assert browser.get(sent.headers["Location"]).headers.getlist("Set-Cookie") == []


def test_the_rollups_a_citizen_adds_to_are_those_rebuilt_from_the_responses(app, org, db, rate_limits):
    """Whatever way the response and its rollup increments are stored (on PostgreSQL one
    statement, on SQLite three), the rollups equal those rebuilt from the stored responses: every
    sum, square and product, daily and hourly."""
    from portal.feedback.models import SkmDaily, SkmHourly
    from portal.feedback.services import rebuild_rollups

    rate_limits()
    for i in range(12):
        client = app.test_client()  # one phone each: a device may answer a loket three times a day
        fields = _form(client)
        answers = {f"u{u}": str(1 + (i * u) % 4) for u in range(1, 10)}
        officer = {"officer": str(org.staff[0].id)} if i % 3 else {}
        assert client.post(f"/s/{CODE}", data={**fields, **answers, **officer}).status_code == 303

    def rollups():
        daily = db.session.execute(select(SkmDaily.__table__).order_by(SkmDaily.employee_key)).all()
        hourly = db.session.execute(select(SkmHourly.__table__).order_by(SkmHourly.local_hour)).all()
        return ([row._asdict() | {"id": None} for row in daily], [row._asdict() | {"id": None} for row in hourly])

    added = rollups()
    rebuild_rollups()
    assert rollups() == added
    assert sum(row["n"] for row in added[0]) == sum(row["n"] for row in added[1]) == 12


_COUNT = st.integers(0, 12)


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(loket_recent=_COUNT, officer_recent=_COUNT, officer_hour=_COUNT, officer_today=st.integers(0, 40),
       run_n=st.integers(0, holds.RUN - 1), run_same=st.integers(0, holds.RUN - 1), with_officer=st.booleans())
def test_what_the_databases_quiet_test_lets_through_no_rule_would_hold(app, org, db, loket_recent, officer_recent,
                                                                         officer_hour, officer_today, run_n,
                                                                         run_same, with_officer):
    """On PostgreSQL a web response is stored in the statement that reads its signals when the
    database finds them quiet (`holds.quiet`); the rules in Python (`hold_reason`) decide the
    rest. Whatever the database lets through, the rules would count: a loket's or an officer's
    rate, and a run of identical answers, are never skipped. Checked on either database."""
    from portal.feedback.loket import Loket
    from portal.localtime import stamp

    run_same = min(run_same, run_n)
    signals = holds.Signals(loket_recent, officer_recent, officer_hour, officer_today, baseline=0, run_n=run_n,
                            run_same=run_same, run_start=datetime(2026, 3, 3, 1, 0, tzinfo=timezone.utc))
    loket = Loket.of(org.counter)
    rule = holds.limits(loket)
    columns = select(*(literal(getattr(signals, name)).label(name) for name in (
        "loket_recent", "officer_recent", "run_n", "run_same"))).cte("signals")
    quiet = db.session.execute(select(holds.quiet(columns, with_officer)),
                               {"loket_limit": rule.loket, "officer_limit": rule.officer}).scalar()
    local = stamp(datetime(2026, 3, 3, 2, 0, tzinfo=timezone.utc), loket.unit.instansi.tz)
    assert holds.quiet_possible(loket, "web", local)
    employee_id = org.staff[0].id if with_officer else None
    reason = holds.hold_reason(loket, "web", employee_id, scores_of(ANSWERS), local, signals=signals)
    if quiet:
        assert reason is None
    if not with_officer:
        assert bool(quiet) == (reason is None)  # without an officer, the loket's rate is the one rule


def scores_of(answers: dict[str, str]) -> dict[str, int]:
    return {key.upper(): int(value) for key, value in answers.items()}


def test_a_citizens_answer_on_postgresql_is_one_statement_after_the_lock(shared, postgres):
    """On PostgreSQL the answer's round trips, after the loket's lock: one statement reads the
    rules' signals and stores the response with its rollups (the lock is its own statement, before
    it: a statement's snapshot is taken before its lock is granted). The second citizen of the
    minute is measured: the first read the period's windows and checked the alerts."""
    if postgres is None:
        pytest.skip("PostgreSQL's statements")
    from portal.extensions import db as _db

    with shared.app_context():
        engine = _db.engine
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(" ".join(statement.split()))

    with clock.frozen(datetime(2026, 3, 3, 2, 0, 30, tzinfo=timezone.utc)):  # one minute, any day
        first = shared.test_client()
        assert first.post(f"/s/{CODE}", data={**_form(first), **ANSWERS}).status_code == 303
        client = shared.test_client()
        fields = _form(client)
        event.listen(engine, "before_cursor_execute", seen)
        try:
            assert client.post(f"/s/{CODE}", data={**fields, **ANSWERS}).status_code == 303
        finally:
            event.remove(engine, "before_cursor_execute", seen)
    locking = [i for i, s in enumerate(statements) if "pg_advisory_xact_lock" in s]
    assert len(locking) == 1 and statements[locking[0]].startswith("SELECT counter.id")  # the loket's read
    after_lock = statements[locking[0] + 1:]
    assert len(after_lock) == 1 and after_lock[0].startswith("WITH signals AS")


def test_the_lock_taken_with_the_lokets_read_counts_for_its_own_transaction_only(app, org, db, postgres):
    """`holds.lock` trusts a lock taken by the loket's read only in the same transaction and for
    the same loket and officer: after a commit, or for another officer, it takes the lock."""
    if postgres is None:
        pytest.skip("PostgreSQL's advisory locks")
    from portal.feedback.loket import loket_for_answer

    officer = org.staff[0].id
    taken: list[str] = []

    def seen(conn, cursor, statement, *args):
        if "pg_advisory_xact_lock" in statement:
            taken.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        loket, _on_duty = loket_for_answer(CODE.lower(), officer)
        holds.lock(db.session, loket.id, officer)
        holds.lock(db.session, loket.id, None)
        assert len(taken) == 1  # held already
        holds.lock(db.session, loket.id, officer + 1)
        assert len(taken) == 2  # another officer
        db.session.commit()
        holds.lock(db.session, loket.id, officer)
        assert len(taken) == 3  # a new transaction holds nothing
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
        db.session.rollback()


@pytest.mark.parametrize("sent", ["99999999999", "abc", "-1", "00", "1e3", " 7"])
def test_an_officer_field_that_names_no_officer_gets_the_forms_message(app, org, db, sent):
    """The officer field as sent keys the rules' lock only when it can be an officer's id; anything
    else, however long, is the form's message in the citizen's language, and nothing is stored."""
    client = app.test_client()
    response = client.post(f"/s/{CODE}", data={**_form(client), **ANSWERS, "officer": sent})
    assert response.status_code == 400
    assert "Petugas yang dipilih tidak dikenal." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SkmResponse)) == 0

"""Frozen statements on the driver's own cursor (`portal.sql.execute_core`), SQLite's and
psycopg's: the same rows stored with the same converted values as through the engine, rows read
as the engine's, the engine's errors, and the engine's path whenever someone watches the
statements. A connection lost under the cursor: `test_connection_pool.py`."""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import Integer, bindparam, event, literal_column, select, text
from sqlalchemy.exc import IntegrityError, MultipleResultsFound, NoResultFound, StatementError

from portal.feedback.models import SkmResponse
from portal.feedback.services import Submission, record_response
from portal.sql import CursorRows, _cursor_form, execute_core, frozen

MOMENT = datetime(2026, 6, 9, 2, 0, 30, 123456, tzinfo=timezone.utc)
SCORES = {f"U{i}": 1 + i % 4 for i in range(1, 10)}


def _stored(db, response_id: int) -> dict:
    """A stored response as the database holds it (raw text and integers), without its id and key."""
    row = db.session.execute(text("SELECT * FROM skm_response WHERE id = :id"), {"id": response_id}).one()
    values = dict(row._mapping)
    for name in ("id", "idempotency_key"):
        values.pop(name)
    return values


def _watching(engine):
    seen: list[str] = []

    def listener(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    return seen, lambda: event.remove(engine, "before_cursor_execute", listener)


def test_a_response_is_stored_alike_on_the_cursor_and_through_the_engine(app, db, org, monkeypatch):
    """The citizen's answer, its hold rules and rollups run on the driver's cursor; through the
    engine (a listener watching) the same answer is stored with byte-for-byte the same values,
    and both read back through the ORM as the same aware timestamp and date."""
    import portal.sql

    on_cursor = []
    original = portal.sql._on_driver_cursor
    monkeypatch.setattr(portal.sql, "_on_driver_cursor", lambda *args: on_cursor.append(args[1]) or original(*args))
    stored = []
    for watched in (False, True):
        submission = Submission(scores=SCORES, employee_id=org.staff[0].id, officer_on_duty=True,
                                idempotency_key=f"key-{watched}", submitted_at=MOMENT,
                                profile={"gender": "P", "age_range": "30-39"})
        if watched:
            seen, stop = _watching(db.engine)
        try:
            stored.append(record_response(org.counter, submission).id)
        finally:
            if watched:
                stop()
    assert any("INSERT INTO skm_response" in s for s in seen)  # the watched one went through the engine
    if db.engine.dialect.name == "sqlite":
        assert len(on_cursor) == 3  # the answer with its rules' signals, and its two rollups
    else:
        assert len(on_cursor) == 1  # all in one statement
        sent = _cursor_form(on_cursor[0], db.engine.dialect)[0]
        assert sent in seen  # psycopg is given the very SQL the engine gives it
    assert _stored(db, stored[0]) == _stored(db, stored[1])
    for response_id in stored:
        response = db.session.get(SkmResponse, response_id)
        assert response.submitted_at == MOMENT and response.local_date == date(2026, 6, 9)
        assert response.status == "counted" and response.u1 == SCORES["U1"]


def test_rows_read_as_the_engines_would(app, db):
    statement = frozen(select(literal_column("1").label("one"), literal_column("2").label("two"))
                       .where(bindparam("n", type_=Integer) > literal_column("0")), db.engine.dialect.name)
    result = execute_core(statement, {"n": 1})
    assert type(result) is CursorRows
    row = result.one()
    assert tuple(row) == (1, 2) and row.one == 1 and row.two == 2 and row._mapping == {"one": 1, "two": 2}
    assert execute_core(statement, {"n": 1}).scalar() == 1
    assert execute_core(statement, {"n": 0}).first() is None
    assert execute_core(statement, {"n": 0}).scalar() is None
    with pytest.raises(NoResultFound):
        execute_core(statement, {"n": 0}).one()
    twice = text("SELECT 1 UNION ALL SELECT 2")
    assert [tuple(row) for row in execute_core(twice, {}).all()] == [(1,), (2,)]
    with pytest.raises(MultipleResultsFound):
        execute_core(twice, {}).one()


def test_a_missing_parameter_is_the_engines_error(app, db):
    with pytest.raises(StatementError):
        execute_core(text("SELECT :a + :b"), {"a": 1})


def test_a_refused_row_is_the_engines_error_and_the_transaction_goes_on(app, db, org):
    """A CHECK constraint refuses a score of 9: raised as SQLAlchemy's IntegrityError (what the
    portal's error pages know), with the driver's error inside; nothing was stored."""
    bad = {**SCORES, "U1": 9}
    before = db.session.scalar(select(SkmResponse.id).order_by(SkmResponse.id.desc()).limit(1))
    statement = text("INSERT INTO skm_response (instansi_id, unit_id, counter_id, submitted_at, local_date, "
                     "local_hour, local_weekday, " + ", ".join(f"u{i}" for i in range(1, 10)) +
                     ", negative, channel, status) VALUES (:instansi, :unit, :counter, '2026-06-09 02:00:00', "
                     "'2026-06-09', 10, 1, " + ", ".join(f":u{i}" for i in range(1, 10)) + ", FALSE, 'web', 'counted')")
    values = {"instansi": org.counter.unit.instansi_id, "unit": org.counter.unit_id, "counter": org.counter.id,
              **{f"u{i}": bad[f"U{i}"] for i in range(1, 10)}}
    savepoint = db.session.begin_nested()
    with pytest.raises(IntegrityError) as raised:
        execute_core(statement, values)
    savepoint.rollback()
    assert "CHECK" in str(raised.value.orig).upper() or "check" in str(raised.value.orig)
    assert db.session.scalar(select(SkmResponse.id).order_by(SkmResponse.id.desc()).limit(1)) == before


def test_many_rows_of_parameters_go_through_the_engine(app, db):
    """An executemany (a list of parameter sets, the rollups' bulk upsert) is the engine's."""
    result = execute_core(text("UPDATE skm_response SET u1 = u1 WHERE id = :n"), [{"n": 1}, {"n": 2}])
    assert type(result) is not CursorRows

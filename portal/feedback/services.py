"""Recording citizen feedback: one response, its saran and its rollups in one transaction."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from types import SimpleNamespace

from sqlalchemy import Integer, bindparam, cast, delete, func, insert, literal_column, select

from portal import clock, events
from portal.db import start_writing
from portal.extensions import db
from portal.feedback import holds
from portal.feedback.loket import Loket
from portal.feedback.models import (
    PRODUCT_COLUMNS,
    SQUARE_COLUMNS,
    UNSUR_COLUMNS,
    WEB_CHANNELS,
    SkmComment,
    SkmDaily,
    SkmHourly,
    SkmResponse,
)
from portal.localtime import stamp
from portal.rollups import adding, upsert_increments
from portal.org.models import Counter, Employee
from portal.sql import dialect_insert, execute_core, frozen, frozen_statement
from surveys import alerts, skm
from surveys.errors import DomainError
from surveys.i18n import N_

MAX_COMMENT = 1000
PROFILE_FIELDS = {
    "gender": {code for code, _ in skm.GENDERS},
    "age_range": {code for code, _ in skm.AGE_RANGES},
    "education": {code for code, _ in skm.EDUCATION},
    "occupation": {code for code, _ in skm.OCCUPATIONS},
}


class FeedbackError(DomainError):
    """A response that cannot be stored as given."""


@dataclass
class Submission:
    """A citizen's answers, already checked for shape by the form or the importer.

    For the web channels the form has checked that a chosen officer is on duty at the loket now
    (a name plate's officer was on duty when the form was opened) and that a ticket's signature is
    genuine and the ticket unused.
    """

    scores: dict[str, int]
    employee_id: int | None = None
    comment: str = ""
    profile: dict[str, str | None] | None = None
    channel: str = "web"
    idempotency_key: str | None = None
    ticket_code: str | None = None
    import_key: str | None = None
    submitted_at: datetime | None = None
    #: The form has just read the officer as on duty at the loket (`on_duty`: active, of the
    #: loket's instansi), so `record_response` need not read them again.
    officer_on_duty: bool = False


class Duplicate(Exception):
    """The same form, ticket or paper row was stored before; nothing new was written."""


_OFFICER = select(Employee.active, Employee.instansi_id).where(Employee.id == bindparam("employee_id"))


def check_officer(counter: Counter | Loket, employee_id: int | None) -> None:
    """The officer must be an active employee of the loket's instansi."""
    if employee_id is None:
        return
    row = execute_core(_OFFICER, {"employee_id": employee_id}).first()
    if row is None or not row.active or row.instansi_id != counter.unit.instansi_id:
        raise FeedbackError(N_("Petugas yang dipilih tidak dikenal."))


def clean_profile(profile: dict[str, str | None] | None) -> dict[str, str | None]:
    cleaned: dict[str, str | None] = {}
    for field, allowed in PROFILE_FIELDS.items():
        value = (profile or {}).get(field) or None
        if value is not None and value not in allowed:
            raise FeedbackError(N_("Pilihan profil responden tidak valid."))
        cleaned[field] = value
    return cleaned


#: Every column of skm_response but its id, in the order of the INSERT.
_RESPONSE_COLUMNS = tuple(c.name for c in SkmResponse.__table__.columns if c.name != "id")


@lru_cache(maxsize=None)
def _insert_response(dialect: str):
    """INSERT … ON CONFLICT DO NOTHING RETURNING id: no row back means the form, ticket or paper
    row was stored before (every unique key of skm_response is one of those three)."""
    statement = (dialect_insert(SkmResponse.__table__, dialect).on_conflict_do_nothing()
                 .returning(SkmResponse.__table__.c.id))
    return frozen_statement(statement, dialect, _RESPONSE_COLUMNS)


_INSERT_COMMENT = insert(SkmComment.__table__)


class StoredResponse(SimpleNamespace):
    """A stored response's values with its id, as `record_response` wrote them: the attributes of
    an SkmResponse, without the cost of an ORM object on the citizen's path."""


def record_response(counter: Counter | Loket, submission: Submission) -> StoredResponse:
    """Store one complete response with its saran, and add it to the rollups when it counts; raise
    Duplicate if already stored.

    A web response that the plausibility rules hold (`portal/feedback/holds.py`) is stored with
    its hold reason in its loket's burst, left out of the rollups until reviewed. The loket is a
    Counter or a Loket. Returns the stored row's values (`StoredResponse`). A duplicate writes
    nothing, so the rest of the request's transaction stays intact.
    """
    loket = Loket.of(counter)
    scores = skm.validate_scores(submission.scores)
    comment = (submission.comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise FeedbackError(N_("Saran paling banyak %(max)d karakter."), {"max": MAX_COMMENT})
    if not submission.officer_on_duty:
        check_officer(loket, submission.employee_id)
    profile = clean_profile(submission.profile)
    # What was read so far needs no lock; on SQLite, a citizen's POST takes the write lock here.
    start_writing(db.session)
    web = submission.channel in WEB_CHANNELS
    if web:
        # The loket's (and the officer's) lock before the clock is read: a response that waited
        # for it is later than every one stored before it, so the rules' counts miss none.
        holds.lock(db.session, loket.id, submission.employee_id)
    moment = submission.submitted_at or clock.now()
    local = stamp(moment, loket.unit.instansi.tz)
    values = dict(
        instansi_id=loket.unit.instansi_id, unit_id=loket.unit_id, counter_id=loket.id,
        service_id=loket.service_id, employee_id=submission.employee_id, submitted_at=local.utc,
        local_date=local.local_date, local_hour=local.local_hour, local_weekday=local.local_weekday,
        negative=alerts.is_negative_skm(scores), channel=submission.channel,
        idempotency_key=submission.idempotency_key, ticket_code=submission.ticket_code,
        import_key=submission.import_key, **{c: scores[c.upper()] for c in UNSUR_COLUMNS}, **profile,
        status="counted", hold_reason=None, hold_group_id=None, batch_id=None,
    )
    dialect = db.session.get_bind().dialect.name
    reason, together = None, dialect == "postgresql"
    response_id = None
    if web and holds.quiet_possible(loket, submission.channel, local):
        # The rules' signals and, when they are quiet, the response in one statement (on
        # PostgreSQL with its rollups too). When they are not, `hold_reason` reads every signal,
        # under the same locks (or SQLite's write lock).
        with_officer = submission.employee_id is not None
        rule = holds.limits(loket)
        parameters = {
            **values, **holds.signals_parameters(loket.id, submission.employee_id, scores, local, rule.window),
            "loket_limit": rule.loket, "officer_limit": rule.officer,
        }
        if together:
            row = execute_core(_store_counted_postgres(with_officer), parameters).one()
            if row.quiet and row.id is None:
                raise Duplicate()
            response_id = row.id
        else:
            # No row back: stored before (the plain INSERT below finds it), or not quiet.
            response_id = execute_core(_store_if_quiet_sqlite(with_officer), parameters).scalar()
    if response_id is None:
        if web:
            reason = holds.hold_reason(loket, submission.channel, submission.employee_id, scores, local,
                                       submission.ticket_code)
        if reason:
            values.update(status="held", hold_reason=reason)
        together = together and not reason
        statement = _store_counted_postgres() if together else _insert_response(dialect)
        response_id = execute_core(statement, values).scalar()
    response = StoredResponse(id=None, **values)
    if response_id is None:
        raise Duplicate()
    if comment:
        execute_core(_INSERT_COMMENT, dict(
            response_id=response_id, unit_id=loket.unit_id, counter_id=loket.id, created_at=local.utc,
            local_date=local.local_date, text=comment,
        ))
    response.id = response_id
    if reason:
        response.hold_group_id = holds.join_burst(loket, response_id, local.utc)
        return response
    if not together:
        for statement in _rollups_of_stored(dialect):
            execute_core(statement, {"response_id": response_id})
    events.responses_stored_at_loket.send(loket, local.utc, values["negative"])
    return response


#: The daily rollup's sums, in the order add_to_rollups builds them.
_DAILY_SUMS = ("n", "negative", *(f"s{i}" for i in range(1, 10)), *SQUARE_COLUMNS.values(), *PRODUCT_COLUMNS.values())
_SQUARED = tuple(code.lower() for code in SQUARE_COLUMNS)
_MULTIPLIED = tuple((a.lower(), b.lower()) for a, b in PRODUCT_COLUMNS)


def _moments(response: SkmResponse) -> list[int]:
    """A response's squares and products of the officer unsur, in SQUARE_COLUMNS, PRODUCT_COLUMNS order."""
    return [getattr(response, c) ** 2 for c in _SQUARED] + \
        [getattr(response, a) * getattr(response, b) for a, b in _MULTIPLIED]


DAILY_KEYS = ("unit_id", "counter_id", "service_key", "employee_key", "local_date")
HOURLY_KEYS = ("unit_id", "counter_id", "local_date", "local_hour")
HOURLY_SUMS = ("n", "negative", "score_total")
#: The columns of a response that its rollup keys and increments are made of.
_ROLLED_UP = ("unit_id", "counter_id", "service_id", "employee_id", "local_date", "local_hour", "negative",
              *UNSUR_COLUMNS)


def rollup_rows(responses, sign: int = 1) -> tuple[list[dict], list[dict]]:
    """The daily and hourly rollup increments of responses (one row per rollup key)."""
    daily: dict[tuple, list[int]] = {}
    hourly: dict[tuple, list[int]] = {}
    for r in responses:
        key = (r.unit_id, r.counter_id, r.service_id or 0, r.employee_id or 0, r.local_date)
        row = daily.setdefault(key, [0] * len(_DAILY_SUMS))
        row[0] += sign
        row[1] += sign * int(r.negative)
        for i, column in enumerate(UNSUR_COLUMNS):
            row[2 + i] += sign * getattr(r, column)
        for i, value in enumerate(_moments(r), start=11):
            row[i] += sign * value
        hkey = (r.unit_id, r.counter_id, r.local_date, r.local_hour)
        hrow = hourly.setdefault(hkey, [0, 0, 0])
        hrow[0] += sign
        hrow[1] += sign * int(r.negative)
        hrow[2] += sign * sum(getattr(r, c) for c in UNSUR_COLUMNS)
    return ([dict(zip(DAILY_KEYS, key)) | dict(zip(_DAILY_SUMS, row)) for key, row in daily.items()],
            [dict(zip(HOURLY_KEYS, key)) | dict(zip(HOURLY_SUMS, row)) for key, row in hourly.items()])


def add_to_rollups(responses, sign: int = 1) -> None:
    """Add responses to the daily and hourly rollups (for late paper imports and released holds
    too); with `sign=-1`, take them out again (a withdrawn batch)."""
    daily, hourly = rollup_rows(responses, sign)
    upsert_increments(SkmDaily, DAILY_KEYS, _DAILY_SUMS, daily)
    upsert_increments(SkmHourly, HOURLY_KEYS, HOURLY_SUMS, hourly)
    if sign < 0:
        # A rollup row left with no response would show a loket-day of nothing.
        units = sorted({row["unit_id"] for row in daily})
        db.session.execute(delete(SkmDaily).where(SkmDaily.unit_id.in_(units), SkmDaily.n <= 0))
        db.session.execute(delete(SkmHourly).where(SkmHourly.unit_id.in_(units), SkmHourly.n <= 0))


@lru_cache(maxsize=None)
def _store_counted_postgres(gated_with_officer: bool | None = None):
    """PostgreSQL: the response and both of its rollup increments in one statement (one round trip
    instead of three). The rollups take their increments from the insert's RETURNING
    (`_rollup_terms`), so a response stored before (no row returned) adds nothing to them either,
    and the statement's parameters are the response's values: few enough for psycopg to keep the
    parsed query.

    Gated (`gated_with_officer` True or False: the response names an officer or not), the
    statement first reads the rules' signals that their test needs (`_if_quiet`, under the loket's
    lock taken by the statement before) and stores only when they are quiet; it returns `quiet`
    and the stored id (None: not quiet, or stored before). Compiled once."""
    r = SkmResponse.__table__
    insert_ = dialect_insert(r, "postgresql")
    if gated_with_officer is None:
        stored = insert_.values(_typed_values())
    else:
        signals, quiet, row = _if_quiet(gated_with_officer)
        stored = insert_.from_select(list(_RESPONSE_COLUMNS), row)
    stored = stored.on_conflict_do_nothing().returning(r.c.id, *(r.c[c] for c in _ROLLED_UP)).cte("stored")
    if gated_with_officer is None:
        result = select(stored.c.id)
    else:
        result = (select(quiet.label("quiet"), stored.c.id)
                  .select_from(signals.outerjoin(stored, literal_column("true"))))
    increments = [statement.cte(f"{statement.table.name}_increment")
                  for statement in _rollup_increments(stored, "postgresql")]
    return frozen(result.add_cte(*increments), "postgresql")


@lru_cache(maxsize=None)
def _store_if_quiet_sqlite(with_officer: bool):
    """SQLite: the response, stored only when the rules' signals, read in the same statement
    (under the write lock), are quiet (`_if_quiet`). No row back: stored before, or not quiet
    (the rules then decide in Python). Compiled once."""
    r = SkmResponse.__table__
    _signals, _quiet, row = _if_quiet(with_officer)
    statement = dialect_insert(r, "sqlite").from_select(list(_RESPONSE_COLUMNS), row)
    return frozen(statement.on_conflict_do_nothing().returning(r.c.id), "sqlite")


def _typed_values() -> dict:
    """The response's values as parameters named after its columns, with their types."""
    r = SkmResponse.__table__
    return {c: bindparam(c, type_=r.c[c].type) for c in _RESPONSE_COLUMNS}


def _if_quiet(with_officer: bool):
    """The rules' signals that their test reads as a CTE (`holds.signals_statement`, quiet_only),
    the test (`holds.quiet`), and the response's values as a row that exists only when the test
    passes: what an INSERT … SELECT stores only when no rule could hold the response."""
    signals = holds.signals_statement(with_officer, quiet_only=True).cte("signals")
    quiet = holds.quiet(signals, with_officer)
    return signals, quiet, select(*_typed_values().values()).select_from(signals).where(quiet)


def _rollup_increments(rows, dialect_name: str, *where) -> list:
    """The INSERTs that add the responses of `rows` (skm_response, or a statement's RETURNING
    with its columns; filtered by `where`) to the daily and hourly rollups (`_rollup_terms`)."""
    daily_keys, daily_sums, hourly_keys, hourly_sums = _rollup_terms(rows)
    statements = []
    for model, keys, sums, terms in ((SkmDaily, DAILY_KEYS, _DAILY_SUMS, daily_keys + daily_sums),
                                     (SkmHourly, HOURLY_KEYS, HOURLY_SUMS, hourly_keys + hourly_sums)):
        statement = dialect_insert(model.__table__, dialect_name).from_select(
            list(keys + sums), select(*terms).select_from(rows).where(*where))
        statements.append(adding(statement, keys, sums))
    return statements


@lru_cache(maxsize=None)
def _rollups_of_stored(dialect_name: str) -> tuple:
    """The stored response's two rollup increments (parameter `response_id`), computed in the
    database from its row: the statements after the store where it cannot take them itself
    (SQLite). Compiled once."""
    r = SkmResponse.__table__
    return tuple(frozen(statement, dialect_name)
                 for statement in _rollup_increments(r, dialect_name, r.c.id == bindparam("response_id")))


def _rollup_terms(rows):
    """One response's rollup keys and increments as SQL expressions over `rows` (skm_response, or a
    statement's RETURNING with its columns): the daily keys and sums, then the hourly ones, in the
    order of DAILY_KEYS, _DAILY_SUMS, HOURLY_KEYS and HOURLY_SUMS. The same arithmetic as
    `rollup_rows`, for statements that add or rebuild in the database."""
    c = rows.c
    unsur = [c[name] for name in UNSUR_COLUMNS]
    negative = cast(c.negative, Integer)
    zero = literal_column("0")
    daily_keys = (c.unit_id, c.counter_id, func.coalesce(c.service_id, zero), func.coalesce(c.employee_id, zero),
                  c.local_date)
    daily_sums = (literal_column("1"), negative, *unsur, *(c[name] * c[name] for name in _SQUARED),
                  *(c[a] * c[b] for a, b in _MULTIPLIED))
    hourly_keys = (c.unit_id, c.counter_id, c.local_date, c.local_hour)
    hourly_sums = (literal_column("1"), negative, sum(unsur[1:], unsur[0]))
    return daily_keys, daily_sums, hourly_keys, hourly_sums


def rebuild_rollups(unit_id: int | None = None) -> None:
    """Recompute the rollups from the counted responses (after a bulk load or a repair)."""
    daily_filter = [SkmDaily.unit_id == unit_id] if unit_id else []
    hourly_filter = [SkmHourly.unit_id == unit_id] if unit_id else []
    db.session.execute(delete(SkmDaily).where(*daily_filter))
    db.session.execute(delete(SkmHourly).where(*hourly_filter))
    responses = SkmResponse.__table__
    scope = [responses.c.status == "counted", *([responses.c.unit_id == unit_id] if unit_id else [])]
    daily_keys, daily_sums, hourly_keys, hourly_sums = _rollup_terms(responses)
    for table, keys, sums, names in ((SkmDaily.__table__, daily_keys, daily_sums, DAILY_KEYS + _DAILY_SUMS),
                                     (SkmHourly.__table__, hourly_keys, hourly_sums, HOURLY_KEYS + HOURLY_SUMS)):
        grouped = select(*keys, *(func.sum(term) for term in sums)).where(*scope).group_by(*keys)
        db.session.execute(table.insert().from_select(list(names), grouped))
    db.session.flush()



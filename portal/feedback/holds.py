"""Plausibility rules for the public form: a response beyond a plausible pattern is stored, but
held out of every figure until HR reviews it (`docs/integrity.md`).

The rules run in the database, in the request's transaction, so they hold across workers and
servers: the decision is serialised per loket (and per officer) with a transaction-scoped
advisory lock on PostgreSQL; on SQLite a writing request already holds the write lock
(`BEGIN IMMEDIATE`, `portal/db.py`). One prepared statement reads every count the rules need
from indexes; the few rules that need more read it only when those counts make them possible.

- ``rate_loket``: more web responses at the loket in the rate window than its limit;
- ``rate_officer``: more web responses naming the officer, at any loket, than the officer limit;
- ``ticket_loket``: a queue ticket used at a loket other than its own (a valid ticket at its own
  loket is never held by the rate rules: it proves a visit);
- ``identical_run``: the officer's last responses all give the same nine answers, a run that the
  officer's history makes very unlikely;
- ``off_roster``: a burst of responses naming an officer who has not been on any roster for the
  past hour (one evening response from home is not a burst);
- ``period_end``: in the last days of an appraisal period's citizen window, the officer's
  responses of the day far above the officer's usual day.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import and_, bindparam, case, func, insert, literal_column, or_, select, text, update

from portal import events
from portal.caches import MinuteCache
from portal.db import own_session
from portal.feedback.models import UNSUR_COLUMNS, HoldGroup, SkmDaily, SkmResponse
from portal.localtime import LocalStamp
from portal.org.models import RosterEntry, shift_covers
from portal.sql import execute_core
from surveys.errors import InvalidTicket
from surveys.tickets import peek_counter_code

#: Channels the rate rules count: the loket's QR and the officers' name plates.
RATE_CHANNELS = ("web", "officer")
#: Channels watched by the anomaly signals (a ticket proves a visit, not an honest answer).
SIGNAL_CHANNELS = ("web", "officer", "ticket")
#: A run of this many identical answers for one officer is weighed against the officer's history.
RUN = 10
#: Held when the history makes such a run less likely than this.
RUN_PROBABILITY = 1e-5
#: The officer's latest counted responses that make the history, and the prior weight given to
#: "half of all answers look like this" (so an officer without history is never held by it).
HISTORY = 200
PRIOR_SHARE, PRIOR_WEIGHT = 0.5, 4
#: Responses naming an officer in the past hour, this one included, that make a burst.
BURST = 4
BURST_WINDOW = timedelta(hours=1)
#: The period-end surge: the last days of a citizen window; the day's responses naming the officer
#: needed at least, and how many times the officer's usual day (over the baseline days) they are.
SURGE_DAYS = 7
SURGE_MIN = 20
SURGE_FACTOR = 3
BASELINE_DAYS = 28
#: Held responses at a loket less than this apart belong to one burst, reviewed as one.
BURST_GAP = timedelta(minutes=30)
#: Keys of the advisory locks (PostgreSQL) that serialise the decision per loket and per officer.
LOKET_LOCK, OFFICER_LOCK = 1301, 1302


@dataclass(frozen=True)
class Limits:
    loket: int
    officer: int
    window: timedelta


def limits(loket) -> Limits:
    """The loket's own limit (set by its manager) or the portal's, the officer limit and the window."""
    config = current_app.config
    return Limits(
        loket=loket.rate_limit or int(config["CERMIN_RATE_LIMIT"]),
        officer=int(config["CERMIN_OFFICER_RATE_LIMIT"]),
        window=timedelta(minutes=float(config["CERMIN_RATE_WINDOW_MINUTES"])),
    )


_RESPONSES = SkmResponse.__table__
#: Up to the response's own moment: a late paper row or a test's history may lie after it.
_UNTIL = _RESPONSES.c.submitted_at <= bindparam("at")


def _channel_in(channels):
    # Our own constants, written into the SQL: a list of parameters would be expanded anew on
    # every execution.
    return _RESPONSES.c.channel.in_([literal_column(f"'{channel}'") for channel in channels])


def _count(*conditions):
    return select(func.count()).select_from(_RESPONSES).where(*conditions)


#: The loket's web responses in the rate window: the one count a response naming no officer needs.
_LOKET_RECENT = _count(_RESPONSES.c.counter_id == bindparam("counter_id"),
                       _RESPONSES.c.submitted_at > bindparam("rate_since"), _UNTIL, _channel_in(RATE_CHANNELS))


@dataclass(frozen=True)
class Signals:
    """What the database knows around one new response (none of the counts includes it)."""

    loket_recent: int
    officer_recent: int = 0
    officer_hour: int = 0
    officer_today: int = 0
    #: The officer's responses over the baseline days before today (counted ones, from the rollup).
    baseline: int = 0
    #: The officer's latest responses (RUN - 1 at most), how many give the same answers as this
    #: one, and when the earliest of them came.
    run_n: int = 0
    run_same: int = 0
    run_start: datetime | None = None

    @classmethod
    def of(cls, row) -> Signals:
        """From a row with the columns of `signals_statement`, by name."""
        values = row._mapping
        return cls(*(int(values.get(name) or 0) for name in _COUNTS), values.get("run_start"))


_COUNTS = ("loket_recent", "officer_recent", "officer_hour", "officer_today", "baseline", "run_n", "run_same")


@lru_cache(maxsize=None)
def signals_statement(with_officer: bool = True, quiet_only: bool = False):
    """Every count the rules need, in one round trip, each from an index range, its columns named
    as the fields of `Signals`: an aggregate over the officer's latest responses (the run), with
    the other counts beside it. Without an officer, only the loket's count. `quiet_only`: only
    the columns that `quiet` tests, for the statement that stores a quiet response and otherwise
    leaves the decision to `hold_reason`, which reads them all."""
    if not with_officer:
        return select(_LOKET_RECENT.scalar_subquery().label("loket_recent"))
    r = _RESPONSES
    officer = r.c.employee_id == bindparam("employee_id")
    run = (select(r.c.submitted_at, *(r.c[c] for c in UNSUR_COLUMNS))
           .where(officer, _UNTIL, _channel_in(SIGNAL_CHANNELS))
           .order_by(r.c.submitted_at.desc(), r.c.id.desc())
           .limit(literal_column(str(RUN - 1))).offset(literal_column("0")).subquery())
    identical = and_(*(run.c[c] == bindparam(c) for c in UNSUR_COLUMNS))
    daily = SkmDaily.__table__
    zero, one = literal_column("0"), literal_column("1")  # (written in, so that the statement can be frozen)
    rates = [
        _LOKET_RECENT.scalar_subquery().label("loket_recent"),
        _count(officer, r.c.submitted_at > bindparam("rate_since"), _UNTIL,
               _channel_in(RATE_CHANNELS)).scalar_subquery().label("officer_recent"),
    ]
    others = [] if quiet_only else [
        _count(officer, r.c.submitted_at > bindparam("burst_since"), _UNTIL,
               _channel_in(SIGNAL_CHANNELS)).scalar_subquery().label("officer_hour"),
        _count(officer, r.c.local_date == bindparam("today")).scalar_subquery().label("officer_today"),
        select(func.coalesce(func.sum(daily.c.n), zero))
        .where(daily.c.employee_key == bindparam("employee_id"), daily.c.local_date >= bindparam("baseline_from"),
               daily.c.local_date < bindparam("today")).scalar_subquery().label("baseline"),
    ]
    run_counts = [
        func.count(run.c.submitted_at).label("run_n"),
        func.coalesce(func.sum(case((identical, one), else_=zero)), zero).label("run_same"),
    ]
    if not quiet_only:
        run_counts.append(func.min(run.c.submitted_at).label("run_start"))
    return select(*rates, *others, *run_counts).select_from(run)


def signals_parameters(counter_id: int, employee_id: int | None, scores: dict[str, int], local: LocalStamp,
                       window: timedelta) -> dict:
    """The parameters of `signals_statement`."""
    return {
        "counter_id": counter_id, "employee_id": employee_id, "at": local.utc, "rate_since": local.utc - window,
        "burst_since": local.utc - BURST_WINDOW, "today": local.local_date,
        "baseline_from": local.local_date - timedelta(days=BASELINE_DAYS),
        **{c: scores[c.upper()] for c in UNSUR_COLUMNS},
    }


def quiet(signals, with_officer: bool):
    """SQL over the columns of `signals_statement`: true when no rule could hold a response sent
    from the loket's QR (channel "web") outside a period's last days (`quiet_possible`). Its
    parameters: `loket_limit` and `officer_limit` (`limits`). What it lets through, `hold_reason`
    would count; what it stops goes to `hold_reason` with the same signals."""
    condition = signals.c.loket_recent < bindparam("loket_limit")
    if with_officer:
        condition = and_(condition, signals.c.officer_recent < bindparam("officer_limit"),
                         or_(signals.c.run_n < literal_column(str(RUN - 1)),
                             signals.c.run_same < literal_column(str(RUN - 1))))
    return condition


def quiet_possible(loket, channel: str, local: LocalStamp) -> bool:
    """Whether `quiet` covers every rule for this response: one from the loket's QR, outside the
    last days of a period's citizen window (a name plate's and a ticket's have rules of their
    own, and so have those days)."""
    return channel == "web" and not _period_ending(loket.unit.instansi_id, local)


def lock_columns(counter_id, with_officer: bool) -> list:
    """The locks of `lock` as columns of a SELECT (PostgreSQL): the loket's, keyed by the
    `counter_id` column or value, then the officer's (parameter `employee_id`). A statement that
    reads something else may take them (the loket's read, `find_loket`), when what it reads need
    not be later than the lock: a statement's snapshot is taken before its locks are granted."""
    columns = [func.pg_advisory_xact_lock(literal_column(str(LOKET_LOCK)), counter_id)]
    if with_officer:
        columns.append(func.pg_advisory_xact_lock(literal_column(str(OFFICER_LOCK)), bindparam("employee_id")))
    return columns


@lru_cache(maxsize=None)
def _lock_statement(dialect: str, with_officer: bool):
    if dialect != "postgresql":
        return None
    return select(*lock_columns(bindparam("counter_id"), with_officer))


def note_locked(session, counter_id: int, employee_id: int | None) -> None:
    """Say that the session's transaction now holds the locks of `lock` for this loket and officer
    (taken by a statement with `lock_columns`), so that `lock` need not take them again."""
    session = own_session(session)
    session.info["cermin_locked"] = (session.get_transaction(), counter_id, employee_id)


def lock(session, counter_id: int, employee_id: int | None) -> None:
    """Serialise the rules' decision per loket and officer until the transaction ends (PostgreSQL);
    on SQLite the request's transaction already holds the write lock."""
    statement = _lock_statement(session.get_bind().dialect.name, employee_id is not None)
    if statement is None:
        return
    session = own_session(session)
    held = session.info.get("cermin_locked")
    if held and held[0] is not None and held[0] is session.get_transaction() and held[1] == counter_id \
            and employee_id in (None, held[2]):
        return
    execute_core(statement, {"counter_id": counter_id, "employee_id": employee_id})


def read_signals(counter_id: int, employee_id: int | None, scores: dict[str, int], local: LocalStamp,
                 window: timedelta) -> Signals:
    row = execute_core(signals_statement(employee_id is not None),
                       signals_parameters(counter_id, employee_id, scores, local, window)).one()
    return Signals.of(row)


def hold_reason(loket, channel: str, employee_id: int | None, scores: dict[str, int],
                local: LocalStamp, ticket_code: str | None = None, signals: Signals | None = None) -> str | None:
    """Why this web response must be held, or None when it counts. The caller holds the lock
    (`lock`), taken before the response's moment was read, so the counts read here (or given in
    `signals`, read under the same lock) stay true until the response is stored.

    A ticket's code names the loket it was issued for (its signature was checked by the form)."""
    with_ticket = channel == "ticket" and bool(ticket_code)
    if with_ticket and _ticket_loket(ticket_code) != loket.code:
        return "ticket_loket"
    rule = limits(loket)
    if employee_id is None:
        # Only the loket's rate can hold it, and a valid ticket at its own loket proves a visit.
        if with_ticket:
            return None
        signals = signals or read_signals(loket.id, None, scores, local, rule.window)
        return "rate_loket" if signals.loket_recent >= rule.loket else None
    signals = signals or read_signals(loket.id, employee_id, scores, local, rule.window)
    if not with_ticket:
        if signals.loket_recent >= rule.loket:
            return "rate_loket"
        if signals.officer_recent >= rule.officer:
            return "rate_officer"
    if signals.run_n == RUN - 1 and signals.run_same == RUN - 1 and _unlikely_run(employee_id, scores, signals):
        return "identical_run"
    # The form lists only officers on duty at the loket; a name plate's form may be sent later.
    if channel == "officer" and signals.officer_hour >= BURST - 1 and not _rostered_lately(employee_id, loket, local):
        return "off_roster"
    if _surging(signals) and _period_ending(loket.unit.instansi_id, local):
        return "period_end"
    return None


def _ticket_loket(ticket_code: str) -> str | None:
    try:
        return peek_counter_code(ticket_code)
    except InvalidTicket:
        return None


_HISTORY = text("SELECT count(*), coalesce(sum(CASE WHEN " + " AND ".join(f"{c} = :{c}" for c in UNSUR_COLUMNS)
                + " THEN 1 ELSE 0 END), 0) FROM (SELECT " + ", ".join(UNSUR_COLUMNS) + " FROM skm_response"
                " WHERE employee_id = :employee_id AND status = 'counted' AND submitted_at < :before"
                f" ORDER BY submitted_at DESC LIMIT {HISTORY}) AS history").bindparams(
    bindparam("before", type_=SkmResponse.__table__.c.submitted_at.type))


def _unlikely_run(employee_id: int, scores: dict[str, int], signals: Signals) -> bool:
    """Whether the officer's history makes a run of RUN identical answers less likely than
    RUN_PROBABILITY (the share of these answers in the history, pulled towards one half)."""
    n, same = execute_core(_HISTORY, {"employee_id": employee_id, "before": signals.run_start,
                                      **{c: scores[c.upper()] for c in UNSUR_COLUMNS}}).one()
    share = (int(same) + PRIOR_SHARE * PRIOR_WEIGHT) / (int(n) + PRIOR_WEIGHT)
    return share ** RUN < RUN_PROBABILITY


_SHIFTS_OF_OFFICER = (
    select(RosterEntry.weekday, RosterEntry.start_time, RosterEntry.end_time, RosterEntry.valid_from,
           RosterEntry.valid_to)
    .where(RosterEntry.employee_id == bindparam("employee_id"))
)


def _rostered_lately(employee_id: int, loket, local: LocalStamp) -> bool:
    """Whether the officer was on a shift at any loket at some moment of the past hour."""
    tz = loket.unit.instansi.tz
    end = local.utc.astimezone(tz)
    start = end - BURST_WINDOW
    shifts = execute_core(_SHIFTS_OF_OFFICER, {"employee_id": employee_id}).all()
    return any(_overlaps(shift, start, end) for shift in shifts)


def _overlaps(shift, start: datetime, end: datetime) -> bool:
    """Whether a weekly shift covers some moment between two local instants (an hour at most apart)."""
    for moment in (start, end):
        day_start = datetime.combine(moment.date(), shift.start_time, moment.tzinfo)
        if shift_covers(shift, moment) or (start <= day_start <= end and shift_covers(shift, day_start)):
            return True
    return False


def _surging(signals: Signals) -> bool:
    usual_day = signals.baseline / BASELINE_DAYS
    today = signals.officer_today + 1
    return today >= SURGE_MIN and today >= SURGE_FACTOR * usual_day


#: The instansi's citizen windows, remembered for the minute of the response's moment: HR's
#: periods change seldom, and any commit outside the citizen's pages forgets them at once
#: (`portal.caches`); another worker's change to a period counts within the minute.
_WINDOWS = MinuteCache(limit=256)


def _period_ending(instansi_id: int, local: LocalStamp) -> bool:
    """Whether the day is among the last SURGE_DAYS of an appraisal period's citizen window."""
    day = local.local_date
    windows = _WINDOWS.get(instansi_id, local.utc, lambda: events.citizen_windows.ask(instansi_id))
    return any(first <= day <= last and (last - day).days < SURGE_DAYS for first, last, _final in windows)


# --- bursts ---------------------------------------------------------------------------------------

_OPEN_GROUP = (
    select(HoldGroup.id).where(HoldGroup.counter_id == bindparam("counter_id"), HoldGroup.status == "open",
                               HoldGroup.last_at >= bindparam("since"))
    .order_by(HoldGroup.last_at.desc()).limit(1)
)
_EXTEND_GROUP = update(HoldGroup).where(HoldGroup.id == bindparam("group_id")).values(
    last_at=case((HoldGroup.last_at < bindparam("at"), bindparam("at")), else_=HoldGroup.last_at))
_NEW_GROUP = insert(HoldGroup).returning(HoldGroup.id)
_JOIN_GROUP = update(SkmResponse).where(SkmResponse.id == bindparam("response_id")).values(
    hold_group_id=bindparam("group_id"))


def join_burst(loket, response_id: int, at: datetime) -> int:
    """Put a held response into the loket's open burst (one held less than BURST_GAP before), or
    start a burst and announce it (`events.burst_held`: the unit's alert). Returns the burst's id."""
    group_id = execute_core(_OPEN_GROUP, {"counter_id": loket.id, "since": at - BURST_GAP}).scalar()
    if group_id is None:
        group_id = execute_core(_NEW_GROUP, {
            "instansi_id": loket.unit.instansi_id, "unit_id": loket.unit_id, "counter_id": loket.id,
            "first_at": at, "last_at": at, "status": "open",
        }).scalar()
        execute_core(_JOIN_GROUP, {"response_id": response_id, "group_id": group_id})
        events.burst_held.send(loket, group_id, at)
        return group_id
    execute_core(_EXTEND_GROUP, {"group_id": group_id, "at": at})
    execute_core(_JOIN_GROUP, {"response_id": response_id, "group_id": group_id})
    return group_id


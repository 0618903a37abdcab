"""What the citizen's pages need to know about a loket, read as one row.

The SKM form is the busiest page of the portal (every citizen opens it and sends it once), so it
reads the loket, its unit, instansi and layanan with one prepared query into frozen records
instead of ORM objects. They carry the same attribute names as the models (`counter.unit.name`,
`counter.unit.instansi.tz`, `counter.service.name`), so templates and services take either.
"""
from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam, select

from portal import clock
from portal.caches import MinuteCache
from portal.org.models import Counter, Employee, Instansi, RosterEntry, Service, Unit, shift_covers
from portal.sql import execute_core, frozen


@lru_cache(maxsize=None)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@dataclass(frozen=True, slots=True)
class InstansiInfo:
    id: int
    name: str
    timezone: str
    retention_days: int
    ticket_key: bytes

    @property
    def tz(self) -> ZoneInfo:
        return zone(self.timezone)


@dataclass(frozen=True, slots=True)
class UnitInfo:
    id: int
    code: str
    name: str
    active: bool
    instansi_id: int
    instansi: InstansiInfo


@dataclass(frozen=True, slots=True)
class ServiceInfo:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class Loket:
    id: int
    code: str
    name: str
    active: bool
    unit_id: int
    service_id: int | None
    #: The manager's plausible web responses per rate window; None takes the portal's default.
    rate_limit: int | None
    unit: UnitInfo
    service: ServiceInfo | None

    @property
    def open(self) -> bool:
        """Whether the loket takes responses now (it and its unit are active)."""
        return self.active and self.unit.active

    @classmethod
    def of(cls, counter: Counter | Loket) -> Loket:
        """The record of a loaded Counter (a Loket is returned as it is)."""
        if isinstance(counter, Loket):
            return counter
        unit, instansi, service = counter.unit, counter.unit.instansi, counter.service
        return cls(
            id=counter.id, code=counter.code, name=counter.name, active=counter.active, unit_id=counter.unit_id,
            service_id=counter.service_id, rate_limit=counter.rate_limit,
            unit=UnitInfo(unit.id, unit.code, unit.name, unit.active, unit.instansi_id,
                          InstansiInfo(instansi.id, instansi.name, instansi.timezone, instansi.retention_days,
                                       instansi.ticket_key)),
            service=ServiceInfo(service.id, service.name) if service is not None else None,
        )


_BY_CODE = (
    select(Counter.id, Counter.code, Counter.name, Counter.active, Counter.unit_id, Counter.service_id,
           Counter.rate_limit, Unit.code, Unit.name, Unit.active, Unit.instansi_id,
           Instansi.name, Instansi.timezone, Instansi.retention_days, Instansi.ticket_key, Service.name)
    .join(Unit, Unit.id == Counter.unit_id)
    .join(Instansi, Instansi.id == Unit.instansi_id)
    .outerjoin(Service, Service.id == Counter.service_id)
    .where(Counter.code == bindparam("code"))
)


def find_loket(code: str) -> Loket | None:
    """The loket with this code (case and surrounding spaces ignored), or None."""
    row = execute_core(_BY_CODE, {"code": code.strip().upper()}).first()
    return _loket(row) if row is not None else None


def _loket(row) -> Loket:
    (counter_id, counter_code, name, active, unit_id, service_id, rate_limit, unit_code, unit_name, unit_active,
     instansi_id, instansi_name, timezone, retention_days, ticket_key, service_name) = row[:_LOKET_COLUMNS]
    instansi = InstansiInfo(instansi_id, instansi_name, timezone, retention_days, bytes(ticket_key))
    return Loket(
        id=counter_id, code=counter_code, name=name, active=bool(active), unit_id=unit_id, service_id=service_id,
        rate_limit=rate_limit, unit=UnitInfo(unit_id, unit_code, unit_name, bool(unit_active), instansi_id, instansi),
        service=ServiceInfo(service_id, service_name) if service_id is not None else None,
    )


_LOKET_COLUMNS = len(_BY_CODE.selected_columns)
_SHIFT_COLUMNS = ("weekday", "start_time", "end_time", "valid_from", "valid_to")
_Shift = namedtuple("_Shift", _SHIFT_COLUMNS)


@lru_cache(maxsize=None)
def _for_answer(locking: bool, with_officer: bool):
    """`_BY_CODE`, with the rules' locks (PostgreSQL) and, for an officer, a row for each of the
    officer's shifts at the loket (one row with none if there are none). With the locks it is
    frozen (`portal.sql.frozen`: the driver's cursor runs it), as psycopg's own values are the
    rows' (SQLite's driver gives a shift's times as text: that one keeps the engine's types)."""
    from portal.feedback import holds

    statement = _BY_CODE
    if locking:
        statement = statement.add_columns(*holds.lock_columns(Counter.id, with_officer))
    if with_officer:
        roster, employee = RosterEntry.__table__, Employee.__table__
        shifts = roster.join(employee, employee.c.id == roster.c.employee_id)
        statement = statement.outerjoin(shifts, and_(
            roster.c.counter_id == Counter.id, roster.c.employee_id == bindparam("employee_id"),
            employee.c.active.is_(True), employee.c.instansi_id == Unit.instansi_id,
        )).add_columns(*(roster.c[name] for name in _SHIFT_COLUMNS))
    return frozen(statement, "postgresql") if locking else statement


def loket_for_answer(code: str, officer_id: int | None) -> tuple[Loket | None, bool]:
    """For a citizen's answer, in one round trip: the loket with this code (or None), and whether
    the officer the answer names (`officer_id`, as sent: unchecked) is on its roster now, as
    `org.services.on_duty` would say. On PostgreSQL the statement also takes the plausibility
    rules' locks for the loket and that officer (`holds.lock_columns`)."""
    from portal.extensions import db
    from portal.feedback import holds

    locking = db.session.get_bind().dialect.name == "postgresql"
    with_officer = officer_id is not None
    rows = execute_core(_for_answer(locking, with_officer),
                        {"code": code.strip().upper(), "employee_id": officer_id}).all()
    if not rows:
        return None, False
    loket = _loket(rows[0])
    if locking:
        holds.note_locked(db.session, loket.id, officer_id)
    if not with_officer:
        return loket, False
    local = clock.now().astimezone(loket.unit.instansi.tz)
    shifts = (_Shift(*row[-len(_SHIFT_COLUMNS):]) for row in rows)
    return loket, any(shift.start_time is not None and shift_covers(shift, local) for shift in shifts)


_LOKETS = MinuteCache()


def loket_this_minute(code: str, now: datetime) -> Loket | None:
    """`find_loket`, remembered for the minute (for the citizen's GET only; see `portal.caches`:
    the POST reads the loket afresh in its own transaction, so nothing is stored on a value a
    minute old)."""
    return _LOKETS.get(code.strip().upper(), now, lambda: find_loket(code))

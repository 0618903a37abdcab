"""Reading the audit log: the instansi's audit events and the appraisal record audit, merged in
time order, filtered by employee, unit, period, action and instansi-local dates."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import String, cast, false, func, literal, or_, select, union_all

from portal.accounts.models import User
from portal.appraisal.models import AppraisalRecord, AuditEntry
from portal.audit.models import SYSTEM_ACTOR, AuditEvent
from portal.extensions import db
from portal.localtime import local_day_bounds
from portal.org.models import Employee
from portal.tabular import safe_cell

#: Interface (issue 15): the keys of `audit --json` and the columns of the CSV export, in this order.
FIELDS = ("at", "actor", "action", "object", "before", "after", "reason")
#: The appraisal record audit shows as these actions ("appraisal.confirm", …) on this object type.
APPRAISAL_PREFIX = "appraisal."
APPRAISAL_OBJECT = "appraisal_record"


@dataclass(frozen=True)
class Filters:
    """What to show; None leaves a filter out. Dates are the instansi's local dates, both included."""

    employee_ids: tuple[int, ...] | None = None
    unit_id: int | None = None
    period_id: int | None = None
    #: An action code or a dotted prefix of one: "org" matches "org.employee.unit", not "organisation".
    action: str | None = None
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True)
class Entry:
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: int | None
    object_label: str
    before: dict | None
    after: dict | None
    reason: str | None

    @property
    def object(self) -> str:
        return self.object_type if self.object_id is None else f"{self.object_type}:{self.object_id}"

    def changes(self) -> list[tuple[str, str, str]]:
        """Each changed field with its value before and after as short text ("—" where there was none)."""
        before, after = self.before or {}, self.after or {}
        return [(key, _text(before.get(key)), _text(after.get(key))) for key in sorted(set(before) | set(after))]

    def as_json(self) -> dict:
        return {"at": self.at.astimezone(timezone.utc).isoformat(), "actor": self.actor, "action": self.action,
                "object": self.object, "before": self.before, "after": self.after, "reason": self.reason}


def _text(value) -> str:
    if value is None:
        return "—"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _events(instansi_id: int):
    return select(
        literal(1).label("source"), AuditEvent.id.label("id"), AuditEvent.at.label("at"),
        AuditEvent.actor_label.label("actor"), AuditEvent.action.label("action"),
        AuditEvent.object_type.label("object_type"), AuditEvent.object_id.label("object_id"),
        AuditEvent.object_label.label("object_label"), AuditEvent.employee_id.label("employee_id"),
        AuditEvent.unit_id.label("unit_id"), AuditEvent.period_id.label("period_id"),
        AuditEvent.before.label("before"), AuditEvent.after.label("after"), AuditEvent.reason.label("reason"),
    ).where(AuditEvent.instansi_id == instansi_id)


def _appraisal_entries(instansi_id: int):
    return (
        select(
            literal(0).label("source"), AuditEntry.id.label("id"), AuditEntry.at.label("at"),
            func.coalesce(User.username, cast(literal(SYSTEM_ACTOR), String)).label("actor"),
            (cast(literal(APPRAISAL_PREFIX), String) + AuditEntry.action).label("action"),
            cast(literal(APPRAISAL_OBJECT), String).label("object_type"), AuditEntry.record_id.label("object_id"),
            (Employee.nip + cast(literal(" · "), String) + Employee.name).label("object_label"),
            AppraisalRecord.employee_id.label("employee_id"), AppraisalRecord.unit_id.label("unit_id"),
            AppraisalRecord.period_id.label("period_id"),
            AuditEntry.before.label("before"), AuditEntry.after.label("after"), AuditEntry.reason.label("reason"),
        )
        .join(AppraisalRecord, AppraisalRecord.id == AuditEntry.record_id)
        .join(Employee, Employee.id == AppraisalRecord.employee_id)
        .outerjoin(User, User.id == AuditEntry.user_id)
        .where(AuditEntry.instansi_id == instansi_id)
    )


def _conditions(columns, filters: Filters, tz: ZoneInfo) -> list:
    """The filters as conditions on one source's columns (applied before the two are merged)."""
    where = []
    if filters.employee_ids is not None:
        where.append(columns.employee_id.in_(filters.employee_ids) if filters.employee_ids else false())
    if filters.unit_id is not None:
        where.append(columns.unit_id == filters.unit_id)
    if filters.period_id is not None:
        where.append(columns.period_id == filters.period_id)
    if filters.action:
        prefix = filters.action.strip().rstrip(".")
        where.append(or_(columns.action == prefix, columns.action.startswith(prefix + ".", autoescape=True)))
    if filters.date_from is not None:
        where.append(columns.at >= local_day_bounds(filters.date_from, tz)[0])
    if filters.date_to is not None:
        where.append(columns.at < local_day_bounds(filters.date_to, tz)[1])
    return where


def _merged(instansi_id: int, filters: Filters, tz: ZoneInfo):
    branches = []
    for branch in (_events(instansi_id), _appraisal_entries(instansi_id)):
        where = _conditions(branch.selected_columns, filters, tz)
        branches.append(branch.where(*where) if where else branch)
    return union_all(*branches).subquery("audit_log")


def count(instansi_id: int, filters: Filters, tz: ZoneInfo) -> int:
    return db.session.scalar(select(func.count()).select_from(_merged(instansi_id, filters, tz)))


def entries(instansi_id: int, filters: Filters, tz: ZoneInfo, *, newest_first: bool = True,
            limit: int | None = None, offset: int = 0) -> list[Entry]:
    """The matching entries of both sources in time order (ties: the order they were written)."""
    log = _merged(instansi_id, filters, tz)
    order = (log.c.at, log.c.source, log.c.id)
    stmt = select(log).order_by(*(c.desc() for c in order) if newest_first else order).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [_entry(row) for row in db.session.execute(stmt)]


def _values(text: str | None) -> dict | None:
    """Stored JSON as an object; an empty object (an appraisal record's first merge) reads as None."""
    return json.loads(text) if text and text != "{}" else None


def _entry(row) -> Entry:
    return Entry(at=row.at, actor=row.actor, action=row.action, object_type=row.object_type, object_id=row.object_id,
                 object_label=row.object_label or "", before=_values(row.before), after=_values(row.after),
                 reason=row.reason)


def known_actions(instansi_id: int) -> list[str]:
    """Every action in the instansi's log and each of its dotted prefixes, sorted: the filter's choices."""
    log = _merged(instansi_id, Filters(), ZoneInfo("UTC"))
    found: set[str] = set()
    for action in db.session.scalars(select(log.c.action).distinct()):
        parts = action.split(".")
        found.update(".".join(parts[:n]) for n in range(1, len(parts) + 1))
    return sorted(found)


def employees_matching(instansi_id: int, text: str) -> tuple[int, ...]:
    """The instansi's employees with this NIP, or whose name contains the text."""
    text = text.strip()
    nip = text.replace(" ", "")
    condition = Employee.nip == nip if nip.isdigit() else Employee.name.ilike(f"%{text}%")
    return tuple(db.session.scalars(select(Employee.id).where(Employee.instansi_id == instansi_id, condition)))


def employee_by_nip(instansi_id: int, nip: str) -> Employee | None:
    return db.session.scalar(select(Employee).where(Employee.instansi_id == instansi_id,
                                                    Employee.nip == nip.replace(" ", "")))


def _json_cell(values: dict | None) -> str:
    return "" if values is None else json.dumps(values, sort_keys=True, ensure_ascii=False)


def to_csv(rows: list[Entry]) -> str:
    """The entries as CSV (`at,actor,action,object,before,after,reason`), CRLF, formulas escaped."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FIELDS)
    for entry in rows:
        data = entry.as_json()
        writer.writerow([safe_cell(v) for v in (data["at"], data["actor"], data["action"], data["object"],
                                                _json_cell(entry.before), _json_cell(entry.after),
                                                entry.reason or "")])
    return out.getvalue()

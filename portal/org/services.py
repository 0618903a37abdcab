"""Organisation data: saving units, counters and employees, the roster, and the SIMPEG import."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import bindparam, select

from portal import audit, clock
from portal.extensions import db
from portal.mail import addresses
from portal.org.models import JOB_GROUPS, Counter, Employee, Instansi, RosterEntry, Unit, shift_covers
from portal.sql import execute_core
from portal.tabular import Table
from surveys.errors import DomainError, InvalidNip
from surveys.i18n import N_
from surveys.nip import validate_nip

#: Column names seen in SIMPEG/SIASN exports, mapped to ours.
EMPLOYEE_ALIASES = {
    "nip_baru": "nip",
    "nama_lengkap": "nama",
    "nama_pegawai": "nama",
    "unit_kerja": "unit",
    "unor": "unit",
    "kode_unit": "unit",
    "nip_atasan_langsung": "nip_atasan",
    "nip_pejabat_penilai": "nip_atasan",
    "jabatan_nama": "jabatan",
    "kelompok_jabatan": "job_group",
}
REQUIRED_COLUMNS = ("nip", "nama", "unit")
_TRUE = {"1", "ya", "y", "true", "aktif", "yes"}
_FALSE = {"0", "tidak", "t", "false", "nonaktif", "no", "n"}


class OrgError(DomainError):
    """An organisation change that cannot be made."""


@dataclass
class RowProblem:
    row: int
    message: str
    params: dict = field(default_factory=dict)


class ImportRejected(DomainError):
    """The file has bad rows; nothing was written."""

    def __init__(self, problems: list[RowProblem]):
        self.problems = problems
        super().__init__(N_("%(count)d baris bermasalah; tidak ada data yang disimpan."), {"count": len(problems)})


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def import_employees(
    instansi: Instansi, table: Table, progress: Callable[[int], None] | None = None, *, actor
) -> ImportSummary:
    """Upsert employees by NIP, all or nothing; raise ImportRejected listing every bad row.

    Every org-chart change is recorded in the audit log as `actor`'s (a User or a command's name).
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in table.header]
    if missing:
        raise OrgError(N_("Kolom wajib tidak ada: %(columns)s."), {"columns": ", ".join(missing)})

    units = db.session.scalars(select(Unit).where(Unit.instansi_id == instansi.id)).all()
    unit_by_code = {u.code.lower(): u for u in units}
    unit_by_name = {u.name.lower(): u for u in units}
    existing = {e.nip: e for e in db.session.scalars(select(Employee).where(Employee.instansi_id == instansi.id))}

    problems: list[RowProblem] = []
    parsed: list[tuple[int, dict]] = []
    seen: dict[str, int] = {}
    for number, cells in table.rows:
        row_problems = len(problems)
        try:
            nip = validate_nip(cells.get("nip", ""))
        except InvalidNip as error:
            problems.append(RowProblem(number, error.message, error.params))
            nip = None
        if nip and nip in seen:
            problems.append(RowProblem(number, N_("NIP %(nip)s sudah muncul di baris %(other)d."), {"nip": nip, "other": seen[nip]}))
        elif nip:
            seen[nip] = number
        name = cells.get("nama", "").strip()
        if not name:
            problems.append(RowProblem(number, N_("Nama wajib diisi.")))
        elif len(name) > 200:
            problems.append(RowProblem(number, N_("Nama terlalu panjang (maksimal 200 karakter).")))
        jabatan = cells.get("jabatan", "").strip()
        if len(jabatan) > 200:
            problems.append(RowProblem(number, N_("Jabatan terlalu panjang (maksimal 200 karakter).")))
        unit_text = cells.get("unit", "").strip().lower()
        unit = unit_by_code.get(unit_text) or unit_by_name.get(unit_text)
        if unit is None:
            problems.append(RowProblem(number, N_("Unit kerja \"%(unit)s\" tidak dikenal."), {"unit": cells.get("unit", "")}))
        supervisor_nip = cells.get("nip_atasan", "").replace(" ", "")
        if supervisor_nip:
            try:
                supervisor_nip = validate_nip(supervisor_nip)
            except InvalidNip:
                problems.append(RowProblem(number, N_("NIP atasan \"%(nip)s\" tidak valid."), {"nip": supervisor_nip}))
                supervisor_nip = ""
            if supervisor_nip and supervisor_nip == nip:
                problems.append(RowProblem(number, N_("Pegawai tidak dapat menjadi atasannya sendiri.")))
        active = _flag(cells.get("aktif", ""), default=True)
        if active is None:
            problems.append(RowProblem(number, N_("Kolom aktif harus \"ya\" atau \"tidak\".")))
        job_group = cells.get("job_group", "").strip().lower() or None
        if job_group is not None and job_group not in JOB_GROUPS:
            problems.append(RowProblem(number, N_("Kelompok jabatan harus front_line atau back_office.")))
        email = cells.get("email", "")
        try:
            email = addresses.normalise(email) if email.strip() else None
        except addresses.InvalidAddress as error:
            problems.append(RowProblem(number, error.message, error.params))
        if len(problems) == row_problems:
            parsed.append((number, {
                "nip": nip, "name": name, "jabatan": jabatan, "unit": unit, "supervisor_nip": supervisor_nip,
                "active": active, "job_group": job_group, "email": email,
            }))

    for number, row in parsed:
        sup = row["supervisor_nip"]
        if sup and sup not in seen and sup not in existing:
            problems.append(RowProblem(number, N_("Atasan dengan NIP %(nip)s tidak ada di berkas maupun di data pegawai."), {"nip": sup}))
    if problems:
        problems.sort(key=lambda p: p.row)
        raise ImportRejected(problems)

    org_chart_before = {nip: org_chart(employee) for nip, employee in existing.items()}
    by_nip = dict(existing)
    created: set[str] = set()
    changed: set[str] = set()
    for index, (_number, row) in enumerate(parsed, start=1):
        employee = by_nip.get(row["nip"])
        values = {
            "name": row["name"], "jabatan": row["jabatan"], "unit_id": row["unit"].id, "active": row["active"],
        }
        if row["job_group"]:
            values["job_group"] = row["job_group"]
        if row["email"]:
            values["email"] = row["email"]
        if employee is None:
            employee = Employee(instansi_id=instansi.id, nip=row["nip"], **values)
            db.session.add(employee)
            by_nip[row["nip"]] = employee
            created.add(row["nip"])
        elif any(getattr(employee, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(employee, key, value)
            changed.add(row["nip"])
        if progress:
            progress(index)
    db.session.flush()

    for _number, row in parsed:
        employee = by_nip[row["nip"]]
        supervisor = by_nip.get(row["supervisor_nip"]) if row["supervisor_nip"] else None
        new_id = supervisor.id if supervisor else None
        if employee.supervisor_id != new_id:
            employee.supervisor_id = new_id
            changed.add(row["nip"])
    cycles = _supervisor_cycles(list(by_nip.values()))
    if cycles:
        rows = {row["nip"]: number for number, row in parsed}
        raise ImportRejected([
            RowProblem(rows.get(nip, 0), N_("Rantai atasan berputar kembali ke pegawai %(nip)s."), {"nip": nip})
            for nip in sorted(cycles, key=lambda n: rows.get(n, 0))
        ])
    db.session.flush()
    for _number, row in parsed:
        audit_employee(by_nip[row["nip"]], org_chart_before.get(row["nip"]), actor)
    updated = changed - created
    return ImportSummary(created=len(created), updated=len(updated), unchanged=len(parsed) - len(created) - len(updated))


def _flag(text: str, default: bool) -> bool | None:
    value = text.strip().lower()
    if not value:
        return default
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return None


def _supervisor_cycles(employees: list[Employee]) -> set[str]:
    by_id = {e.id: e for e in employees}
    in_cycle: set[str] = set()
    for employee in employees:
        seen: set[int] = set()
        current = employee
        while current is not None and current.supervisor_id is not None:
            if current.id in seen:
                in_cycle.add(employee.nip)
                break
            seen.add(current.id)
            current = by_id.get(current.supervisor_id)
    return in_cycle


#: The org-chart fields of an employee that the audit log follows, by the action that records them.
EMPLOYEE_AUDIT = {
    "org.employee.supervisor": ("supervisor_id", "supervisor_nip"),
    "org.employee.unit": ("unit_id", "unit"),
    "org.employee.job_group": ("job_group",),
    "org.employee.active": ("active",),
    "org.employee.unit_head": ("is_unit_head",),
}


def org_chart(employee: Employee) -> dict[str, object]:
    """The employee's place in the org chart as the audit log keeps it (ids and readable codes)."""
    supervisor = db.session.get(Employee, employee.supervisor_id) if employee.supervisor_id else None
    unit = db.session.get(Unit, employee.unit_id)
    return {
        "supervisor_id": employee.supervisor_id, "supervisor_nip": supervisor.nip if supervisor else None,
        "unit_id": employee.unit_id, "unit": unit.code if unit else None, "job_group": employee.job_group,
        "active": employee.active, "is_unit_head": employee.is_unit_head,
    }


def audit_employee(employee: Employee, before: dict[str, object] | None, actor) -> None:
    """Record the employee's org-chart changes since `before` (None: the employee is new), one
    event per kind of change. Call it after the change is flushed."""
    after = org_chart(employee)
    about = {"instansi_id": employee.instansi_id, "actor": actor, "obj": employee,
             "label": f"{employee.nip} · {employee.name}", "employee_id": employee.id, "unit_id": employee.unit_id}
    if before is None:
        audit.record("org.employee.create", after={"nip": employee.nip, "name": employee.name, **after}, **about)
        return
    for action, fields in EMPLOYEE_AUDIT.items():
        audit.record(action, before={f: before[f] for f in fields}, after={f: after[f] for f in fields}, **about)


def check_supervisor(employee: Employee, supervisor: Employee | None) -> None:
    """Refuse a supervisor that would make the Pejabat Penilai chain loop."""
    current = supervisor
    while current is not None:
        if current.id == employee.id:
            raise OrgError(N_("Atasan ini akan membuat rantai atasan berputar."))
        current = current.supervisor


# --- the duty roster ---------------------------------------------------------------------------

#: A shift's fields as the audit log keeps them.
SHIFT_FIELDS = ("counter_id", "employee_id", "weekday", "start_time", "end_time", "valid_from", "valid_to")


def shift_values(entry: RosterEntry) -> dict[str, object]:
    """A shift as the audit log keeps it: its fields, the loket's code and the officer's NIP."""
    counter, employee = db.session.get(Counter, entry.counter_id), db.session.get(Employee, entry.employee_id)
    return {**audit.snapshot(entry, SHIFT_FIELDS), "counter": counter.code, "employee_nip": employee.nip}


def audit_shift(action: str, entry: RosterEntry, actor, before: dict | None, after: dict | None) -> None:
    """Record a roster change ("org.roster.add", "org.roster.change", "org.roster.end", "org.roster.remove")."""
    counter, employee = db.session.get(Counter, entry.counter_id), db.session.get(Employee, entry.employee_id)
    audit.record(action, instansi_id=employee.instansi_id, actor=actor, obj=entry,
                 label=f"{counter.code} · {employee.nip} · {employee.name}", before=before, after=after,
                 employee_id=employee.id, unit_id=counter.unit_id)


def add_shift(counter: Counter, employee: Employee, *, actor, **fields) -> RosterEntry:
    """Put the employee on the loket's roster (weekday, start_time, end_time, valid_from, valid_to)."""
    entry = RosterEntry(counter_id=counter.id, employee_id=employee.id, **fields)
    db.session.add(entry)
    db.session.flush()
    audit_shift("org.roster.add", entry, actor, None, shift_values(entry))
    return entry


def remove_shift(entry: RosterEntry, *, actor) -> None:
    audit_shift("org.roster.remove", entry, actor, shift_values(entry), None)
    db.session.delete(entry)
    db.session.flush()


def end_shift(entry: RosterEntry, today: date, *, actor) -> RosterEntry | None:
    """End a roster shift: it stays, valid up to yesterday, so past rosters stay checkable (a paper
    form names an officer who must have been on duty). A shift that has not run a full day yet
    (valid from today or later) is removed; returns the shift, or None when it was removed."""
    if entry.valid_from >= today:
        remove_shift(entry, actor=actor)
        return None
    yesterday = today - timedelta(days=1)
    if entry.valid_to is None or entry.valid_to > yesterday:
        before = {"valid_to": entry.valid_to}
        entry.valid_to = yesterday
        db.session.flush()
        audit_shift("org.roster.end", entry, actor, before, {"valid_to": entry.valid_to})
    return entry


class Officer(NamedTuple):
    """An officer on a loket's roster, as the citizen's form lists them."""

    id: int
    name: str


_ROSTER_OF_COUNTER = (
    select(Employee.id, Employee.name, RosterEntry.weekday, RosterEntry.start_time, RosterEntry.end_time,
           RosterEntry.valid_from, RosterEntry.valid_to)
    .join(Employee, Employee.id == RosterEntry.employee_id)
    .where(RosterEntry.counter_id == bindparam("counter_id"), Employee.active.is_(True),
           Employee.instansi_id == bindparam("instansi_id"))
)


def on_duty(counter, now: datetime | None = None) -> list[Officer]:
    """The active officers of the loket's instansi on the roster of this loket (a Counter or a
    Loket) at this moment, in the instansi's local time, by name."""
    now = now or clock.now()
    local = now.astimezone(counter.unit.instansi.tz)
    shifts = execute_core(_ROSTER_OF_COUNTER, {"counter_id": counter.id, "instansi_id": counter.unit.instansi_id})
    officers = {shift.id: Officer(shift.id, shift.name) for shift in shifts if shift_covers(shift, local)}
    return sorted(officers.values(), key=lambda officer: (officer.name, officer.id))


def direct_reports(employee: Employee) -> list[Employee]:
    return list(db.session.scalars(
        select(Employee).where(Employee.supervisor_id == employee.id, Employee.active.is_(True)).order_by(Employee.name)
    ))

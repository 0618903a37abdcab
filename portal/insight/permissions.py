"""Who sees which IKM dashboard: the one place these rules live.

- HR and admins see the whole instansi: the overview, every unit, and every officer's score; so
  does the auditor (the Inspektorat), which changes nothing.
- A unit head sees the dashboards of their unit and of the units under it (the same units they
  manage, portal/org/permissions.py).
- The breakdown by officer describes people, so it is shown only to HR and admins and to each
  officer's own supervisor (the Pejabat Penilai, `Employee.supervisor_id`): a unit head sees the
  officers who report to them directly, not those under a kepala bidang. When a viewer may see no
  officer of the unit, the section is left out.
- Any supervisor sees the officer scores of their direct reports (/dasbor/petugas), unit head or not;
  a unit head sees there, too, the officers rostered at the lokets of the units they manage (who
  serve the citizens of their unit even when a kepala bidang is their Pejabat Penilai). The unit
  dashboard's officer section keeps to direct reports.

Objects of another instansi are never found (404); a unit of the viewer's own instansi that they
may not see is refused (403).
"""
from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.org.models import Employee, Unit
from portal.org.permissions import readable_units
from portal.roles import INSTANSI_READERS


def sees_instansi(user) -> bool:
    """Sees the whole instansi: HR, admins and the auditor."""
    return user.is_authenticated and user.has_role(*INSTANSI_READERS)


def can_view_instansi(user) -> bool:
    """The instansi overview (every unit side by side)."""
    return sees_instansi(user)


def dashboard_units(user) -> list[Unit]:
    """The units whose dashboards the user may open, by name."""
    return readable_units(user)


def can_view_unit(user, unit: Unit, units: list[Unit] | None = None) -> bool:
    """`units`: the user's dashboard_units, when the caller has them already."""
    if not user.is_authenticated or unit.instansi_id != user.instansi_id:
        return False
    return sees_instansi(user) or any(u.id == unit.id for u in (dashboard_units(user) if units is None else units))


def _own_employee(user) -> Employee | None:
    employee = getattr(user, "employee", None)
    return employee if employee is not None and employee.active else None


def direct_reports(user) -> list[Employee]:
    """The employees whose Pejabat Penilai the user is, by name."""
    employee = _own_employee(user)
    if employee is None:
        return []
    return list(db.session.scalars(
        select(Employee).where(Employee.supervisor_id == employee.id, Employee.instansi_id == user.instansi_id)
        .order_by(Employee.name)
    ))


def loket_officers(user) -> list[Employee]:
    """For a unit head: the active employees rostered (at any time) at a loket of a unit they
    manage, by name; nobody else has any."""
    from portal.org.models import Counter, RosterEntry
    from portal.org.permissions import manageable_units

    employee = _own_employee(user)
    if employee is None or not employee.is_unit_head:
        return []
    unit_ids = [u.id for u in manageable_units(user)]
    if not unit_ids:
        return []
    rostered = (select(RosterEntry.employee_id).join(Counter, Counter.id == RosterEntry.counter_id)
                .where(Counter.unit_id.in_(unit_ids)))
    return list(db.session.scalars(
        select(Employee).where(Employee.id.in_(rostered), Employee.instansi_id == user.instansi_id,
                               Employee.active.is_(True), Employee.id != employee.id)
        .order_by(Employee.name)))


def team_members(user) -> list[Employee]:
    """/dasbor/petugas: direct reports, then the officers of the head's lokets not among them."""
    reports = direct_reports(user)
    seen = {e.id for e in reports}
    return reports + [e for e in loket_officers(user) if e.id not in seen]


def visible_officer_ids(user) -> set[int] | None:
    """The officers whose citizen scores the user may see; None means all of the instansi (HR)."""
    if sees_instansi(user):
        return None
    return {e.id for e in direct_reports(user)}


def can_view_officer(user, officer: Employee) -> bool:
    if not user.is_authenticated or officer.instansi_id != user.instansi_id:
        return False
    visible = visible_officer_ids(user)
    return visible is None or officer.id in visible


def can_view_team(user) -> bool:
    """/dasbor/petugas: a supervisor with a direct report, or a unit head whose lokets have officers."""
    return bool(team_members(user))

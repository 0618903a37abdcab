"""Who may see and change appraisal records — the one place these rules live.

- HR and admins see every record of their instansi; HR (or admin) finalises; only an admin
  reopens a finalised record, with a reason.
- The Pejabat Penilai (the employee's direct supervisor) sees their team's records and confirms
  or overrides the rating perilaku and enters the rating hasil kerja while a record is a draft.
- An employee sees their own record once it is confirmed or finalised.
- HR may also enter the rating hasil kerja of a draft, send a confirmed record back to draft
  (with a reason) and read the audit log.
- The auditor (the Inspektorat) reads everything HR reads (periods, records, their audit,
  exports, development areas, recognition) and changes nothing; portal/access.py refuses it
  every change, and the `can_*` rules of changes below never name it.
- Exports and printable sheets follow the same lines (a supervisor exports their team's records);
  development areas across employees and recognition are HR's; admins manage API tokens.
"""
from __future__ import annotations

from portal.accounts.models import ADMIN, HR, SUPERVISOR
from portal.appraisal.models import AppraisalRecord
from portal.roles import INSTANSI_READERS


def is_hr(user) -> bool:
    return user.is_authenticated and user.has_role(HR, ADMIN)


def reads_instansi(user) -> bool:
    """HR, admins and the auditor read every record and period of their instansi."""
    return user.is_authenticated and user.has_role(*INSTANSI_READERS)


def is_admin(user) -> bool:
    return user.is_authenticated and user.has_role(ADMIN)


def _own_instansi(user, record: AppraisalRecord) -> bool:
    return user.is_authenticated and record.employee.instansi_id == user.instansi_id


def is_pejabat_penilai(user, record: AppraisalRecord) -> bool:
    employee = getattr(user, "employee", None)
    return employee is not None and record.employee.supervisor_id == employee.id


def can_view(user, record: AppraisalRecord) -> bool:
    if not _own_instansi(user, record):
        return False
    if reads_instansi(user) or is_pejabat_penilai(user, record):
        return True
    employee = getattr(user, "employee", None)
    return employee is not None and employee.id == record.employee_id and record.status in ("confirmed", "finalised")


def can_confirm(user, record: AppraisalRecord) -> bool:
    return _own_instansi(user, record) and record.status == "draft" and is_pejabat_penilai(user, record)


def can_finalise(user, record: AppraisalRecord) -> bool:
    return _own_instansi(user, record) and record.status == "confirmed" and is_hr(user)


def can_reopen(user, record: AppraisalRecord) -> bool:
    return _own_instansi(user, record) and record.status == "finalised" and is_admin(user)


# --- Outputs: exports, printable sheets, development and recognition, API tokens -------------

#: What of a period's records someone may export.
EVERY_RECORD, OWN_TEAM = "all", "team"


def export_reach(user, period) -> str | None:
    """HR and admins export every record of the period; a Pejabat Penilai (supervisor role)
    their direct reports' records only; anyone else nothing."""
    if not user.is_authenticated or period.instansi_id != user.instansi_id:
        return None
    if reads_instansi(user):
        return EVERY_RECORD
    if user.has_role(SUPERVISOR) and getattr(user, "employee", None) is not None:
        return OWN_TEAM
    return None


def can_print(user, record: AppraisalRecord) -> bool:
    """The printable sheet follows who may see the record (an employee: once confirmed)."""
    return can_view(user, record)


def can_plan_with(user, period) -> bool:
    """Development areas across employees and recognition lists are HR's (the auditor reads them)."""
    return user.is_authenticated and period.instansi_id == user.instansi_id and reads_instansi(user)


def can_manage_api_tokens(user) -> bool:
    return is_admin(user)


def can_set_hasil_kerja(user, record: AppraisalRecord) -> bool:
    """The rating hasil kerja: the Pejabat Penilai, or HR entering it for them, while a draft."""
    return _own_instansi(user, record) and record.status == "draft" and (is_hr(user) or is_pejabat_penilai(user, record))


def can_return_to_draft(user, record: AppraisalRecord) -> bool:
    return _own_instansi(user, record) and record.status == "confirmed" and is_hr(user)


def can_read_audit(user, record: AppraisalRecord) -> bool:
    return _own_instansi(user, record) and reads_instansi(user)


def can_read_period(user, period) -> bool:
    """HR, admins and the auditor read the periods of their own instansi."""
    return user.is_authenticated and period.instansi_id == user.instansi_id and reads_instansi(user)


def can_manage_period(user, period) -> bool:
    """HR and admins create, edit and merge the periods of their own instansi."""
    return user.is_authenticated and period.instansi_id == user.instansi_id and is_hr(user)

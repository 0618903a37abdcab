"""Who may see and change appraisal records — the one place these rules live
(docs/segregation.md explains them).

- Nobody acts on their own record, whatever roles they hold: hasil kerja, confirmation, return
  to draft, finalisation, reopening.
- The record's Pejabat Penilai is fixed on the record when the merge creates it (or by HR's
  reassignment), not read from today's org chart. They see the record, confirm or override the
  rating perilaku and enter the rating hasil kerja while it is a draft. When the penilai is the
  employee themself, the Atasan Pejabat Penilai does it instead.
- The record's Atasan Pejabat Penilai sees it and decides the employee's objection (keberatan).
- HR and admins see every record of their instansi; HR (or admin) finalises a confirmed record,
  but not one they confirmed, not their own, and not while the employee's objection window is
  open or an objection waits; only an admin reopens a finalised record, with a reason.
- An employee sees their own record once it is confirmed or finalised, and may object to it.
- HR may also enter the rating hasil kerja of a draft, send a confirmed record back to draft
  (with a reason, not while an objection waits), reassign its penilai (not when HR is one of the
  people involved) and read the audit log.
- The auditor (the Inspektorat) reads everything HR reads (periods, records, their audit,
  exports, development areas, recognition) and changes nothing; portal/access.py refuses it
  every change, and the `can_*` rules of changes below never name it.
- Exports and printable sheets follow the same lines (a supervisor exports their team's records);
  development areas across employees and recognition are HR's; admins manage API tokens.
"""
from __future__ import annotations

from portal.accounts.models import ADMIN, HR, SUPERVISOR
from portal.appraisal import window
from portal.appraisal.models import AppraisalRecord
from portal.roles import INSTANSI_READERS
from surveys.i18n import N_, Message


def is_hr(user) -> bool:
    return user.is_authenticated and user.has_role(HR, ADMIN)


def reads_instansi(user) -> bool:
    """HR, admins and the auditor read every record and period of their instansi."""
    return user.is_authenticated and user.has_role(*INSTANSI_READERS)


def is_admin(user) -> bool:
    return user.is_authenticated and user.has_role(ADMIN)


def _own_instansi(user, record: AppraisalRecord) -> bool:
    return user.is_authenticated and record.employee.instansi_id == user.instansi_id


def _employee_id(user) -> int | None:
    employee = getattr(user, "employee", None)
    return employee.id if employee is not None else None


def is_own_record(user, record: AppraisalRecord) -> bool:
    """The user's own record: nobody acts on it, whatever roles they hold."""
    return user.is_authenticated and _employee_id(user) == record.employee_id


def decider_id(record: AppraisalRecord) -> int | None:
    """The employee who confirms the record: its fixed Pejabat Penilai, or the Atasan Pejabat
    Penilai when the penilai is the employee themself; None when neither is set (HR reassigns)."""
    for candidate in (record.penilai_id, record.atasan_penilai_id):
        if candidate is not None and candidate != record.employee_id:
            return candidate
    return None


def is_pejabat_penilai(user, record: AppraisalRecord) -> bool:
    """The user decides this record's ratings (by the record, not by today's org chart)."""
    employee_id = _employee_id(user)
    return employee_id is not None and employee_id == decider_id(record) and employee_id != record.employee_id


def is_atasan_penilai(user, record: AppraisalRecord) -> bool:
    employee_id = _employee_id(user)
    return employee_id is not None and employee_id == record.atasan_penilai_id and employee_id != record.employee_id


def can_view(user, record: AppraisalRecord) -> bool:
    if not _own_instansi(user, record):
        return False
    if reads_instansi(user) or is_pejabat_penilai(user, record) or is_atasan_penilai(user, record):
        return True
    return is_own_record(user, record) and record.status in ("confirmed", "finalised")


def can_confirm(user, record: AppraisalRecord) -> bool:
    return (_own_instansi(user, record) and record.status == "draft" and not is_own_record(user, record)
            and is_pejabat_penilai(user, record))


def finalise_refusal(user, record: AppraisalRecord) -> Message | None:
    """Why this user may not finalise this confirmed record now, or None."""
    if not (_own_instansi(user, record) and is_hr(user)):
        return N_("Hanya HR yang dapat memfinalkan catatan penilaian."), {}
    if is_own_record(user, record):
        return OWN_RECORD, {}
    if record.confirmed_by_id == user.id:
        return N_("Anda mengonfirmasi catatan ini; catatan ini difinalkan oleh pengguna HR lain."), {}
    return window.finalise_blocker(record)


def can_finalise(user, record: AppraisalRecord) -> bool:
    return record.status == "confirmed" and finalise_refusal(user, record) is None


def can_reopen(user, record: AppraisalRecord) -> bool:
    return (_own_instansi(user, record) and record.status == "finalised" and is_admin(user)
            and not is_own_record(user, record))


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
    return (_own_instansi(user, record) and record.status == "draft" and not is_own_record(user, record)
            and (is_hr(user) or is_pejabat_penilai(user, record)))


def can_return_to_draft(user, record: AppraisalRecord) -> bool:
    return (_own_instansi(user, record) and record.status == "confirmed" and is_hr(user)
            and not is_own_record(user, record) and window.pending_objection(record) is None)


def can_reassign(user, record: AppraisalRecord) -> bool:
    """HR moves a record to another penilai (a real transfer), unless HR is one of the people
    involved: the employee, or the current penilai or atasan penilai. The new ones are checked
    by the service."""
    employee_id = _employee_id(user)
    involved = {record.employee_id, record.penilai_id, record.atasan_penilai_id}
    return (_own_instansi(user, record) and is_hr(user) and record.status != "finalised"
            and (employee_id is None or employee_id not in involved))


def can_object(user, record: AppraisalRecord) -> bool:
    """The employee objects to their confirmed record within the window (the service says why not)."""
    return is_own_record(user, record) and window.objection_state(record) == window.OPEN


def can_decide_objection(user, record: AppraisalRecord) -> bool:
    """The Atasan Pejabat Penilai of the record decides its objection; never the confirmer."""
    return (_own_instansi(user, record) and is_atasan_penilai(user, record) and record.confirmed_by_id != user.id
            and window.pending_objection(record) is not None)


def can_read_audit(user, record: AppraisalRecord) -> bool:
    return _own_instansi(user, record) and reads_instansi(user)


def can_read_period(user, period) -> bool:
    """HR, admins and the auditor read the periods of their own instansi."""
    return user.is_authenticated and period.instansi_id == user.instansi_id and reads_instansi(user)


OWN_RECORD = N_("Anda tidak dapat bertindak atas catatan penilaian Anda sendiri; catatan ini diputuskan oleh "
                "Pejabat Penilai Anda.")


def can_manage_period(user, period) -> bool:
    """HR and admins create, edit and merge the periods of their own instansi."""
    return user.is_authenticated and period.instansi_id == user.instansi_id and is_hr(user)

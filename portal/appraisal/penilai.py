"""Who decides a record: its Pejabat Penilai and Atasan Pejabat Penilai, fixed from the org chart
when the merge creates the record, and changed afterwards only by HR's explicit reassignment (a
real transfer), with a reason, in the audit log, and never by one of the people involved.

A later edit of the org chart (an atasan langsung changed, an officer moved) does not hand a
record to someone else.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import aliased

from portal.appraisal import audit, permissions
from portal.appraisal.errors import AppraisalError, RecordFinalised, TransitionRefused
from portal.appraisal.models import AppraisalRecord
from portal.appraisal.workflow import checked_reason
from portal.extensions import db
from portal.org.models import Employee
from surveys.i18n import N_


def find_employee(instansi_id: int, nip: str) -> Employee | None:
    """An employee of the instansi by NIP (spaces ignored)."""
    nip = (nip or "").replace(" ", "")
    if not nip:
        return None
    return db.session.scalar(select(Employee).where(Employee.instansi_id == instansi_id, Employee.nip == nip))


def org_chart_penilai(instansi_id: int) -> dict[int, tuple[int | None, int | None]]:
    """Employee id → (atasan langsung, the atasan's own atasan) in today's org chart: the Pejabat
    Penilai and the Atasan Pejabat Penilai a new record gets (one query for the whole merge)."""
    above = aliased(Employee)
    rows = db.session.execute(
        select(Employee.id, Employee.supervisor_id, above.supervisor_id)
        .outerjoin(above, above.id == Employee.supervisor_id)
        .where(Employee.instansi_id == instansi_id, Employee.supervisor_id.is_not(None)))
    return {employee_id: (penilai_id, atasan_id) for employee_id, penilai_id, atasan_id in rows}


def _person(record: AppraisalRecord, employee: Employee | None, role: str) -> Employee | None:
    if employee is None:
        return None
    if employee.instansi_id != record.period.instansi_id or not employee.active:
        raise AppraisalError(N_("%(role)s harus pegawai aktif instansi ini."), {"role": role},
                             field="penilai_id" if role == PENILAI else "atasan_penilai_id")
    if employee.id == record.employee_id:
        raise AppraisalError(N_("Pegawai tidak dapat menjadi %(role)s atas catatannya sendiri."), {"role": role},
                             field="penilai_id" if role == PENILAI else "atasan_penilai_id")
    return employee


PENILAI, ATASAN_PENILAI = N_("Pejabat Penilai"), N_("Atasan Pejabat Penilai")


def reassign(record: AppraisalRecord, hr, penilai: Employee, atasan_penilai: Employee | None,
             reason: str) -> AppraisalRecord:
    """HR moves the record to another Pejabat Penilai (and Atasan Pejabat Penilai), with a
    reason. Refused when HR is one of the people involved, before or after; refused once the
    record is final. A confirmed record keeps its confirmation: a new penilai rates only after a
    return to draft."""
    if record.status == "finalised":
        raise RecordFinalised()
    if not permissions.is_hr(hr) or hr.instansi_id != record.period.instansi_id:
        raise TransitionRefused(N_("Hanya HR yang dapat mengalihkan Pejabat Penilai."))
    if not permissions.can_reassign(hr, record):
        raise TransitionRefused(N_("Anda terlibat dalam catatan ini (sebagai pegawai, Pejabat Penilai atau Atasan "
                                   "Pejabat Penilai); pengalihan dilakukan oleh pengguna HR lain."))
    if penilai is None:
        raise AppraisalError(N_("Pilih Pejabat Penilai."), field="penilai_id")
    penilai = _person(record, penilai, PENILAI)
    atasan_penilai = _person(record, atasan_penilai, ATASAN_PENILAI)
    if atasan_penilai is not None and atasan_penilai.id == penilai.id:
        raise AppraisalError(N_("Atasan Pejabat Penilai tidak boleh sama dengan Pejabat Penilai."),
                             field="atasan_penilai_id")
    own = getattr(hr, "employee_id", None)
    if own is not None and own in (penilai.id, getattr(atasan_penilai, "id", None)):
        raise TransitionRefused(N_("Anda tidak dapat menetapkan diri sendiri sebagai Pejabat Penilai atau Atasan "
                                   "Pejabat Penilai."))
    text = checked_reason(reason, True)
    changes = {"penilai_id": penilai.id, "atasan_penilai_id": atasan_penilai.id if atasan_penilai else None}
    if all(getattr(record, k) == v for k, v in changes.items()):
        raise AppraisalError(N_("Pejabat Penilai dan atasannya tidak berubah."), field="penilai_id")
    audit.change(record, "reassign", hr, changes, reason=text)
    return record

"""The appraisal's entries in the instansi-wide audit log (`portal.audit`): period settings and
their changes, objections. Changes to a record itself go to the record's own audit
(`portal.appraisal.audit`), which the log's readers show alongside as `appraisal.<action>`."""
from __future__ import annotations

from collections.abc import Mapping

from portal import audit
from portal.appraisal.models import AppraisalObjection, AppraisalPeriod, AppraisalRecord


def period_event(action: str, period: AppraisalPeriod, actor, *, obj=None, before: Mapping | None = None,
                 after: Mapping | None = None, reason: str | None = None) -> None:
    """An entry about a period's settings (the object is the period, or a settings change)."""
    audit.record(action, instansi_id=period.instansi_id, actor=actor, obj=obj or period, label=period.name,
                 before=before, after=after, reason=reason, period_id=period.id)


def objection_event(action: str, objection: AppraisalObjection, actor, *, before: Mapping | None = None,
                    after: Mapping | None = None, reason: str | None = None) -> None:
    """An entry about an objection, filed under its record's employee, unit and period."""
    record: AppraisalRecord = objection.record
    audit.record(action, instansi_id=record.period.instansi_id, actor=actor, obj=objection,
                 label=f"{record.employee.nip} · {record.employee.name} · {record.period.name}",
                 before=before, after=after, reason=reason, employee_id=record.employee_id,
                 unit_id=record.unit_id, period_id=record.period_id)

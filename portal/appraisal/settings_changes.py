"""Changing a period's settings once they are frozen (after its first confirmation): one HR user
proposes, with a reason; another approves or rejects, with a reason (the proposer may withdraw).

An approved change recomputes the drafts only (confirmed and finalised records keep their
figures and their settings), and never the records of the proposer and the approver: those are
pinned, so no later merge recomputes them under the settings they changed either. Every step is
in the audit log.
"""
from __future__ import annotations

import json

from sqlalchemy import select

from portal import clock
from portal.accounts.models import User
from portal.appraisal import audit, permissions, trail
from portal.appraisal.errors import AppraisalError, TransitionRefused
from portal.appraisal.merge import MergeSummary, merge
from portal.appraisal.models import (
    AppraisalPeriod, AppraisalRecord, AppraisalSettingsChange, AppraisalSettingsPin,
)
from portal.appraisal.periods import (
    PeriodSettings, apply_settings, arguments_of, current_settings, is_frozen, settings_diff, settings_json,
    validate_period,
)
from portal.appraisal.workflow import checked_reason
from portal.extensions import db
from portal.org.models import Instansi
from surveys.i18n import N_

STATUS_LABELS = {"pending": N_("Menunggu persetujuan"), "approved": N_("Disetujui"), "rejected": N_("Ditolak"),
                 "withdrawn": N_("Ditarik pengusul")}


def _require_hr(period: AppraisalPeriod, user) -> None:
    if not permissions.can_manage_period(user, period):
        raise TransitionRefused(N_("Hanya HR yang dapat mengubah pengaturan periode."))


def pending_change(period: AppraisalPeriod) -> AppraisalSettingsChange | None:
    return db.session.scalar(select(AppraisalSettingsChange).where(
        AppraisalSettingsChange.period_id == period.id, AppraisalSettingsChange.status == "pending"))


def changes_of(period: AppraisalPeriod) -> list[AppraisalSettingsChange]:
    """The period's proposals, newest first."""
    return list(db.session.scalars(select(AppraisalSettingsChange).where(
        AppraisalSettingsChange.period_id == period.id).order_by(AppraisalSettingsChange.id.desc())))


def proposed_settings(change: AppraisalSettingsChange) -> PeriodSettings:
    """The proposal, validated again against the period as it is now."""
    period = change.period
    return validate_period(db.session.get(Instansi, period.instansi_id), period=period,
                           **arguments_of(json.loads(change.proposed)))


def diff(change: AppraisalSettingsChange) -> tuple[dict, dict]:
    """What the proposal changes, against the period's current settings."""
    return settings_diff(current_settings(change.period), proposed_settings(change))


def propose(period: AppraisalPeriod, user, reason: str, **arguments) -> AppraisalSettingsChange:
    """Propose new settings for a frozen period (the arguments of
    :func:`portal.appraisal.periods.update_period`), with a reason."""
    _require_hr(period, user)
    if not is_frozen(period):
        raise AppraisalError(N_("Pengaturan periode ini belum dipakai; ubah langsung tanpa usulan."))
    if pending_change(period) is not None:
        raise AppraisalError(N_("Sudah ada usulan perubahan yang menunggu persetujuan; putuskan itu lebih dahulu."))
    settings = validate_period(db.session.get(Instansi, period.instansi_id), period=period, **arguments)
    before, after = settings_diff(current_settings(period), settings)
    if not after:
        raise AppraisalError(N_("Usulan ini tidak mengubah apa pun."))
    text = checked_reason(reason, True)
    change = AppraisalSettingsChange(period_id=period.id, proposed=json.dumps(settings_json(settings), sort_keys=True),
                                     proposed_by_id=user.id, proposed_at=clock.now(), proposal_reason=text)
    db.session.add(change)
    db.session.flush()
    trail.period_event("appraisal.settings.propose", period, user, obj=change, before=before, after=after,
                       reason=text)
    return change


def _pending(change: AppraisalSettingsChange, user) -> AppraisalPeriod:
    _require_hr(change.period, user)
    if change.status != "pending":
        raise TransitionRefused(N_("Usulan ini sudah diputuskan."))
    return change.period


def approve(change: AppraisalSettingsChange, user, reason: str) -> MergeSummary:
    """A second HR user approves: the settings apply, the records of the proposer and the
    approver are pinned, and the drafts are merged again."""
    period = _pending(change, user)
    if change.proposed_by_id == user.id:
        raise TransitionRefused(N_("Anda mengusulkan perubahan ini; pengguna HR lain yang menyetujuinya."))
    text = checked_reason(reason, True)
    settings = proposed_settings(change)
    before, after = settings_diff(current_settings(period), settings)
    change.status, change.decided_by_id, change.decided_at, change.decision_reason = "approved", user.id, \
        clock.now(), text
    _pin_records(change, user)
    apply_settings(period, settings)
    trail.period_event("appraisal.settings.approve", period, user, obj=change, before=before, after=after,
                       reason=text)
    return merge(period, user)


def _pin_records(change: AppraisalSettingsChange, approver) -> None:
    """Leave the proposer's and the approver's own records of the period at their settings."""
    employee_ids = {getattr(db.session.get(User, change.proposed_by_id), "employee_id", None),
                    getattr(approver, "employee_id", None)} - {None}
    if not employee_ids:
        return
    records = db.session.scalars(select(AppraisalRecord).where(
        AppraisalRecord.period_id == change.period_id, AppraisalRecord.employee_id.in_(employee_ids)))
    for record in records:
        db.session.add(AppraisalSettingsPin(change_id=change.id, record_id=record.id))
        audit.note(record, "settings.pin", approver, {"settings_change": change.id})
    db.session.flush()


def decline(change: AppraisalSettingsChange, user, reason: str) -> AppraisalSettingsChange:
    """Another HR user rejects the proposal, or its proposer withdraws it; with a reason."""
    period = _pending(change, user)
    text = checked_reason(reason, True)
    status = "withdrawn" if change.proposed_by_id == user.id else "rejected"
    change.status, change.decided_by_id, change.decided_at, change.decision_reason = status, user.id, \
        clock.now(), text
    db.session.flush()
    trail.period_event(f"appraisal.settings.{'withdraw' if status == 'withdrawn' else 'reject'}", period, user,
                       obj=change, before={"status": "pending"}, after={"status": status}, reason=text)
    return change


def pinned_change_of(record: AppraisalRecord) -> AppraisalSettingsChange | None:
    """The approved change that left this record at its settings, if any."""
    return db.session.scalar(select(AppraisalSettingsChange).join(
        AppraisalSettingsPin, AppraisalSettingsPin.change_id == AppraisalSettingsChange.id)
        .where(AppraisalSettingsPin.record_id == record.id).order_by(AppraisalSettingsChange.id).limit(1))

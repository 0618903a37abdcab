"""The employee's right to object (keberatan, PP 30/2019 Pasal 59) as a state of the record:
the window of 14 calendar days from the day the employee was notified of the confirmation,
counted in the instansi's time zone, a waiver, and an objection waiting for its decision.

A leaf of the appraisal feature: permissions and the objection services both read it.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from portal import clock
from portal.appraisal.models import AppraisalObjection, AppraisalRecord
from portal.extensions import db
from portal.org.models import Instansi
from surveys.i18n import N_, Message

#: Calendar days to object, counted from the day after the notification: notified on 1 March,
#: the last day to object is 15 March.
OBJECTION_DAYS = 14

OPEN, WAIVED, PENDING, DECIDED, CLOSED = "open", "waived", "pending", "decided", "closed"
STATE_LABELS = {
    OPEN: N_("Masa keberatan berjalan"), WAIVED: N_("Pegawai melepaskan hak keberatan"),
    PENDING: N_("Keberatan menunggu keputusan"), DECIDED: N_("Keberatan sudah diputuskan"),
    CLOSED: N_("Masa keberatan selesai"),
}


def local_today(record: AppraisalRecord) -> date:
    return clock.today(db.session.get(Instansi, record.period.instansi_id).tz)


def deadline(record: AppraisalRecord) -> date | None:
    """The last day the employee may object, or None before a confirmation."""
    return None if record.notified_on is None else record.notified_on + timedelta(days=OBJECTION_DAYS)


def latest_objection(record: AppraisalRecord) -> AppraisalObjection | None:
    """The objection to the record's current confirmation (one filed since it was confirmed)."""
    if record.confirmed_at is None:
        return None
    return db.session.scalar(select(AppraisalObjection).where(
        AppraisalObjection.record_id == record.id, AppraisalObjection.filed_at >= record.confirmed_at)
        .order_by(AppraisalObjection.id.desc()).limit(1))


def pending_objection(record: AppraisalRecord) -> AppraisalObjection | None:
    if record.id is None:
        return None
    return db.session.scalar(select(AppraisalObjection).where(
        AppraisalObjection.record_id == record.id, AppraisalObjection.status == "pending"))


def objection_state(record: AppraisalRecord, today: date | None = None) -> str | None:
    """OPEN, WAIVED, PENDING, DECIDED or CLOSED for a decided record; None for a draft."""
    if record.status == "draft" or record.confirmed_at is None:
        return None
    objection = latest_objection(record)
    if objection is not None:
        return PENDING if objection.status == "pending" else DECIDED
    if record.objection_waived_at is not None:
        return WAIVED
    last_day = deadline(record)
    if last_day is not None and (today or local_today(record)) <= last_day:
        return OPEN
    return CLOSED


def finalise_blocker(record: AppraisalRecord) -> Message | None:
    """Why HR cannot finalise the record yet because of the employee's right to object, or None."""
    state = objection_state(record)
    if state == OPEN:
        return (N_("Masa keberatan pegawai berjalan sampai %(date)s. Catatan dapat difinalkan setelahnya, atau "
                   "lebih awal bila pegawai melepaskan haknya."), {"date": deadline(record).isoformat()})
    if state == PENDING:
        return (N_("Pegawai mengajukan keberatan; Atasan Pejabat Penilai yang memutuskan dan memfinalkan catatan "
                   "ini."), {})
    return None

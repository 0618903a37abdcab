"""The employee's right to object (keberatan, PP 30/2019 Pasal 59).

The employee who disagrees with their confirmed result files a keberatan, with reasons, within
14 calendar days of the day they were notified of the confirmation (or waives the right). It
goes to the record's Atasan Pejabat Penilai, who records the explanations of the Pejabat
Penilai and of the employee, and decides with a reason: they may change the ratings, the
predikat follows the PermenPANRB 6/2022 matrix, and the decision finalises the record. The
decider is never the confirmer, so "the confirmer does not finalise" holds here too.

Every step is in the audit log and queues mail to the people concerned.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import clock
from portal.appraisal import audit, notices, permissions, trail, window
from portal.appraisal.errors import AppraisalError, RecordFinalised, TransitionRefused
from portal.appraisal.models import AppraisalObjection, AppraisalPeriod, AppraisalRecord
from portal.appraisal.workflow import parse_rating, refuse_own
from portal.extensions import db
from portal.org.models import Employee
from surveys import appraisal
from surveys.i18n import N_

MAX_TEXT = 4000

_CLOSED_BECAUSE = {
    window.PENDING: N_("Keberatan atas penilaian ini sudah diajukan dan menunggu keputusan."),
    window.DECIDED: N_("Keberatan atas penilaian ini sudah diputuskan; hasilnya final."),
    window.WAIVED: N_("Anda sudah melepaskan hak keberatan atas penilaian ini."),
}


def _text(value: str | None, field: str, required_message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise AppraisalError(required_message, field=field)
    if len(text) > MAX_TEXT:
        raise AppraisalError(N_("Paling banyak %(max)d karakter."), {"max": MAX_TEXT}, field=field)
    return text


def _open_for_the_employee(record: AppraisalRecord, user) -> None:
    """The record is the user's own, confirmed, and its objection window is open."""
    if record.status == "finalised":
        raise RecordFinalised()
    if not permissions.is_own_record(user, record):
        raise TransitionRefused(N_("Hanya pegawai yang dinilai yang dapat mengajukan atau melepaskan keberatan."))
    if record.status != "confirmed":
        raise TransitionRefused(N_("Keberatan diajukan atas penilaian yang sudah dikonfirmasi Pejabat Penilai."))
    state = window.objection_state(record)
    if state in _CLOSED_BECAUSE:
        raise TransitionRefused(_CLOSED_BECAUSE[state])
    if state != window.OPEN:
        raise TransitionRefused(N_("Masa keberatan berakhir pada %(date)s (%(days)d hari sejak Anda diberi tahu)."),
                                {"date": window.deadline(record).isoformat(), "days": window.OBJECTION_DAYS})


def file_objection(record: AppraisalRecord, user, reason: str) -> AppraisalObjection:
    """The employee objects to their confirmed record, with reasons, within the window."""
    _open_for_the_employee(record, user)
    text = _text(reason, "reason", N_("Tuliskan alasan keberatan Anda."))
    objection = AppraisalObjection(record_id=record.id, filed_by_id=user.id, filed_at=clock.now(), reason=text,
                                   rating_perilaku_before=record.rating_perilaku,
                                   rating_hasil_kerja_before=record.rating_hasil_kerja,
                                   predikat_before=record.predikat)
    db.session.add(objection)
    db.session.flush()
    trail.objection_event("appraisal.objection.file", objection, user, before=None,
                          after={"status": "pending", "predikat": record.predikat}, reason=text)
    notices.objection_filed(objection)
    return objection


def waive(record: AppraisalRecord, user) -> AppraisalRecord:
    """The employee gives up the right to object, so HR may finalise before the window ends."""
    _open_for_the_employee(record, user)
    audit.change(record, "objection.waive", user, {"objection_waived_at": clock.now()})
    return record


def _decidable(objection: AppraisalObjection, user) -> AppraisalRecord:
    record = objection.record
    if objection.status != "pending":
        raise TransitionRefused(N_("Keberatan ini sudah diputuskan."))
    refuse_own(record, user)
    if record.confirmed_by_id == user.id:
        raise TransitionRefused(N_("Anda mengonfirmasi penilaian ini; keberatannya diputuskan oleh Atasan Pejabat "
                                   "Penilai."))
    if not permissions.can_decide_objection(user, record):
        raise TransitionRefused(N_("Hanya Atasan Pejabat Penilai yang tercatat pada catatan ini yang memutuskan "
                                   "keberatannya."))
    return record


def record_explanations(objection: AppraisalObjection, user, penilai_explanation: str,
                        employee_explanation: str) -> AppraisalObjection:
    """The Atasan Pejabat Penilai records what the penilai and the employee explained."""
    _decidable(objection, user)
    penilai_text = _text(penilai_explanation, "penilai_explanation", N_("Catat penjelasan Pejabat Penilai."))
    employee_text = _text(employee_explanation, "employee_explanation", N_("Catat penjelasan pegawai."))
    before = {"penilai_explanation": objection.penilai_explanation,
              "employee_explanation": objection.employee_explanation}
    objection.penilai_explanation, objection.employee_explanation = penilai_text, employee_text
    objection.explained_by_id, objection.explained_at = user.id, clock.now()
    db.session.flush()
    trail.objection_event("appraisal.objection.explain", objection, user, before=before,
                          after={"penilai_explanation": penilai_text, "employee_explanation": employee_text})
    return objection


def decide(objection: AppraisalObjection, user, rating_perilaku: str, rating_hasil_kerja: str,
           reason: str) -> AppraisalObjection:
    """The Atasan Pejabat Penilai sets the result, with a reason, after both explanations: the
    predikat follows the matrix and the record is final."""
    record = _decidable(objection, user)
    if not (objection.penilai_explanation and objection.employee_explanation):
        raise TransitionRefused(N_("Catat penjelasan Pejabat Penilai dan pegawai sebelum memutuskan."))
    perilaku = parse_rating(rating_perilaku, "rating_perilaku")
    hasil = parse_rating(rating_hasil_kerja, "rating_hasil_kerja")
    text = _text(reason, "reason", N_("Tuliskan alasan keputusan."))
    predikat = appraisal.predikat(hasil, perilaku).value
    now = clock.now()
    objection.status, objection.decided_by_id, objection.decided_at = "decided", user.id, now
    objection.decision_reason = text
    objection.rating_perilaku_after, objection.rating_hasil_kerja_after = perilaku.value, hasil.value
    objection.predikat_after = predikat
    audit.change(record, "objection.decide", user, {
        "rating_perilaku": perilaku.value, "rating_hasil_kerja": hasil.value, "predikat": predikat,
        "status": "finalised", "finalised_by_id": user.id, "finalised_at": now,
    }, reason=text)
    notices.objection_decided(objection)
    return objection


def objections_of(record: AppraisalRecord) -> list[AppraisalObjection]:
    return list(db.session.scalars(select(AppraisalObjection).where(AppraisalObjection.record_id == record.id)
                                   .order_by(AppraisalObjection.id)))


def work_list(atasan: Employee) -> list[AppraisalObjection]:
    """Objections waiting for this Atasan Pejabat Penilai's decision, oldest first."""
    return list(db.session.scalars(
        select(AppraisalObjection).join(AppraisalRecord, AppraisalRecord.id == AppraisalObjection.record_id)
        .options(selectinload(AppraisalObjection.record).selectinload(AppraisalRecord.employee))
        .where(AppraisalObjection.status == "pending", AppraisalRecord.atasan_penilai_id == atasan.id,
               AppraisalRecord.employee_id != atasan.id)
        .order_by(AppraisalObjection.filed_at, AppraisalObjection.id)))


def pending_in(period: AppraisalPeriod) -> list[AppraisalObjection]:
    """The period's objections waiting for a decision (HR follows them up)."""
    return list(db.session.scalars(
        select(AppraisalObjection).join(AppraisalRecord, AppraisalRecord.id == AppraisalObjection.record_id)
        .options(selectinload(AppraisalObjection.record).selectinload(AppraisalRecord.employee))
        .where(AppraisalObjection.status == "pending", AppraisalRecord.period_id == period.id)
        .order_by(AppraisalObjection.filed_at, AppraisalObjection.id)))

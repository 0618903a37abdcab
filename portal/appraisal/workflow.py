"""The record's workflow: Draft → Confirmed (by the Pejabat Penilai) → Finalised (by HR, or by
the Atasan Pejabat Penilai's decision on an objection), with HR's return to draft and an admin's
reopen. Every step is checked against the record's state, the user's role and the segregation
of duties (nobody acts on their own record; the confirmer does not finalise), and logged in the
audit log."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from portal import clock
from portal.appraisal import audit, notices, permissions, window
from portal.appraisal.errors import AppraisalError, RecordFinalised, TransitionRefused
from portal.appraisal.models import AppraisalPeriod, AppraisalRecord
from portal.extensions import db
from portal.org.models import Employee
from surveys import appraisal
from surveys.appraisal import Rating
from surveys.errors import InvalidValue
from surveys.i18n import N_

STATUS_LABELS = {"draft": N_("Draf"), "confirmed": N_("Dikonfirmasi"), "finalised": N_("Final")}
MAX_REASON = 2000


def parse_rating(value: str | Rating | None, field_name: str) -> Rating:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise AppraisalError(N_("Pilih penilaian."), field=field_name)
    try:
        return appraisal.parse_rating(value)
    except InvalidValue as error:
        raise AppraisalError(error.message, error.params, field=field_name) from None


def checked_reason(text: str | None, required: bool, field_name: str = "reason") -> str | None:
    text = (text or "").strip()
    if required and not text:
        raise AppraisalError(N_("Alasan wajib diisi."), field=field_name)
    if len(text) > MAX_REASON:
        raise AppraisalError(N_("Alasan paling banyak %(max)d karakter."), {"max": MAX_REASON}, field=field_name)
    return text or None


def _refuse_if_finalised(record: AppraisalRecord) -> None:
    if record.status == "finalised":
        raise RecordFinalised()


def refuse_own(record: AppraisalRecord, user) -> None:
    """Nobody acts on their own record, whatever roles they hold."""
    if permissions.is_own_record(user, record):
        raise TransitionRefused(permissions.OWN_RECORD)


def set_hasil_kerja(record: AppraisalRecord, user, rating: str | Rating) -> AppraisalRecord:
    """The Pejabat Penilai (or HR) records the rating hasil kerja while the record is a draft."""
    _refuse_if_finalised(record)
    refuse_own(record, user)
    if not permissions.can_set_hasil_kerja(user, record):
        raise TransitionRefused(N_("Hasil kerja hanya dapat diisi oleh Pejabat Penilai atau HR selama catatan masih draf."))
    value = parse_rating(rating, "rating_hasil_kerja")
    if record.rating_hasil_kerja != value.value:
        audit.change(record, "hasil_kerja", user, {"rating_hasil_kerja": value.value})
    return record


def confirm(record: AppraisalRecord, user, rating_perilaku: str | Rating, override_reason: str | None = None,
            rating_hasil_kerja: str | Rating | None = None) -> AppraisalRecord:
    """The record's Pejabat Penilai confirms or overrides the suggested rating perilaku (a reason
    is required when it differs from the suggestion); the predikat follows the matrix. The
    employee is notified, and the objection window counts from that day; the period's settings
    are frozen from the first confirmation on."""
    _refuse_if_finalised(record)
    if record.status != "draft":
        raise TransitionRefused(N_("Catatan ini sudah dikonfirmasi."))
    refuse_own(record, user)
    if not permissions.can_confirm(user, record):
        raise TransitionRefused(*_not_the_penilai(record))
    perilaku = parse_rating(rating_perilaku, "rating_perilaku")
    hasil = rating_hasil_kerja if rating_hasil_kerja not in (None, "") else record.rating_hasil_kerja
    if hasil is None:
        raise AppraisalError(N_("Isi penilaian hasil kerja terlebih dahulu."), field="rating_hasil_kerja")
    hasil = parse_rating(hasil, "rating_hasil_kerja")
    suggested = record.rating_perilaku_suggested
    overriding = suggested is not None and perilaku.value != suggested
    if overriding and not (override_reason or "").strip():
        raise AppraisalError(
            N_("Penilaian perilaku berbeda dari saran (%(suggested)s); tuliskan alasannya."),
            {"suggested": suggested}, field="override_reason")
    # A reason belongs to an override; confirming the suggestion needs none.
    reason = checked_reason(override_reason, True, "override_reason") if overriding else None
    now = clock.now()
    audit.change(record, "confirm", user, {
        "rating_perilaku": perilaku.value, "override_reason": reason, "rating_hasil_kerja": hasil.value,
        "predikat": appraisal.predikat(hasil, perilaku).value, "status": "confirmed",
        "confirmed_by_id": user.id, "confirmed_at": now, "notified_on": window.local_today(record),
        "objection_waived_at": None,
    }, reason=reason)
    if record.period.settings_frozen_at is None:
        record.period.settings_frozen_at = now
    notices.confirmed(record)
    return record


def _not_the_penilai(record: AppraisalRecord) -> tuple[str, dict]:
    decider = db.session.get(Employee, permissions.decider_id(record)) if permissions.decider_id(record) else None
    if decider is None:
        return N_("Catatan ini belum mempunyai Pejabat Penilai; HR perlu menetapkannya lebih dahulu."), {}
    return (N_("Hanya Pejabat Penilai yang tercatat pada catatan ini (%(name)s) yang dapat mengonfirmasinya."),
            {"name": decider.name})


def finalise(record: AppraisalRecord, user) -> AppraisalRecord:
    """HR closes a confirmed record, when it is not their own, they did not confirm it, and the
    employee's objection window is over (or waived) with no objection waiting; from then on
    nothing changes it but an admin's reopen."""
    _refuse_if_finalised(record)
    if record.status != "confirmed":
        raise TransitionRefused(N_("Hanya catatan yang sudah dikonfirmasi Pejabat Penilai yang dapat difinalkan."))
    refused = permissions.finalise_refusal(user, record)
    if refused is not None:
        raise TransitionRefused(*refused)
    audit.change(record, "finalise", user, {"status": "finalised", "finalised_by_id": user.id,
                                             "finalised_at": clock.now()})
    return record


@dataclass(frozen=True)
class UnitFinalisation:
    """What finalising a unit did: records finalised, and confirmed records this user may not
    finalise now (objection window, an objection waiting, their own, or confirmed by them)."""

    finalised: int
    left: int


def finalisable(period: AppraisalPeriod, unit_id: int, user) -> tuple[list[AppraisalRecord], int]:
    """The unit's confirmed records this user may finalise now, and how many confirmed ones not."""
    records = db.session.scalars(select(AppraisalRecord).where(
        AppraisalRecord.period_id == period.id, AppraisalRecord.unit_id == unit_id,
        AppraisalRecord.status == "confirmed").order_by(AppraisalRecord.id)).all()
    ready = [record for record in records if permissions.finalise_refusal(user, record) is None]
    return ready, len(records) - len(ready)


def finalise_unit(period: AppraisalPeriod, unit_id: int, user) -> UnitFinalisation:
    """Finalise every confirmed record of a unit that this user may finalise now."""
    ready, left = finalisable(period, unit_id, user)
    for record in ready:
        finalise(record, user)
    return UnitFinalisation(len(ready), left)


def reopen(record: AppraisalRecord, admin, reason: str) -> AppraisalRecord:
    """Only an admin reopens a finalised record, with a reason; it goes back to confirmed."""
    if record.status != "finalised":
        raise TransitionRefused(N_("Hanya catatan final yang dapat dibuka kembali."))
    refuse_own(record, admin)
    if not permissions.can_reopen(admin, record):
        raise TransitionRefused(N_("Hanya admin yang dapat membuka kembali catatan final."))
    text = checked_reason(reason, True)
    audit.change(record, "reopen", admin, {"status": "confirmed", "finalised_by_id": None, "finalised_at": None},
                 reason=text)
    return record


def return_to_draft(record: AppraisalRecord, hr, reason: str) -> AppraisalRecord:
    """HR sends a confirmed record back to the Pejabat Penilai, with a reason (not while an
    objection waits: the Atasan Pejabat Penilai decides it). The next confirmation starts a new
    objection window."""
    _refuse_if_finalised(record)
    if record.status != "confirmed":
        raise TransitionRefused(N_("Hanya catatan yang sudah dikonfirmasi yang dapat dikembalikan ke draf."))
    refuse_own(record, hr)
    if window.pending_objection(record) is not None:
        raise TransitionRefused(N_("Pegawai mengajukan keberatan; Atasan Pejabat Penilai yang memutuskannya."))
    if not permissions.can_return_to_draft(hr, record):
        raise TransitionRefused(N_("Hanya HR yang dapat mengembalikan catatan ke draf."))
    text = checked_reason(reason, True)
    audit.change(record, "return_to_draft", hr, {
        "status": "draft", "rating_perilaku": None, "override_reason": None, "predikat": None,
        "confirmed_by_id": None, "confirmed_at": None, "notified_on": None, "objection_waived_at": None,
    }, reason=text)
    return record

"""The review of held responses ("Integritas data"): bursts shown with their pattern, released or
rejected as a whole by HR with a reason, commented on by the managers of their unit.

Releasing a burst adds its responses to the rollups, so they count from then on; a rejected
response is kept, marked, and never counts. Every decision is written to the audit log.
"""
from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import func, or_, select, update

from portal import audit, clock
from portal.extensions import db
from portal.feedback.models import UNSUR_COLUMNS, HoldGroup, HoldNote, SkmComment, SkmResponse
from portal.feedback.services import add_to_rollups
from portal.org.models import Counter, Employee
from portal.roles import HR
from surveys.errors import DomainError
from surveys.i18n import N_

MAX_REASON = 1000
#: What each hold reason means, as the review queue says it (docs/integrity.md).
REASON_SENTENCES = {
    "rate_loket": N_("Lebih banyak tanggapan web di loket ini dalam beberapa menit daripada batas wajar loket."),
    "rate_officer": N_("Lebih banyak tanggapan web untuk petugas ini dalam beberapa menit daripada batas wajar "
                       "petugas, di loket mana pun."),
    "ticket_loket": N_("Tiket antrean dipakai di loket lain dari loket tiket itu diterbitkan."),
    "identical_run": N_("Rangkaian jawaban yang persis sama untuk petugas ini, jauh di atas riwayat petugas itu."),
    "off_roster": N_("Serangkaian tanggapan untuk petugas yang selama satu jam terakhir tidak terjadwal bertugas."),
    "period_end": N_("Lonjakan tanggapan untuk petugas ini menjelang akhir periode penilaian, jauh di atas hari "
                     "biasanya."),
    "paper_batch": N_("Baris survei kertas yang menunggu verifikasi petugas BKPSDM kedua."),
}


class ReviewError(DomainError):
    """A review action that the rules or the burst's state refuse."""


@dataclass(frozen=True)
class Pattern:
    """What a burst looks like: its responses' times, officers and answers, counted."""

    size: int
    first_at: datetime
    last_at: datetime
    #: (officer name or None, responses), most first.
    officers: list[tuple[str | None, int]]
    #: (the nine answers as "1 1 1 …", responses), most first.
    answers: list[tuple[str, int]]
    #: (hold reason code, responses), most first.
    reasons: list[tuple[str, int]]
    negative: int


def held_responses(unit_id: int, first: date | None = None, last: date | None = None) -> list[dict]:
    """Every response of the unit that was held for review or came in a paper batch that did not
    count at once (and any response of a withdrawn batch), oldest first, as `held --json` prints
    them: a counted one among them was released (or its batch verified)."""
    r = SkmResponse
    conditions = [r.unit_id == unit_id, or_(r.hold_reason.is_not(None), r.status == "withdrawn")]
    if first is not None:
        conditions.append(r.local_date >= first)
    if last is not None:
        conditions.append(r.local_date <= last)
    rows = db.session.execute(
        select(r.id, Counter.code, r.submitted_at, Employee.nip, r.hold_reason, r.status)
        .join(Counter, Counter.id == r.counter_id).outerjoin(Employee, Employee.id == r.employee_id)
        .where(*conditions).order_by(r.submitted_at, r.id)
    )
    return [{"id": id_, "counter": code, "submitted_at": at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
             "employee_nip": nip, "reason": reason or "paper_batch", "status": "released" if status == "counted" else status}
            for id_, code, at, nip, reason, status in rows]


def responses_of(group: HoldGroup) -> list[SkmResponse]:
    return list(db.session.scalars(
        select(SkmResponse).where(SkmResponse.hold_group_id == group.id)
        .order_by(SkmResponse.submitted_at, SkmResponse.id)
    ))


def pattern(group: HoldGroup, responses: list[SkmResponse]) -> Pattern:
    names = dict(db.session.execute(select(Employee.id, Employee.name).where(
        Employee.id.in_({r.employee_id for r in responses if r.employee_id}))).all())
    officers = Tally(names.get(r.employee_id) for r in responses)
    answers = Tally(" ".join(str(getattr(r, c)) for c in UNSUR_COLUMNS) for r in responses)
    reasons = Tally(r.hold_reason for r in responses)
    return Pattern(
        size=len(responses), first_at=group.first_at, last_at=group.last_at,
        officers=officers.most_common(), answers=answers.most_common(), reasons=reasons.most_common(),
        negative=sum(1 for r in responses if r.negative),
    )


def groups(unit_ids: Collection[int], status: str = "open", limit: int = 100) -> list[HoldGroup]:
    """The bursts of these units in this status, newest first."""
    if not unit_ids:
        return []
    return list(db.session.scalars(
        select(HoldGroup).where(HoldGroup.unit_id.in_(list(unit_ids)), HoldGroup.status == status)
        .order_by(HoldGroup.last_at.desc(), HoldGroup.id.desc()).limit(limit)
    ))


def open_count(unit_ids: Collection[int]) -> int:
    """Held responses awaiting review in these units."""
    if not unit_ids:
        return 0
    return db.session.scalar(select(func.count(SkmResponse.id)).where(
        SkmResponse.unit_id.in_(list(unit_ids)), SkmResponse.hold_reason.is_not(None), SkmResponse.status == "held"))


def notes_of(group: HoldGroup) -> list[HoldNote]:
    return list(db.session.scalars(select(HoldNote).where(HoldNote.group_id == group.id)
                                   .order_by(HoldNote.created_at, HoldNote.id)))


def comments_of(responses: list[SkmResponse]) -> dict[int, str]:
    """The saran written with held responses, by response id (the reviewer reads them too)."""
    rows = db.session.execute(select(SkmComment.response_id, SkmComment.text).where(
        SkmComment.response_id.in_([r.id for r in responses]), SkmComment.text.is_not(None)))
    return dict(rows.all())


def may_decide(user, group: HoldGroup) -> bool:
    """HR decides, never on a burst that names the HR user as the officer who served."""
    if not user.has_role(HR) or user.instansi_id != group.instansi_id:
        return False
    if user.employee_id is None:
        return True
    return not db.session.scalar(select(func.count(SkmResponse.id)).where(
        SkmResponse.hold_group_id == group.id, SkmResponse.employee_id == user.employee_id))


def _decide(group: HoldGroup, user, reason: str, status: str, now: datetime | None) -> int:
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError(N_("Tuliskan alasan keputusan ini."))
    if len(reason) > MAX_REASON:
        raise ReviewError(N_("Alasan paling banyak %(max)d karakter."), {"max": MAX_REASON})
    if group.status != "open":
        raise ReviewError(N_("Kelompok tanggapan ini sudah diputuskan."))
    if not may_decide(user, group):
        raise ReviewError(N_("Hanya petugas BKPSDM (HR) yang memutuskan, dan tidak untuk tanggapan tentang dirinya sendiri."))
    responses = [r for r in responses_of(group) if r.status == "held"]
    new_status = "counted" if status == "released" else "rejected"
    db.session.execute(update(SkmResponse).where(SkmResponse.id.in_([r.id for r in responses]))
                       .values(status=new_status))
    if status == "released":
        add_to_rollups(responses)
    group.status, group.decided_by_id, group.decided_at, group.decision_reason = (
        status, user.id, now or clock.now(), reason)
    counter = db.session.get(Counter, group.counter_id)
    audit.record(f"feedback.hold.{'release' if status == 'released' else 'reject'}", instansi_id=group.instansi_id,
                 actor=user, obj=group, label=f"{counter.code} · {group.first_at.isoformat()}",
                 before={"status": "open", "held": len(responses)},
                 after={"status": status, "held": 0, "responses": [r.id for r in responses]},
                 reason=reason, unit_id=group.unit_id)
    db.session.flush()
    return len(responses)


def release(group: HoldGroup, user, reason: str, now: datetime | None = None) -> int:
    """Count every held response of the burst from now on; returns how many."""
    return _decide(group, user, reason, "released", now)


def reject(group: HoldGroup, user, reason: str, now: datetime | None = None) -> int:
    """Mark every held response of the burst rejected: kept, never counted; returns how many."""
    return _decide(group, user, reason, "rejected", now)


def add_note(group: HoldGroup, user, text: str, now: datetime | None = None) -> HoldNote:
    text = (text or "").strip()
    if not text:
        raise ReviewError(N_("Catatan tidak boleh kosong."))
    if len(text) > MAX_REASON:
        raise ReviewError(N_("Catatan paling banyak %(max)d karakter."), {"max": MAX_REASON})
    note = HoldNote(group_id=group.id, author_id=user.id, author_label=user.display_name, text=text,
                    created_at=now or clock.now())
    db.session.add(note)
    db.session.flush()
    return note

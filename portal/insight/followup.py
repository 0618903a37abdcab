"""Tindak lanjut: the saran inbox of a unit and the unit's follow-up of its weakest unsur.

Services flush and never commit; the caller passes the acting user and the moment.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from portal import clock
from portal.extensions import db
from portal.feedback import scoring
from portal.feedback.models import COMMENT_STATUSES, SkmComment
from portal.insight.models import FollowUp
from portal.org.models import Counter, Employee, Unit
from surveys import skm
from surveys.errors import DomainError, NoResponses
from surveys.i18n import N_

FOLLOW_UP_STATUSES = ("direncanakan", "berjalan", "selesai")
COMMENT_STATUS_LABELS = {
    "baru": N_("Baru"),
    "ditindaklanjuti": N_("Ditindaklanjuti"),
    "selesai": N_("Selesai"),
}
FOLLOW_UP_STATUS_LABELS = {
    "direncanakan": N_("Direncanakan"),
    "berjalan": N_("Berjalan"),
    "selesai": N_("Selesai"),
}
MAX_NOTE = 2000
MAX_ACTION = 2000


class FollowUpError(DomainError):
    """A saran update or a follow-up record that cannot be saved as given."""


def _now(now: datetime | None) -> datetime:
    return now or clock.now()


# --- periods -----------------------------------------------------------------------------------------

def quarter_of(day: date) -> tuple[date, date]:
    """The calendar quarter (triwulan) holding `day`: its first and last day."""
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    following = date(day.year + 1, 1, 1) if first_month == 10 else date(day.year, first_month + 3, 1)
    return start, following - timedelta(days=1)


def recent_quarters(day: date, count: int) -> list[tuple[date, date]]:
    """The quarter holding `day` and the ones before it, newest first."""
    quarters = [quarter_of(day)]
    while len(quarters) < count:
        quarters.append(quarter_of(quarters[-1][0] - timedelta(days=1)))
    return quarters


def last_full_quarter(day: date) -> tuple[date, date]:
    return quarter_of(quarter_of(day)[0] - timedelta(days=1))


# --- the saran inbox --------------------------------------------------------------------------------

@dataclass(frozen=True)
class InboxFilter:
    """Which saran to list: always within `unit_ids` (the units the user manages)."""

    unit_ids: tuple[int, ...]
    unit_id: int | None = None
    status: str | None = None
    counter_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None

    def conditions(self) -> list:
        conditions = [SkmComment.unit_id.in_(self.unit_ids)]
        if self.unit_id is not None:
            conditions.append(SkmComment.unit_id == self.unit_id)
        if self.status is not None:
            conditions.append(SkmComment.status == self.status)
        if self.counter_id is not None:
            conditions.append(SkmComment.counter_id == self.counter_id)
        if self.date_from is not None:
            conditions.append(SkmComment.local_date >= self.date_from)
        if self.date_to is not None:
            conditions.append(SkmComment.local_date <= self.date_to)
        return conditions


def inbox(selection: InboxFilter, page: int = 1, per_page: int = 20) -> tuple[list[SkmComment], int]:
    """One page of saran, newest first, and the number of saran matching the filter."""
    if not selection.unit_ids:
        return [], 0
    total = db.session.scalar(select(func.count(SkmComment.id)).where(*selection.conditions()))
    rows = db.session.scalars(
        select(SkmComment).where(*selection.conditions())
        .order_by(SkmComment.created_at.desc(), SkmComment.id.desc())
        .limit(per_page).offset((max(page, 1) - 1) * per_page)
    ).all()
    return list(rows), int(total)


def status_counts(unit_ids, date_from: date | None = None, date_to: date | None = None) -> dict[str, int]:
    """Saran per status (every status present, zero when none)."""
    conditions = [SkmComment.unit_id.in_(list(unit_ids))]
    if date_from is not None:
        conditions.append(SkmComment.local_date >= date_from)
    if date_to is not None:
        conditions.append(SkmComment.local_date <= date_to)
    rows = db.session.execute(
        select(SkmComment.status, func.count(SkmComment.id)).where(*conditions).group_by(SkmComment.status)
    ).all()
    counts = dict.fromkeys(COMMENT_STATUSES, 0)
    counts.update({status: int(n) for status, n in rows})
    return counts


def assignable_employees(unit_id: int) -> list[Employee]:
    """Who a saran can be given to: the active employees of the saran's unit."""
    return list(db.session.scalars(
        select(Employee).where(Employee.unit_id == unit_id, Employee.active.is_(True)).order_by(Employee.name)
    ))


def update_comment(comment: SkmComment, status: str, assignee_id: int | None, note: str | None,
                   now: datetime | None = None) -> None:
    if status not in COMMENT_STATUSES:
        raise FollowUpError(N_("Status saran tidak dikenal."))
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise FollowUpError(N_("Catatan paling banyak %(max)d karakter."), {"max": MAX_NOTE})
    if assignee_id is not None:
        assignee = db.session.get(Employee, assignee_id)
        if assignee is None or assignee.unit_id != comment.unit_id or not assignee.active:
            raise FollowUpError(N_("Penanggung jawab harus pegawai aktif unit ini."))
    comment.status, comment.assignee_id, comment.response_note = status, assignee_id, note or None
    comment.updated_at = _now(now)
    db.session.flush()


def counters_of(unit_ids) -> list[Counter]:
    return list(db.session.scalars(select(Counter).where(Counter.unit_id.in_(list(unit_ids))).order_by(Counter.code)))


# --- follow-up of the weakest unsur -----------------------------------------------------------------

def weakest_unsur(unit: Unit, period_from: date, period_to: date) -> str | None:
    """The lowest-scoring unsur of the unit in the period (the first in U-order on a tie), if any responses."""
    try:
        result = scoring.ikm(scoring.Scope(unit.instansi_id, unit_id=unit.id, date_from=period_from, date_to=period_to))
    except NoResponses:
        return None
    return result.weakest[0]


def follow_ups(unit: Unit) -> list[FollowUp]:
    return list(db.session.scalars(
        select(FollowUp).where(FollowUp.unit_id == unit.id)
        .order_by(FollowUp.period_to.desc(), FollowUp.created_at.desc(), FollowUp.id.desc())
    ))


def latest_follow_ups(unit: Unit, limit: int = 5) -> list[FollowUp]:
    return follow_ups(unit)[:limit]


def previous_follow_ups(unit: Unit, before: date) -> list[FollowUp]:
    """The follow-ups of the most recent period that ended before `before` (for the Laporan SKM)."""
    last_end = db.session.scalar(select(func.max(FollowUp.period_to)).where(
        FollowUp.unit_id == unit.id, FollowUp.period_to < before))
    if last_end is None:
        return []
    return list(db.session.scalars(
        select(FollowUp).where(FollowUp.unit_id == unit.id, FollowUp.period_to == last_end)
        .order_by(FollowUp.period_from, FollowUp.unsur, FollowUp.id)
    ))


def add_follow_up(unit: Unit, period_from: date, period_to: date, unsur: str | None, action: str, status: str,
                  target_date: date | None, user, now: datetime | None = None) -> FollowUp:
    """Record a tindak lanjut; without an unsur, the weakest unsur of the period is used."""
    if period_from > period_to:
        raise FollowUpError(N_("Tanggal awal periode harus sebelum tanggal akhir."))
    if status not in FOLLOW_UP_STATUSES:
        raise FollowUpError(N_("Status tindak lanjut tidak dikenal."))
    action = (action or "").strip()
    if not action:
        raise FollowUpError(N_("Tuliskan tindakan yang dilakukan."))
    if len(action) > MAX_ACTION:
        raise FollowUpError(N_("Tindakan paling banyak %(max)d karakter."), {"max": MAX_ACTION})
    if not unsur:
        unsur = weakest_unsur(unit, period_from, period_to)
        if unsur is None:
            raise FollowUpError(N_("Belum ada tanggapan pada periode ini; pilih unsurnya sendiri."))
    if unsur not in skm.UNSUR_BY_KODE:
        raise FollowUpError(N_("Unsur tidak dikenal."))
    moment = _now(now)
    follow_up = FollowUp(
        unit_id=unit.id, period_from=period_from, period_to=period_to, unsur=unsur, action=action, status=status,
        target_date=target_date, created_by_id=getattr(user, "id", None), created_at=moment,
    )
    db.session.add(follow_up)
    db.session.flush()
    return follow_up


def set_follow_up_status(follow_up: FollowUp, status: str, now: datetime | None = None) -> None:
    if status not in FOLLOW_UP_STATUSES:
        raise FollowUpError(N_("Status tindak lanjut tidak dikenal."))
    if follow_up.status != status:
        follow_up.status, follow_up.updated_at = status, _now(now)
        db.session.flush()

"""Building appraisal evidence for tests: citizen responses naming an officer, an open 360 cycle,
and a released one whose raters answered as told."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from portal import clock
from portal.appraisal import workflow
from portal.appraisal.periods import create_period
from portal.appraisal.window import OBJECTION_DAYS
from portal.feedback.services import Submission, record_response
from portal.localtime import today
from portal.reviews import raters, services as reviews
from portal.reviews.models import ReviewInvitation

NOON_UTC = datetime(2026, 3, 2, 4, 0, tzinfo=timezone.utc)  # 12:00 WITA
FRONT = {"citizen": 30, "atasan": 40, "rekan": 20, "bawahan": 10, "self": 0}
BACK = {"citizen": 0, "atasan": 50, "rekan": 30, "bawahan": 20, "self": 0}


def citizen_responses(counter, employee, u6: list[int], u7: list[int], when: datetime = NOON_UTC) -> None:
    """One response per pair (u6[i], u7[i]); the other unsur are 3."""
    assert len(u6) == len(u7)
    for i, (a, b) in enumerate(zip(u6, u7)):
        scores = {f"U{k}": 3 for k in range(1, 10)}
        scores.update({"U6": a, "U7": b})
        record_response(counter, Submission(scores=scores, employee_id=employee.id,
                                            submitted_at=when + timedelta(minutes=i)))


Answer = Callable[[ReviewInvitation], int | None | dict[str, int | None]]


def draft_cycle(org, *, name: str = "Tahunan 2026", unit_ids=None, threshold: int = 3):
    """A draft tahunan 360 cycle over the org's unit (from yesterday, for 30 days), raters
    proposed from the org chart: reviewees may still nominate peers."""
    local_today = today(org.instansi.tz)
    cycle = reviews.create_cycle(org.instansi, name=name, period_kind="tahunan",
                                 opens_on=local_today - timedelta(days=1), closes_on=local_today + timedelta(days=30),
                                 unit_ids=unit_ids or [org.unit.id], threshold=threshold)
    raters.propose_raters(cycle)
    return cycle


def open_cycle(org, *, name: str = "Tahunan 2026", unit_ids=None, threshold: int = 3):
    """The draft cycle, opened."""
    cycle = draft_cycle(org, name=name, unit_ids=unit_ids, threshold=threshold)
    reviews.transition(cycle, "open", org.instansi)
    return cycle


def released_cycle(org, answer: Answer, *, name: str = "Ulasan 2026", unit_ids=None, threshold: int = 3,
                   skip: Callable[[ReviewInvitation], bool] = lambda inv: False):
    """A 360 cycle over the org's unit, every rater answering ``answer(invitation)`` (one score for
    every item, or a score per value code; None = tidak dapat menilai) unless ``skip`` says so."""
    cycle = open_cycle(org, name=name, unit_ids=unit_ids, threshold=threshold)
    items = cycle.questionnaire.items
    for invitation in list(cycle_invitations(cycle)):
        if skip(invitation):
            continue
        given = answer(invitation)
        if isinstance(given, dict):
            scores = {item.id: given[item.value_code] for item in items}
        else:
            scores = {item.id: given for item in items}
        reviews.submit(invitation, reviews.Answers(scores), org.instansi, invitation.rater)
    reviews.transition(cycle, "closed", org.instansi)
    reviews.transition(cycle, "released", org.instansi)
    return cycle


def cycle_invitations(cycle):
    from sqlalchemy import select

    from portal.extensions import db

    return db.session.scalars(select(ReviewInvitation).where(ReviewInvitation.cycle_id == cycle.id)
                              .order_by(ReviewInvitation.id)).all()


def make_period(owner, cycles=(), *, name="Penilaian Kinerja Tahunan 2026", front=None, back=None,
                thresholds=(Decimal(80), Decimal(60)), min_citizen_n=10, officer_unsur=("U6", "U7"),
                citizen_from=date(2026, 1, 1), citizen_to=date(2026, 12, 31)):
    """An appraisal period of `owner`'s instansi (an org fixture, or an Instansi)."""
    return create_period(
        getattr(owner, "instansi", owner), name, "tahunan", citizen_from, citizen_to, [c.id for c in cycles],
        {"front_line": front or FRONT, "back_office": back or BACK}, thresholds, min_citizen_n, officer_unsur)


def record_of(period, employee):
    from sqlalchemy import select

    from portal.appraisal.models import AppraisalRecord
    from portal.extensions import db

    return db.session.scalar(select(AppraisalRecord).where(
        AppraisalRecord.period_id == period.id, AppraisalRecord.employee_id == employee.id))


#: Long enough that the objection window of a confirmation is over.
PAST_THE_WINDOW = timedelta(days=OBJECTION_DAYS + 1)


def confirm_earlier(record, user, perilaku="Sesuai Ekspektasi", reason=None, hasil="Sesuai Ekspektasi"):
    """Confirm the record as ``user`` fifteen days ago: the employee's objection window is over,
    so HR may finalise it now."""
    with clock.frozen(clock.now() - PAST_THE_WINDOW):
        return workflow.confirm(record, user, perilaku, reason, hasil)

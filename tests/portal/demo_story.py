"""The demo's story, as assertions: the session's demo is checked with them (test_demo*.py,
test_alerts.py, test_reviews_reports.py) and the date sweep (test_demo_sweep.py) checks every
demo it builds with the same ones, so the story holds on any day and in any time zone.

Each takes the database, the demo instansi and the local `today` the demo was built on; the
clock must read a moment of that day.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import and_, func, or_, select

from portal import clock
from portal.accounts.models import User
from portal.appraisal import objections, window
from portal.appraisal.overview import records_of
from portal.appraisal.periods import status_counts
from portal.appraisal.models import AppraisalPeriod, AppraisalRecord, AuditEntry
from portal.demo.appraisal import period_name
from portal.demo.reviews import open_name, released_name
from portal.feedback.models import UNSUR_COLUMNS, SkmComment, SkmDaily, SkmResponse
from portal.feedback.scoring import Scope, ikm, totals
from portal.insight import alerts, followup
from portal.insight.models import Alert, AlertRule, FollowUp
from portal.kiosk.models import KioskDevice, KioskVote
from portal.mail.models import OutboxMessage
from portal.org.models import Counter, Employee, Instansi, RosterEntry, Unit
from portal.reviews import services as reviews
from portal.reviews.models import ReviewCycle, ReviewInvitation, ReviewPoolEntry, ReviewResponse
from surveys import skm


def _by_code(db, instansi: Instansi, model, code: str):
    unit_ids = select(Unit.id).where(Unit.instansi_id == instansi.id)
    owner = Unit.instansi_id == instansi.id if model is Unit else model.unit_id.in_(unit_ids)
    return db.session.scalar(select(model).where(owner, model.code == code))


def _user_employee(db, instansi: Instansi, username: str) -> Employee:
    return db.session.scalar(select(User).where(User.instansi_id == instansi.id, User.username == username)).employee


def _highest_weekly_negative_share(db, counter_id: int) -> float:
    """The highest negative share, in percent, over any seven consecutive local days of a loket."""
    days = {day: (n, negative) for day, n, negative in db.session.execute(
        select(SkmDaily.local_date, func.sum(SkmDaily.n), func.sum(SkmDaily.negative))
        .where(SkmDaily.counter_id == counter_id).group_by(SkmDaily.local_date)
    ).all()}
    highest = 0.0
    for start in days:
        window = [days.get(start + timedelta(days=i), (0, 0)) for i in range(7)]
        n = sum(w[0] for w in window)
        if n >= 30:
            highest = max(highest, 100 * sum(w[1] for w in window) / n)
    return highest


def nothing_after_now(db, instansi: Instansi) -> None:
    """The demo happened before the clock's now: no response, vote, saran, alert, review or
    appraisal decision is dated later, and no local date is today or later."""
    now = clock.now()
    today = clock.today(instansi.tz)
    mine = SkmResponse.instansi_id == instansi.id
    assert db.session.scalar(select(func.max(SkmResponse.submitted_at)).where(mine)) < now
    assert db.session.scalar(select(func.max(SkmResponse.local_date)).where(mine)) < today
    units = select(Unit.id).where(Unit.instansi_id == instansi.id)
    for column, owner in ((KioskVote.submitted_at, KioskVote.unit_id), (SkmComment.created_at, SkmComment.unit_id),
                          (SkmComment.updated_at, SkmComment.unit_id), (Alert.opened_at, Alert.unit_id),
                          (Alert.closed_at, Alert.unit_id)):
        latest = db.session.scalar(select(func.max(column)).where(owner.in_(units)))
        assert latest is None or latest <= now, column
    # A 360 answer carries no date at all (the sealed pool, docs/anonymity.md): nothing to check there.
    periods = select(AppraisalPeriod.id).where(AppraisalPeriod.instansi_id == instansi.id)
    for column in (AppraisalRecord.confirmed_at, AppraisalRecord.finalised_at):
        latest = db.session.scalar(select(func.max(column)).where(AppraisalRecord.period_id.in_(periods)))
        assert latest is None or latest <= now


def feedback_story(db, instansi: Instansi, today: date, days: int) -> None:
    """`days` days of feedback up to yesterday, valid and consistent, telling its story."""
    mine = SkmResponse.instansi_id == instansi.id
    n = db.session.scalar(select(func.count(SkmResponse.id)).where(mine))
    assert 55 * days <= n <= 125 * days
    first, last = db.session.execute(select(func.min(SkmResponse.local_date), func.max(SkmResponse.local_date))
                                     .where(mine)).one()
    assert today - timedelta(days=days) <= first <= today - timedelta(days=days - 3)
    assert today - timedelta(days=3) <= last < today
    columns = [getattr(SkmResponse, c) for c in UNSUR_COLUMNS]
    assert db.session.scalar(select(func.count(SkmResponse.id)).where(mine, or_(*[~c.between(1, 4) for c in columns]))) == 0
    # Every officer a citizen named was on that loket's roster.
    unrostered = select(func.count(SkmResponse.id)).where(
        mine, SkmResponse.employee_id.is_not(None),
        ~select(RosterEntry.id).where(and_(RosterEntry.counter_id == SkmResponse.counter_id,
                                           RosterEntry.employee_id == SkmResponse.employee_id)).exists())
    assert db.session.scalar(unrostered) == 0

    # The rollups hold exactly the counted raw responses; the demo's one burst at PKM02 waits for review.
    counted = SkmResponse.status == "counted"
    raw = db.session.execute(select(func.count(SkmResponse.id), *[func.sum(c) for c in columns],
                                    func.sum(func.cast(SkmResponse.negative, db.Integer))).where(mine, counted)).one()
    held = db.session.execute(select(SkmResponse.counter_id, func.count()).where(mine, SkmResponse.status == "held")
                              .group_by(SkmResponse.counter_id)).all()
    assert [(db.session.get(Counter, counter_id).code, n) for counter_id, n in held] == [("PKM02", 30)]
    rolled_n, rolled_sums, rolled_negative = totals(Scope(instansi_id=instansi.id))
    assert (rolled_n, [rolled_sums[code] for code in skm.UNSUR_CODES], rolled_negative) == (raw[0], list(raw[1:10]), raw[10])

    # Channels, officers, profiles and saran in realistic shares.
    channels = dict(db.session.execute(select(SkmResponse.channel, func.count()).where(mine).group_by(SkmResponse.channel)).all())
    assert set(channels) == {"web", "officer", "ticket", "paper"}
    assert channels["web"] > n / 2 and 0.07 < channels["paper"] / n < 0.13
    named = db.session.scalar(select(func.count(SkmResponse.employee_id)).where(mine))
    assert 0.68 < named / n < 0.82
    comments = db.session.scalar(select(func.count(SkmComment.id)).where(
        SkmComment.unit_id.in_(select(Unit.id).where(Unit.instansi_id == instansi.id))))
    assert 0.04 < comments / n < 0.08

    # The story: instansi B; Dukcapil weakest on U3, worst at DKP02 and improving lately; the PTSP02
    # outage; the Puskesmas' U8.
    overall = ikm(Scope(instansi_id=instansi.id))
    assert overall.mutu == "B" and 80 <= overall.ikm <= 85
    dukcapil = _by_code(db, instansi, Unit, "DUKCAPIL")
    assert ikm(Scope(instansi.id, unit_id=dukcapil.id)).weakest == ("U3",)
    dkp02 = _by_code(db, instansi, Counter, "DKP02")
    before = ikm(Scope(instansi.id, counter_id=dkp02.id, date_to=last - timedelta(days=120)))
    lately = ikm(Scope(instansi.id, counter_id=dkp02.id, date_from=last - timedelta(days=45)))
    assert lately.nrr["U3"] - before.nrr["U3"] > 0.4
    assert _highest_weekly_negative_share(db, _by_code(db, instansi, Counter, "PTSP02").id) > 30
    assert _highest_weekly_negative_share(db, _by_code(db, instansi, Counter, "PTSP01").id) < 20
    puskesmas = _by_code(db, instansi, Unit, "PKM-AMP")
    assert ikm(Scope(instansi.id, unit_id=puskesmas.id)).weakest == ("U8",)

    # Officers: at least one clearly above the rest on U6/U7 and one clearly below.
    officer_scores = sorted(
        ikm(Scope(instansi.id, employee_id=employee_id), ("U6", "U7")).ikm
        for employee_id in db.session.scalars(select(SkmResponse.employee_id).where(mine, SkmResponse.employee_id.is_not(None))
                                              .group_by(SkmResponse.employee_id).having(func.count() >= 200 * days // 365))
    )
    middle = officer_scores[len(officer_scores) // 2]
    assert officer_scores[-1] - middle > 5 and middle - officer_scores[0] > 10

    kiosks = select(KioskDevice.id).join(Counter).join(Unit).where(Unit.instansi_id == instansi.id)
    assert len(db.session.scalars(kiosks).all()) == 3
    assert db.session.scalar(select(func.count(KioskVote.id)).where(KioskVote.device_id.in_(kiosks))) > 1000


def alert_story(db, instansi: Instansi, today: date) -> None:
    """DPMPTSP's stricter rule; one PTSP02 outage alert five weeks ago, acknowledged and closed;
    a recent alert still open; every alert matches the answers it counted; the follow-ups."""
    units = {u.code: u for u in db.session.scalars(select(Unit).where(Unit.instansi_id == instansi.id))}
    rule = db.session.scalar(select(AlertRule).where(AlertRule.unit_id == units["DPMPTSP"].id))
    assert rule is not None and rule.threshold_percent == Decimal(25)

    demo_alerts = db.session.scalars(select(Alert).join(Unit).where(Unit.instansi_id == instansi.id)).all()
    outage = [a for a in demo_alerts if a.counter.code == "PTSP02"]
    assert len(outage) == 1, [(a.opened_at, a.closed_at) for a in outage]
    opened_days_ago = (today - outage[0].opened_at.astimezone(instansi.tz).date()).days
    assert 28 <= opened_days_ago <= 43
    assert outage[0].status == "closed" and outage[0].note and outage[0].acknowledged_at < outage[0].closed_at
    assert outage[0].share_percent > 25
    # Every negative-share alert matches the answers it counted; the held burst has its own alert.
    for alert in demo_alerts:
        if alert.kind == "negative":
            assert alerts.window_counts(alert.counter, alert.window_start, alert.window_end) == (alert.answers,
                                                                                                 alert.negative)
    assert [a.counter.code for a in demo_alerts if a.kind == "held"] == ["PKM02"]
    assert any(a.status == "open" for a in demo_alerts)
    subjects = db.session.scalars(select(OutboxMessage.subject)).all()
    assert not any(subject.startswith("Peringatan loket") for subject in subjects)  # history, not mail

    items = {f.unit.code: f for f in db.session.scalars(select(FollowUp).join(Unit).where(Unit.instansi_id == instansi.id))}
    dukcapil, puskesmas = items["DUKCAPIL"], items["PKM-AMP"]
    assert (dukcapil.unsur, dukcapil.status) == ("U3", "selesai") and "verifikasi KK" in dukcapil.action
    assert followup.weakest_unsur(units["DUKCAPIL"], dukcapil.period_from, dukcapil.period_to) == "U3"
    assert 80 <= (today - dukcapil.period_to).days <= 240
    assert (puskesmas.unsur, puskesmas.status) == ("U8", "berjalan")
    assert followup.weakest_unsur(units["PKM-AMP"], puskesmas.period_from, puskesmas.period_to) == "U8"


def _released(db, instansi: Instansi, today: date) -> ReviewCycle:
    return db.session.scalar(select(ReviewCycle).where(ReviewCycle.instansi_id == instansi.id,
                                                       ReviewCycle.name == released_name(today)))


def review_story(db, instansi: Instansi, today: date) -> None:
    """A released cycle with the pegawai's story and groups hidden under the threshold; an open one
    in which `pegawai` and `atasan` still owe a review."""
    released = _released(db, instansi, today)
    opened = db.session.scalar(select(ReviewCycle).where(ReviewCycle.instansi_id == instansi.id,
                                                         ReviewCycle.name == open_name(today)))
    assert released.state == "released" and opened.state == "open"
    assert released.opens_on < released.closes_on < today and opened.opens_on < today < opened.closes_on
    pegawai = _user_employee(db, instansi, "pegawai")
    report = reviews.report_json(reviews.build_report(released, pegawai))
    assert {"diri", "atasan", "rekan"} <= set(report["groups"])
    assert any(g["blind_spot"] for g in report["gaps"]) and any(g["hidden_strength"] for g in report["gaps"])
    assert report["comments"] and report["expectations"]
    hidden_with_answers = 0
    for reviewee_id in set(db.session.scalars(select(ReviewInvitation.reviewee_id)
                                              .where(ReviewInvitation.cycle_id == released.id))):
        reviewee = db.session.get(Employee, reviewee_id)
        data = reviews.report_json(reviews.build_report(released, reviewee))
        for group in ("rekan", "bawahan"):
            answered = db.session.scalar(select(func.count(ReviewInvitation.id)).where(
                ReviewInvitation.cycle_id == released.id, ReviewInvitation.reviewee_id == reviewee_id,
                ReviewInvitation.rater_group == group, ReviewInvitation.status == "done"))
            if 0 < answered < released.threshold:
                assert group in data["hidden"]
                hidden_with_answers += 1
    assert hidden_with_answers >= 2
    for username in ("pegawai", "atasan"):
        pending = reviews.pending_for(_user_employee(db, instansi, username))
        assert any(i.cycle_id == opened.id for i in pending), username
    # The open cycle's reviews wait sealed in its pool: no response row before the close.
    sealed = db.session.scalar(select(func.count(ReviewPoolEntry.id)).where(ReviewPoolEntry.cycle_id == opened.id))
    answered = db.session.scalar(select(func.count(ReviewResponse.id)).where(ReviewResponse.cycle_id == opened.id))
    assert sealed > 0 and answered == 0


def appraisal_story(db, instansi: Instansi, today: date) -> None:
    """The period up to `today`: merged with the released cycle, partly confirmed (one override with
    a reason), partly finalised (each by someone other than its confirmer and its employee), one
    objection waiting for `atasan`, `pegawai` still within the objection window, the rest draft."""
    period = db.session.scalar(select(AppraisalPeriod).where(AppraisalPeriod.instansi_id == instansi.id,
                                                             AppraisalPeriod.name == period_name(today)))
    assert period is not None
    assert [c.name for c in period.cycles] == [released_name(today)]
    counts = status_counts(period)
    employees = db.session.scalar(select(func.count(Employee.id)).where(
        Employee.instansi_id == instansi.id, Employee.active.is_(True)))
    assert sum(counts.values()) == employees
    assert counts["draft"] > counts["confirmed"] > 0 and counts["finalised"] > 0
    overridden = db.session.scalars(select(AppraisalRecord).where(
        AppraisalRecord.period_id == period.id, AppraisalRecord.override_reason.is_not(None))).all()
    assert len(overridden) == 1
    assert overridden[0].rating_perilaku != overridden[0].rating_perilaku_suggested
    pegawai = _user_employee(db, instansi, "pegawai")
    own = db.session.scalar(select(AppraisalRecord).where(AppraisalRecord.period_id == period.id,
                                                          AppraisalRecord.employee_id == pegawai.id))
    assert own.status == "confirmed" and own.predikat
    assert window.objection_state(own) == window.OPEN
    # Every finalised record was confirmed by one person and finalised by another, neither of
    # them its employee.
    finals = db.session.scalars(select(AppraisalRecord).where(
        AppraisalRecord.period_id == period.id, AppraisalRecord.status == "finalised")).all()
    assert len(finals) >= 6
    for record in finals:
        confirmer, finaliser = db.session.get(User, record.confirmed_by_id), db.session.get(User, record.finalised_by_id)
        assert confirmer.id != finaliser.id and record.employee_id not in (confirmer.employee_id, finaliser.employee_id)
        assert finaliser.has_role("hr") and record.penilai_id == confirmer.employee_id
    # One keberatan waits on `atasan`'s work list, the Atasan Pejabat Penilai of its record.
    atasan = _user_employee(db, instansi, "atasan")
    waiting = objections.work_list(atasan)
    assert len(waiting) == 1 and waiting[0].status == "pending"
    assert waiting[0].record.atasan_penilai_id == atasan.id and waiting[0].record.employee_id != pegawai.id
    assert objections.pending_in(period) == waiting
    assert [r.status for r in records_of(period) if r.employee.supervisor_id == atasan.id] == ["draft"] * 2
    # Citizens and colleagues both count for the front line; the figures explain themselves.
    front = db.session.scalars(select(AppraisalRecord).where(
        AppraisalRecord.period_id == period.id, AppraisalRecord.weight_citizen.is_not(None))).all()
    assert front and all(r.citizen_n >= 10 for r in front)
    records = select(AppraisalRecord.id).where(AppraisalRecord.period_id == period.id)
    audit = select(func.count(AuditEntry.id)).where(AuditEntry.record_id.in_(records))
    assert db.session.scalar(audit) > sum(counts.values())


def whole_story(db, instansi: Instansi, today: date, days: int) -> None:
    nothing_after_now(db, instansi)
    feedback_story(db, instansi, today, days)
    alert_story(db, instansi, today)
    review_story(db, instansi, today)
    appraisal_story(db, instansi, today)

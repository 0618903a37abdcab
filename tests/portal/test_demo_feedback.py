"""Twelve months of demo citizen feedback: big enough, fast, consistent, and telling its story."""
import time
from datetime import timedelta

from sqlalchemy import func, or_, select

from portal.demo.seed import DEMO_NAME
from portal.feedback.models import UNSUR_COLUMNS, SkmComment, SkmDaily, SkmResponse
from portal.feedback.scoring import Scope, ikm, totals
from portal.kiosk.models import KioskDevice, KioskVote
from portal.org.models import Counter, Instansi, Unit
from surveys import skm


def _counts(db):
    return {m.__name__: db.session.scalar(select(func.count(m.id)))
            for m in (SkmResponse, SkmComment, SkmDaily, KioskDevice, KioskVote)}


def _highest_weekly_negative_share(db, counter_id):
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


def _by_code(db, model, code):
    return db.session.scalar(select(model).where(model.code == code))


def test_seed_demo_writes_a_year_of_feedback_that_tells_its_story(runner, db, monkeypatch):
    # The organisation first, so the time measured below is the feedback's.
    monkeypatch.setenv("CERMIN_DEMO_FEEDBACK", "0")
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    monkeypatch.delenv("CERMIN_DEMO_FEEDBACK")
    started = time.perf_counter()
    result = runner.invoke(args=["seed-demo"])
    seconds = time.perf_counter() - started
    print(f"\nseed-demo adding twelve months of feedback: {seconds:.1f} s")
    assert result.exit_code == 0, result.output
    assert seconds < 60

    instansi = db.session.scalar(select(Instansi).where(Instansi.name == DEMO_NAME))
    mine = SkmResponse.instansi_id == instansi.id
    n = db.session.scalar(select(func.count(SkmResponse.id)).where(mine))
    assert 20_000 <= n <= 45_000
    first, last = db.session.execute(select(func.min(SkmResponse.local_date), func.max(SkmResponse.local_date))
                                     .where(mine)).one()
    assert (last - first).days + 1 >= 360
    columns = [getattr(SkmResponse, c) for c in UNSUR_COLUMNS]
    assert db.session.scalar(select(func.count(SkmResponse.id)).where(or_(*[~c.between(1, 4) for c in columns]))) == 0

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
    comments = db.session.scalar(select(func.count(SkmComment.id)))
    assert 0.04 < comments / n < 0.08

    # The story: instansi B; Dukcapil weakest on U3, worst at DKP02 and improving lately; the PTSP02
    # outage; the Puskesmas' U8.
    overall = ikm(Scope(instansi_id=instansi.id))
    assert overall.mutu == "B" and 80 <= overall.ikm <= 85
    dukcapil = _by_code(db, Unit, "DUKCAPIL")
    assert ikm(Scope(instansi.id, unit_id=dukcapil.id)).weakest == ("U3",)
    dkp02 = _by_code(db, Counter, "DKP02")
    before = ikm(Scope(instansi.id, counter_id=dkp02.id, date_to=last - timedelta(days=120)))
    lately = ikm(Scope(instansi.id, counter_id=dkp02.id, date_from=last - timedelta(days=45)))
    assert lately.nrr["U3"] - before.nrr["U3"] > 0.4
    assert _highest_weekly_negative_share(db, _by_code(db, Counter, "PTSP02").id) > 30
    assert _highest_weekly_negative_share(db, _by_code(db, Counter, "PTSP01").id) < 20
    puskesmas = _by_code(db, Unit, "PKM-AMP")
    assert ikm(Scope(instansi.id, unit_id=puskesmas.id)).weakest == ("U8",)

    # Officers: at least one clearly above the rest on U6/U7 and one clearly below.
    officer_scores = sorted(
        ikm(Scope(instansi.id, employee_id=employee_id), ("U6", "U7")).ikm
        for employee_id in db.session.scalars(select(SkmResponse.employee_id).where(mine, SkmResponse.employee_id.is_not(None))
                                              .group_by(SkmResponse.employee_id).having(func.count() >= 200))
    )
    middle = officer_scores[len(officer_scores) // 2]
    assert officer_scores[-1] - middle > 5 and middle - officer_scores[0] > 10

    assert db.session.scalar(select(func.count(KioskDevice.id))) == 3
    assert db.session.scalar(select(func.count(KioskVote.id))) > 1000

    # Running it again adds nothing.
    counts = _counts(db)
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert _counts(db) == counts


def test_demo_feedback_can_be_left_out(runner, db, monkeypatch):
    monkeypatch.setenv("CERMIN_DEMO_FEEDBACK", "0")
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert db.session.scalar(select(func.count(SkmResponse.id))) == 0
    assert db.session.scalar(select(func.count(KioskVote.id))) == 0

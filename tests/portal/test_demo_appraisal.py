"""The demo's appraisal period: merged, partly confirmed (one override with a reason), partly
finalised (each by someone other than its confirmer and its employee), one objection waiting for
`atasan`, `pegawai` still within the objection window, the rest draft (the story is in
demo_story.appraisal_story); seeding again changes nothing."""
from sqlalchemy import func, select

from portal import clock
from portal.appraisal.merge import merge
from portal.appraisal.models import AppraisalPeriod, AuditEntry
from portal.demo.appraisal import period_name, seed_appraisal
from tests.portal.demo_story import appraisal_story


def test_demo_period_tells_its_story(demo):
    today = clock.today(demo.instansi.tz)
    appraisal_story(demo.db, demo.instansi, today)
    db = demo.db
    entries = db.session.scalar(select(func.count(AuditEntry.id)))
    assert seed_appraisal(demo.instansi, today) is None
    assert db.session.scalar(select(func.count(AuditEntry.id))) == entries
    period = db.session.scalar(select(AppraisalPeriod).where(AppraisalPeriod.name == period_name(today)))
    assert merge(period).created == 0

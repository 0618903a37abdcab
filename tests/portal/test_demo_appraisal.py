"""The demo's appraisal period: merged, partly confirmed (one override with a reason), partly
finalised, the rest draft; seeding again changes nothing."""
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.appraisal.merge import merge
from portal.appraisal.overview import records_of
from portal.appraisal.periods import status_counts
from portal.appraisal.models import AppraisalPeriod, AppraisalRecord, AuditEntry
from portal.demo.appraisal import PERIOD_NAME
from portal.org.models import Employee


def test_demo_period_tells_its_story(runner, db):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    period = db.session.scalar(select(AppraisalPeriod).where(AppraisalPeriod.name == PERIOD_NAME))
    assert period is not None
    assert [c.name for c in period.cycles] == ["Ulasan 360 Tahunan 2026"]
    counts = status_counts(period)
    employees = db.session.scalar(select(func.count(Employee.id)).where(
        Employee.instansi_id == period.instansi_id, Employee.active.is_(True)))
    assert sum(counts.values()) == employees
    assert counts["draft"] > counts["confirmed"] > 0 and counts["finalised"] > 0
    overridden = db.session.scalars(select(AppraisalRecord).where(
        AppraisalRecord.period_id == period.id, AppraisalRecord.override_reason.is_not(None))).all()
    assert len(overridden) == 1
    assert overridden[0].rating_perilaku != overridden[0].rating_perilaku_suggested
    pegawai = db.session.scalar(select(User).where(User.username == "pegawai")).employee
    own = db.session.scalar(select(AppraisalRecord).where(AppraisalRecord.period_id == period.id,
                                                          AppraisalRecord.employee_id == pegawai.id))
    assert own.status in ("confirmed", "finalised") and own.predikat
    atasan = db.session.scalar(select(User).where(User.username == "atasan")).employee
    assert [r.status for r in records_of(period) if r.employee.supervisor_id == atasan.id] == ["draft"] * 2
    # Citizens and colleagues both count for the front line; the figures explain themselves.
    front = db.session.scalars(select(AppraisalRecord).where(
        AppraisalRecord.period_id == period.id, AppraisalRecord.weight_citizen.is_not(None))).all()
    assert front and all(r.citizen_n >= 10 for r in front)
    assert db.session.scalar(select(func.count(AuditEntry.id))) > sum(counts.values())
    entries = db.session.scalar(select(func.count(AuditEntry.id)))
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert db.session.scalar(select(func.count(AuditEntry.id))) == entries
    assert merge(period).created == 0

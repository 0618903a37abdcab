"""The demo's appraisal period: merged, partly confirmed (one override with a reason), partly
finalised (each by someone other than its confirmer and its employee), one objection waiting for
`atasan`, `pegawai` still within the objection window, the rest draft; seeding again changes
nothing."""
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.appraisal import objections, window
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
    atasan = db.session.scalar(select(User).where(User.username == "atasan")).employee
    waiting = objections.work_list(atasan)
    assert len(waiting) == 1 and waiting[0].status == "pending"
    assert waiting[0].record.atasan_penilai_id == atasan.id and waiting[0].record.employee_id != pegawai.id
    assert objections.pending_in(period) == waiting
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

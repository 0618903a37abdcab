"""Appraisal records as the real merge computes them, for the export, sheet, recognition and API
tests: citizen responses naming the officers, a released 360 cycle whose raters answered (one
group under the anonymity threshold), a period merged, then confirmed and finalised through the
workflow services.

The figures (worked out by hand in `tests/portal/test_appraisal_outputs.py`):

- Staf Uji 1 (`own`, user `pegawai`): 24 citizen answers, U6 all 4 and U7 half 4 half 3: 91.67;
  atasan 4 of 5: 75; two of three peers answered, under the threshold of 3: the rekan group is
  hidden and left out; no bawahan. Confirmed by Atasan Uji.
- Staf Uji 2 (`draft`): 12 citizen answers, all 3: 66.67; atasan 3 of 5: 50; three peers: 75.
- Staf Uji 3 (`final`): 30 citizen answers, all 4: 100; atasan 5 of 5: 100; three peers: 75.
  Confirmed by Atasan Uji fifteen days before the tests' clock, finalised by HR.
- Staf Uji 4: 5 citizen answers, fewer than 10: left out; atasan 3 of 5; three peers.
- Atasan Uji (`supervisor`, back office): atasan (the head) 4; four bawahan, all 5 of 5.
  Confirmed by the head.
- Bidan Dinkes (`other_unit`, DINKES): 15 citizen answers, all 4: 100, alone. Confirmed by the
  head of Dinkes.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

from portal.accounts.models import EMPLOYEE, SUPERVISOR
from portal.appraisal.merge import merge
from portal.appraisal.models import AppraisalPeriod, AppraisalRecord
from portal.appraisal.workflow import confirm, finalise
from portal.org.models import Counter, RosterEntry
from surveys.appraisal import Rating
from tests.portal.appraisal_helpers import BACK, citizen_responses, confirm_earlier, make_period, released_cycle

#: Front-line weights of the output tests (the back office's are appraisal_helpers.BACK).
FRONT = {"citizen": 40, "atasan": 30, "rekan": 20, "bawahan": 10, "self": 0}
ANSWERED_AT = datetime(2025, 6, 2, 2, 0, tzinfo=timezone.utc)  # 10:00 WITA


#: The period of the output tests: 2025's citizen answers, front-line weights 40/30/20/10.
PERIOD_2025 = {"name": "Penilaian Kinerja Tahunan 2025", "front": FRONT, "back": BACK,
               "citizen_from": date(2025, 1, 1), "citizen_to": date(2025, 12, 31)}


@dataclass
class Appraisals:
    period: AppraisalPeriod
    #: staff[0] (user "pegawai"): confirmed, the rekan group hidden under the threshold, no bawahan
    own: AppraisalRecord
    #: staff[1]: a draft
    draft: AppraisalRecord
    #: staff[2]: finalised
    final: AppraisalRecord
    #: the supervisor's own record (not in their team)
    supervisor: AppraisalRecord
    #: an officer of DINKES, outside the supervisor's team
    other_unit: AppraisalRecord
    #: staff[3]: a draft without enough citizen answers
    few_citizens: AppraisalRecord


def _answers(org):
    """Each rater's score for every item (1–5), by (reviewee, group); None skips the invitation."""
    staff = org.staff
    atasan = {staff[0].id: 4, staff[1].id: 3, staff[2].id: 5, staff[3].id: 3, org.supervisor.id: 4}

    def answer(invitation):
        group, reviewee = invitation.rater_group, invitation.reviewee_id
        if group == "atasan":
            return atasan[reviewee]
        if group == "bawahan":
            return 5
        if group == "rekan":
            return 4
        return 5  # diri

    def skip(invitation):
        # Staf Uji 1's rekan group: Staf Uji 4 does not answer, leaving two of three.
        return (invitation.reviewee_id, invitation.rater_group, invitation.rater_id) == (staff[0].id, "rekan", staff[3].id)

    return answer, skip


def standard_appraisals(factory, org) -> Appraisals:
    session = factory.db.session
    head_user = factory.user(org.instansi, "kepala", {SUPERVISOR, EMPLOYEE}, org.head)
    dinkes_head = factory.employee(org.other_unit, "Kepala Dinkes Uji", jabatan="Kepala Dinas", is_unit_head=True)
    dinkes_head_user = factory.user(org.instansi, "kepaladinkes", {SUPERVISOR, EMPLOYEE}, dinkes_head)
    dinkes = factory.employee(org.other_unit, "Bidan Dinkes", supervisor=dinkes_head, jabatan="Bidan Terampil",
                              job_group="front_line")
    dinkes_counter = factory.add(Counter(unit_id=org.other_unit.id, code="DNK01", name="Loket Dinkes"))
    factory.add(RosterEntry(counter_id=dinkes_counter.id, employee_id=dinkes.id, weekday=None,
                            start_time=time(0, 0), end_time=time(23, 59, 59), valid_from=date(2020, 1, 1)))
    staff = org.staff
    # One officer an hour, one citizen a minute, as a loket sees them: none is held
    # (portal/feedback/holds.py); Staf Uji 1's answers alternate, as honest ones do.
    citizen_responses(org.counter, staff[0], [4] * 24, [4, 3] * 12, ANSWERED_AT)
    citizen_responses(org.counter, staff[1], [3] * 12, [3] * 12, ANSWERED_AT + timedelta(hours=1))
    citizen_responses(org.counter, staff[2], [4] * 30, [4] * 30, ANSWERED_AT + timedelta(hours=2))
    citizen_responses(org.counter, staff[3], [4] * 5, [4] * 5, ANSWERED_AT + timedelta(hours=3))
    citizen_responses(dinkes_counter, dinkes, [4] * 15, [4] * 15, ANSWERED_AT)
    answer, skip = _answers(org)
    cycle = released_cycle(org, answer, name="Ulasan 360 Tahunan 2025", skip=skip)
    period = make_period(org, [cycle], **PERIOD_2025)
    merge(period, org.users["hr"])

    def record(employee) -> AppraisalRecord:
        return session.scalar(select(AppraisalRecord).where(AppraisalRecord.period_id == period.id,
                                                           AppraisalRecord.employee_id == employee.id))

    own, draft, final, supervisor, other_unit = (record(e) for e in (staff[0], staff[1], staff[2], org.supervisor,
                                                                     dinkes))
    atasan_user = org.users["atasan"]
    confirm(own, atasan_user, own.rating_perilaku_suggested, None, Rating.SESUAI.value)
    # Fifteen days ago: the employee's objection window is over and HR may finalise.
    confirm_earlier(final, atasan_user, final.rating_perilaku_suggested, None, Rating.DI_ATAS.value)
    finalise(final, org.users["hr"])
    confirm(supervisor, head_user, supervisor.rating_perilaku_suggested, None, Rating.SESUAI.value)
    confirm(other_unit, dinkes_head_user, other_unit.rating_perilaku_suggested, None, Rating.SESUAI.value)
    session.commit()
    return Appraisals(period, own, draft, final, supervisor, other_unit, record(staff[3]))


"""Two instansi full of real objects, for the object-level access tests: every kind of object a URL
can name (a unit, a loket, a roster shift, a ticket batch, a kiosk tablet, an alert, a saran, a
follow-up, a questionnaire and its items, a 360 cycle with its invitations, an appraisal period
with merged records, a keberatan and a settings proposal, an API token, an account), once in the tests' own instansi (in two units
where the role table tells units apart) and once in another instansi."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta

from sqlalchemy import select, update

from portal import clock
from portal.accounts.models import EMPLOYEE, HR, SUPERVISOR, User
from portal.appraisal import settings_changes, tokens
from portal.appraisal.merge import merge
from portal.appraisal.models import AppraisalRecord
from portal.appraisal.objections import file_objection
from portal.appraisal.periods import arguments_of, create_period, current_settings, settings_json
from portal.appraisal.workflow import confirm
from portal.counters.services import issue_tickets
from portal.feedback.models import HoldGroup, PaperBatch, SkmComment, SkmResponse
from portal.feedback.services import Submission, add_to_rollups, record_response
from portal.insight import followup
from portal.insight.models import Alert
from portal.kiosk import services as kiosk
from portal.org.models import Counter, RosterEntry, Service
from portal.reviews import raters
from portal.reviews import services as reviews
from portal.reviews.models import ReviewInvitation
from surveys.appraisal import Rating
from tests.portal.appraisal_helpers import BACK, FRONT

SCORES = {f"U{i}": 3 for i in range(1, 10)}
#: The employee's own responses: officer unsur at 4, so the citizen score (100) meets apresiasi's
#: default minimum (the period's Di Atas threshold) and the certificate page exists.
OFFICER_SCORES = {**SCORES, "U6": 4, "U7": 4}


@dataclass
class Place:
    """The objects of one unit: its loket and everything hanging off it."""

    unit: object
    counter: object
    batch: object = None
    device: object = None
    alert: object = None
    comment: object = None
    follow_up: object = None
    hold_group: object = None
    paper_batch: object = None


@dataclass
class Side:
    """One instansi's objects. `unit` is the tests' own unit (DUKCAPIL at home), `other` a second unit."""

    instansi: object
    unit: Place
    other: Place
    service: object
    employee: object
    other_employee: object
    entry: object
    questionnaire: object
    item: object
    cycle: object
    invitation: object
    #: A released cycle (reports), and a draft one in which `employee` nominated `nomination`'s rater.
    released: object
    draft: object
    nomination: object
    period: object
    record: object
    other_record: object
    token: object
    user: object
    #: A keberatan on `record`, waiting; a pending settings proposal on `period` (frozen).
    objection: object = None
    settings_change: object = None
    extra: dict = field(default_factory=dict)


def _place(factory, unit, counter, user) -> Place:
    place = Place(unit, counter)
    day = clock.today(unit.instansi.tz)
    place.batch = issue_tickets(counter, day, 2, user.id)
    _pairing, code = kiosk.create_pairing(counter, user, "test-secret")
    place.device, _token = kiosk.enrol_device(counter, code, "Tablet uji", "test-secret")
    record_response(counter, Submission(scores=SCORES, comment="Antrean terlalu lama di loket ini."))
    place.comment = factory.db.session.scalar(select(SkmComment).where(SkmComment.counter_id == counter.id))
    now = clock.now()
    place.alert = factory.add(Alert(unit_id=unit.id, counter_id=counter.id, window_start=now - timedelta(hours=24),
                                    window_end=now, answers=10, negative=5, share_percent=50, threshold_percent=30))
    place.follow_up = followup.add_follow_up(unit, day - timedelta(days=90), day - timedelta(days=1), "U3",
                                             "Menambah petugas pada jam sibuk", "berjalan", None, user)
    place.hold_group, place.paper_batch = _held_and_pending(factory, unit, counter, user)
    return place


def _held_and_pending(factory, unit, counter, user) -> tuple[HoldGroup, PaperBatch]:
    """A burst of one held response, and a paper batch of one row waiting for verification."""
    session = factory.db.session
    held, paper = (record_response(counter, Submission(scores=SCORES)) for _ in range(2))
    add_to_rollups([held, paper], sign=-1)
    group = factory.add(HoldGroup(instansi_id=unit.instansi_id, unit_id=unit.id, counter_id=counter.id,
                                  first_at=held.submitted_at, last_at=held.submitted_at))
    batch = factory.add(PaperBatch(instansi_id=unit.instansi_id, uploaded_by_id=user.id, uploaded_by_label=user.username,
                                   filename="kertas.csv", sha256="0" * 64, row_count=1, added=1))
    session.execute(update(SkmResponse).where(SkmResponse.id == held.id)
                    .values(status="held", hold_reason="rate_loket", hold_group_id=group.id))
    session.execute(update(SkmResponse).where(SkmResponse.id == paper.id)
                    .values(status="pending", hold_reason="paper_batch", batch_id=batch.id))
    return group, batch


def _cycle(instansi, name, unit_ids, *states):
    today = clock.today(instansi.tz)
    cycle = reviews.create_cycle(instansi, name=name, period_kind="tahunan", opens_on=today - timedelta(days=1),
                                 closes_on=today + timedelta(days=30), unit_ids=unit_ids)
    raters.propose_raters(cycle)
    for state in states:
        reviews.transition(cycle, state, instansi)
    return cycle


def build_side(factory, instansi, unit, other_unit, counter, other_counter, employee, other_employee, peer,
               hr_user) -> Side:
    """Everything one instansi holds, made through the services where they exist. `employee` serves
    at `counter` and has a confirmed appraisal record; `peer`, a colleague of the unit outside the
    team, is the employee's own nomination in the draft cycle."""
    session = factory.db.session
    entry = session.scalar(select(RosterEntry).where(RosterEntry.counter_id == counter.id))
    home, other = _place(factory, unit, counter, hr_user), _place(factory, other_unit, other_counter, hr_user)
    for _ in range(3):
        record_response(counter, Submission(scores=OFFICER_SCORES, employee_id=employee.id))
    units = [unit.id, other_unit.id]
    cycle = _cycle(instansi, "Ulasan uji", units, "open")
    invitation = session.scalar(select(ReviewInvitation).where(
        ReviewInvitation.cycle_id == cycle.id, ReviewInvitation.reviewee_id == employee.id,
        ReviewInvitation.rater_group == "diri"))
    released = _cycle(instansi, "Ulasan uji dirilis", units, "open", "closed", "released")
    draft = _cycle(instansi, "Ulasan uji draf", units)
    nomination = raters.nominate_peer(draft, employee, peer)
    questionnaire = cycle.questionnaire
    today = clock.today(instansi.tz)
    period = create_period(instansi, "Penilaian uji", "tahunan", date(today.year, 1, 1), today,
                                     [released.id], {"front_line": FRONT, "back_office": BACK}, (80, 60), 1,
                                     ["U6", "U7"])
    merge(period, hr_user)
    record = session.scalar(select(AppraisalRecord).where(AppraisalRecord.period_id == period.id,
                                                         AppraisalRecord.employee_id == employee.id))
    supervisor = session.scalar(select(User).where(User.employee_id == employee.supervisor_id))
    confirm(record, supervisor, record.rating_perilaku_suggested, None, Rating.SESUAI.value)
    other_record = session.scalar(select(AppraisalRecord).where(
        AppraisalRecord.period_id == period.id, AppraisalRecord.employee_id == other_employee.id))
    token, _secret = tokens.issue_token(instansi.id, "SIMPEG", ["appraisals:read"], None, actor=hr_user)
    objection = file_objection(record, session.scalar(select(User).where(User.employee_id == employee.id)),
                               "Hasil kerja saya belum dinilai lengkap.")
    values = settings_json(current_settings(period))
    values["min_citizen_n"] = 2
    change = settings_changes.propose(period, hr_user, "Ambang tanggapan diturunkan.", **arguments_of(values))
    return Side(instansi, home, other, counter.service, employee, other_employee, entry, questionnaire,
                questionnaire.items[0], cycle, invitation, released, draft, nomination, period, record,
                other_record, token, hr_user, objection, change)


def _all_day(factory, counter, employee) -> RosterEntry:
    return factory.add(RosterEntry(counter_id=counter.id, employee_id=employee.id, weekday=None, start_time=time(0, 0),
                                   end_time=time(23, 59, 59), valid_from=date(2020, 1, 1)))


def build_world(factory, org) -> tuple[Side, Side]:
    """(home, away): the org fixture's instansi, and another with the same kinds of objects."""
    dinkes_counter = factory.add(Counter(unit_id=org.other_unit.id, code="DNK01", name="Loket Dinkes"))
    dinkes_officer = factory.employee(org.other_unit, "Bidan Dinkes", jabatan="Bidan Terampil", job_group="front_line")
    _all_day(factory, dinkes_counter, dinkes_officer)
    nominee = factory.employee(org.unit, "Rekan Bidang Lain", jabatan="Analis Kependudukan")
    home = build_side(factory, org.instansi, org.unit, org.other_unit, org.counter, dinkes_counter, org.staff[0],
                      dinkes_officer, nominee, org.users["hr"])

    instansi = factory.instansi("Pemerintah Kabupaten Lain", tz="Asia/Jayapura")
    unit = factory.unit(instansi, code="LAINUNIT", name="Dinas Lain")
    other_unit = factory.unit(instansi, code="LAINDUA", name="Dinas Lain Kedua")
    service = factory.add(Service(unit_id=unit.id, name="Layanan lain"))
    counter = factory.add(Counter(unit_id=unit.id, service_id=service.id, code="LAIN01", name="Loket Lain"))
    other_counter = factory.add(Counter(unit_id=other_unit.id, code="LAIN02", name="Loket Lain Dua"))
    head = factory.employee(unit, "Kepala Dinas Lain", jabatan="Kepala Dinas", is_unit_head=True)
    officer = factory.employee(unit, "Petugas Lain", supervisor=head, job_group="front_line")
    peer = factory.employee(unit, "Rekan Lain")
    other_officer = factory.employee(other_unit, "Petugas Lain Dua", job_group="front_line")
    _all_day(factory, counter, officer)
    _all_day(factory, other_counter, other_officer)
    hr_user = factory.user(instansi, "hr-lain", {HR, EMPLOYEE}, factory.employee(other_unit, "HR Lain"))
    factory.user(instansi, "kepala-lain", {SUPERVISOR, EMPLOYEE}, head)
    factory.user(instansi, "petugas-lain", {EMPLOYEE}, officer)
    away = build_side(factory, instansi, unit, other_unit, counter, other_counter, officer, other_officer, peer, hr_user)
    factory.db.session.commit()
    return home, away

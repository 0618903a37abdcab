"""Segregation of duties (issue 15 §1), tried over HTTP by the insider who would try it: HR on its
own record, HR as a self-appointed Pejabat Penilai, one person confirming and finalising, HR
choosing its own 360 raters; checked in the database."""
import io
import json
from datetime import datetime, timedelta, timezone
from html import unescape

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from portal import clock
from portal.appraisal import overview, workflow
from portal.appraisal.merge import merge
from portal.appraisal.models import AuditEntry
from portal.reviews import raters, services as reviews
from portal.reviews.models import ReviewExpectation, ReviewInvitation
from tests.conftest import confirm_post, client_for, post_form
from tests.portal.appraisal_helpers import make_period, record_of

ABOVE, MEETS, BELOW = "Di Atas Ekspektasi", "Sesuai Ekspektasi", "Di Bawah Ekspektasi"
#: Monday 2 March 2026, 10:00 WITA.
MONDAY = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)
OWN = "catatan penilaian Anda sendiri"


@pytest.fixture
def now():
    with clock.frozen(MONDAY) as advance:
        yield advance


@pytest.fixture
def people(org, factory, db, now):
    """HR (its employee under the Kepala Dinas), a second HR user, the Kepala Dinas with an account
    (the atasan of `atasan`), and a merged period: every record a draft, its penilai fixed."""
    hr_employee = org.users["hr"].employee
    hr_employee.supervisor_id = org.head.id
    hr2_employee = factory.employee(org.other_unit, "Analis SDM Dua", supervisor=org.head, jabatan="Analis SDM")
    hr2 = factory.user(org.instansi, "hr2", {"hr", "employee"}, hr2_employee)
    kepala = factory.user(org.instansi, "kepala", {"supervisor", "employee"}, org.head)
    period = make_period(org)
    merge(period)
    db.session.commit()
    return type("People", (), {"hr": org.users["hr"], "hr2": hr2, "kepala": kepala, "atasan": org.users["atasan"],
                               "admin": org.users["admin"], "hr_employee": hr_employee, "period": period})


def audit_json(runner, *options) -> list[dict]:
    result = runner.invoke(args=["audit", "--json", *options])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def reload(db, record):
    db.session.expire_all()
    return db.session.get(type(record), record.id)


def confirmed_earlier(db, record, user, now, perilaku=MEETS, hasil=MEETS):
    """Confirmed by `user` 15 days ago: the objection window is over today."""
    with clock.frozen(clock.now() - timedelta(days=15)):
        workflow.confirm(record, user, perilaku, None, hasil)
    db.session.commit()
    return record


# --- HR on its own record ---------------------------------------------------------------------------

def test_hr_cannot_act_on_its_own_record(app, org, people, db, now):
    record = record_of(people.period, people.hr_employee)
    url = f"/penilaian/catatan/{record.id}"
    hr = client_for(app, "hr")
    # hasil kerja
    response = post_form(hr, url + "/hasil-kerja", {"rating": ABOVE}, page=url, follow_redirects=True)
    assert OWN in text_of(response)
    assert reload(db, record).rating_hasil_kerja is None
    # confirmation, even with an override and a reason
    response = post_form(hr, url + "/konfirmasi", {"rating_perilaku": ABOVE, "rating_hasil_kerja": ABOVE,
                                                  "override_reason": "Saya bekerja keras."}, page=url,
                         follow_redirects=True)
    assert OWN in text_of(response)
    assert reload(db, record).status == "draft"
    # the hasil kerja import of one's own NIP
    response = post_form(hr, f"/penilaian/periode/{people.period.id}/impor-hasil-kerja",
                         {"file": (io.BytesIO(f"nip,rating\n{people.hr_employee.nip},atas\n".encode()), "hasil.csv")},
                         follow_redirects=True)
    assert OWN in text_of(response) and reload(db, record).rating_hasil_kerja is None

    # Its real Pejabat Penilai (the Kepala Dinas) confirms it unfavourably.
    kepala = client_for(app, "kepala")
    assert "Konfirmasi sebagai Pejabat Penilai" in text_of(kepala.get(url))
    confirmed_earlier(db, reload(db, record), people.kepala, now, perilaku=BELOW, hasil=MEETS)
    # return to draft, finalise
    response = post_form(hr, url + "/kembalikan", {"draft-reason": "Mohon ditinjau ulang"}, page=url,
                         follow_redirects=True)
    assert OWN in text_of(response) and reload(db, record).status == "confirmed"
    response = post_form(hr, url + "/finalkan", {}, page=url, follow_redirects=True)
    assert OWN in text_of(response) and reload(db, record).status == "confirmed"
    assert "Finalkan catatan" not in text_of(hr.get(url))
    unit_url = f"/penilaian/periode/{people.period.id}/unit/{org.other_unit.id}"
    post_form(hr, unit_url + "/finalkan", {}, page=unit_url)
    assert reload(db, record).status == "confirmed"
    # Another HR user finalises it.
    hr2 = client_for(app, "hr2")
    assert confirm_post(hr2, url + "/finalkan", {}, page=url).status_code == 302
    record = reload(db, record)
    assert record.status == "finalised" and record.finalised_by_id == people.hr2.id
    assert record.predikat == "Kurang/Misconduct"


def test_nobody_reopens_their_own_record_whatever_their_roles(app, org, people, factory, db, now):
    """An admin who is also an employee (and HR) cannot reopen their own finalised record."""
    from portal.accounts.models import UserRole

    people.hr.role_rows.append(UserRole(role="admin"))
    record = confirmed_earlier(db, record_of(people.period, people.hr_employee), people.kepala, now)
    workflow.finalise(record, people.hr2)
    db.session.commit()
    url = f"/penilaian/catatan/{record.id}"
    hr = client_for(app, "hr")
    assert "Buka kembali catatan final" not in text_of(hr.get(url))
    response = post_form(hr, url + "/buka-kembali", {"reopen-reason": "Salah impor"}, page=url, follow_redirects=True)
    assert OWN in text_of(response) and reload(db, record).status == "finalised"
    admin = client_for(app, "admin")
    assert post_form(admin, url + "/buka-kembali", {"reopen-reason": "Salah impor"}, page=url).status_code == 302
    assert reload(db, record).status == "confirmed"


# --- HR as a self-appointed Pejabat Penilai -------------------------------------------------------------

def test_hr_appointing_itself_penilai_never_decides_the_record(app, runner, org, people, db, now):
    """The attack of the issue: HR sets itself as atasan langsung, confirms with an override,
    finalises, and sets the supervisor back. Each step that would decide the record fails."""
    victim = org.staff[1]
    record = record_of(people.period, victim)
    url = f"/penilaian/catatan/{record.id}"
    assert record.penilai_id == org.supervisor.id and record.atasan_penilai_id == org.head.id
    hr = client_for(app, "hr")

    def set_supervisor(supervisor_id: int):
        edit = f"/organisasi/pegawai/{victim.id}"
        return post_form(hr, edit, {"nip": victim.nip, "name": victim.name, "jabatan": victim.jabatan,
                                    "unit_id": victim.unit_id, "supervisor_id": supervisor_id,
                                    "job_group": victim.job_group, "email": "", "active": "y"})

    assert set_supervisor(people.hr_employee.id).status_code == 302
    db.session.expire_all()
    assert victim.supervisor_id == people.hr_employee.id  # the org chart changed...
    # ...but the record did not: not even after merging again.
    assert post_form(hr, f"/penilaian/periode/{people.period.id}/gabungkan", {},
                     page=f"/penilaian/periode/{people.period.id}").status_code == 302
    record = reload(db, record)
    assert record.penilai_id == org.supervisor.id
    page = text_of(hr.get(url))
    assert "Atasan Uji" in page and "Konfirmasi sebagai Pejabat Penilai" not in page
    assert record in [r for _period, records in overview.team_records(org.supervisor) for r in records]
    assert record not in [r for _period, records in overview.team_records(people.hr_employee) for r in records]
    # Confirm with an override: refused.
    response = post_form(hr, url + "/konfirmasi", {"rating_perilaku": ABOVE, "rating_hasil_kerja": ABOVE,
                                                  "override_reason": "Kinerja luar biasa."}, page=url,
                         follow_redirects=True)
    assert "Hanya Pejabat Penilai yang tercatat pada catatan ini (Atasan Uji)" in text_of(response)
    # Hand the record to itself: refused.
    response = post_form(hr, url + "/alihkan", {"penilai_nip": people.hr_employee.nip, "atasan_penilai_nip": "",
                                                "reason": "Mutasi"}, follow_redirects=True)
    assert "menetapkan diri sendiri" in text_of(response)
    # Finalise: refused (it is a draft).
    post_form(hr, url + "/finalkan", {}, page=url)
    record = reload(db, record)
    assert (record.status, record.penilai_id, record.rating_perilaku) == ("draft", org.supervisor.id, None)
    # The supervisor set back.
    assert set_supervisor(org.supervisor.id).status_code == 302
    # The real penilai confirms; HR finalises after the objection window, as another person.
    workflow.confirm(reload(db, record), people.atasan, BELOW, None, MEETS)
    db.session.commit()
    now(timedelta(days=15))
    hr = client_for(app, "hr")
    assert confirm_post(hr, url + "/finalkan", {}, page=url).status_code == 302
    record = reload(db, record)
    assert record.status == "finalised" and record.predikat == "Kurang/Misconduct"
    assert (record.confirmed_by_id, record.finalised_by_id) == (people.atasan.id, people.hr.id)
    assert [e.action for e in db.session.scalars(select(AuditEntry).where(AuditEntry.record_id == record.id)
                                                 .order_by(AuditEntry.id))] == ["merge", "confirm", "finalise"]
    # Every org-chart change is in the audit log, beside the record's own audit.
    entries = audit_json(runner, "--employee", victim.nip)
    assert [(e["action"], e["actor"]) for e in entries if e["action"].startswith("org.")] == [
        ("org.employee.supervisor", "hr"), ("org.employee.supervisor", "hr")]
    assert [e["after"]["supervisor_id"] for e in entries if e["action"] == "org.employee.supervisor"] == [
        people.hr_employee.id, org.supervisor.id]
    assert [e["action"] for e in entries if e["action"].startswith("appraisal.")] == [
        "appraisal.merge", "appraisal.confirm", "appraisal.finalise"]


def test_a_real_transfer_is_an_audited_reassignment_by_hr(app, runner, org, people, db, now):
    record = record_of(people.period, org.staff[1])
    url = f"/penilaian/catatan/{record.id}"
    hr = client_for(app, "hr")
    assert "Alihkan Pejabat Penilai" in text_of(hr.get(url))
    response = post_form(hr, url + "/alihkan", {"penilai_nip": org.head.nip, "atasan_penilai_nip": "",
                                                "reason": ""}, follow_redirects=True)
    assert reload(db, record).penilai_id == org.supervisor.id  # a reason is required
    response = post_form(hr, url + "/alihkan", {"penilai_nip": org.head.nip, "atasan_penilai_nip": "",
                                                "reason": "Atasan Uji dimutasi ke Dinas Kesehatan."},
                         follow_redirects=True)
    assert "Pejabat Penilai Staf Uji 2 kini Kepala Dinas Uji" in text_of(response)
    record = reload(db, record)
    assert (record.penilai_id, record.atasan_penilai_id) == (org.head.id, None)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.record_id == record.id)
                               .order_by(AuditEntry.id.desc())).first()
    assert (entry.action, entry.reason, entry.user_id) == ("reassign", "Atasan Uji dimutasi ke Dinas Kesehatan.",
                                                           people.hr.id)
    assert f'"penilai_id": {org.supervisor.id}' in entry.before and f'"penilai_id": {org.head.id}' in entry.after
    [logged] = [e for e in audit_json(runner, "--employee", org.staff[1].nip) if e["action"] == "appraisal.reassign"]
    assert (logged["actor"], logged["reason"], logged["after"]["penilai_id"]) == (
        "hr", "Atasan Uji dimutasi ke Dinas Kesehatan.", org.head.id)
    # The old penilai no longer decides it; the new one does.
    atasan = client_for(app, "atasan")
    assert atasan.get(url).status_code == 404
    kepala = client_for(app, "kepala")
    assert "Konfirmasi sebagai Pejabat Penilai" in text_of(kepala.get(url))
    # Not by the person involved: HR cannot reassign its own record, nor one it decides.
    own = record_of(people.period, people.hr_employee)
    response = post_form(hr, f"/penilaian/catatan/{own.id}/alihkan",
                         {"penilai_nip": org.supervisor.nip, "atasan_penilai_nip": "", "reason": "Mutasi"},
                         follow_redirects=True)
    assert "terlibat dalam catatan ini" in text_of(response)
    assert reload(db, own).penilai_id == org.head.id


# --- one person confirming and finalising ------------------------------------------------------------

def test_the_confirmer_does_not_finalise(app, org, people, factory, db, now):
    """A Kepala Bidang who also holds the HR role confirms their team's record and cannot
    finalise it; another HR user can."""
    from portal.accounts.models import UserRole

    people.atasan.role_rows.append(UserRole(role="hr"))
    record = confirmed_earlier(db, record_of(people.period, org.staff[0]), people.atasan, now)
    url = f"/penilaian/catatan/{record.id}"
    atasan = client_for(app, "atasan")
    assert "Finalkan catatan" not in text_of(atasan.get(url))
    response = post_form(atasan, url + "/finalkan", {}, page=url, follow_redirects=True)
    assert "Anda mengonfirmasi catatan ini" in text_of(response)
    unit_url = f"/penilaian/periode/{people.period.id}/unit/{org.unit.id}"
    response = post_form(atasan, unit_url + "/finalkan", {}, page=unit_url, follow_redirects=True)
    assert "0 catatan di Dinas Kependudukan" in text_of(response) and "1 catatan belum dapat Anda finalkan" in \
        text_of(response)
    assert reload(db, record).status == "confirmed"
    hr = client_for(app, "hr")
    response = confirm_post(hr, unit_url + "/finalkan", {}, page=unit_url, follow_redirects=True)
    assert "1 catatan di Dinas Kependudukan" in text_of(response)
    record = reload(db, record)
    assert record.status == "finalised" and record.finalised_by_id == people.hr.id


def test_the_database_refuses_one_person_deciding(org, people, db, now):
    """Even with the database: the confirmer's finalisation, and a confirmation of one's own record."""
    record = confirmed_earlier(db, record_of(people.period, org.staff[0]), people.atasan, now)
    with pytest.raises(DBAPIError, match="someone other than its confirmer"):
        with db.session.begin_nested():
            db.session.execute(text("UPDATE appraisal_record SET status = 'finalised', finalised_by_id = :user, "
                                    "finalised_at = confirmed_at WHERE id = :id"),
                               {"user": people.atasan.id, "id": record.id})
    own = record_of(people.period, people.hr_employee)
    with pytest.raises(DBAPIError, match="nobody confirms their own"):
        with db.session.begin_nested():
            db.session.execute(text("UPDATE appraisal_record SET status = 'confirmed', rating_perilaku = 'x', "
                                    "confirmed_by_id = :user WHERE id = :id"), {"user": people.hr.id, "id": own.id})


# --- HR choosing its own 360 raters ----------------------------------------------------------------------

@pytest.fixture
def draft_cycle(org, people, factory, db):
    """A draft 360 cycle over both units, raters proposed from the org chart; HR has a subordinate."""
    subordinate = factory.employee(org.other_unit, "Staf HR", supervisor=people.hr_employee)
    cycle = reviews.create_cycle(org.instansi, name="Siklus Uji", period_kind="tahunan",
                                 opens_on=MONDAY.date() + timedelta(days=1), closes_on=MONDAY.date() + timedelta(days=30),
                                 unit_ids=[org.unit.id, org.other_unit.id], threshold=3)
    raters.propose_raters(cycle)
    db.session.commit()
    return cycle, subordinate


def _invitations(db, cycle, reviewee):
    db.session.expire_all()
    return {(i.rater_id, i.rater_group) for i in db.session.scalars(select(ReviewInvitation).where(
        ReviewInvitation.cycle_id == cycle.id, ReviewInvitation.reviewee_id == reviewee.id))}


def test_hr_cannot_choose_or_remove_its_own_raters(app, org, people, draft_cycle, db):
    cycle, subordinate = draft_cycle
    me = people.hr_employee
    before = _invitations(db, cycle, me)
    assert (org.head.id, "atasan") in before and (subordinate.id, "bawahan") in before
    hr = client_for(app, "hr")
    url = f"/360/{cycle.id}"
    # Remove its real atasan.
    real_atasan = db.session.scalar(select(ReviewInvitation).where(
        ReviewInvitation.cycle_id == cycle.id, ReviewInvitation.reviewee_id == me.id,
        ReviewInvitation.rater_group == "atasan"))
    response = confirm_post(hr, f"{url}/penilai/{real_atasan.id}/hapus", {}, page=url, follow_redirects=True)
    assert "penilai ulasan Anda sendiri" in text_of(response)
    # Add its own subordinate as its "atasan" rater, the heaviest 360 weight.
    response = post_form(hr, f"{url}/penilai", {"reviewee_id": me.id, "rater_id": org.staff[3].id,
                                                "rater_group": "rekan"}, page=url, follow_redirects=True)
    assert "penilai ulasan Anda sendiri" in text_of(response)
    assert _invitations(db, cycle, me) == before
    # Nor writes the "ekspektasi khusus pimpinan" its raters read.
    response = post_form(hr, f"{url}/ekspektasi/{me.id}", {"exp-KOMPETEN": "Saya sangat kompeten."}, page=url,
                         follow_redirects=True)
    assert "ditetapkan oleh atasan Anda" in text_of(response)
    assert db.session.scalar(select(ReviewExpectation.id).where(ReviewExpectation.reviewee_id == me.id)) is None


def test_only_the_recorded_atasan_is_the_atasan_rater(app, runner, org, people, draft_cycle, factory, db):
    """Nobody, not even HR for someone else, adds a subordinate or a peer as the "atasan" rater."""
    cycle, _proposed = draft_cycle
    subordinate = factory.employee(org.other_unit, "Staf HR Dua", supervisor=people.hr_employee)
    junior = factory.employee(org.unit, "Staf Magang", supervisor=org.staff[0])
    db.session.commit()
    hr2 = client_for(app, "hr2")
    url = f"/360/{cycle.id}"
    before = _invitations(db, cycle, people.hr_employee)
    response = post_form(hr2, f"{url}/penilai", {"reviewee_id": people.hr_employee.id, "rater_id": subordinate.id,
                                                 "rater_group": "atasan"}, page=url, follow_redirects=True)
    assert "bukan atasan langsung Petugas HR Uji menurut struktur organisasi" in text_of(response)
    response = post_form(hr2, f"{url}/penilai", {"reviewee_id": org.staff[0].id, "rater_id": subordinate.id,
                                                 "rater_group": "bawahan"}, page=url, follow_redirects=True)
    assert "bukan bawahan langsung" in text_of(response)
    response = post_form(hr2, f"{url}/penilai", {"reviewee_id": org.staff[0].id, "rater_id": junior.id,
                                                 "rater_group": "rekan"}, page=url, follow_redirects=True)
    assert "atasan atau bawahan langsung" in text_of(response)
    assert _invitations(db, cycle, people.hr_employee) == before
    # A peer from another unit as rekan is fine, and HR2 may remove it again.
    response = post_form(hr2, f"{url}/penilai", {"reviewee_id": org.staff[0].id, "rater_id": people.hr_employee.id,
                                                 "rater_group": "rekan"}, page=url, follow_redirects=True)
    assert (people.hr_employee.id, "rekan") in _invitations(db, cycle, org.staff[0])
    added = db.session.scalar(select(ReviewInvitation).where(
        ReviewInvitation.cycle_id == cycle.id, ReviewInvitation.reviewee_id == org.staff[0].id,
        ReviewInvitation.rater_id == people.hr_employee.id))
    confirm_post(hr2, f"{url}/penilai/{added.id}/hapus", {}, page=url)
    entries = [e for e in audit_json(runner, "--employee", org.staff[0].nip) if e["action"].startswith("reviews.")]
    assert [(e["action"], e["actor"]) for e in entries] == [("reviews.rater.add", "hr2"), ("reviews.rater.remove", "hr2")]
    assert entries[0]["after"]["rater_nip"] == people.hr_employee.nip and entries[0]["after"]["rater_group"] == "rekan"
    assert entries[1]["before"]["rater_nip"] == people.hr_employee.nip and entries[1]["after"] is None


def test_a_reviewee_cannot_approve_its_own_nomination(app, org, people, draft_cycle, db):
    cycle, _subordinate = draft_cycle
    nomination = raters.nominate_peer(cycle, people.hr_employee, org.staff[2], people.hr)
    db.session.commit()
    hr = client_for(app, "hr")
    url = f"/360/{cycle.id}"
    response = post_form(hr, f"{url}/penilai/{nomination.id}/setujui", {}, page=url, follow_redirects=True)
    assert "penilai ulasan Anda sendiri" in text_of(response)
    db.session.expire_all()
    assert db.session.get(ReviewInvitation, nomination.id).approved is False
    # ...but may withdraw it while it waits.
    response = post_form(hr, f"{url}/nominasi/{nomination.id}/batal", {}, page=f"{url}/nominasi")
    assert response.status_code == 302 and db.session.get(ReviewInvitation, nomination.id) is None

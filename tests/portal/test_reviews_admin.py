"""Running 360 cycles in the UI: HR drafts, opens, closes and releases; supervisors adjust their
team's raters and expectations; employees nominate peers; nobody sees who answered what."""
import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from portal.accounts.models import SUPERVISOR
from portal.localtime import today
from portal.mail.models import OutboxMessage
from portal.org.models import Employee
from portal.reviews import links, raters, services
from portal.reviews.models import Questionnaire, ReviewCycle, ReviewExpectation, ReviewInvitation
from tests.conftest import confirm_post, login, post_form


def _today(org):
    return today(org.instansi.tz)


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


def _open(cycle, org, db):
    services.transition(cycle, "open", org.instansi)
    db.session.commit()


def _invitations(db, cycle, **where):
    stmt = select(ReviewInvitation).where(ReviewInvitation.cycle_id == cycle.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(ReviewInvitation, key) == value)
    return db.session.scalars(stmt.order_by(ReviewInvitation.id)).all()


def _answer(cycle, invitation, org):
    services.submit(invitation, services.Answers({item.id: 4 for item in cycle.questionnaire.items}), org.instansi,
                    invitation.rater)


@pytest.fixture
def other_supervisor(app, org, factory, db):
    """A supervisor in the same instansi who is not the pejabat penilai of org.staff."""
    boss = factory.employee(org.other_unit, "Atasan Lain", jabatan="Kepala Seksi")
    factory.employee(org.other_unit, "Staf Lain", supervisor=boss)
    factory.user(org.instansi, "atasanlain", {SUPERVISOR}, boss)
    db.session.commit()
    client = app.test_client()
    assert login(client, "atasanlain").status_code == 302
    return client


@pytest.fixture
def foreign_cycle(factory, db):
    """A cycle of another instansi."""
    instansi = factory.instansi(name="Pemerintah Kabupaten Lain")
    unit = factory.unit(instansi, code="LAIN", name="Unit Lain")
    factory.employee(unit, "Pegawai Lain")
    day = today(instansi.tz)
    cycle = services.create_cycle(instansi, name="Siklus Lain", period_kind="tahunan", opens_on=day,
                                  closes_on=day + timedelta(days=5), unit_ids=[unit.id])
    db.session.commit()
    return cycle


# --- creating a cycle ----------------------------------------------------------------------------

def _new_cycle_data(org, **overrides):
    start = _today(org)
    data = {"name": "Tahunan 2026", "period_kind": "tahunan", "opens_on": start.isoformat(),
            "closes_on": (start + timedelta(days=20)).isoformat(), "unit_ids": [str(org.unit.id)],
            "questionnaire_id": str(services.default_questionnaire(org.instansi).id), "threshold": "4",
            "peer_cap": "2", "subordinate_cap": "6"}
    data.update(overrides)
    return data


def test_hr_creates_a_cycle_and_raters_are_proposed(hr_client, org, db):
    response = post_form(hr_client, "/360/baru", _new_cycle_data(org))
    assert response.status_code == 302
    cycle = db.session.scalar(select(ReviewCycle).where(ReviewCycle.name == "Tahunan 2026"))
    assert response.headers["Location"] == f"/360/{cycle.id}"
    assert (cycle.state, cycle.threshold, cycle.peer_cap, cycle.period_kind) == ("draft", 4, 2, "tahunan")
    invitations = _invitations(db, cycle)
    assert invitations and {i.source for i in invitations} == {"proposed"}
    staff = org.staff[0]
    mine = {i.rater_id: i.rater_group for i in invitations if i.reviewee_id == staff.id}
    assert mine[staff.id] == "diri" and mine[org.supervisor.id] == "atasan"
    assert sum(1 for g in mine.values() if g == "rekan") == 2
    page = _text(hr_client.get(response.headers["Location"]))
    assert "penilai diusulkan dari struktur organisasi" in page
    assert "Triwulan" not in page.split("<h1>")[1].split("</h1>")[0]
    for person in [org.head, org.supervisor, *org.staff]:
        assert person.name in page
    assert "usulan" in page and "Buka siklus" in page


def test_create_refuses_a_threshold_below_three(hr_client, org, db):
    response = post_form(hr_client, "/360/baru", _new_cycle_data(org, threshold="2"))
    assert response.status_code == 200
    assert "Ambang anonimitas minimal 3 tanggapan." in _text(response)
    assert db.session.scalar(select(func.count(ReviewCycle.id))) == 0


def test_create_needs_units_and_ordered_dates(hr_client, org, db):
    start = _today(org)
    response = post_form(hr_client, "/360/baru", _new_cycle_data(
        org, unit_ids=[], closes_on=(start - timedelta(days=1)).isoformat()))
    page = _text(response)
    assert "Pilih minimal satu unit kerja." in page
    assert "Tanggal tutup tidak boleh sebelum tanggal buka." in page
    assert db.session.scalar(select(func.count(ReviewCycle.id))) == 0


def test_duplicate_cycle_name_is_refused_with_the_reason(hr_client, org, cycle, db):
    response = post_form(hr_client, "/360/baru", _new_cycle_data(org, name=cycle.name))
    assert "Nama siklus sudah dipakai." in _text(response)
    assert db.session.scalar(select(func.count(ReviewCycle.id))) == 1


# --- the cycle's states ----------------------------------------------------------------------------

def _state(db, cycle):
    db.session.expire_all()
    return db.session.get(ReviewCycle, cycle.id).state


def test_every_allowed_transition_in_order(hr_client, cycle, db):
    url = f"/360/{cycle.id}"
    steps = [("open", "Siklus dibuka.", "Tutup siklus"), ("closed", "Siklus ditutup.", "Rilis hasil"),
             ("released", "Hasil dirilis.", "siklus selesai")]
    for target, message, next_button in steps:
        response = confirm_post(hr_client, f"{url}/status/{target}", {}, page=url, follow_redirects=True)
        page = _text(response)
        assert message in page and next_button in page
        assert _state(db, cycle) == target


REFUSED = [(state, target) for state in ("draft", "open", "closed", "released")
           for target in ("draft", "open", "closed", "released")
           if (state, target) not in services.TRANSITIONS]


@pytest.mark.parametrize("state,target", REFUSED)
def test_every_other_transition_is_refused_with_the_reason(hr_client, org, cycle, db, state, target):
    for step in ("open", "closed", "released")[:("draft", "open", "closed", "released").index(state)]:
        services.transition(cycle, step, org.instansi)
    db.session.commit()
    url = f"/360/{cycle.id}"
    response = post_form(hr_client, f"{url}/status/{target}", {}, page=url, follow_redirects=True)
    names = {"draft": "Draf", "open": "Dibuka", "closed": "Ditutup", "released": "Dirilis"}
    assert f"Siklus berstatus {names[state]} tidak dapat diubah menjadi {names[target]}." in _text(response)
    assert _state(db, cycle) == state


def test_unknown_target_state_is_not_found(hr_client, cycle):
    url = f"/360/{cycle.id}"
    assert post_form(hr_client, f"{url}/status/archived", {}, page=url).status_code == 404


def test_opening_after_the_close_date_is_refused_until_the_dates_change(hr_client, org, db):
    start = _today(org)
    cycle = services.create_cycle(org.instansi, name="Terlambat", period_kind="triwulan",
                                  opens_on=start - timedelta(days=10), closes_on=start - timedelta(days=1),
                                  unit_ids=[org.unit.id])
    raters.propose_raters(cycle)
    db.session.commit()
    url = f"/360/{cycle.id}"
    page = _text(confirm_post(hr_client, f"{url}/status/open", {}, page=url, follow_redirects=True))
    assert "Tanggal tutup siklus sudah lewat" in page
    assert _state(db, cycle) == "draft"
    response = post_form(hr_client, f"{url}/tanggal", {
        "opens_on": start.isoformat(), "closes_on": (start + timedelta(days=7)).isoformat()}, page=url)
    assert response.status_code == 302
    confirm_post(hr_client, f"{url}/status/open", {}, page=url)
    assert _state(db, cycle) == "open"


def test_opening_without_raters_is_refused(hr_client, org, db):
    day = _today(org)
    cycle = services.create_cycle(org.instansi, name="Kosong", period_kind="triwulan", opens_on=day,
                                  closes_on=day + timedelta(days=3), unit_ids=[org.unit.id])
    db.session.commit()
    url = f"/360/{cycle.id}"
    page = _text(confirm_post(hr_client, f"{url}/status/open", {}, page=url, follow_redirects=True))
    assert "Belum ada penilai." in page
    assert _state(db, cycle) == "draft"


def test_opening_queues_invitations_and_drops_unapproved_nominations(hr_client, org, cycle, db):
    org.staff[0].email = "staf0@uji.go.id"
    raters.nominate_peer(cycle, org.staff[1], org.users["hr"].employee)
    db.session.commit()
    url = f"/360/{cycle.id}"
    confirm_post(hr_client, f"{url}/status/open", {}, page=url)
    assert not _invitations(db, cycle, approved=False)
    assert db.session.scalar(select(OutboxMessage.recipient)) == "staf0@uji.go.id"


# --- threshold ----------------------------------------------------------------------------------------

def test_threshold_below_three_is_refused_with_a_message(hr_client, cycle, db):
    url = f"/360/{cycle.id}"
    page = _text(post_form(hr_client, f"{url}/ambang", {"threshold": "2"}, page=url, follow_redirects=True))
    assert "Ambang anonimitas minimal 3 tanggapan." in page
    db.session.expire_all()
    assert db.session.get(ReviewCycle, cycle.id).threshold == 3


def test_threshold_can_be_raised_but_not_lowered_once_open(hr_client, org, cycle, db):
    url = f"/360/{cycle.id}"
    page = _text(post_form(hr_client, f"{url}/ambang", {"threshold": "5"}, page=url, follow_redirects=True))
    assert "Ambang anonimitas kini 5 tanggapan." in page
    post_form(hr_client, f"{url}/ambang", {"threshold": "4"}, page=url)  # a draft may still go down
    _open(cycle, org, db)
    page = _text(post_form(hr_client, f"{url}/ambang", {"threshold": "3"}, page=url, follow_redirects=True))
    assert "ambang hanya dapat dinaikkan (sekarang 4)" in page
    post_form(hr_client, f"{url}/ambang", {"threshold": "6"}, page=url)
    db.session.expire_all()
    assert db.session.get(ReviewCycle, cycle.id).threshold == 6


def test_threshold_form_is_gone_after_release_and_the_service_refuses(hr_client, org, cycle, db):
    for step in ("open", "closed", "released"):
        services.transition(cycle, step, org.instansi)
    db.session.commit()
    url = f"/360/{cycle.id}"
    assert "Simpan ambang" not in _text(hr_client.get(url))
    page = _text(post_form(hr_client, f"{url}/ambang", {"threshold": "7"}, page="/360/", follow_redirects=True))
    assert "ambang tidak dapat diubah" in page


# --- raters -------------------------------------------------------------------------------------------

def test_hr_adds_and_removes_raters_in_draft(hr_client, org, cycle, db):
    url = f"/360/{cycle.id}"
    hr_employee = org.users["hr"].employee
    response = post_form(hr_client, f"{url}/penilai", {
        "reviewee_id": org.staff[0].id, "rater_id": hr_employee.id, "rater_group": "rekan", "next": url}, page=url)
    assert response.status_code == 302 and response.headers["Location"] == url
    added = _invitations(db, cycle, reviewee_id=org.staff[0].id, rater_id=hr_employee.id)
    assert len(added) == 1 and added[0].source == "added"
    assert "tambahan" in _text(hr_client.get(url))
    page = _text(post_form(hr_client, f"{url}/penilai", {
        "reviewee_id": org.staff[0].id, "rater_id": hr_employee.id, "rater_group": "rekan"}, page=url,
        follow_redirects=True))
    assert "Penilai ini sudah ada dalam daftar." in page
    confirm_post(hr_client, f"{url}/penilai/{added[0].id}/hapus", {"next": url}, page=url)
    assert not _invitations(db, cycle, reviewee_id=org.staff[0].id, rater_id=hr_employee.id)


def test_self_rating_cannot_be_removed(hr_client, org, cycle, db):
    url = f"/360/{cycle.id}"
    own = _invitations(db, cycle, reviewee_id=org.staff[0].id, rater_group="diri")[0]
    page = _text(confirm_post(hr_client, f"{url}/penilai/{own.id}/hapus", {}, page=url, follow_redirects=True))
    assert "Penilaian diri sendiri tidak dapat dihapus." in page
    assert _invitations(db, cycle, reviewee_id=org.staff[0].id, rater_group="diri")


def test_raters_are_locked_once_the_cycle_is_open(hr_client, org, cycle, db):
    _open(cycle, org, db)
    url = f"/360/{cycle.id}"
    page = _text(hr_client.get(url))
    assert "Tambah penilai" not in page and "Usulkan ulang penilai" not in page
    peer = _invitations(db, cycle, reviewee_id=org.staff[0].id, rater_group="rekan")[0]
    locked = "Daftar penilai hanya dapat diubah selama siklus masih draf."
    page = _text(post_form(hr_client, f"{url}/penilai", {
        "reviewee_id": org.staff[0].id, "rater_id": org.users["hr"].employee_id, "rater_group": "rekan"},
        page=url, follow_redirects=True))
    assert locked in page
    assert locked in _text(post_form(hr_client, f"{url}/penilai/{peer.id}/hapus", {}, page=url, follow_redirects=True))
    assert locked in _text(post_form(hr_client, f"{url}/usulkan", {}, page=url, follow_redirects=True))
    assert _invitations(db, cycle, id=peer.id)
    assert not _invitations(db, cycle, rater_id=org.users["hr"].employee_id)


def test_propose_again_keeps_added_raters(hr_client, org, cycle, db):
    url = f"/360/{cycle.id}"
    hr_employee = org.users["hr"].employee
    raters.add_rater(cycle, org.staff[0], hr_employee, "rekan")
    db.session.commit()
    page = _text(post_form(hr_client, f"{url}/usulkan", {}, page=url, follow_redirects=True))
    assert "penilai diusulkan ulang" in page
    assert _invitations(db, cycle, rater_id=hr_employee.id, source="added")


# --- the supervisor's team page and nominations ------------------------------------------------------

def test_supervisor_sees_only_their_team(supervisor_client, org, cycle):
    page = _text(supervisor_client.get(f"/360/{cycle.id}/tim"))
    for person in org.staff:
        assert person.name in page
    # The supervisor's own reviewers (their head, their reports as bawahan) are not theirs to see.
    assert "pegawai-%d" % org.supervisor.id not in page
    listing = _text(supervisor_client.get("/360/"))
    assert cycle.name in listing and f"/360/{cycle.id}/tim" in listing


def test_supervisor_adjusts_their_team_in_draft(supervisor_client, org, cycle, db):
    team = f"/360/{cycle.id}/tim"
    hr_employee = org.users["hr"].employee
    response = post_form(supervisor_client, f"/360/{cycle.id}/penilai", {
        "reviewee_id": org.staff[1].id, "rater_id": hr_employee.id, "rater_group": "rekan", "next": team}, page=team)
    assert response.headers["Location"] == team
    added = _invitations(db, cycle, reviewee_id=org.staff[1].id, rater_id=hr_employee.id)[0]
    confirm_post(supervisor_client, f"/360/{cycle.id}/penilai/{added.id}/hapus", {"next": team}, page=team)
    assert not _invitations(db, cycle, id=added.id)
    # Not for someone outside the team (the supervisor themselves is reviewed by their head).
    response = post_form(supervisor_client, f"/360/{cycle.id}/penilai", {
        "reviewee_id": org.supervisor.id, "rater_id": hr_employee.id, "rater_group": "rekan"}, page=team)
    assert response.status_code == 403


def test_nomination_is_approved_by_the_supervisor_and_not_by_another(employee_client, supervisor_client,
                                                                     other_supervisor, org, cycle, db):
    url = f"/360/{cycle.id}/nominasi"
    nominee = org.users["hr"].employee  # works in another unit
    page = _text(employee_client.get(url + "?q=Petugas"))
    assert nominee.name in page
    page = _text(post_form(employee_client, url, {"rater_id": nominee.id}, follow_redirects=True))
    assert f"{nominee.name} dinominasikan" in page and "menunggu persetujuan" in page
    nomination = _invitations(db, cycle, reviewee_id=org.staff[0].id, rater_id=nominee.id)[0]
    assert (nomination.source, nomination.approved, nomination.rater_group) == ("nominated", False, "rekan")

    team = f"/360/{cycle.id}/tim"
    assert "nominasi menunggu persetujuan" in _text(supervisor_client.get(team))
    approve = f"/360/{cycle.id}/penilai/{nomination.id}/setujui"
    assert post_form(other_supervisor, approve, {}, page="/360/").status_code == 403
    assert post_form(other_supervisor, f"/360/{cycle.id}/penilai/{nomination.id}/hapus", {},
                     page="/360/").status_code == 403
    db.session.expire_all()
    assert not db.session.get(ReviewInvitation, nomination.id).approved

    page = _text(post_form(supervisor_client, approve, {"next": team}, page=team, follow_redirects=True))
    assert f"Nominasi {nominee.name} untuk {org.staff[0].name} disetujui." in page
    db.session.expire_all()
    assert db.session.get(ReviewInvitation, nomination.id).approved
    assert "disetujui" in _text(employee_client.get(url))


def test_supervisor_rejects_a_nomination(employee_client, supervisor_client, org, cycle, db):
    nominee = org.users["hr"].employee
    post_form(employee_client, f"/360/{cycle.id}/nominasi", {"rater_id": nominee.id})
    nomination = _invitations(db, cycle, rater_id=nominee.id)[0]
    team = f"/360/{cycle.id}/tim"
    page = _text(post_form(supervisor_client, f"/360/{cycle.id}/penilai/{nomination.id}/hapus", {"next": team},
                           page=team, follow_redirects=True))
    assert "ditolak" in page
    assert not _invitations(db, cycle, rater_id=nominee.id)


def test_employee_withdraws_a_pending_nomination_but_not_someone_elses(employee_client, org, cycle, db):
    nominee = org.users["hr"].employee
    post_form(employee_client, f"/360/{cycle.id}/nominasi", {"rater_id": nominee.id})
    nomination = _invitations(db, cycle, rater_id=nominee.id)[0]
    other = raters.nominate_peer(cycle, org.staff[1], nominee)
    db.session.commit()
    url = f"/360/{cycle.id}/nominasi"
    assert post_form(employee_client, f"{url}/{other.id}/batal", {}, page=url).status_code == 403
    post_form(employee_client, f"{url}/{nomination.id}/batal", {}, page=url)
    assert not _invitations(db, cycle, id=nomination.id) and _invitations(db, cycle, id=other.id)


def test_nomination_refused_when_not_a_draft_or_not_a_reviewee(employee_client, hr_client, org, cycle, db):
    url = f"/360/{cycle.id}/nominasi"
    assert hr_client.get(url).status_code == 403  # HR's employee works in a unit outside the cycle
    _open(cycle, org, db)
    page = _text(employee_client.get(url))
    assert "Nominasi hanya dapat diajukan selama siklus masih draf." in page and "Cari rekan" not in page
    page = _text(post_form(employee_client, url, {"rater_id": org.users["hr"].employee_id}, follow_redirects=True))
    assert "Nominasi hanya dapat diajukan selama siklus masih draf." in page
    assert not _invitations(db, cycle, rater_id=org.users["hr"].employee_id)


def test_nominating_oneself_or_a_listed_rater_is_refused(employee_client, org, cycle, db):
    url = f"/360/{cycle.id}/nominasi"
    page = _text(post_form(employee_client, url, {"rater_id": org.staff[0].id}, follow_redirects=True))
    assert "Penilaian diri sendiri sudah otomatis disertakan." in page
    page = _text(post_form(employee_client, url, {"rater_id": org.supervisor.id}, follow_redirects=True))
    assert "Penilai ini sudah ada dalam daftar." in page


# --- expectations -------------------------------------------------------------------------------------

def _expectation_data(**texts):
    return {f"exp-{code}": text for code, text in texts.items()}


def test_supervisor_sets_expectations_and_raters_will_see_them(supervisor_client, org, cycle, db):
    team = f"/360/{cycle.id}/tim"
    staff = org.staff[0]
    response = post_form(supervisor_client, f"/360/{cycle.id}/ekspektasi/{staff.id}", _expectation_data(
        AKUNTABEL="Laporan harian tepat waktu.", KOMPETEN="  ", next=team), page=team, follow_redirects=True)
    page = _text(response)
    assert f"Ekspektasi khusus pimpinan untuk {staff.name} disimpan." in page
    assert "Laporan harian tepat waktu." in page
    rows = db.session.scalars(select(ReviewExpectation).where(ReviewExpectation.reviewee_id == staff.id)).all()
    assert [(r.value_code, r.text, r.set_by_id) for r in rows] == [
        ("AKUNTABEL", "Laporan harian tepat waktu.", org.users["atasan"].id)]
    assert services.build_report(cycle, staff).expectations == {"AKUNTABEL": "Laporan harian tepat waktu."}
    # Emptying the text removes it.
    post_form(supervisor_client, f"/360/{cycle.id}/ekspektasi/{staff.id}", _expectation_data(AKUNTABEL=""), page=team)
    assert not db.session.scalars(select(ReviewExpectation)).all()


def test_expectations_refused_for_others_and_after_opening(employee_client, other_supervisor, hr_client,
                                                           org, cycle, db):
    staff = org.staff[0]
    url = f"/360/{cycle.id}/ekspektasi/{staff.id}"
    data = _expectation_data(LOYAL="Menjaga rahasia jabatan.")
    assert post_form(employee_client, url, data, page=f"/360/{cycle.id}/nominasi").status_code == 403
    assert post_form(other_supervisor, url, data, page="/360/").status_code == 403
    assert not db.session.scalars(select(ReviewExpectation)).all()
    assert post_form(hr_client, url, data, page="/360/").status_code == 302  # HR may, from the cycle page
    assert len(db.session.scalars(select(ReviewExpectation)).all()) == 1
    _open(cycle, org, db)
    page = _text(post_form(hr_client, url, _expectation_data(LOYAL="Lain"), page="/360/", follow_redirects=True))
    assert "hanya dapat diubah selama siklus masih draf" in page
    assert db.session.scalar(select(ReviewExpectation.text)) == "Menjaga rahasia jabatan."


def test_too_long_expectation_is_refused_and_nothing_is_saved(hr_client, org, cycle, db):
    url = f"/360/{cycle.id}/ekspektasi/{org.staff[0].id}"
    page = _text(post_form(hr_client, url, _expectation_data(AKUNTABEL="Baik.", LOYAL="x" * 1001), page="/360/",
                           follow_redirects=True))
    assert "Ekspektasi paling banyak 1000 karakter." in page
    assert not db.session.scalars(select(ReviewExpectation)).all()


# --- progress, reminders, links ---------------------------------------------------------------------

def _section(page: str, heading_id: str) -> str:
    start = page.index(f'id="{heading_id}"')
    return page[start:page.index("</section>", start)]


def _progress(client, cycle) -> str:
    """The progress panel, without the CSRF tokens of its buttons."""
    section = _section(_text(client.get(f"/360/{cycle.id}")), "rates-heading")
    return re.sub(r'name="csrf_token" value="[^"]+"', "", section)


def _progress_row(section: str, reviewee, group_label: str) -> list[str]:
    row = re.search(r"<tr><td>%s</td><td>[^<]*</td><td>%s</td>(.*?)</tr>" % (re.escape(reviewee.name), group_label),
                    section, re.S).group(1)
    return re.findall(r'<td class="num">([^<]+)</td>', row)


def test_progress_shows_a_groups_answers_only_at_the_threshold(hr_client, org, cycle, db):
    _open(cycle, org, db)
    staff = org.staff[0]
    peers = _invitations(db, cycle, reviewee_id=staff.id, rater_group="rekan")
    assert len(peers) == 3
    for invitation in peers[:2]:
        _answer(cycle, invitation, org)
    db.session.commit()
    section = _progress(hr_client, cycle)
    assert _progress_row(section, staff, "Rekan kerja") == ["3", "kurang dari 3"]
    assert not raters.progress(cycle).reached
    _answer(cycle, peers[2], org)
    db.session.commit()
    section = _progress(hr_client, cycle)
    assert _progress_row(section, staff, "Rekan kerja") == ["3", "3"]
    progress = raters.progress(cycle)
    assert (progress.reached, progress.answered_shown) == (1, 3)
    # The totals are sums of what is shown: nothing hidden can be subtracted out of them.
    assert "Tanggapan di kelompok itu</dt><dd>3</dd>" in section


def test_progress_says_nothing_about_who_answered(hr_client, org, cycle, db):
    _open(cycle, org, db)
    before = _progress(hr_client, cycle)
    # The atasan, a self-assessment and two of three peers answer: not a character changes.
    for invitation in (_invitations(db, cycle, reviewee_id=org.staff[0].id, rater_group="atasan")
                       + _invitations(db, cycle, rater_group="diri")
                       + _invitations(db, cycle, reviewee_id=org.supervisor.id, rater_group="bawahan")[:2]):
        _answer(cycle, invitation, org)
    db.session.commit()
    assert _progress(hr_client, cycle) == before
    everyone = {i.rater.name for i in _invitations(db, cycle)} - {i.reviewee.name for i in _invitations(db, cycle)}
    assert not any(name in before for name in everyone)


def test_warnings_before_opening_and_closing(hr_client, org, cycle, db, factory):
    # Staf Uji 1 keeps one peer; the head's single subordinate, the supervisor, is under the threshold.
    for invitation in _invitations(db, cycle, reviewee_id=org.staff[0].id, rater_group="rekan")[1:]:
        db.session.delete(invitation)
    db.session.commit()
    short = [(g.reviewee.id, g.group, g.invited) for g in raters.short_before_opening(cycle)]
    assert (org.staff[0].id, "rekan", 1) in short and (org.head.id, "bawahan", 1) in short
    assert all(invited < cycle.threshold for _r, _g, invited in short)
    assert (org.supervisor.id, "bawahan", len(org.staff)) not in short
    page = _text(hr_client.get(f"/360/{cycle.id}"))
    assert f"Kelompok yang akan disembunyikan ({len(short)})" in page
    _open(cycle, org, db)
    hidden = {(g.reviewee.id, g.group): g.invited for g in raters.hidden_at_close(cycle)}
    assert hidden[org.supervisor.id, "bawahan"] == len(org.staff)
    for invitation in _invitations(db, cycle, reviewee_id=org.supervisor.id, rater_group="bawahan"):
        _answer(cycle, invitation, org)
    db.session.commit()
    hidden = {(g.reviewee.id, g.group): g.invited for g in raters.hidden_at_close(cycle)}
    assert (org.supervisor.id, "bawahan") not in hidden and (org.staff[0].id, "rekan") in hidden
    page = _text(hr_client.get(f"/360/{cycle.id}"))
    assert f"Akan disembunyikan bila siklus ditutup sekarang ({len(hidden)})" in page


def test_reminders_go_only_to_raters_who_have_not_answered(hr_client, org, cycle, db):
    for index, person in enumerate([org.head, org.supervisor, *org.staff]):
        person.email = f"orang{index}@uji.go.id"
    db.session.commit()
    _open(cycle, org, db)
    db.session.execute(OutboxMessage.__table__.delete())
    for invitation in _invitations(db, cycle):
        if invitation.rater_id == org.head.id:
            _answer(cycle, invitation, org)
    db.session.commit()
    url = f"/360/{cycle.id}"
    page = _text(post_form(hr_client, f"{url}/pengingat", {}, page=url, follow_redirects=True))
    waiting = {i.rater.email for i in _invitations(db, cycle) if i.status != "done"}
    messages = db.session.scalars(select(OutboxMessage)).all()
    assert sorted(m.recipient for m in messages) == sorted(waiting) and org.head.email not in waiting
    # HR reads a number; the mail names no reviewee, so not even the outbox says whose review is open.
    assert f"{len(waiting)} email pengingat masuk antrean" in page
    assert not any(m.recipient in page for m in messages)
    names = {e.name for e in [org.head, org.supervisor, *org.staff]}
    for message in messages:
        rater_name = message.body.split(",")[0].removeprefix("Yth. ")
        assert "/ulasan-saya" in message.body and "/ulasan/" not in message.body
        assert not any(name in message.body for name in names - {rater_name})
    assert db.session.get(ReviewCycle, cycle.id).reminded_on == _today(org)


def test_reminders_refused_in_draft(hr_client, cycle, db):
    url = f"/360/{cycle.id}"
    page = _text(post_form(hr_client, f"{url}/pengingat", {}, page=url, follow_redirects=True))
    assert "Pengingat hanya dapat dikirim saat siklus dibuka." in page
    assert not db.session.scalars(select(OutboxMessage)).all()


def test_hr_resends_every_link_of_a_rater_whatever_they_answered(hr_client, org, cycle, db):
    org.staff[1].email = "staf2@uji.go.id"
    db.session.commit()
    _open(cycle, org, db)
    db.session.execute(OutboxMessage.__table__.delete())
    theirs = _invitations(db, cycle, rater_id=org.staff[1].id)
    _answer(cycle, theirs[0], org)
    db.session.commit()
    url = f"/360/{cycle.id}/tautan"
    page = _text(post_form(hr_client, f"{url}/{org.staff[1].id}/kirim", {}, page=url, follow_redirects=True))
    assert f"Tautan ulasan {org.staff[1].name} masuk antrean email." in page
    (message,) = db.session.scalars(select(OutboxMessage)).all()
    assert message.recipient == "staf2@uji.go.id"
    assert all(links.invitation_url(i) in message.body for i in theirs)
    # A rater without an address gets a printed invitation instead.
    page = _text(post_form(hr_client, f"{url}/{org.staff[2].id}/kirim", {}, page=url, follow_redirects=True))
    assert "tidak memiliki alamat email" in page


def test_printed_invitations_list_every_link_of_a_rater(hr_client, org, cycle, db):
    _open(cycle, org, db)
    page = _text(hr_client.get(f"/360/{cycle.id}/undangan/{org.staff[1].id}"))
    theirs = _invitations(db, cycle, rater_id=org.staff[1].id, approved=True)
    urls = re.findall(r"https://cermin\.test/ulasan/[A-Za-z0-9_-]+", page)
    assert sorted(set(urls)) == sorted(links.invitation_url(i) for i in theirs)
    assert "Pesan untuk disalin (WhatsApp)" in page and f"Yth. {org.staff[1].name}" in page
    # Everyone without an address, each on their own part of the page.
    everyone = _text(hr_client.get(f"/360/{cycle.id}/undangan"))
    headings = re.findall(r'<h2 id="rater-\d+">([^<]+?) <span', everyone)
    assert headings == sorted({i.rater.name for i in _invitations(db, cycle, approved=True) if not i.rater.email})
    assert hr_client.get(f"/360/{cycle.id}/undangan/{org.users['admin'].id + 10_000}").status_code == 404


def test_links_and_invitations_show_no_answer_status(hr_client, org, cycle, db):
    _open(cycle, org, db)
    pages = (f"/360/{cycle.id}/tautan", f"/360/{cycle.id}/undangan", f"/360/{cycle.id}/undangan/{org.staff[1].id}")

    def snapshot():
        return [re.sub(r'value="[^"]+"', "", _text(hr_client.get(page))) for page in pages]

    before = snapshot()
    for invitation in _invitations(db, cycle, rater_id=org.staff[1].id):
        _answer(cycle, invitation, org)
    db.session.commit()
    assert snapshot() == before


def test_links_page_is_empty_outside_an_open_cycle(hr_client, cycle):
    page = _text(hr_client.get(f"/360/{cycle.id}/tautan"))
    assert "Undangan hanya dikirim ulang atau dicetak selama siklus dibuka." in page and "/ulasan/" not in page
    assert hr_client.get(f"/360/{cycle.id}/undangan").status_code == 404


# --- questionnaires -----------------------------------------------------------------------------------

def test_questionnaire_page_shows_values_items_and_anchors(hr_client, org, db):
    assert "BerAKHLAK" in _text(hr_client.get("/360/kuesioner"))
    questionnaire = services.default_questionnaire(org.instansi)
    page = _text(hr_client.get(f"/360/kuesioner/{questionnaire.id}"))
    for label in ("Berorientasi Pelayanan", "Kolaboratif", "Selalu menunjukkan", "Sangat jarang menunjukkan",
                  "Tidak dapat menilai", "Tidak menyalahgunakan kewenangan jabatan"):
        assert label in page


def test_hr_copies_and_edits_a_questionnaire(hr_client, org, db):
    base = services.default_questionnaire(org.instansi)
    db.session.commit()
    url = f"/360/kuesioner/{base.id}"
    response = post_form(hr_client, f"{url}/salin", {"name": "BerAKHLAK Dukcapil"}, page=url)
    copy = db.session.scalar(select(Questionnaire).where(Questionnaire.name == "BerAKHLAK Dukcapil"))
    assert response.headers["Location"] == f"/360/kuesioner/{copy.id}"
    copy_url = response.headers["Location"]
    item = copy.items[0]
    post_form(hr_client, f"{copy_url}/butir/{item.id}", {"text": "Melayani warga dengan sepenuh hati"}, page=copy_url)
    post_form(hr_client, f"{copy_url}/butir", {"value_code": "LOYAL", "text": "Bangga menjadi ASN"}, page=copy_url)
    db.session.expire_all()
    copy = db.session.get(Questionnaire, copy.id)
    texts = [i.text for i in copy.items]
    assert "Melayani warga dengan sepenuh hati" in texts and "Bangga menjadi ASN" in texts and len(texts) == 22
    loyal = [i for i in copy.items if i.value_code == "LOYAL"]
    post_form(hr_client, f"{copy_url}/butir/{loyal[0].id}/hapus", {}, page=copy_url)
    db.session.expire_all()
    assert len(db.session.get(Questionnaire, copy.id).items) == 21
    assert len(db.session.get(Questionnaire, base.id).items) == 21  # the original is untouched
    page = _text(post_form(hr_client, f"{url}/salin", {"name": "BerAKHLAK Dukcapil"}, page=url, follow_redirects=True))
    assert "Nama kuesioner sudah dipakai." in page


def test_questionnaire_in_use_cannot_be_edited(hr_client, org, cycle, db):
    _open(cycle, org, db)
    questionnaire = cycle.questionnaire
    url = f"/360/kuesioner/{questionnaire.id}"
    page = _text(hr_client.get(url))
    assert "dipakai, terkunci" in page and "Tambah butir" not in page
    item = questionnaire.items[0]
    original = item.text
    page = _text(post_form(hr_client, f"{url}/butir/{item.id}", {"text": "Teks baru"}, page="/360/",
                           follow_redirects=True))
    assert "tidak dapat diubah. Salin untuk membuat versi baru." in page
    page = _text(post_form(hr_client, f"{url}/butir/{item.id}/hapus", {}, page="/360/", follow_redirects=True))
    assert "tidak dapat diubah. Salin untuk membuat versi baru." in page
    db.session.expire_all()
    assert db.session.get(type(item), item.id).text == original


def test_cycle_with_a_copied_questionnaire(hr_client, org, db):
    copy = services.copy_questionnaire(services.default_questionnaire(org.instansi), "Versi Uji")
    db.session.commit()
    response = post_form(hr_client, "/360/baru", _new_cycle_data(org, questionnaire_id=str(copy.id)))
    cycle = db.session.scalar(select(ReviewCycle).where(ReviewCycle.name == "Tahunan 2026"))
    assert response.status_code == 302 and cycle.questionnaire_id == copy.id


# --- who may open what -----------------------------------------------------------------------------

HR_GET = ["/360/baru", "/360/{id}", "/360/{id}/tautan", "/360/kuesioner", "/360/kuesioner/{q}"]
HR_POST = ["/360/{id}/status/open", "/360/{id}/ambang", "/360/{id}/tanggal", "/360/{id}/usulkan",
           "/360/{id}/pengingat", "/360/kuesioner/{q}/salin", "/360/kuesioner/{q}/butir",
           "/360/kuesioner/{q}/butir/{item}", "/360/kuesioner/{q}/butir/{item}/hapus"]
RUNNER_POST = ["/360/{id}/penilai", "/360/{id}/penilai/{inv}/hapus", "/360/{id}/penilai/{inv}/setujui",
               "/360/{id}/ekspektasi/{reviewee}"]
ALL_GET = ["/360/", "/360/{id}/tim", "/360/{id}/nominasi"] + HR_GET
ALL_POST = HR_POST + RUNNER_POST + ["/360/{id}/nominasi", "/360/{id}/nominasi/{inv}/batal"]


def _fill(path, cycle, org, db):
    invitation = _invitations(db, cycle, reviewee_id=org.staff[1].id, rater_group="rekan")[0]
    return path.format(id=cycle.id, q=cycle.questionnaire_id, item=cycle.questionnaire.items[0].id,
                       inv=invitation.id, reviewee=org.staff[1].id)


@pytest.mark.parametrize("path", ALL_GET)
def test_anonymous_is_sent_to_login(client, org, cycle, db, path):
    response = client.get(_fill(path, cycle, org, db))
    assert response.status_code == 302 and response.headers["Location"].startswith("/masuk?next=")


@pytest.mark.parametrize("path", ALL_POST)
def test_anonymous_post_with_a_token_is_sent_to_login(client, org, cycle, db, path):
    response = post_form(client, _fill(path, cycle, org, db), {}, page="/masuk")
    assert response.status_code == 302 and response.headers["Location"].startswith("/masuk?next=")


@pytest.mark.parametrize("path", ["/360/"] + HR_GET + HR_POST + RUNNER_POST)
def test_employee_is_refused_hr_and_supervisor_pages(employee_client, org, cycle, db, path):
    url = _fill(path, cycle, org, db)
    if path in HR_GET or path == "/360/":
        assert employee_client.get(url).status_code == 403
    else:
        assert post_form(employee_client, url, {}, page=f"/360/{cycle.id}/nominasi").status_code == 403


@pytest.mark.parametrize("path", HR_GET + HR_POST)
def test_supervisor_is_refused_hr_pages(supervisor_client, org, cycle, db, path):
    url = _fill(path, cycle, org, db)
    if path in HR_GET:
        assert supervisor_client.get(url).status_code == 403
    else:
        assert post_form(supervisor_client, url, {}, page="/360/").status_code == 403


def test_supervisor_without_a_team_in_the_cycle_is_refused(other_supervisor, org, cycle, db):
    assert other_supervisor.get(f"/360/{cycle.id}/tim").status_code == 403
    assert cycle.name not in _text(other_supervisor.get("/360/"))
    staff = org.staff[1]
    invitation = _invitations(db, cycle, reviewee_id=staff.id, rater_group="rekan")[0]
    for path in RUNNER_POST:
        url = path.format(id=cycle.id, inv=invitation.id, reviewee=staff.id)
        data = {"reviewee_id": staff.id, "rater_id": org.head.id, "rater_group": "rekan"}
        assert post_form(other_supervisor, url, data, page="/360/").status_code == 403, path


@pytest.mark.parametrize("path,allowed", [
    ("/360/{id}", {"hr"}), ("/360/{id}/tautan", {"hr"}), ("/360/{id}/tim", {"hr", "atasan"}),
    ("/360/{id}/nominasi", {"hr", "atasan", "pegawai"}),
])
def test_another_instansis_cycle_is_not_found(hr_client, supervisor_client, employee_client, foreign_cycle,
                                              path, allowed):
    url = path.format(id=foreign_cycle.id)
    for name, client in (("hr", hr_client), ("atasan", supervisor_client), ("pegawai", employee_client)):
        # Whoever the page is for gets 404; other roles are refused before the cycle is looked up.
        assert client.get(url).status_code == (404 if name in allowed else 403), (url, name)


def test_another_instansis_cycle_cannot_be_changed(hr_client, foreign_cycle, db):
    response = post_form(hr_client, f"/360/{foreign_cycle.id}/status/open", {}, page="/360/")
    assert response.status_code == 404
    assert _state(db, foreign_cycle) == "draft"
    assert hr_client.get(f"/360/kuesioner/{foreign_cycle.questionnaire_id}").status_code == 404


def test_another_instansis_employee_cannot_be_added(hr_client, org, cycle, foreign_cycle, db):
    outsider = db.session.scalar(select(Employee).where(Employee.instansi_id == foreign_cycle.instansi_id))
    response = post_form(hr_client, f"/360/{cycle.id}/penilai", {
        "reviewee_id": org.staff[0].id, "rater_id": outsider.id, "rater_group": "rekan"}, page="/360/",
        follow_redirects=True)
    assert "Pilihan tidak valid." in _text(response)
    assert not _invitations(db, cycle, rater_id=outsider.id)


def test_admin_runs_cycles_too(admin_client, cycle):
    assert admin_client.get(f"/360/{cycle.id}").status_code == 200
    assert cycle.name in _text(admin_client.get("/360/"))


def test_nav_entry_for_hr_and_supervisors(hr_client, supervisor_client, org):
    for client in (hr_client, supervisor_client):
        assert 'href="/360/">Ulasan 360</a>' in _text(client.get("/"))


@pytest.mark.parametrize("lang", ["id", "en"])
def test_pages_render_in_both_languages(hr_client, supervisor_client, employee_client, org, cycle, db, lang):
    headers = {"Accept-Language": lang}
    for path in ("/360/", "/360/baru", f"/360/{cycle.id}", f"/360/{cycle.id}/tautan", "/360/kuesioner",
                 f"/360/kuesioner/{cycle.questionnaire_id}"):
        assert hr_client.get(path, headers=headers).status_code == 200, path
    assert supervisor_client.get(f"/360/{cycle.id}/tim", headers=headers).status_code == 200
    assert employee_client.get(f"/360/{cycle.id}/nominasi", headers=headers).status_code == 200
    _open(cycle, org, db)
    for path in (f"/360/{cycle.id}", f"/360/{cycle.id}/tautan"):
        assert hr_client.get(path, headers=headers).status_code == 200, path
    assert supervisor_client.get(f"/360/{cycle.id}/tim", headers=headers).status_code == 200

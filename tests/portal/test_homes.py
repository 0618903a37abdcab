"""Home pages with work: "Perlu dikerjakan", per role, with counts and links (issue 17 §5)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.appraisal import objections
from portal.appraisal.models import AppraisalRecord
from portal.main.work import work_for
from portal.reviews import services as reviews
from tests.conftest import client_for
from tests.portal.object_world import build_world

WORK_ITEM = re.compile(r'<li data-work="([a-z_]+)"><a href="([^"]+)"><strong class="count">(\d+)</strong>')


def work_on_home(client) -> dict[str, tuple[int, str]]:
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Perlu dikerjakan" in html
    return {key: (int(count), url.replace("&amp;", "&")) for key, url, count in WORK_ITEM.findall(html)}


@pytest.fixture
def world(factory, org, head_client):
    """Two instansi full of work (tests/portal/object_world.py): each has, in each of its two
    units, one new saran, one open alert, one held response and one pending paper batch; a draft
    360 cycle whose day to open has come, an open one and a released one; a confirmed record and a
    pending keberatan on it."""
    return build_world(factory, org)


def _links_allowed(client, work):
    for key, (_count, url) in work.items():
        assert client.get(url).status_code == 200, (key, url)


def test_hr_counts_the_whole_instansi_and_nothing_of_another(app, world, org):
    hr = client_for(app, "hr")
    work = work_on_home(hr)
    # Two units of the home instansi, one of each; the other instansi holds as many again.
    assert work["saran_new"][0] == 2 and work["saran_new"][1] == "/tindak-lanjut/?status=baru"
    assert work["alerts"][0] == 2
    assert work["held"][0] == 2
    assert work["batches"][0] == 2
    assert work["cycles_open"][0] == 1
    assert "cycles_close" not in work and "cycles_release" not in work
    assert work["finalise"][0] == 1
    _links_allowed(hr, work)


def test_the_other_instansi_sees_its_own_only(app, world):
    away = work_on_home(client_for(app, "hr-lain"))
    assert away["saran_new"][0] == 2 and away["alerts"][0] == 2 and away["cycles_open"][0] == 1


def test_unit_head_counts_her_unit_and_decides_the_objection(world, head_client, org):
    work = work_on_home(head_client)
    # DUKCAPIL only: not DINKES of the same instansi, not the other instansi.
    assert work["saran_new"][0] == 1 and work["alerts"][0] == 1 and work["held"][0] == 1
    assert work["batches"][0] == 1
    # The keberatan on staff[0]'s record waits for her, the Atasan Pejabat Penilai.
    assert work["objections"] == (len(objections.work_list(org.head)), "/penilaian/tim")
    assert work["objections"][0] == 1
    assert "cycles_open" not in work and "finalise" not in work
    _links_allowed(head_client, work)


def test_pejabat_penilai_sees_records_to_confirm(world, supervisor_client, org, db):
    drafts = db.session.scalar(select(func.count(AppraisalRecord.id)).where(
        AppraisalRecord.penilai_id == org.supervisor.id, AppraisalRecord.status == "draft"))
    assert drafts > 0
    work = work_on_home(supervisor_client)
    assert work["confirm"] == (drafts, "/penilaian/tim")
    # A supervisor who heads no unit reads no unit's inbox.
    assert "saran_new" not in work and "alerts" not in work and "held" not in work
    _links_allowed(supervisor_client, work)


def test_employee_sees_their_invitations_only(world, employee_client, org):
    work = work_on_home(employee_client)
    pending = len(reviews.pending_for(org.staff[0]))
    assert pending > 0
    assert work["invitations"] == (pending, "/ulasan-saya")
    assert set(work) == {"invitations"}
    _links_allowed(employee_client, work)


def test_auditor_reads_the_instansi_counts(world, auditor_client):
    work = work_on_home(auditor_client)
    assert work["saran_new"][0] == 2 and work["alerts"][0] == 2 and work["held"][0] == 2
    assert "confirm" not in work and "invitations" not in work
    _links_allowed(auditor_client, work)


def test_nothing_to_do_is_said(employee_client):
    html = employee_client.get("/").get_data(as_text=True)
    assert "Tidak ada yang menunggu Anda saat ini." in html


def test_no_item_names_a_rater(world, app, org):
    # Counts are of the user's own work: a 360 cycle is counted as a whole, never by who answered.
    with app.test_request_context():
        from flask_login import login_user

        login_user(org.users["hr"])
        items = work_for(org.users["hr"])
    for item in items:
        for person in [org.head, org.supervisor, *org.staff]:
            assert person.name not in item.label


def test_unit_head_sees_the_officers_of_her_lokets(head_client, org):
    # org.staff[0] serves at UJI01 (DUKCAPIL) and reports to the kepala bidang, not to the head.
    page = head_client.get("/dasbor/petugas")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Petugas loket unit Anda" in html
    section = html.split('id="loket-officers-heading"', 1)[1]
    assert org.staff[0].name in section
    assert org.staff[1].name not in section  # not rostered at any loket
    # Her direct report, the kepala bidang, stays in the first section.
    assert org.supervisor.name in html.split('id="loket-officers-heading"', 1)[0]


def test_a_supervisor_who_heads_no_unit_sees_no_loket_section(supervisor_client):
    html = supervisor_client.get("/dasbor/petugas").get_data(as_text=True)
    assert "Petugas loket unit Anda" not in html

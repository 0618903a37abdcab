"""360 reports: the anonymity threshold on every path (page, review-report, --json), no way to
subtract a hidden group from visible figures, access for each role, and the demo's story."""
import json
import re

import pytest
from sqlalchemy import select

from portal import clock
from portal.accounts.models import User
from portal.localtime import today
from portal.reviews import drafts, raters, services
from portal.reviews.models import ReviewCycle, ReviewExpectation, ReviewInvitation
from tests.conftest import login
from tests.factories import Factory
from tests.portal.demo_story import review_story

#: The shared `cycle` fixture is open here (tests/portal/conftest.py).
CYCLE_OPEN = True

HIDDEN_COMMENT = "Komentar rekan yang tidak boleh tampil"
DRAFT_COMMENT = "Draf pribadi seorang penilai"


def invitations(db, cycle, reviewee, group):
    return db.session.scalars(select(ReviewInvitation).where(
        ReviewInvitation.cycle_id == cycle.id, ReviewInvitation.reviewee_id == reviewee.id,
        ReviewInvitation.rater_group == group).order_by(ReviewInvitation.id)).all()


def answer(db, cycle, org, reviewee, group, scores, comment=None, value="KOMPETEN"):
    """Submit one response per score for the group's raters, through the services."""
    asked = invitations(db, cycle, reviewee, group)
    assert len(asked) >= len(scores)
    for invitation, score in zip(asked, scores):
        per_item = score if isinstance(score, dict) else {}
        answers = services.Answers({item.id: per_item.get(item.value_code, score if not per_item else 3)
                                    for item in cycle.questionnaire.items},
                                   {value: comment} if comment else {})
        services.submit(invitation, answers, org.instansi, invitation.rater)
    db.session.commit()


def move(db, cycle, org, *states):
    for state in states:
        services.transition(cycle, state, org.instansi)
    db.session.commit()


def report_url(cycle, employee):
    return f"/360/laporan/{cycle.id}/{employee.id}"


CELL = re.compile(r'data-cell="(\w+):(\w+)">([^<]+)<')


def page_cells(html: str) -> dict[tuple[str, str], float | None]:
    return {(g, v): (None if text == "—" else float(text.replace(",", "."))) for g, v, text in CELL.findall(html)}


def json_cells(data: dict) -> dict[tuple[str, str], float | None]:
    cells = {}
    codes = [v["code"] for v in data["values"]]
    series = dict(data["groups"])
    if data["others"] is not None:
        series["others"] = data["others"]
    for group, scores in series.items():
        for code in codes:
            cells[(group, code)] = scores["values"].get(code)
        cells[(group, "overall")] = scores["overall"]
    return cells


def cli_json(runner, cycle, employee) -> dict:
    result = runner.invoke(args=["review-report", "--cycle", str(cycle.id), "--employee", employee.nip, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.fixture
def hidden_peers(db, cycle, org):
    """Staf Uji 1: self, atasan and two of three peers answered; closed. The peers stay hidden."""
    reviewee = org.staff[0]
    answer(db, cycle, org, reviewee, "diri", [5], "Saya cukup kompeten")
    answer(db, cycle, org, reviewee, "atasan", [{"KOMPETEN": 2, "HARMONIS": 4}], "Perlu pelatihan aplikasi")
    answer(db, cycle, org, reviewee, "rekan", [1, 1], HIDDEN_COMMENT)
    move(db, cycle, org, "closed")
    return reviewee


# --- the threshold on every path ----------------------------------------------------------------------

def test_hidden_peers_are_absent_from_the_page(hr_client, hidden_peers, cycle):
    html = hr_client.get(report_url(cycle, hidden_peers)).get_data(as_text=True)
    assert 'data-group="atasan"' in html and 'data-group="diri"' in html
    assert 'data-group="rekan"' not in html and "Rekan kerja" not in html
    assert HIDDEN_COMMENT not in html
    assert 1.0 not in page_cells(html).values()
    assert "Perlu pelatihan aplikasi" in html and "Saya cukup kompeten" in html
    assert "minimal 3 tanggapan" in html


def test_hidden_peers_are_absent_from_review_report(runner, hidden_peers, cycle):
    data = cli_json(runner, cycle, hidden_peers)
    assert set(data["groups"]) == {"diri", "atasan"}
    assert "rekan" in data["hidden"] and "rekan" not in data["others_groups"]
    assert HIDDEN_COMMENT not in json.dumps(data, ensure_ascii=False)
    summary = runner.invoke(args=["review-report", "--cycle", str(cycle.id), "--employee", hidden_peers.nip])
    assert summary.exit_code == 0, summary.output
    assert "Rekan kerja" not in summary.output and HIDDEN_COMMENT not in summary.output
    assert "Atasan" in summary.output and "Perlu pelatihan aplikasi" in summary.output


def test_others_equal_the_atasan_alone_so_nothing_can_be_subtracted(hr_client, runner, hidden_peers, cycle):
    data = cli_json(runner, cycle, hidden_peers)
    assert data["others"] == data["groups"]["atasan"]
    assert data["others"]["responses"] == 1
    cells = page_cells(hr_client.get(report_url(cycle, hidden_peers)).get_data(as_text=True))
    for (group, code), value in cells.items():
        if group == "others":
            assert value == cells[("atasan", code)], code
    gaps = {g["value"]: g for g in data["gaps"]}
    assert gaps["KOMPETEN"]["others"] == 2.0 and gaps["KOMPETEN"]["blind_spot"] is True
    assert gaps["HARMONIS"]["others"] == 4.0


def test_the_third_peer_makes_the_group_appear(hr_client, runner, db, cycle, org):
    reviewee = org.staff[0]
    answer(db, cycle, org, reviewee, "atasan", [4])
    answer(db, cycle, org, reviewee, "rekan", [1, 2, 3], "Komentar rekan yang boleh tampil")
    move(db, cycle, org, "closed")
    data = cli_json(runner, cycle, reviewee)
    assert data["groups"]["rekan"]["responses"] == 3 and data["groups"]["rekan"]["overall"] == 2.0
    assert data["others"]["overall"] == 2.5  # four ratings of 4, 1, 2, 3 pooled, each weighing the same
    html = hr_client.get(report_url(cycle, reviewee)).get_data(as_text=True)
    assert 'data-group="rekan"' in html and "Komentar rekan yang boleh tampil" in html
    assert re.search(r'<li data-group="rekan"><span class="badge badge-muted">Rekan kerja</span> Komentar rekan', html)


def test_a_raised_threshold_hides_a_group_of_three(hr_client, runner, db, cycle, org):
    services.set_threshold(cycle, 4)
    db.session.commit()
    reviewee = org.staff[0]
    answer(db, cycle, org, reviewee, "atasan", [4])
    answer(db, cycle, org, reviewee, "rekan", [1, 2, 3], HIDDEN_COMMENT)
    move(db, cycle, org, "closed")
    data = cli_json(runner, cycle, reviewee)
    assert "rekan" not in data["groups"] and data["threshold"] == 4
    html = hr_client.get(report_url(cycle, reviewee)).get_data(as_text=True)
    assert HIDDEN_COMMENT not in html and 'data-group="rekan"' not in html and "minimal 4 tanggapan" in html


def test_hidden_subordinates_leave_no_trace_in_the_supervisors_report(hr_client, runner, db, cycle, org):
    boss = org.supervisor
    answer(db, cycle, org, boss, "atasan", [4])
    answer(db, cycle, org, boss, "bawahan", [1, 1], HIDDEN_COMMENT)
    move(db, cycle, org, "closed")
    data = cli_json(runner, cycle, boss)
    assert "bawahan" not in data["groups"] and data["others"] == data["groups"]["atasan"]
    html = hr_client.get(report_url(cycle, boss)).get_data(as_text=True)
    assert HIDDEN_COMMENT not in html and 'data-group="bawahan"' not in html


def test_page_shows_exactly_what_review_report_json_prints(app, runner, db, cycle, org):
    reviewee = org.staff[0]
    db.session.add(ReviewExpectation(cycle_id=cycle.id, reviewee_id=reviewee.id, value_code="ADAPTIF",
                                     text="Siap dirotasi ke layanan keliling."))
    answer(db, cycle, org, reviewee, "diri", [{"KOMPETEN": 5, "HARMONIS": 2, "LOYAL": 4}], "Catatan diri")
    answer(db, cycle, org, reviewee, "atasan", [{"KOMPETEN": 3, "HARMONIS": 5, "LOYAL": 4}], "Catatan atasan", "HARMONIS")
    answer(db, cycle, org, reviewee, "rekan", [{"KOMPETEN": 2, "HARMONIS": 4}, 3, {"ADAPTIF": 5}], "Catatan rekan", "LOYAL")
    move(db, cycle, org, "closed", "released")
    data = cli_json(runner, cycle, reviewee)
    client = app.test_client()
    login(client, "pegawai")
    html = client.get(report_url(cycle, reviewee)).get_data(as_text=True)
    assert page_cells(html) == json_cells(data)
    assert re.findall(r'data-gap="(\w+)"', html) == [g["value"] for g in data["gaps"]]
    texts = [c["text"] for items in data["comments"].values() for c in items]
    assert len(texts) == 5 and html.count("<li data-group=") == 5
    assert all(text in html for text in texts)
    assert "Siap dirotasi ke layanan keliling." in html and data["expectations"] == {"ADAPTIF": "Siap dirotasi ke layanan keliling."}
    assert "Titik buta" in html and "Kekuatan tersembunyi" in html
    assert html.count("<svg") == 8  # the overall chart and one per value
    assert not re.search(r"<script(?![^>]*\bsrc=\"/static/)", html) and "style=" not in html  # no inline script


def test_review_report_json_is_sorted_utf8(runner, hidden_peers, cycle):
    result = runner.invoke(args=["review-report", "--cycle", str(cycle.id), "--employee", hidden_peers.nip, "--json"])
    data = json.loads(result.output)
    assert result.output.strip() == json.dumps(data, sort_keys=True, ensure_ascii=False, indent=2)
    assert set(data) == {"cycle", "employee", "threshold", "values", "groups", "others", "others_groups", "hidden",
                         "gaps", "comments", "expectations"}


@pytest.mark.parametrize("args, message", [
    (["--cycle", "999999", "--employee", "{nip}"], "tidak ditemukan"),
    (["--cycle", "{cycle}", "--employee", "199001012015031999"], "tidak terdaftar"),
])
def test_review_report_refuses_unknown_cycle_or_nip(runner, hidden_peers, cycle, args, message):
    args = [a.format(nip=hidden_peers.nip, cycle=cycle.id) for a in args]
    result = runner.invoke(args=["review-report", *args, "--json"])
    assert result.exit_code == 1 and message in result.output


def test_review_report_refuses_an_open_cycle_and_a_non_reviewee(runner, cycle, org, db):
    result = runner.invoke(args=["review-report", "--cycle", str(cycle.id), "--employee", org.staff[0].nip])
    assert result.exit_code == 1 and "laporan tersedia setelah siklus ditutup" in result.output
    move(db, cycle, org, "closed")
    hr_employee = db.session.scalar(select(User).where(User.username == "hr")).employee
    result = runner.invoke(args=["review-report", "--cycle", str(cycle.id), "--employee", hr_employee.nip])
    assert result.exit_code == 1 and "tidak dinilai" in result.output


def test_review_report_help(runner):
    result = runner.invoke(args=["review-report", "--help"])
    assert result.exit_code == 0 and "--json" in result.output and "--employee" in result.output


# --- access ---------------------------------------------------------------------------------------------

def test_employee_reads_their_own_report_only_once_released(employee_client, hidden_peers, cycle, org, db):
    assert employee_client.get(report_url(cycle, hidden_peers)).status_code == 403
    html = employee_client.get("/ulasan-saya").get_data(as_text=True)
    assert "Menunggu dirilis oleh HR" in html and report_url(cycle, hidden_peers) not in html
    move(db, cycle, org, "released")
    assert employee_client.get(report_url(cycle, hidden_peers)).status_code == 200
    assert report_url(cycle, hidden_peers) in employee_client.get("/ulasan-saya").get_data(as_text=True)


def test_employee_cannot_read_a_colleagues_report(employee_client, hidden_peers, cycle, org, db):
    move(db, cycle, org, "released")
    for other in (org.staff[1], org.supervisor):
        assert employee_client.get(report_url(cycle, other)).status_code in (403, 404)
    assert employee_client.get(f"/360/laporan/{cycle.id}").status_code == 403


def test_supervisor_reads_direct_reports_after_close_only(supervisor_client, cycle, org, db):
    reviewee = org.staff[0]
    assert supervisor_client.get(report_url(cycle, reviewee)).status_code == 403
    move(db, cycle, org, "closed")
    assert supervisor_client.get(report_url(cycle, reviewee)).status_code == 200
    assert supervisor_client.get(report_url(cycle, org.head)).status_code == 403
    # Their own report waits for the release like everyone's.
    assert supervisor_client.get(report_url(cycle, org.supervisor)).status_code == 403
    index = supervisor_client.get(f"/360/laporan/{cycle.id}").get_data(as_text=True)
    for staff in org.staff:
        assert report_url(cycle, staff) in index
    assert report_url(cycle, org.head) not in index and report_url(cycle, org.supervisor) not in index
    assert f"/360/laporan/{cycle.id}" in supervisor_client.get("/ulasan-saya").get_data(as_text=True)


def test_supervisor_list_before_close_says_when_reports_come(supervisor_client, cycle):
    html = supervisor_client.get(f"/360/laporan/{cycle.id}").get_data(as_text=True)
    assert "Laporan tersedia setelah siklus ditutup." in html and "/360/laporan/%d/" % cycle.id not in html


@pytest.mark.parametrize("client_name", ["hr_client", "admin_client"])
def test_hr_and_admin_read_every_report_after_close(request, client_name, cycle, org, db):
    client = request.getfixturevalue(client_name)
    assert client.get(report_url(cycle, org.staff[0])).status_code == 403
    move(db, cycle, org, "closed")
    for person in (org.head, org.supervisor, *org.staff):
        assert client.get(report_url(cycle, person)).status_code == 200, person.name
    index = client.get(f"/360/laporan/{cycle.id}").get_data(as_text=True)
    assert all(report_url(cycle, p) in index for p in (org.head, org.supervisor, *org.staff))


def test_hr_filters_the_list_by_unit(hr_client, db, org, factory):
    nurse = factory.employee(org.other_unit, "Perawat Dinkes")
    local_today = today(org.instansi.tz)
    both = services.create_cycle(org.instansi, name="Dua unit", period_kind="triwulan", opens_on=local_today,
                                 closes_on=local_today, unit_ids=[org.unit.id, org.other_unit.id])
    raters.propose_raters(both)
    move(db, both, org, "open", "closed")
    index = f"/360/laporan/{both.id}"
    everyone = hr_client.get(index).get_data(as_text=True)
    assert report_url(both, org.staff[0]) in everyone and report_url(both, nurse) in everyone
    dukcapil = hr_client.get(f"{index}?unit={org.unit.id}").get_data(as_text=True)
    assert report_url(both, org.staff[0]) in dukcapil and report_url(both, nurse) not in dukcapil
    dinkes = hr_client.get(f"{index}?unit={org.other_unit.id}").get_data(as_text=True)
    assert report_url(both, org.staff[0]) not in dinkes and report_url(both, nurse) in dinkes
    assert hr_client.get(f"{index}?unit=abc").status_code == 200


def test_unknown_or_foreign_cycles_and_people_are_404(app, hr_client, cycle, org, db):
    move(db, cycle, org, "closed")
    hr_employee = db.session.scalar(select(User).where(User.username == "hr")).employee
    assert hr_client.get(report_url(cycle, hr_employee)).status_code == 404  # not reviewed in the cycle
    assert hr_client.get(f"/360/laporan/{cycle.id}/999999").status_code == 404
    assert hr_client.get("/360/laporan/999999/1").status_code == 404
    factory = Factory(db)
    other = factory.instansi("Pemerintah Kota Lain")
    other_unit = factory.unit(other, code="DUKCAPIL")
    stranger = factory.employee(other_unit, "Pegawai Kota Lain")
    factory.user(other, "hr-lain", {"hr"}, factory.employee(other_unit, "HR Kota Lain"))
    db.session.commit()
    outsider = app.test_client()
    assert login(outsider, "hr-lain").status_code == 302
    assert outsider.get(report_url(cycle, org.staff[0])).status_code == 404
    assert outsider.get(f"/360/laporan/{cycle.id}").status_code == 404
    assert hr_client.get(report_url(cycle, stranger)).status_code == 404


def test_reports_need_login(client, cycle, org):
    response = client.get(report_url(cycle, org.staff[0]))
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]


def test_no_page_shows_an_individual_response(app, db, cycle, org, hr_client, admin_client, supervisor_client,
                                              employee_client):
    """One peer answered alone (with unique scores and a comment) and another keeps a draft:
    every GET page any role can reach, filled with this cycle's ids, shows neither."""
    reviewee = org.staff[0]
    answer(db, cycle, org, reviewee, "atasan", [4])
    answer(db, cycle, org, reviewee, "rekan", [1], HIDDEN_COMMENT)
    drafting = invitations(db, cycle, reviewee, "rekan")[1]
    services.save_draft(drafting, services.Answers({}, {"LOYAL": DRAFT_COMMENT}), org.instansi, drafts.new_key(),
                        drafting.rater)
    db.session.commit()
    move(db, cycle, org, "closed", "released")
    args = {"cycle_id": cycle.id, "employee_id": reviewee.id, "reviewee_id": reviewee.id,
            "questionnaire_id": cycle.questionnaire_id}
    urls = []
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint == "static" or not set(rule.arguments) <= set(args):
                continue
            urls.append(url_for(rule.endpoint, **{k: args[k] for k in rule.arguments}))
    assert report_url(cycle, reviewee) in urls and "/ulasan-saya" in urls
    for client in (hr_client, admin_client, supervisor_client, employee_client):
        for url in urls:
            body = client.get(url).get_data()
            assert HIDDEN_COMMENT.encode() not in body and DRAFT_COMMENT.encode() not in body, url


# --- the demo ---------------------------------------------------------------------------------------------

def test_demo_has_a_released_cycle_with_the_pegawai_story(demo):
    review_story(demo.db, demo.instansi, clock.today(demo.instansi.tz))


def test_demo_reviews_are_seeded_once(demo):
    from portal.demo.reviews import seed_reviews

    before = demo.db.session.scalars(select(ReviewCycle.id).order_by(ReviewCycle.id)).all()
    seed_reviews(demo.instansi, clock.today(demo.instansi.tz))
    assert demo.db.session.scalars(select(ReviewCycle.id).order_by(ReviewCycle.id)).all() == before


def test_demo_pegawai_reads_their_released_report(demo):
    client = demo.client("pegawai")
    html = client.get("/ulasan-saya").get_data(as_text=True)
    assert "Ulasan 360 Triwulan IV 2026" in html and "Isi ulasan" in html
    url = re.search(r'href="(/360/laporan/\d+/\d+)"', html).group(1)
    report = client.get(url).get_data(as_text=True)
    assert "Titik buta" in report and "Kekuatan tersembunyi" in report and "Ekspektasi khusus pimpinan" in report

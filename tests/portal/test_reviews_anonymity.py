"""The 360 anonymity promise tried as an insider would, through the real services and pages, on
SQLite and PostgreSQL: subtracting periods and reports, counting hidden groups in the outputs,
reading the database for a link between responses and invitations, stacking rater lists."""
import csv
import io
import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, text

from portal.appraisal import tokens
from portal.appraisal.merge import merge
from portal.localtime import today
from portal.reviews import links, raters, services
from portal.reviews.models import ReviewComment, ReviewInvitation, ReviewPoolEntry, ReviewResponse
from surveys.review import RaterGroup
from tests.conftest import confirm_post, post_form
from tests.portal.appraisal_helpers import make_period, record_of


def new_cycle(org, name, peer_cap=12):
    local_today = today(org.instansi.tz)
    cycle = services.create_cycle(org.instansi, name=name, period_kind="triwulan", opens_on=local_today - timedelta(days=1),
                                  closes_on=local_today + timedelta(days=20), unit_ids=[org.unit.id], peer_cap=peer_cap)
    raters.propose_raters(cycle)
    services.transition(cycle, "open", org.instansi)
    return cycle


def invitations(db, cycle, **where):
    stmt = select(ReviewInvitation).where(ReviewInvitation.cycle_id == cycle.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(ReviewInvitation, key) == value)
    return db.session.scalars(stmt.order_by(ReviewInvitation.id)).all()


def send(cycle, invitation, org, score, comment=None):
    answers = services.Answers({item.id: score for item in cycle.questionnaire.items},
                               {"KOMPETEN": comment} if comment else {})
    services.submit(invitation, answers, org.instansi, invitation.rater)


def finish(db, org, *cycles):
    for cycle in cycles:
        services.transition(cycle, "closed", org.instansi)
        services.transition(cycle, "released", org.instansi)
    db.session.commit()


def more_peers(factory, org, count):
    """Colleagues of the staff: same unit, same supervisor."""
    return [factory.employee(org.unit, f"Rekan Tambahan {i}", supervisor=org.supervisor) for i in range(count)]


# --- subtraction ------------------------------------------------------------------------------------

def test_subtracting_periods_and_reports_finds_nothing(org, db, factory, hr_client):
    """The issue's insider: period A has cycle 1, period B cycles 1 and 2. Staf Uji 1's rekan group
    answered four times in cycle 1 and once in cycle 2. B minus A, or B minus the released report
    of cycle 1, would give the single answer of cycle 2, which its own report hides: B must show
    exactly what A and the report show."""
    more_peers(factory, org, 2)
    reviewee = org.staff[0]
    first, second = new_cycle(org, "Triwulan I"), new_cycle(org, "Triwulan II")
    for invitation, score in zip(invitations(db, first, reviewee_id=reviewee.id, rater_group="rekan"), (4, 4, 4, 3)):
        send(first, invitation, org, score)
    send(second, invitations(db, second, reviewee_id=reviewee.id, rater_group="rekan")[0], org, 1)
    for cycle in (first, second):
        send(cycle, invitations(db, cycle, reviewee_id=reviewee.id, rater_group="atasan")[0], org, 5)
    finish(db, org, first, second)
    period_a = make_period(org, [first], name="Periode A")
    period_b = make_period(org, [first, second], name="Periode B")
    for period in (period_a, period_b):
        merge(period)
    db.session.commit()
    a, b = record_of(period_a, reviewee), record_of(period_b, reviewee)
    # 15/4 on 1–5 is 68.75 of 100, from the four answers of cycle 1 alone.
    assert (a.rekan_score, a.rekan_n) == (b.rekan_score, b.rekan_n) == (Decimal("68.750"), 4)
    assert a.composite == b.composite
    own_report = services.build_report(first, reviewee).groups
    assert own_report.groups[RaterGroup.REKAN].responses == 4
    assert own_report.groups[RaterGroup.REKAN].overall == 3.75
    hidden_report = services.build_report(second, reviewee).groups
    assert RaterGroup.REKAN in hidden_report.hidden and RaterGroup.REKAN not in hidden_report.groups
    # The atasan (attributed) pools both cycles: nothing of the rekan answer of cycle 2 is in it.
    assert (b.atasan_n, a.atasan_n) == (2, 1)
    rows = {period.id: {r["nip"]: r for r in csv.DictReader(io.StringIO(
        hr_client.get(f"/penilaian/{period.id}/ekspor.csv").get_data(as_text=True)))} for period in (period_a, period_b)}
    assert rows[period_a.id][reviewee.nip]["rekan_n"] == rows[period_b.id][reviewee.nip]["rekan_n"] == "4"
    assert rows[period_a.id][reviewee.nip]["rekan_score"] == rows[period_b.id][reviewee.nip]["rekan_score"] == "68.75"


def test_a_group_hidden_in_every_cycle_shows_no_count_anywhere(app, org, db, factory, hr_client, runner):
    reviewee = org.staff[0]
    cycle = new_cycle(org, "Triwulan III")
    for invitation in invitations(db, cycle, reviewee_id=reviewee.id, rater_group="rekan")[:2]:
        send(cycle, invitation, org, 2, "Dua orang saja")
    send(cycle, invitations(db, cycle, reviewee_id=reviewee.id, rater_group="atasan")[0], org, 4)
    finish(db, org, cycle)
    period = make_period(org, [cycle], name="Periode C")
    merge(period)
    db.session.commit()
    record = record_of(period, reviewee)
    assert (record.rekan_score, record.rekan_n, record.weight_rekan) == (None, 0, None)
    assert not re.search(r"\b2 tanggapan", record.explanation)
    row = next(r for r in csv.DictReader(io.StringIO(hr_client.get(f"/penilaian/{period.id}/ekspor.csv")
                                                      .get_data(as_text=True))) if r["nip"] == reviewee.nip)
    assert (row["rekan_score"], row["rekan_n"], row["bawahan_n"]) == ("", "", "")
    sheet = load_workbook(io.BytesIO(hr_client.get(f"/penilaian/{period.id}/ekspor.xlsx").data))["Penilaian"]
    header = [c.value for c in sheet[1]]
    cells = next(dict(zip(header, r)) for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == reviewee.nip)
    assert (cells["Skor Rekan Kerja"], cells["n Rekan Kerja"]) == (None, None)
    _row, secret = tokens.issue_token(org.instansi.id, "Uji", ["appraisals:read"], None, actor=org.users["admin"])
    db.session.commit()
    api = app.test_client().get(f"/api/v1/appraisals?period={period.id}", headers={"Authorization": f"Bearer {secret}"})
    entry = next(e for e in api.json["appraisals"] if e["nip"] == reviewee.nip)
    assert (entry["rekan_score"], entry["rekan_n"]) == (None, None)
    for page in (f"/penilaian/catatan/{record.id}/cetak", f"/penilaian/catatan/{record.id}"):
        html = " ".join(re.sub(r"<[^>]+>", " ", hr_client.get(page).get_data(as_text=True)).split())
        assert "Rekan kerja — 2" not in html and "Rekan kerja 2 " not in html and " 2 tanggapan" not in html
    result = runner.invoke(args=["review-report", "--cycle", str(cycle.id), "--employee", reviewee.nip, "--json"])
    data = json.loads(result.output)
    assert "rekan" in data["hidden"] and "rekan" not in data["groups"] and "Dua orang saja" not in result.output
    assert set(data) >= {"cycle", "employee", "threshold", "values", "groups", "others", "others_groups", "hidden",
                         "gaps", "comments", "expectations"}


# --- storage ------------------------------------------------------------------------------------------

def _xmin(db, table: str) -> dict[str, int]:
    return {str(key): int(xmin) for key, xmin in db.session.execute(text(f"SELECT id, xmin::text::bigint FROM {table}"))}


def test_nothing_in_the_database_links_a_response_to_its_invitation(org, db, factory):
    """Ten peers answer one after another, each in their own transaction, each with a comment of
    their own. After close: no column, no id, no row order and (on PostgreSQL) no xmin follows the
    invitations; while open, the pool entries and the flips shared their transactions (as
    docs/anonymity.md says), but nothing readable without the secret."""
    more_peers(factory, org, 7)
    reviewee = org.staff[0]
    cycle = new_cycle(org, "Triwulan IV")
    peers = invitations(db, cycle, reviewee_id=reviewee.id, rater_group="rekan")
    assert len(peers) == 10
    order = []
    for index, invitation in enumerate(peers):
        send(cycle, invitation, org, 1 + index % 5, f"Komentar nomor {index:02d}")
        db.session.commit()
        order.append(f"Komentar nomor {index:02d}")
    postgres = db.engine.dialect.name == "postgresql"
    if postgres:
        flips = {xmin for key, xmin in _xmin(db, "review_invitation").items() if int(key) in {i.id for i in peers}}
        assert set(_xmin(db, "review_pool").values()) == flips
    sealed = " ".join(db.session.scalars(select(ReviewPoolEntry.sealed)))
    assert "Komentar" not in sealed and reviewee.name not in sealed
    services.transition(cycle, "closed", org.instansi)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(ReviewPoolEntry)) == 0
    responses = db.session.scalars(select(ReviewResponse).where(ReviewResponse.cycle_id == cycle.id)).all()
    assert len(responses) == 10
    derived = {str(i.id) for i in peers} | {i.token_hash for i in peers} | {i.token_nonce for i in peers} | {
        links.invitation_token(i) for i in peers} | {str(i.rater_id) for i in peers}
    for response in responses:
        assert re.fullmatch(r"[0-9a-f]{32}", response.id)
        assert not {response.id, str(response.cycle_id), str(response.reviewee_id)} & (derived - {str(reviewee.id)})
    # The rows lie in shuffled order, and their ids sort in no submission order either.
    position = "ctid" if postgres else "rowid"
    stored = db.session.execute(text(
        f"SELECT c.text FROM review_response r JOIN review_comment c ON c.response_id = r.id "
        f"WHERE r.cycle_id = :cycle ORDER BY r.{position}"), {"cycle": cycle.id}).scalars().all()
    by_id = db.session.execute(select(ReviewComment.text).join(ReviewResponse).where(ReviewResponse.cycle_id == cycle.id)
                               .order_by(ReviewResponse.id)).scalars().all()
    assert sorted(stored) == order and stored != order and by_id != order
    if postgres:
        written = set(_xmin(db, "review_response").values())
        assert len(written) == 1 and not written & set(_xmin(db, "review_invitation").values())


def test_closing_waits_for_nothing_and_takes_no_review_after_it(org, db, employee_client):
    cycle = new_cycle(org, "Triwulan V")
    own = invitations(db, cycle, reviewee_id=org.staff[0].id, rater_id=org.staff[0].id)[0]
    send(cycle, own, org, 4)
    services.transition(cycle, "closed", org.instansi)
    db.session.commit()
    late = invitations(db, cycle, reviewee_id=org.supervisor.id, rater_id=org.staff[0].id)[0]
    with pytest.raises(services.ReviewError):
        send(cycle, late, org, 4)
    page = post_form(employee_client, f"/ulasan/{links.invitation_token(late)}",
                     {"action": "submit", **{f"item-{i.id}": "4" for i in cycle.questionnaire.items}},
                     page="/ulasan-saya")
    assert page.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(ReviewPoolEntry)) == 0
    assert db.session.scalar(select(func.count()).select_from(ReviewResponse)) == 1


# --- rater lists ----------------------------------------------------------------------------------------

def test_hand_picked_raters_are_balanced_by_the_org_chart(org, db, factory, supervisor_client, hr_client):
    extra = more_peers(factory, org, 4)  # seven possible peers for Staf Uji 1
    friends = [factory.employee(org.other_unit, f"Kawan {i}") for i in range(4)]
    db.session.commit()
    local_today = today(org.instansi.tz)
    cycle = services.create_cycle(org.instansi, name="Draf", period_kind="triwulan", opens_on=local_today,
                                  closes_on=local_today + timedelta(days=9), unit_ids=[org.unit.id], peer_cap=2)
    raters.propose_raters(cycle)
    db.session.commit()
    reviewee = org.staff[0]

    def peers(source):
        return [i for i in invitations(db, cycle, reviewee_id=reviewee.id, rater_group="rekan") if i.source == source]

    assert len(peers("proposed")) == 2
    url = f"/360/{cycle.id}/tim"
    for friend in friends:
        post_form(supervisor_client, f"/360/{cycle.id}/penilai", {
            "reviewee_id": reviewee.id, "rater_id": friend.id, "rater_group": "rekan", "next": url}, page=url)
    # Four picked by the supervisor: four drawn from the seven colleagues, never fewer.
    assert len(peers("added")) == 4 and len(peers("proposed")) == 4
    colleagues = {e.id for e in (*org.staff[1:], *extra)}
    assert {i.rater_id for i in peers("proposed")} <= colleagues
    # The supervisor cannot swap a drawn rater for another; HR can take one off, and the draw
    # replaces them with someone else.
    drawn = peers("proposed")[0]
    assert post_form(supervisor_client, f"/360/{cycle.id}/penilai/{drawn.id}/hapus", {"next": url},
                     page=url).status_code == 403
    assert db.session.get(ReviewInvitation, drawn.id) is not None
    removed = drawn.rater_id
    confirm_post(hr_client, f"/360/{cycle.id}/penilai/{drawn.id}/hapus", {"next": f"/360/{cycle.id}"},
              page=f"/360/{cycle.id}")
    assert len(peers("proposed")) == 4 and removed not in {i.rater_id for i in peers("proposed")}
    # The supervisor takes off their own picks freely.
    mine = peers("added")[0]
    confirm_post(supervisor_client, f"/360/{cycle.id}/penilai/{mine.id}/hapus", {"next": url}, page=url)
    assert len(peers("added")) == 3
    # Where the org chart has nobody left, nothing more is drawn: the head's direct reports are his
    # drawn one and two who came to report to him since the draw (a bawahan added by hand must be a
    # direct report), and all three are invited.
    for friend in friends[:2]:
        friend.supervisor_id = org.head.id
    db.session.flush()
    for friend in friends[:2]:
        raters.add_rater(cycle, org.head, friend, "bawahan")
    head_bawahan = invitations(db, cycle, reviewee_id=org.head.id, rater_group="bawahan")
    assert sorted(i.source for i in head_bawahan) == ["added", "added", "proposed"]

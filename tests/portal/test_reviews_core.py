"""The 360 review core: cycle states, raters from the org chart, links, answering and anonymity."""
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.orm.attributes import set_committed_value

from portal import clock
from portal.reviews import drafts, links, pool, raters, services
from portal.reviews.models import ReviewInvitation, ReviewPoolEntry, ReviewResponse
from surveys.review import RaterGroup


def invitations(db, cycle, **where):
    stmt = select(ReviewInvitation).where(ReviewInvitation.cycle_id == cycle.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(ReviewInvitation, key) == value)
    return db.session.scalars(stmt).all()


def answer_all(cycle, score=4):
    return services.Answers({item.id: score for item in cycle.questionnaire.items})


def test_default_questionnaire_is_berakhlak(cycle):
    items = cycle.questionnaire.items
    assert len(items) == 21
    assert len({i.value_code for i in items}) == 7


def test_raters_follow_the_org_chart(cycle, org, db):
    staff = org.staff[0]
    mine = {i.rater_id: i.rater_group for i in invitations(db, cycle, reviewee_id=staff.id)}
    assert mine[staff.id] == "diri"
    assert mine[org.supervisor.id] == "atasan"
    assert {r for r, g in mine.items() if g == "rekan"} == {s.id for s in org.staff[1:]}
    boss = {i.rater_id: i.rater_group for i in invitations(db, cycle, reviewee_id=org.supervisor.id)}
    assert {r for r, g in boss.items() if g == "bawahan"} == {s.id for s in org.staff}
    assert boss[org.head.id] == "atasan"


def test_peer_cap_is_respected(org, db, factory):
    today = clock.today(org.instansi.tz)
    for i in range(8):
        factory.employee(org.unit, f"Staf Tambahan {i}", supervisor=org.supervisor)
    cycle = services.create_cycle(org.instansi, name="Cap", period_kind="triwulan", opens_on=today,
                                  closes_on=today, unit_ids=[org.unit.id], peer_cap=3)
    raters.propose_raters(cycle)
    for staff in org.staff:
        assert len(invitations(db, cycle, reviewee_id=staff.id, rater_group="rekan")) == 3


def test_state_moves_and_refusals(cycle, org):
    with pytest.raises(services.ReviewError):
        services.transition(cycle, "closed", org.instansi)
    with pytest.raises(services.ReviewError):
        services.transition(cycle, "released", org.instansi)
    services.transition(cycle, "open", org.instansi)
    with pytest.raises(services.ReviewError):
        services.transition(cycle, "open", org.instansi)
    with pytest.raises(services.ReviewError):
        services.transition(cycle, "draft", org.instansi)
    services.transition(cycle, "closed", org.instansi)
    services.transition(cycle, "released", org.instansi)
    with pytest.raises(services.ReviewError):
        services.transition(cycle, "open", org.instansi)


def test_threshold_never_below_three(cycle):
    with pytest.raises(services.ReviewError):
        services.set_threshold(cycle, 2)
    services.set_threshold(cycle, 5)
    assert cycle.threshold == 5


def test_tokens_are_long_random_and_lookup_by_hash(cycle, db):
    invitation = invitations(db, cycle)[0]
    token = links.invitation_token(invitation)
    assert len(token) >= 43  # 256 bits, base64url
    assert links.find_invitation(token).id == invitation.id
    assert links.find_invitation(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert links.find_invitation("") is None
    assert token not in (invitation.token_hash, invitation.token_nonce)


def test_answering_is_single_use_and_anonymous(cycle, org, db):
    services.transition(cycle, "open", org.instansi)
    invitation = invitations(db, cycle, reviewee_id=org.staff[0].id, rater_id=org.staff[1].id)[0]
    services.submit(invitation, answer_all(cycle), org.instansi, invitation.rater)
    assert invitation.status == "done"
    with pytest.raises(services.ReviewError):
        services.submit(invitation, answer_all(cycle), org.instansi, invitation.rater)
    # Sealed until the cycle closes; then a response without the rater, the invitation or a date.
    assert db.session.scalar(select(func.count()).select_from(ReviewResponse)) == 0
    assert db.session.scalar(select(func.count()).select_from(ReviewPoolEntry)) == 1
    columns = {c.key for c in inspect(ReviewResponse).columns}
    assert columns == {"id", "cycle_id", "reviewee_id", "rater_group"}
    assert {c.key for c in inspect(ReviewPoolEntry).columns} == {"id", "cycle_id", "sealed"}
    assert not {"done_on", "last_reminded_on"} & {c.key for c in inspect(ReviewInvitation).columns}
    services.transition(cycle, "closed", org.instansi)
    response = db.session.scalar(select(ReviewResponse))
    assert response.rater_group == "rekan" and response.reviewee_id == org.staff[0].id
    assert db.session.scalar(select(func.count()).select_from(ReviewPoolEntry)) == 0


def test_only_the_rater_answers(cycle, org, db):
    services.transition(cycle, "open", org.instansi)
    invitation = invitations(db, cycle, reviewee_id=org.staff[0].id, rater_id=org.staff[1].id)[0]
    for someone in (None, org.staff[0], org.supervisor, org.users["hr"].employee):
        with pytest.raises(services.ReviewError):
            services.submit(invitation, answer_all(cycle), org.instansi, someone)
        with pytest.raises(services.ReviewError):
            services.save_draft(invitation, answer_all(cycle), org.instansi, drafts.new_key(), someone)
    assert invitation.status == "pending"
    assert db.session.scalar(select(func.count()).select_from(ReviewPoolEntry)) == 0


def test_one_review_per_invitation_whatever_the_object_says(cycle, org, db):
    services.transition(cycle, "open", org.instansi)
    invitation = invitations(db, cycle, reviewee_id=org.staff[0].id, rater_id=org.staff[1].id)[0]
    services.submit(invitation, answer_all(cycle), org.instansi, invitation.rater)
    # A stale copy, as another request would hold it: the database's guarded flip decides.
    set_committed_value(invitation, "status", "pending")
    with pytest.raises(services.ReviewError):
        services.submit(invitation, answer_all(cycle), org.instansi, invitation.rater)
    assert db.session.scalar(select(func.count()).select_from(ReviewPoolEntry)) == 1


def test_a_pool_that_does_not_match_the_invitations_is_refused_at_close(cycle, org, db):
    services.transition(cycle, "open", org.instansi)
    invitation = invitations(db, cycle, reviewee_id=org.staff[0].id, rater_id=org.staff[1].id)[0]
    services.submit(invitation, answer_all(cycle), org.instansi, invitation.rater)
    # An entry slipped in by hand (even a well-sealed one) makes one more review than invitations done.
    pool.add(cycle.id, org.staff[0].id, "rekan", answer_all(cycle).scores, {})
    with pytest.raises(pool.PoolMismatch):
        services.transition(cycle, "closed", org.instansi)


def test_cannot_answer_before_open_or_after_close(cycle, org, db):
    invitation = invitations(db, cycle, rater_group="diri")[0]
    with pytest.raises(services.ReviewError):
        services.submit(invitation, answer_all(cycle), org.instansi, invitation.rater)
    services.transition(cycle, "open", org.instansi)
    later = clock.now() + timedelta(days=40)
    with pytest.raises(services.ReviewError):
        services.submit(invitation, answer_all(cycle), org.instansi, invitation.rater, now=later)
    services.transition(cycle, "closed", org.instansi)
    with pytest.raises(services.ReviewError):
        services.submit(invitation, answer_all(cycle), org.instansi, invitation.rater)


def _answer_group(cycle, org, db, reviewee, group, scores):
    asked = invitations(db, cycle, reviewee_id=reviewee.id, rater_group=group)
    for invitation, score in zip(asked, scores):
        services.submit(invitation, answer_all(cycle, score), org.instansi, invitation.rater)


def test_group_under_threshold_is_left_out_entirely(cycle, org, db, factory):
    services.transition(cycle, "open", org.instansi)
    reviewee = org.staff[0]
    _answer_group(cycle, org, db, reviewee, "atasan", [4])
    _answer_group(cycle, org, db, reviewee, "rekan", [1, 1])  # two of three: hidden
    services.transition(cycle, "closed", org.instansi)
    report = services.build_report(cycle, reviewee)
    visible = set(report.groups.groups)
    assert RaterGroup.REKAN not in visible and RaterGroup.ATASAN in visible
    # "Others" must equal the atasan alone, so nothing can be subtracted to reveal the peers.
    assert report.groups.others.overall == report.groups.groups[RaterGroup.ATASAN].overall
    data = services.report_json(report)
    assert "rekan" not in data["groups"]


@pytest.mark.parametrize("answering, shown", [(1, False), (3, True)])
def test_hidden_group_comments_are_left_out(cycle, org, db, answering, shown):
    services.transition(cycle, "open", org.instansi)
    reviewee = org.staff[0]
    rekan = invitations(db, cycle, reviewee_id=reviewee.id, rater_group="rekan")
    value = cycle.questionnaire.items[0].value_code
    answers = answer_all(cycle, 2)
    answers.comments = {value: "Komentar rahasia rekan"}
    services.submit(rekan[0], answers, org.instansi, rekan[0].rater)
    for invitation in rekan[1:answering]:
        services.submit(invitation, answer_all(cycle, 3), org.instansi, invitation.rater)
    services.transition(cycle, "closed", org.instansi)
    report = services.build_report(cycle, reviewee)
    assert ("Komentar rahasia rekan" in str(services.report_json(report))) is shown


def test_nomination_waits_for_approval_and_is_dropped_if_not_approved(cycle, org, db, factory):
    outsider = factory.employee(org.unit, "Rekan Lintas Bidang")
    nominated = raters.nominate_peer(cycle, org.staff[0], outsider)
    assert nominated.approved is False
    services.transition(cycle, "open", org.instansi)
    assert db.session.get(ReviewInvitation, nominated.id) is None


def test_draft_save_and_load(cycle, org, db):
    services.transition(cycle, "open", org.instansi)
    invitation = invitations(db, cycle, rater_group="diri")[0]
    item = cycle.questionnaire.items[0]
    key = drafts.new_key()
    services.save_draft(invitation, services.Answers({item.id: None}, {item.value_code: "draf"}), org.instansi, key,
                        invitation.rater)
    values = services.load_draft(invitation, key)
    assert values[f"item-{item.id}"] == "na" and values[f"comment-{item.value_code}"] == "draf"
    assert invitation.status == "draft"
    assert services.load_draft(invitation, drafts.new_key()) is None
    other = invitations(db, cycle, rater_group="atasan")[0]
    assert services.load_draft(other, key) == {}
    # The sealed text is bound to its invitation: copied to another, it opens for nobody.
    other.draft = invitation.draft
    assert services.load_draft(other, key) is None


def test_opening_queues_invitation_mail(cycle, org, db):
    from portal.mail.models import OutboxMessage

    for person in [org.supervisor, *org.staff]:
        person.email = f"{person.id}@uji.go.id"
    services.transition(cycle, "open", org.instansi)
    messages = db.session.scalars(select(OutboxMessage)).all()
    assert messages and all("/ulasan/" in m.body for m in messages)
    assert services.send_reminders(cycle, org.instansi) >= 1


def test_questionnaire_locked_once_used(cycle, org, db):
    item = cycle.questionnaire.items[0]
    services.update_item(item, "Teks baru")
    services.transition(cycle, "open", org.instansi)
    with pytest.raises(services.ReviewError):
        services.update_item(item, "Teks lain")
    copy = services.copy_questionnaire(cycle.questionnaire, "BerAKHLAK 2027")
    services.update_item(copy.items[0], "Bisa diubah")
    assert db.session.scalar(select(func.count()).select_from(ReviewResponse)) == 0

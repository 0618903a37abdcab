"""The 360 storage migration (d65bbe1afb7a) on a database with data: down to receipts and dates and
back, every response kept with its answers and comments, under new random ids; the downgrade
refuses while sealed reviews wait in the pool."""
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import text

from tests.portal.revisions import parent_of

REVISION = "d65bbe1afb7a"
BEFORE = parent_of(REVISION)


@pytest.fixture
def scratch(database_url, tmp_path):
    """An app on an empty scratch database of the suite's kind, upgraded to head."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db
    from tests.pgserver import scratch_database

    url = scratch_database(database_url, tmp_path, "cermin_migration_360")
    app = create_app({"TESTING": True, "SECRET_KEY": "m", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        yield app
        db.session.remove()
        db.engine.dispose()


def _stored(connection) -> Counter:
    """Every response as (cycle, reviewee, group, answers, comments), ids left out."""
    answers: dict[str, list] = {}
    for response_id, item_id, score in connection.execute(text("SELECT response_id, item_id, score FROM review_answer")):
        answers.setdefault(response_id, []).append((item_id, score))
    comments: dict[str, list] = {}
    for response_id, code, body in connection.execute(text("SELECT response_id, value_code, text FROM review_comment")):
        comments.setdefault(response_id, []).append((code, body))
    return Counter((cycle_id, reviewee_id, group, tuple(sorted(answers.get(rid, []))), tuple(sorted(comments.get(rid, []))))
                   for rid, cycle_id, reviewee_id, group in connection.execute(
                       text("SELECT id, cycle_id, reviewee_id, rater_group FROM review_response")))


def _new_cycle(org, name):
    from portal.localtime import today
    from portal.reviews import raters, services

    local_today = today(org.instansi.tz)
    cycle = services.create_cycle(org.instansi, name=name, period_kind="triwulan",
                                  opens_on=local_today - timedelta(days=1), closes_on=local_today + timedelta(days=9),
                                  unit_ids=[org.unit.id])
    raters.propose_raters(cycle)
    services.transition(cycle, "open", org.instansi)
    return cycle


def test_responses_survive_down_and_up_under_new_ids(scratch):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import select

    from portal.extensions import db
    from portal.reviews import services
    from portal.reviews.models import ReviewCycle, ReviewInvitation
    from tests.factories import Factory

    org = Factory(db).small_org()
    cycle = _new_cycle(org, "Migrasi")
    items = cycle.questionnaire.items
    invitations = db.session.scalars(select(ReviewInvitation).where(ReviewInvitation.cycle_id == cycle.id)
                                     .order_by(ReviewInvitation.id)).all()
    sent = [invitation for number, invitation in enumerate(invitations) if number % 3 != 2]
    for number, invitation in enumerate(sent):
        answers = services.Answers({item.id: 1 + (number + item.id) % 5 for item in items},
                                   {"LOYAL": f"Komentar {number}"} if number % 2 else {})
        services.submit(invitation, answers, org.instansi, invitation.rater)
    services.send_reminders(cycle, org.instansi)
    services.transition(cycle, "closed", org.instansi)
    # A second cycle still open, with a sealed review in the pool: the downgrade refuses.
    second = _new_cycle(org, "Masih dibuka")
    waiting = db.session.scalars(select(ReviewInvitation).where(ReviewInvitation.cycle_id == second.id)).first()
    services.submit(waiting, services.Answers({item.id: 3 for item in items}), org.instansi, waiting.rater)
    db.session.commit()
    cycle_id, second_id, invited = cycle.id, second.id, len(invitations)
    db.session.remove()
    downgrade(revision=REVISION)  # the later revisions down first, so only this one is tried below
    with pytest.raises(SystemExit):  # Flask-Migrate logs the migration's reason and exits
        downgrade(revision=BEFORE)
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == REVISION
    # The ORM maps the head's schema (review_cycle has columns added later), so the second cycle is
    # closed at the head, and the later revisions go down again.
    upgrade()
    services.transition(db.session.get(ReviewCycle, second_id), "closed", org.instansi)
    db.session.commit()
    db.session.remove()
    downgrade(revision=REVISION)
    with db.engine.connect() as connection:
        before = _stored(connection)
        ids = set(connection.execute(text("SELECT id FROM review_response")).scalars())
    assert sum(before.values()) == len(sent) + 1

    downgrade(revision=BEFORE)
    with db.engine.connect() as connection:
        assert _stored(connection) == before
        receipts = connection.execute(text("SELECT receipt FROM review_response")).scalars().all()
        assert len(set(receipts)) == len(receipts) == len(sent) + 1
        # The days are gone for good: the cycle's closing day stands in.
        assert connection.execute(text(
            "SELECT count(*) FROM review_response r JOIN review_cycle c ON c.id = r.cycle_id "
            "WHERE r.submitted_on = c.closes_on")).scalar() == len(sent) + 1
        assert connection.execute(text(
            "SELECT count(*) FROM review_invitation WHERE status = 'done' AND done_on IS NOT NULL")).scalar() == len(sent) + 1
        assert connection.execute(text(
            "SELECT count(*) FROM review_invitation WHERE cycle_id = :c AND status <> 'done' "
            "AND last_reminded_on IS NOT NULL"), {"c": cycle_id}).scalar() == invited - len(sent)

    upgrade()
    with db.engine.connect() as connection:
        assert _stored(connection) == before
        assert not set(connection.execute(text("SELECT id FROM review_response")).scalars()) & ids
        assert set(connection.execute(text("SELECT * FROM review_response")).keys()) == {
            "id", "cycle_id", "reviewee_id", "rater_group"}
        assert connection.execute(text("SELECT count(*) FROM review_cycle WHERE reminded_on IS NOT NULL")).scalar() == 1

"""360 responses unlinkable: a sealed pool until close, no receipts or dates

Revision ID: d65bbe1afb7a
Revises: 481242348211
Create Date: 2026-12-03 17:45:59.218231

Upgrade: the pool of sealed reviews (review_pool); the cycle's last reminder day
(review_cycle.reminded_on, from the invitations' last_reminded_on); the invitation loses its done
day and reminder day; the response loses its receipt and its day. Every existing response is
written again, with its answers and comments, under a new random id and in shuffled order, so
neither the ids, nor the rows' order, nor (on PostgreSQL) their xmin follow the invitations any
more. On PostgreSQL the old row versions stay on disk until vacuumed: run
`VACUUM FULL review_response, review_answer, review_comment, review_invitation` after upgrading.

Downgrade cannot restore what the upgrade dropped on purpose: every response gets a new random
receipt (the old one linked it to its invitation), and the cycle's closing day stands in for
each response's day and each answered invitation's done day. It refuses while the pool holds
sealed reviews (an open cycle with answers): close those cycles first.
"""
import random
import secrets

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd65bbe1afb7a'
down_revision = '481242348211'
branch_labels = None
depends_on = None

response = sa.table('review_response', sa.column('id', sa.String), sa.column('cycle_id', sa.Integer),
                    sa.column('reviewee_id', sa.Integer), sa.column('rater_group', sa.String),
                    sa.column('submitted_on', sa.Date), sa.column('receipt', sa.String))
answer = sa.table('review_answer', sa.column('response_id', sa.String), sa.column('item_id', sa.Integer),
                  sa.column('score', sa.SmallInteger))
comment = sa.table('review_comment', sa.column('response_id', sa.String), sa.column('value_code', sa.String),
                   sa.column('text', sa.Text))


def _take_responses(connection) -> list[dict]:
    """Every response with its answers and comments, read out and deleted (children first)."""
    responses = {row.id: {"cycle_id": row.cycle_id, "reviewee_id": row.reviewee_id, "rater_group": row.rater_group,
                          "answers": [], "comments": []}
                 for row in connection.execute(sa.select(response.c.id, response.c.cycle_id, response.c.reviewee_id,
                                                         response.c.rater_group))}
    for row in connection.execute(sa.select(answer.c.response_id, answer.c.item_id, answer.c.score)):
        responses[row.response_id]["answers"].append({"item_id": row.item_id, "score": row.score})
    for row in connection.execute(sa.select(comment.c.response_id, comment.c.value_code, comment.c.text)):
        responses[row.response_id]["comments"].append({"value_code": row.value_code, "text": row.text})
    connection.execute(comment.delete())
    connection.execute(answer.delete())
    connection.execute(response.delete())
    return list(responses.values())


def _put_responses(connection, taken: list[dict], **extra) -> None:
    """Write the responses again under new random ids, in shuffled order; ``extra`` maps a column
    to a function of the response giving its value."""
    random.SystemRandom().shuffle(taken)
    rows, answers, comments = [], [], []
    for item in taken:
        response_id = secrets.token_hex(16)
        rows.append({"id": response_id, "cycle_id": item["cycle_id"], "reviewee_id": item["reviewee_id"],
                     "rater_group": item["rater_group"], **{name: value(item) for name, value in extra.items()}})
        answers += [{"response_id": response_id, **a} for a in item["answers"]]
        comments += [{"response_id": response_id, **c} for c in item["comments"]]
    for table, values in ((response, rows), (answer, answers), (comment, comments)):
        if values:
            connection.execute(table.insert(), values)


def upgrade():
    connection = op.get_bind()
    op.create_table('review_pool',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('sealed', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['review_cycle.id'], name=op.f('fk_review_pool_cycle_id_review_cycle'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_pool'))
    )
    with op.batch_alter_table('review_pool', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_pool_cycle_id'), ['cycle_id'], unique=False)

    # Added and dropped in place: rebuilding review_cycle on SQLite would cascade to its children.
    op.execute("ALTER TABLE review_cycle ADD COLUMN reminded_on DATE")
    op.execute("UPDATE review_cycle SET reminded_on = (SELECT max(i.last_reminded_on) FROM review_invitation i "
               "WHERE i.cycle_id = review_cycle.id)")
    op.execute("ALTER TABLE review_invitation DROP COLUMN done_on")
    op.execute("ALTER TABLE review_invitation DROP COLUMN last_reminded_on")

    # The response table is rebuilt empty (on SQLite a rebuild would cascade to the answers).
    taken = _take_responses(connection)
    with op.batch_alter_table('review_response', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_review_response_receipt'), type_='unique')
        batch_op.drop_column('submitted_on')
        batch_op.drop_column('receipt')
    _put_responses(connection, taken)


def downgrade():
    connection = op.get_bind()
    if connection.execute(sa.text("SELECT count(*) FROM review_pool")).scalar():
        raise RuntimeError("review_pool holds sealed reviews of open cycles; close those cycles before downgrading")
    cycle = sa.table('review_cycle', sa.column('id', sa.Integer), sa.column('closes_on', sa.Date))
    closes_on = dict(connection.execute(sa.select(cycle.c.id, cycle.c.closes_on)).all())

    taken = _take_responses(connection)
    with op.batch_alter_table('review_response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('receipt', sa.VARCHAR(length=64), nullable=False))
        batch_op.add_column(sa.Column('submitted_on', sa.DATE(), nullable=False))
        batch_op.create_unique_constraint(batch_op.f('uq_review_response_receipt'), ['receipt'])
    # The links to invitations and the days are gone: new receipts, the cycle's closing day.
    _put_responses(connection, taken, receipt=lambda item: secrets.token_hex(32),
                   submitted_on=lambda item: closes_on[item["cycle_id"]])

    op.execute("ALTER TABLE review_invitation ADD COLUMN last_reminded_on DATE")
    op.execute("ALTER TABLE review_invitation ADD COLUMN done_on DATE")
    op.execute("UPDATE review_invitation SET done_on = (SELECT c.closes_on FROM review_cycle c "
               "WHERE c.id = review_invitation.cycle_id) WHERE status = 'done'")
    op.execute("UPDATE review_invitation SET last_reminded_on = (SELECT c.reminded_on FROM review_cycle c "
               "WHERE c.id = review_invitation.cycle_id) WHERE status <> 'done'")
    op.execute("ALTER TABLE review_cycle DROP COLUMN reminded_on")

    with op.batch_alter_table('review_pool', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_pool_cycle_id'))
    op.drop_table('review_pool')

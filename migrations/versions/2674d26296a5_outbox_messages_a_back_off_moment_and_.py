"""outbox messages: a back-off moment and private recipients

Revision ID: 2674d26296a5
Revises: 79a904e6ff27
Create Date: 2026-12-03 22:13:26.735954

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2674d26296a5'
down_revision = '79a904e6ff27'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('private', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('private')
        batch_op.drop_column('next_attempt_at')

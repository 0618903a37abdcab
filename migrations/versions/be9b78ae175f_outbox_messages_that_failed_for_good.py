"""outbox messages that failed for good (outbox_message.failed_at)

Revision ID: be9b78ae175f
Revises: 28471e23bb7d
Create Date: 2026-12-03 18:21:32.647392

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'be9b78ae175f'
down_revision = '28471e23bb7d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('failed_at')

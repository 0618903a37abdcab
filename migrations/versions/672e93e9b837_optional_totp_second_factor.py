"""optional TOTP second factor

Revision ID: 672e93e9b837
Revises: ae37f0b89ac6
Create Date: 2026-11-22 14:36:44.814615

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '672e93e9b837'
down_revision = 'ae37f0b89ac6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_enabled_at', sa.DateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('totp_enabled_at')
        batch_op.drop_column('totp_secret')


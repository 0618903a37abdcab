"""API tokens expire (api_token.expires_at); the tokens already issued get 90 days from the upgrade

Revision ID: 27b36053023f
Revises: be9b78ae175f
Create Date: 2026-12-03 18:40:12.331120

"""
from datetime import timedelta

from alembic import op
import sqlalchemy as sa

from portal import clock


# revision identifiers, used by Alembic.
revision = '27b36053023f'
down_revision = 'be9b78ae175f'
branch_labels = None
depends_on = None

#: portal.appraisal.tokens.DEFAULT_DAYS when this revision was written.
DEFAULT_DAYS = 90


def upgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
    expires = clock.now() + timedelta(days=DEFAULT_DAYS)
    if op.get_bind().dialect.name == "sqlite":
        expires = expires.replace(tzinfo=None)  # as portal.db.UTCDateTime stores it
    api_token = sa.table('api_token', sa.column('expires_at', sa.DateTime(timezone=True)))
    op.execute(api_token.update().values(expires_at=expires))
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.alter_column('expires_at', existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade():
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_column('expires_at')

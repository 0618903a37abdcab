"""the officer's IKM and its margin on the appraisal record

Revision ID: 481242348211
Revises: 33a23331f627
Create Date: 2026-12-04 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '481242348211'
down_revision = '33a23331f627'
branch_labels = None
depends_on = None


def upgrade():
    # Records merged before stay without them until merged again (drafts) or for good (decided).
    with op.batch_alter_table('appraisal_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('citizen_ikm', sa.Numeric(precision=7, scale=3), nullable=True))
        batch_op.add_column(sa.Column('citizen_margin', sa.Numeric(precision=7, scale=3), nullable=True))


def downgrade():
    # Not in batch mode: rebuilding the table on SQLite would drop its finalised-record triggers.
    op.drop_column('appraisal_record', 'citizen_margin')
    op.drop_column('appraisal_record', 'citizen_ikm')

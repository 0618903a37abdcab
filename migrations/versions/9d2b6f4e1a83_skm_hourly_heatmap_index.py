"""skm_hourly: an index the heatmap reads alone (unit, date, hour, n and score total)

Revision ID: 9d2b6f4e1a83
Revises: c4e1f0a9b7d2
Create Date: 2026-12-04 17:50:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '9d2b6f4e1a83'
down_revision = 'c4e1f0a9b7d2'
branch_labels = None
depends_on = None


def upgrade():
    # Replaces (unit_id, local_date), whose every query it serves too: the dashboard's heatmap no
    # longer looks up each row in the table nor sorts them by date and hour.
    op.create_index('ix_skm_hourly_unit_date_hour', 'skm_hourly',
                    ['unit_id', 'local_date', 'local_hour', 'n', 'score_total'], unique=False)
    op.drop_index('ix_skm_hourly_unit_date', table_name='skm_hourly')


def downgrade():
    op.create_index('ix_skm_hourly_unit_date', 'skm_hourly', ['unit_id', 'local_date'], unique=False)
    op.drop_index('ix_skm_hourly_unit_date_hour', table_name='skm_hourly')

"""Indexes for the loket alert window

Revision ID: 3755cb81459b
Revises: 5b65cc2ef7ac
Create Date: 2026-11-22 17:48:27.355282

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '3755cb81459b'
down_revision = '5b65cc2ef7ac'
branch_labels = None
depends_on = None


def upgrade():
    # The alert rule counts a loket's answers between two instants after every answer: these let
    # both databases count them from the index alone.
    op.create_index('ix_skm_response_counter_time', 'skm_response', ['counter_id', 'submitted_at', 'negative'],
                    unique=False)
    op.create_index('ix_kiosk_vote_counter_time', 'kiosk_vote', ['counter_id', 'submitted_at', 'face'], unique=False)


def downgrade():
    op.drop_index('ix_kiosk_vote_counter_time', table_name='kiosk_vote')
    op.drop_index('ix_skm_response_counter_time', table_name='skm_response')

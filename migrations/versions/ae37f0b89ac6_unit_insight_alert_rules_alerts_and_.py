"""unit insight: alert rules, alerts and follow-ups

Revision ID: ae37f0b89ac6
Revises: 6c35f3dc0d66
Create Date: 2026-11-22 14:34:01.214720

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ae37f0b89ac6'
down_revision = '6c35f3dc0d66'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('alert_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('threshold_percent', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('window_hours', sa.Integer(), nullable=False),
    sa.Column('min_answers', sa.Integer(), nullable=False),
    sa.CheckConstraint('min_answers >= 1', name=op.f('ck_alert_rule_min_answers_positive')),
    sa.CheckConstraint('threshold_percent > 0 AND threshold_percent <= 100', name=op.f('ck_alert_rule_threshold_range')),
    sa.CheckConstraint('window_hours BETWEEN 1 AND 720', name=op.f('ck_alert_rule_window_range')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_alert_rule_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_rule')),
    sa.UniqueConstraint('unit_id', name=op.f('uq_alert_rule_unit_id'))
    )
    op.create_table('alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('counter_id', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('window_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answers', sa.Integer(), nullable=False),
    sa.Column('negative', sa.Integer(), nullable=False),
    sa.Column('share_percent', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('threshold_percent', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('status', sa.String(length=15), nullable=False),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('open', 'acknowledged', 'closed')", name=op.f('ck_alert_status_known')),
    sa.CheckConstraint('negative <= answers', name=op.f('ck_alert_negative_le_answers')),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['user_account.id'], name=op.f('fk_alert_acknowledged_by_id_user_account')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user_account.id'], name=op.f('fk_alert_closed_by_id_user_account')),
    sa.ForeignKeyConstraint(['counter_id'], ['counter.id'], name=op.f('fk_alert_counter_id_counter')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_alert_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert'))
    )
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.create_index('ix_alert_counter_opened', ['counter_id', 'opened_at'], unique=False)
        batch_op.create_index('ix_alert_unit_status', ['unit_id', 'status'], unique=False)

    op.create_table('follow_up',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('period_from', sa.Date(), nullable=False),
    sa.Column('period_to', sa.Date(), nullable=False),
    sa.Column('unsur', sa.String(length=3), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=15), nullable=False),
    sa.Column('target_date', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('direncanakan', 'berjalan', 'selesai')", name=op.f('ck_follow_up_status_known')),
    sa.CheckConstraint("unsur IN ('U1','U2','U3','U4','U5','U6','U7','U8','U9')", name=op.f('ck_follow_up_unsur_known')),
    sa.CheckConstraint('period_from <= period_to', name=op.f('ck_follow_up_period_order')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_follow_up_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_follow_up_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up'))
    )
    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_up_unit_id'), ['unit_id'], unique=False)



def downgrade():
    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_up_unit_id'))

    op.drop_table('follow_up')
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.drop_index('ix_alert_unit_status')
        batch_op.drop_index('ix_alert_counter_opened')

    op.drop_table('alert')
    op.drop_table('alert_rule')

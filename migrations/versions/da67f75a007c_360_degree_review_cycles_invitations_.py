"""360-degree review cycles, invitations and anonymous responses

Revision ID: da67f75a007c
Revises: 94988dc52252
Create Date: 2026-11-22 14:29:33.013176

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'da67f75a007c'
down_revision = '94988dc52252'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('questionnaire',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instansi_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('scale_min', sa.SmallInteger(), nullable=False),
    sa.Column('scale_max', sa.SmallInteger(), nullable=False),
    sa.Column('copied_from_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('scale_min < scale_max', name=op.f('ck_questionnaire_scale_order')),
    sa.ForeignKeyConstraint(['copied_from_id'], ['questionnaire.id'], name=op.f('fk_questionnaire_copied_from_id_questionnaire')),
    sa.ForeignKeyConstraint(['instansi_id'], ['instansi.id'], name=op.f('fk_questionnaire_instansi_id_instansi')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questionnaire')),
    sa.UniqueConstraint('instansi_id', 'name', name=op.f('uq_questionnaire_instansi_id_name'))
    )
    with op.batch_alter_table('questionnaire', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_questionnaire_instansi_id'), ['instansi_id'], unique=False)

    op.create_table('questionnaire_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.Integer(), nullable=False),
    sa.Column('value_code', sa.String(length=40), nullable=False),
    sa.Column('value_name', sa.String(length=120), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=400), nullable=False),
    sa.ForeignKeyConstraint(['questionnaire_id'], ['questionnaire.id'], name=op.f('fk_questionnaire_item_questionnaire_id_questionnaire'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questionnaire_item')),
    sa.UniqueConstraint('questionnaire_id', 'position', name=op.f('uq_questionnaire_item_questionnaire_id_position'))
    )
    with op.batch_alter_table('questionnaire_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_questionnaire_item_questionnaire_id'), ['questionnaire_id'], unique=False)

    op.create_table('review_cycle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instansi_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('period_kind', sa.String(length=10), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('questionnaire_id', sa.Integer(), nullable=False),
    sa.Column('threshold', sa.SmallInteger(), nullable=False),
    sa.Column('peer_cap', sa.SmallInteger(), nullable=False),
    sa.Column('subordinate_cap', sa.SmallInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("period_kind IN ('triwulan', 'tahunan')", name=op.f('ck_review_cycle_period_kind_known')),
    sa.CheckConstraint("state IN ('draft', 'open', 'closed', 'released')", name=op.f('ck_review_cycle_state_known')),
    sa.CheckConstraint('opens_on <= closes_on', name=op.f('ck_review_cycle_date_order')),
    sa.CheckConstraint('peer_cap BETWEEN 0 AND 20 AND subordinate_cap BETWEEN 0 AND 30', name=op.f('ck_review_cycle_caps_range')),
    sa.CheckConstraint('threshold >= 3', name=op.f('ck_review_cycle_threshold_min')),
    sa.ForeignKeyConstraint(['instansi_id'], ['instansi.id'], name=op.f('fk_review_cycle_instansi_id_instansi')),
    sa.ForeignKeyConstraint(['questionnaire_id'], ['questionnaire.id'], name=op.f('fk_review_cycle_questionnaire_id_questionnaire')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_cycle')),
    sa.UniqueConstraint('instansi_id', 'name', name=op.f('uq_review_cycle_instansi_id_name'))
    )
    with op.batch_alter_table('review_cycle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_cycle_instansi_id'), ['instansi_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_cycle_questionnaire_id'), ['questionnaire_id'], unique=False)

    op.create_table('review_cycle_unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['review_cycle.id'], name=op.f('fk_review_cycle_unit_cycle_id_review_cycle'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_review_cycle_unit_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_cycle_unit')),
    sa.UniqueConstraint('cycle_id', 'unit_id', name=op.f('uq_review_cycle_unit_cycle_id_unit_id'))
    )
    op.create_table('review_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('reviewee_id', sa.Integer(), nullable=False),
    sa.Column('rater_id', sa.Integer(), nullable=False),
    sa.Column('rater_group', sa.String(length=10), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('approved', sa.Boolean(), nullable=False),
    sa.Column('token_nonce', sa.String(length=32), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('draft', sa.Text(), nullable=True),
    sa.Column('last_reminded_on', sa.Date(), nullable=True),
    sa.CheckConstraint("rater_group IN ('diri', 'atasan', 'rekan', 'bawahan')", name=op.f('ck_review_invitation_group_known')),
    sa.CheckConstraint("source IN ('proposed', 'added', 'nominated')", name=op.f('ck_review_invitation_source_known')),
    sa.CheckConstraint("status IN ('pending', 'draft', 'done')", name=op.f('ck_review_invitation_status_known')),
    sa.ForeignKeyConstraint(['cycle_id'], ['review_cycle.id'], name=op.f('fk_review_invitation_cycle_id_review_cycle'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rater_id'], ['employee.id'], name=op.f('fk_review_invitation_rater_id_employee')),
    sa.ForeignKeyConstraint(['reviewee_id'], ['employee.id'], name=op.f('fk_review_invitation_reviewee_id_employee')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_invitation')),
    sa.UniqueConstraint('cycle_id', 'reviewee_id', 'rater_id', name=op.f('uq_review_invitation_cycle_id_reviewee_id_rater_id')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_review_invitation_token_hash'))
    )
    with op.batch_alter_table('review_invitation', schema=None) as batch_op:
        batch_op.create_index('ix_review_invitation_cycle_reviewee', ['cycle_id', 'reviewee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_invitation_rater_id'), ['rater_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_invitation_reviewee_id'), ['reviewee_id'], unique=False)

    op.create_table('review_response',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('reviewee_id', sa.Integer(), nullable=False),
    sa.Column('rater_group', sa.String(length=10), nullable=False),
    sa.Column('submitted_on', sa.Date(), nullable=False),
    sa.Column('receipt', sa.String(length=64), nullable=False),
    sa.CheckConstraint("rater_group IN ('diri', 'atasan', 'rekan', 'bawahan')", name=op.f('ck_review_response_group_known')),
    sa.ForeignKeyConstraint(['cycle_id'], ['review_cycle.id'], name=op.f('fk_review_response_cycle_id_review_cycle'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewee_id'], ['employee.id'], name=op.f('fk_review_response_reviewee_id_employee')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_response')),
    sa.UniqueConstraint('receipt', name=op.f('uq_review_response_receipt'))
    )
    with op.batch_alter_table('review_response', schema=None) as batch_op:
        batch_op.create_index('ix_review_response_cycle_reviewee', ['cycle_id', 'reviewee_id', 'rater_group'], unique=False)

    op.create_table('review_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.String(length=32), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.SmallInteger(), nullable=True),
    sa.CheckConstraint('score IS NULL OR score BETWEEN 1 AND 10', name=op.f('ck_review_answer_score_range')),
    sa.ForeignKeyConstraint(['item_id'], ['questionnaire_item.id'], name=op.f('fk_review_answer_item_id_questionnaire_item')),
    sa.ForeignKeyConstraint(['response_id'], ['review_response.id'], name=op.f('fk_review_answer_response_id_review_response'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_answer')),
    sa.UniqueConstraint('response_id', 'item_id', name=op.f('uq_review_answer_response_id_item_id'))
    )
    op.create_table('review_comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.String(length=32), nullable=False),
    sa.Column('value_code', sa.String(length=40), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['response_id'], ['review_response.id'], name=op.f('fk_review_comment_response_id_review_response'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_comment')),
    sa.UniqueConstraint('response_id', 'value_code', name=op.f('uq_review_comment_response_id_value_code'))
    )
    op.create_table('review_expectation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('reviewee_id', sa.Integer(), nullable=False),
    sa.Column('value_code', sa.String(length=40), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['cycle_id'], ['review_cycle.id'], name=op.f('fk_review_expectation_cycle_id_review_cycle'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewee_id'], ['employee.id'], name=op.f('fk_review_expectation_reviewee_id_employee')),
    sa.ForeignKeyConstraint(['set_by_id'], ['user_account.id'], name=op.f('fk_review_expectation_set_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_expectation')),
    sa.UniqueConstraint('cycle_id', 'reviewee_id', 'value_code', name=op.f('uq_review_expectation_cycle_id_reviewee_id_value_code'))
    )


def downgrade():
    op.drop_table('review_expectation')
    op.drop_table('review_comment')
    op.drop_table('review_answer')
    with op.batch_alter_table('review_response', schema=None) as batch_op:
        batch_op.drop_index('ix_review_response_cycle_reviewee')

    op.drop_table('review_response')
    with op.batch_alter_table('review_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_invitation_reviewee_id'))
        batch_op.drop_index(batch_op.f('ix_review_invitation_rater_id'))
        batch_op.drop_index('ix_review_invitation_cycle_reviewee')

    op.drop_table('review_invitation')
    op.drop_table('review_cycle_unit')
    with op.batch_alter_table('review_cycle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_cycle_questionnaire_id'))
        batch_op.drop_index(batch_op.f('ix_review_cycle_instansi_id'))

    op.drop_table('review_cycle')
    with op.batch_alter_table('questionnaire_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_questionnaire_item_questionnaire_id'))

    op.drop_table('questionnaire_item')
    with op.batch_alter_table('questionnaire', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_questionnaire_instansi_id'))

    op.drop_table('questionnaire')

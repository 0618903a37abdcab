"""appraisal periods, records, audit log and API tokens

Revision ID: 6c35f3dc0d66
Revises: da67f75a007c
Create Date: 2026-11-22 14:33:15.013507

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6c35f3dc0d66'
down_revision = 'da67f75a007c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('appraisal_period',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instansi_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('citizen_from', sa.Date(), nullable=False),
    sa.Column('citizen_to', sa.Date(), nullable=False),
    sa.Column('officer_unsur', sa.String(length=20), nullable=False),
    sa.Column('above_threshold', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('meets_threshold', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('min_citizen_n', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('tahunan', 'triwulan')", name=op.f('ck_appraisal_period_kind_known')),
    sa.CheckConstraint('citizen_from <= citizen_to', name=op.f('ck_appraisal_period_date_order')),
    sa.CheckConstraint('meets_threshold < above_threshold AND meets_threshold >= 0 AND above_threshold <= 100', name=op.f('ck_appraisal_period_threshold_order')),
    sa.CheckConstraint('min_citizen_n >= 1', name=op.f('ck_appraisal_period_min_citizen_n_positive')),
    sa.ForeignKeyConstraint(['instansi_id'], ['instansi.id'], name=op.f('fk_appraisal_period_instansi_id_instansi')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appraisal_period')),
    sa.UniqueConstraint('instansi_id', 'name', name=op.f('uq_appraisal_period_instansi_id_name'))
    )
    with op.batch_alter_table('appraisal_period', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appraisal_period_instansi_id'), ['instansi_id'], unique=False)

    op.create_table('weight_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('job_group', sa.String(length=20), nullable=False),
    sa.Column('citizen', sa.Numeric(precision=7, scale=3), nullable=False),
    sa.Column('atasan', sa.Numeric(precision=7, scale=3), nullable=False),
    sa.Column('rekan', sa.Numeric(precision=7, scale=3), nullable=False),
    sa.Column('bawahan', sa.Numeric(precision=7, scale=3), nullable=False),
    sa.Column('self_weight', sa.Numeric(precision=7, scale=3), nullable=False),
    sa.CheckConstraint("job_group IN ('front_line', 'back_office')", name=op.f('ck_weight_profile_job_group_known')),
    sa.CheckConstraint('citizen + atasan + rekan + bawahan + self_weight = 100', name=op.f('ck_weight_profile_sums_to_100')),
    sa.CheckConstraint('citizen >= 0 AND atasan >= 0 AND rekan >= 0 AND bawahan >= 0 AND self_weight >= 0', name=op.f('ck_weight_profile_non_negative')),
    sa.ForeignKeyConstraint(['period_id'], ['appraisal_period.id'], name=op.f('fk_weight_profile_period_id_appraisal_period'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_weight_profile')),
    sa.UniqueConstraint('period_id', 'job_group', name=op.f('uq_weight_profile_period_id_job_group'))
    )
    op.create_table('appraisal_period_cycle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['review_cycle.id'], name=op.f('fk_appraisal_period_cycle_cycle_id_review_cycle')),
    sa.ForeignKeyConstraint(['period_id'], ['appraisal_period.id'], name=op.f('fk_appraisal_period_cycle_period_id_appraisal_period'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appraisal_period_cycle')),
    sa.UniqueConstraint('period_id', 'cycle_id', name=op.f('uq_appraisal_period_cycle_period_id_cycle_id'))
    )
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instansi_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('scopes', sa.String(length=200), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_api_token_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['instansi_id'], ['instansi.id'], name=op.f('fk_api_token_instansi_id_instansi')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_api_token_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_instansi_id'), ['instansi_id'], unique=False)

    op.create_table('appraisal_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('job_group', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('citizen_score', sa.Numeric(precision=7, scale=3), nullable=True),
    sa.Column('citizen_n', sa.Integer(), nullable=False),
    sa.Column('atasan_score', sa.Numeric(precision=7, scale=3), nullable=True),
    sa.Column('atasan_n', sa.Integer(), nullable=False),
    sa.Column('rekan_score', sa.Numeric(precision=7, scale=3), nullable=True),
    sa.Column('rekan_n', sa.Integer(), nullable=False),
    sa.Column('bawahan_score', sa.Numeric(precision=7, scale=3), nullable=True),
    sa.Column('bawahan_n', sa.Integer(), nullable=False),
    sa.Column('self_score', sa.Numeric(precision=7, scale=3), nullable=True),
    sa.Column('self_n', sa.Integer(), nullable=False),
    sa.Column('weight_citizen', sa.Numeric(precision=7, scale=3), nullable=True),
    sa.Column('weight_atasan', sa.Numeric(precision=7, scale=3), nullable=True),
    sa.Column('weight_rekan', sa.Numeric(precision=7, scale=3), nullable=True),
    sa.Column('weight_bawahan', sa.Numeric(precision=7, scale=3), nullable=True),
    sa.Column('weight_self', sa.Numeric(precision=7, scale=3), nullable=True),
    sa.Column('composite', sa.Numeric(precision=7, scale=3), nullable=True),
    sa.Column('rating_perilaku_suggested', sa.String(length=30), nullable=True),
    sa.Column('rating_perilaku', sa.String(length=30), nullable=True),
    sa.Column('override_reason', sa.Text(), nullable=True),
    sa.Column('rating_hasil_kerja', sa.String(length=30), nullable=True),
    sa.Column('predikat', sa.String(length=30), nullable=True),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('development', sa.Text(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finalised_by_id', sa.Integer(), nullable=True),
    sa.Column('finalised_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("job_group IN ('front_line', 'back_office')", name=op.f('ck_appraisal_record_job_group_known')),
    sa.CheckConstraint("status = 'draft' OR rating_perilaku IS NOT NULL", name=op.f('ck_appraisal_record_confirmed_has_rating')),
    sa.CheckConstraint("status IN ('draft', 'confirmed', 'finalised')", name=op.f('ck_appraisal_record_status_known')),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['user_account.id'], name=op.f('fk_appraisal_record_confirmed_by_id_user_account')),
    sa.ForeignKeyConstraint(['employee_id'], ['employee.id'], name=op.f('fk_appraisal_record_employee_id_employee')),
    sa.ForeignKeyConstraint(['finalised_by_id'], ['user_account.id'], name=op.f('fk_appraisal_record_finalised_by_id_user_account')),
    sa.ForeignKeyConstraint(['period_id'], ['appraisal_period.id'], name=op.f('fk_appraisal_record_period_id_appraisal_period')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_appraisal_record_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appraisal_record')),
    sa.UniqueConstraint('period_id', 'employee_id', name=op.f('uq_appraisal_record_period_id_employee_id'))
    )
    with op.batch_alter_table('appraisal_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appraisal_record_employee_id'), ['employee_id'], unique=False)
        batch_op.create_index('ix_appraisal_record_period_unit', ['period_id', 'unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appraisal_record_unit_id'), ['unit_id'], unique=False)

    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instansi_id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('before', sa.Text(), nullable=False),
    sa.Column('after', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['instansi_id'], ['instansi.id'], name=op.f('fk_audit_entry_instansi_id_instansi')),
    sa.ForeignKeyConstraint(['record_id'], ['appraisal_record.id'], name=op.f('fk_audit_entry_record_id_appraisal_record')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_audit_entry_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entry_record_id'), ['record_id'], unique=False)

    _create_guards()


def downgrade():
    _drop_guards()
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entry_record_id'))

    op.drop_table('audit_entry')
    with op.batch_alter_table('appraisal_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appraisal_record_unit_id'))
        batch_op.drop_index('ix_appraisal_record_period_unit')
        batch_op.drop_index(batch_op.f('ix_appraisal_record_employee_id'))

    op.drop_table('appraisal_record')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_instansi_id'))

    op.drop_table('api_token')
    op.drop_table('appraisal_period_cycle')
    op.drop_table('weight_profile')
    with op.batch_alter_table('appraisal_period', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appraisal_period_instansi_id'))

    op.drop_table('appraisal_period')


def _create_guards():
    """The database itself refuses edits to finalised records and any change to the audit log."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION appraisal_record_guard() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'DELETE' AND OLD.status = 'finalised' THEN
                    RAISE EXCEPTION 'a finalised appraisal record cannot be deleted';
                END IF;
                IF TG_OP = 'UPDATE' AND OLD.status = 'finalised' AND NEW.status = 'finalised' THEN
                    RAISE EXCEPTION 'a finalised appraisal record cannot be changed';
                END IF;
                IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
                RETURN NEW;
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("CREATE TRIGGER appraisal_record_final BEFORE UPDATE OR DELETE ON appraisal_record "
                   "FOR EACH ROW EXECUTE FUNCTION appraisal_record_guard()")
        op.execute("""
            CREATE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'the audit log is append-only';
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
                   "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()")
    else:
        op.execute("""
            CREATE TRIGGER appraisal_record_final_update BEFORE UPDATE ON appraisal_record
            WHEN OLD.status = 'finalised' AND NEW.status = 'finalised'
            BEGIN SELECT RAISE(ABORT, 'a finalised appraisal record cannot be changed'); END
        """)
        op.execute("""
            CREATE TRIGGER appraisal_record_final_delete BEFORE DELETE ON appraisal_record
            WHEN OLD.status = 'finalised'
            BEGIN SELECT RAISE(ABORT, 'a finalised appraisal record cannot be deleted'); END
        """)
        op.execute("""
            CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END
        """)
        op.execute("""
            CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END
        """)


def _drop_guards():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS appraisal_record_final ON appraisal_record")
        op.execute("DROP FUNCTION IF EXISTS appraisal_record_guard()")
        op.execute("DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry")
        op.execute("DROP FUNCTION IF EXISTS audit_entry_append_only()")
    else:
        for name in ("appraisal_record_final_update", "appraisal_record_final_delete", "audit_entry_no_update",
                     "audit_entry_no_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")

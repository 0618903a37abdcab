"""instansi-wide audit log (audit_event) and the auditor role

Revision ID: b131a586fefa
Revises: 3755cb81459b
Create Date: 2026-12-03 16:35:52.982220

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b131a586fefa'
down_revision = '3755cb81459b'
branch_labels = None
depends_on = None

ROLES_BEFORE = "role IN ('admin', 'hr', 'supervisor', 'employee')"
ROLES_AFTER = "role IN ('admin', 'hr', 'supervisor', 'employee', 'auditor')"


def upgrade():
    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instansi_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=True),
    sa.Column('object_label', sa.String(length=200), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('period_id', sa.Integer(), nullable=True),
    sa.Column('before', sa.Text(), nullable=True),
    sa.Column('after', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_audit_event_actor_id_user_account')),
    sa.ForeignKeyConstraint(['employee_id'], ['employee.id'], name=op.f('fk_audit_event_employee_id_employee')),
    sa.ForeignKeyConstraint(['instansi_id'], ['instansi.id'], name=op.f('fk_audit_event_instansi_id_instansi')),
    sa.ForeignKeyConstraint(['period_id'], ['appraisal_period.id'], name=op.f('fk_audit_event_period_id_appraisal_period')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_audit_event_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_employee_id'), ['employee_id'], unique=False)
        batch_op.create_index('ix_audit_event_instansi_at', ['instansi_id', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_period_id'), ['period_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_unit_id'), ['unit_id'], unique=False)

    _create_guards()
    _set_known_roles(ROLES_AFTER)


def downgrade():
    op.execute("DELETE FROM user_role WHERE role = 'auditor'")
    _set_known_roles(ROLES_BEFORE)
    _drop_guards()
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_unit_id'))
        batch_op.drop_index(batch_op.f('ix_audit_event_period_id'))
        batch_op.drop_index('ix_audit_event_instansi_at')
        batch_op.drop_index(batch_op.f('ix_audit_event_employee_id'))

    op.drop_table('audit_event')


def _set_known_roles(condition: str) -> None:
    with op.batch_alter_table('user_role', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_role_role_known'), type_='check')
        batch_op.create_check_constraint('role_known', condition)


def _create_guards():
    """The database itself refuses any change to the audit log, as for the appraisal audit."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION audit_event_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'the audit log is append-only';
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
                   "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()")
    else:
        op.execute("""
            CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END
        """)
        op.execute("""
            CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END
        """)


def _drop_guards():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
    else:
        for name in ("audit_event_no_update", "audit_event_no_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")

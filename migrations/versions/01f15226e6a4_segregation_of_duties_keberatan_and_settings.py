"""segregation of duties, keberatan and settings frozen once used

A record keeps its Pejabat Penilai and Atasan Pejabat Penilai (existing records: whoever
confirmed them, else the atasan langsung in today's org chart), the settings it was computed
with, and the day the employee was notified of its confirmation (existing confirmed records: the
local day of the confirmation); a period with confirmed records has its settings frozen since the
first confirmation. New tables hold the settings snapshots, proposed settings changes, the records
they pinned, and objections.

The database refuses a confirmation of one's own record, and a finalisation by the confirmer or
of one's own record. On SQLite the batch rebuild of appraisal_record drops its triggers: they
are created again after (a later revision that rebuilds the table must do the same).

Revision ID: 01f15226e6a4
Revises: d65bbe1afb7a
Create Date: 2026-12-03 17:39:36.725424

"""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '01f15226e6a4'
down_revision = 'd65bbe1afb7a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('appraisal_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('values', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('version >= 1', name=op.f('ck_appraisal_settings_version_positive')),
    sa.ForeignKeyConstraint(['period_id'], ['appraisal_period.id'], name=op.f('fk_appraisal_settings_period_id_appraisal_period'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appraisal_settings')),
    sa.UniqueConstraint('period_id', 'version', name=op.f('uq_appraisal_settings_period_id_version'))
    )
    op.create_table('appraisal_settings_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('proposed', sa.Text(), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=False),
    sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('proposal_reason', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'approved', 'rejected', 'withdrawn')", name=op.f('ck_appraisal_settings_change_status_known')),
    sa.CheckConstraint("status IN ('pending', 'withdrawn') OR decided_by_id <> proposed_by_id", name=op.f('ck_appraisal_settings_change_second_pair_of_eyes')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_appraisal_settings_change_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['period_id'], ['appraisal_period.id'], name=op.f('fk_appraisal_settings_change_period_id_appraisal_period'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['user_account.id'], name=op.f('fk_appraisal_settings_change_proposed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appraisal_settings_change'))
    )
    with op.batch_alter_table('appraisal_settings_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appraisal_settings_change_period_id'), ['period_id'], unique=False)

    op.create_table('appraisal_settings_pin',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('change_id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['change_id'], ['appraisal_settings_change.id'], name=op.f('fk_appraisal_settings_pin_change_id_appraisal_settings_change'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['record_id'], ['appraisal_record.id'], name=op.f('fk_appraisal_settings_pin_record_id_appraisal_record')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appraisal_settings_pin')),
    sa.UniqueConstraint('change_id', 'record_id', name=op.f('uq_appraisal_settings_pin_change_id_record_id'))
    )
    with op.batch_alter_table('appraisal_settings_pin', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appraisal_settings_pin_record_id'), ['record_id'], unique=False)

    op.create_table('appraisal_objection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('filed_by_id', sa.Integer(), nullable=False),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('penilai_explanation', sa.Text(), nullable=True),
    sa.Column('employee_explanation', sa.Text(), nullable=True),
    sa.Column('explained_by_id', sa.Integer(), nullable=True),
    sa.Column('explained_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('rating_perilaku_before', sa.String(length=30), nullable=True),
    sa.Column('rating_hasil_kerja_before', sa.String(length=30), nullable=True),
    sa.Column('predikat_before', sa.String(length=30), nullable=True),
    sa.Column('rating_perilaku_after', sa.String(length=30), nullable=True),
    sa.Column('rating_hasil_kerja_after', sa.String(length=30), nullable=True),
    sa.Column('predikat_after', sa.String(length=30), nullable=True),
    sa.CheckConstraint("status = 'pending' OR (decided_by_id IS NOT NULL AND decision_reason IS NOT NULL AND predikat_after IS NOT NULL)", name=op.f('ck_appraisal_objection_decided_complete')),
    sa.CheckConstraint("status IN ('pending', 'decided')", name=op.f('ck_appraisal_objection_status_known')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_appraisal_objection_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['explained_by_id'], ['user_account.id'], name=op.f('fk_appraisal_objection_explained_by_id_user_account')),
    sa.ForeignKeyConstraint(['filed_by_id'], ['user_account.id'], name=op.f('fk_appraisal_objection_filed_by_id_user_account')),
    sa.ForeignKeyConstraint(['record_id'], ['appraisal_record.id'], name=op.f('fk_appraisal_objection_record_id_appraisal_record')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appraisal_objection'))
    )
    with op.batch_alter_table('appraisal_objection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appraisal_objection_record_id'), ['record_id'], unique=False)
        batch_op.create_index('uq_appraisal_objection_pending', ['record_id'], unique=True, sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))

    with op.batch_alter_table('appraisal_period', schema=None) as batch_op:
        batch_op.add_column(sa.Column('settings_frozen_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('appraisal_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('penilai_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('atasan_penilai_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('settings_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('notified_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('objection_waived_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_appraisal_record_atasan_penilai_id'), ['atasan_penilai_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appraisal_record_penilai_id'), ['penilai_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_appraisal_record_settings_id_appraisal_settings'), 'appraisal_settings', ['settings_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_appraisal_record_atasan_penilai_id_employee'), 'employee', ['atasan_penilai_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_appraisal_record_penilai_id_employee'), 'employee', ['penilai_id'], ['id'])

    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:  # on SQLite the rebuild dropped the guard
        op.execute("ALTER TABLE appraisal_record DISABLE TRIGGER appraisal_record_final")
    _fill_penilai_and_notified_on()
    # A period whose records were already confirmed has its settings frozen since the first one.
    op.execute("UPDATE appraisal_period SET settings_frozen_at = (SELECT MIN(r.confirmed_at) FROM appraisal_record r "
               "WHERE r.period_id = appraisal_period.id) WHERE EXISTS (SELECT 1 FROM appraisal_record r "
               "WHERE r.period_id = appraisal_period.id AND r.confirmed_at IS NOT NULL)")
    if postgres:
        op.execute("ALTER TABLE appraisal_record ENABLE TRIGGER appraisal_record_final")
    else:
        _create_sqlite_final_guards()
    _create_duty_guards()


def downgrade():
    _drop_duty_guards()
    with op.batch_alter_table('appraisal_record', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_appraisal_record_penilai_id_employee'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_appraisal_record_atasan_penilai_id_employee'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_appraisal_record_settings_id_appraisal_settings'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_appraisal_record_penilai_id'))
        batch_op.drop_index(batch_op.f('ix_appraisal_record_atasan_penilai_id'))
        batch_op.drop_column('objection_waived_at')
        batch_op.drop_column('notified_on')
        batch_op.drop_column('settings_id')
        batch_op.drop_column('atasan_penilai_id')
        batch_op.drop_column('penilai_id')

    if op.get_bind().dialect.name != "postgresql":
        _create_sqlite_final_guards()

    with op.batch_alter_table('appraisal_period', schema=None) as batch_op:
        batch_op.drop_column('settings_frozen_at')

    with op.batch_alter_table('appraisal_objection', schema=None) as batch_op:
        batch_op.drop_index('uq_appraisal_objection_pending', sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
        batch_op.drop_index(batch_op.f('ix_appraisal_objection_record_id'))

    op.drop_table('appraisal_objection')
    with op.batch_alter_table('appraisal_settings_pin', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appraisal_settings_pin_record_id'))

    op.drop_table('appraisal_settings_pin')
    with op.batch_alter_table('appraisal_settings_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appraisal_settings_change_period_id'))

    op.drop_table('appraisal_settings_change')
    op.drop_table('appraisal_settings')


def _fill_penilai_and_notified_on():
    """Existing records: the penilai is whoever confirmed (when linked to an employee), else
    today's atasan langsung; the atasan penilai is the penilai's atasan; a confirmed record's
    notification day is the local day of its confirmation."""
    bind = op.get_bind()
    records = bind.execute(sa.text(
        "SELECT r.id, e.supervisor_id, u.employee_id, r.confirmed_at, i.timezone "
        "FROM appraisal_record r JOIN employee e ON e.id = r.employee_id "
        "JOIN appraisal_period p ON p.id = r.period_id JOIN instansi i ON i.id = p.instansi_id "
        "LEFT JOIN user_account u ON u.id = r.confirmed_by_id")).all()
    supervisors = dict(bind.execute(sa.text("SELECT id, supervisor_id FROM employee")).all())
    for record_id, supervisor_id, confirmer_id, confirmed_at, tz in records:
        penilai = confirmer_id or supervisor_id
        notified_on = None
        if confirmed_at is not None:
            if isinstance(confirmed_at, str):  # SQLite hands raw text back
                confirmed_at = datetime.fromisoformat(confirmed_at)
            moment = confirmed_at if confirmed_at.tzinfo else confirmed_at.replace(tzinfo=timezone.utc)
            notified_on = moment.astimezone(ZoneInfo(tz)).date()
        bind.execute(sa.text("UPDATE appraisal_record SET penilai_id = :penilai, atasan_penilai_id = :atasan, "
                             "notified_on = :notified_on WHERE id = :id"),
                     {"penilai": penilai, "atasan": supervisors.get(penilai) if penilai else None,
                      "notified_on": notified_on, "id": record_id})


def _create_sqlite_final_guards():
    """The first appraisal revision's guards of finalised records (SQLite)."""
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


#: A confirmation by the employee's own account.
_OWN_CONFIRMATION = ("NEW.status = 'confirmed' AND OLD.status = 'draft' AND EXISTS (SELECT 1 FROM user_account u "
                     "WHERE u.id = NEW.confirmed_by_id AND u.employee_id = NEW.employee_id)")
#: A finalisation by the confirmer, or by the employee's own account.
_ONE_PERSON_FINALISATION = ("NEW.status = 'finalised' AND OLD.status <> 'finalised' AND "
                            "(NEW.finalised_by_id = NEW.confirmed_by_id OR EXISTS (SELECT 1 FROM user_account u "
                            "WHERE u.id = NEW.finalised_by_id AND u.employee_id = NEW.employee_id))")


def _create_duty_guards():
    """Nobody confirms their own record; the confirmer does not finalise; nobody finalises their own."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION appraisal_record_duties() RETURNS trigger AS $$
            BEGIN
                IF {_OWN_CONFIRMATION} THEN
                    RAISE EXCEPTION 'nobody confirms their own appraisal record';
                END IF;
                IF {_ONE_PERSON_FINALISATION} THEN
                    RAISE EXCEPTION 'an appraisal record is finalised by someone other than its confirmer and its employee';
                END IF;
                RETURN NEW;
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("CREATE TRIGGER appraisal_record_duties BEFORE UPDATE ON appraisal_record "
                   "FOR EACH ROW EXECUTE FUNCTION appraisal_record_duties()")
    else:
        op.execute(f"""
            CREATE TRIGGER appraisal_record_own_confirmation BEFORE UPDATE ON appraisal_record
            WHEN {_OWN_CONFIRMATION}
            BEGIN SELECT RAISE(ABORT, 'nobody confirms their own appraisal record'); END
        """)
        op.execute(f"""
            CREATE TRIGGER appraisal_record_one_person_finalisation BEFORE UPDATE ON appraisal_record
            WHEN {_ONE_PERSON_FINALISATION}
            BEGIN SELECT RAISE(ABORT, 'an appraisal record is finalised by someone other than its confirmer and its employee'); END
        """)


def _drop_duty_guards():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS appraisal_record_duties ON appraisal_record")
        op.execute("DROP FUNCTION IF EXISTS appraisal_record_duties()")
    else:
        op.execute("DROP TRIGGER IF EXISTS appraisal_record_own_confirmation")
        op.execute("DROP TRIGGER IF EXISTS appraisal_record_one_person_finalisation")

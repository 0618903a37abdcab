"""Score integrity: response status and holds, paper batches, hold groups, loket opening and rate, held alerts

Every stored response counts (status "counted"); each loket opened on the day of its first
response (or today, without one). SQLite rebuilds skm_response to add its constraints, which
drops its triggers: they are created again after.

Revision ID: 79a904e6ff27
Revises: 01f15226e6a4
Create Date: 2026-12-03 17:30:51.828667

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '79a904e6ff27'
down_revision = '01f15226e6a4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('hold_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instansi_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('counter_id', sa.Integer(), nullable=False),
    sa.Column('first_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.CheckConstraint("status = 'open' OR (decided_by_id IS NOT NULL AND decision_reason IS NOT NULL)", name=op.f('ck_hold_group_decision_complete')),
    sa.CheckConstraint("status IN ('open', 'released', 'rejected')", name=op.f('ck_hold_group_status_known')),
    sa.ForeignKeyConstraint(['counter_id'], ['counter.id'], name=op.f('fk_hold_group_counter_id_counter')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_hold_group_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['instansi_id'], ['instansi.id'], name=op.f('fk_hold_group_instansi_id_instansi')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_hold_group_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hold_group'))
    )
    with op.batch_alter_table('hold_group', schema=None) as batch_op:
        batch_op.create_index('ix_hold_group_counter_status', ['counter_id', 'status', 'last_at'], unique=False)
        batch_op.create_index('ix_hold_group_unit_status', ['unit_id', 'status'], unique=False)

    op.create_table('paper_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instansi_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_by_label', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('added', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('verified_by_id', sa.Integer(), nullable=True),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdraw_reason', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'verified', 'trusted', 'withdrawn')", name=op.f('ck_paper_batch_status_known')),
    sa.CheckConstraint('added >= 0 AND added <= row_count', name=op.f('ck_paper_batch_added_range')),
    sa.CheckConstraint('verified_by_id IS NULL OR uploaded_by_id IS NULL OR verified_by_id <> uploaded_by_id', name=op.f('ck_paper_batch_second_pair_of_eyes')),
    sa.ForeignKeyConstraint(['instansi_id'], ['instansi.id'], name=op.f('fk_paper_batch_instansi_id_instansi')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_paper_batch_uploaded_by_id_user_account')),
    sa.ForeignKeyConstraint(['verified_by_id'], ['user_account.id'], name=op.f('fk_paper_batch_verified_by_id_user_account')),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['user_account.id'], name=op.f('fk_paper_batch_withdrawn_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_batch'))
    )
    with op.batch_alter_table('paper_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_paper_batch_instansi_id'), ['instansi_id'], unique=False)

    op.create_table('hold_note',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('author_label', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_hold_note_author_id_user_account')),
    sa.ForeignKeyConstraint(['group_id'], ['hold_group.id'], name=op.f('fk_hold_note_group_id_hold_group')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hold_note'))
    )
    with op.batch_alter_table('hold_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hold_note_group_id'), ['group_id'], unique=False)

    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=10), server_default='negative', nullable=False))
        batch_op.add_column(sa.Column('hold_group_id', sa.Integer(), nullable=True))
        batch_op.alter_column('share_percent',
               existing_type=sa.NUMERIC(precision=5, scale=2),
               nullable=True)
        batch_op.alter_column('threshold_percent',
               existing_type=sa.NUMERIC(precision=5, scale=2),
               nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_alert_hold_group_id_hold_group'), 'hold_group', ['hold_group_id'], ['id'])
        batch_op.create_check_constraint('kind_known', "kind IN ('negative', 'held')")
        batch_op.create_check_constraint(
            'negative_has_share', "kind <> 'negative' OR (share_percent IS NOT NULL AND threshold_percent IS NOT NULL)")
        batch_op.create_check_constraint('held_has_group', "kind <> 'held' OR hold_group_id IS NOT NULL")

    with op.batch_alter_table('appraisal_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('citizen_held_n', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('citizen_rejected_n', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('counter', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opened_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('rate_limit', sa.Integer(), nullable=True))
    # An existing loket opened on the day of its first response; one without any, today.
    op.execute("UPDATE counter SET opened_on = (SELECT min(local_date) FROM skm_response "
               "WHERE skm_response.counter_id = counter.id)")
    op.execute("UPDATE counter SET opened_on = CURRENT_DATE WHERE opened_on IS NULL")
    with op.batch_alter_table('counter', schema=None) as batch_op:
        batch_op.alter_column('opened_on', existing_type=sa.Date(), nullable=False)
        batch_op.create_check_constraint('rate_limit_range', 'rate_limit IS NULL OR rate_limit BETWEEN 5 AND 30')

    _drop_response_guards()
    with op.batch_alter_table('skm_response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=10), server_default='counted', nullable=False))
        batch_op.add_column(sa.Column('hold_reason', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('hold_group_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('batch_id', sa.Integer(), nullable=True))
        batch_op.drop_index(batch_op.f('ix_skm_response_counter_time'))
        batch_op.create_index('ix_skm_response_counter_time', ['counter_id', 'submitted_at', 'channel', 'status', 'negative'], unique=False)
        batch_op.create_index(batch_op.f('ix_skm_response_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index('ix_skm_response_employee_time', ['employee_id', 'submitted_at', 'channel'], unique=False)
        batch_op.create_index(batch_op.f('ix_skm_response_hold_group_id'), ['hold_group_id'], unique=False)
        batch_op.create_index('ix_skm_response_unit_status', ['unit_id', 'status', 'hold_reason'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_skm_response_hold_group_id_hold_group'), 'hold_group', ['hold_group_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_skm_response_batch_id_paper_batch'), 'paper_batch', ['batch_id'], ['id'])
        batch_op.create_check_constraint(
            'status_known', "status IN ('counted', 'held', 'pending', 'rejected', 'withdrawn')")
        batch_op.create_check_constraint(
            'hold_reason_known', "hold_reason IS NULL OR hold_reason IN ('rate_loket', 'rate_officer', 'ticket_loket', "
            "'identical_run', 'off_roster', 'period_end', 'paper_batch')")
        batch_op.create_check_constraint(
            'held_has_reason', "status NOT IN ('held', 'rejected') OR hold_reason IS NOT NULL")
        batch_op.create_check_constraint('pending_has_batch', "status <> 'pending' OR batch_id IS NOT NULL")
    _create_response_guards(final_statuses=True)


ANSWER_COLUMNS = "instansi_id, unit_id, counter_id, service_id, employee_id, submitted_at, local_date, " \
    "u1, u2, u3, u4, u5, u6, u7, u8, u9, channel, ticket_code, idempotency_key, import_key"


def _create_response_guards(final_statuses: bool) -> None:
    """The answers of a stored response are never edited (as since the first revision); now also:
    no response is deleted, and a rejected or withdrawn one never counts again."""
    if op.get_bind().dialect.name == "postgresql":
        if not final_statuses:
            return
        op.execute("""
            CREATE FUNCTION skm_response_kept() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    RAISE EXCEPTION 'skm_response rows are never deleted';
                END IF;
                IF OLD.status IN ('rejected', 'withdrawn') AND NEW.status <> OLD.status THEN
                    RAISE EXCEPTION 'a rejected or withdrawn response stays so';
                END IF;
                RETURN NEW;
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("CREATE TRIGGER skm_response_kept BEFORE UPDATE OF status OR DELETE ON skm_response "
                   "FOR EACH ROW EXECUTE FUNCTION skm_response_kept()")
        return
    op.execute(f"""
        CREATE TRIGGER skm_response_no_edit BEFORE UPDATE OF {ANSWER_COLUMNS} ON skm_response
        BEGIN SELECT RAISE(ABORT, 'skm_response rows cannot be edited'); END
    """)
    if final_statuses:
        op.execute("""
            CREATE TRIGGER skm_response_no_delete BEFORE DELETE ON skm_response
            BEGIN SELECT RAISE(ABORT, 'skm_response rows are never deleted'); END
        """)
        op.execute("""
            CREATE TRIGGER skm_response_final_status BEFORE UPDATE OF status ON skm_response
            WHEN OLD.status IN ('rejected', 'withdrawn') AND NEW.status <> OLD.status
            BEGIN SELECT RAISE(ABORT, 'a rejected or withdrawn response stays so'); END
        """)


def _drop_response_guards() -> None:
    """Drop what a SQLite table rebuild would lose (PostgreSQL keeps its triggers through it)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS skm_response_kept ON skm_response")
        op.execute("DROP FUNCTION IF EXISTS skm_response_kept()")
        return
    for name in ("skm_response_no_edit", "skm_response_no_delete", "skm_response_final_status"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")


def downgrade():
    _drop_response_guards()
    with op.batch_alter_table('skm_response', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_skm_response_batch_id_paper_batch'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_skm_response_hold_group_id_hold_group'), type_='foreignkey')
        batch_op.drop_index('ix_skm_response_unit_status')
        batch_op.drop_index(batch_op.f('ix_skm_response_hold_group_id'))
        batch_op.drop_index('ix_skm_response_employee_time')
        batch_op.drop_index(batch_op.f('ix_skm_response_batch_id'))
        batch_op.drop_index('ix_skm_response_counter_time')
        batch_op.create_index(batch_op.f('ix_skm_response_counter_time'), ['counter_id', 'submitted_at', 'negative'], unique=False)
        batch_op.drop_constraint(batch_op.f('ck_skm_response_pending_has_batch'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_skm_response_held_has_reason'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_skm_response_hold_reason_known'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_skm_response_status_known'), type_='check')
        batch_op.drop_column('batch_id')
        batch_op.drop_column('hold_group_id')
        batch_op.drop_column('hold_reason')
        batch_op.drop_column('status')
    _create_response_guards(final_statuses=False)

    with op.batch_alter_table('counter', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_counter_rate_limit_range'), type_='check')
        batch_op.drop_column('rate_limit')
        batch_op.drop_column('opened_on')

    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35+): a batch rebuild would lose the table's triggers.
    op.drop_column('appraisal_record', 'citizen_rejected_n')
    op.drop_column('appraisal_record', 'citizen_held_n')

    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_alert_held_has_group'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_alert_negative_has_share'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_alert_kind_known'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_alert_hold_group_id_hold_group'), type_='foreignkey')
        batch_op.alter_column('threshold_percent',
               existing_type=sa.NUMERIC(precision=5, scale=2),
               nullable=False)
        batch_op.alter_column('share_percent',
               existing_type=sa.NUMERIC(precision=5, scale=2),
               nullable=False)
        batch_op.drop_column('hold_group_id')
        batch_op.drop_column('kind')

    with op.batch_alter_table('hold_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hold_note_group_id'))

    op.drop_table('hold_note')
    with op.batch_alter_table('paper_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_paper_batch_instansi_id'))

    op.drop_table('paper_batch')
    with op.batch_alter_table('hold_group', schema=None) as batch_op:
        batch_op.drop_index('ix_hold_group_unit_status')
        batch_op.drop_index('ix_hold_group_counter_status')

    op.drop_table('hold_group')

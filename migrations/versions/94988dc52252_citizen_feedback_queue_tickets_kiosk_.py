"""citizen feedback, queue tickets, kiosk and rollups

Revision ID: 94988dc52252
Revises: fff2c5e48d5b
Create Date: 2026-11-22 14:20:34.728727

"""
import secrets

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '94988dc52252'
down_revision = 'fff2c5e48d5b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kiosk_device',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('counter_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('enrolled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('enrolled_by_id', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_vote_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['counter_id'], ['counter.id'], name=op.f('fk_kiosk_device_counter_id_counter')),
    sa.ForeignKeyConstraint(['enrolled_by_id'], ['user_account.id'], name=op.f('fk_kiosk_device_enrolled_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kiosk_device')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_kiosk_device_token_hash'))
    )
    with op.batch_alter_table('kiosk_device', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kiosk_device_counter_id'), ['counter_id'], unique=False)

    op.create_table('kiosk_pairing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('counter_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['counter_id'], ['counter.id'], name=op.f('fk_kiosk_pairing_counter_id_counter')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_kiosk_pairing_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kiosk_pairing')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_kiosk_pairing_code_hash'))
    )
    with op.batch_alter_table('kiosk_pairing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kiosk_pairing_counter_id'), ['counter_id'], unique=False)

    op.create_table('skm_daily',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('counter_id', sa.Integer(), nullable=False),
    sa.Column('service_key', sa.Integer(), nullable=False),
    sa.Column('employee_key', sa.Integer(), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('negative', sa.Integer(), nullable=False),
    sa.Column('s1', sa.Integer(), nullable=False),
    sa.Column('s2', sa.Integer(), nullable=False),
    sa.Column('s3', sa.Integer(), nullable=False),
    sa.Column('s4', sa.Integer(), nullable=False),
    sa.Column('s5', sa.Integer(), nullable=False),
    sa.Column('s6', sa.Integer(), nullable=False),
    sa.Column('s7', sa.Integer(), nullable=False),
    sa.Column('s8', sa.Integer(), nullable=False),
    sa.Column('s9', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['counter_id'], ['counter.id'], name=op.f('fk_skm_daily_counter_id_counter')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_skm_daily_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skm_daily')),
    sa.UniqueConstraint('counter_id', 'service_key', 'employee_key', 'local_date', name=op.f('uq_skm_daily_counter_id_service_key_employee_key_local_date'))
    )
    with op.batch_alter_table('skm_daily', schema=None) as batch_op:
        batch_op.create_index('ix_skm_daily_employee_date', ['employee_key', 'local_date'], unique=False)
        batch_op.create_index('ix_skm_daily_unit_date', ['unit_id', 'local_date'], unique=False)

    op.create_table('skm_hourly',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('counter_id', sa.Integer(), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('local_hour', sa.SmallInteger(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('negative', sa.Integer(), nullable=False),
    sa.Column('score_total', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['counter_id'], ['counter.id'], name=op.f('fk_skm_hourly_counter_id_counter')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_skm_hourly_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skm_hourly')),
    sa.UniqueConstraint('counter_id', 'local_date', 'local_hour', name=op.f('uq_skm_hourly_counter_id_local_date_local_hour'))
    )
    with op.batch_alter_table('skm_hourly', schema=None) as batch_op:
        batch_op.create_index('ix_skm_hourly_unit_date', ['unit_id', 'local_date'], unique=False)

    op.create_table('skm_response',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('instansi_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('counter_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('employee_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('local_hour', sa.SmallInteger(), nullable=False),
    sa.Column('local_weekday', sa.SmallInteger(), nullable=False),
    sa.Column('u1', sa.SmallInteger(), nullable=False),
    sa.Column('u2', sa.SmallInteger(), nullable=False),
    sa.Column('u3', sa.SmallInteger(), nullable=False),
    sa.Column('u4', sa.SmallInteger(), nullable=False),
    sa.Column('u5', sa.SmallInteger(), nullable=False),
    sa.Column('u6', sa.SmallInteger(), nullable=False),
    sa.Column('u7', sa.SmallInteger(), nullable=False),
    sa.Column('u8', sa.SmallInteger(), nullable=False),
    sa.Column('u9', sa.SmallInteger(), nullable=False),
    sa.Column('negative', sa.Boolean(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=True),
    sa.Column('ticket_code', sa.String(length=40), nullable=True),
    sa.Column('import_key', sa.String(length=64), nullable=True),
    sa.Column('gender', sa.String(length=2), nullable=True),
    sa.Column('age_range', sa.String(length=8), nullable=True),
    sa.Column('education', sa.String(length=8), nullable=True),
    sa.Column('occupation', sa.String(length=12), nullable=True),
    sa.CheckConstraint("channel IN ('web', 'officer', 'ticket', 'paper')", name=op.f('ck_skm_response_channel_known')),
    sa.CheckConstraint('local_hour BETWEEN 0 AND 23', name=op.f('ck_skm_response_local_hour_range')),
    sa.CheckConstraint('local_weekday BETWEEN 0 AND 6', name=op.f('ck_skm_response_local_weekday_range')),
    sa.CheckConstraint('u1 BETWEEN 1 AND 4', name=op.f('ck_skm_response_u1_range')),
    sa.CheckConstraint('u2 BETWEEN 1 AND 4', name=op.f('ck_skm_response_u2_range')),
    sa.CheckConstraint('u3 BETWEEN 1 AND 4', name=op.f('ck_skm_response_u3_range')),
    sa.CheckConstraint('u4 BETWEEN 1 AND 4', name=op.f('ck_skm_response_u4_range')),
    sa.CheckConstraint('u5 BETWEEN 1 AND 4', name=op.f('ck_skm_response_u5_range')),
    sa.CheckConstraint('u6 BETWEEN 1 AND 4', name=op.f('ck_skm_response_u6_range')),
    sa.CheckConstraint('u7 BETWEEN 1 AND 4', name=op.f('ck_skm_response_u7_range')),
    sa.CheckConstraint('u8 BETWEEN 1 AND 4', name=op.f('ck_skm_response_u8_range')),
    sa.CheckConstraint('u9 BETWEEN 1 AND 4', name=op.f('ck_skm_response_u9_range')),
    sa.ForeignKeyConstraint(['counter_id'], ['counter.id'], name=op.f('fk_skm_response_counter_id_counter')),
    sa.ForeignKeyConstraint(['employee_id'], ['employee.id'], name=op.f('fk_skm_response_employee_id_employee')),
    sa.ForeignKeyConstraint(['instansi_id'], ['instansi.id'], name=op.f('fk_skm_response_instansi_id_instansi')),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_skm_response_service_id_service')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_skm_response_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skm_response')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_skm_response_idempotency_key')),
    sa.UniqueConstraint('import_key', name=op.f('uq_skm_response_import_key')),
    sa.UniqueConstraint('ticket_code', name=op.f('uq_skm_response_ticket_code'))
    )
    with op.batch_alter_table('skm_response', schema=None) as batch_op:
        batch_op.create_index('ix_skm_response_counter_date', ['counter_id', 'local_date'], unique=False)
        batch_op.create_index('ix_skm_response_employee_date', ['employee_id', 'local_date'], unique=False)
        batch_op.create_index('ix_skm_response_unit_date', ['unit_id', 'local_date'], unique=False)

    op.create_table('ticket_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('counter_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('first_serial', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('count BETWEEN 1 AND 5000', name=op.f('ck_ticket_batch_count_range')),
    sa.CheckConstraint('first_serial >= 0', name=op.f('ck_ticket_batch_first_serial_min')),
    sa.ForeignKeyConstraint(['counter_id'], ['counter.id'], name=op.f('fk_ticket_batch_counter_id_counter')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_ticket_batch_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_batch')),
    sa.UniqueConstraint('counter_id', 'day', 'first_serial', name=op.f('uq_ticket_batch_counter_id_day_first_serial'))
    )
    with op.batch_alter_table('ticket_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_batch_counter_id'), ['counter_id'], unique=False)

    op.create_table('kiosk_vote',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('counter_id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.Integer(), nullable=False),
    sa.Column('face', sa.SmallInteger(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('local_hour', sa.SmallInteger(), nullable=False),
    sa.Column('local_weekday', sa.SmallInteger(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=True),
    sa.CheckConstraint('face BETWEEN 1 AND 4', name=op.f('ck_kiosk_vote_face_range')),
    sa.CheckConstraint('local_hour BETWEEN 0 AND 23', name=op.f('ck_kiosk_vote_local_hour_range')),
    sa.CheckConstraint('local_weekday BETWEEN 0 AND 6', name=op.f('ck_kiosk_vote_local_weekday_range')),
    sa.ForeignKeyConstraint(['counter_id'], ['counter.id'], name=op.f('fk_kiosk_vote_counter_id_counter')),
    sa.ForeignKeyConstraint(['device_id'], ['kiosk_device.id'], name=op.f('fk_kiosk_vote_device_id_kiosk_device')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_kiosk_vote_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kiosk_vote')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_kiosk_vote_idempotency_key'))
    )
    with op.batch_alter_table('kiosk_vote', schema=None) as batch_op:
        batch_op.create_index('ix_kiosk_vote_counter_date', ['counter_id', 'local_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_kiosk_vote_device_id'), ['device_id'], unique=False)
        batch_op.create_index('ix_kiosk_vote_unit_date', ['unit_id', 'local_date'], unique=False)

    op.create_table('skm_comment',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('response_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('counter_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('purged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('response_note', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('baru', 'ditindaklanjuti', 'selesai')", name=op.f('ck_skm_comment_status_known')),
    sa.ForeignKeyConstraint(['assignee_id'], ['employee.id'], name=op.f('fk_skm_comment_assignee_id_employee')),
    sa.ForeignKeyConstraint(['counter_id'], ['counter.id'], name=op.f('fk_skm_comment_counter_id_counter')),
    sa.ForeignKeyConstraint(['response_id'], ['skm_response.id'], name=op.f('fk_skm_comment_response_id_skm_response')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_skm_comment_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skm_comment')),
    sa.UniqueConstraint('response_id', name=op.f('uq_skm_comment_response_id'))
    )
    with op.batch_alter_table('skm_comment', schema=None) as batch_op:
        batch_op.create_index('ix_skm_comment_unit_status', ['unit_id', 'status', 'created_at'], unique=False)

    # Existing employees get a random name-plate code before the column becomes required.
    with op.batch_alter_table('employee', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_code', sa.String(length=12), nullable=True))
    connection = op.get_bind()
    employee = sa.table('employee', sa.column('id', sa.Integer), sa.column('public_code', sa.String))
    used = set()
    for (employee_id,) in connection.execute(sa.select(employee.c.id)).all():
        code = _new_code(used)
        connection.execute(employee.update().where(employee.c.id == employee_id).values(public_code=code))
    with op.batch_alter_table('employee', schema=None) as batch_op:
        batch_op.alter_column('public_code', existing_type=sa.String(length=12), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_employee_public_code'), ['public_code'])

    with op.batch_alter_table('instansi', schema=None) as batch_op:
        batch_op.add_column(sa.Column('officer_unsur', sa.String(length=20), nullable=False, server_default='U6,U7'))

    _create_immutability_trigger()


def _new_code(used):
    alphabet = "23456789abcdefghjkmnpqrstuvwxyz"
    while True:
        code = "".join(secrets.choice(alphabet) for _ in range(8))
        if code not in used:
            used.add(code)
            return code


ANSWER_COLUMNS = "instansi_id, unit_id, counter_id, service_id, employee_id, submitted_at, local_date, " \
    "u1, u2, u3, u4, u5, u6, u7, u8, u9, channel, ticket_code, idempotency_key, import_key"


def _create_immutability_trigger():
    """A stored SKM response cannot be edited by any path: the database refuses it too."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION skm_response_immutable() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'skm_response rows cannot be edited';
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute(f"""
            CREATE TRIGGER skm_response_no_edit BEFORE UPDATE OF {ANSWER_COLUMNS} ON skm_response
            FOR EACH ROW EXECUTE FUNCTION skm_response_immutable()
        """)
    else:
        op.execute(f"""
            CREATE TRIGGER skm_response_no_edit BEFORE UPDATE OF {ANSWER_COLUMNS} ON skm_response
            BEGIN SELECT RAISE(ABORT, 'skm_response rows cannot be edited'); END
        """)


def _drop_immutability_trigger():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS skm_response_no_edit ON skm_response")
        op.execute("DROP FUNCTION IF EXISTS skm_response_immutable()")
    else:
        op.execute("DROP TRIGGER IF EXISTS skm_response_no_edit")


def downgrade():
    _drop_immutability_trigger()
    with op.batch_alter_table('instansi', schema=None) as batch_op:
        batch_op.drop_column('officer_unsur')

    with op.batch_alter_table('employee', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_employee_public_code'), type_='unique')
        batch_op.drop_column('public_code')

    with op.batch_alter_table('skm_comment', schema=None) as batch_op:
        batch_op.drop_index('ix_skm_comment_unit_status')

    op.drop_table('skm_comment')
    with op.batch_alter_table('kiosk_vote', schema=None) as batch_op:
        batch_op.drop_index('ix_kiosk_vote_unit_date')
        batch_op.drop_index(batch_op.f('ix_kiosk_vote_device_id'))
        batch_op.drop_index('ix_kiosk_vote_counter_date')

    op.drop_table('kiosk_vote')
    with op.batch_alter_table('ticket_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_batch_counter_id'))

    op.drop_table('ticket_batch')
    with op.batch_alter_table('skm_response', schema=None) as batch_op:
        batch_op.drop_index('ix_skm_response_unit_date')
        batch_op.drop_index('ix_skm_response_employee_date')
        batch_op.drop_index('ix_skm_response_counter_date')

    op.drop_table('skm_response')
    with op.batch_alter_table('skm_hourly', schema=None) as batch_op:
        batch_op.drop_index('ix_skm_hourly_unit_date')

    op.drop_table('skm_hourly')
    with op.batch_alter_table('skm_daily', schema=None) as batch_op:
        batch_op.drop_index('ix_skm_daily_unit_date')
        batch_op.drop_index('ix_skm_daily_employee_date')

    op.drop_table('skm_daily')
    with op.batch_alter_table('kiosk_pairing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kiosk_pairing_counter_id'))

    op.drop_table('kiosk_pairing')
    with op.batch_alter_table('kiosk_device', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kiosk_device_counter_id'))

    op.drop_table('kiosk_device')

"""sessions that end, single-use TOTP codes, login delays per client, first password

The account lockout (failed_logins, locked_until) gives way to delays per account name and
client (login_failure); accounts get a session generation, the last accepted TOTP step, and the
flag that asks for a new password at the next login.

Revision ID: 28471e23bb7d
Revises: b131a586fefa
Create Date: 2026-12-03 17:30:23.382281

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '28471e23bb7d'
down_revision = 'b131a586fefa'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_key', sa.String(length=64), nullable=False),
    sa.Column('client_key', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failure')),
    sa.UniqueConstraint('account_key', 'client_key', name=op.f('uq_login_failure_account_key_client_key'))
    )
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_failure_last_failure_at'), ['last_failure_at'], unique=False)

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('totp_last_step', sa.BigInteger(), nullable=True))
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')



def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('must_change_password')
        batch_op.drop_column('session_generation')

    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_failure_last_failure_at'))

    op.drop_table('login_failure')

"""kiosk device tokens rotate: a per-device seed and generation, the previous token's grace, why a
device was revoked; the random token of tablets paired before stays usable until their first vote

Revision ID: 4845e0652284
Revises: 27b36053023f
Create Date: 2026-12-03 18:38:19.190694

"""
import hashlib
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4845e0652284'
down_revision = '27b36053023f'
branch_labels = None
depends_on = None

kiosk_device = sa.table(
    'kiosk_device', sa.column('id', sa.Integer()), sa.column('token_seed', sa.String(32)),
    sa.column('token_hash', sa.String(64)), sa.column('revoked_at', sa.DateTime(timezone=True)),
    sa.column('revoked_reason', sa.String(20)),
)


def upgrade():
    with op.batch_alter_table('kiosk_device', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token_seed', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('generation', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('rotated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('revoked_reason', sa.String(length=20), nullable=True))
        batch_op.alter_column('token_hash', existing_type=sa.VARCHAR(length=64), nullable=True)
    bind = op.get_bind()
    for (device_id,) in bind.execute(sa.select(kiosk_device.c.id)).all():
        bind.execute(kiosk_device.update().where(kiosk_device.c.id == device_id)
                     .values(token_seed=secrets.token_hex(16)))
    bind.execute(kiosk_device.update().where(kiosk_device.c.revoked_at.is_not(None)).values(revoked_reason='manual'))
    with op.batch_alter_table('kiosk_device', schema=None) as batch_op:
        batch_op.alter_column('token_seed', existing_type=sa.String(length=32), nullable=False)
        batch_op.alter_column('generation', existing_type=sa.Integer(), server_default=None)


def downgrade():
    # A tablet paired since has no random token: it gets an unusable one and must be paired again.
    bind = op.get_bind()
    for (device_id,) in bind.execute(sa.select(kiosk_device.c.id).where(kiosk_device.c.token_hash.is_(None))).all():
        bind.execute(kiosk_device.update().where(kiosk_device.c.id == device_id)
                     .values(token_hash=hashlib.sha256(secrets.token_bytes(32)).hexdigest()))
    with op.batch_alter_table('kiosk_device', schema=None) as batch_op:
        batch_op.alter_column('token_hash', existing_type=sa.VARCHAR(length=64), nullable=False)
        batch_op.drop_column('revoked_reason')
        batch_op.drop_column('rotated_at')
        batch_op.drop_column('generation')
        batch_op.drop_column('token_seed')

"""kiosk daily rollup

Revision ID: 5b65cc2ef7ac
Revises: 672e93e9b837
Create Date: 2026-11-22 15:24:20.966740

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b65cc2ef7ac'
down_revision = '672e93e9b837'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kiosk_daily',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('counter_id', sa.Integer(), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('f1', sa.Integer(), nullable=False),
    sa.Column('f2', sa.Integer(), nullable=False),
    sa.Column('f3', sa.Integer(), nullable=False),
    sa.Column('f4', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['counter_id'], ['counter.id'], name=op.f('fk_kiosk_daily_counter_id_counter')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_kiosk_daily_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kiosk_daily')),
    sa.UniqueConstraint('counter_id', 'local_date', name=op.f('uq_kiosk_daily_counter_id_local_date'))
    )
    with op.batch_alter_table('kiosk_daily', schema=None) as batch_op:
        batch_op.create_index('ix_kiosk_daily_unit_date', ['unit_id', 'local_date'], unique=False)

    # Votes stored before the rollup existed are counted into it.
    op.execute("""
        INSERT INTO kiosk_daily (unit_id, counter_id, local_date, f1, f2, f3, f4)
        SELECT unit_id, counter_id, local_date,
               SUM(CASE WHEN face = 1 THEN 1 ELSE 0 END), SUM(CASE WHEN face = 2 THEN 1 ELSE 0 END),
               SUM(CASE WHEN face = 3 THEN 1 ELSE 0 END), SUM(CASE WHEN face = 4 THEN 1 ELSE 0 END)
        FROM kiosk_vote GROUP BY unit_id, counter_id, local_date
    """)


def downgrade():
    with op.batch_alter_table('kiosk_daily', schema=None) as batch_op:
        batch_op.drop_index('ix_kiosk_daily_unit_date')

    op.drop_table('kiosk_daily')

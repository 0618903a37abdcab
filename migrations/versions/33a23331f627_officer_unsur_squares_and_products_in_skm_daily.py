"""officer unsur squares and products in skm_daily (the spread of officer scores)

Revision ID: 33a23331f627
Revises: 7bdc4839d01f
Create Date: 2026-12-04 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '33a23331f627'
down_revision = '7bdc4839d01f'
branch_labels = None
depends_on = None

COLUMNS = ('q3', 'q6', 'q7', 'p36', 'p37', 'p67')
TERMS = ('u3 * u3', 'u6 * u6', 'u7 * u7', 'u3 * u6', 'u3 * u7', 'u6 * u7')


def upgrade():
    with op.batch_alter_table('skm_daily', schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Integer(), server_default='0', nullable=False))

    # Rollup rows written before these columns existed get their sums from their responses.
    sums = ', '.join(f'COALESCE(SUM({term}), 0)' for term in TERMS)
    op.execute(f"""
        UPDATE skm_daily SET ({', '.join(COLUMNS)}) = (
            SELECT {sums} FROM skm_response r
            WHERE r.counter_id = skm_daily.counter_id AND COALESCE(r.service_id, 0) = skm_daily.service_key
              AND COALESCE(r.employee_id, 0) = skm_daily.employee_key AND r.local_date = skm_daily.local_date)
    """)


def downgrade():
    with op.batch_alter_table('skm_daily', schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)

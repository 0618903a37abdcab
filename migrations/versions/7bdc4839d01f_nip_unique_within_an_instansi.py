"""A NIP is unique within an instansi (it was unique across the portal, so importing one that another
instansi held revealed that it did)

Revision ID: 7bdc4839d01f
Revises: 4845e0652284
Create Date: 2026-12-03 18:49:35.753381

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7bdc4839d01f'
down_revision = '4845e0652284'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('employee', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_employee_nip'), type_='unique')
        batch_op.create_index(batch_op.f('ix_employee_nip'), ['nip'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_employee_instansi_id_nip'), ['instansi_id', 'nip'])


def downgrade():
    # Fails while two instansi hold the same NIP: merge or renumber those employees first.
    with op.batch_alter_table('employee', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_employee_instansi_id_nip'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_employee_nip'))
        batch_op.create_unique_constraint(batch_op.f('uq_employee_nip'), ['nip'])

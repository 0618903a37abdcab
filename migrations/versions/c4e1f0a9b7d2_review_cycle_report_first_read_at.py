"""review cycle: when a report of it was first read or exported (reopening a closed cycle is refused after)

Revision ID: c4e1f0a9b7d2
Revises: 2674d26296a5
Create Date: 2026-12-04 12:55:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c4e1f0a9b7d2'
down_revision = '2674d26296a5'
branch_labels = None
depends_on = None


def _timestamp() -> str:
    return "TIMESTAMP WITH TIME ZONE" if op.get_bind().dialect.name == "postgresql" else "DATETIME"


def upgrade():
    # Added and dropped in place: rebuilding review_cycle on SQLite would cascade to its children.
    op.execute(f"ALTER TABLE review_cycle ADD COLUMN report_first_read_at {_timestamp()}")


def downgrade():
    op.execute("ALTER TABLE review_cycle DROP COLUMN report_first_read_at")

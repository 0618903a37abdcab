"""Adding to rollup rows in the writer's own transaction: INSERT … ON CONFLICT DO UPDATE."""
from __future__ import annotations

from portal.extensions import db


def upsert_increments(model, keys: tuple[str, ...], increments: tuple[str, ...], rows: list[dict]) -> None:
    """Add each row's increments to the rollup row with the same keys (creating it when missing),
    for many rows in one executemany, on SQLite and PostgreSQL alike. `unit_id` rides along and
    is not part of the conflict target."""
    if not rows:
        return
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(model)
    statement = statement.on_conflict_do_update(
        index_elements=[c for c in keys if c != "unit_id"],
        set_={name: getattr(model, name) + statement.excluded[name] for name in increments},
    )
    db.session.execute(statement, rows)

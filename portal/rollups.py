"""Adding to rollup rows in the writer's own transaction: INSERT … ON CONFLICT DO UPDATE."""
from __future__ import annotations

from functools import lru_cache

from portal.extensions import db
from portal.sql import dialect_insert, execute_core, frozen_statement


def upsert_increments(model, keys: tuple[str, ...], increments: tuple[str, ...], rows: list[dict]) -> None:
    """Add each row's increments to the rollup row with the same keys (creating it when missing),
    for many rows in one executemany, on SQLite and PostgreSQL alike. `unit_id` rides along and
    is not part of the conflict target."""
    if not rows:
        return
    statement = _upsert(model.__table__, tuple(keys), tuple(increments), db.session.get_bind().dialect.name)
    execute_core(statement, rows if len(rows) > 1 else rows[0])


@lru_cache(maxsize=None)
def _upsert(table, keys: tuple[str, ...], increments: tuple[str, ...], dialect: str):
    """The statement, compiled once per rollup table and dialect."""
    return frozen_statement(adding(dialect_insert(table, dialect), keys, increments), dialect, keys + increments)


def adding(statement, keys: tuple[str, ...], increments: tuple[str, ...]):
    """A dialect's INSERT into a rollup table (VALUES or a SELECT) that adds its `increments` to
    the row with the same `keys` when there is one: ON CONFLICT … DO UPDATE SET n = n + excluded.n.
    `unit_id` rides along and is not part of the conflict target."""
    table = statement.table
    return statement.on_conflict_do_update(
        index_elements=[c for c in keys if c != "unit_id"],
        set_={name: table.c[name] + statement.excluded[name] for name in increments},
    )

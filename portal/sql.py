"""Core statements on the request's session, for the hottest paths: run without the ORM's
per-execution work, INSERT … ON CONFLICT for either database, and such statements compiled once.

Above `portal/extensions.py` (it runs on its session), which sits above `portal/db.py`.
"""
from __future__ import annotations

from portal.caches import note_write
from portal.extensions import db


def execute_core(statement, parameters=None):
    """Run a Core statement (built once, at import) on the session's connection, in its transaction.

    For the hottest paths (the citizen's form): it skips the ORM's per-execution work that
    `db.session.execute` does. Pending ORM changes are flushed first, as autoflush would.
    """
    session = db.session()
    session.flush()
    note_write(session, statement)
    return session.connection().execute(statement, parameters)


def dialect_insert(table, dialect_name: str):
    """An INSERT into `table` that can take ON CONFLICT clauses, for SQLite or PostgreSQL."""
    if dialect_name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def frozen_statement(statement, dialect_name: str, column_keys: tuple[str, ...]):
    """A statement that SQLAlchemy 2.0 compiles anew on every execution, compiled once instead.

    INSERT … ON CONFLICT (the dialects' `insert`) has no cache key, so each execution pays a full
    compile. Compiled here for the given columns, it becomes a `text()` with the columns' types on
    its parameters (so dates and UTC timestamps are converted as usual), which SQLAlchemy caches.
    Build it once per statement and dialect (`functools.lru_cache`).
    """
    from sqlalchemy import bindparam, text

    # for_executemany: no implicit RETURNING of the primary key (only what the statement asks for).
    sql = str(statement.compile(dialect=_named(dialect_name), column_keys=list(column_keys), for_executemany=True))
    table = statement.table
    return text(sql).bindparams(*(bindparam(key, type_=table.c[key].type) for key in column_keys))


def frozen(statement, dialect_name: str):
    """Any statement compiled once for the dialect, as a `text()` whose parameters keep the types
    they had in it (every parameter named: a literal in it must be written in, `literal_column`).
    For statements SQLAlchemy compiles anew on every execution (INSERT … SELECT … ON CONFLICT,
    CTEs that write) or that are long to compile. Build it once (`functools.lru_cache`)."""
    from sqlalchemy import bindparam, text

    compiled = statement.compile(dialect=_named(dialect_name))
    return text(str(compiled)).bindparams(*(bindparam(name, type_=bind.type) for name, bind in compiled.binds.items()))


def _named(dialect_name: str):
    from sqlalchemy.dialects import postgresql, sqlite

    return (postgresql if dialect_name == "postgresql" else sqlite).dialect(paramstyle="named")

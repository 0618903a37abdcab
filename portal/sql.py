"""Core statements on the request's session, for the hottest paths: run without the ORM's
per-execution work, INSERT … ON CONFLICT for either database, and such statements compiled once.

Above `portal/extensions.py` (it runs on its session), which sits above `portal/db.py`.
"""
from __future__ import annotations

from sqlalchemy.exc import DBAPIError, MultipleResultsFound, NoResultFound, StatementError
from sqlalchemy.sql.elements import TextClause

from portal.caches import note_write
from portal.extensions import db


def execute_core(statement, parameters=None):
    """Run a Core statement (built once, at import) on the session's connection, in its transaction.

    For the hottest paths (the citizen's form): it skips the ORM's per-execution work that
    `db.session.execute` does. Pending ORM changes are flushed first, as autoflush would.

    On SQLite, a frozen statement (`frozen`, `frozen_statement`, any `text()`) with one set of
    parameters runs on the driver's cursor itself (`_on_sqlite_cursor`): the same SQL and the
    same converted parameters, without the engine's per-execution work, which cost the citizen's
    answer more than its statements did. Its rows are plain tuples, as a `text()`'s rows hold
    the driver's values anyway.
    """
    session = db.session()
    session.flush()
    note_write(session, statement)
    connection = session.connection()
    if type(statement) is TextClause and type(parameters) is dict and _plain_sqlite(connection):
        return _on_sqlite_cursor(connection, statement, parameters)
    return connection.execute(statement, parameters)


def _plain_sqlite(connection) -> bool:
    """Whether the connection is SQLite's with nobody watching its statements (an `echo`, or a
    listener of the cursor's events, as the tests' statement counters are): those see every
    statement through the engine."""
    dispatch = connection.dispatch
    return (connection.dialect.name == "sqlite" and not connection.engine.echo
            and not dispatch.before_cursor_execute and not dispatch.after_cursor_execute)


#: A frozen statement's SQL with named placeholders and its parameters' converters, by statement.
_CURSOR_FORMS: dict[TextClause, tuple[str, tuple]] = {}


def _cursor_form(statement: TextClause, dialect) -> tuple[str, tuple]:
    form = _CURSOR_FORMS.get(statement)
    if form is None:
        compiled = statement.compile(dialect=_named("sqlite"))
        # Each parameter converted by its type as the engine would (a UTC timestamp to SQLite's text).
        form = _CURSOR_FORMS[statement] = (str(compiled), tuple(
            (name, bind.type._cached_bind_processor(dialect)) for name, bind in compiled.binds.items()))
    return form


def _on_sqlite_cursor(connection, statement: TextClause, parameters: dict) -> CursorRows:
    """Run a frozen statement on the SQLite driver's cursor, in the connection's transaction, and
    fetch its rows at once (a RETURNING statement is finished before the next one). A driver's
    error is raised as the engine raises it (`sqlalchemy.exc.DBAPIError` and its kinds), so
    that the portal's error pages treat it alike."""
    sql, converters = _cursor_form(statement, connection.dialect)
    try:
        values = {name: convert(parameters[name]) if convert else parameters[name] for name, convert in converters}
    except KeyError as missing:
        raise StatementError(f"A value is required for bind parameter {missing}", sql, parameters, None) from None
    driver = connection.connection.dbapi_connection
    try:
        cursor = driver.cursor()
        try:
            cursor.execute(sql, values)
            return CursorRows(cursor.fetchall())
        finally:
            cursor.close()
    except connection.dialect.loaded_dbapi.Error as error:
        raise DBAPIError.instance(sql, values, error, connection.dialect.loaded_dbapi.Error,
                                  dialect=connection.dialect) from error


class CursorRows:
    """The rows of a statement run on the driver's cursor: what callers read of a result."""

    __slots__ = ("rows",)

    def __init__(self, rows: list[tuple]):
        self.rows = rows

    def __iter__(self):
        return iter(self.rows)

    def all(self) -> list[tuple]:
        return list(self.rows)

    def first(self) -> tuple | None:
        return self.rows[0] if self.rows else None

    def one(self) -> tuple:
        if not self.rows:
            raise NoResultFound("No row was found when one was required")
        if len(self.rows) > 1:
            raise MultipleResultsFound("Multiple rows were found when exactly one was required")
        return self.rows[0]

    def scalar(self):
        return self.rows[0][0] if self.rows else None


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

"""Core statements on the request's session, for the hottest paths: run without the ORM's
per-execution work, INSERT … ON CONFLICT for either database, and such statements compiled once.

Above `portal/extensions.py` (it runs on its session), which sits above `portal/db.py`.
"""
from __future__ import annotations

from collections import namedtuple
from functools import lru_cache

from sqlalchemy.exc import MultipleResultsFound, NoResultFound, StatementError
from sqlalchemy.sql.elements import TextClause

from portal.caches import note_write
from portal.extensions import db


def execute_core(statement, parameters=None):
    """Run a Core statement (built once, at import) on the session's connection, in its transaction.

    For the hottest paths (the citizen's form): it skips the ORM's per-execution work that
    `db.session.execute` does. Pending ORM changes are flushed first, as autoflush would.

    A frozen statement (`frozen`, `frozen_statement`, any `text()`) with one set of parameters
    runs on the driver's cursor itself (`_on_driver_cursor`): the same SQL and the same converted
    parameters, without the engine's per-execution work, which cost the citizen's answer on
    SQLite more than its statements did. Its rows hold the driver's values, as a `text()`'s rows
    do anyway, by position and by name.
    """
    session = db.session()
    session.flush()
    note_write(session, statement)
    connection = session.connection()
    if type(statement) is TextClause and type(parameters) is dict and _unwatched(connection):
        return _on_driver_cursor(connection, statement, parameters)
    return connection.execute(statement, parameters)


def _unwatched(connection) -> bool:
    """Whether nobody watches the connection's statements (an `echo`, or a listener of the
    cursor's events, as the tests' statement counters are): those see every statement through
    the engine."""
    dispatch = connection.dispatch
    return (connection.dialect.name in _DRIVERS and not connection.engine.echo
            and not dispatch.before_cursor_execute and not dispatch.after_cursor_execute)


#: The drivers whose cursors take a frozen statement's named parameters as a dict: pysqlite
#: (`:name`) and psycopg (`%(name)s`).
_DRIVERS = ("sqlite", "postgresql")

#: A frozen statement's form for the driver, by statement and dialect (`_cursor_form`).
_CURSOR_FORMS: dict[tuple, list] = {}


def _cursor_form(statement: TextClause, dialect) -> list:
    """[the SQL as the driver takes it, its parameters' converters, the names of its columns]: the
    names, None for a statement that returns no rows, are known after its first run (psycopg
    builds a description anew each time it is asked)."""
    form = _CURSOR_FORMS.get((statement, dialect.name))
    if form is None:
        # SQLite's driver takes `:name` as well as the engine's `?`; psycopg's is the engine's own.
        compiled = statement.compile(dialect=_named("sqlite") if dialect.name == "sqlite" else dialect)
        # Each parameter converted by its type as the engine would (a UTC timestamp to SQLite's text).
        form = _CURSOR_FORMS[(statement, dialect.name)] = [str(compiled), tuple(
            (name, bind.type._cached_bind_processor(dialect)) for name, bind in compiled.binds.items()), _UNKNOWN]
    return form


_UNKNOWN = object()


def _on_driver_cursor(connection, statement: TextClause, parameters: dict) -> CursorRows:
    """Run a frozen statement on the driver's cursor, in the connection's transaction, and fetch
    its rows at once (a RETURNING statement is finished before the next one). A driver's error
    goes through the engine's own handling: raised as `sqlalchemy.exc.DBAPIError` and its kinds,
    a lost connection invalidated with its pool, as for any statement, so that the portal's error
    pages and the pool's recovery treat it alike."""
    form = _cursor_form(statement, connection.dialect)
    sql, converters, names = form
    try:
        values = {name: convert(parameters[name]) if convert else parameters[name] for name, convert in converters}
    except KeyError as missing:
        raise StatementError(f"A value is required for bind parameter {missing}", sql, parameters, None) from None
    cursor = None
    try:
        cursor = connection.connection.dbapi_connection.cursor()
        cursor.execute(sql, values)
        if names is _UNKNOWN:
            description = cursor.description
            names = form[2] = tuple(column[0] for column in description) if description is not None else None
        rows = cursor.fetchall() if names is not None else []
        cursor.close()
    except connection.dialect.loaded_dbapi.Error as error:
        connection._handle_dbapi_exception(error, sql, values, cursor, None)  # raises
        raise
    return CursorRows(rows, names or ())


class CursorRows:
    """The rows of a statement run on the driver's cursor: what callers read of a result. Each
    row is a tuple whose columns are also attributes (and `_mapping`), as SQLAlchemy's rows."""

    __slots__ = ("rows",)

    def __init__(self, rows: list[tuple], names: tuple[str, ...] = ()):
        self.rows = [_row_class(names)._make(row) for row in rows] if rows else rows

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


@lru_cache(maxsize=256)
def _row_class(names: tuple[str, ...]):
    """A named tuple for rows with these column names (a name that is no identifier is reached by
    position and through `_mapping`)."""
    base = namedtuple("CursorRow", names, rename=True)

    class CursorRow(base):
        __slots__ = ()

        @property
        def _mapping(self) -> dict:
            return dict(zip(names, self))

    return CursorRow


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

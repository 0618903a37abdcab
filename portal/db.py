"""Declarative base, naming convention and database-level helpers."""
from __future__ import annotations

import fcntl
import os
import threading
import time
from datetime import datetime, timezone

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from portal import clock

# Stable constraint names across SQLite and PostgreSQL, so migrations can name them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return clock.now()


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware.

    SQLite has no time zones; this keeps both databases giving the same aware values.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """Foreign keys, WAL and real transactions for SQLite connections."""
    import sqlite3

    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy, not pysqlite, decide where transactions begin (needed for SAVEPOINT).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    if not _is_memory(dbapi_connection):
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _is_memory(dbapi_connection) -> bool:
    cursor = dbapi_connection.cursor()
    try:
        rows = cursor.execute("PRAGMA database_list").fetchall()
    finally:
        cursor.close()
    return any(row[1] == "main" and not row[2] for row in rows)


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    if conn.dialect.name == "sqlite":
        # A request that writes takes the write lock up front: a deferred transaction that read
        # first could not upgrade after another worker's commit ("database is locked" at once),
        # while BEGIN IMMEDIATE simply waits its turn.
        if _request_writes():
            _join_write_queue(conn)
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif _request_reads_first():
            # The checks of a `read_before_writing` request: each read on its own (SQLite's
            # autocommit), no BEGIN and no ROLLBACK to send; `start_writing` begins the writing.
            conn.info["cermin_reading"] = True
        else:
            conn.exec_driver_sql("BEGIN")


def _request_reads_first() -> bool:
    from flask import g, has_request_context

    return has_request_context() and bool(g.get("cermin_reads_first"))


def _request_writes() -> bool:
    from flask import g, has_request_context, request

    return (has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")
            and not g.get("cermin_reads_first"))


def read_before_writing() -> None:
    """Say that this request reads before it writes (the citizen's POST: the loket, the form key,
    the roster), so that on SQLite its reads run outside any transaction, holding no write lock
    (each is consistent on its own, which is all the checks need); `start_writing` then begins the
    transaction, with the write lock. Writers queue for the lock only for their writes, not for
    the checks before them."""
    from flask import g

    g.cermin_reads_first = True


def own_session(session):
    """The request's own session, if given the scoped one (`db.session`)."""
    return session() if hasattr(session, "registry") else session


def start_writing(session) -> None:
    """End the reading start of a `read_before_writing` request (nothing was written in it) and
    begin the writing transaction, which on SQLite waits for the write lock: when this returns,
    the lock is held. Elsewhere (PostgreSQL, other requests) nothing changes."""
    from flask import g, has_request_context

    if not (has_request_context() and g.pop("cermin_reads_first", False)):
        return
    session = own_session(session)
    if session.get_bind().dialect.name != "sqlite":
        return
    if not session.in_transaction():
        session.connection()  # BEGIN IMMEDIATE, now (the flag is gone)
        return
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("start_writing after a write: the request must only have read")
    connection = session.connection()
    if connection.in_nested_transaction():
        # Inside a savepoint (a test's transaction): end it and begin another the ORM's way.
        session.rollback()
        session.connection()
        return
    # The connection stays: under SQLAlchemy's transaction, which goes on, the writing one begins
    # (after the reads, which ran outside any: nothing to end; a read transaction begun some other
    # way is rolled back first). SQLAlchemy's commit or rollback ends it (pysqlite commits or rolls
    # back whatever transaction the connection is in), and its events give the place in the queue
    # up, as for any writer.
    if not connection.info.pop("cermin_reading", False):
        connection.exec_driver_sql("ROLLBACK")
    _join_write_queue(connection)
    connection.exec_driver_sql("BEGIN IMMEDIATE")


# --- SQLite's writers wait in a queue -----------------------------------------------------------
#
# SQLite's own wait for the write lock (busy_timeout) polls: a writer that finds the lock taken
# sleeps 1, 2, 5, 10, … up to 100 ms between tries, so under load an unlucky request sleeps again
# and again while others get in (the citizen's POST had a p99 of seconds at 200 a second). Before
# BEGIN IMMEDIATE, a request that writes takes an flock on a file beside the database, polled
# every 0.5 to 4 ms for at most QUEUE_WAIT seconds, and gives it up when SQLAlchemy is about to
# commit or roll back (its events fire just before the COMMIT: the next writer may still meet
# SQLite's lock for that instant, and busy_timeout covers it). Between processes (gunicorn's
# workers) and threads alike. flock blocks the process, so this suits threaded workers, not
# gevent or eventlet ones.

_queue_held = threading.local()
#: Seconds a writer waits for its place in the queue (SQLite's busy_timeout is 10 s).
QUEUE_WAIT = 10.0


def _queue_path(conn) -> str | None:
    database = conn.engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return f"{database}-writers"


def _join_write_queue(conn) -> None:
    path = _queue_path(conn)
    # One place in the queue per thread: a second connection in the same request (there should
    # be none) falls back to busy_timeout instead of waiting for itself.
    if path is None or getattr(_queue_held, "fd", None) is not None:
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    # Bounded like busy_timeout: behind a long writer (a merge or an import on SQLite) a request
    # gives up its place after QUEUE_WAIT seconds and waits on SQLite's own terms instead, rather
    # than blocking a worker thread for as long as the other runs. The polls stay short.
    deadline = time.monotonic() + QUEUE_WAIT
    pause = 0.0005
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    return
                time.sleep(pause)
                pause = min(2 * pause, 0.004)
    except BaseException:
        os.close(fd)
        raise
    _queue_held.fd = fd
    conn.info["write_queue_fd"] = fd


def _leave_write_queue(info: dict) -> None:
    fd = info.pop("write_queue_fd", None)
    if fd is not None:
        if getattr(_queue_held, "fd", None) == fd:
            _queue_held.fd = None
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _transaction_ends(conn) -> None:
    # An invalidated connection (its database went away) has no info to read: the pool's
    # invalidate event below gives its place up.
    if conn.dialect.name == "sqlite" and not conn.invalidated:
        conn.info.pop("cermin_reading", None)
        _leave_write_queue(conn.info)


# However a transaction ends (an error that closed the connection, a reset on return to the
# pool), the place in the queue is given up when the connection goes back or goes away.
@event.listens_for(Pool, "checkin")
def _sqlite_checkin(dbapi_connection, connection_record):
    if connection_record is not None:
        _leave_write_queue(connection_record.info)


@event.listens_for(Pool, "invalidate")
def _sqlite_invalidate(dbapi_connection, connection_record, exception):
    _leave_write_queue(connection_record.info)


@event.listens_for(Pool, "close")
def _sqlite_close(dbapi_connection, connection_record):
    _leave_write_queue(connection_record.info)


# --- server connections: pinged after a rest ------------------------------------------------------

#: A pooled server connection that has rested longer than this is pinged before it is used. One
#: taken again at once, under load, is not: a round trip saved on every request.
PING_AFTER_SECONDS = 2.0


def ping_rested_connections(engine, after: float | None = None) -> None:
    """Ping a server's pooled connection before use only when it has rested in the pool for
    `after` seconds (a connection dropped by a firewall or a restart while idle is replaced
    before a request meets it). A connection lost while the portal is busy fails the request
    that meets it with the friendly 503 (`portal/errors.py`), and SQLAlchemy then replaces
    every connection of the pool taken before the loss."""
    if engine.dialect.name == "sqlite":
        return
    after = PING_AFTER_SECONDS if after is None else after

    @event.listens_for(engine.pool, "checkin")
    def _rests(dbapi_connection, connection_record):
        if connection_record is not None:
            connection_record.info["cermin_rests_since"] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _ping_if_rested(dbapi_connection, connection_record, connection_proxy):
        since = connection_record.info.pop("cermin_rests_since", None)
        if since is None or time.monotonic() - since < after:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool closes this one and checks out another (SQLAlchemy's documented recipe).
            raise DisconnectionError() from error


# --- server statements: parsed once ---------------------------------------------------------------

#: psycopg keeps the parsed form of a statement (its placeholders found and converted) only up to
#: this length in bytes; the portal's longest fixed statement, the citizen's answer, is about 6.5 KB.
PARSED_STATEMENT_BYTES = 16384


def keep_long_statements_parsed() -> None:
    """Let psycopg remember the parsed form of statements up to PARSED_STATEMENT_BYTES instead of
    its 4 KB (`psycopg._queries.MAX_CACHED_STATEMENT_LENGTH`, a guard against an ORM's ever-new
    bulk INSERTs; the portal's long statements are few and fixed). Its cache keeps its size (128
    statements). Should psycopg rename the setting, nothing breaks: long statements are parsed
    anew, as before."""
    try:
        from psycopg import _queries
    except ImportError:  # no psycopg: SQLite only
        return
    if getattr(_queries, "MAX_CACHED_STATEMENT_LENGTH", PARSED_STATEMENT_BYTES) < PARSED_STATEMENT_BYTES:
        _queries.MAX_CACHED_STATEMENT_LENGTH = PARSED_STATEMENT_BYTES

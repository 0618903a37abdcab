"""A server's pooled connections: pinged before use only after a rest, so a connection dropped
while idle is replaced unseen, and one dropped while the portal is busy costs one friendly 503
(`portal.db.ping_rested_connections`). PostgreSQL only: a SQLite file has no connection to lose."""
import sys

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from portal.db import ping_rested_connections
from tests.conftest import dispose, make_app

BACKEND = text("SELECT pg_backend_pid()")


@pytest.fixture(scope="module")
def server_url(postgres, new_database):
    if postgres is None:
        pytest.skip("a server's pooled connections: PostgreSQL only")
    return new_database("cermin_pool")


@pytest.fixture
def drop(server_url):
    """`drop(pid)`: the server ends that backend, as a restart or a firewall would."""
    killer = create_engine(server_url, poolclass=NullPool)

    def end(pid: int) -> None:
        with killer.connect() as connection:
            assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()

    yield end
    killer.dispose()


def _backend(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(BACKEND).scalar()


def test_a_rested_connection_dropped_by_the_server_is_replaced_before_use(server_url, drop):
    engine = create_engine(server_url, pool_size=1, max_overflow=0)
    ping_rested_connections(engine, after=0.0)
    first = _backend(engine)
    drop(first)
    assert _backend(engine) != first  # pinged, found dead, replaced: the caller saw nothing
    engine.dispose()


def test_a_connection_taken_again_at_once_is_not_pinged_and_its_loss_fails_one_use(server_url, drop):
    engine = create_engine(server_url, pool_size=1, max_overflow=0)
    ping_rested_connections(engine, after=3600.0)
    statements: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _seen(conn, cursor, statement, *args):
        statements.append(statement)

    first = _backend(engine)
    assert _backend(engine) == first and statements == [BACKEND.text] * 2  # no ping between
    drop(first)
    with pytest.raises(DBAPIError) as lost:
        _backend(engine)
    assert lost.value.connection_invalidated
    assert _backend(engine) != first  # the pool replaced it
    engine.dispose()


def test_the_portal_pings_after_a_rest_and_serves_through_a_dropped_connection(server_url, drop, monkeypatch):
    monkeypatch.setattr(sys.modules["portal.db"], "PING_AFTER_SECONDS", 0.0)  # (the package's `db` is the extension)
    app = make_app(server_url)
    with app.app_context():
        from portal.extensions import db

        assert not db.engine.pool._pre_ping  # no ping on every checkout
        first = _backend(db.engine)
    drop(first)
    response = app.test_client().get("/healthz")
    assert response.status_code == 200 and response.json["database"] == "ok"
    dispose(app)


def test_the_portal_answers_a_connection_lost_under_load_with_the_friendly_503(server_url, drop):
    app = make_app(server_url)
    client = app.test_client()
    with app.app_context():
        from portal.extensions import db

        first = _backend(db.engine)
    drop(first)
    lost = client.get("/s/TIDAK-ADA-POOL", headers={"Accept-Language": "id"})
    assert lost.status_code == 503 and lost.headers["Retry-After"] == "5"
    assert "Layanan sedang tidak tersedia" in lost.get_data(as_text=True)
    assert client.get("/s/TIDAK-ADA-POOL").status_code == 404  # the next request has a new connection
    dispose(app)


def test_the_citizens_long_statement_is_parsed_once(server_url, monkeypatch):
    """psycopg parses a statement's placeholders anew on every execution when it is longer than
    its bound; the portal raises the bound (`portal.db.keep_long_statements_parsed`) so that the
    citizen's answer, one statement of some 6.5 KB, is parsed once."""
    from psycopg import _queries
    from psycopg.adapt import Transformer

    from portal.feedback.services import _store_counted_postgres

    make_app(server_url)  # sets the bound
    statement = str(_store_counted_postgres(True)).encode()
    assert 4096 < len(statement) <= _queries.MAX_CACHED_STATEMENT_LENGTH
    parsed_anew: list[int] = []
    original = _queries._query2pg_nocache
    monkeypatch.setattr(_queries, "_query2pg_nocache", lambda *args: parsed_anew.append(1) or original(*args))
    as_long = b"SELECT %(a)s" + b" " * len(statement)
    query = _queries.PostgresQuery(Transformer())
    for _ in range(2):
        query.convert(as_long, {"a": 1})
    assert parsed_anew == []


def test_a_connection_lost_under_a_statement_on_the_drivers_cursor_is_replaced(server_url, drop):
    """A frozen statement runs on psycopg's cursor (`portal.sql.execute_core`); when its connection
    is lost, the engine's own handling still runs: the error says the connection was invalidated
    (the friendly 503), and the next transaction has a new connection."""
    from portal.sql import execute_core

    app = make_app(server_url)
    with app.app_context():
        from portal.extensions import db

        first = execute_core(BACKEND, {}).scalar()
        db.session.commit()
        drop(first)
        with pytest.raises(DBAPIError) as lost:
            execute_core(BACKEND, {})
        assert lost.value.connection_invalidated
        db.session.rollback()
        assert execute_core(BACKEND, {}).scalar() != first
        db.session.rollback()
    dispose(app)

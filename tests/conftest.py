"""Shared fixtures: the app on SQLite or a real PostgreSQL server, a rolled-back session per test,
clients logged in per role, and small factories."""
from __future__ import annotations

import os
import re

import pytest
from sqlalchemy.orm import scoped_session, sessionmaker

from tests.pgserver import PostgresUnavailable, postgres_server


def pytest_addoption(parser):
    parser.addoption("--db", choices=("sqlite", "postgres"), default=os.environ.get("CERMIN_TEST_DB", "sqlite"),
                     help="database for the portal tests (default sqlite)")


def _required(variable: str) -> bool:
    return os.environ.get(variable, "") == "1"


@pytest.fixture(scope="session")
def database_url(request, tmp_path_factory):
    if request.config.getoption("--db") == "postgres":
        try:
            with postgres_server() as server:
                yield server.create_database("cermin_test")
        except PostgresUnavailable as error:
            if _required("CERMIN_REQUIRE_POSTGRES"):
                pytest.fail(f"PostgreSQL is required (CERMIN_REQUIRE_POSTGRES=1) but unavailable: {error}")
            pytest.skip(f"!!! PostgreSQL suite SKIPPED: {error} !!!")
        return
    yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    os.environ.setdefault("CERMIN_INSTANCE_PATH", str(tmp_path_factory.mktemp("instance")))
    from flask_migrate import upgrade

    from portal import create_app

    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "CERMIN_BASE_URL": "https://cermin.test",
        "RATELIMIT_STORAGE_URI": "memory://",
        # Tests post forms at machine speed; test_feedback_form checks the real minimum.
        "CERMIN_MIN_FILL_SECONDS": 0,
    })
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        from portal.extensions import db

        db.engine.dispose()


def _fresh_globals(sender, **extra):
    """Each request starts with empty `g`, as it would in its own app context in production."""
    from flask import g

    g.__dict__.clear()


@pytest.fixture
def db(app):
    """The database, inside a transaction that is rolled back after the test."""
    from flask import request_started

    from portal.extensions import db as _db
    from portal.extensions import limiter

    request_started.connect(_fresh_globals, app)
    with app.app_context():
        connection = _db.engine.connect()
        transaction = connection.begin()
        original = _db.session
        _db.session = scoped_session(sessionmaker(bind=connection, join_transaction_mode="create_savepoint"))
        limiter.reset()
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original
            if transaction.is_active:
                transaction.rollback()
            connection.close()


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def runner(app, db):
    return app.test_cli_runner()


CSRF_RE = re.compile(r'name="(?:[\w-]+-)?csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(client, url: str) -> str:
    """Read the CSRF token from a page, as a browser would."""
    page = client.get(url)
    html = page.get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {url} (status {page.status_code})"
    return match.group(1) or match.group(2)


def post_form(client, url: str, data: dict, page: str | None = None, **kwargs):
    """POST a form with the CSRF token read from `page` (default: the same URL)."""
    token = csrf_token(client, page or url)
    payload = {"csrf_token": token, **data}
    return client.post(url, data=payload, **kwargs)


def login(client, login_name: str, password: str = "Rahasia-2026"):
    return post_form(client, "/masuk", {"login": login_name, "password": password})


@pytest.fixture
def factory(db):
    from tests.factories import Factory

    return Factory(db)


@pytest.fixture
def org(factory):
    """A small instansi: two units, a loket, a head, a supervisor, staff and one account per role.

    Committed (to the test's savepoint), as real data would be, so a request that rolls back
    its own work leaves it in place.
    """
    small = factory.small_org()
    factory.db.session.commit()
    return small


def client_for(app, username):
    """A test client logged in as `username` (password "Rahasia-2026")."""
    client = app.test_client()
    response = login(client, username)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return client


@pytest.fixture
def admin_client(app, org):
    return client_for(app, "admin")


@pytest.fixture
def hr_client(app, org):
    return client_for(app, "hr")


@pytest.fixture
def supervisor_client(app, org):
    return client_for(app, "atasan")


@pytest.fixture
def employee_client(app, org):
    return client_for(app, "pegawai")


@pytest.fixture
def auditor_client(app, org):
    """The Inspektorat's auditor: reads the audit log, changes nothing."""
    return client_for(app, "auditor")


@pytest.fixture
def head_client(app, factory, org):
    """The head of DUKCAPIL (org.head), the unit of loket UJI01: a supervisor who manages it."""
    factory.user(org.instansi, "kepala", {"supervisor", "employee"}, org.head)
    factory.db.session.commit()
    return client_for(app, "kepala")


@pytest.fixture
def other_head_client(app, factory, org):
    """The head of DINKES: a unit manager, but not of UJI01's unit."""
    head = factory.employee(org.other_unit, "Kepala Dinkes Uji", jabatan="Kepala Dinas", is_unit_head=True)
    factory.user(org.instansi, "kepaladinkes", {"supervisor", "employee"}, head)
    factory.db.session.commit()
    return client_for(app, "kepaladinkes")

"""Shared fixtures: the app on SQLite or a real PostgreSQL server, a rolled-back session per test,
clients logged in per role, and small factories."""
from __future__ import annotations

import html
import os
import re
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy.orm import scoped_session, sessionmaker

from tests.pgserver import PostgresUnavailable, postgres_server

# Property tests: the same examples on every run and every machine by default (`ci`), a longer and
# random search by hand or at night (`HYPOTHESIS_PROFILE=nightly`). Neither has a deadline or a
# "too slow" check: a busy machine must not fail a test about correctness.
_QUIET = [HealthCheck.too_slow]
settings.register_profile("ci", derandomize=True, database=None, max_examples=100, deadline=None,
                          suppress_health_check=_QUIET, print_blob=True)
settings.register_profile("nightly", max_examples=1000, deadline=None, suppress_health_check=_QUIET,
                          print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def examples(ci: int) -> int:
    """A test's number of examples: `ci` under the ci profile, as many times more as the loaded
    profile's `max_examples` is larger (ten times at night)."""
    return max(1, ci * settings.default.max_examples // 100)


def pytest_addoption(parser):
    parser.addoption("--db", choices=("sqlite", "postgres"), default=os.environ.get("CERMIN_TEST_DB", "sqlite"),
                     help="database for the portal tests (default sqlite)")


def _required(variable: str) -> bool:
    return os.environ.get(variable, "") == "1"


WITA = ZoneInfo("Asia/Makassar")
#: The moment the tests run at (see `pinned_clock`) and the demo is built at: a Wednesday morning
#: in WITA, with the lokets open.
DEMO_MOMENT = datetime(2026, 11, 18, 10, 0, tzinfo=WITA)
TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "CERMIN_BASE_URL": "https://cermin.test",
    "RATELIMIT_STORAGE_URI": "memory://",
    # Tests post forms at machine speed; test_feedback_form checks the real minimum.
    "CERMIN_MIN_FILL_SECONDS": 0,
}


@pytest.fixture(autouse=True)
def pinned_clock():
    """Every test runs on the portal's clock, running on from DEMO_MOMENT: no test depends on the
    day or the hour the suite runs at. A test about another moment pins its own (`clock.frozen`)."""
    from portal import clock

    with clock.ticking(DEMO_MOMENT):
        yield


def under_faketime() -> bool:
    return "faketime" in os.environ.get("LD_PRELOAD", "")


def without_faketime(preload: str) -> str:
    """`LD_PRELOAD` without libfaketime (any other preloaded library stays)."""
    return " ".join(part for part in preload.replace(":", " ").split() if "faketime" not in part)


def machine_time() -> float:
    """The machine's Unix time, also under libfaketime: read by a child process started without it."""
    if not under_faketime():
        return time.time()
    import subprocess
    import sys

    env = {**os.environ, "LD_PRELOAD": without_faketime(os.environ["LD_PRELOAD"])}
    # No timeout: `Popen.wait(timeout)` is what libfaketime breaks; a plain wait is a waitpid.
    out = subprocess.run([sys.executable, "-c", "import time; print(repr(time.time()))"], env=env,
                         capture_output=True, text=True, check=True)
    return float(out.stdout)


def pytest_configure(config):
    if under_faketime():
        _sleep_without_clock_nanosleep()


def pytest_collection_modifyitems(config, items):
    """The `--db postgres` pass runs the tests that reach a database: those marked `postgres`, and
    those that use the `postgres` fixture, directly or through `new_database`, `app`, `db`,
    `demo_app` and the rest (it is the root of them all). A test that touches no database
    (arithmetic of the core, file parsing, the text of a message) has already run in the SQLite
    pass on the same code, and is deselected here."""
    if config.getoption("--db") != "postgres":
        return
    keep, drop = [], []
    for item in items:
        reaches = "postgres" in getattr(item, "fixturenames", ()) or item.get_closest_marker("postgres")
        (keep if reaches else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _sleep_without_clock_nanosleep() -> None:
    """Under libfaketime `time.sleep` fails with EINVAL (it waits with an absolute
    `clock_nanosleep`, which libfaketime mistranslates), and with it every wait built on it, such
    as `Popen.wait(timeout)`. The suite's own waits then sleep in `select`, which libfaketime
    leaves alone. Only the test process is concerned: the portal's processes that a test starts
    run without libfaketime, on a pinned clock (`subprocess_clock`)."""
    import select

    def sleep(seconds: float) -> None:
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        select.select([], [], [], seconds)

    time.sleep = sleep


@pytest.fixture(scope="module")
def subprocess_clock():
    """Processes a test starts (gunicorn, `flask` commands) run on a clock ticking from
    DEMO_MOMENT (`CERMIN_CLOCK_START`), not on the machine's: a run at 23:59 crosses no midnight.
    Under libfaketime they run without it: the pinned clock is theirs, and its origin is the
    machine's time, theirs too. Only libfaketime leaves `LD_PRELOAD`: `FAKETIME` stays, because
    libfaketime re-reads it in this process every few seconds, and without it would put the suite
    back on the machine's clock for a while (a session cookie signed then has expired when the
    fake clock comes back)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CERMIN_CLOCK_START", DEMO_MOMENT.isoformat())
        patch.setenv("CERMIN_CLOCK_ORIGIN", repr(machine_time()))  # one clock for every worker
        if under_faketime():
            patch.setenv("LD_PRELOAD", without_faketime(os.environ["LD_PRELOAD"]))
        yield


@pytest.fixture(scope="session")
def postgres(request):
    """The throwaway PostgreSQL server of the `--db postgres` pass; None on SQLite."""
    if request.config.getoption("--db") != "postgres":
        yield None
        return
    try:
        with postgres_server() as server:
            yield server
    except PostgresUnavailable as error:
        if _required("CERMIN_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL is required (CERMIN_REQUIRE_POSTGRES=1) but unavailable: {error}")
        pytest.skip(f"!!! PostgreSQL suite SKIPPED: {error} !!!")


def make_app(database_url: str, **config):
    from portal import create_app

    return create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, **config})


def dispose(app) -> None:
    from portal.extensions import db

    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def new_database(postgres, tmp_path_factory):
    """`new_database(name)`: the URL of a new database with the schema at head (`upgrade`), on
    the session's SQLite or PostgreSQL. Migrated once, then copied."""
    os.environ.setdefault("CERMIN_INSTANCE_PATH", str(tmp_path_factory.mktemp("instance")))
    folder = tmp_path_factory.mktemp("db")
    template: list[str] = []

    def make(name: str) -> str:
        if not template:
            url = postgres.create_database("cermin_template") if postgres else f"sqlite:///{folder / 'template.sqlite'}"
            app = make_app(url)
            with app.app_context():
                from flask_migrate import upgrade

                upgrade()
            dispose(app)
            template.append(url)
        if postgres:
            return postgres.create_database(name, template="cermin_template")
        target = folder / f"{name}.sqlite"
        with sqlite3.connect(template[0].removeprefix("sqlite:///")) as source, sqlite3.connect(target) as copy:
            source.backup(copy)
        return f"sqlite:///{target}"

    return make


@pytest.fixture(scope="session")
def database_url(new_database):
    return new_database("cermin_test")


@pytest.fixture(scope="session")
def app(database_url):
    app = make_app(database_url)
    yield app
    dispose(app)


def _fresh_globals(sender, **extra):
    """Each request starts with empty `g`, as it would in its own app context in production."""
    from flask import g

    g.__dict__.clear()


def reset_limits(limiter) -> None:
    """Empty the rate limiter's store. The in-memory store expires entries in a timer thread that
    reads the dictionaries a reset clears (a KeyError in that thread, on a busy machine), so the
    reset waits for the thread to finish first."""
    timer = getattr(getattr(limiter, "_storage", None), "timer", None)
    if timer is not None:
        timer.join()
    limiter.reset()


@contextmanager
def rolled_back(app):
    """The app's database inside a transaction that is rolled back at the end of the block."""
    from flask import request_started

    from portal.extensions import db as _db
    from portal.extensions import limiter

    request_started.connect(_fresh_globals, app)
    with app.app_context():
        connection = _db.engine.connect()
        transaction = connection.begin()
        original = _db.session
        _db.session = scoped_session(sessionmaker(bind=connection, join_transaction_mode="create_savepoint"))
        reset_limits(limiter)
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original
            if transaction.is_active:
                transaction.rollback()
            connection.close()


@pytest.fixture
def db(app):
    """The database, inside a transaction that is rolled back after the test."""
    with rolled_back(app) as _db:
        yield _db


def build_demo(app, moment: datetime, *, days: int | None = None, timezone: str = "Asia/Makassar"):
    """Seed the demo into the app's (empty) database as it would be built at `moment`, the
    clock frozen there, and commit."""
    from portal import clock
    from portal.demo.feedback import DAYS
    from portal.demo.seed import seed_demo
    from portal.extensions import db as _db

    with app.app_context(), clock.frozen(moment):
        seed_demo(clock.today(ZoneInfo(timezone)), feedback=True, days=days or DAYS, timezone=timezone)
        _db.session.commit()


@pytest.fixture(scope="session")
def demo_app(new_database):
    """An app whose database holds the demo, built once per session at DEMO_MOMENT, for the tests
    that only read it (they get it through `demo`, each rolled back)."""
    app = make_app(new_database("cermin_demo"))
    build_demo(app, DEMO_MOMENT)
    yield app
    dispose(app)


@dataclass
class Demo:
    app: object
    db: object
    instansi: object

    def client(self, username: str | None = None):
        """A client of the demo app, logged in as `username` (the demo password) when given."""
        from portal.demo.seed import DEMO_PASSWORD

        client = self.app.test_client()
        if username:
            response = login(client, username, DEMO_PASSWORD)
            assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return client


@pytest.fixture
def demo(demo_app):
    """The session's demo, rolled back after the test (the clock runs on from DEMO_MOMENT)."""
    from sqlalchemy import select

    from portal.demo.seed import DEMO_NAME
    from portal.org.models import Instansi

    with rolled_back(demo_app) as _db:
        instansi = _db.session.scalar(select(Instansi).where(Instansi.name == DEMO_NAME))
        assert instansi is not None, "the session's demo was not built"
        yield Demo(demo_app, _db, instansi)


@pytest.fixture
def rate_limits(app):
    """Set the plausible-rate limits for one test (`rate_limits(loket=..., officer=...)`); the
    portal's defaults come back after it. For tests that post many responses at one loket about
    something else than the rate rule."""
    keys = ("CERMIN_RATE_LIMIT", "CERMIN_OFFICER_RATE_LIMIT")
    saved = {key: app.config[key] for key in keys}

    def set_limits(loket: int = 1_000_000, officer: int = 1_000_000) -> None:
        app.config.update(CERMIN_RATE_LIMIT=loket, CERMIN_OFFICER_RATE_LIMIT=officer)

    yield set_limits
    app.config.update(saved)


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


CONFIRM_FORM_RE = re.compile(r'<form method="post" action="([^"]+)" class="confirm-form">(.*?)</form>', re.S)
HIDDEN_RE = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def confirmation(response) -> dict[str, str] | None:
    """The fields of the confirmation page's form (portal/confirm.py), or None if not one."""
    match = CONFIRM_FORM_RE.search(response.get_data(as_text=True))
    if response.status_code not in (200, 409) or not match:
        return None
    return {name: html.unescape(value) for name, value in HIDDEN_RE.findall(match.group(2))}


def confirm_post(client, url: str, data: dict | None = None, page: str | None = None, **kwargs):
    """Perform a consequential action as a user does: POST the action's button (which answers with
    the confirmation page and changes nothing, as the test asserts), then the confirmation's own
    form with the fields it carries."""
    first = post_form(client, url, data or {}, page=page)
    fields = confirmation(first)
    assert fields is not None, f"{url} answered {first.status_code} without a confirmation page"
    assert fields["confirmed"] == "1" and fields["shown"]
    return client.post(url, data=fields, **kwargs)


def half_up(value, places: int) -> Decimal:
    """The expected figure, rounded half up by the standard library's Decimal (not the portal's own code)."""
    exact = Decimal(value.numerator) / Decimal(value.denominator) if isinstance(value, Fraction) else Decimal(str(value))
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


H1_RE = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)


def heading(html: str) -> str:
    """The text of a page's first <h1>, tags removed and spaces collapsed."""
    match = H1_RE.search(html)
    assert match, "the page has no <h1>"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def assert_headings(client, pages: dict[str, tuple[str, str]]) -> None:
    """Each page renders in Indonesian and in English: the document's language and its heading are
    those of the language asked for (path → (Indonesian heading, English heading))."""
    for path, headings in pages.items():
        for lang, expected in zip(("id", "en"), headings):
            response = client.get(path, headers={"Accept-Language": lang})
            html = response.get_data(as_text=True)
            assert response.status_code == 200, (path, lang)
            assert f'<html lang="{lang}"' in html, (path, lang)
            assert heading(html) == expected, (path, lang)


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

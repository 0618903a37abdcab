"""Fixtures the portal's test modules share: one of each."""
from __future__ import annotations

import importlib
import re
import threading
from datetime import timedelta

import pytest

from portal import clock
from portal.reviews import raters
from portal.reviews import services as reviews
from tests.portal.appraisal_helpers import open_cycle
from tests.portal.appraisal_output_data import standard_appraisals


@pytest.fixture
def cycle(request, org, db):
    """A 360 cycle over DUKCAPIL from yesterday for 30 days, raters proposed from the org chart: a
    draft, or open where the test module says `CYCLE_OPEN = True`."""
    if getattr(request.module, "CYCLE_OPEN", False):
        cycle = open_cycle(org)
    else:
        today = clock.today(org.instansi.tz)
        cycle = reviews.create_cycle(org.instansi, name="Triwulan I 2026", period_kind="triwulan",
                                     opens_on=today - timedelta(days=1), closes_on=today + timedelta(days=30),
                                     unit_ids=[org.unit.id])
        raters.propose_raters(cycle)
    db.session.commit()
    return cycle


@pytest.fixture
def appraisals(factory, org):
    """A period merged from citizen responses and a released 360 cycle, partly confirmed and
    finalised (tests/portal/appraisal_output_data.py)."""
    return standard_appraisals(factory, org)


@pytest.fixture
def shared(new_database, request):
    """An app with the small organisation on a database of its own, committed for real: requests in
    two threads see each other's commits (the tests of concurrent writers)."""
    from portal.extensions import db as _db
    from tests.conftest import dispose, make_app
    from tests.factories import Factory

    name = re.sub(r"[^a-z0-9]+", "_", f"{request.module.__name__.rsplit('.', 1)[-1]}_{request.node.name}".lower())
    app = make_app(new_database(name[-60:]))
    with app.app_context():
        Factory(_db).small_org()
        _db.session.commit()
    yield app
    dispose(app)


def wait_for_a_lock_wait(engine, failure: str, where: str = "TRUE") -> None:
    """Return once a PostgreSQL backend waits for a lock (a row of `pg_locks` not granted, and
    `where`): the precondition of a test of concurrent writers. Fails with `failure` after 60 s."""
    from sqlalchemy import text

    with engine.connect() as watcher:
        for _ in range(600):
            if watcher.execute(text(f"SELECT count(*) FROM pg_locks WHERE NOT granted AND ({where})")).scalar():
                return
            threading.Event().wait(0.1)
    pytest.fail(failure)


def portal_db_module():
    """The module `portal.db` (the name `portal.db` is the SQLAlchemy object of the extensions)."""
    return importlib.import_module("portal.db")


def write_queue_joined(monkeypatch, thread_name: str) -> threading.Event:
    """An event set when the thread named `thread_name` joins SQLite's write queue (`portal.db`):
    from then on it waits for the write lock."""
    module = portal_db_module()
    join_queue = module._join_write_queue
    joined = threading.Event()

    def joins(conn):
        if threading.current_thread().name == thread_name:
            joined.set()
        join_queue(conn)

    monkeypatch.setattr(module, "_join_write_queue", joins)
    return joined

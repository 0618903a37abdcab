"""Load and faults, small: the scenarios of `bench.load` and `bench.faults` (`make bench` runs them
full size) against gunicorn on a PostgreSQL cluster of their own.

They check what happened, never how fast: a busy machine makes requests slow, not wrong. Each
creates its own precondition (the worker is killed while every one of its threads holds a
submission that waits for a table lock; PostgreSQL is stopped while citizens submit).

They run once in `make test`: in the PostgreSQL pass (`pytest --db postgres tests/portal`); the
SQLite pass skips them. Without PostgreSQL or redis-server they skip loudly, and with
`CERMIN_REQUIRE_POSTGRES=1` (as `.ci/run` sets) they fail instead.
"""
import os
import shutil

import pytest

from bench.faults import LOGIN_LIMIT, RedisUnavailable, form_while_down, measure_kill, measure_pg_stop, measure_redis
from bench.harness import ServerSettings
from bench.load import measure_load, portal_databases
from tests.pgserver import PostgresUnavailable


@pytest.fixture(scope="module", autouse=True)
def _pinned_clock(subprocess_clock):
    """The servers these tests start run on the tests' clock."""

SETTINGS = ServerSettings(workers=2, threads=4)


def _required() -> bool:
    return os.environ.get("CERMIN_REQUIRE_POSTGRES", "") == "1"


def _unavailable(what: str, error: Exception):
    if _required():
        pytest.fail(f"{what} is required (CERMIN_REQUIRE_POSTGRES=1) but unavailable: {error}")
    pytest.skip(f"!!! load and fault tests SKIPPED: {what} unavailable: {error} !!!")


@pytest.fixture(scope="module")
def databases(request, tmp_path_factory):
    """A cluster of our own (the PostgreSQL-stop test stops it) with the portal's template database."""
    if request.config.getoption("--db") != "postgres":
        pytest.skip("the load and fault tests run once, in the PostgreSQL pass (pytest --db postgres tests/portal)")
    work = tmp_path_factory.mktemp("load-faults")
    try:
        with portal_databases(work) as prepared:
            yield prepared
    except PostgresUnavailable as error:
        _unavailable("PostgreSQL", error)


@pytest.fixture
def work(tmp_path):
    return tmp_path


@pytest.mark.postgres
def test_small_load_stores_exactly_the_accepted_submissions(databases, work):
    run = measure_load(databases, work, submissions=150, concurrency=16, settings=SETTINGS)
    print(f"\nsmall load: {run.traffic.summary()}\n  {run.ledger.summary()}")
    assert run.traffic.server_errors == 0
    assert len(run.traffic.accepted) == 150
    assert run.ledger.rows == 150 and run.ledger.distinct_keys == 150
    assert run.ledger.missing == run.ledger.unexpected == run.ledger.partial == 0
    assert run.problems == []


@pytest.mark.postgres
def test_killed_worker_loses_nothing_and_stores_nothing_twice(databases, work):
    # A citizen resends until answered; on a busy machine that may take minutes, and is no failure.
    run = measure_kill(databases, work, citizens=150, concurrency=16, settings=SETTINGS, give_up=900)
    print(f"\nworker killed: {run.traffic.summary()}\n  {run.ledger.summary()}; replaced after {run.respawn_seconds} s")
    assert run.killed is not None and run.respawn_seconds is not None
    assert run.in_flight == SETTINGS.workers * SETTINGS.threads, "every worker thread held a submission at the kill"
    assert run.traffic.no_answer > 0, "the killed worker's submissions got no answer"
    assert run.ledger.rows == 150, "every citizen ends with one stored row"
    assert run.ledger.distinct_keys == run.ledger.rows
    assert run.ledger.lost == run.ledger.doubled == 0
    assert run.problems == []


@pytest.mark.postgres
def test_redis_down_keeps_the_form_and_login_working(databases, work):
    if not shutil.which("redis-server"):
        _unavailable("redis-server", RedisUnavailable("not installed (Debian's redis-server)"))
    try:
        run = measure_redis(databases, work, citizens=20, concurrency=4, settings=SETTINGS, recovery_timeout=300)
    except RedisUnavailable as error:
        _unavailable("Redis", error)
    print(f"\nredis: shared limit {run.shared_limit}, down: logins {run.right_logins_down}, "
          f"one worker {run.fallback_limit}, back in Redis after {run.recovery_seconds} s")
    assert run.shared_limit == [200] * LOGIN_LIMIT + [429], "with Redis up the limit is shared by the workers"
    assert all(v.accepted for v in run.citizens_down.visits), "the form works without Redis"
    assert set(run.right_logins_down) == {302}, "a right password still logs in without Redis"
    assert run.fallback_limited_at == LOGIN_LIMIT + 1, "each worker still limits wrong passwords in memory"
    assert run.server_errors == 0
    assert run.recovery_seconds is not None, "the limiter goes back to Redis by itself"
    assert "falling back to in-memory storage" in run.log, "the outage shows in the portal's log"
    assert run.problems == []


@pytest.mark.postgres
def test_postgres_stopped_answers_503_then_recovers_without_half_written_data(databases, work):
    # Last in the module: it stops and restarts the cluster the others use.
    # The recovery timeout only stops a portal that never recovers from hanging the suite.
    run = measure_pg_stop(databases, work, citizens=150, concurrency=16, settings=SETTINGS, down_seconds=2.5,
                          recovery_timeout=300)
    print(f"\npostgres stopped: {run.traffic.summary()}\n  while down: {dict(run.during_outage)}; "
          f"health back {run.health_back} s, submission stored {run.submit_back} s after the restart\n"
          f"  {run.ledger.summary()}")
    assert {a.status for what, a in run.checks if what == "healthz"} == {503}
    # The form: the friendly 503, or the blank form from the worker's memory of the loket (its
    # POST meets the 503; the ledger below shows nothing lost or half-written).
    forms = [a for what, a in run.checks if what == "form"]
    assert forms and all(form_while_down(a) for a in forms), {a.status for a in forms}
    assert run.unfriendly_5xx == 0, "no 500 or bare error while PostgreSQL is down"
    assert run.health_back is not None and run.submit_back is not None, "the portal recovered by itself"
    assert run.ledger.lost == run.ledger.doubled == run.ledger.partial == 0
    assert run.problems == []


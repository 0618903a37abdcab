"""The submission benchmark, very small: gunicorn on SQLite takes concurrent citizens without a 5xx
and stores exactly one row per accepted POST (`make bench` runs the full size)."""
import time

import pytest

from bench.harness import ServerSettings, sqlite_url, workdir
from bench.submit import measure_portal, measure_stack


@pytest.fixture(scope="module", autouse=True)
def _pinned_clock(subprocess_clock):
    """The servers these tests start run on the tests' clock."""


def test_small_submit_benchmark_loses_nothing(request):
    if request.config.getoption("--db") == "postgres":
        pytest.skip("the small benchmark runs on SQLite only (the PostgreSQL figure comes from `make bench`)")
    started = time.perf_counter()
    with workdir("cermin-bench-test-") as work:
        run = measure_portal("sqlite", sqlite_url(work), work, submissions=40, concurrency=4,
                             settings=ServerSettings(), measure_form=True)
    seconds = time.perf_counter() - started
    print(f"\nsmall submit benchmark: {run.load.summary()}; {seconds:.1f} s in all")
    assert run.load.server_errors == 0, run.log_lines
    assert run.load.failures == [], run.load.failures
    assert run.load.accepted == 40
    assert run.rows == run.load.accepted
    assert 0 < max(run.form_gzip.values()) <= 14336


def test_stack_reference_serves_the_bare_view_through_the_portal(request):
    """`submit_stack_ratio` measures the portal's own hooks around the bare view: its POSTs must
    pass the portal's CSRF check (a real token in the page) and answer 303."""
    if request.config.getoption("--db") == "postgres":
        pytest.skip("runs on SQLite only")
    with workdir("cermin-bench-stack-test-") as work:
        load = measure_stack(sqlite_url(work), work, submissions=20, concurrency=4, settings=ServerSettings())
    assert load.failures == [], load.failures
    assert load.accepted == 20

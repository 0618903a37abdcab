"""The submission benchmark, very small: gunicorn on SQLite takes concurrent citizens without a 5xx
and stores exactly one row per accepted POST (`make bench` runs the full size)."""
import time

import pytest

from bench.harness import ServerSettings, sqlite_url, workdir
from bench.submit import measure_portal


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

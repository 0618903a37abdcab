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


def test_small_run_with_the_default_limits_holds_what_is_beyond_them(request):
    """Thirty machine-speed citizens at one loket, across two gunicorn workers, with the portal's
    own limits (10 web responses in 5 minutes): every accepted POST is stored, ten count and the
    rest are held, however the workers interleave."""
    if request.config.getoption("--db") == "postgres":
        pytest.skip("the small benchmark runs on SQLite only (test_integrity covers PostgreSQL's lock)")
    from bench.harness import scalar

    with workdir("cermin-bench-limits-") as work:
        url = sqlite_url(work)
        run = measure_portal("sqlite", url, work, submissions=30, concurrency=4, settings=ServerSettings(),
                             codes=["PKM02"], default_limits=True)
        counted = scalar(url, "SELECT count(*) FROM skm_response WHERE status = 'counted'")
        reasons = scalar(url, "SELECT count(DISTINCT hold_reason) FROM skm_response WHERE status = 'held'")
    assert run.load.server_errors == 0, run.log_lines
    assert run.load.accepted == 30 and run.rows == 30
    assert (counted, run.held, reasons) == (10, 20, 1)


def test_stack_reference_serves_the_bare_view_through_the_portal(request):
    """`submit_stack_ratio` measures the portal's own hooks around the bare view: its POSTs must
    pass the portal's CSRF check (a real token in the page) and answer 303."""
    if request.config.getoption("--db") == "postgres":
        pytest.skip("runs on SQLite only")
    with workdir("cermin-bench-stack-test-") as work:
        load = measure_stack(sqlite_url(work), work, submissions=20, concurrency=4, settings=ServerSettings())
    assert load.failures == [], load.failures
    assert load.accepted == 20


def test_write_reference_serves_the_portals_form_checks_csrf_and_stores_one_row(request):
    """`submit_write_ratio_*` compares the portal with a like-for-like floor: the reference must
    serve the portal's own form bytes (fresh tokens), refuse a POST without its CSRF token, and
    store one row per accepted POST."""
    if request.config.getoption("--db") == "postgres":
        pytest.skip("runs on SQLite only")
    import json
    import urllib.parse

    from bench.bare import CSRF_SLOT, KEY_SLOT
    from bench.harness import (CSRF_RE, FORM_KEY_RE, Gunicorn, _Connection, portal_env,
                               prepare_portal_database, scalar)
    from bench.submit import capture_form_pages, measure_bare_write

    settings = ServerSettings()
    with workdir("cermin-bench-write-test-") as work, workdir("cermin-bench-write-ref-") as ref:
        url = sqlite_url(work)
        prepare_portal_database(url, work)
        pages = capture_form_pages(url, work, settings)
        captured = json.loads(pages.read_text())
        assert "PKM02" in captured
        assert all(page.count(CSRF_SLOT) >= 1 and page.count(KEY_SLOT) == 1 for page in captured.values())
        load, problems = measure_bare_write("sqlite", sqlite_url(ref), ref, 20, 4, settings, pages)
        assert problems == [] and load.failures == [] and load.accepted == 20
        env = {**portal_env(sqlite_url(ref), ref), "CERMIN_BENCH_FORM_PAGES": str(pages)}
        with Gunicorn("bench.bare:write_app", env, ref, settings, name="forged") as server:
            connection = _Connection(server.port)
            status, _cookies, body, _ = connection.request("GET", "/s/PKM02")
            page = body.decode()
            assert status == 200 and CSRF_SLOT not in page and KEY_SLOT not in page
            token, key = CSRF_RE.search(page).group(1), FORM_KEY_RE.search(page).group(1)
            assert page == captured["PKM02"].replace(CSRF_SLOT, token).replace(KEY_SLOT, key)
            forged = urllib.parse.urlencode({"form_key": "forged", **{f"u{i}": "4" for i in range(1, 10)}})
            status, *_ = connection.request("POST", "/s/PKM02", forged,
                                            {"Content-Type": "application/x-www-form-urlencoded"})
            connection.close()
        assert status == 400
        assert scalar(sqlite_url(ref), "SELECT count(*) FROM bare_response") == 20


def test_open_loop_citizens_arrive_on_schedule_and_each_accepted_post_is_a_row(request):
    if request.config.getoption("--db") == "postgres":
        pytest.skip("runs on SQLite only")
    with workdir("cermin-bench-open-test-") as work:
        run = measure_portal("sqlite", sqlite_url(work), work, submissions=10, concurrency=2,
                             settings=ServerSettings(), open_rate=10.0, open_seconds=1.5, open_runs=2)
    assert [load.submissions for load in run.open_loads] == [15, 15]
    assert all(load.failures == [] and load.accepted == 15 for load in run.open_loads)
    assert run.rows == run.accepted == 40 and run.problems == []
    assert run.best_open.get_latencies and run.best_open.post_latencies

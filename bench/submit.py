"""The submission benchmark: citizens filling in the SKM form under load.

For each database (a SQLite file in a temporary folder; PostgreSQL from tests/pgserver.py when its
binaries are installed) the portal is migrated, seeded with the demo organisation (without the
twelve months of feedback) and served by gunicorn. Simulated citizens GET `/s/<code>` for a random
active loket and POST a complete answer set; the same load runs against `bench.bare:app`, served
the same way, for the baseline, once before the portal's runs and once after (the ratios use the
faster of the two). Afterwards the rows stored must equal the POSTs answered 303 and no
request may have answered 5xx.

Figures: accepted submissions per second per database, their ratio to the baseline (target ≥ 0.5),
the POST p99 (the worse database), and the gzip size of the form's HTML plus public.css
(target ≤ 14336 bytes, one round trip on a fresh connection). For reference (no target), the
same load also runs against `bench.bare:write_app`, a bare Flask endpoint that writes each answer
set as one row with SQLAlchemy Core to the same kind of database: `submit_write_ratio_<db>` is
the portal's throughput over that one (`--no-bare-write` skips it). And against
`bench.bare:stack_app()`, the portal's own app and request stack with the bare view in place of
the form's: `submit_stack_ratio` is its throughput over the baseline's, the ceiling the stack
leaves before the form does any work (`--no-stack` skips it).

Every run also counts the CPU it cost (the client, gunicorn's master and workers, and PostgreSQL's
processes on that database): `submit_cpu_ratio_<db>` and `submit_stack_cpu_ratio` compare CPU
per submission with the baseline's, which a machine shared with other work disturbs far less
than the wall time.

Run alone: `python -m bench.submit [--submissions N] [--concurrency C] [--databases sqlite,postgres]`.
"""
from __future__ import annotations

import argparse
import gzip
import http.client
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.harness import (
    standalone,
    HOST,
    Figure,
    Gunicorn,
    LoadResult,
    ServerSettings,
    SetupFailed,
    column,
    log_excerpts,
    portal_env,
    prepare_portal_database,
    run_load,
    say,
    scalar,
    sqlite_url,
    warm_up,
    workdir,
)

DEFAULT_SUBMISSIONS = 2000
DEFAULT_CONCURRENCY = 16
TARGET_RATIO = 0.5
TARGET_FORM_GZIP = 14336
#: zlib's default level, what most servers and proxies use for gzip.
GZIP_LEVEL = 6
DATABASES = ("sqlite", "postgres")
BARE_CODES = ["BARE01", "BARE02"]
ACTIVE_COUNTERS = (
    "SELECT c.code FROM counter c JOIN unit u ON u.id = c.unit_id WHERE c.active AND u.active ORDER BY c.code"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--submissions", type=int, default=DEFAULT_SUBMISSIONS,
                        help=f"citizens per run (default {DEFAULT_SUBMISSIONS})")
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY,
                        help=f"simultaneous keep-alive connections (default {DEFAULT_CONCURRENCY})")
    parser.add_argument("--databases", default=",".join(DATABASES),
                        help="comma-separated: sqlite, postgres (default both)")
    parser.add_argument("--workers", type=int, default=ServerSettings.workers, help="gunicorn workers (default 2)")
    parser.add_argument("--threads", type=int, default=ServerSettings.threads,
                        help="gunicorn threads per worker (default 4)")
    parser.add_argument("--no-bare-write", dest="bare_write", action="store_false",
                        help="skip the reference run of a bare Flask app that writes one row per POST")
    parser.add_argument("--no-stack", dest="stack", action="store_false",
                        help="skip the reference run of the portal's request stack around the bare view")


@dataclass
class PortalRun:
    """One database's run: what the clients saw, what the database holds, what the server logged."""

    database: str
    load: LoadResult
    #: Responses stored by the run, counted and held alike (each accepted POST is one).
    rows: int
    log_lines: list[str] = field(default_factory=list)
    form_gzip: dict[str, int] = field(default_factory=dict)
    #: Of the rows, those held by the plausibility rules.
    held: int = 0

    @property
    def problems(self) -> list[str]:
        problems = []
        if self.load.server_errors:
            problems.append(f"{self.database}: {self.load.server_errors} responses with status 5xx")
        if self.rows != self.load.accepted:
            problems.append(f"{self.database}: {self.rows} rows stored but {self.load.accepted} POSTs answered 303")
        other = len(self.load.failures) - self.load.server_errors
        if other > 0:
            problems.append(f"{self.database}: {other} other failed requests (connection errors or unexpected status)")
        return problems


def _load(server: Gunicorn, codes: list[str], submissions: int, concurrency: int, settings: ServerSettings,
          database_pids: tuple[int, ...] = ()) -> LoadResult:
    """Warm the server up, then send the citizens, counting the CPU of the client, the server and
    the database server (PostgreSQL's postmaster, when there is one)."""
    warm_up(server.port, [f"/s/{code}" for code in codes], rounds=4 * settings.workers * settings.threads)
    return run_load(server.port, codes, submissions, concurrency, cpu_of=(server.process.pid, *database_pids))


def measure_portal(database: str, database_url: str, work: Path, submissions: int, concurrency: int,
                   settings: ServerSettings, measure_form: bool = False,
                   database_pids: tuple[int, ...] = (), codes: list[str] | None = None,
                   default_limits: bool = False) -> PortalRun:
    """Migrate and seed the database, serve the portal, send the citizens (to every active loket,
    or to `codes`), count the rows. The plausibility limits are the benchmark's own, out of the
    way, unless `default_limits` keeps the portal's."""
    prepare_portal_database(database_url, work)
    codes = codes or column(database_url, ACTIVE_COUNTERS)
    before = scalar(database_url, "SELECT count(*) FROM skm_response")
    held_before = scalar(database_url, "SELECT count(*) FROM skm_response WHERE status = 'held'")
    env = portal_env(database_url, work, default_limits=default_limits)
    with Gunicorn("portal:create_app()", env, work, settings, name=database) as server:
        load = _load(server, codes, submissions, concurrency, settings, database_pids)
        form_gzip = form_sizes(server.port, codes) if measure_form else {}
        server.stop()
        log = server.log()
    rows = scalar(database_url, "SELECT count(*) FROM skm_response") - before
    held = scalar(database_url, "SELECT count(*) FROM skm_response WHERE status = 'held'") - held_before
    return PortalRun(database, load, rows, log_excerpts(log), form_gzip, held)


def _reference(app: str, name: str, database_url: str, work: Path, submissions: int, concurrency: int,
               settings: ServerSettings, database_pids: tuple[int, ...] = ()) -> LoadResult:
    """One of the `bench.bare` apps under gunicorn with the citizens' load."""
    with Gunicorn(app, portal_env(database_url, work), work, settings, name=name) as server:
        return _load(server, BARE_CODES, submissions, concurrency, settings, database_pids)


def measure_bare(work: Path, submissions: int, concurrency: int, settings: ServerSettings) -> LoadResult:
    return _reference("bench.bare:app", "bare", "sqlite://", work, submissions, concurrency, settings)


def measure_stack(database_url: str, work: Path, submissions: int, concurrency: int,
                  settings: ServerSettings) -> LoadResult:
    """`bench.bare:stack_app()`: the portal's hooks and extensions around the bare view (it makes
    no query, so the database may be an empty SQLite file)."""
    return _reference("bench.bare:stack_app()", "stack", database_url, work, submissions, concurrency, settings)


def _all_accepted(load: LoadResult, what: str, submissions: int, problems: list[str]) -> LoadResult:
    if load.server_errors or load.accepted != submissions:
        problems.append(f"{what}: {load.accepted}/{submissions} accepted, {load.server_errors} 5xx")
    return load


def _baseline(submissions: int, concurrency: int, settings: ServerSettings, when: str,
              problems: list[str]) -> LoadResult:
    with workdir("cermin-bench-bare-") as work:
        bare = measure_bare(work, submissions, concurrency, settings)
    say(f"  bare Flask baseline ({when}): {bare.summary()}")
    return _all_accepted(bare, f"baseline ({when})", submissions, problems)


def measure_bare_write(database: str, database_url: str, work: Path, submissions: int, concurrency: int,
                       settings: ServerSettings, database_pids: tuple[int, ...] = ()) -> tuple[LoadResult, list[str]]:
    """`bench.bare:write_app` on this database: the least that storing a response costs."""
    load = _reference("bench.bare:write_app", f"bare-write-{database}", database_url, work, submissions,
                      concurrency, settings, database_pids)
    rows = scalar(database_url, "SELECT count(*) FROM bare_response")
    problems = [] if rows == load.accepted and not load.server_errors else [
        f"bare write on {database}: {rows} rows for {load.accepted} accepted POSTs, {load.server_errors} 5xx"]
    return load, problems


def form_sizes(port: int, codes: list[str]) -> dict[str, int]:
    """gzip bytes of each loket's form HTML plus public.css, as a browser on a fresh visit downloads them."""
    css = _get(port, "/static/css/public.css")
    css_gzip = len(gzip.compress(css, GZIP_LEVEL))
    return {code: len(gzip.compress(_get(port, f"/s/{code}"), GZIP_LEVEL)) + css_gzip for code in codes}


def _get(port: int, path: str) -> bytes:
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request("GET", path, headers={"Accept-Language": "id"})
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {path} answered {response.status}")
        return body
    finally:
        connection.close()


def _report_run(run: PortalRun) -> None:
    load = run.load
    say(f"  portal on {run.database}: {load.summary()}")
    say(f"  rows stored {run.rows}, POSTs answered 303 {load.accepted}: "
        f"{'OK' if run.rows == load.accepted else 'MISMATCH'}; 5xx: {load.server_errors}")
    for (what, detail), n in Counter(load.failures).most_common(10):
        say(f"    FAILED {n} x {what}: {detail}")
    if run.log_lines:
        say(f"  gunicorn error log ({run.database}), most frequent lines:")
        for line in run.log_lines:
            say(f"    {line}")


def run(options: argparse.Namespace) -> tuple[list[Figure], list[str]]:
    """Run the benchmark; return the figures and the problems found (empty when all is well)."""
    settings = ServerSettings(workers=options.workers, threads=options.threads)
    databases = [d.strip() for d in options.databases.split(",") if d.strip()]
    submissions, concurrency = options.submissions, options.concurrency
    say(f"== submit: {submissions} citizens (GET form + POST answers) over {concurrency} connections; {settings.describe()}")
    figures: list[Figure] = []
    problems: list[str] = []
    runs: list[PortalRun] = []

    baselines = [_baseline(submissions, concurrency, settings, "first", problems)]
    stack: LoadResult | None = None
    if options.stack:  # right after the baseline, so both meet the machine in the same state
        with workdir("cermin-bench-stack-") as work:
            stack = _all_accepted(measure_stack(sqlite_url(work), work, submissions, concurrency, settings),
                                  "stack", submissions, problems)

    bare_writes: dict[str, LoadResult] = {}
    if "sqlite" in databases:
        try:
            with workdir("cermin-bench-sqlite-") as work:
                runs.append(measure_portal("sqlite", sqlite_url(work), work, submissions, concurrency, settings,
                                           measure_form=True))
            if options.bare_write:
                with workdir("cermin-bench-bare-write-") as work:
                    bare_writes["sqlite"], found = measure_bare_write("sqlite", sqlite_url(work), work, submissions,
                                                                      concurrency, settings)
                    problems.extend(found)
        except SetupFailed as error:
            problems.append(f"sqlite: {error}")
    if "postgres" in databases:
        from tests.pgserver import PostgresUnavailable, postgres_server

        try:
            with postgres_server() as server, workdir("cermin-bench-postgres-") as work:
                runs.append(measure_portal("postgres", server.create_database("cermin_bench"), work, submissions,
                                           concurrency, settings, measure_form=not runs, database_pids=(server.pid(),)))
                if options.bare_write:
                    bare_writes["postgres"], found = measure_bare_write(
                        "postgres", server.create_database("cermin_bare"), work, submissions, concurrency, settings,
                        database_pids=(server.pid(),))
                    problems.extend(found)
        except PostgresUnavailable as error:
            say(f"!!! SKIP submit on PostgreSQL: {error} !!!")
        except SetupFailed as error:
            problems.append(f"postgres: {error}")

    # The baseline again at the end, and the faster of the two counts: a machine that slowed down
    # (other load, a hot CPU) during one of them must not flatter the ratios.
    baselines.append(_baseline(submissions, concurrency, settings, "again", problems))
    bare = max(baselines, key=lambda load: load.rps)
    bare_cpu = min(load.cpu_ms for load in baselines if load.cpu_ms) if any(load.cpu_ms for load in baselines) else None
    say(f"  baseline: {' and '.join(f'{load.rps:.1f}' for load in baselines)} submissions/s; "
        f"the ratios use the faster, {bare.rps:.1f}/s" + (f", and the cheaper CPU, {bare_cpu:.2f} ms" if bare_cpu else ""))

    def cpu_ratio(name: str, load: LoadResult) -> None:
        """The same comparison by CPU per submission (client and servers): steadier on a shared machine."""
        if bare_cpu and load.cpu_ms:
            figures.append(Figure(name, bare_cpu / load.cpu_ms, "x"))
            say(f"  {name}: {load.cpu_ms:.2f} ms of CPU per submission against the baseline's {bare_cpu:.2f} ms "
                f"= {bare_cpu / load.cpu_ms:.2f}")

    for portal_run in runs:
        _report_run(portal_run)
        problems.extend(portal_run.problems)
        ratio = portal_run.load.rps / bare.rps if bare.rps else 0.0
        verdict = "OK" if ratio >= TARGET_RATIO else "BELOW TARGET"
        say(f"  {portal_run.database}: {portal_run.load.rps:.1f} submissions/s vs baseline {bare.rps:.1f}/s "
            f"= ratio {ratio:.2f} (target >= {TARGET_RATIO}: {verdict})")
        figures.append(Figure(f"submit_ratio_{portal_run.database}", ratio, "x"))
        figures.append(Figure(f"submit_rps_{portal_run.database}", portal_run.load.rps, "req/s"))
        cpu_ratio(f"submit_cpu_ratio_{portal_run.database}", portal_run.load)
        write = bare_writes.get(portal_run.database)
        if write is not None and write.rps:
            say(f"  {portal_run.database}: bare Flask writing one row with SQLAlchemy Core: {write.summary()}")
            say(f"  {portal_run.database}: the portal does {portal_run.load.rps / write.rps:.2f} of that "
                f"(a reference, not a target)")
            figures.append(Figure(f"submit_write_ratio_{portal_run.database}", portal_run.load.rps / write.rps, "x"))
    if stack is not None and bare.rps:
        say(f"  the portal's request stack around the bare view: {stack.summary()}")
        say(f"  stack: {stack.rps:.1f}/s vs baseline {bare.rps:.1f}/s = {stack.rps / bare.rps:.2f} "
            f"(a reference, not a target: the ceiling before the form does any work)")
        figures.append(Figure("submit_stack_ratio", stack.rps / bare.rps, "x"))
        cpu_ratio("submit_stack_cpu_ratio", stack)
    if runs:
        worst = max(runs, key=lambda r: r.load.post_ms(99))
        figures.append(Figure("submit_p99_ms", worst.load.post_ms(99), "ms"))
        say("  POST p99: " + ", ".join(f"{r.database} {r.load.post_ms(99):.1f} ms" for r in runs)
            + f" (reported: the worse, {worst.database})")
        sizes = next((r.form_gzip for r in runs if r.form_gzip), {})
        if sizes:
            largest = max(sizes, key=sizes.get)
            verdict = "OK" if sizes[largest] <= TARGET_FORM_GZIP else "ABOVE TARGET"
            say(f"  form size (gzip -{GZIP_LEVEL}, HTML + public.css): largest {sizes[largest]} bytes at /s/{largest} "
                f"(target <= {TARGET_FORM_GZIP}: {verdict}); smallest {min(sizes.values())} bytes")
            figures.append(Figure("form_gzip_bytes", sizes[largest], "bytes"))
    return _order(figures), problems


ORDER = ("submit_ratio_sqlite", "submit_ratio_postgres", "submit_p99_ms", "submit_rps_sqlite", "submit_rps_postgres",
         "submit_cpu_ratio_sqlite", "submit_cpu_ratio_postgres", "submit_write_ratio_sqlite",
         "submit_write_ratio_postgres", "submit_stack_ratio", "submit_stack_cpu_ratio", "form_gzip_bytes")


def _order(figures: list[Figure]) -> list[Figure]:
    return sorted(figures, key=lambda f: ORDER.index(f.name) if f.name in ORDER else len(ORDER))


def main(argv: list[str] | None = None) -> int:
    return standalone("bench.submit", __doc__, run, add_arguments, argv=argv)


if __name__ == "__main__":
    raise SystemExit(main())

"""Load: 10,000 citizens at 64 connections against gunicorn on PostgreSQL, every row accounted for.

A throwaway PostgreSQL cluster gets the portal's schema (`upgrade head`) and the demo organisation
(units, lokets, officers and their roster, accounts; no feedback, no 360 cycles), once, as a
template database; each run works on a fresh copy. gunicorn serves the portal (gthread, 3 workers
× 4 threads by default). Simulated citizens GET `/s/<code>` for a random active loket, read the
CSRF token and the signed `form_key`, and POST a complete answer set with the cookies they were
given. The client decodes each form key, so it knows the idempotency key its answers will be
stored under.

Afterwards the database must hold exactly the accepted submissions: one `skm_response` row per
POST answered 303, with the same idempotency keys (none missing, none extra, none twice), every
response counted once in both rollups (`sum(skm_daily.n)`, `sum(skm_hourly.n)`), one saran per
response that sent one and no saran without its response. No request may answer 5xx.

Figures: `load_rps` (accepted submissions per second of the whole run), `load_p99_ms` (POST p99),
`load_5xx`.

The client here (citizens who may retry the same POST) and the PostgreSQL template are shared with
`bench.faults` (a worker killed, PostgreSQL stopped, Redis stopped) and with the small versions in
`tests/portal/test_load_faults.py`.

Run alone: `python -m bench.load [--load-submissions N] [--load-concurrency C] [--load-workers W]`.
"""
from __future__ import annotations

import argparse
import http.client
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from bench.harness import (
    standalone,
    HOST,
    REPO,
    Figure,
    Gunicorn,
    ServerSettings,
    SEED_MOMENT,
    _answers,
    _cookies,
    _percentile,
    _snippet,
    column,
    log_excerpts,
    portal_env,
    say,
    workdir,
)

DEFAULT_SUBMISSIONS = 10_000
DEFAULT_CONCURRENCY = 64
DEFAULT_WORKERS = 3
DEFAULT_THREADS = 4
#: Seconds a client waits for one answer; a request slower than this counts as a hang.
REQUEST_TIMEOUT = 30.0
ACTIVE_COUNTERS = (
    "SELECT c.code FROM counter c JOIN unit u ON u.id = c.unit_id WHERE c.active AND u.active ORDER BY c.code"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--load-submissions", type=int, default=DEFAULT_SUBMISSIONS,
                        help=f"citizens of the load run (default {DEFAULT_SUBMISSIONS:,})")
    parser.add_argument("--load-concurrency", type=int, default=DEFAULT_CONCURRENCY,
                        help=f"simultaneous keep-alive connections of the load run (default {DEFAULT_CONCURRENCY})")
    parser.add_argument("--load-workers", type=int, default=DEFAULT_WORKERS,
                        help=f"gunicorn workers for the load and fault runs (default {DEFAULT_WORKERS})")
    parser.add_argument("--load-threads", type=int, default=DEFAULT_THREADS,
                        help=f"gunicorn threads per worker for the load and fault runs (default {DEFAULT_THREADS})")


# ---------------------------------------------------------------------------------------------
# PostgreSQL: one cluster, the portal's schema and organisation prepared once, a copy per run


class PortalDatabases:
    """A running cluster with a prepared template database; `fresh()` gives a new copy of it."""

    TEMPLATE = "cermin_template"

    def __init__(self, server, work: Path):
        self.server = server
        self.work = work
        self.copies = 0

    def prepare(self) -> None:
        url = self.server.create_database(self.TEMPLATE)
        done = subprocess.run([sys.executable, "-m", "bench.load", "--prepare", url], cwd=REPO,
                              env=portal_env(url, self.work, moment=SEED_MOMENT), capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"preparing the template database failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")

    def fresh(self, name: str) -> str:
        """A new database copied from the template (CREATE DATABASE … TEMPLATE takes a fraction of a second)."""
        import psycopg

        self.copies += 1
        database = f"{name}_{self.copies}"
        with psycopg.connect(f"host={HOST} port={self.server.port} user=postgres dbname=postgres",
                             autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{database}" TEMPLATE "{self.TEMPLATE}"')
        return self.server.url(database)


@contextmanager
def portal_databases(work: Path) -> Iterator[PortalDatabases]:
    """Start a throwaway cluster (tests/pgserver.py) and prepare the template; raises PostgresUnavailable."""
    from tests.pgserver import postgres_server

    with postgres_server() as server:
        databases = PortalDatabases(server, work)
        databases.prepare()
        yield databases


def prepare_child(database_url: str) -> None:
    """In a child process with the bench environment: migrate, then seed the demo organisation only."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.demo.seed import _seed_org
    from portal.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        upgrade()
        _seed_org()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def fault_env(database_url: str, work: Path, **extra: str) -> dict[str, str]:
    env = portal_env(database_url, work)
    env.update(extra)
    return env


def server_settings(options: argparse.Namespace) -> ServerSettings:
    return ServerSettings(workers=getattr(options, "load_workers", DEFAULT_WORKERS),
                          threads=getattr(options, "load_threads", DEFAULT_THREADS))


# ---------------------------------------------------------------------------------------------
# The client: citizens that may retry the same POST


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: no answer (connection refused, reset, timed out)
    headers: http.client.HTTPMessage | None
    body: bytes
    seconds: float
    error: str = ""

    @property
    def set_cookies(self) -> list[str]:
        return (self.headers.get_all("Set-Cookie") if self.headers else None) or []


class Connection:
    """One keep-alive connection to the portal, reopened after an error or a `Connection: close`."""

    def __init__(self, port: int, timeout: float = REQUEST_TIMEOUT):
        self.port = port
        self.timeout = timeout
        self.connection = http.client.HTTPConnection(HOST, port, timeout=timeout)

    def request(self, method: str, path: str, body: str | None = None,
                headers: dict[str, str] | None = None) -> Answer:
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=headers or {})
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as error:
            self.reopen()
            return Answer(None, None, b"", time.perf_counter() - started, f"{type(error).__name__}: {error}")
        if response.will_close:
            self.reopen()
        return Answer(response.status, response.msg, data, time.perf_counter() - started)

    def reopen(self) -> None:
        self.connection.close()
        self.connection = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)

    def close(self) -> None:
        self.connection.close()


def fetch(port: int, method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None,
          timeout: float = REQUEST_TIMEOUT) -> Answer:
    """One request on a fresh connection."""
    connection = Connection(port, timeout)
    try:
        return connection.request(method, path, body, headers)
    finally:
        connection.close()


def idempotency_key(form_key: str) -> str:
    """The key a form's answers are stored under, read from its form_key as the portal reads it (the
    client needs the payload, not the signature)."""
    from itsdangerous import URLSafeSerializer

    from portal.feedback.integrity import FORM_SALT, FormKey

    _signed, data = URLSafeSerializer("", salt=FORM_SALT).loads_unsafe(form_key)
    return FormKey(nonce=str(data["n"]), issued=float(data["t"]), counter_code=data["c"]).idempotency_key


def friendly_503(answer: Answer) -> bool:
    """The portal's own 503 page (title in Indonesian, the default) with a Retry-After."""
    from portal.errors import PAGES

    title = str(PAGES[503][0]).encode()
    return (answer.status == 503 and title in answer.body and bool(answer.headers)
            and bool(answer.headers.get("Retry-After")))


@dataclass
class Visit:
    """One simulated citizen: the form it got and how its POST ended."""

    code: str
    key: str | None = None
    comment: bool = False
    posts: int = 0
    status: int | None = None
    gave_up: str = ""

    @property
    def accepted(self) -> bool:
        return self.status == 303


@dataclass
class Traffic:
    """What the clients saw."""

    citizens: int
    concurrency: int
    retry: bool
    visits: list[Visit] = field(default_factory=list)
    #: (method, status) -> count; status None is a request without an answer.
    statuses: Counter = field(default_factory=Counter)
    post_seconds: list[float] = field(default_factory=list)
    get_seconds: list[float] = field(default_factory=list)
    slowest: float = 0.0
    #: 5xx answers that are not the friendly 503 page (a 500, a traceback, a bare proxy error).
    unfriendly: Counter = field(default_factory=Counter)
    #: (what, detail) of unexpected answers, for the report.
    odd: Counter = field(default_factory=Counter)
    #: Requests sent again after no answer or a 5xx.
    resent: int = 0
    #: (time.monotonic() when the answer came, method, status, seconds) of every request.
    timeline: list[tuple[float, str, int | None, float]] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def accepted(self) -> list[Visit]:
        return [v for v in self.visits if v.accepted]

    @property
    def server_errors(self) -> int:
        return sum(n for (_method, status), n in self.statuses.items() if status is not None and status >= 500)

    def count(self, status: int | None, method: str | None = None) -> int:
        return sum(n for (m, s), n in self.statuses.items() if s == status and method in (None, m))

    @property
    def no_answer(self) -> int:
        return self.count(None)

    @property
    def retried_posts(self) -> int:
        return sum(v.posts - 1 for v in self.visits if v.posts > 1)

    @property
    def rps(self) -> float:
        return len(self.accepted) / self.elapsed if self.elapsed else 0.0

    def post_ms(self, percentile: float) -> float:
        return _percentile(self.post_seconds, percentile) * 1000

    def get_ms(self, percentile: float) -> float:
        return _percentile(self.get_seconds, percentile) * 1000

    def summary(self) -> str:
        statuses = ", ".join(f"{m} {s if s is not None else 'no answer'}: {n}"
                             for (m, s), n in sorted(self.statuses.items(), key=lambda i: (i[0][0], i[0][1] or 0)))
        return (f"{len(self.accepted)}/{self.citizens} citizens accepted in {self.elapsed:.1f} s = {self.rps:.1f}/s; "
                f"POST p50 {self.post_ms(50):.1f} ms, p99 {self.post_ms(99):.1f} ms; GET p50 {self.get_ms(50):.1f} ms, "
                f"p99 {self.get_ms(99):.1f} ms; slowest request {self.slowest:.1f} s; requests resent "
                f"{self.resent} ({self.retried_posts} POSTs); {statuses}")


class Citizens:
    """`concurrency` threads share `citizens` simulated citizens; start() runs them in the background.

    With `retry`, a citizen whose GET or POST gets no answer or a 5xx sends the same request again
    (the POST with the same body, so the same form_key, and the same cookies: what a browser's
    "resend" does) after a short pause, until it gets an answer or `give_up` seconds have passed.
    """

    def __init__(self, port: int, codes: list[str], citizens: int, concurrency: int, retry: bool = False,
                 give_up: float = 120.0, seed: int = 2026, timeout: float = REQUEST_TIMEOUT,
                 accept_language: str | None = None):
        self.port = port
        self.codes = codes
        self.retry = retry
        self.give_up = give_up
        self.seed = seed
        self.timeout = timeout
        self.accept_language = accept_language
        self.traffic = Traffic(citizens, concurrency, retry)
        self.done = 0
        self._lock = threading.Lock()
        self._left = citizens
        self._milestones: list[tuple[int, threading.Event]] = []
        self._threads: list[threading.Thread] = []
        self._running = 0
        self._began = 0.0

    def when_done(self, count: int) -> threading.Event:
        """An event set once `count` citizens have finished."""
        event = threading.Event()
        self._milestones.append((count, event))
        return event

    def start(self) -> Citizens:
        self._began = time.perf_counter()
        self._threads = [threading.Thread(target=self._loop, args=(i,), daemon=True)
                         for i in range(self.traffic.concurrency)]
        self._running = len(self._threads)
        for thread in self._threads:
            thread.start()
        return self

    def join(self) -> Traffic:
        for thread in self._threads:
            thread.join()
        self.traffic.elapsed = time.perf_counter() - self._began
        for _count, event in self._milestones:
            event.set()
        return self.traffic

    def run(self) -> Traffic:
        return self.start().join()

    def _loop(self, index: int) -> None:
        rng = random.Random(self.seed * 1000 + index)
        connection = Connection(self.port, self.timeout)
        try:
            while True:
                with self._lock:
                    if self._left <= 0:
                        return
                    self._left -= 1
                code = rng.choice(self.codes)
                try:
                    visit = self._visit(connection, rng, code)
                except Exception as error:  # a bug in the client must show in the report, not stop a thread
                    visit = Visit(code, gave_up=f"client error {error!r}")
                with self._lock:
                    self.traffic.visits.append(visit)
                    self.done += 1
                    for count, event in self._milestones:
                        if self.done >= count:
                            event.set()
        finally:
            connection.close()
            with self._lock:
                self._running -= 1
                if not self._running:  # nobody is left to reach a milestone
                    for _count, event in self._milestones:
                        event.set()

    def _send(self, connection: Connection, method: str, path: str, body: str | None = None,
              headers: dict[str, str] | None = None) -> Answer:
        headers = dict(headers or {})
        if self.accept_language:
            headers["Accept-Language"] = self.accept_language
        answer = connection.request(method, path, body, headers)
        with self._lock:
            traffic = self.traffic
            traffic.statuses[(method, answer.status)] += 1
            traffic.timeline.append((time.monotonic(), method, answer.status, answer.seconds))
            traffic.slowest = max(traffic.slowest, answer.seconds)
            if answer.status is not None:
                (traffic.post_seconds if method == "POST" else traffic.get_seconds).append(answer.seconds)
            if answer.status is not None and answer.status >= 500 and not friendly_503(answer):
                traffic.unfriendly[(method, answer.status, _snippet(answer.body))] += 1
        return answer

    def _again(self, answer: Answer, started: float) -> bool:
        """Whether to send the same request again, after a pause."""
        if not self.retry or time.monotonic() - started > self.give_up:
            return False
        if answer.status is not None and answer.status < 500:
            return False
        retry_after = answer.headers.get("Retry-After") if answer.headers else None
        with self._lock:
            self.traffic.resent += 1
        # A person taps "send" again after a moment; the bench does not wait the full Retry-After.
        time.sleep(min(float(retry_after), 0.5) if retry_after and retry_after.isdigit() else 0.1)
        return True

    def _visit(self, connection: Connection, rng: random.Random, code: str) -> Visit:
        visit = Visit(code)
        path = f"/s/{code}"
        started = time.monotonic()
        while True:
            answer = self._send(connection, "GET", path)
            if answer.status == 200 or not self._again(answer, started):
                break
        answers = _answers(rng, answer.body.decode("utf-8", errors="replace")) if answer.status == 200 else None
        if answers is None:
            visit.gave_up = f"GET {answer.status or answer.error}"
            self._odd(f"GET {path}", answer)
            return visit
        jar: dict[str, str] = {}
        _cookies(jar, answer.set_cookies)
        visit.key = idempotency_key(answers["form_key"])
        visit.comment = bool(answers.get("comment"))
        body = urlencode(answers)
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())}
        while True:
            visit.posts += 1
            answer = self._send(connection, "POST", path, body, headers)
            if answer.status == 303 or not self._again(answer, started):
                break
        visit.status = answer.status
        if answer.status != 303:
            visit.gave_up = f"POST {answer.status or answer.error}"
            self._odd(f"POST {path}", answer)
        return visit

    def _odd(self, what: str, answer: Answer) -> None:
        detail = f"status {answer.status}: {_snippet(answer.body)}" if answer.status else answer.error
        with self._lock:
            self.traffic.odd[(what.split("/s/")[0] + "/s/<loket>", detail[:200])] += 1


def warm(port: int, codes: list[str], settings: ServerSettings) -> None:
    """A few GETs on new connections so every worker has its templates compiled and its pool open."""
    for i in range(2 * settings.workers * settings.threads):
        fetch(port, "GET", f"/s/{codes[i % len(codes)]}")


# ---------------------------------------------------------------------------------------------
# What the database holds


@dataclass
class Ledger:
    """The stored responses compared with what the clients were told."""

    rows: int
    distinct_keys: int
    #: Of the rows, those held by the plausibility rules: stored, but in no rollup.
    held: int
    #: Responses added to each rollup by the run (sum of n) and sarans stored.
    daily_n: int
    hourly_n: int
    comments: int
    orphan_comments: int
    #: Visits whose form was accepted (303) but whose key is not stored.
    missing: int
    #: Stored keys no visit was told were accepted (a 303 never seen, or a row from nowhere).
    unexpected: int
    #: Visits that got a form but were not stored in the end (accepted or not).
    lost: int
    #: Rows beyond one per key.
    doubled: int
    expected_comments: int

    @property
    def partial(self) -> int:
        """Half-written data: responses missing from a rollup, sarans without their response, sarans lost."""
        counted = self.rows - self.held
        return (abs(self.daily_n - counted) + abs(self.hourly_n - counted) + self.orphan_comments
                + abs(self.comments - self.expected_comments))

    def problems(self, name: str, every_visit_stored: bool) -> list[str]:
        problems = []
        if self.missing:
            problems.append(f"{name}: {self.missing} submissions answered 303 but not stored")
        if self.unexpected:
            problems.append(f"{name}: {self.unexpected} stored rows that no client saw accepted")
        if self.doubled:
            problems.append(f"{name}: {self.doubled} rows stored twice")
        if every_visit_stored and self.lost:
            problems.append(f"{name}: {self.lost} citizens' answers never stored")
        if self.partial:
            problems.append(f"{name}: half-written data: {self.rows} responses ({self.held} held), rollups n "
                            f"{self.daily_n} daily / "
                            f"{self.hourly_n} hourly, {self.comments} sarans for {self.expected_comments} expected, "
                            f"{self.orphan_comments} sarans without a response")
        return problems

    def summary(self) -> str:
        return (f"{self.rows} rows ({self.distinct_keys} distinct keys, {self.held} held), rollups n "
                f"{self.daily_n} daily / "
                f"{self.hourly_n} hourly, {self.comments} sarans ({self.expected_comments} expected, "
                f"{self.orphan_comments} orphaned); missing {self.missing}, unexpected {self.unexpected}, "
                f"lost {self.lost}, doubled {self.doubled}")


def ledger(database_url: str, visits: list[Visit]) -> Ledger:
    """Compare the database (a fresh copy: everything in it came from this run) with the visits."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            def one(sql: str) -> int:
                return int(connection.execute(text(sql)).scalar() or 0)

            rows = one("SELECT count(*) FROM skm_response")
            held = one("SELECT count(*) FROM skm_response WHERE status = 'held'")
            distinct = one("SELECT count(DISTINCT idempotency_key) FROM skm_response")
            daily_n = one("SELECT coalesce(sum(n), 0) FROM skm_daily")
            hourly_n = one("SELECT coalesce(sum(n), 0) FROM skm_hourly")
            comments = one("SELECT count(*) FROM skm_comment")
            orphans = one("SELECT count(*) FROM skm_comment c LEFT JOIN skm_response r ON r.id = c.response_id "
                          "WHERE r.id IS NULL")
            stored = set(connection.execute(text("SELECT idempotency_key FROM skm_response")).scalars())
    finally:
        engine.dispose()
    accepted = {v.key for v in visits if v.accepted}
    formed = {v.key for v in visits if v.key}
    expected_comments = len({v.key for v in visits if v.comment and v.key in stored})
    return Ledger(
        rows=rows, distinct_keys=distinct, held=held, daily_n=daily_n, hourly_n=hourly_n, comments=comments,
        orphan_comments=orphans, missing=len(accepted - stored), unexpected=len(stored - accepted),
        lost=len(formed - stored), doubled=rows - distinct, expected_comments=expected_comments,
    )


def report_traffic(name: str, traffic: Traffic, log: str = "") -> None:
    say(f"  {name}: {traffic.summary()}")
    for (what, detail), n in traffic.odd.most_common(8):
        say(f"    unexpected {n} x {what}: {detail}")
    for (method, status, snippet), n in traffic.unfriendly.most_common(5):
        say(f"    NOT the friendly page {n} x {method} {status}: {snippet}")
    lines = log_excerpts(log, limit=6) if log else []
    if lines:
        say(f"  {name}: gunicorn error log, most frequent lines:")
        for line in lines:
            say(f"    {line[:300]}")


def traffic_delays(name: str, traffic: Traffic) -> list[str]:
    """A request so slow it counts as a hang: the benchmark reports it; a busy machine can cause
    it, so the correctness tests (tests/portal/test_load_faults.py) do not."""
    if traffic.slowest > REQUEST_TIMEOUT - 1:
        return [f"{name}: a request took {traffic.slowest:.1f} s (a hang)"]
    return []


def traffic_problems(name: str, traffic: Traffic, allow_503: bool = False) -> list[str]:
    problems = []
    five = traffic.server_errors - (traffic.count(503) if allow_503 else 0)
    if five:
        problems.append(f"{name}: {five} responses with status 5xx"
                        + (" other than the friendly 503" if allow_503 else ""))
    if traffic.unfriendly:
        problems.append(f"{name}: {sum(traffic.unfriendly.values())} 5xx answers without the friendly page")
    given_up = [v for v in traffic.visits if not v.accepted]
    if given_up:
        reasons = Counter(v.gave_up for v in given_up).most_common(3)
        problems.append(f"{name}: {len(given_up)} citizens not accepted ({reasons})")
    return problems


# ---------------------------------------------------------------------------------------------
# The load run


@dataclass
class LoadRun:
    traffic: Traffic
    ledger: Ledger
    log: str

    @property
    def problems(self) -> list[str]:
        problems = traffic_problems("load", self.traffic)
        if self.traffic.no_answer:
            problems.append(f"load: {self.traffic.no_answer} requests without an answer")
        return problems + self.ledger.problems("load", every_visit_stored=False)


def measure_load(databases: PortalDatabases, work: Path, submissions: int, concurrency: int,
                 settings: ServerSettings) -> LoadRun:
    """Citizens without retries against gunicorn; then the ledger of the fresh database."""
    url = databases.fresh("cermin_load")
    codes = column(url, ACTIVE_COUNTERS)
    with Gunicorn("portal:create_app()", fault_env(url, work), work, settings, name="load") as server:
        warm(server.port, codes, settings)
        traffic = Citizens(server.port, codes, submissions, concurrency).run()
        server.stop()
        log = server.log()
    return LoadRun(traffic, ledger(url, traffic.visits), log)


def run(options: argparse.Namespace) -> tuple[list[Figure], list[str]]:
    from tests.pgserver import PostgresUnavailable

    settings = server_settings(options)
    submissions = getattr(options, "load_submissions", DEFAULT_SUBMISSIONS)
    concurrency = getattr(options, "load_concurrency", DEFAULT_CONCURRENCY)
    say(f"== load: {submissions:,} citizens (GET form + POST answers) over {concurrency} connections, PostgreSQL; "
        f"{settings.describe()}")
    try:
        with workdir("cermin-bench-load-") as work, portal_databases(work) as databases:
            load = measure_load(databases, work, submissions, concurrency, settings)
    except PostgresUnavailable as error:
        say(f"!!! SKIP load: {error} !!!")
        return [], []
    report_traffic("load", load.traffic, load.log)
    say(f"  load: database: {load.ledger.summary()}")
    figures = [
        Figure("load_rps", load.traffic.rps, "submissions/s"),
        Figure("load_p99_ms", load.traffic.post_ms(99), "ms"),
        Figure("load_5xx", load.traffic.server_errors, "responses"),
    ]
    return figures, load.problems + traffic_delays("load", load.traffic)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--prepare"]:
        prepare_child(argv[1])
        return 0
    return standalone("bench.load", __doc__, run, add_arguments, argv=argv)


if __name__ == "__main__":
    raise SystemExit(main())


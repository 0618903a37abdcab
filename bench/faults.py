"""Faults under load: a gunicorn worker killed, PostgreSQL stopped, Redis stopped.

Each scenario serves the portal with gunicorn on a fresh copy of the PostgreSQL template of
`bench.load` and sends simulated citizens (GET the form, POST the answers) while the fault happens.

- **kill**: midway, one gunicorn worker gets SIGKILL (the master starts a new one), while requests
  are provably in flight in it: first a SHARE lock on `skm_response` holds every submission's
  INSERT, and the kill waits until every worker thread is such a held request (PostgreSQL shows
  them waiting for the lock); the lock is released after the kill. Citizens whose request gets no
  answer or a 5xx send the same request again (the POST with the same form_key and cookies) until
  it answers 303. Every citizen must end with exactly one stored row: `count(*) == citizens` and
  `count(DISTINCT idempotency_key) == count(*)`.
- **pgstop**: a third of the way in, the cluster is stopped (`pg_ctl stop -m fast`) for
  `--pg-down-seconds`. While it is down, `/healthz` must answer 503 and the form the friendly 503
  page with a Retry-After (or, for up to a minute, the blank form from the worker's memory, whose
  POST then meets the 503), and no request may answer anything else in the 5xx range or hang. Then
  the cluster starts again and the portal must recover by itself (health 200, a new submission
  stored) within `--recovery-timeout` seconds. Citizens retry as above; in the end every citizen is
  stored once, and nothing is half-written: every response is counted in both rollups, every saran
  belongs to a stored response, and every response that sent a saran has it.
- **redis**: the portal runs with `RATELIMIT_STORAGE_URI=redis://…` on a redis-server of our own
  and a login limit of 5 per minute. With Redis up the limit is shared by all workers. Then Redis
  is stopped: the form must still answer 303, a right password must still log in, and the login
  limit must still hold on each worker (Flask-Limiter's in-memory fallback,
  `RATELIMIT_IN_MEMORY_FALLBACK_ENABLED`). Then Redis starts again, and the limiter must write its
  counters there again by itself.

Figures: `kill_lost`, `kill_doubled`, `kill_resent`, `kill_respawn_s`; `pgstop_503`,
`pgstop_unfriendly_5xx`, `pgstop_recovery_s`, `pgstop_lost`, `pgstop_doubled`, `pgstop_partial`;
`redis_down_failed`, `redis_down_5xx`, `redis_recovery_s`.

Run alone: `python -m bench.faults [--faults kill,pgstop,redis] [--fault-submissions N]
[--fault-concurrency C] [--pg-down-seconds S] [--recovery-timeout S]`.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from bench.harness import HOST, Figure, Gunicorn, ServerSettings, column, free_port, say, standalone, workdir
from bench.load import (
    ACTIVE_COUNTERS,
    REQUEST_TIMEOUT,
    Answer,
    Citizens,
    Connection,
    Ledger,
    PortalDatabases,
    Traffic,
    Visit,
    fault_env,
    fetch,
    friendly_503,
    ledger,
    portal_databases,
    report_traffic,
    server_settings,
    traffic_delays,
    traffic_problems,
    warm,
)

FAULTS = ("kill", "pgstop", "redis")
DEFAULT_SUBMISSIONS = 2000
DEFAULT_CONCURRENCY = 32
DEFAULT_DOWN_SECONDS = 5.0
DEFAULT_RECOVERY_TIMEOUT = 60.0
#: The login limit while Redis is tested (CERMIN_LOGIN_LIMIT).
LOGIN_LIMIT = 5
DEMO_LOGIN = ("pegawai", "cermin-demo-2026")
WRONG_LOGIN = ("bukan-pengguna", "kata-sandi-salah-1")
CSRF_RE = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--faults", default=",".join(FAULTS),
                        help=f"comma-separated fault scenarios: {', '.join(FAULTS)} (default all)")
    parser.add_argument("--fault-submissions", type=int, default=DEFAULT_SUBMISSIONS,
                        help=f"citizens per fault scenario (default {DEFAULT_SUBMISSIONS:,})")
    parser.add_argument("--fault-concurrency", type=int, default=DEFAULT_CONCURRENCY,
                        help=f"simultaneous connections per fault scenario (default {DEFAULT_CONCURRENCY})")
    parser.add_argument("--pg-down-seconds", type=float, default=DEFAULT_DOWN_SECONDS,
                        help=f"how long PostgreSQL stays stopped (default {DEFAULT_DOWN_SECONDS:.0f} s)")
    parser.add_argument("--recovery-timeout", type=float, default=DEFAULT_RECOVERY_TIMEOUT,
                        help=f"seconds the portal has to recover after a restart (default {DEFAULT_RECOVERY_TIMEOUT:.0f})")


def worker_pids(master: int) -> list[int]:
    """gunicorn's workers: the processes whose parent is the master."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended while we looked
        if int(fields[1]) == master:
            pids.append(int(stat.parent.name))
    return sorted(pids)


def _wait(predicate, timeout: float, pause: float = 0.1) -> float | None:
    """Seconds until predicate() is true, or None after `timeout`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(pause)
    return None


# ---------------------------------------------------------------------------------------------
# A worker killed


@contextmanager
def inserts_held(database_url: str) -> Iterator[Callable[[], int]]:
    """Hold a SHARE lock on skm_response for the block: every submission's INSERT waits inside its
    worker. Yields a function counting the requests waiting, for the lock or behind it."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as holder, engine.connect() as watcher:
            holder.execute(text("LOCK TABLE skm_response IN SHARE MODE"))
            # A submission waits either for the table itself or, queued behind one that does, for
            # its loket's or officer's advisory lock (the integrity rules serialise on them).
            waiting = text("SELECT count(DISTINCT l.pid) FROM pg_locks l LEFT JOIN pg_class c ON c.oid = l.relation "
                           "WHERE NOT l.granted AND (c.relname = 'skm_response' OR l.locktype = 'advisory')")

            def count() -> int:
                return watcher.execute(waiting).scalar()

            yield count
            holder.rollback()
    finally:
        engine.dispose()


@dataclass
class KillRun:
    traffic: Traffic
    ledger: Ledger
    killed: int | None
    workers: list[int]
    respawn_seconds: float | None
    log: str
    #: Submissions waiting inside the workers when one was killed (None: they never all waited).
    in_flight: int | None = None

    @property
    def problems(self) -> list[str]:
        problems = traffic_problems("kill", self.traffic)
        if self.killed is None:
            problems.append("kill: no gunicorn worker was found to kill")
        if self.in_flight is None:
            problems.append("kill: the workers never all held a submission, so nothing was provably in flight")
        elif not self.traffic.no_answer:
            problems.append("kill: a worker was killed with submissions in flight, yet every request was answered")
        if self.respawn_seconds is None:
            problems.append("kill: gunicorn did not replace the killed worker")
        problems += self.ledger.problems("kill", every_visit_stored=True)
        if self.ledger.rows != self.traffic.citizens:
            problems.append(f"kill: {self.ledger.rows} rows stored for {self.traffic.citizens} citizens")
        return problems


def measure_kill(databases: PortalDatabases, work: Path, citizens: int, concurrency: int,
                 settings: ServerSettings, give_up: float = 120.0) -> KillRun:
    """`give_up`: seconds a citizen keeps resending before giving up (the tests allow a busy
    machine far more)."""
    url = databases.fresh("cermin_kill")
    codes = column(url, ACTIVE_COUNTERS)
    with Gunicorn("portal:create_app()", fault_env(url, work), work, settings, name="kill") as server:
        warm(server.port, codes, settings)
        workers = worker_pids(server.process.pid)
        clients = Citizens(server.port, codes, citizens, concurrency, retry=True, give_up=give_up)
        midway = clients.when_done(citizens // 2)
        clients.start()
        midway.wait()
        killed, respawn, in_flight = None, None, None
        if workers:
            threads = settings.workers * settings.threads
            with inserts_held(url) as waiting:
                # Every worker thread holds a submission that waits for the lock: the killed
                # worker's are in flight when it dies.
                if _wait(lambda: waiting() >= threads, timeout=120) is not None:
                    in_flight = waiting()
                killed = workers[0]
                os.kill(killed, signal.SIGKILL)
            respawn = _wait(lambda: killed not in (now := worker_pids(server.process.pid))
                            and len(now) == settings.workers, timeout=60)
        traffic = clients.join()
        server.stop()
        log = server.log()
    return KillRun(traffic, ledger(url, traffic.visits), killed, workers, respawn, log, in_flight)


# ---------------------------------------------------------------------------------------------
# PostgreSQL stopped


def form_while_down(answer: Answer) -> bool:
    """What the form may answer while PostgreSQL is down: the friendly 503 page or, for up to a
    minute, the blank form from the worker's memory of the loket (`portal/caches.py`), whose
    answers then meet the friendly 503 in turn (the traffic's POSTs)."""
    return friendly_503(answer) or (answer.status == 200 and b'name="form_key"' in answer.body)


@dataclass
class PgStopRun:
    traffic: Traffic
    #: Citizens sent after the restart to see the portal recover.
    probes: list[Visit]
    ledger: Ledger
    #: (what, answer) of the health and form checks while the cluster was down.
    checks: list[tuple[str, Answer]]
    down_from: float
    down_to: float
    health_back: float | None
    submit_back: float | None
    log: str
    recovery_timeout: float

    @property
    def during_outage(self) -> Counter:
        """Statuses of the citizens' requests answered while the cluster was down."""
        return Counter((method, status) for at, method, status, _s in self.traffic.timeline
                       if self.down_from <= at <= self.down_to)

    @property
    def delays(self) -> list[str]:
        """Requests that took so long they count as hangs: a figure for the benchmark, which a
        busy machine can produce, so the tests leave it out."""
        delays = traffic_delays("pgstop", self.traffic)
        slow = max((a.seconds for _w, a in self.checks), default=0.0)
        if slow > REQUEST_TIMEOUT - 1:
            delays.append(f"pgstop: a check took {slow:.1f} s while PostgreSQL was down")
        return delays

    @property
    def friendly_503s(self) -> int:
        checks = sum(1 for _what, answer in self.checks if answer.status == 503)
        return checks + self.traffic.count(503)

    @property
    def unfriendly_5xx(self) -> int:
        checks = sum(1 for what, answer in self.checks if what == "form" and answer.status
                     and answer.status >= 500 and not friendly_503(answer))
        return checks + sum(self.traffic.unfriendly.values())

    @property
    def problems(self) -> list[str]:
        problems = traffic_problems("pgstop", self.traffic, allow_503=True)
        health = Counter(a.status for what, a in self.checks if what == "healthz")
        forms = Counter(a.status for what, a in self.checks if what == "form")
        if set(health) != {503}:
            problems.append(f"pgstop: /healthz while PostgreSQL was down answered {dict(health)} (expected 503)")
        if not all(form_while_down(a) for what, a in self.checks if what == "form"):
            problems.append(f"pgstop: the form while PostgreSQL was down answered {dict(forms)} "
                            "(expected the friendly 503 page with Retry-After, or the form from memory)")
        if self.health_back is None or self.submit_back is None:
            problems.append(f"pgstop: the portal did not recover within {self.recovery_timeout:.0f} s of the restart "
                            f"(health after {self.health_back} s, first stored submission after {self.submit_back} s)")
        problems += self.ledger.problems("pgstop", every_visit_stored=True)
        if self.ledger.rows != self.traffic.citizens + sum(v.accepted for v in self.probes):
            problems.append(f"pgstop: {self.ledger.rows} rows stored for {self.traffic.citizens} citizens "
                            f"and {sum(v.accepted for v in self.probes)} accepted probes")
        return problems


def measure_pg_stop(databases: PortalDatabases, work: Path, citizens: int, concurrency: int,
                    settings: ServerSettings, down_seconds: float, recovery_timeout: float) -> PgStopRun:
    url = databases.fresh("cermin_pgstop")
    codes = column(url, ACTIVE_COUNTERS)
    cluster = databases.server
    checks: list[tuple[str, Answer]] = []
    probes: list[Visit] = []
    with Gunicorn("portal:create_app()", fault_env(url, work), work, settings, name="pgstop") as server:
        port = server.port
        warm(port, codes, settings)
        clients = Citizens(port, codes, citizens, concurrency, retry=True,
                           give_up=down_seconds + recovery_timeout + REQUEST_TIMEOUT)
        a_third = clients.when_done(citizens // 3)
        clients.start()
        a_third.wait()
        down_from = time.monotonic()
        cluster.stop("fast")
        while time.monotonic() - down_from < down_seconds:
            checks.append(("healthz", fetch(port, "GET", "/healthz")))
            checks.append(("form", fetch(port, "GET", f"/s/{codes[0]}")))
            time.sleep(0.2)
        cluster.start()
        down_to = time.monotonic()

        def healthy() -> bool:
            return fetch(port, "GET", "/healthz").status == 200

        def stores() -> bool:
            probe = Citizens(port, codes, 1, 1, seed=len(probes) + 1).run().visits
            probes.extend(probe)
            return any(v.accepted for v in probe)

        health_back = _wait(healthy, recovery_timeout, pause=0.2)
        submit_back = _wait(stores, recovery_timeout, pause=0.2)
        if submit_back is not None:
            submit_back = time.monotonic() - down_to  # counted from the restart, like health_back
        traffic = clients.join()
        server.stop()
        log = server.log()
    return PgStopRun(traffic, probes, ledger(url, traffic.visits + probes), checks, down_from, down_to,
                     health_back, submit_back, log, recovery_timeout)


# ---------------------------------------------------------------------------------------------
# Redis stopped


class RedisUnavailable(RuntimeError):
    pass


class RedisServer:
    """A redis-server of our own on a loopback port, without persistence; can be stopped and started again."""

    def __init__(self, folder: Path, port: int):
        self.folder = folder
        self.port = port
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if not binary:
            raise RedisUnavailable("redis-server not found (install Debian's redis-server)")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", HOST, "--save", "", "--appendonly", "no",
             "--dir", str(self.folder), "--logfile", str(self.folder / "redis.log"), "--loglevel", "warning"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if _wait(self.ping, timeout=15) is None:
            self.stop()
            raise RedisUnavailable(f"redis-server did not answer on port {self.port}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _client(self):
        import redis

        return redis.Redis(host=HOST, port=self.port, socket_timeout=2, socket_connect_timeout=2)

    def ping(self) -> bool:
        import redis

        client = self._client()
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def keys(self) -> int:
        client = self._client()
        try:
            return int(client.dbsize())
        finally:
            client.close()

    def flush(self) -> None:
        client = self._client()
        try:
            client.flushall()
        finally:
            client.close()


@contextmanager
def redis_server(folder: Path) -> Iterator[RedisServer]:
    try:
        import redis  # noqa: F401  (the portal needs it for redis:// storage: the `redis` extra)
    except ImportError as error:
        raise RedisUnavailable('the redis package is missing: pip install -e ".[redis]"') from error
    server = RedisServer(folder, free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


class Browser:
    """A person with cookies on one keep-alive connection (so one gunicorn worker serves them)."""

    def __init__(self, port: int):
        self.connection = Connection(port)
        self.jar: dict[str, str] = {}
        self.answers: list[Answer] = []

    def request(self, method: str, path: str, data: dict[str, str] | None = None) -> Answer:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.jar.items())}
        body = None
        if data is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urlencode(data)
        answer = self.connection.request(method, path, body, headers)
        for header in answer.set_cookies:
            name, _, value = header.split(";", 1)[0].partition("=")
            self.jar[name.strip()] = value.strip()
        self.answers.append(answer)
        return answer

    def login(self, username: str, password: str) -> Answer:
        page = self.request("GET", "/masuk")
        token = CSRF_RE.search(page.body.decode("utf-8", errors="replace")) if page.status == 200 else None
        if token is None:
            return page
        return self.request("POST", "/masuk", {"csrf_token": token.group(1), "login": username, "password": password})

    def close(self) -> None:
        self.connection.close()


def _login(port: int, credentials: tuple[str, str], answers: list[Answer]) -> int | None:
    browser = Browser(port)
    try:
        status = browser.login(*credentials).status
    finally:
        browser.close()
    answers.extend(browser.answers)
    return status


@dataclass
class RedisRun:
    #: Wrong logins on new connections while Redis was up: the shared limit.
    shared_limit: list[int | None]
    keys_while_up: int
    right_login_up: int | None
    citizens_down: Traffic
    right_logins_down: list[int | None]
    #: Wrong logins on one connection (one worker) while Redis was down: the in-memory fallback.
    fallback_limit: list[int | None]
    recovery_seconds: float | None
    recovery_timeout: float
    #: Every answer outside the citizens' traffic.
    answers: list[Answer] = field(default_factory=list)
    log: str = ""
    citizens_up: Traffic | None = None

    @property
    def server_errors(self) -> int:
        others = sum(1 for a in self.answers if a.status and a.status >= 500)
        citizens = self.citizens_down.server_errors + (self.citizens_up.server_errors if self.citizens_up else 0)
        return others + citizens

    @property
    def failed_while_down(self) -> int:
        """Form submissions not accepted and right passwords not let in while Redis was down."""
        citizens = sum(1 for v in self.citizens_down.visits if not v.accepted)
        return citizens + sum(1 for status in self.right_logins_down if status != 302)

    @property
    def fallback_limited_at(self) -> int | None:
        return next((i + 1 for i, status in enumerate(self.fallback_limit) if status == 429), None)

    @property
    def problems(self) -> list[str]:
        problems = []
        expected = [200] * LOGIN_LIMIT + [429]
        if self.shared_limit != expected:
            problems.append(f"redis: with Redis up, {LOGIN_LIMIT + 1} wrong logins on new connections answered "
                            f"{self.shared_limit} (expected {expected}: one limit shared through Redis)")
        if not self.keys_while_up:
            problems.append("redis: the limiter wrote nothing to Redis while it was up")
        if self.right_login_up != 302:
            problems.append(f"redis: a right password answered {self.right_login_up} with Redis up")
        if self.server_errors:
            problems.append(f"redis: {self.server_errors} responses with status 5xx")
        if self.failed_while_down:
            problems.append(f"redis: with Redis down, {self.failed_while_down} form submissions or right logins "
                            f"failed (citizens: {dict(self.citizens_down.statuses)}, logins: {self.right_logins_down})")
        if self.fallback_limited_at != LOGIN_LIMIT + 1:
            problems.append(f"redis: with Redis down, wrong logins on one worker answered {self.fallback_limit} "
                            f"(expected the in-memory fallback to refuse attempt {LOGIN_LIMIT + 1})")
        if self.recovery_seconds is None:
            problems.append(f"redis: the limiter did not use Redis again within {self.recovery_timeout:.0f} s")
        return problems


def measure_redis(databases: PortalDatabases, work: Path, citizens: int, concurrency: int,
                  settings: ServerSettings, recovery_timeout: float) -> RedisRun:
    url = databases.fresh("cermin_redis")
    codes = column(url, ACTIVE_COUNTERS)
    answers: list[Answer] = []
    with redis_server(work) as redis:
        # The per-address limit alone: the per-client login delays (kept in the database, not in
        # Redis) would refuse these same wrong passwords too, and hide what the limiter does.
        env = fault_env(url, work, RATELIMIT_STORAGE_URI=redis.url, CERMIN_LOGIN_LIMIT=f"{LOGIN_LIMIT} per minute",
                        CERMIN_LOGIN_FREE_ATTEMPTS="1000")
        with Gunicorn("portal:create_app()", env, work, settings, name="redis") as server:
            port = server.port
            warm(port, codes, settings)
            citizens_up = Citizens(port, codes, max(1, citizens // 4), concurrency).run()
            # New connections land on any worker: only a limit kept in Redis refuses the sixth.
            shared = [_login(port, WRONG_LOGIN, answers) for _ in range(LOGIN_LIMIT + 1)]
            keys_while_up = redis.keys()
            redis.flush()
            right_up = _login(port, DEMO_LOGIN, answers)

            redis.stop()
            citizens_down = Citizens(port, codes, citizens, concurrency, seed=7).run()
            right_down = [_login(port, DEMO_LOGIN, answers) for _ in range(2 * settings.workers)]
            one_worker = Browser(port)
            try:
                fallback = [one_worker.login(*WRONG_LOGIN).status for _ in range(LOGIN_LIMIT + 2)]
            finally:
                one_worker.close()
            answers.extend(one_worker.answers)

            redis.start()
            restarted = time.monotonic()

            def counts_in_redis() -> bool:
                _login(port, WRONG_LOGIN, answers)
                return redis.keys() > 0

            recovery = _wait(counts_in_redis, recovery_timeout, pause=0.25)
            if recovery is not None:
                recovery = time.monotonic() - restarted
            server.stop()
            log = server.log()
    return RedisRun(shared, keys_while_up, right_up, citizens_down, right_down, fallback, recovery,
                    recovery_timeout, answers, log, citizens_up)


# ---------------------------------------------------------------------------------------------


def run(options: argparse.Namespace) -> tuple[list[Figure], list[str]]:
    from tests.pgserver import PostgresUnavailable

    settings = server_settings(options)
    chosen = [f.strip() for f in getattr(options, "faults", ",".join(FAULTS)).split(",") if f.strip()]
    citizens = getattr(options, "fault_submissions", DEFAULT_SUBMISSIONS)
    concurrency = getattr(options, "fault_concurrency", DEFAULT_CONCURRENCY)
    down = getattr(options, "pg_down_seconds", DEFAULT_DOWN_SECONDS)
    recovery_timeout = getattr(options, "recovery_timeout", DEFAULT_RECOVERY_TIMEOUT)
    unknown = sorted(set(chosen) - set(FAULTS))
    if unknown:
        return [], [f"faults: unknown scenarios {unknown} (choose from {', '.join(FAULTS)})"]
    say(f"== faults ({', '.join(chosen)}): {citizens:,} citizens over {concurrency} connections each, PostgreSQL; "
        f"{settings.describe()}")
    figures: list[Figure] = []
    problems: list[str] = []
    try:
        with workdir("cermin-bench-faults-") as work, portal_databases(work) as databases:
            if "kill" in chosen:
                found, trouble = _kill(databases, work, citizens, concurrency, settings)
                figures += found
                problems += trouble
            if "redis" in chosen:
                found, trouble = _redis(databases, work, citizens, concurrency, settings, recovery_timeout)
                figures += found
                problems += trouble
            if "pgstop" in chosen:  # last: it stops the cluster the others use
                found, trouble = _pg_stop(databases, work, citizens, concurrency, settings, down, recovery_timeout)
                figures += found
                problems += trouble
    except PostgresUnavailable as error:
        say(f"!!! SKIP faults: {error} !!!")
    return figures, problems


def _kill(databases, work, citizens, concurrency, settings) -> tuple[list[Figure], list[str]]:
    say("  kill: SIGKILL one gunicorn worker halfway; clients resend the same request until it answers")
    result = measure_kill(databases, work, citizens, concurrency, settings)
    report_traffic("kill", result.traffic, result.log)
    respawn = f"{result.respawn_seconds:.1f} s" if result.respawn_seconds is not None else "never"
    say(f"  kill: workers {result.workers}, killed {result.killed} with {result.in_flight} submissions held in the "
        f"workers, replaced after {respawn}; "
        f"requests without an answer {result.traffic.no_answer}, requests resent {result.traffic.resent} "
        f"({result.traffic.retried_posts} of them POSTs)")
    say(f"  kill: database: {result.ledger.summary()}")
    figures = [
        Figure("kill_lost", result.ledger.lost, "rows"),
        Figure("kill_doubled", result.ledger.doubled, "rows"),
        Figure("kill_resent", result.traffic.resent, "requests"),
    ]
    if result.respawn_seconds is not None:
        figures.append(Figure("kill_respawn_s", result.respawn_seconds, "s"))
    return figures, result.problems + traffic_delays("kill", result.traffic)


def _pg_stop(databases, work, citizens, concurrency, settings, down, recovery_timeout):
    say(f"  pgstop: pg_ctl stop -m fast a third of the way in, {down:.0f} s down, then start again")
    result = measure_pg_stop(databases, work, citizens, concurrency, settings, down, recovery_timeout)
    report_traffic("pgstop", result.traffic, result.log)
    outage = ", ".join(f"{m} {s}: {n}" for (m, s), n in sorted(result.during_outage.items(), key=str))
    checks = Counter((what, a.status, friendly_503(a) if what == "form" else None) for what, a in result.checks)
    slow = max((a.seconds for _w, a in result.checks), default=0.0)
    say(f"  pgstop: while down ({result.down_to - result.down_from:.1f} s): citizens' answers {outage or 'none'}; "
        f"checks {dict(checks)} (True: the friendly page with Retry-After), slowest check {slow * 1000:.0f} ms")
    say(f"  pgstop: after the restart /healthz 200 in {result.health_back} s, a new submission stored "
        f"{result.submit_back} s after the restart ({len(result.probes)} probe citizens)")
    say(f"  pgstop: database: {result.ledger.summary()}")
    figures = [
        Figure("pgstop_503", result.friendly_503s, "responses"),
        Figure("pgstop_unfriendly_5xx", result.unfriendly_5xx, "responses"),
        Figure("pgstop_lost", result.ledger.lost, "rows"),
        Figure("pgstop_doubled", result.ledger.doubled, "rows"),
        Figure("pgstop_partial", result.ledger.partial, "rows"),
    ]
    if result.submit_back is not None:
        figures.append(Figure("pgstop_recovery_s", result.submit_back, "s"))
    return figures, result.problems + result.delays


def _redis(databases, work, citizens, concurrency, settings, recovery_timeout):
    say(f"  redis: RATELIMIT_STORAGE_URI=redis://…, login limit {LOGIN_LIMIT} per minute; Redis stopped, "
        "then started again")
    try:
        result = measure_redis(databases, work, max(1, citizens // 4), min(concurrency, 8), settings,
                               recovery_timeout)
    except RedisUnavailable as error:
        say(f"!!! SKIP redis: {error} !!!")
        return [], []
    report_traffic("redis (Redis down)", result.citizens_down, result.log)
    say(f"  redis: up: wrong logins on new connections {result.shared_limit}, {result.keys_while_up} keys in Redis, "
        f"right login {result.right_login_up}")
    say(f"  redis: down: right logins {result.right_logins_down}; wrong logins on one worker {result.fallback_limit} "
        f"(refused at attempt {result.fallback_limited_at})")
    recovery = f"{result.recovery_seconds:.1f} s" if result.recovery_seconds is not None else "never"
    say(f"  redis: restarted: the limiter counts in Redis again after {recovery}")
    figures = [
        Figure("redis_down_failed", result.failed_while_down, "requests"),
        Figure("redis_down_5xx", result.server_errors, "responses"),
    ]
    if result.recovery_seconds is not None:
        figures.append(Figure("redis_recovery_s", result.recovery_seconds, "s"))
    return figures, result.problems


def main(argv: list[str] | None = None) -> int:
    from bench.load import add_arguments as load_arguments

    return standalone("bench.faults", __doc__, run, add_arguments, load_arguments, argv=argv)


if __name__ == "__main__":
    raise SystemExit(main())

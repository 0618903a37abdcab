"""What every benchmark needs: throwaway databases, a gunicorn server on a loopback port, and a
load generator made of threads with keep-alive `http.client` connections."""
from __future__ import annotations

import http.client
import math
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Figure:
    """One measured number, printed as `RESULT name=value unit`."""

    name: str
    value: float | int
    unit: str

    def line(self) -> str:
        value = f"{self.value:.2f}" if isinstance(self.value, float) else str(self.value)
        return f"RESULT {self.name}={value} {self.unit}"


def say(message: str = "") -> None:
    print(message, flush=True)


def report(figures: list[Figure], problems: list[str]) -> int:
    """Print the problems, then one RESULT line per figure; the exit status (1 on any problem)."""
    for problem in problems:
        say(f"!!! PROBLEM: {problem}")
    for figure in figures:
        say(figure.line())
    return 1 if problems else 0


def standalone(prog: str, doc: str, run, *add_arguments, argv: list[str] | None = None) -> int:
    """`python -m <prog>`: one benchmark alone, with its own options."""
    import argparse

    parser = argparse.ArgumentParser(prog=f"python -m {prog}", description=doc.split("\n\n")[0])
    for add in add_arguments:
        add(parser)
    return report(*run(parser.parse_args(argv)))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------------------------------------
# Databases and the portal's environment


#: The plausibility limits under load: a benchmark's citizens are a machine's, thousands a minute at
#: a few lokets, so the limits are set explicitly out of their way and a held response can never
#: hide a lost one (docs/integrity.md). A run that keeps the portal's defaults passes
#: `default_limits=True`.
BENCH_LIMITS = {"CERMIN_RATE_LIMIT": "1000000", "CERMIN_OFFICER_RATE_LIMIT": "1000000"}


#: The portal's clock under load reads a Tuesday at 10:00 in the demo instansi (WITA): officers
#: are on duty at every loket and citizens name them, as in office hours, at whatever hour the
#: benchmark runs. The demo is seeded four weeks before it, so the appraisal period that the demo
#: closes on its seeding day lies behind: a working day in the middle of the year, not the
#: period-end surge (which holds an officer's twentieth response of a day and more).
BENCH_MOMENT = datetime(2026, 6, 9, 2, 0, tzinfo=timezone.utc)
SEED_MOMENT = BENCH_MOMENT - timedelta(days=28)


def portal_env(database_url: str, workdir: Path, default_limits: bool = False,
               moment: datetime = BENCH_MOMENT) -> dict[str, str]:
    """The environment the portal runs with under load (see "Benchmarks and fault tests" in
    docs/development.md), its clock starting at `moment` and ticking on, shared by every process
    started with it."""
    env = dict(os.environ)
    if default_limits:
        for name in BENCH_LIMITS:
            env.pop(name, None)
    else:
        env.update(BENCH_LIMITS)
    env.update({
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-secret-not-for-production",
        "CERMIN_INSTANCE_PATH": str(workdir / "instance"),
        "CERMIN_ENV": "development",
        # Machines post at machine speed and from few "devices": lift the human-speed guards.
        "CERMIN_MIN_FILL_SECONDS": "0",
        "CERMIN_DEVICE_DAILY_LIMIT": "1000000",
        "RATELIMIT_STORAGE_URI": "memory://",
        # The twelve months of demo feedback are not needed to measure writes.
        "CERMIN_DEMO_FEEDBACK": "0",
        "CERMIN_LANG": "id",
        "CERMIN_CLOCK_START": moment.isoformat(),
        "CERMIN_CLOCK_ORIGIN": repr(time.time()),
    })
    return env


def prepare_portal_database(database_url: str, workdir: Path) -> None:
    """Migrate (`flask --app portal db upgrade`) and seed the demo organisation without feedback."""
    env = portal_env(database_url, workdir, moment=SEED_MOMENT)
    for args in (["db", "upgrade"], ["seed-demo"]):
        done = subprocess.run([sys.executable, "-m", "flask", "--app", "portal", *args], cwd=REPO, env=env,
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise SetupFailed(f"flask {' '.join(args)} failed: {_last_error(done.stderr) or done.stdout[-300:]}")


class SetupFailed(RuntimeError):
    """The database could not be prepared; the benchmark reports it and goes on with the next one."""


def _last_error(stderr: str) -> str:
    """The exception line of a traceback ("sqlalchemy.exc.X: ..."), without the SQL and parameters."""
    found = re.findall(r"^[\w.]*(?:Error|Exception|Exit)\b.*$", stderr, re.M)
    return found[-1][:300] if found else ""


def sqlite_url(workdir: Path) -> str:
    return f"sqlite:///{workdir / 'bench.sqlite'}"


def scalar(database_url: str, sql: str):
    """One value from the database, on a connection of our own (the server keeps its own)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql)).scalar()
    finally:
        engine.dispose()


def column(database_url: str, sql: str) -> list:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(sql)).scalars())
    finally:
        engine.dispose()


# ---------------------------------------------------------------------------------------------
# The server


@dataclass(frozen=True)
class ServerSettings:
    """How gunicorn serves both the portal and the bare baseline."""

    workers: int = 2
    threads: int = 4
    keep_alive: int = 30

    def describe(self) -> str:
        return (f"gunicorn, {self.workers} workers x {self.threads} threads (gthread), "
                f"keep-alive {self.keep_alive} s, access log off")


class Gunicorn:
    """`gunicorn <app>` on a free loopback port, for the duration of a `with` block."""

    def __init__(self, app: str, env: dict[str, str], workdir: Path, settings: ServerSettings,
                 ready_path: str = "/healthz", name: str = "server"):
        self.app = app
        self.env = env
        self.settings = settings
        self.ready_path = ready_path
        self.port = free_port()
        self.log_path = workdir / f"gunicorn-{name}.log"
        # An empty config file, so a gunicorn.conf.py in the working directory cannot change the settings.
        self.config_path = workdir / "gunicorn-bench.conf.py"
        self.process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        s = self.settings
        return [
            sys.executable, "-m", "gunicorn", "--config", str(self.config_path), "--chdir", str(REPO),
            "--bind", f"{HOST}:{self.port}", "--workers", str(s.workers), "--worker-class", "gthread",
            "--threads", str(s.threads), "--keep-alive", str(s.keep_alive), "--graceful-timeout", "5",
            "--timeout", "60", "--error-logfile", str(self.log_path), "--capture-output", "--log-level", "warning",
            self.app,
        ]

    def __enter__(self) -> Gunicorn:
        self.config_path.write_text("# settings are given on the command line (bench/harness.py)\n")
        self.process = subprocess.Popen(self.command(), env=self.env, cwd=REPO, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log()[-4000:]}")
            try:
                connection = http.client.HTTPConnection(HOST, self.port, timeout=5)
                try:
                    connection.request("GET", self.ready_path)
                    response = connection.getresponse()
                    response.read()
                    if response.status == 200:
                        return
                finally:
                    connection.close()
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer {self.ready_path} within {timeout:.0f} s:\n{self.log()[-4000:]}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""


# ---------------------------------------------------------------------------------------------
# The load: simulated citizens


CSRF_RE = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')
FORM_KEY_RE = re.compile(r'name="form_key"[^>]*?value="([^"]*)"')
OFFICER_RE = re.compile(r'name="officer" value="(\d+)"')
SCORE_WEIGHTS = (5, 10, 45, 40)
PROFILE = {"gender": ("L", "P"), "age_range": ("20-29", "30-39", "40-49"), "education": ("SMA", "S1"),
           "occupation": ("SWASTA", "WIRAUSAHA", "LAINNYA")}


@dataclass
class LoadResult:
    """What a run saw from the client side."""

    submissions: int
    concurrency: int
    elapsed: float = 0.0
    post_statuses: Counter = field(default_factory=Counter)
    get_statuses: Counter = field(default_factory=Counter)
    post_latencies: list[float] = field(default_factory=list)
    get_latencies: list[float] = field(default_factory=list)
    #: (what, detail) of each failed request: a 5xx, an unexpected status, a connection error.
    failures: list[tuple[str, str]] = field(default_factory=list)
    #: CPU seconds the run cost the client and the server processes measured (see `run_load`).
    cpu_seconds: float | None = None

    @property
    def accepted(self) -> int:
        return self.post_statuses.get(303, 0)

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in (self.post_statuses + self.get_statuses).items() if status >= 500)

    @property
    def rps(self) -> float:
        """Accepted submissions (POST answered 303) per second of the whole run."""
        return self.accepted / self.elapsed if self.elapsed else 0.0

    @property
    def cpu_ms(self) -> float | None:
        """CPU milliseconds per accepted submission, client and servers together."""
        return 1000 * self.cpu_seconds / self.accepted if self.cpu_seconds is not None and self.accepted else None

    def post_ms(self, percentile: float) -> float:
        return _percentile(self.post_latencies, percentile) * 1000

    def get_ms(self, percentile: float) -> float:
        return _percentile(self.get_latencies, percentile) * 1000

    def summary(self) -> str:
        cpu = f" ({self.cpu_ms:.2f} ms of CPU each)" if self.cpu_ms is not None else ""
        return (f"{self.accepted}/{self.submissions} accepted in {self.elapsed:.1f} s = {self.rps:.1f} submissions/s{cpu}; "
                f"POST p50 {self.post_ms(50):.1f} ms, p99 {self.post_ms(99):.1f} ms; "
                f"GET p50 {self.get_ms(50):.1f} ms, p99 {self.get_ms(99):.1f} ms; "
                f"POST statuses {dict(sorted(self.post_statuses.items()))}, "
                f"GET statuses {dict(sorted(self.get_statuses.items()))}")


def _percentile(values: list[float], percentile: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(percentile / 100 * len(ordered)))
    return ordered[rank - 1]


class _Connection:
    """One keep-alive connection, reopened after an error."""

    def __init__(self, port: int):
        self.port = port
        self.connection = http.client.HTTPConnection(HOST, port, timeout=120)

    def request(self, method: str, path: str, body: str | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, list[str], bytes, float]:
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=headers or {})
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.reopen()
            raise
        seconds = time.perf_counter() - started
        if response.will_close:
            self.reopen()
        return response.status, response.msg.get_all("Set-Cookie") or [], data, seconds

    def reopen(self) -> None:
        self.connection.close()
        self.connection = http.client.HTTPConnection(HOST, self.port, timeout=120)

    def close(self) -> None:
        self.connection.close()


def _cookies(jar: dict[str, str], set_cookies: list[str]) -> None:
    for header in set_cookies:
        name, _, value = header.split(";", 1)[0].partition("=")
        jar[name.strip()] = value.strip()


def _answers(rng: random.Random, page: str) -> dict[str, str] | None:
    csrf, form_key = CSRF_RE.search(page), FORM_KEY_RE.search(page)
    if not csrf or not form_key:
        return None
    answers = {"csrf_token": csrf.group(1), "form_key": form_key.group(1), "ticket": "", "website": ""}
    for i in range(1, 10):
        answers[f"u{i}"] = str(rng.choices((1, 2, 3, 4), weights=SCORE_WEIGHTS)[0])
    officers = OFFICER_RE.findall(page)
    if officers:
        answers["officer"] = rng.choice(officers)
    if rng.random() < 0.1:
        answers["comment"] = "Pelayanan cepat dan petugas ramah, terima kasih."
    for name, choices in PROFILE.items():
        answers[name] = rng.choice(choices) if rng.random() < 0.6 else ""
    return answers


def tree_cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of a process, its children that have ended, and its live
    children (gunicorn's workers, PostgreSQL's backends), from /proc; 0 once it is gone."""
    def fields(of: int) -> list[str] | None:
        try:
            return Path(f"/proc/{of}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            return None

    root = fields(pid)
    if root is None:
        return 0.0
    ticks = sum(int(value) for value in root[11:15])  # utime, stime, cutime, cstime
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            child = fields(int(entry))
            if child is not None and int(child[1]) == pid:
                ticks += sum(int(value) for value in child[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def run_load(port: int, codes: list[str], submissions: int, concurrency: int, seed: int = 2026,
             cpu_of: tuple[int, ...] = ()) -> LoadResult:
    """`concurrency` threads share `submissions` citizens, each citizen on a connection of its own.

    A citizen (fresh cookies, a new device, a new keep-alive connection) GETs `/s/<code>` for a
    random loket, reads the CSRF token and form key from the HTML, then POSTs a complete answer set
    with the cookies it was given, and hangs up. (Connections kept for a whole run would stay with
    the gunicorn worker that accepted them, and one worker often gets most of them: a run then
    measures one worker on one core, at random. New connections go to whichever worker is free.)
    With `cpu_of` (the pids of the gunicorn master, the PostgreSQL postmaster), the result also
    has the CPU the run cost: this process's (the client) and those process trees'. On a shared
    machine that is steadier than the wall time.
    """
    cpu_before = time.process_time() + sum(tree_cpu_seconds(pid) for pid in cpu_of)
    result = LoadResult(submissions=submissions, concurrency=concurrency)
    lock = threading.Lock()
    tickets = iter(range(submissions))
    start = threading.Barrier(concurrency + 1)

    def citizen_loop(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        connection = _Connection(port)
        try:
            start.wait()
            while True:
                with lock:
                    if next(tickets, None) is None:
                        return
                _one_citizen(connection, rng, rng.choice(codes), result, lock)
                connection.reopen()
        finally:
            connection.close()

    threads = [threading.Thread(target=citizen_loop, args=(i,), daemon=True) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    result.elapsed = time.perf_counter() - began
    if cpu_of:
        result.cpu_seconds = time.process_time() + sum(tree_cpu_seconds(pid) for pid in cpu_of) - cpu_before
    return result


def _one_citizen(connection: _Connection, rng: random.Random, code: str, result: LoadResult,
                 lock: threading.Lock) -> None:
    jar: dict[str, str] = {}
    path = f"/s/{code}"
    try:
        status, set_cookies, body, seconds = connection.request("GET", path)
    except (OSError, http.client.HTTPException) as error:
        with lock:
            result.failures.append((f"GET {path}", f"connection error: {error!r}"))
        return
    with lock:
        result.get_statuses[status] += 1
        result.get_latencies.append(seconds)
    answers = _answers(rng, body.decode("utf-8", errors="replace")) if status == 200 else None
    if answers is None:
        with lock:
            result.failures.append((f"GET {path}", f"status {status}, no form: {_snippet(body)}"))
        return
    _cookies(jar, set_cookies)
    headers = {"Content-Type": "application/x-www-form-urlencoded",
               "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())}
    try:
        status, _set_cookies, body, seconds = connection.request("POST", path, urlencode(answers), headers)
    except (OSError, http.client.HTTPException) as error:
        with lock:
            result.failures.append((f"POST {path}", f"connection error: {error!r}"))
        return
    with lock:
        result.post_statuses[status] += 1
        result.post_latencies.append(seconds)
        if status != 303:
            result.failures.append((f"POST {path}", f"status {status}: {_snippet(body)}"))


def _snippet(body: bytes) -> str:
    text = body.decode("utf-8", errors="replace")
    title = re.search(r"<h1>(.*?)</h1>", text, re.S)
    found = title.group(1) if title else text
    return " ".join(found.split())[:160]


def warm_up(port: int, paths: list[str], rounds: int) -> None:
    """A few GETs so every worker has imported, compiled its templates and opened its pool."""
    connection = _Connection(port)
    try:
        for i in range(rounds):
            try:
                connection.request("GET", paths[i % len(paths)])
            except (OSError, http.client.HTTPException):
                pass
            # A new connection each time, so both workers get some.
            connection.reopen()
    finally:
        connection.close()


def log_excerpts(log: str, limit: int = 12) -> list[str]:
    """The error log's interesting lines: exceptions, database errors and the request they came from."""
    markers = ("error", "exception", "locked", "traceback", "busy", "warning", "critical")
    lines = [line for line in log.splitlines() if any(m in line.lower() for m in markers)]
    counted = Counter(re.sub(r"^\[[^\]]*\] \[\d+\] ", "", line) for line in lines)
    return [f"{n} x {line}" for line, n in counted.most_common(limit)]


@contextmanager
def workdir(prefix: str) -> Iterator[Path]:
    import shutil
    import tempfile

    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# The open-loop load: citizens arriving on a schedule


@dataclass
class OpenLoopResult(LoadResult):
    """An open-loop run: `submissions` citizens arriving at `rate` per second, each on schedule."""

    rate: float = 0.0
    #: CPU seconds of the load generator itself (this process) during the run.
    client_cpu_seconds: float = 0.0
    #: How late the generator started its latest citizen against the schedule (its own lag).
    max_start_lag: float = 0.0

    @property
    def client_cpu_share(self) -> float:
        """The generator's CPU as a share of one core over the run."""
        return self.client_cpu_seconds / self.elapsed if self.elapsed else 0.0

    def worst_p99_ms(self) -> float:
        return max(self.post_ms(99), self.get_ms(99))

    def open_summary(self) -> str:
        return (f"{self.rate:.1f} citizens/s for {self.elapsed:.1f} s ({self.submissions} citizens): "
                f"GET p50 {self.get_ms(50):.1f} ms, p99 {self.get_ms(99):.1f} ms; "
                f"POST p50 {self.post_ms(50):.1f} ms, p99 {self.post_ms(99):.1f} ms; "
                f"{self.accepted} accepted; load generator CPU {100 * self.client_cpu_share:.0f}% of a core, "
                f"latest start {1000 * self.max_start_lag:.1f} ms behind schedule")


def run_open_loop(port: int, codes: list[str], rate: float, seconds: float, seed: int = 2026) -> OpenLoopResult:
    """Citizens arrive at a steady `rate` per second for `seconds`, whether or not earlier ones are
    answered (an open loop: a slow server meets a growing queue, as at a real counter).

    Each citizen opens a connection of its own, GETs `/s/<code>` for a random loket, and POSTs a
    complete answer set with the cookies it was given on the same connection. The GET's latency
    counts from the citizen's scheduled arrival, so the generator's own delays cannot hide the
    server's queue (no coordinated omission); the POST's from the moment it is sent. asyncio keeps
    the generator to one thread: its CPU is reported beside the figures.
    """
    import asyncio

    count = max(1, round(rate * seconds))
    result = OpenLoopResult(submissions=count, concurrency=0, rate=rate)

    async def exchange(reader, writer, method: str, path: str, body: bytes = b"",
                       headers: tuple[str, ...] = ()) -> tuple[int, list[str], bytes]:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}", "Accept-Language: id", *headers]
        if method == "POST":
            lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length, cookies = 0, []
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"set-cookie":
                cookies.append(value.strip().decode("latin-1"))
            elif name == b"transfer-encoding":
                raise http.client.HTTPException("chunked answers are not expected from the portal")
        return status, cookies, await reader.readexactly(length) if length else b""

    async def citizen(index: int, scheduled: float) -> None:
        loop = asyncio.get_running_loop()
        rng = random.Random(seed * 1000 + index)
        path = f"/s/{rng.choice(codes)}"
        writer = None
        what = f"GET {path}"
        try:
            reader, writer = await asyncio.open_connection(HOST, port)
            status, set_cookies, body = await asyncio.wait_for(exchange(reader, writer, "GET", path), 120)
            result.get_statuses[status] += 1
            result.get_latencies.append(loop.time() - scheduled)
            answers = _answers(rng, body.decode("utf-8", errors="replace")) if status == 200 else None
            if answers is None:
                result.failures.append((what, f"status {status}, no form: {_snippet(body)}"))
                return
            jar: dict[str, str] = {}
            _cookies(jar, set_cookies)
            what = f"POST {path}"
            sent = loop.time()
            status, _, body = await asyncio.wait_for(exchange(
                reader, writer, "POST", path, urlencode(answers).encode(),
                ("Cookie: " + "; ".join(f"{k}={v}" for k, v in jar.items()),)), 120)
            result.post_statuses[status] += 1
            result.post_latencies.append(loop.time() - sent)
            if status != 303:
                result.failures.append((what, f"status {status}: {_snippet(body)}"))
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError,
                http.client.HTTPException) as error:
            result.failures.append((what, f"connection error: {error!r}"))
        finally:
            if writer is not None:
                writer.close()

    async def schedule() -> None:
        loop = asyncio.get_running_loop()
        start = loop.time() + 0.05
        tasks = []
        for index in range(count):
            scheduled = start + index / rate
            delay = scheduled - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            result.max_start_lag = max(result.max_start_lag, loop.time() - scheduled)
            tasks.append(asyncio.ensure_future(citizen(index, scheduled)))
        await asyncio.gather(*tasks)
        result.elapsed = loop.time() - start

    cpu_before = time.process_time()
    asyncio.run(schedule())
    result.client_cpu_seconds = time.process_time() - cpu_before
    return result

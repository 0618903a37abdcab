"""The appraisal merge at scale: 50,000 employees, 5,000,000 citizen responses, 1,000,000 peer answers.

A throwaway database is migrated (`upgrade head`) and filled with bulk SQL (INSERT … SELECT over a
recursive CTE on SQLite, generate_series on PostgreSQL), so building it takes seconds, not hours:

- one instansi with a unit per 1,000 employees; every fifth employee is a front-line officer, five
  officers to a loket;
- the citizen responses are written **as the SkmDaily rollup** (the only table the merge reads):
  every officer has one row per working day (Monday–Friday, 51 weeks of the period), and 20% of
  the responses name no officer (employee_key 0, one row per loket and working day). The counts
  are spread exactly, so the rollup holds exactly `--responses` responses; each unsur's sum lies
  within [n, 4n] as real answers would give. The responses themselves are not stored;
- one released 360 cycle with the BerAKHLAK questionnaire (21 items): `--answers` / 21 responses
  of six per reviewee (diri, atasan and three or four rekan, or a bawahan), every answer a row of
  review_answer (about 1 in 23 is "tidak dapat menilai");
- a period over the year with the demo's weights.

Then, each in its own process so that the figures are clean: the bare SQL GROUP BY over the same
tables (the merge's three aggregates written by hand, fetched whole: the SKM sums per officer,
the 360 sums and counts per value in one row per reviewee, cycle and rater group as the merge
reads them, the responses per reviewee, cycle and group; run once to warm the file cache, then timed), and the merge (`portal.appraisal.merge.merge`, first run creating every
record with its audit entry, committed), then the merge again (nothing changes). Figures: the
merge time, its ratio to the bare GROUP BY (target ≤ 3), the process's peak memory with its
worker processes (target < 500 MB; the proportional set size, sampled every 20 ms in one more merge
run of its own, since sampling slows the run it samples; it includes the ~70 MB of Python, Flask and
SQLAlchemy), and the time of the second run.

Both databases by default, each timed five times from the same built data (the fastest counts):
SQLite, and PostgreSQL in a throwaway cluster from tests/pgserver.py (skipped with a note where the
server binaries are missing). The figures are `merge_ratio`, `merge_peak_mb`, … for SQLite and
`merge_ratio_postgres`, `merge_peak_mb_postgres`, … for PostgreSQL, each with the same targets.
`merge_cpu_ratio[_postgres]` (no target) compares the CPU used, steadier than wall time on a shared
machine: the measuring process with its workers, and on PostgreSQL the cluster's processes too
(the benchmark's own cluster, read from /proc).

Run alone: `python -m bench.merge [--employees N] [--responses N] [--answers N] [--small]
[--databases sqlite,postgres]`; within `python -m bench` the options are `--merge-…`.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from dataclasses import asdict
from datetime import date
from pathlib import Path

from bench.harness import Figure, say, workdir

DEFAULT_EMPLOYEES = 50_000
DEFAULT_RESPONSES = 5_000_000
DEFAULT_ANSWERS = 1_000_000
#: --small: the same shapes, tiny (for the test suite).
SMALL = (600, 30_000, 12_600)
DATABASES = ("sqlite", "postgres")
#: Timed runs on each database (the fastest counts): other work on a shared machine adds noise.
DEFAULT_REPEATS = 5
TARGET_RATIO = 3.0
TARGET_MB = 500.0
EMPLOYEES_PER_UNIT = 1_000
OFFICER_EVERY = 5
OFFICERS_PER_LOKET = 5
#: The share of responses that name an officer.
NAMED_SHARE = 0.8
#: Monday 6 January 2025, the first working day of the period's first full week.
FIRST_MONDAY = date(2025, 1, 6)
WORKING_DAYS = 51 * 5
PERIOD = (date(2025, 1, 1), date(2025, 12, 31))
RESPONSES_PER_REVIEWEE = 6
ROOT = Path(__file__).resolve().parent.parent


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--merge-employees", type=int, default=DEFAULT_EMPLOYEES,
                        help=f"employees of the merge benchmark (default {DEFAULT_EMPLOYEES:,})")
    parser.add_argument("--merge-responses", type=int, default=DEFAULT_RESPONSES,
                        help=f"citizen responses, as rollups (default {DEFAULT_RESPONSES:,})")
    parser.add_argument("--merge-answers", type=int, default=DEFAULT_ANSWERS,
                        help=f"360 answers (default {DEFAULT_ANSWERS:,})")
    parser.add_argument("--merge-small", action="store_true", help="a tiny merge benchmark (seconds)")
    parser.add_argument("--merge-databases", default=",".join(DATABASES),
                        help=f"comma-separated: sqlite, postgres (default {','.join(DATABASES)})")
    parser.add_argument("--merge-repeats", type=int, default=None,
                        help=f"timed runs per database, the fastest counts (default {DEFAULT_REPEATS}; 1 with --merge-small)")


# --- building the data ---------------------------------------------------------------------------

class Sql:
    """The few fragments that differ between SQLite and PostgreSQL."""

    def __init__(self, dialect: str):
        self.dialect = dialect

    def series(self, name: str, count: int) -> str:
        """A CTE `name(i)` with i = 0 .. count-1 (goes after WITH RECURSIVE)."""
        if self.dialect == "postgresql":
            return f"{name}(i) AS (SELECT generate_series(0, {count - 1}))"
        return f"{name}(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM {name} WHERE i < {count - 1})"

    def hex(self, expression: str, width: int) -> str:
        if self.dialect == "postgresql":
            return f"lpad(to_hex(CAST({expression} AS BIGINT)), {width}, '0')"
        return f"printf('%0{width}x', {expression})"

    def padded(self, expression: str, width: int) -> str:
        if self.dialect == "postgresql":
            return f"lpad(CAST({expression} AS TEXT), {width}, '0')"
        return f"printf('%0{width}d', {expression})"

    def day(self, offset: str) -> str:
        if self.dialect == "postgresql":
            return f"(DATE '{FIRST_MONDAY.isoformat()}' + CAST({offset} AS INTEGER))"
        return f"date('{FIRST_MONDAY.isoformat()}', '+' || ({offset}) || ' days')"

    @staticmethod
    def big(expression: str) -> str:
        return f"CAST({expression} AS BIGINT)"


def _coprime(n: int, start: int) -> int:
    """The first number ≥ start that shares no factor with n (for a permutation i → i·p mod n)."""
    p = start
    while math.gcd(p, n) != 1:
        p += 1
    return p


def _spread(total: int, cells: int) -> tuple[int, int, int]:
    """(base, extra, multiplier): cell r gets base + 1 when (r·multiplier mod cells) < extra, so the
    cells sum to exactly `total` and the larger ones are scattered."""
    return total // cells, total % cells, _coprime(cells, 1_000_003)


def _scores(sql: Sql, n: str, h: str) -> str:
    """Nine unsur sums of n answers, each within [n, 4n], from a hash h."""
    return ", ".join(f"{n} + ({h} / {7 ** k}) % (3 * {n} + 1)" for k in range(9))


def build(employees: int, responses: int, answers: int) -> dict:
    """Fill the current app's (migrated, empty) database; returns what the measurement needs."""
    from sqlalchemy import func, select, text

    from portal.appraisal.periods import create_period
    from portal.extensions import db
    from portal.org.models import Counter, Employee, Instansi, Unit
    from portal.reviews.models import QuestionnaireItem, ReviewCycle
    from portal.reviews.services import default_questionnaire
    from surveys.tickets import new_instansi_key

    sql = Sql(db.engine.dialect.name)
    execute = db.session.execute
    instansi = Instansi(name="Pemerintah Kota Bench", timezone="Asia/Makassar", ticket_key=new_instansi_key())
    db.session.add(instansi)
    db.session.flush()
    units = max(1, math.ceil(employees / EMPLOYEES_PER_UNIT))
    for u in range(units):
        db.session.add(Unit(instansi_id=instansi.id, code=f"U{u:03d}", name=f"Unit Kerja {u}"))
    db.session.flush()
    unit0 = db.session.scalar(select(func.min(Unit.id)).where(Unit.instansi_id == instansi.id))

    execute(text(
        "INSERT INTO employee (instansi_id, nip, name, jabatan, unit_id, is_unit_head, job_group, active, public_code) "
        f"WITH RECURSIVE {sql.series('s', employees)} "
        f"SELECT {instansi.id}, {sql.padded('100000000000000000 + i', 18)}, 'Pegawai ' || i, 'Staf', "
        f"{unit0} + i % {units}, false, "
        f"CASE WHEN i % {OFFICER_EVERY} = 0 THEN 'front_line' ELSE 'back_office' END, true, "
        f"'b' || {sql.padded('i', 9)} FROM s"))
    emin, emax = db.session.execute(select(func.min(Employee.id), func.max(Employee.id))).one()
    assert emax - emin + 1 == employees, "employee ids must be contiguous in a fresh table"

    officers = math.ceil(employees / OFFICER_EVERY)
    counters = max(1, officers // OFFICERS_PER_LOKET)
    execute(text(
        "INSERT INTO counter (unit_id, code, name, location, active, opened_on) "
        f"WITH RECURSIVE {sql.series('s', counters)} "
        f"SELECT {unit0} + i % {units}, 'BC' || {sql.padded('i', 7)}, 'Loket ' || i, '', true, {sql.day('0')} FROM s"))
    cmin, cmax = db.session.execute(select(func.min(Counter.id), func.max(Counter.id))).one()
    assert cmax - cmin + 1 == counters, "counter ids must be contiguous in a fresh table"

    named = round(responses * NAMED_SHARE) if officers else 0
    columns = "unit_id, counter_id, service_key, employee_key, local_date, n, negative, " + ", ".join(
        f"s{k}" for k in range(1, 10))
    # Officer k is employee emin + 5k at loket k mod counters; the unnamed rows go one per loket.
    for total, cells_of, loket, key in (
        (named, officers, f"k % {counters}", f"{emin} + {OFFICER_EVERY} * k"),
        (responses - named, counters, "k", "0"),
    ):
        cells = cells_of * WORKING_DAYS
        if total <= 0 or cells <= 0:
            continue
        base, extra, multiplier = _spread(total, cells)
        r = f"{sql.big('o.i')} * {WORKING_DAYS} + d.i"
        n = f"({base} + CASE WHEN ({r}) * {multiplier} % {cells} < {extra} THEN 1 ELSE 0 END)"
        execute(text(
            f"INSERT INTO skm_daily ({columns}) "
            f"WITH RECURSIVE {sql.series('o', cells_of)}, {sql.series('d', WORKING_DAYS)}, "
            f"x AS (SELECT o.i AS k, d.i AS day, {n} AS n, ({r}) * 2654435761 % 1000000007 AS h FROM o CROSS JOIN d) "
            f"SELECT {unit0} + ({loket}) % {units}, {cmin} + {loket}, 0, {key}, "
            f"{sql.day('7 * (day / 5) + day % 5')}, n, 0, {_scores(sql, 'n', 'h')} FROM x WHERE n > 0"))
    rows = db.session.scalar(text("SELECT count(*) FROM skm_daily"))
    stored = db.session.scalar(text("SELECT coalesce(sum(n), 0) FROM skm_daily"))

    questionnaire = default_questionnaire(instansi)
    cycle = ReviewCycle(instansi_id=instansi.id, name="Ulasan 360 Bench", period_kind="tahunan",
                        opens_on=date(2025, 11, 1), closes_on=date(2025, 11, 30), state="released",
                        questionnaire_id=questionnaire.id, threshold=3)
    db.session.add(cycle)
    db.session.flush()
    items = db.session.scalar(select(func.count(QuestionnaireItem.id)).where(
        QuestionnaireItem.questionnaire_id == questionnaire.id))
    review_responses = answers // items
    stride = _coprime(employees, 7)
    group = ("CASE i % 6 WHEN 0 THEN 'diri' WHEN 1 THEN 'atasan' "
             "WHEN 5 THEN CASE WHEN (i / 6) % 3 = 0 THEN 'bawahan' ELSE 'rekan' END ELSE 'rekan' END")
    if review_responses:
        execute(text(
            "INSERT INTO review_response (id, cycle_id, reviewee_id, rater_group) "
            f"WITH RECURSIVE {sql.series('s', review_responses)} "
            f"SELECT {sql.hex('i', 32)}, {cycle.id}, {emin} + ({sql.big('i / 6')} * {stride}) % {employees}, {group} "
            "FROM s"))
        execute(text(
            "INSERT INTO review_answer (response_id, item_id, score) "
            f"WITH RECURSIVE {sql.series('s', review_responses)} "
            f"SELECT {sql.hex('s.i', 32)}, q.id, CASE WHEN (s.i * 31 + q.position * 17) % 23 = 0 THEN NULL "
            f"ELSE 1 + (s.i * 13 + q.position * 7 + s.i / 6) % 5 END "
            f"FROM s CROSS JOIN questionnaire_item q WHERE q.questionnaire_id = {questionnaire.id}"))
    stored_answers = db.session.scalar(text("SELECT count(*) FROM review_answer"))

    weights = {"front_line": {"citizen": 30, "atasan": 40, "rekan": 20, "bawahan": 10},
               "back_office": {"citizen": 0, "atasan": 50, "rekan": 30, "bawahan": 20}}
    period = create_period(instansi, "Penilaian Kinerja Tahunan 2025", "tahunan", *PERIOD, [cycle.id],
                                    weights)
    db.session.commit()
    execute(text("ANALYZE"))
    db.session.commit()
    return {"period_id": period.id, "rollup_rows": rows, "responses": stored, "answers": stored_answers,
            "review_responses": review_responses, "officers": officers, "counters": counters}


# --- measuring, each in a fresh process ------------------------------------------------------------

def _app(database_url: str):
    from portal import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench-merge"})


def _bare_queries(period) -> list[str]:
    cycles = ", ".join(str(pc.cycle_id) for pc in period.period_cycles) or "NULL"
    codes = period.officer_unsur.split(",")
    sums = ", ".join(f"SUM(s{code[1:]})" for code in codes)
    values = list(dict.fromkeys(item.value_code for cycle in period.cycles for item in cycle.questionnaire.items))
    # The merge's shape: a sum and count per value in one row per reviewee, cycle and group.
    per_value = ", ".join(f"SUM(CASE WHEN i.value_code = '{code}' THEN a.score END), "
                          f"COUNT(CASE WHEN i.value_code = '{code}' THEN a.score END)" for code in values) or "NULL"
    return [
        f"SELECT employee_key, SUM(n), {sums} FROM skm_daily WHERE employee_key <> 0 "
        f"AND local_date BETWEEN '{period.citizen_from.isoformat()}' AND '{period.citizen_to.isoformat()}' "
        "GROUP BY employee_key",
        f"SELECT r.reviewee_id, r.cycle_id, r.rater_group, {per_value} FROM review_response r "
        "JOIN review_answer a ON a.response_id = r.id JOIN questionnaire_item i ON i.id = a.item_id "
        f"WHERE r.cycle_id IN ({cycles}) GROUP BY r.reviewee_id, r.cycle_id, r.rater_group",
        f"SELECT reviewee_id, cycle_id, rater_group, COUNT(*) FROM review_response WHERE cycle_id IN ({cycles}) "
        "GROUP BY reviewee_id, cycle_id, rater_group",
    ]


#: The postmaster's process id of the PostgreSQL cluster being measured, for the measuring processes.
SERVER_PID_VARIABLE = "CERMIN_BENCH_SERVER_PID"


def _server_cpu() -> float:
    """The CPU seconds the measured PostgreSQL cluster has used so far (0 on SQLite): its postmaster,
    the processes it runs and those it has reaped (parallel query workers, the backends of finished
    sessions). The cluster is the benchmark's own, so what it uses in a timed stretch is the work
    asked of it then (give or take its background writer and autovacuum)."""
    pid = os.environ.get(SERVER_PID_VARIABLE)
    if not pid:
        return 0.0
    ticks = 0
    for process in [pid, *_children(int(pid))]:
        try:
            with open(f"/proc/{process}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        # utime, stime, and for the postmaster cutime and cstime (its reaped children).
        ticks += sum(int(field) for field in fields[11:15 if process == pid else 13])
    return ticks / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as children:
            return [int(child) for child in children.read().split()]
    except (FileNotFoundError, ProcessLookupError):
        return []


def child_bare(database_url: str, period_id: int) -> dict:
    from sqlalchemy import text

    from portal.appraisal.models import AppraisalPeriod
    from portal.extensions import db

    app = _app(database_url)
    with app.app_context():
        queries = _bare_queries(db.session.get(AppraisalPeriod, period_id))
        db.session.rollback()
        with db.engine.connect() as connection:
            for query in queries:  # warm the file cache and the statement cache
                connection.execute(text(query)).fetchall()
            started, cpu_started, server_started = time.perf_counter(), time.process_time(), _server_cpu()
            rows = sum(len(connection.execute(text(query)).fetchall()) for query in queries)
            seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
            server_cpu_seconds = _server_cpu() - server_started
    return {"seconds": seconds, "cpu_seconds": cpu_seconds, "server_cpu_seconds": server_cpu_seconds, "rows": rows}


def _tree_rss_mb(pid: int) -> float:
    """Memory of a process and all its descendants (Linux /proc), in MB: the proportional set size,
    so pages a forked worker shares with its parent count once."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/smaps_rollup") as rollup:
                total += next((int(line.split()[1]) for line in rollup if line.startswith("Pss:")), 0)
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    stack.extend(int(child) for child in children.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total / 1024


def child_merge(database_url: str, period_id: int) -> dict:
    import resource

    from portal.appraisal.merge import merge
    from portal.appraisal.models import AppraisalPeriod
    from portal.extensions import db

    def cpu() -> float:
        own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    app = _app(database_url)
    with app.app_context():
        before_mb = _tree_rss_mb(os.getpid())
        period = db.session.get(AppraisalPeriod, period_id)
        started, cpu_started, server_started = time.perf_counter(), cpu(), _server_cpu()
        first = merge(period)
        db.session.commit()
        seconds, cpu_seconds = time.perf_counter() - started, cpu() - cpu_started
        server_cpu_seconds = _server_cpu() - server_started
        period = db.session.get(AppraisalPeriod, period_id)
        started = time.perf_counter()
        second = merge(period)
        db.session.commit()
        again = time.perf_counter() - started
    return {"seconds": seconds, "cpu_seconds": cpu_seconds, "server_cpu_seconds": server_cpu_seconds,
            "again_seconds": again, "before_mb": before_mb,
            "first": asdict(first), "second": asdict(second)}


def _child(kind: str, database_url: str, period_id: int, folder: Path, sample: bool = False) -> dict:
    """Run a measurement in a fresh process. With `sample`, its memory (with any worker processes
    it starts) is sampled from here every 20 ms ("peak_mb"; otherwise None). Sampling is not free:
    each sample walks the processes' page tables in the kernel, a few milliseconds of CPU, which
    on a two-core machine slowed the merge by some 9 %; so a timed run is never sampled."""
    env = dict(os.environ, CERMIN_INSTANCE_PATH=str(folder / "instance"), CERMIN_LANG="id")
    with open(folder / f"{kind}.out", "w+") as out, open(folder / f"{kind}.err", "w+") as err:
        process = subprocess.Popen([sys.executable, "-m", "bench.merge", "--child", kind, database_url,
                                    str(period_id)], cwd=ROOT, env=env, stdout=out, stderr=err)
        peak = 0.0 if sample else None
        while sample and process.poll() is None:
            peak = max(peak, _tree_rss_mb(process.pid))
            time.sleep(0.02)
        process.wait()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode != 0:
        raise RuntimeError(f"the {kind} process failed:\n{stdout[-2000:]}\n{stderr[-4000:]}")
    return {**json.loads(stdout.strip().splitlines()[-1]), "peak_mb": peak}


def _keep(database_url: str, folder: Path) -> None:
    """Copy the freshly built database (the SQLite file; on PostgreSQL a database made from it as a
    template), to start every repetition from the same data."""
    import shutil

    if database_url.startswith("postgresql"):
        _postgres_copy(database_url, _PRISTINE, _database_name(database_url))
        return
    shutil.copyfile(database_url.removeprefix("sqlite:///"), folder / "pristine.sqlite")


#: The PostgreSQL database that keeps the built data between repetitions.
_PRISTINE = "cermin_merge_pristine"


def _database_name(database_url: str) -> str:
    return database_url.rsplit("/", 1)[1]


def _postgres_copy(database_url: str, name: str, template: str) -> None:
    """(Re)create database `name` on the server of `database_url` as a copy of `template`."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    admin = create_engine(f"{database_url.rsplit('/', 1)[0]}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        # The template's last session (a finished measuring process) may still be closing.
        for attempt in range(50):
            try:
                connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
                break
            except OperationalError:
                if attempt == 49:
                    raise
                time.sleep(0.1)
    admin.dispose()


def _restore(database_url: str, folder: Path) -> None:
    import shutil

    if database_url.startswith("postgresql"):
        _postgres_copy(database_url, _database_name(database_url), _PRISTINE)
        return
    path = Path(database_url.removeprefix("sqlite:///"))
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(folder / "pristine.sqlite", path)


def measure(database: str, database_url: str, folder: Path, employees: int, responses: int,
            answers: int, repeats: int = 1) -> tuple[list[Figure], list[str]]:
    """Build the data, then time the bare GROUP BY and the merge `repeats` times (restoring the
    built data between repetitions) and keep the fastest of each."""
    from flask_migrate import upgrade

    from portal.extensions import db

    os.environ.setdefault("CERMIN_INSTANCE_PATH", str(folder / "instance"))
    app = _app(database_url)
    problems: list[str] = []
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        built = build(employees, responses, answers)
        db.session.remove()
        db.engine.dispose()
    say(f"   {database}: {employees:,} employees ({built['officers']:,} officers at {built['counters']:,} loket), "
        f"{built['responses']:,} responses in {built['rollup_rows']:,} rollup rows, {built['answers']:,} answers "
        f"in {built['review_responses']:,} 360 responses; built in {time.perf_counter() - started:.1f} s")
    if built["responses"] != responses:
        problems.append(f"merge ({database}): generated {built['responses']} responses instead of {responses}")
    _keep(database_url, folder)
    runs = []
    for attempt in range(repeats):
        if attempt:
            _restore(database_url, folder)
        runs.append((_child("bare", database_url, built["period_id"], folder),
                     _child("merge", database_url, built["period_id"], folder)))
    # Other work on the machine only ever slows a run down: the fastest of each is the truest.
    bare = min((b for b, _m in runs), key=lambda b: b["seconds"])
    merged = min((m for _b, m in runs), key=lambda m: m["seconds"])
    # The memory in a run of its own, sampled (which slows it: its time is not used).
    _restore(database_url, folder)
    sampled = _child("merge", database_url, built["period_id"], folder, sample=True)
    merged["peak_mb"] = sampled["peak_mb"]
    if sampled["first"] != merged["first"]:
        problems.append(f"merge ({database}): the sampled run gave {sampled['first']}, the timed one {merged['first']}")
    ratio = merged["seconds"] / bare["seconds"] if bare["seconds"] else float("inf")
    first, second = merged["first"], merged["second"]
    if first["created"] != employees:
        problems.append(f"merge ({database}): {first['created']} records created for {employees} employees")
    if second["unchanged"] != employees or second["created"] or second["updated"]:
        problems.append(f"merge ({database}): the second run changed something: {second}")
    verdict_ratio = "meets" if ratio <= TARGET_RATIO else "MISSES"
    verdict_mb = "meets" if merged["peak_mb"] < TARGET_MB else "MISSES"
    # The CPU of an embedded database is the process's own; a PostgreSQL server's is added.
    bare_cpu = bare["cpu_seconds"] + bare["server_cpu_seconds"]
    merge_cpu = merged["cpu_seconds"] + merged["server_cpu_seconds"]
    cpu_ratio = merge_cpu / bare_cpu if bare_cpu else None
    server_text = ("" if database == "sqlite" else
                   f" (the server's {bare['server_cpu_seconds']:.2f} s and {merged['server_cpu_seconds']:.2f} s)")
    cpu_text = (f"CPU {bare_cpu:.2f} s against {merge_cpu:.2f} s in all processes{server_text} = "
                f"{cpu_ratio:.2f} x; " if cpu_ratio is not None else "")
    say(f"   {database}: bare GROUP BY {bare['seconds']:.2f} s ({bare['rows']:,} rows); merge {merged['seconds']:.2f} s "
        f"= {ratio:.2f} x ({verdict_ratio} the {TARGET_RATIO:.0f} x target); {cpu_text}peak memory {merged['peak_mb']:.0f} MB "
        f"with the worker processes ({merged['before_mb']:.0f} MB before merging; {verdict_mb} the "
        f"{TARGET_MB:.0f} MB target); second run {merged['again_seconds']:.2f} s, {second['unchanged']:,} unchanged"
        + (f"; fastest of {repeats} runs" if repeats > 1 else ""))
    if os.getloadavg()[0] > (os.cpu_count() or 1):
        say(f"   (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs: other work shares the machine, "
            "so wall times are noisy; the CPU ratio is steadier)")
    suffix = "" if database == "sqlite" else f"_{database}"
    return [
        Figure(f"merge_ratio{suffix}", ratio, "x"),
        Figure(f"merge_seconds{suffix}", merged["seconds"], "s"),
        Figure(f"merge_peak_mb{suffix}", merged["peak_mb"], "MB"),
        Figure(f"merge_again_seconds{suffix}", merged["again_seconds"], "s"),
        Figure(f"merge_bare_seconds{suffix}", bare["seconds"], "s"),
    ] + ([Figure(f"merge_cpu_ratio{suffix}", cpu_ratio, "x")] if cpu_ratio is not None else []), problems


def run(options) -> tuple[list[Figure], list[str]]:
    small = getattr(options, "merge_small", False) or getattr(options, "small", False)
    employees, responses, answers = SMALL if small else (
        getattr(options, "merge_employees", None) or getattr(options, "employees", DEFAULT_EMPLOYEES),
        getattr(options, "merge_responses", None) or getattr(options, "responses", DEFAULT_RESPONSES),
        getattr(options, "merge_answers", None) or getattr(options, "answers", DEFAULT_ANSWERS),
    )
    repeats = max(1, getattr(options, "merge_repeats", None) or getattr(options, "repeats", None)
                  or (1 if small else DEFAULT_REPEATS))
    databases = [d.strip() for d in (getattr(options, "merge_databases", None)
                                      or getattr(options, "databases", ",".join(DATABASES))).split(",") if d.strip()]
    say(f"== merge: {employees:,} employees, {responses:,} citizen responses, {answers:,} 360 answers")
    figures: list[Figure] = []
    problems: list[str] = []
    for database in databases:
        if database == "sqlite":
            with workdir("cermin-bench-merge-") as folder:
                found, trouble = measure("sqlite", f"sqlite:///{folder / 'merge.sqlite'}", folder, employees,
                                         responses, answers, repeats)
        elif database == "postgres":
            from tests.pgserver import PostgresUnavailable, postgres_server

            try:
                with postgres_server() as server, workdir("cermin-bench-merge-pg-") as folder:
                    os.environ[SERVER_PID_VARIABLE] = str(server.pid())
                    try:
                        found, trouble = measure("postgres", server.create_database("cermin_merge"), folder,
                                                 employees, responses, answers, repeats)
                    finally:
                        os.environ.pop(SERVER_PID_VARIABLE, None)
            except PostgresUnavailable as error:
                say(f"   postgres: SKIPPED ({error})")
                continue
        else:
            problems.append(f"merge: unknown database {database!r}")
            continue
        figures.extend(found)
        problems.extend(trouble)
    return figures, problems


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--child"]:
        kind, database_url, period_id = argv[1], argv[2], int(argv[3])
        result = (child_bare if kind == "bare" else child_merge)(database_url, period_id)
        print(json.dumps(result))
        return 0
    parser = argparse.ArgumentParser(prog="python -m bench.merge", description=__doc__.split("\n\n")[0])
    parser.add_argument("--employees", type=int, default=DEFAULT_EMPLOYEES)
    parser.add_argument("--responses", type=int, default=DEFAULT_RESPONSES)
    parser.add_argument("--answers", type=int, default=DEFAULT_ANSWERS)
    parser.add_argument("--small", action="store_true", help=f"{SMALL[0]} employees, {SMALL[1]:,} responses, "
                                                             f"{SMALL[2]:,} answers")
    parser.add_argument("--databases", default=",".join(DATABASES),
                        help=f"comma-separated: sqlite, postgres (default {','.join(DATABASES)})")
    parser.add_argument("--repeats", type=int, default=None,
                        help=f"timed runs per database, the fastest counts (default {DEFAULT_REPEATS}; 1 with --small)")
    figures, problems = run(parser.parse_args(argv))
    for problem in problems:
        say(f"!!! PROBLEM: {problem}")
    for figure in figures:
        say(figure.line())
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The IKM dashboard of a unit with 1,000,000 responses: server time per request.

A throwaway SQLite database is migrated (`upgrade head`) and given one instansi with a big unit
(10 lokets, 4 layanan, 3 officers per loket) and a small one. The SKM rollups of the big unit's
1,000,000 responses over the last 365 local days are generated **directly** (SkmDaily and
SkmHourly rows, not responses): every loket-day is split into officers (daily rows) and into hours
(hourly rows) so that both rollups count the same responses and the same score totals, as
`add_to_rollups` would have left them. The responses themselves are not stored, because no
dashboard query reads them. The kiosk happy index has no rollup, so its votes are real rows
(`--dashboard-kiosk-votes`, default 100,000 at three tablets).

Then `GET /dasbor/unit/<code>` for the whole year (n = 1,000,000) is timed through the Flask test
client, logged in as HR (who also sees the officer breakdown): routing, the permission checks,
every SQL query, the charts and the template, i.e. server time without a network. Figures: the
median and p95 of the wall time (target ≤ 100 ms), the median CPU time of the process, and the
median of the default page (the last 12 calendar months).

Run alone: `python -m bench.dashboard [--dashboard-responses N] [--dashboard-requests R]`.
"""
from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import time
from datetime import date, datetime, time as clock, timedelta, timezone
from pathlib import Path

from bench.harness import Figure, say, standalone, workdir

DEFAULT_RESPONSES = 1_000_000
DEFAULT_REQUESTS = 20
DEFAULT_KIOSK_VOTES = 100_000
TARGET_MS = 100.0
DAYS = 365
LOKETS = 10
OFFICERS_PER_LOKET = 3
OPEN_HOURS = range(7, 16)
#: Share of a loket-day's responses by officer (key 0: the citizen did not name one).
OFFICER_SHARES = (0.32, 0.28, 0.22, 0.18)
HOUR_WEIGHTS = (0.6, 1.4, 1.6, 1.5, 1.3, 0.6, 1.0, 0.8, 0.3)
WEEKDAY_WEIGHTS = (1.25, 1.1, 1.0, 0.95, 0.8, 0.5, 0.0)
#: Mean answer per unsur (1–4); U3 is the weak one.
MEANS = (3.35, 3.30, 2.85, 3.60, 3.35, 3.40, 3.45, 3.25, 3.20)
PASSWORD = "bench-dashboard-2026"
CHUNK = 10_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dashboard-responses", type=int, default=DEFAULT_RESPONSES,
                        help=f"responses of the big unit, as rollups (default {DEFAULT_RESPONSES:,})")
    parser.add_argument("--dashboard-requests", type=int, default=DEFAULT_REQUESTS,
                        help=f"timed requests of the unit dashboard (default {DEFAULT_REQUESTS})")
    parser.add_argument("--dashboard-kiosk-votes", type=int, default=DEFAULT_KIOSK_VOTES,
                        help=f"kiosk votes of the big unit (default {DEFAULT_KIOSK_VOTES:,})")


def apportion(total: int, weights: list[float]) -> list[int]:
    """Split `total` into integers proportional to `weights` (largest remainder), summing exactly."""
    weight_sum = sum(weights)
    if total == 0 or weight_sum == 0:
        return [0] * len(weights)
    exact = [total * w / weight_sum for w in weights]
    parts = [math.floor(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: exact[i] - parts[i], reverse=True)
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _sums(rng: random.Random, n: int) -> list[int]:
    """Plausible per-unsur score sums of n responses: n × mean ± noise, within [n, 4n]."""
    sums = []
    for mean in MEANS:
        value = round(n * (mean + rng.gauss(0, 0.08)))
        sums.append(max(n, min(4 * n, value)))
    return sums


def generate_rollups(rng: random.Random, unit_id: int, counters: list[tuple[int, int]], officers: dict[int, list[int]],
                     responses: int, last_day: date) -> tuple[list[dict], list[dict]]:
    """Daily and hourly rollup rows of `responses` responses at the lokets [(counter id, service id)]."""
    days = [last_day - timedelta(days=DAYS - 1 - i) for i in range(DAYS)]
    per_day = apportion(responses, [WEEKDAY_WEIGHTS[d.weekday()] for d in days])
    daily, hourly = [], []
    loket_weights = [1.0 + 0.15 * i for i in range(len(counters))]
    for day, day_n in zip(days, per_day):
        for (counter_id, service_id), loket_n in zip(counters, apportion(day_n, loket_weights)):
            if not loket_n:
                continue
            keys = [0, *officers[counter_id]]
            total_score, negatives = 0, 0
            for employee_key, n in zip(keys, apportion(loket_n, list(OFFICER_SHARES))):
                if not n:
                    continue
                sums = _sums(rng, n)
                negative = round(n * 0.05)
                total_score += sum(sums)
                negatives += negative
                daily.append({"unit_id": unit_id, "counter_id": counter_id, "service_key": service_id,
                              "employee_key": employee_key, "local_date": day, "n": n, "negative": negative,
                              **{f"s{i + 1}": s for i, s in enumerate(sums)}})
            hour_n = apportion(loket_n, list(HOUR_WEIGHTS))
            hour_score = apportion(total_score, hour_n)
            hour_negative = apportion(negatives, hour_n)
            for hour, n, score, negative in zip(OPEN_HOURS, hour_n, hour_score, hour_negative):
                if n:
                    hourly.append({"unit_id": unit_id, "counter_id": counter_id, "local_date": day,
                                   "local_hour": hour, "n": n, "negative": negative, "score_total": score})
    return daily, hourly


def _kiosk_votes(rng: random.Random, unit_id: int, devices: list[tuple[int, int]], votes: int, last_day: date,
                 tz) -> list[dict]:
    rows = []
    for i in range(votes):
        counter_id, device_id = devices[i % len(devices)]
        day = last_day - timedelta(days=rng.randrange(DAYS))
        local = datetime.combine(day, clock(rng.choice(OPEN_HOURS), rng.randrange(60)), tz)
        rows.append({"unit_id": unit_id, "counter_id": counter_id, "device_id": device_id,
                     "face": rng.choices((1, 2, 3, 4), weights=(5, 9, 40, 46))[0], "reason": None,
                     "submitted_at": local.astimezone(timezone.utc), "local_date": day, "local_hour": local.hour,
                     "local_weekday": day.weekday(), "idempotency_key": None})
    # Taps arrive in time order, so their rows lie in date order in the table, as in production.
    return sorted(rows, key=lambda row: row["submitted_at"])


def build(responses: int, kiosk_votes: int, seed: int = 2026) -> dict:
    """Create the instansi, its people and the rollups in the current app's database; returns what to open."""
    from sqlalchemy import insert

    from portal.accounts.models import HR, User, UserRole
    from portal.accounts.services import hash_password
    from portal.extensions import db
    from portal.feedback.models import SkmDaily, SkmHourly
    from portal.kiosk.models import KioskDevice, KioskVote
    from portal.kiosk.services import rebuild_rollup as rebuild_kiosk_rollup
    from portal.localtime import today
    from portal.org.models import Counter, Employee, Instansi, Service, Unit
    from surveys.nip import make_nip
    from surveys.tickets import new_instansi_key

    rng = random.Random(seed)
    instansi = Instansi(name="Pemerintah Kota Bench", timezone="Asia/Makassar", ticket_key=new_instansi_key())
    db.session.add(instansi)
    db.session.flush()
    big = Unit(instansi_id=instansi.id, code="BESAR", name="Mal Pelayanan Publik (bench)")
    small = Unit(instansi_id=instansi.id, code="KECIL", name="Unit kecil (bench)")
    db.session.add_all([big, small])
    db.session.flush()
    services = [Service(unit_id=big.id, name=f"Layanan {i + 1}") for i in range(4)]
    small_service = Service(unit_id=small.id, name="Layanan kecil")
    db.session.add_all([*services, small_service])
    db.session.flush()
    counters = [Counter(unit_id=big.id, service_id=services[i % 4].id, code=f"BCH{i + 1:02d}", name=f"Loket {i + 1}")
                for i in range(LOKETS)]
    small_counter = Counter(unit_id=small.id, service_id=small_service.id, code="KCL01", name="Loket kecil")
    db.session.add_all([*counters, small_counter])
    db.session.flush()
    sequence = iter(range(1, 10_000))

    def employee(unit: Unit, name: str, **kw) -> Employee:
        n = next(sequence)
        person = Employee(instansi_id=instansi.id, unit_id=unit.id, name=name, jabatan="Petugas Loket",
                          nip=make_nip(date(1988, 1 + n % 12, 1 + n % 28), (2012, 3), 1, n), **kw)
        db.session.add(person)
        db.session.flush()
        return person

    head = employee(big, "Kepala Mal (bench)", is_unit_head=True)
    officers = {c.id: [employee(big, f"Petugas {c.code}-{k + 1}", supervisor_id=head.id).id
                       for k in range(OFFICERS_PER_LOKET)] for c in counters}
    hr_employee = employee(small, "Analis SDM (bench)")
    db.session.add(User(instansi_id=instansi.id, username="hr-bench", employee_id=hr_employee.id,
                        display_name="HR Bench", password_hash=hash_password(PASSWORD),
                        role_rows=[UserRole(role=HR)]))
    last_day = today(instansi.tz)
    daily, hourly = generate_rollups(rng, big.id, [(c.id, c.service_id) for c in counters], officers, responses,
                                     last_day)
    small_daily, small_hourly = generate_rollups(
        rng, small.id, [(small_counter.id, small_service.id)], {small_counter.id: []}, max(1, responses // 20),
        last_day)
    for model, rows in ((SkmDaily, daily + small_daily), (SkmHourly, hourly + small_hourly)):
        for start in range(0, len(rows), CHUNK):
            db.session.execute(insert(model), rows[start:start + CHUNK])
    devices = []
    for counter in counters[:3]:
        device = KioskDevice(counter_id=counter.id, name=f"Tablet {counter.code}", token_hash=f"{counter.id:064d}")
        db.session.add(device)
        db.session.flush()
        devices.append((counter.id, device.id))
    votes = _kiosk_votes(rng, big.id, devices, kiosk_votes, last_day, instansi.tz)
    for start in range(0, len(votes), CHUNK):
        db.session.execute(insert(KioskVote), votes[start:start + CHUNK])
    rebuild_kiosk_rollup()
    db.session.commit()
    return {"unit": big.code, "first": last_day - timedelta(days=DAYS - 1), "last": last_day,
            "daily_rows": len(daily), "hourly_rows": len(hourly), "responses": sum(r["n"] for r in daily)}


def _percentile(values: list[float], percentile: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(percentile / 100 * len(ordered))) - 1]


def _time(client, path: str, requests: int) -> tuple[list[float], list[float], list[int], bytes]:
    for _ in range(3):  # warm: templates compiled, statements cached, pages of the file in memory
        client.get(path)
    walls, cpus, statuses, body = [], [], [], b""
    for _ in range(requests):
        wall, cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        statuses.append(response.status_code)
        body = response.get_data()
    return walls, cpus, statuses, body


def measure(folder: Path, responses: int, requests: int, kiosk_votes: int) -> tuple[list[Figure], list[str]]:
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db

    os.environ.setdefault("CERMIN_INSTANCE_PATH", str(folder / "instance"))
    app = create_app({
        "SECRET_KEY": "bench-dashboard", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'dashboard.sqlite'}",
        "WTF_CSRF_ENABLED": False,
    })
    problems: list[str] = []
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        built = build(responses, kiosk_votes)
        say(f"   rollups of {built['responses']:,} responses: {built['daily_rows']:,} daily and "
            f"{built['hourly_rows']:,} hourly rows, {kiosk_votes:,} kiosk votes, "
            f"built in {time.perf_counter() - started:.1f} s")
        if built["responses"] != responses:
            problems.append(f"dashboard: generated {built['responses']} responses instead of {responses}")
        client = app.test_client()
        login = client.post("/masuk", data={"login": "hr-bench", "password": PASSWORD})
        if login.status_code != 302:
            problems.append(f"dashboard: logging in answered {login.status_code}")
        year = f"/dasbor/unit/{built['unit']}?dari={built['first'].isoformat()}&sampai={built['last'].isoformat()}"
        walls, cpus, statuses, body = _time(client, year, requests)
        default_walls, _cpus, default_statuses, _body = _time(client, f"/dasbor/unit/{built['unit']}", requests)
        db.session.remove()
        db.engine.dispose()
    bad = sorted({s for s in statuses + default_statuses if s != 200})
    if bad:
        problems.append(f"dashboard: the unit dashboard answered {bad}")
    shown = f"{responses:,}".replace(",", ".")
    if not bad and shown.encode() not in body:
        problems.append(f"dashboard: the page does not show n = {shown}")
    median, p95 = statistics.median(walls), _percentile(walls, 95)
    verdict = "meets" if median <= TARGET_MS else "MISSES"
    say(f"   GET {year}: median {median:.1f} ms, p95 {p95:.1f} ms, CPU median {statistics.median(cpus):.1f} ms "
        f"({requests} requests; {verdict} the {TARGET_MS:.0f} ms target); "
        f"default period: median {statistics.median(default_walls):.1f} ms")
    figures = [
        Figure("dashboard_ms", median, "ms"),
        Figure("dashboard_p95_ms", p95, "ms"),
        Figure("dashboard_cpu_ms", statistics.median(cpus), "ms"),
        Figure("dashboard_default_period_ms", statistics.median(default_walls), "ms"),
    ]
    return figures, problems


def run(options) -> tuple[list[Figure], list[str]]:
    responses = getattr(options, "dashboard_responses", DEFAULT_RESPONSES)
    requests = getattr(options, "dashboard_requests", DEFAULT_REQUESTS)
    kiosk_votes = getattr(options, "dashboard_kiosk_votes", DEFAULT_KIOSK_VOTES)
    say(f"== dashboard: one unit with {responses:,} responses (rollups), SQLite, Flask test client")
    with workdir("cermin-bench-dashboard-") as folder:
        return measure(folder, responses, requests, kiosk_votes)


def main(argv: list[str] | None = None) -> int:
    return standalone("bench.dashboard", __doc__, run, add_arguments, argv=argv)


if __name__ == "__main__":
    raise SystemExit(main())

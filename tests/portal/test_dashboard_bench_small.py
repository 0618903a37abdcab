"""The dashboard benchmark, very small: the rollups it generates hold exactly the responses asked
for, consistently in both rollups, and the timed page answers 200 and shows n (`make bench` runs
1,000,000)."""
import argparse
from collections import Counter
from datetime import date

import pytest

from bench import dashboard as bench_dashboard


def test_generated_rollups_are_consistent():
    import random

    daily, hourly = bench_dashboard.generate_rollups(
        random.Random(1), 1, [(11, 5), (12, 6)], {11: [101, 102, 103], 12: [104, 105, 106]}, 5000, date(2026, 3, 31))
    assert sum(r["n"] for r in daily) == sum(r["n"] for r in hourly) == 5000
    per_day = Counter()
    for row in daily:
        per_day[(row["counter_id"], row["local_date"])] += sum(row[f"s{i}"] for i in range(1, 10))
        assert row["n"] <= row["s3"] <= 4 * row["n"]
    for row in hourly:
        per_day[(row["counter_id"], row["local_date"])] -= row["score_total"]
        assert 9 * row["n"] <= row["score_total"] <= 36 * row["n"]
    assert set(per_day.values()) == {0}


def test_small_dashboard_benchmark(request):
    if request.config.getoption("--db") == "postgres":
        pytest.skip("the dashboard benchmark runs on SQLite only")
    options = argparse.Namespace(dashboard_responses=3000, dashboard_requests=3, dashboard_kiosk_votes=200)
    figures, problems = bench_dashboard.run(options)
    assert problems == []
    names = {figure.name: figure for figure in figures}
    assert set(names) == {"dashboard_ms", "dashboard_p95_ms", "dashboard_cpu_ms", "dashboard_default_period_ms"}
    assert names["dashboard_ms"].value > 0
    assert names["dashboard_ms"].line().startswith("RESULT dashboard_ms=")

"""The merge benchmark, tiny: the data it builds is what it claims, and the merge it measures
creates every record once and changes nothing the second time (`make bench` runs the full size)."""
import argparse

import pytest

from bench import merge


@pytest.fixture(scope="module", autouse=True)
def _pinned_clock(subprocess_clock):
    """The servers these tests start run on the tests' clock."""


def test_small_merge_benchmark(request):
    if request.config.getoption("--db") == "postgres":
        pytest.skip("the small benchmark runs on SQLite only (`python -m bench.merge --databases postgres`)")
    parser = argparse.ArgumentParser()
    merge.add_arguments(parser)
    figures, problems = merge.run(parser.parse_args(["--merge-small", "--merge-databases", "sqlite"]))
    assert problems == []
    values = {figure.name: figure.value for figure in figures}
    assert set(values) >= {"merge_ratio", "merge_seconds", "merge_peak_mb"}
    assert values["merge_seconds"] > 0 and values["merge_ratio"] > 0
    assert 0 < values["merge_peak_mb"] < merge.TARGET_MB
    assert all(line.startswith("RESULT merge_") for line in (figure.line() for figure in figures))


def test_generated_counts_are_exact(app, db):
    """The rollup holds exactly the responses asked for, every unsur sum within [n, 4n]."""
    from sqlalchemy import text

    built = merge.build(260, 7_777, 2_100)
    assert built["responses"] == 7_777 and built["answers"] == 2_100
    bad = db.session.scalar(text(
        "SELECT count(*) FROM skm_daily WHERE s1 < n OR s1 > 4 * n OR s6 < n OR s6 > 4 * n OR s9 < n OR s9 > 4 * n"))
    assert bad == 0
    groups = dict(db.session.execute(text("SELECT rater_group, count(*) FROM review_response GROUP BY rater_group")).all())
    assert set(groups) == {"diri", "atasan", "rekan", "bawahan"}

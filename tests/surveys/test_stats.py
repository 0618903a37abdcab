"""Officer-level uncertainty: t quantiles, t-intervals from moments, Welch's comparison with peers."""
import math
import statistics
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys import stats
from surveys.stats import Moments, compare_with_peers, critical_t, mean_interval, t_quantile

#: Two-sided 95% critical values of Student's t (any printed table; T.INV.2T(0.05; df) in a spreadsheet).
T_TABLE = {1: 12.7062, 2: 4.3027, 3: 3.1824, 4: 2.7764, 5: 2.5706, 9: 2.2622, 10: 2.2281, 20: 2.0860,
           29: 2.0452, 30: 2.0423, 60: 2.0003, 120: 1.9799, 1000: 1.9623}


@pytest.mark.parametrize("df, expected", T_TABLE.items())
def test_critical_t_matches_the_table(df, expected):
    assert round(critical_t(df), 4) == expected


def test_t_quantile_tends_to_the_normal_and_takes_fractional_df():
    assert abs(t_quantile(0.975, 1e9) - 1.959964) < 1e-5
    assert critical_t(7) > critical_t(7.5) > critical_t(8)
    with pytest.raises(ValueError):
        t_quantile(0.3, 5)


def test_moments_give_the_sample_mean_and_variance():
    values = [3, 4, 4, 2, 4, 3]
    moments = Moments.of(values)
    assert moments.mean == Fraction(sum(values), 6)
    assert moments.variance == Fraction(statistics.variance([Fraction(v) for v in values]))
    assert (moments - Moments.of([3, 4])) == Moments.of([4, 2, 4, 3])
    # The IKM scale is 25 × the answer: a linear map of the moments.
    assert moments.scaled(25) == Moments.of([25 * v for v in values])
    assert moments.scaled(Fraction(100, 3), Fraction(-100, 3)) == Moments.of([(v - 1) * Fraction(100, 3) for v in values])
    with pytest.raises(ValueError):
        _ = Moments.of([3]).variance


def test_a_worked_interval():
    # The worked example of docs/statistics.md: 10 answers on the IKM scale.
    values = [100, 75, 75, 100, 87.5, 75, 100, 62.5, 87.5, 100]
    interval = mean_interval(Moments.of(values), (25, 100))
    mean = statistics.mean(values)
    half = 2.2622 * statistics.stdev(values) / math.sqrt(10)
    assert interval.figure == Decimal("86.25") == Decimal(str(mean))
    assert interval.margin == Decimal(str(round(half, 2))) == Decimal("9.84")
    assert (interval.low, interval.high) == (Decimal("76.41"), Decimal("96.09"))


def test_bounds_stay_on_the_scale_and_one_value_has_no_interval():
    interval = mean_interval(Moments.of([100, 100, 100, 75]), (25, 100))
    assert interval.high == Decimal("100.00") and interval.low == interval.figure - interval.margin
    assert mean_interval(Moments.of([80]), (25, 100)) is None
    flat = mean_interval(Moments.of([75] * 5), (25, 100))
    assert (flat.low, flat.figure, flat.high, flat.margin) == (Decimal("75.00"),) * 3 + (Decimal("0.00"),)


@given(st.lists(st.integers(1, 4), min_size=2, max_size=30))
def test_the_interval_is_the_shown_figure_plus_or_minus_the_shown_margin(answers):
    interval = mean_interval(Moments.of([25 * a for a in answers]), (25, 100))
    assert interval.low == max(Decimal(25), interval.figure - interval.margin)
    assert interval.high == min(Decimal(100), interval.figure + interval.margin)
    assert interval.low <= interval.figure <= interval.high


def test_welch_for_one_layanan_is_the_textbook_interval():
    officer = [2, 3, 3, 2, 3, 2, 3, 3, 2, 2, 3, 2]
    peers = [4, 3, 4, 4, 3, 4, 4, 3, 4, 4, 3, 4, 4, 4, 3]
    found = compare_with_peers([(Moments.of(officer), Moments.of(peers))])
    v1, v2 = statistics.variance(officer) / len(officer), statistics.variance(peers) / len(peers)
    df = (v1 + v2) ** 2 / (v1 ** 2 / (len(officer) - 1) + v2 ** 2 / (len(peers) - 1))
    difference = statistics.mean(officer) - statistics.mean(peers)
    assert found.difference == pytest.approx(difference)
    assert found.upper == pytest.approx(difference + critical_t(df) * math.sqrt(v1 + v2))
    assert found.reliably_below and found.n == 12


def test_alike_officers_are_not_reliably_below_and_small_samples_do_not_count():
    same = [3, 4, 3, 4, 3, 4, 3, 4]
    assert not compare_with_peers([(Moments.of(same), Moments.of(same * 3))]).reliably_below
    assert compare_with_peers([(Moments.of([1]), Moments.of(same))]) is None
    # A slightly lower mean on few answers is noise, not a development area.
    assert not compare_with_peers([(Moments.of([3, 3, 4]), Moments.of([3, 4, 4, 4, 3, 4]))]).reliably_below


def test_several_layanan_are_weighted_by_the_officer_s_responses():
    low, high = Moments.of([2, 3] * 20), Moments.of([4, 3] * 20)
    # Below peers at a layanan where the officer served 40, equal at one where they served 10.
    found = compare_with_peers([(low, high), (Moments.of([3, 4] * 5), Moments.of([3, 4] * 30))])
    assert found.difference == pytest.approx(0.8 * -1.0 + 0.2 * 0.0)
    assert found.n == 50 and found.reliably_below
    # Every answer identical on both sides: no spread, the difference itself decides.
    assert compare_with_peers([(Moments.of([3, 3]), Moments.of([4, 4]))]).reliably_below
    assert stats.CONFIDENCE == 0.95


@given(st.floats(min_value=1, max_value=1e6), st.sampled_from([0.9, 0.95, 0.975, 0.995]))
def test_the_quantile_inverts_the_distribution_function(df, probability):
    t = stats.t_quantile.__wrapped__(probability, df)
    assert abs(stats.t_cdf(t, df) - probability) < 1e-9
    assert abs(t - stats._t_bisection(probability, df)) < 1e-8 * max(1, t)

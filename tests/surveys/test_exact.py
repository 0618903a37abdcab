"""Shown figures that add up: the largest remainder method; rounding half up."""
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys.exact import largest_remainder, round_half_up


def test_thirds_add_up_to_a_hundred_the_first_part_taking_the_spare_hundredth():
    assert largest_remainder([Fraction(100, 3)] * 3) == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]


def test_the_issue_s_weights_add_up_to_a_hundred():
    # 33.33 + 44.44 + 22.22 = 99.99 when each is rounded alone; by largest remainder 100.00.
    shown = largest_remainder([Fraction(300, 9), Fraction(400, 9), Fraction(200, 9)])
    assert shown == [Decimal("33.33"), Decimal("44.45"), Decimal("22.22")]
    assert sum(shown) == 100


def test_whole_parts_are_left_as_they_are():
    assert largest_remainder([40, 35, 25, 0]) == [Decimal("40.00"), Decimal("35.00"), Decimal("25.00"), Decimal("0.00")]


def test_largest_remainder_first_then_order():
    # 9/11 of 100 = 81.8181…, 2/11 = 18.1818…: each rounds alone and they add up anyway.
    assert largest_remainder([Fraction(900, 11), Fraction(200, 11)]) == [Decimal("81.82"), Decimal("18.18")]
    # Two remainders of .5 hundredth: the first listed takes the unit.
    assert largest_remainder([Fraction(1, 200), Fraction(1, 200), Fraction("99.99")]) == \
        [Decimal("0.01"), Decimal("0.00"), Decimal("99.99")]


def test_parts_that_do_not_add_up_are_refused():
    with pytest.raises(ValueError):
        largest_remainder([50, 49])
    with pytest.raises(ValueError):
        largest_remainder([101, -1])


@given(st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=8).filter(any),
       st.sampled_from([0, 1, 2, 3]))
def test_shares_add_up_and_each_is_within_one_unit_of_its_exact_value(counts, places):
    total = sum(counts)
    exact = [Fraction(100 * c, total) for c in counts]
    shown = largest_remainder(exact, 100, places)
    assert sum(shown) == 100
    for part, figure in zip(exact, shown):
        # Each part is its own value rounded down or up to the unit, never further.
        assert figure * 10**places - int(part * 10**places) in (0, 1)


@given(st.integers(min_value=-10**12, max_value=10**12), st.integers(min_value=0, max_value=6),
       st.integers(min_value=0, max_value=4))
def test_round_half_up_agrees_with_decimal_quantize(units, scale, places):
    # round_half_up works in integers; Decimal's own ROUND_HALF_UP is the reference for decimals.
    value = Decimal(units).scaleb(-scale)
    expected = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    for given_as in (value, Fraction(units, 10**scale)):
        rounded = round_half_up(given_as, places)
        assert rounded == expected and rounded.as_tuple().exponent == -places


@given(st.floats(min_value=-1e16, max_value=1e16, allow_nan=False, allow_infinity=False)
       | st.integers(0, 10**9).map(lambda cents: cents / 1000), st.integers(min_value=0, max_value=12))
def test_a_float_is_rounded_as_its_exact_reading_is(value, places):
    """A float (the merge's margin) is rounded by the decimal module where its figures fit, and
    through a Fraction elsewhere: both give the value and exponent of its exact reading (its
    shortest repr, halves included: x.xx5 as written), and zero never comes out negative."""
    fast, exact = round_half_up(value, places), round_half_up(Fraction(Decimal(repr(value))), places)
    assert fast == exact and fast.as_tuple() == exact.as_tuple()

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys.alerts import is_negative_face, is_negative_skm, negative_share_exceeds
from surveys.errors import InvalidResponse, InvalidValue
from surveys.skm import UNSUR_CODES


class TestNegativeShare:
    def test_alerts_above_the_threshold(self):
        assert negative_share_exceeds(4, 10, 30, min_n=10)

    def test_equal_to_the_threshold_does_not_alert(self):
        assert not negative_share_exceeds(3, 10, 30, min_n=10)

    def test_too_few_answers_never_alert(self):
        assert not negative_share_exceeds(9, 9, 30, min_n=10)
        assert not negative_share_exceeds(0, 0, 0, min_n=1)

    def test_exact_comparison_with_decimal_threshold(self):
        # 1/3 = 33.333...% is above 33.33 and below 33.34.
        assert negative_share_exceeds(1, 3, Decimal("33.33"), min_n=3)
        assert not negative_share_exceeds(1, 3, Decimal("33.34"), min_n=3)

    @pytest.mark.parametrize(
        ("negative", "n", "threshold", "min_n"),
        [(4, 3, 30, 1), (-1, 3, 30, 1), (1, 3, 101, 1), (1, 3, -1, 1), (1, 3, 30, 0)],
    )
    def test_refuses_nonsense(self, negative, n, threshold, min_n):
        with pytest.raises(ValueError):
            negative_share_exceeds(negative, n, threshold, min_n)

    @given(st.integers(0, 500), st.integers(0, 500), st.integers(0, 100), st.integers(1, 50))
    def test_matches_the_rule(self, a, b, threshold, min_n):
        negative, n = min(a, b), max(a, b)
        expected = n >= min_n and negative * 100 > threshold * n
        assert negative_share_exceeds(negative, n, threshold, min_n) is expected


class TestNegativeResponse:
    def test_mean_below_two_and_a_half_is_negative(self):
        scores = dict.fromkeys(UNSUR_CODES, 2)
        scores.update(U1=4, U2=4)  # total 22, mean 2.44
        assert is_negative_skm(scores)

    def test_mean_of_two_and_a_half_or_more_is_not(self):
        scores = dict.fromkeys(UNSUR_CODES, 2)
        scores.update(U1=4, U2=4, U3=3)  # total 23, mean 2.56
        assert not is_negative_skm(scores)
        assert not is_negative_skm(dict.fromkeys(UNSUR_CODES, 3))

    def test_incomplete_response_is_refused(self):
        with pytest.raises(InvalidResponse):
            is_negative_skm({"U1": 1})

    def test_faces(self):
        assert [is_negative_face(face) for face in (1, 2, 3, 4)] == [True, True, False, False]
        assert is_negative_face("2")
        with pytest.raises(InvalidValue):
            is_negative_face(0)

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys import kiosk
from surveys.errors import InvalidValue, NoResponses


def test_four_faces_without_a_neutral_one():
    assert [face.value for face in kiosk.FACES] == [1, 2, 3, 4]
    assert [face.label for face in kiosk.FACES] == [
        "Sangat tidak puas", "Tidak puas", "Puas", "Sangat puas",
    ]
    assert all(face.name.isascii() and face.name.isidentifier() for face in kiosk.FACES)
    assert kiosk.NEGATIVE_FACES == (1, 2)
    assert kiosk.FACE_BY_VALUE[3].name == "puas"


def test_reasons_have_unique_ascii_codes():
    codes = [code for code, _ in kiosk.REASONS]
    assert len(set(codes)) == len(codes) and all(code.isascii() for code in codes)
    assert codes[-1] == "lainnya"
    assert kiosk.validate_reason("biaya") == "biaya"
    with pytest.raises(InvalidValue):
        kiosk.validate_reason("tidak_ada")


@pytest.mark.parametrize(("value", "face"), [(1, 1), ("4", 4), (" 2 ", 2)])
def test_validate_face(value, face):
    assert kiosk.validate_face(value) == face


@pytest.mark.parametrize("value", [0, 5, "3.0", None, True, "", "x", 2.0])
def test_validate_face_refuses(value):
    with pytest.raises(InvalidValue):
        kiosk.validate_face(value)


@pytest.mark.parametrize(
    ("total", "n", "expected"),
    [(4, 1, "100.00"), (10, 10, "25.00"), (7, 2, "87.50"), (10, 3, "83.33"), (11, 6, "45.83")],
)
def test_happy_index(total, n, expected):
    assert kiosk.happy_index(total, n) == Decimal(expected)


def test_happy_index_half_up():
    # Mean 2.0002 × 25 = 50.005 → 50.01.
    assert kiosk.happy_index(20002, 10000) == Decimal("50.01")


@pytest.mark.parametrize(
    ("neg", "n", "expected"), [(0, 5, "0.00"), (5, 5, "100.00"), (1, 3, "33.33"), (2, 3, "66.67")]
)
def test_negative_share(neg, n, expected):
    assert kiosk.negative_share(neg, n) == Decimal(expected)


def test_no_answers_yet():
    with pytest.raises(NoResponses):
        kiosk.happy_index(0, 0)
    with pytest.raises(NoResponses):
        kiosk.negative_share(0, 0)


@pytest.mark.parametrize(("part", "n"), [(5, 1), (0, 1), (-1, 3)])
def test_impossible_happy_totals(part, n):
    with pytest.raises(ValueError):
        kiosk.happy_index(part, n)


def test_impossible_negative_count():
    with pytest.raises(ValueError):
        kiosk.negative_share(4, 3)


@given(st.lists(st.integers(1, 4), min_size=1))
def test_happy_index_stays_on_the_scale(faces):
    index = kiosk.happy_index(sum(faces), len(faces))
    assert Decimal(25) <= index <= Decimal(100)

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys.errors import InvalidNip
from surveys.nip import Nip, make_nip, parse_nip, validate_nip


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("198503152010011001", "198503152010011001"),
        ("19850315 201001 1 001", "198503152010011001"),
        (" 199002282015032000 ", "199002282015032000"),
        ("200002292020121999", "200002292020121999"),  # 29 February of a leap year
    ],
)
def test_valid(text, expected):
    assert validate_nip(text) == expected


def test_parts():
    assert parse_nip("198503152010011001") == Nip(date(1985, 3, 15), 2010, 1, 1, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("19850315201001100", "NIP harus terdiri dari 18 angka."),
        ("1985031520100110011", "NIP harus terdiri dari 18 angka."),
        ("19850315201001100A", "NIP harus terdiri dari 18 angka."),
        ("19850315-201001-1-001", "NIP harus terdiri dari 18 angka."),
        ("١٩٨٥٠٣١٥٢٠١٠٠١١٠٠١", "NIP harus terdiri dari 18 angka."),
        ("198502302010011001", "Tanggal lahir pada NIP (%(value)s) bukan tanggal yang valid."),
        ("190002292010011001", "Tanggal lahir pada NIP (%(value)s) bukan tanggal yang valid."),
        ("198513012010011001", "Tanggal lahir pada NIP (%(value)s) bukan tanggal yang valid."),
        ("198503152010131001", "Bulan TMT CPNS pada NIP (%(value)s) tidak valid."),
        ("198503152010001001", "Bulan TMT CPNS pada NIP (%(value)s) tidak valid."),
        ("198503151984121001", "TMT CPNS pada NIP (%(value)s) lebih awal dari tahun lahir."),
        (
            "198503152010013001",
            "Digit jenis kelamin pada NIP harus 1 (laki-laki) atau 2 (perempuan).",
        ),
        (
            "198503152010010001",
            "Digit jenis kelamin pada NIP harus 1 (laki-laki) atau 2 (perempuan).",
        ),
    ],
)
def test_invalid(text, message):
    with pytest.raises(InvalidNip) as caught:
        validate_nip(text)
    assert caught.value.message == message


def test_error_params_name_the_faulty_part():
    with pytest.raises(InvalidNip) as caught:
        validate_nip("198503152010131001")
    assert caught.value.params == {"value": "201013"}
    assert str(caught.value) == "Bulan TMT CPNS pada NIP (201013) tidak valid."


def test_no_checks_beyond_the_layout():
    # TMT in the birth year and sequence 000 are odd but not forbidden by the source.
    assert validate_nip("198503151985121000") == "198503151985121000"


def test_non_string():
    with pytest.raises(InvalidNip):
        validate_nip(198503152010011001)


@given(
    st.dates(date(1900, 1, 1), date(2010, 12, 31)),
    st.integers(0, 60),
    st.integers(1, 12),
    st.sampled_from([1, 2]),
    st.integers(0, 999),
)
def test_make_and_parse_round_trip(birth, years_after, month, gender, seq):
    tmt_year = birth.year + years_after
    nip = make_nip(birth, (tmt_year, month), gender, seq)
    assert len(nip) == 18 and nip.isdigit()
    assert parse_nip(nip) == Nip(birth, tmt_year, month, gender, seq)


def test_make_refuses_invalid_parts():
    with pytest.raises(InvalidNip):
        make_nip(date(1990, 1, 1), (1989, 1), 1, 1)
    with pytest.raises(InvalidNip):
        make_nip(date(1990, 1, 1), (2015, 1), 3, 1)
    with pytest.raises(ValueError):
        make_nip(date(1990, 1, 1), (2015, 1), 1, 1000)

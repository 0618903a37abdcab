from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surveys.errors import InvalidTicket
from surveys.tickets import Ticket, new_instansi_key, sign_ticket, verify_ticket

KEY = bytes(range(32))
BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

counter_codes = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcxyz0123456789_-", min_size=1, max_size=16)
days = st.dates(date(2000, 1, 1), date(2179, 6, 1))
serials = st.integers(0, 2**24 - 1)


def test_round_trip_example():
    code = sign_ticket(KEY, "LOKET-1", date(2025, 3, 4), 17)
    assert verify_ticket(KEY, code) == Ticket("LOKET-1", date(2025, 3, 4), 17)


def test_code_is_short_grouped_base32():
    code = sign_ticket(KEY, "A1", date(2025, 3, 4), 123)
    groups = code.split("-")
    assert all(1 <= len(g) <= 4 for g in groups) and all(len(g) == 4 for g in groups[:-1])
    assert set("".join(groups)) <= set(BASE32)
    assert len("".join(groups)) == 26  # 16 bytes: 2-byte counter, 64-bit tag


def test_typing_variants_are_accepted():
    code = sign_ticket(KEY, "B", date(2025, 1, 1), 5)
    for typed in (code.lower(), code.replace("-", ""), f"  {code.replace('-', ' ')} "):
        assert verify_ticket(KEY, typed).serial == 5


@given(counter_codes, days, serials)
def test_round_trip(counter_code, day, serial):
    assert verify_ticket(KEY, sign_ticket(KEY, counter_code, day, serial)) == Ticket(
        counter_code, day, serial
    )


@given(counter_codes, days, serials, st.data())
def test_any_single_character_alteration_is_refused(counter_code, day, serial, data):
    text = sign_ticket(KEY, counter_code, day, serial).replace("-", "")
    position = data.draw(st.integers(0, len(text) - 1))
    replacement = data.draw(st.sampled_from(BASE32.replace(text[position], "")))
    altered = text[:position] + replacement + text[position + 1 :]
    with pytest.raises(InvalidTicket):
        verify_ticket(KEY, altered)


@given(counter_codes, days, serials, st.data())
def test_dropped_or_added_characters_are_refused(counter_code, day, serial, data):
    text = sign_ticket(KEY, counter_code, day, serial).replace("-", "")
    position = data.draw(st.integers(0, len(text) - 1))
    with pytest.raises(InvalidTicket):
        verify_ticket(KEY, text[:position] + text[position + 1 :])
    with pytest.raises(InvalidTicket):
        verify_ticket(KEY, text[:position] + data.draw(st.sampled_from(BASE32)) + text[position:])


def test_another_instansi_key_is_refused():
    code = sign_ticket(KEY, "A", date(2025, 1, 1), 1)
    with pytest.raises(InvalidTicket):
        verify_ticket(new_instansi_key(), code)


@pytest.mark.parametrize(
    "code", ["", "   ", "----", "ABCD", "ABC1-DEFG", "A" * 200, "AAAAAAAA" * 3, None, 12345]
)
def test_malformed_codes_are_refused(code):
    with pytest.raises(InvalidTicket) as caught:
        verify_ticket(KEY, code)
    assert caught.value.message.startswith("Kode tiket tidak valid")


@pytest.mark.parametrize(
    ("counter_code", "day", "serial"),
    [
        ("", date(2025, 1, 1), 1),
        ("LOKET 1", date(2025, 1, 1), 1),
        ("A" * 17, date(2025, 1, 1), 1),
        ("A", date(1999, 12, 31), 1),
        ("A", date(2025, 1, 1), -1),
        ("A", date(2025, 1, 1), 2**24),
    ],
)
def test_sign_refuses_what_it_cannot_encode(counter_code, day, serial):
    with pytest.raises(ValueError):
        sign_ticket(KEY, counter_code, day, serial)


def test_keys():
    key = new_instansi_key()
    assert isinstance(key, bytes) and len(key) == 32 and key != new_instansi_key()
    with pytest.raises(ValueError):
        sign_ticket(b"short", "A", date(2025, 1, 1), 1)

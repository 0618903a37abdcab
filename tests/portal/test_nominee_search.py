"""The nominee search finds colleagues by name only (three letters at least, a bounded list) and
confirms nothing about a NIP, which encodes a birth date and a gender."""
from html import unescape

import pytest

from portal.reviews.views import SEARCH_LIMIT
from tests.portal.appraisal_helpers import draft_cycle


@pytest.fixture
def cycle(org, db):
    cycle = draft_cycle(org)
    db.session.commit()
    return cycle


def _found(client, cycle, query) -> str:
    return unescape(client.get(f"/360/{cycle.id}/nominasi", query_string={"q": query}).get_data(as_text=True))


def test_a_nip_or_any_prefix_of_it_finds_nothing(employee_client, org, cycle):
    target = org.users["hr"].employee  # another unit: only a search could list them
    assert target.name in _found(employee_client, cycle, "Petugas HR")
    for length in (1, 2, 3, 8, 14, 17, 18):
        page = _found(employee_client, cycle, target.nip[:length])
        assert target.name not in page, length
        assert "Cari dengan nama saja, minimal 3 huruf." in page
    spaced = f"{target.nip[:8]} {target.nip[8:14]} {target.nip[14:]}"
    assert target.name not in _found(employee_client, cycle, spaced)


def test_the_results_never_show_a_nip(employee_client, factory, org, cycle, db):
    far = [factory.employee(org.other_unit, f"Rekan Jauh {n}") for n in range(3)]
    db.session.commit()
    for query in ("Rekan Jauh", ""):
        page = _found(employee_client, cycle, query)
        for employee in [org.head, org.supervisor, *org.staff, org.users["hr"].employee, *far]:
            assert employee.nip not in page
    assert all(e.name in _found(employee_client, cycle, "Rekan Jauh") for e in far)


def test_at_least_three_letters(employee_client, org, cycle):
    assert org.users["hr"].employee.name not in _found(employee_client, cycle, "Pe")
    assert org.users["hr"].employee.name in _found(employee_client, cycle, "Pet")


def test_jabatan_is_not_searched(employee_client, org, cycle):
    assert org.users["hr"].employee.name not in _found(employee_client, cycle, "Analis SDM")


def test_the_results_are_bounded(employee_client, factory, org, cycle, db):
    for n in range(SEARCH_LIMIT + 5):
        factory.employee(org.other_unit, f"Rekan Bernama Sama {n:02d}")
    db.session.commit()
    page = _found(employee_client, cycle, "Bernama Sama")
    assert page.count("<td>Rekan Bernama Sama") == SEARCH_LIMIT


def test_the_search_hint_in_english(employee_client, org, cycle):
    page = unescape(employee_client.get(f"/360/{cycle.id}/nominasi", query_string={"q": "19"},
                                        headers={"Accept-Language": "en"}).get_data(as_text=True))
    assert "Search by name only, at least 3 letters." in page

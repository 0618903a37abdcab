"""The workbooks recalculated by a real spreadsheet engine (LibreOffice Calc) give every figure the
portal prints: the Laporan SKM (n, channels, NRR, weight, NRR tertimbang, IKM 1–4, IKM, mutu) from
its tabulation of every counted response, including IKM exactly on a rounding half and on a mutu
boundary.

LibreOffice runs once per module for all workbooks (a conversion takes seconds); see
tests/libreoffice.py for how it is made to recalculate and when a missing soffice fails the run.
"""
from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import insert

from portal.feedback.models import SkmResponse
from portal.feedback.services import Submission, rebuild_rollups, record_response
from portal.org.models import Counter, Unit
from tests.conftest import login
from tests.libreoffice import recalculated
from tests.portal.shown import half_up, laporan_page, laporan_workbook

FROM, TO = date(2026, 4, 1), date(2026, 6, 30)
CHANNELS = ("web", "paper", "ticket")


def _unit_with_loket(factory, org, code: str) -> tuple[Unit, Counter]:
    unit = factory.unit(org.instansi, code=code, name=f"Unit {code}")
    counter = factory.add(Counter(unit_id=unit.id, code=f"{code}01", name=f"Loket {code}"))
    return unit, counter


def _bulk(db, org, unit: Unit, counter: Counter, answers: list[list[int]]) -> None:
    """Responses written as a bulk import would, then the unit's rollups rebuilt."""
    day = date(2026, 5, 4)
    rows = []
    for i, scores in enumerate(answers):
        moment = datetime.combine(day + timedelta(days=i % 50), time(1, 0), timezone.utc) + timedelta(seconds=i)
        rows.append({"instansi_id": org.instansi.id, "unit_id": unit.id, "counter_id": counter.id,
                     "submitted_at": moment, "local_date": day + timedelta(days=i % 50), "local_hour": 9,
                     "local_weekday": 0, "negative": False, "channel": CHANNELS[i % 3],
                     **{f"u{k}": scores[k - 1] for k in range(1, 10)}})
    db.session.execute(insert(SkmResponse), rows)
    rebuild_rollups(unit.id)


def _answers_with_total(n: int, fours: int, twos: int = 0) -> list[list[int]]:
    """n responses of nine answers: `fours` answers of 4, `twos` of 2, the rest 3 (spread evenly)."""
    flat = [4] * fours + [2] * twos + [3] * (9 * n - fours - twos)
    # Interleave so every unsur gets its share.
    flat = [flat[i] for i in itertools.chain.from_iterable(range(s, 9 * n, 9) for s in range(9))]
    return [flat[r::n] for r in range(n)]


@pytest.fixture
def laporan_units(db, factory, org):
    """Units whose IKM is ordinary, exactly on a rounding half (84.375 → 84.38), and exactly on the
    B/A boundary once rounded (88.305 → 88.31, A, not 88.30, B)."""
    start = datetime(2026, 4, 6, 2, tzinfo=timezone.utc)
    for i in range(12):
        answers = {f"U{k}": 1 + (i + k) % 4 for k in range(1, 10)}
        answers["U3"] = 1 + i % 2
        record_response(org.counter, Submission(scores=answers, channel=CHANNELS[i % 3],
                                                submitted_at=start + timedelta(days=i * 5)))
    half, half_counter = _unit_with_loket(factory, org, "HALF")
    # 8 responses, total 243 of 72 answers: IKM = 243 / 72 × 25 = 84.375.
    _bulk(db, org, half, half_counter, _answers_with_total(8, fours=243 - 216))
    edge, edge_counter = _unit_with_loket(factory, org, "EDGE")
    # 5,000 responses, total 158,949 of 45,000 answers: IKM = 3.5322 × 25 = 88.305.
    _bulk(db, org, edge, edge_counter, _answers_with_total(5000, fours=158_949 - 135_000))
    db.session.commit()
    return {"DUKCAPIL": None, "HALF": Decimal("84.38"), "EDGE": Decimal("88.31")}


def test_laporan_workbooks_recalculated_by_libreoffice_give_the_printed_figures(app, db, org, laporan_units,
                                                                                 tmp_path):
    client = app.test_client()
    login(client, "hr")
    pages, files = {}, {}
    for code in laporan_units:
        query = f"dari={FROM}&sampai={TO}"
        page = client.get(f"/tindak-lanjut/laporan/{code}?{query}")
        assert page.status_code == 200
        pages[code] = laporan_page(page.get_data(as_text=True))
        files[code] = client.get(f"/tindak-lanjut/laporan/{code}.xlsx?{query}").data
    workbooks = recalculated(files, tmp_path)

    for code, expected_ikm in laporan_units.items():
        shown, computed = pages[code], laporan_workbook(workbooks[code])
        if expected_ikm is not None:
            assert shown["ikm"] == expected_ikm
        assert computed["n"] == shown["n"]
        assert computed["channels"] == {label: int(count) for label, count in shown["channels"].items()}
        assert set(computed["unsur"]) == set(shown["unsur"]) == {f"U{k}" for k in range(1, 10)}
        for kode, row in shown["unsur"].items():
            assert half_up(computed["unsur"][kode]["nrr"], 4) == row["nrr"], (code, kode)
            assert computed["unsur"][kode]["weight"] == pytest.approx(1 / 9, abs=1e-15)
            assert row["weight"] == "1/9"
            assert half_up(computed["unsur"][kode]["weighted"], 4) == row["weighted"], (code, kode)
        assert half_up(computed["ikm_4"], 4) == shown["ikm_4"]
        assert half_up(computed["ikm"], 2) == shown["ikm"]
        assert (computed["mutu"], computed["mutu_label"]) == (shown["mutu"], shown["mutu_label"])


def test_the_laporan_workbook_keeps_formulas_and_the_tabulation_holds_only_answers_date_and_channel(app, db, org,
                                                                                                     laporan_units):
    import io

    from openpyxl import load_workbook

    client = app.test_client()
    login(client, "hr")
    data = client.get(f"/tindak-lanjut/laporan/HALF.xlsx?dari={FROM}&sampai={TO}").data
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["Laporan SKM", "Tabulasi", "Mutu"]
    report = workbook["Laporan SKM"]
    formulas = [cell.value for row in report.iter_rows() for cell in row
                if isinstance(cell.value, str) and cell.value.startswith("=")]
    assert "=1/9" in formulas
    assert any(f.startswith("=SUM('Tabulasi'!$D$2:$D$9)/$B$") for f in formulas)
    assert any(f.startswith("=VLOOKUP(ROUND(B") and "'Mutu'!$A$2:$D$5,3,TRUE)" in f for f in formulas)
    weight = next(cell for row in report.iter_rows() for cell in row if cell.value == "=1/9")
    assert weight.number_format == "?/?"
    tabulation = list(workbook["Tabulasi"].iter_rows(values_only=True))
    assert tabulation[0] == ("No", "Tanggal", "Saluran", *(f"U{k}" for k in range(1, 10)))
    assert len(tabulation) == 1 + 8
    assert all(len(row) == 12 for row in tabulation)
    assert [row[0] for row in workbook["Mutu"].iter_rows(min_row=2, values_only=True)] == [25, 65, 76.61, 88.31]

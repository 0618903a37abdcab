"""The appraisal outputs compared with each other, on records the real merge computed from citizen
responses and 360 answers (tests/portal/appraisal_output_data.py): the CSV, the XLSX, the API, the
printed sheet and the record's explanation show the same figures, and a group hidden under the
anonymity threshold shows no count anywhere."""
import csv
import io
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string

from portal.appraisal import tokens
from tests.portal.appraisal_output_data import standard_appraisals

COMPONENTS = (("citizen", "Masyarakat"), ("atasan", "Atasan"), ("rekan", "Rekan kerja"), ("bawahan", "Bawahan"))
NUMBERS = [f"{key}_{kind}" for key, _label in COMPONENTS for kind in ("score", "n")] + [
    f"weight_{key}" for key, _label in COMPONENTS] + ["composite"]
TEXTS = ["rating_perilaku_suggested", "rating_perilaku", "rating_hasil_kerja", "predikat"]
#: The XLSX composite: =ROUND((score*weight+…)/100,2) over cells of its own row.
COMPOSITE_FORMULA = re.compile(r"=ROUND\(\((?P<terms>[A-Z]+\d+\*[A-Z]+\d+(?:\+[A-Z]+\d+\*[A-Z]+\d+)*)\)/100,2\)")
CELL = re.compile(r"([A-Z]+)(\d+)")


def _formula_value(formula: str, row: tuple, number: int) -> Decimal:
    """The composite formula's value as a spreadsheet computes it from the row's cells (an empty
    cell counts 0; ROUND rounds half away from zero); LibreOffice itself checks the same in
    test_workbooks_libreoffice.py."""
    found = COMPOSITE_FORMULA.fullmatch(formula)
    assert found, formula

    def cell(ref: str) -> Decimal:
        column, row_number = CELL.fullmatch(ref).groups()
        assert int(row_number) == number, formula  # the formula reads its own row only
        value = row[column_index_from_string(column) - 1]
        return Decimal(0) if value in (None, "") else Decimal(str(value))

    total = sum((cell(a) * cell(b) for a, b in (term.split("*") for term in found["terms"].split("+"))), Decimal(0))
    return (total / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.fixture
def outputs(app, factory, org, hr_client):
    """Each output of the merged period, by NIP: (csv row, xlsx row, api entry), plus the sheets."""
    appraisals = standard_appraisals(factory, org)
    period_id = appraisals.period.id
    rows = list(csv.DictReader(io.StringIO(hr_client.get(f"/penilaian/{period_id}/ekspor.csv").get_data(as_text=True))))
    header = list(rows[0])
    sheet = load_workbook(io.BytesIO(hr_client.get(f"/penilaian/{period_id}/ekspor.xlsx").data))["Penilaian"]
    xlsx = {}
    for number, row in enumerate(list(sheet.iter_rows(values_only=True))[1:], start=2):
        values = dict(zip(header, row))
        if isinstance(values["composite"], str):  # a formula over the row's shown scores and weights
            values["composite"] = _formula_value(values["composite"], row, number)
        xlsx[row[0]] = values
    _row, secret = tokens.issue_token(org.instansi.id, "Uji", ["appraisals:read"], None, actor=org.users["admin"])
    factory.db.session.commit()
    api = app.test_client().get(f"/api/v1/appraisals?period={period_id}", headers={"Authorization": f"Bearer {secret}"})
    entries = {entry["nip"]: entry for entry in api.json["appraisals"]}
    return appraisals, {row["nip"]: (row, xlsx[row["nip"]], entries[row["nip"]]) for row in rows}


def _number(value) -> Decimal | None:
    if value in (None, ""):
        return None
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _shown(value: Decimal | None) -> str:
    """A figure as the pages show it: two decimals, a decimal comma."""
    return "—" if value is None else f"{value:.2f}".replace(".", ",")


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_csv_xlsx_and_api_show_the_same_figures(outputs):
    appraisals, by_nip = outputs
    assert len(by_nip) == 9
    for nip, (row, cells, entry) in by_nip.items():
        for column in NUMBERS:
            if column == "composite":  # the XLSX's composite: see the two tests below
                assert _number(row[column]) == _number(entry[column]), (row["nama"], column)
                continue
            assert _number(row[column]) == _number(cells[column]) == _number(entry[column]), (row["nama"], column)
        for column in TEXTS:
            assert (row[column] or None) == cells[column] == entry[column], (row["nama"], column)


def _from_shown_parts(row: dict) -> Decimal | None:
    """The composite an auditor recomputes from the CSV: the shown scores with the shown weights."""
    if row["composite"] in (None, ""):
        return None
    parts = [(_number(row[f"{key}_score"]), _number(row[f"weight_{key}"])) for key, _label in COMPONENTS]
    total = sum((score * weight for score, weight in parts if score is not None and weight is not None), Decimal(0))
    return (total / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def test_the_xlsx_composite_is_the_formula_over_the_shown_parts(outputs):
    _appraisals, by_nip = outputs
    for row, cells, _entry in by_nip.values():
        assert _number(cells["composite"]) == _from_shown_parts(row), row["nama"]


def test_the_stored_composite_is_the_one_recomputed_from_the_shown_parts(outputs):
    _appraisals, by_nip = outputs
    for row, _cells, _entry in by_nip.values():
        assert _number(row["composite"]) == _from_shown_parts(row), row["nama"]


def test_the_sheet_and_the_explanation_show_the_exported_figures(outputs, hr_client):
    appraisals, by_nip = outputs
    for record in (appraisals.own, appraisals.draft, appraisals.final, appraisals.supervisor, appraisals.other_unit,
                   appraisals.few_citizens):
        row = by_nip[record.employee.nip][0]
        sheet = _text(hr_client.get(f"/penilaian/catatan/{record.id}/cetak").get_data(as_text=True))
        for key, label in COMPONENTS:
            weight = _number(row[f"weight_{key}"])
            if weight is not None:
                score = _number(row[f"{key}_score"])
                assert f"{label} {_shown(score)} {row[f'{key}_n']} {_shown(weight)}%" in sheet, (record.employee.name, label)
                if weight != 100:
                    assert f"Bobot {label} menjadi {_shown(weight)}%" in sheet
        composite = _number(row["composite"])
        assert f"Nilai komposit {_shown(composite)}" in sheet
        assert f"Skor gabungan {_shown(composite)} dari 100" in sheet
        record_page = _text(hr_client.get(f"/penilaian/catatan/{record.id}").get_data(as_text=True))
        assert f"Skor gabungan {_shown(composite)} dari 100" in record_page


def test_the_hidden_groups_are_left_out_of_every_score(outputs):
    """Staf Uji 1's rekan group (2 of 3 answered) and the head's bawahan (1) are under the threshold:
    no score and no weight for them, in any output."""
    appraisals, by_nip = outputs
    for nip, key in ((appraisals.own.employee.nip, "rekan"), (appraisals.supervisor.employee.supervisor.nip, "bawahan")):
        for output in by_nip[nip]:
            assert _number(output[f"{key}_score"]) is None and _number(output[f"weight_{key}"]) is None


def test_no_output_shows_how_many_answered_in_a_hidden_group(outputs, hr_client):
    appraisals, by_nip = outputs
    for nip, key in ((appraisals.own.employee.nip, "rekan"), (appraisals.supervisor.employee.supervisor.nip, "bawahan")):
        row, cells, entry = by_nip[nip]
        assert row[f"{key}_n"] == "" and cells[f"{key}_n"] is None and entry[f"{key}_n"] is None
    for path in (f"/penilaian/catatan/{appraisals.own.id}/cetak", f"/penilaian/catatan/{appraisals.own.id}"):
        page = _text(hr_client.get(path).get_data(as_text=True))
        assert "Rekan kerja" in page, path
        assert "Rekan kerja — 2" not in page and "hanya 2 tanggapan" not in page, path
        assert not re.search(r"Rekan kerja\W+2\b", page), path
    assert "hanya 2 tanggapan" not in appraisals.own.explanation
    assert not re.search(r"\b2 (tanggapan|dari 3)", appraisals.own.explanation)

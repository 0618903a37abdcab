"""Laporan SKM: the figures equal scoring.ikm, the profile and channel counts, the previous period's
follow-up, the printable page, the XLSX (readable, escaped) and the command."""
import io
from datetime import date, datetime, timedelta, timezone
from fractions import Fraction

import pytest
from openpyxl import load_workbook

from portal.feedback import scoring
from portal.feedback.services import Submission, record_response
from portal.insight import followup, report
from surveys import skm
from tests.conftest import half_up, login


FROM, TO = date(2026, 4, 1), date(2026, 6, 30)
URL = f"/tindak-lanjut/laporan/DUKCAPIL?dari={FROM}&sampai={TO}"
PROFILES = [
    {"gender": "L", "age_range": "20-29", "education": "SMA", "occupation": "SWASTA"},
    {"gender": "P", "age_range": "30-39", "education": "S1", "occupation": "PNS"},
    {"gender": "P", "age_range": None, "education": None, "occupation": "WIRAUSAHA"},
    {},
]


@pytest.fixture
def responses(db, org):
    """Twelve responses in Q2 2026 (one saran each third), with channels and profiles; two outside it."""
    start = datetime(2026, 4, 6, 2, tzinfo=timezone.utc)
    for i in range(12):
        answers = {f"U{k}": 1 + (i + k) % 4 for k in range(1, 10)}
        answers["U3"] = 1 + i % 2
        record_response(org.counter, Submission(
            scores=answers, comment="Antre lama" if i % 3 == 0 else "", profile=PROFILES[i % 4],
            channel=("web", "paper", "ticket")[i % 3], submitted_at=start + timedelta(days=i * 5),
        ))
    for outside in (datetime(2026, 3, 31, 15, 59, tzinfo=timezone.utc), datetime(2026, 6, 30, 16, 0, tzinfo=timezone.utc)):
        record_response(org.counter, Submission(scores={f"U{k}": 4 for k in range(1, 10)}, submitted_at=outside))
    db.session.commit()


def test_figures_equal_scoring(db, org, responses):
    data = report.build(org.unit, FROM, TO)
    expected = scoring.ikm(scoring.Scope(org.instansi.id, unit_id=org.unit.id, date_from=FROM, date_to=TO))
    assert data.n == expected.n == 12
    assert data.ikm == expected
    assert [row.nrr for row in data.unsur_rows] == list(expected.nrr.values())
    assert all(row.weight == Fraction(1, 9) and row.weighted == row.nrr / 9 for row in data.unsur_rows)
    assert data.weighted_total == expected.ikm_4
    assert [u.kode for u in data.weakest] == list(expected.weakest) == ["U3"]
    assert [row.kode for row in data.unsur_rows if row.weakest] == ["U3"]


def test_profile_channels_sample_and_saran(db, org, responses):
    data = report.build(org.unit, FROM, TO, population=100)
    profile = {title: {row.code: row.count for row in rows} for title, rows in data.profile}
    assert profile["Jenis kelamin"] == {"L": 3, "P": 6, None: 3}
    assert profile["Umur"]["20-29"] == 3 and profile["Umur"]["30-39"] == 3 and profile["Umur"][None] == 6
    assert profile["Pendidikan"][None] == 6 and profile["Pekerjaan"]["WIRAUSAHA"] == 3
    assert all(sum(counts.values()) == 12 for counts in profile.values())
    assert {row.code: row.count for row in data.channels} == {"web": 4, "officer": 0, "ticket": 4, "paper": 4}
    assert data.adequacy.required == skm.krejcie_morgan(100) == 80 and not data.adequacy.adequate
    assert data.saran == {"baru": 4, "ditindaklanjuti": 0, "selesai": 0}
    assert report.build(org.unit, FROM, TO).adequacy.required == 384


def test_previous_period_follow_up(db, org):
    def add(start, end, unsur, action):
        return followup.add_follow_up(org.unit, start, end, unsur, action, "selesai", None, None)

    add(date(2025, 10, 1), date(2025, 12, 31), "U8", "Lama")
    q1 = add(date(2026, 1, 1), date(2026, 3, 31), "U3", "Tambah petugas")
    q1b = add(date(2026, 1, 1), date(2026, 3, 31), "U1", "Sederhanakan persyaratan")
    add(date(2026, 4, 1), date(2026, 6, 30), "U9", "Periode ini sendiri")
    followup.add_follow_up(org.other_unit, date(2026, 1, 1), date(2026, 3, 31), "U2", "Unit lain", "selesai", None, None)
    data = report.build(org.unit, FROM, TO)
    assert [item.id for item in data.previous_follow_ups] == [q1b.id, q1.id]
    assert report.build(org.unit, date(2025, 10, 1), date(2025, 12, 31)).previous_follow_ups == []


def test_empty_period(db, org):
    data = report.build(org.unit, date(2020, 1, 1), date(2020, 3, 31))
    assert data.n == 0 and data.ikm is None and data.unsur_rows == [] and data.weakest == []
    assert data.weighted_total is None


def test_printable_page(head_client, db, org, responses):
    followup.add_follow_up(org.unit, date(2026, 1, 1), date(2026, 3, 31), "U3",
                           "Menambah petugas verifikasi KK", "selesai", date(2026, 5, 1), None)
    db.session.commit()
    expected = scoring.ikm(scoring.Scope(org.instansi.id, unit_id=org.unit.id, date_from=FROM, date_to=TO))
    response = head_client.get(URL)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Laporan Survei Kepuasan Masyarakat" in html and "Pemerintah Kota Uji" in html
    assert "1 April 2026 – 30 Juni 2026" in html
    assert "Kuesioner elektronik dan kertas, 9 unsur PermenPANRB 14/2017, skala 1–4" in html
    ikm_text = f"{expected.ikm:.2f}".replace(".", ",")
    assert f"<strong>{ikm_text}</strong>" in html
    assert f"mutu-{expected.mutu}" in html and expected.mutu_label in html
    nrr_u3 = f"{half_up(expected.nrr['U3'], 4)}".replace(".", ",")
    assert nrr_u3 in html and '<td class="num">1/9</td>' in html and "0,111" not in html
    assert "sampel belum memadai" in html
    assert "Menambah petugas verifikasi KK" in html
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg chart-bars"' in html
    assert "css/followup.css" in html


def test_default_period_is_the_last_full_quarter(head_client, org):
    html = head_client.get("/tindak-lanjut/laporan/DUKCAPIL").get_data(as_text=True)
    assert "Laporan Survei Kepuasan Masyarakat" in html


@pytest.mark.parametrize("query", ["dari=2026-06-30&sampai=2026-04-01", "dari=kemarin&sampai=2026-04-01",
                                   "dari=2026-04-01&sampai=2026-06-30&populasi=0"])
def test_bad_period_is_refused(head_client, query):
    response = head_client.get(f"/tindak-lanjut/laporan/DUKCAPIL?{query}")
    assert response.status_code == 400 and 'class="error"' in response.get_data(as_text=True)
    assert head_client.get(f"/tindak-lanjut/laporan/DUKCAPIL.xlsx?{query}").status_code == 400


def _cells(data: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(data)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_xlsx_is_readable_with_the_same_figures(head_client, db, org, responses):
    """The typed facts; the formulas' values are checked by LibreOffice (test_workbooks_libreoffice.py)."""
    response = head_client.get(f"/tindak-lanjut/laporan/DUKCAPIL.xlsx?dari={FROM}&sampai={TO}&populasi=100")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "laporan-skm-DUKCAPIL-2026-04-01-2026-06-30.xlsx" in response.headers["Content-Disposition"]
    rows = _cells(response.data)
    by_label = {row[0]: row[1:] for row in rows if row and row[0]}
    assert by_label["Jumlah responden (n)"][0] == "=COUNT('Tabulasi'!$D$2:$D$13)"
    assert by_label["Sampel minimal Krejcie–Morgan"][0] == 80
    assert by_label["IKM unit pelayanan (skala 25–100) = IKM × 25"][0].endswith("*25")
    assert by_label["U3"][1].startswith("=SUM('Tabulasi'!$F$2:$F$13)/")
    assert by_label["U3"][2] == "=1/9"
    assert by_label["Mutu pelayanan"][0].startswith("=VLOOKUP(ROUND(")
    assert by_label["Unsur terlemah"][0] == "U3 Waktu Penyelesaian"
    assert by_label["Perempuan"][0] == 6 and by_label["Kuesioner kertas"][0].startswith("=COUNTIF(")
    assert by_label["Baru"][0] == 4
    tabulation = list(load_workbook(io.BytesIO(response.data))["Tabulasi"].iter_rows(values_only=True))
    assert len(tabulation) == 13
    assert sorted(row[5] for row in tabulation[1:]) == sorted(1 + i % 2 for i in range(12))


def test_xlsx_escapes_formula_text(db, org, responses):
    org.unit.name = "=HYPERLINK(\"http://jahat.example\")"
    org.instansi.name = "=1+1"
    followup.add_follow_up(org.unit, date(2026, 1, 1), date(2026, 3, 31), "U3", "+cmd|' /C calc'!A0", "selesai",
                           None, None)
    workbook = load_workbook(io.BytesIO(report.to_xlsx(report.build(org.unit, FROM, TO))))
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    texts = [cell.value for cell in cells if cell.data_type == "s"]
    assert "DUKCAPIL · =HYPERLINK(\"http://jahat.example\")" in texts
    assert "'+cmd|' /C calc'!A0" in texts and "'=1+1" in texts
    assert not any(text.startswith(("=", "+", "-", "@")) for text in texts)
    # The only formulas are the portal's own, over the workbook's own sheets.
    formulas = [cell.value for cell in cells if cell.data_type == "f"]
    assert formulas and not any("HYPERLINK" in f or "cmd" in f for f in formulas)


def test_laporan_command(runner, db, org, responses, tmp_path):
    target = tmp_path / "laporan.xlsx"
    result = runner.invoke(args=["laporan-skm", "--unit", "DUKCAPIL", "--from", "2026-04-01", "--to", "2026-06-30",
                                 "--population", "1000", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert "12 responden" in result.output
    by_label = {row[0]: row[1:] for row in _cells(target.read_bytes()) if row and row[0]}
    assert by_label["Sampel minimal Krejcie–Morgan"][0] == 278
    assert by_label["U1"][2] == "=1/9"
    bad = runner.invoke(args=["laporan-skm", "--unit", "TIDAKADA", "--from", "2026-04-01", "--to", "2026-06-30",
                              "--output", str(target)])
    assert bad.exit_code != 0 and "TIDAKADA" in bad.output
    reversed_period = runner.invoke(args=["laporan-skm", "--unit", "DUKCAPIL", "--from", "2026-06-30", "--to",
                                          "2026-04-01", "--output", str(target)])
    assert reversed_period.exit_code != 0


def test_laporan_access(app, factory, org, employee_client, supervisor_client, hr_client):
    head = factory.employee(org.other_unit, "Kepala Dinkes Uji", is_unit_head=True)
    factory.user(org.instansi, "kepaladinkes", {"supervisor"}, head)
    factory.db.session.commit()
    other = app.test_client()
    login(other, "kepaladinkes")
    for who in (employee_client, supervisor_client, other):
        assert who.get(URL).status_code == 403
        assert who.get(URL.replace("DUKCAPIL", "DUKCAPIL.xlsx")).status_code == 403
    assert hr_client.get(URL).status_code == 200
    assert hr_client.get("/tindak-lanjut/laporan/TIDAKADA").status_code == 404


def test_fill_rows_writes_numbers_dates_and_escaped_text_in_the_sample_row_s_styles():
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    from portal.tabular import fill_rows

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Data")
    sheet.append(["No", "Tanggal", "Teks", "Nilai"])
    day = WriteOnlyCell(sheet, value=date(2000, 1, 1))
    day.number_format = "yyyy-mm-dd"
    sheet.append([0, day, "", 0.0])
    buffer = io.BytesIO()
    workbook.save(buffer)
    rows = [(1, date(2026, 7, 1), "=cmd|' /C calc'!A0", 2.5), (2, date(2026, 7, 2), "A & <B>", None)]
    filled = load_workbook(io.BytesIO(fill_rows(buffer.getvalue(), 1, 2, rows)))["Data"]
    assert list(filled.iter_rows(values_only=True)) == [
        ("No", "Tanggal", "Teks", "Nilai"), (1, datetime(2026, 7, 1), "'=cmd|' /C calc'!A0", 2.5),
        (2, datetime(2026, 7, 2), "A & <B>", None)]
    assert filled["B3"].number_format == "yyyy-mm-dd"
    empty = load_workbook(io.BytesIO(fill_rows(buffer.getvalue(), 1, 2, [])))["Data"]
    assert list(empty.iter_rows(values_only=True)) == [("No", "Tanggal", "Teks", "Nilai")]

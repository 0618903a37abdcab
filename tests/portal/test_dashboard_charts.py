"""The server-drawn charts: well-formed SVG with accessible names, escaped text, no style
attributes (CSP), and a data table with the same figures."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from fractions import Fraction

from portal.insight import charts

SVG = "{http://www.w3.org/2000/svg}"


def _svg(chart: charts.Chart) -> ET.Element:
    return ET.fromstring(str(chart.svg))


def _named(root: ET.Element, ident: str) -> None:
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == f"{ident}-title {ident}-desc"
    assert root.find(f"{SVG}title").get("id") == f"{ident}-title"
    assert root.find(f"{SVG}desc").get("id") == f"{ident}-desc"


def _no_styles(chart: charts.Chart) -> None:
    text = str(chart.svg) + str(chart.table)
    assert "style=" not in text and "<script" not in text and "http://" not in text.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")


def test_bars_mark_the_weakest_and_escape_labels():
    bars = [charts.Bar("U1 <b>Persyaratan</b>", Fraction(33, 10), "3,300"),
            charts.Bar("U3 Waktu & Penyelesaian", Fraction(27, 10), "2,700", highlight=True)]
    chart = charts.bar_chart(bars, ident="nrr", title="NRR <per> unsur", description="Skala 1–4",
                             ticks=[(v, str(v)) for v in range(1, 5)], highlight_note="Prioritas perbaikan",
                             headers=("Unsur", "NRR"), data_label="Tabel data")
    root = _svg(chart)
    _named(root, "nrr")
    assert root.find(f"{SVG}title").text == "NRR <per> unsur"
    groups = [g for g in root.iter(f"{SVG}g") if "bar" in g.get("class", "").split()]
    assert [g.get("class") for g in groups] == ["bar", "bar bar-priority"]
    assert groups[1].find(f"{SVG}title").text == "U3 Waktu & Penyelesaian: 2,700 · Prioritas perbaikan"
    texts = [t.text for t in groups[1].iter(f"{SVG}text")]
    assert "Prioritas perbaikan" in texts and "2,700" in texts
    widths = [float(g.find(f"{SVG}rect").get("width")) for g in groups]
    assert widths[0] > widths[1] > 0  # scale starts at 1: 3.3 → 2.3/3 of the bar area
    assert abs(widths[0] / widths[1] - (2.3 / 1.7)) < 0.01
    assert "&lt;b&gt;Persyaratan&lt;/b&gt;" in str(chart.svg) and "<b>" not in str(chart.svg)
    table = str(chart.table)
    assert "<caption>NRR &lt;per&gt; unsur</caption>" in table
    assert "2,700 (Prioritas perbaikan)" in table
    assert '<summary>Tabel data</summary>' in str(chart.__html__())
    _no_styles(chart)
    # The phone drawing: the same bars in a 340-unit viewBox with 15-unit text, named on its own.
    phone = ET.fromstring(str(chart.phone))
    assert phone.get("viewBox").startswith("0 0 340 ") and phone.get("font-size") == "15"
    assert phone.get("aria-labelledby") == "nrr-phone-title nrr-phone-desc"
    assert [t.text for t in phone.iter(f"{SVG}text")][:2] == ["U1 <b>Persyaratan</b>", "3,300"]
    assert 'class="chart-phone"' in str(chart.__html__())


def test_line_chart_breaks_at_missing_months_and_shades_bands():
    points = [charts.Point("Jan", 80, "80,00", "n = 10"), charts.Point("Feb", None, "—", "n = 0"),
              charts.Point("Mar", 82.5, "82,50", "n = 12"), charts.Point("Apr", 90, "90,00", "n = 9")]
    bands = [charts.Band(88.31, 100, "Mutu A", "#e3f1e8"), charts.Band(76.61, 88.31, "Mutu B", "#eaf2f8")]
    chart = charts.line_chart(points, ident="trend", title="IKM per bulan", bands=bands,
                              headers=("Bulan", "IKM", "Responden"))
    root = _svg(chart)
    _named(root, "trend")
    lines = list(root.iter(f"{SVG}polyline"))
    assert len(lines) == 1 and len(lines[0].get("points").split()) == 2  # Mar–Apr; Jan stands alone
    assert len(list(root.iter(f"{SVG}circle"))) == 3
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert {"80,00", "82,50", "90,00", "Mutu A", "Mutu B", "n = 0"} <= set(labels)
    assert "Feb · — · n = 0" in [t.text for t in root.iter(f"{SVG}title")]
    assert "<td class=\"num\">—</td>" in str(chart.table)
    _no_styles(chart)


def test_fit_range_keeps_the_values_inside_the_scale():
    assert charts.fit_range([80.5, 82.1], (25, 100)) == (75.0, 85.0)
    assert charts.fit_range([99.0], (25, 100)) == (90.0, 100.0)
    assert charts.fit_range([], (25, 100)) == (25.0, 100.0)


def test_heatmap_shades_by_value_and_leaves_empty_cells_blank():
    values = [[0, 5, 10], [1, 0, 0]]
    chart = charts.heatmap(values, row_labels=["Senin", "Selasa"], col_labels=["07", "08", "09"], ident="hm",
                           title="Respons per hari dan jam", texts=[["0", "5", "10"], ["1", "0", "0"]],
                           corner="Hari / jam", legend=("sedikit", "banyak"))
    root = _svg(chart)
    _named(root, "hm")
    cells = [g for g in root.iter(f"{SVG}g") if g.get("class") == "cell"]
    assert len(cells) == 6
    fills = [g.find(f"{SVG}rect").get("fill") for g in cells]
    assert fills[0] == charts.EMPTY and fills[2] == "#0b5f8a"
    assert fills[1] not in (charts.EMPTY, fills[2])
    assert cells[0].find(f"{SVG}text") is None and cells[2].find(f"{SVG}text").text == "10"
    assert cells[2].find(f"{SVG}text").get("fill") == "#ffffff"
    table = str(chart.table)
    assert '<th scope="row">Selasa</th><td class="num">1</td>' in table
    assert '<th scope="col">Hari / jam</th>' in table
    _no_styles(chart)


def test_shade_is_pale_to_dark():
    assert charts.shade(0, 10) == charts.EMPTY
    assert charts.shade(10, 10) == "#0b5f8a"
    assert charts.shade(1, 0) == charts.EMPTY

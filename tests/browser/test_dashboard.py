"""IKM dashboards in the browser: HR's overview and a unit, the unit head's own unit, the period
filter, the data tables behind the charts, print and phone layouts. Screenshots in tests/screenshots/."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser

DUKCAPIL = "Dinas Kependudukan dan Pencatatan Sipil"


def _nav(page, name: str):
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name=name).click()


def _ikm(page) -> float:
    text = page.locator(".headline .ikm-number").text_content()
    return float(text.replace(".", "").replace(",", "."))


def test_hr_opens_the_overview_and_a_unit(page, live_server):
    log_in(page, live_server, "hr")
    _nav(page, "Dasbor IKM")
    expect(page.get_by_role("heading", name="Dasbor IKM", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="IKM seluruh instansi")).to_be_visible()
    assert 25 <= _ikm(page) <= 100
    units = page.locator("table.units tbody tr")
    assert units.count() >= 6
    for chart in ("Nilai rata-rata (NRR) per unsur, skala 1–4", "IKM per bulan"):
        expect(page.get_by_role("img", name=chart)).to_be_visible()
    # Twelve months of demo data: the trend has a point for each of the last twelve months.
    assert page.locator(".chart-trend circle").count() == 12
    screenshot(page, "dashboard-overview-hr")

    page.get_by_role("link", name=DUKCAPIL).click()
    expect(page.get_by_role("heading", name=re.compile(f"Dasbor IKM · {DUKCAPIL}"))).to_be_visible()
    # The demo's story: Dukcapil's weak unsur is U3 Waktu Penyelesaian.
    priority = page.locator(".chart-wide .chart-bars .bar-priority")
    assert priority.count() == 1
    assert "U3 Waktu Penyelesaian" in priority.text_content()
    assert "Prioritas perbaikan" in priority.text_content()
    expect(page.get_by_role("img", name=re.compile("Jumlah respons per hari dan jam \\(WITA\\)"))).to_be_visible()
    for heading in ("Per loket", "Per layanan", "Per petugas", "Indeks kebahagiaan kios"):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    assert page.locator("table.breakdown").first.locator("tbody tr").count() == 4  # DKP01–DKP04
    expect(page.get_by_text("tidak dihitung dalam IKM")).to_be_visible()
    if page.locator(".follow-up").count():
        assert "U3 Waktu Penyelesaian" in page.locator(".follow-up").text_content()
    screenshot(page, "dashboard-unit-hr")

    # The numbers behind a chart, without JavaScript: a <details> table.
    page.locator("#nrr-heading").locator("xpath=..").get_by_text("Tabel data").click()
    table = page.locator("#nrr-heading").locator("xpath=..").locator("table.chart-table")
    expect(table).to_be_visible()
    assert "Prioritas perbaikan" in table.text_content()

    page.emulate_media(media="print")
    assert not page.locator("header.topbar").is_visible()
    assert not page.get_by_role("button", name="Tampilkan").is_visible()
    expect(page.get_by_role("img", name="IKM per bulan")).to_be_visible()
    screenshot(page, "dashboard-unit-hr-print")


def test_period_presets_and_dates(page, live_server):
    log_in(page, live_server, "hr")
    page.goto(f"{live_server}/dasbor/unit/DPMPTSP")
    page.get_by_role("link", name="Bulan ini").click()
    assert "periode=bulan" in page.url
    assert page.get_by_role("link", name="Bulan ini").get_attribute("aria-current") == "true"
    assert page.locator(".chart-trend circle").count() <= 1

    page.get_by_label("Dari tanggal").fill("2026-01-01")
    page.get_by_label("Sampai tanggal").fill("2026-03-31")
    page.get_by_label(re.compile("Populasi")).fill("1000")
    page.get_by_role("button", name="Tampilkan").click()
    assert "dari=2026-01-01" in page.url and "sampai=2026-03-31" in page.url
    expect(page.get_by_text("1 Jan 2026 s.d. 31 Mar 2026")).to_be_visible()
    expect(page.get_by_text("sampel minimum adalah 278 responden")).to_be_visible()
    # The demo's PTSP02 outage alert was closed weeks ago: DPMPTSP has no alert open.
    expect(page.locator(".alerts-banner")).to_have_count(0)
    screenshot(page, "dashboard-unit-dpmptsp-quarter")


def test_unit_head_opens_their_unit(page, live_server):
    log_in(page, live_server, "atasan")
    _nav(page, "Dasbor IKM")
    expect(page).to_have_url(re.compile(r"/dasbor/unit/DUKCAPIL$"))
    expect(page.get_by_role("heading", name=re.compile(f"Dasbor IKM · {DUKCAPIL}"))).to_be_visible()
    assert 25 <= _ikm(page) <= 100
    # DKP03's rough Tuesday and Wednesday last week raised an alert that is still open.
    expect(page.locator(".alerts-banner")).to_contain_text("DKP03")
    expect(page.get_by_role("img", name="IKM per bulan")).to_be_visible()
    # The demo's front-line officers report to the kepala bidang, not to the head: no officer section.
    assert page.get_by_role("heading", name="Per petugas").count() == 0
    screenshot(page, "dashboard-unit-head")

    response = page.goto(f"{live_server}/dasbor/unit/DPMPTSP")
    assert response.status == 403

    # As a supervisor, the head also sees their direct reports' officer scores (the two kepala bidang).
    page.goto(f"{live_server}/dasbor/petugas")
    expect(page.get_by_role("heading", name="Nilai petugas tim saya", level=1)).to_be_visible()
    rows = page.locator("section[aria-labelledby=team-heading] table.officers tbody tr")
    assert rows.count() == 2
    assert all("Kepala Bidang" in rows.nth(i).text_content() for i in range(2))
    # As the unit's head she also sees the officers on duty at her lokets, who report to the bidang heads.
    loket_rows = page.locator("section[aria-labelledby=loket-officers-heading] table.officers tbody tr")
    assert loket_rows.count() >= 5
    assert not any("Kepala Bidang" in loket_rows.nth(i).text_content() for i in range(loket_rows.count()))
    screenshot(page, "dashboard-team-head")


def test_unit_dashboard_on_a_phone(phone, live_server):
    log_in(phone, live_server, "atasan")
    phone.goto(f"{live_server}/dasbor/unit/DUKCAPIL")
    # The page never scrolls sideways, nor does a chart in a box: the bars switch to their phone
    # drawing, which fits the width with text of at least 12 px.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360 + 1
    figure = phone.locator("figure.chart").first
    assert figure.evaluate("f => f.scrollWidth <= f.clientWidth")
    bars = phone.get_by_role("img", name="Nilai rata-rata (NRR) per unsur, skala 1–4")
    expect(bars).to_have_count(1)
    expect(bars).to_be_visible()
    assert "chart-bars-phone" in bars.get_attribute("class")
    smallest = bars.evaluate("s => Math.min(...[...s.querySelectorAll('text')].map(t => t.getBoundingClientRect().height))")
    sizes = bars.evaluate("s => [...s.querySelectorAll('text')].map(t => parseFloat(getComputedStyle(t).fontSize) * s.getBoundingClientRect().width / s.viewBox.baseVal.width)")
    assert smallest > 0 and min(sizes) >= 12, sizes
    screenshot(phone, "dashboard-unit-head-phone")

"""HR and a unit head print loket posters and name plates and download queue tickets."""
import csv
import io
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, pdf_pages, same_size, screenshot

pytestmark = pytest.mark.browser

#: PDF page sizes in points (1/72 inch).
A4 = (595.3, 841.9)
A5 = (419.5, 595.3)
DUKCAPIL_LOKETS = 4


def test_hr_finds_the_lokets_and_prints_an_a4_poster(page, live_server):
    log_in(page, live_server, "hr")
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Loket & QR").click()
    expect(page.get_by_role("heading", name="Loket & QR", level=1)).to_be_visible()
    for unit in ("Dinas Kependudukan dan Pencatatan Sipil", "Dinas Kesehatan", "UPTD Puskesmas Ampenan"):
        expect(page.get_by_role("heading", name=re.compile(unit))).to_be_visible()
    screenshot(page, "counters-index-hr")

    page.get_by_role("link", name="Poster A4 loket DKP01").click()
    poster = page.locator("article.poster")
    # The click returns once the navigation starts: wait for the poster page itself.
    expect(poster).to_have_count(1)
    for text in ("Pemerintah Kota Mataram (demo)", "Dinas Kependudukan dan Pencatatan Sipil", "Loket 1 · KTP-el",
                 "Layanan: KTP elektronik", "/s/DKP01", "tanpa login, kurang dari 1 menit"):
        assert text in poster.text_content()
    assert poster.locator("svg").bounding_box()["width"] > 300
    expect(page.get_by_role("button", name="Cetak")).to_be_visible()  # shown by the print script
    screenshot(page, "counters-poster-a4")

    page.emulate_media(media="print")
    assert not page.locator("header.topbar").is_visible()
    assert not page.get_by_role("heading", name="Poster loket DKP01").is_visible()
    screenshot(page, "counters-poster-a4-print")
    pages = pdf_pages(page.pdf(prefer_css_page_size=True))
    assert len(pages) == 1 and same_size(pages[0], A4)


def test_unit_sheet_prints_one_poster_per_page(page, live_server):
    log_in(page, live_server, "hr")
    page.goto(f"{live_server}/loket/unit/DUKCAPIL/poster?ukuran=a5")
    assert page.locator("article.poster-a5").count() == DUKCAPIL_LOKETS
    screenshot(page, "counters-sheet-a5")
    pages = pdf_pages(page.pdf(prefer_css_page_size=True))
    assert len(pages) == DUKCAPIL_LOKETS and all(same_size(p, A5) for p in pages)

    page.get_by_role("link", name="A4", exact=True).click()
    page.wait_for_url("**ukuran=a4*")
    page.wait_for_load_state()
    expect(page.locator("article.poster-a4")).to_have_count(DUKCAPIL_LOKETS)
    pages = pdf_pages(page.pdf(format="A4"))
    assert len(pages) == DUKCAPIL_LOKETS and all(same_size(p, A4) for p in pages)
    page.emulate_media(media="print")
    screenshot(page, "counters-sheet-a4-print")


def test_unit_head_prints_name_plates_of_own_unit(page, live_server):
    log_in(page, live_server, "atasan")
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Loket & QR").click()
    expect(page.get_by_role("heading", name=re.compile("Dinas Kependudukan"))).to_be_visible()
    assert page.get_by_role("heading", name=re.compile("Dinas Kesehatan")).count() == 0
    page.get_by_role("link", name=re.compile("Papan nama petugas")).click()
    plates = page.locator("article.plate")
    expect(plates.first).to_be_visible()
    assert plates.count() >= 2
    assert "/p/" in plates.first.inner_text()
    screenshot(page, "counters-nameplates")
    pages = pdf_pages(page.pdf(prefer_css_page_size=True))
    assert len(pages) == -(-plates.count() // 8) and all(same_size(p, A4) for p in pages)
    page.emulate_media(media="print")
    screenshot(page, "counters-nameplates-print")
    assert page.goto(f"{live_server}/loket/DKS01/poster").status == 403


def test_ticket_batch_downloads_as_csv(page, live_server):
    log_in(page, live_server, "atasan")
    page.goto(f"{live_server}/loket/DKP02/tiket")
    page.get_by_label("Jumlah tiket").fill("0")
    page.get_by_role("button", name="Buat dan unduh CSV").click()
    expect(page.get_by_text("Angka harus antara 1 dan 5000.")).to_be_visible()
    screenshot(page, "counters-tickets-error")

    page.get_by_label("Jumlah tiket").fill("25")
    with page.expect_download() as info:
        page.get_by_role("button", name="Buat dan unduh CSV").click()
    download = info.value
    assert re.fullmatch(r"tiket-DKP02-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    with open(download.path(), encoding="utf-8") as stream:
        rows = list(csv.DictReader(io.StringIO(stream.read())))
    assert len(rows) == 25 and rows[0]["counter"] == "DKP02" and "/t/" in rows[0]["url"]
    page.goto(f"{live_server}/loket/DKP02/tiket")
    expect(page.get_by_role("cell", name="1–25")).to_be_visible()
    screenshot(page, "counters-tickets")


def test_lokets_page_fits_a_phone(phone, live_server):
    log_in(phone, live_server, "atasan")
    phone.goto(f"{live_server}/loket/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "counters-index-phone")
    phone.goto(f"{live_server}/loket/DKP01/poster?ukuran=a5")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "counters-poster-phone")

"""Tindak lanjut and public results in the browser: the public page on a phone (both languages),
the unit head's inbox (update a saran), alerts, follow-ups and the Laporan SKM in print layout.
Screenshots in tests/screenshots/."""
import re

import pytest

from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser

DUKCAPIL = "Dinas Kependudukan dan Pencatatan Sipil"


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def test_public_results_on_a_phone(phone, live_server):
    phone.goto(f"{live_server}/publik")
    expect(phone.get_by_role("heading", name="Hasil survei kepuasan masyarakat")).to_be_visible()
    screenshot(phone, "publik-index-phone")
    phone.get_by_role("link", name=DUKCAPIL).click()
    expect(phone.get_by_role("heading", name=DUKCAPIL, level=1)).to_be_visible()
    ikm = phone.locator(".big .num").text_content()
    assert re.fullmatch(r"\d{2},\d{2}", ikm)
    assert phone.locator(".bars li").count() == 9
    assert "U3 · Waktu Penyelesaian" in phone.locator(".bars li.low").first.text_content()
    assert phone.locator("table tbody tr").count() == 4
    assert "Menambah petugas verifikasi KK" in phone.locator(".fu").first.text_content()
    # Fits a 360 px screen: nothing wider than the viewport.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "publik-unit-phone")

    phone.get_by_role("link", name="EN", exact=True).click()
    assert phone.locator("html").get_attribute("lang") == "en"
    screenshot(phone, "publik-unit-phone-en")
    phone.get_by_role("link", name="ID").click()
    assert phone.locator("html").get_attribute("lang") == "id"


def test_unknown_unit_is_a_friendly_page(phone, live_server):
    response = phone.goto(f"{live_server}/publik/TIDAKADA")
    assert response.status == 404
    expect(phone.get_by_role("heading", name="Hasil tidak tersedia")).to_be_visible()
    phone.get_by_role("link", name="Lihat semua unit").click()
    expect(phone.get_by_role("heading", name="Hasil survei kepuasan masyarakat")).to_be_visible()


def test_unit_head_handles_a_saran_an_alert_and_prints_the_laporan(page, live_server):
    log_in(page, live_server, "atasan")
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Tindak lanjut").click()
    expect(page.get_by_role("heading", name="Kotak saran")).to_be_visible()
    # The demo's recent alert at a Dukcapil loket is in the banner.
    banner = page.locator(".alert-banner")
    expect(banner).to_be_visible()
    assert "DKP03" in banner.text_content()
    screenshot(page, "tindak-lanjut-inbox")

    page.locator("form.filters").get_by_label("Status").select_option("baru")
    page.get_by_role("button", name="Tampilkan").click()
    first = page.locator("article.saran").first
    expect(first).to_be_visible()
    text = first.locator(".saran-text").text_content().strip()
    first.get_by_label("Status").select_option("ditindaklanjuti")
    first.get_by_label("Penanggung jawab").select_option(index=1)
    first.get_by_label("Catatan tanggapan").fill("Sudah diteruskan ke koordinator loket.")
    first.get_by_role("button", name=re.compile("^Simpan")).click()
    expect(page.locator(".flash-success")).to_contain_text("diperbarui")
    # Still filtered on "baru": the handled saran has left the list.
    assert text not in [t.strip() for t in page.locator("article.saran .saran-text").all_text_contents()[:1]]
    page.goto(f"{live_server}/tindak-lanjut/?status=ditindaklanjuti")
    expect(page.get_by_text("Sudah diteruskan ke koordinator loket.").first).to_be_visible()
    screenshot(page, "tindak-lanjut-saran-updated")

    page.get_by_role("link", name=re.compile("^Peringatan loket")).first.click()
    alert = page.locator("section.alert-item").first
    expect(alert).to_contain_text("DKP03")
    alert.get_by_role("button", name=re.compile("^Terima")).click()
    expect(page.locator(".flash-success")).to_contain_text("diterima")
    # The note is required: the browser keeps the form (the server refuses it too, see test_alerts).
    note = page.locator("section.alert-item").first.get_by_label("Catatan tindakan")
    page.locator("section.alert-item").first.get_by_role("button", name=re.compile("^Tutup peringatan")).click()
    assert note.evaluate("element => element.validity.valueMissing")
    screenshot(page, "tindak-lanjut-alert-note-required")
    page.locator("section.alert-item").first.get_by_label("Catatan tindakan").fill(
        "Petugas DKP03 didampingi koordinator selama seminggu.")
    page.locator("section.alert-item").first.get_by_role("button", name=re.compile("^Tutup peringatan")).click()
    expect(page.get_by_text("Petugas DKP03 didampingi koordinator selama seminggu.")).to_be_visible()
    screenshot(page, "tindak-lanjut-alerts")

    page.get_by_role("link", name="Tindak lanjut dan laporan per unit").click()
    page.get_by_role("link", name="Tindak lanjut DUKCAPIL").click()
    expect(page.get_by_text("Menambah petugas verifikasi KK").first).to_be_visible()
    screenshot(page, "tindak-lanjut-unit")

    page.go_back()
    page.get_by_role("link", name="Laporan SKM DUKCAPIL").click()
    expect(page.get_by_role("heading", name="Laporan Survei Kepuasan Masyarakat")).to_be_visible()
    for heading in ("1. Metode dan sampel", "2. Profil responden", "3. Nilai per unsur dan IKM", "4. Unsur terlemah",
                    "5. Saran dan pengaduan", "6. Tindak lanjut periode sebelumnya"):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    assert "U3" in page.locator("tr.weakest").first.text_content()
    assert "Menambah petugas verifikasi KK" in page.locator("section", has=page.get_by_role(
        "heading", name="6. Tindak lanjut periode sebelumnya")).text_content()
    screenshot(page, "laporan-skm-screen")

    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.locator("form.filters")).to_be_hidden()
    screenshot(page, "laporan-skm-print")
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert pdf.startswith(b"%PDF") and 1 <= pages <= 6, pages
    page.emulate_media(media="screen")

    with page.expect_download() as download:
        page.get_by_role("link", name="Unduh XLSX").click()
    assert download.value.suggested_filename.startswith("laporan-skm-DUKCAPIL-")

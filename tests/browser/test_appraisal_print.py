"""An admin issues an API token; HR prints an employee's appraisal sheet and a recognition certificate."""
import re
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, pdf_pages, same_size, screenshot

pytestmark = pytest.mark.browser

#: PDF page sizes in points (1/72 inch).
A4 = (595.3, 841.9)
A4_LANDSCAPE = (841.9, 595.3)
PERIOD_NAME = "Penilaian Kinerja Tahunan 2026"
SHEET_LINK = re.compile("^Lembar cetak ")


def _demo_period_exports(page, base: str) -> str:
    """The export page of the demo's appraisal period (merged, with records)."""
    page.goto(f"{base}/penilaian/laporan")
    page.get_by_role("row", name=re.compile(PERIOD_NAME)).get_by_role("link", name="Ekspor dan lembar cetak").click()
    page.wait_for_url(re.compile(r"/ekspor$"))
    expect(page.get_by_role("link", name=SHEET_LINK).first).to_be_visible()
    return page.url


def test_admin_issues_a_token_that_reads_the_api(page, live_server):
    log_in(page, live_server, "admin")
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Laporan penilaian").click()
    page.get_by_role("link", name="Token API").click()
    page.get_by_label("Nama token (untuk apa atau siapa)").fill("SIMPEG BKPSDM")
    page.get_by_label("Batasi pada unit kerja").select_option(label="Semua unit kerja")
    assert page.get_by_label(re.compile("appraisals:read")).is_checked()
    page.get_by_role("button", name="Buat token").click()
    token = page.get_by_label("Token", exact=True).input_value()
    assert re.fullmatch(r"cmn_[A-Za-z0-9_-]{40}", token)
    expect(page.get_by_role("cell", name="SIMPEG BKPSDM", exact=True)).to_be_visible()
    screenshot(page, "appraisal-api-token-issued")

    api = page.context.request
    assert api.get(f"{live_server}/api/v1/appraisals?period=1", headers={"Authorization": "Bearer salah"}).status == 401
    answer = api.get(f"{live_server}/api/v1/appraisals", headers={"Authorization": f"Bearer {token}"})
    assert answer.status == 400 and answer.json()["status"] == 400

    page.goto(f"{live_server}/penilaian/api-token")
    assert token not in page.content()  # shown once
    page.get_by_role("button", name="Cabut token SIMPEG BKPSDM").click()
    expect(page.get_by_text(re.compile("Dicabut")).first).to_be_visible()
    answer = api.get(f"{live_server}/api/v1/appraisals", headers={"Authorization": f"Bearer {token}"})
    assert answer.status == 401


def test_hr_prints_a_sheet_and_a_certificate(page, live_server):
    log_in(page, live_server, "hr")
    export_url = _demo_period_exports(page, live_server)
    expect(page.get_by_role("link", name="Unduh XLSX")).to_be_visible()
    screenshot(page, "appraisal-export-page")

    page.get_by_role("link", name=SHEET_LINK).first.click()
    page.wait_for_url(re.compile(r"/cetak$"))
    sheet = page.locator("article.appraisal-sheet")
    for text in ("Pemerintah Kota Mataram (demo)", "Lembar Penilaian Kinerja Pegawai", "NIP", "Masyarakat",
                 "Nilai komposit", "Pejabat Penilai Kinerja", "Pegawai yang Dinilai"):
        assert text in sheet.text_content(), text
    expect(page.get_by_role("button", name="Cetak")).to_be_visible()
    screenshot(page, "appraisal-sheet")
    page.emulate_media(media="print")
    assert not page.locator("header.topbar").is_visible()
    assert not page.get_by_role("button", name="Cetak").is_visible()
    screenshot(page, "appraisal-sheet-print")
    pages = pdf_pages(page.pdf(format="A4", prefer_css_page_size=True))
    assert len(pages) == 1 and same_size(pages[0], A4)
    page.emulate_media(media="screen")

    page.goto(export_url)
    page.get_by_role("link", name="Apresiasi petugas").click()
    page.wait_for_url(re.compile(r"/apresiasi"))
    # The demo's front-line officers each have well over the default minimum of citizen answers.
    certificates = page.get_by_role("link", name=re.compile("^Piagam penghargaan "))
    expect(certificates.first).to_be_visible()
    screenshot(page, "appraisal-recognition")
    certificates.first.click()
    page.wait_for_url(re.compile(r"/sertifikat"))
    certificate = page.locator("article.certificate")
    for text in ("Piagam Penghargaan", "Pemerintah Kota Mataram (demo)", "diberikan kepada", "tanggapan"):
        assert text in certificate.text_content(), text
    screenshot(page, "appraisal-certificate")
    page.emulate_media(media="print")
    screenshot(page, "appraisal-certificate-print")
    pages = pdf_pages(page.pdf(prefer_css_page_size=True))
    assert len(pages) == 1 and same_size(pages[0], A4_LANDSCAPE)

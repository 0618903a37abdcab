"""HR merges the demo period, a Pejabat Penilai overrides a suggestion with a reason, HR finalises
the unit and reads the audit log; the employee reads their own record in plain words."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser

PERIOD = "Penilaian Kinerja Tahunan 2026"
RATINGS = ("Di Atas Ekspektasi", "Sesuai Ekspektasi", "Di Bawah Ekspektasi")


def _nav(page, name: str) -> None:
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name=name).click()


def _log_out(page) -> None:
    page.get_by_role("button", name="Keluar").click()
    page.wait_for_load_state()


def test_hr_merges_a_supervisor_overrides_and_hr_finalises(page, live_server):
    log_in(page, live_server, "hr")
    _nav(page, "Penilaian kinerja")
    expect(page.get_by_role("heading", name="Penilaian kinerja", level=1)).to_be_visible()
    page.get_by_role("link", name=PERIOD).click()
    page.get_by_role("button", name="Gabungkan skor").click()
    flash = page.locator(".flash-success")
    assert re.search(r"Penggabungan selesai: 0 catatan baru, \d+ diperbarui, \d+ tidak berubah", flash.text_content())
    expect(page.get_by_role("heading", name=re.compile("Menunggu konfirmasi Pejabat Penilai"))).to_be_visible()
    expect(page.get_by_role("heading", name="Sebaran predikat seluruh instansi")).to_be_visible()
    screenshot(page, "appraisal-period-hr")
    _log_out(page)

    log_in(page, live_server, "atasan")
    _nav(page, "Penilaian kinerja")
    expect(page.get_by_role("heading", name="Penilaian kinerja tim saya")).to_be_visible()
    expect(page.get_by_text("2 catatan menunggu konfirmasi Anda.")).to_be_visible()
    screenshot(page, "appraisal-team-atasan")
    page.get_by_role("link", name=re.compile("^Tinjau dan konfirmasi")).first.click()
    name = page.get_by_role("heading", level=1).text_content().strip()
    expect(page.get_by_role("heading", name="Dari mana skor ini berasal")).to_be_visible()
    suggested = page.locator("section.decision dd").first.text_content().strip()
    other = next(r for r in RATINGS if r != suggested)
    perilaku = page.get_by_role("group", name="Penilaian perilaku kerja")
    perilaku.get_by_label(other).check()
    page.get_by_role("group", name="Penilaian hasil kerja").get_by_label("Sesuai Ekspektasi").check()
    page.get_by_role("button", name="Konfirmasi penilaian").click()
    if suggested in RATINGS:
        assert "berbeda dari saran" in page.locator("#override_reason-err").text_content()
        screenshot(page, "appraisal-override-needs-reason")
        page.get_by_role("group", name="Penilaian perilaku kerja").get_by_label(other).check()
        page.get_by_role("group", name="Penilaian hasil kerja").get_by_label("Sesuai Ekspektasi").check()
        page.get_by_label("Alasan (wajib bila berbeda dari saran)").fill(
            "Memimpin perbaikan antrean loket selama kekurangan blangko.")
        page.get_by_role("button", name="Konfirmasi penilaian").click()
    assert re.search(r"dikonfirmasi: predikat", page.locator(".flash-success").text_content())
    screenshot(page, "appraisal-record-confirmed")
    _log_out(page)

    log_in(page, live_server, "hr")
    _nav(page, "Penilaian kinerja")
    page.get_by_role("link", name=PERIOD).click()
    page.get_by_role("link", name="Dinas Kependudukan dan Pencatatan Sipil").click()
    page.get_by_role("button", name=re.compile(r"Finalkan semua yang sudah dikonfirmasi \(\d+\)")).click()
    assert re.search(r"\d+ catatan di Dinas Kependudukan dan Pencatatan Sipil difinalkan",
                     page.locator(".flash-success").text_content())
    row = page.get_by_role("row", name=re.compile(re.escape(name)))
    assert "Final" in row.text_content()
    screenshot(page, "appraisal-unit-finalised")
    row.get_by_role("link", name=name).click()
    audit = page.locator("table.audit")
    assert "Dikonfirmasi" in audit.text_content() and "Difinalkan" in audit.text_content()
    if suggested in RATINGS:
        assert "Memimpin perbaikan antrean loket" in audit.text_content()
    assert page.get_by_role("button", name="Finalkan catatan").count() == 0
    screenshot(page, "appraisal-record-audit-log")


def test_employee_reads_their_record(page, live_server):
    log_in(page, live_server, "pegawai")
    _nav(page, "Penilaian kinerja")
    page.wait_for_url(re.compile("/penilaian/saya$"))
    expect(page.get_by_role("heading", name="Penilaian kinerja saya")).to_be_visible()
    record = page.locator("section.own-record").first
    assert PERIOD in record.text_content()
    assert record.locator("dd.predikat").text_content().strip() in (
        "Sangat Baik", "Baik", "Butuh Perbaikan", "Kurang/Misconduct", "Sangat Kurang")
    explanation = record.locator("ul.explanation").text_content()
    assert "Skor masyarakat dari" in explanation and "tanggapan" in explanation
    assert "Pejabat Penilai yang memutuskan" in explanation
    expect(record.locator("table.figures")).to_be_visible()
    assert page.get_by_text("Log audit").count() == 0
    screenshot(page, "appraisal-mine-employee")
    page.set_viewport_size({"width": 360, "height": 740})
    screenshot(page, "appraisal-mine-employee-phone")
    record.get_by_role("link", name="Buka catatan lengkap").click()
    expect(page.get_by_role("heading", name="Area pengembangan yang disarankan")).to_be_visible()
    assert page.get_by_role("button", name="Konfirmasi penilaian").count() == 0
    # The eighteen-digit NIP and long unit names wrap: nothing sticks out of a phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

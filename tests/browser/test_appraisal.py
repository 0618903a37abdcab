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
    # With records HR may finalise now, a confirmation names them, in numbers, and only its own button
    # acts; with none (all in their objection window), nothing is to confirm.
    confirm = page.get_by_role("button", name=re.compile(r"^Ya, finalkan \d+ catatan$"))
    if confirm.count():
        expect(page.get_by_text(re.compile(r"^\d+ catatan di Dinas Kependudukan dan Pencatatan Sipil dikunci"))).to_be_visible()
        confirm.click()
    assert re.search(r"\d+ catatan di Dinas Kependudukan dan Pencatatan Sipil difinalkan",
                     page.locator(".flash-success").text_content())
    # The record just confirmed waits for its employee's objection window (14 days).
    assert "belum dapat Anda finalkan" in page.locator(".flash-info").text_content()
    row = page.get_by_role("row", name=re.compile(re.escape(name)))
    assert "Dikonfirmasi" in row.text_content()
    screenshot(page, "appraisal-unit-finalised")
    row.get_by_role("link", name=name).click()
    assert "Masa keberatan pegawai berjalan sampai" in page.locator("section.decision").text_content()
    audit = page.locator("table.audit")
    assert "Dikonfirmasi" in audit.text_content() and "Difinalkan" not in audit.text_content()
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


def test_an_objection_on_a_phone_filed_and_decided(phone, live_server):
    """`pegawai` objects to the record confirmed three days ago; `atasan`, the Atasan Pejabat
    Penilai, records both explanations and decides: the record is final. On a 360 px phone,
    without anything sticking out."""
    log_in(phone, live_server, "pegawai")
    phone.goto(f"{live_server}/penilaian/saya")
    notice = phone.locator("section.own-record").first.locator(".flash-info")
    assert "Anda dapat mengajukan keberatan" in notice.text_content()
    notice.get_by_role("link", name="Ajukan keberatan").click()
    section = phone.locator("#keberatan")
    expect(section.get_by_role("heading", name="Keberatan")).to_be_visible()
    screenshot(phone, "appraisal-objection-form-phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    section.get_by_role("button", name="Ajukan keberatan").click()
    assert "Wajib diisi" in phone.locator("#keberatan").text_content()
    phone.get_by_label("Alasan keberatan").fill(
        "Selama dua bulan saya melayani loket perekaman sendirian; mohon hasil kerja saya ditinjau.")
    phone.get_by_role("button", name="Ajukan keberatan").click()
    assert "Keberatan Anda terkirim" in phone.locator(".flash-success").text_content()
    assert "Keberatan menunggu keputusan" in phone.locator("section.decision").text_content()
    record_url = phone.url
    _log_out(phone)

    log_in(phone, live_server, "atasan")
    phone.goto(f"{live_server}/penilaian/tim")
    worklist = phone.locator("section.objections")
    expect(worklist.get_by_role("heading", name=re.compile(r"Keberatan \(2\)"))).to_be_visible()
    screenshot(phone, "appraisal-objections-worklist-phone")
    phone.goto(record_url)
    pegawai_name = phone.get_by_role("heading", level=1).text_content().strip()
    phone.get_by_role("link", name="Lihat keberatan").click()
    expect(phone.get_by_role("heading", name=f"Keberatan {pegawai_name}")).to_be_visible()
    phone.get_by_label("Penjelasan Pejabat Penilai").fill("Target perekaman tercapai 80%.")
    phone.get_by_label("Penjelasan pegawai").fill("Mesin perekaman rusak tiga minggu.")
    phone.get_by_role("button", name="Simpan penjelasan").click()
    assert "Penjelasan Pejabat Penilai dan pegawai dicatat" in phone.locator(".flash-success").text_content()
    phone.get_by_role("group", name="Penilaian perilaku kerja").get_by_label("Sesuai Ekspektasi").check()
    phone.get_by_role("group", name="Penilaian hasil kerja").get_by_label("Di Atas Ekspektasi").check()
    phone.get_by_label("Alasan keputusan").fill("Kerusakan mesin di luar kendali pegawai.")
    screenshot(phone, "appraisal-objection-decision-phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.get_by_role("button", name="Tetapkan keputusan").click()
    assert "Keberatan diputuskan: predikat Baik" in phone.locator(".flash-success").text_content()
    assert "Hasil ini final." in phone.locator("section.decision").text_content()
    _log_out(phone)

    log_in(phone, live_server, "pegawai")
    phone.goto(record_url)
    assert "Final" in phone.locator("p.lead").text_content()
    assert "Keberatan sudah diputuskan" in phone.locator("section.decision").text_content()

"""HR merges the demo period, a Pejabat Penilai overrides a suggestion with a reason, HR finalises
the unit and reads the audit log; the employee reads their own record in plain words."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, log_out, screenshot

pytestmark = pytest.mark.browser

PERIOD = "Penilaian Kinerja Tahunan 2026"
RATINGS = ("Di Atas Ekspektasi", "Sesuai Ekspektasi", "Di Bawah Ekspektasi")


def _nav(page, name: str) -> None:
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name=name).click()


def test_hr_merges_a_supervisor_overrides_and_hr_finalises(page, live_server):
    log_in(page, live_server, "hr")
    _nav(page, "Penilaian kinerja")
    expect(page.get_by_role("heading", name="Penilaian kinerja", level=1)).to_be_visible()
    page.get_by_role("link", name=PERIOD).click()
    page.get_by_role("button", name="Gabungkan skor").click()
    expect(page.locator(".flash-success")).to_contain_text(
        re.compile(r"Penggabungan selesai: 0 catatan baru, \d+ diperbarui, \d+ tidak berubah"))
    expect(page.get_by_role("heading", name=re.compile("Menunggu konfirmasi Pejabat Penilai"))).to_be_visible()
    expect(page.get_by_role("heading", name="Sebaran predikat seluruh instansi")).to_be_visible()
    screenshot(page, "appraisal-period-hr")
    log_out(page)

    log_in(page, live_server, "atasan")
    _nav(page, "Penilaian kinerja")
    expect(page.get_by_role("heading", name="Penilaian kinerja tim saya")).to_be_visible()
    expect(page.get_by_text("2 catatan menunggu konfirmasi Anda.")).to_be_visible()
    screenshot(page, "appraisal-team-atasan")
    page.get_by_role("link", name=re.compile("^Tinjau dan konfirmasi")).first.click()
    expect(page.get_by_role("heading", name="Dari mana skor ini berasal")).to_be_visible()
    name = page.get_by_role("heading", level=1).text_content().strip()
    suggested = page.locator("section.decision dd").first.text_content().strip()
    other = next(r for r in RATINGS if r != suggested)
    perilaku = page.get_by_role("group", name="Penilaian perilaku kerja")
    perilaku.get_by_label(other).check()
    page.get_by_role("group", name="Penilaian hasil kerja").get_by_label("Sesuai Ekspektasi").check()
    page.get_by_role("button", name="Konfirmasi penilaian").click()
    if suggested in RATINGS:
        expect(page.locator("#override_reason-err")).to_contain_text("berbeda dari saran")
        screenshot(page, "appraisal-override-needs-reason")
        page.get_by_role("group", name="Penilaian perilaku kerja").get_by_label(other).check()
        page.get_by_role("group", name="Penilaian hasil kerja").get_by_label("Sesuai Ekspektasi").check()
        page.get_by_label("Alasan (wajib bila berbeda dari saran)").fill(
            "Memimpin perbaikan antrean loket selama kekurangan blangko.")
        page.get_by_role("button", name="Konfirmasi penilaian").click()
    expect(page.locator(".flash-success")).to_contain_text(re.compile(r"dikonfirmasi: predikat"))
    screenshot(page, "appraisal-record-confirmed")
    log_out(page)

    log_in(page, live_server, "hr")
    _nav(page, "Penilaian kinerja")
    page.get_by_role("link", name=PERIOD).click()
    page.get_by_role("link", name="Dinas Kependudukan dan Pencatatan Sipil").click()
    page.get_by_role("button", name=re.compile(r"Finalkan semua yang sudah dikonfirmasi \(\d+\)")).click()
    expect(page.get_by_role("heading", name=re.compile(r"^Konfirmasi: Finalkan catatan"))).to_be_visible()
    expect(page.locator(".confirm-facts")).to_contain_text(
        re.compile(r"\d+ catatan di Dinas Kependudukan dan Pencatatan Sipil dikunci \(final\)\."))
    screenshot(page, "appraisal-unit-confirm-finalise")
    page.get_by_role("button", name=re.compile(r"^Ya, finalkan \d+ catatan$")).click()
    expect(page.locator(".flash-success")).to_contain_text(
        re.compile(r"\d+ catatan di Dinas Kependudukan dan Pencatatan Sipil difinalkan"))
    # The record just confirmed waits for its employee's objection window (14 days).
    expect(page.locator(".flash-info")).to_contain_text("belum dapat Anda finalkan")
    row = page.get_by_role("row", name=re.compile(re.escape(name)))
    expect(row).to_contain_text("Dikonfirmasi")
    screenshot(page, "appraisal-unit-finalised")
    row.get_by_role("link", name=name).click()
    expect(page.locator("section.decision")).to_contain_text("Masa keberatan pegawai berjalan sampai")
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
    expect(phone.locator("#keberatan")).to_contain_text("Wajib diisi")
    phone.get_by_label("Alasan keberatan").fill(
        "Selama dua bulan saya melayani loket perekaman sendirian; mohon hasil kerja saya ditinjau.")
    phone.get_by_role("button", name="Ajukan keberatan").click()
    expect(phone.locator(".flash-success")).to_contain_text("Keberatan Anda terkirim")
    expect(phone.locator("section.decision")).to_contain_text("Keberatan menunggu keputusan")
    record_url = phone.url
    log_out(phone)

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
    expect(phone.locator(".flash-success")).to_contain_text("Penjelasan Pejabat Penilai dan pegawai dicatat")
    phone.get_by_role("group", name="Penilaian perilaku kerja").get_by_label("Sesuai Ekspektasi").check()
    phone.get_by_role("group", name="Penilaian hasil kerja").get_by_label("Di Atas Ekspektasi").check()
    phone.get_by_label("Alasan keputusan").fill("Kerusakan mesin di luar kendali pegawai.")
    screenshot(phone, "appraisal-objection-decision-phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.get_by_role("button", name="Tetapkan keputusan").click()
    expect(phone.locator(".flash-success")).to_contain_text("Keberatan diputuskan: predikat Baik")
    expect(phone.locator("section.decision")).to_contain_text("Hasil ini final.")
    log_out(phone)

    log_in(phone, live_server, "pegawai")
    phone.goto(record_url)
    assert "Final" in phone.locator("p.lead").text_content()
    assert "Keberatan sudah diputuskan" in phone.locator("section.decision").text_content()

"""HR runs a 360 cycle through the real pages: create it for Dukcapil, check the proposed raters,
open it, read the progress (counts at the threshold only) and print an invitation; a supervisor
reads their team."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, log_out, screenshot

pytestmark = pytest.mark.browser

CYCLE_NAME = "Uji Peramban 360 Dukcapil"


def test_hr_creates_opens_and_tracks_a_cycle(page, live_server):
    log_in(page, live_server, "hr")
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Ulasan 360").click()
    expect(page.get_by_role("heading", name="Ulasan 360 derajat")).to_be_visible()
    screenshot(page, "reviews-admin-cycles")

    page.get_by_role("link", name="Siklus baru").click()
    page.get_by_label("Nama siklus").fill(CYCLE_NAME)
    page.get_by_label("Triwulan").check()
    page.get_by_label(re.compile(r"^DUKCAPIL · ")).check()
    page.get_by_label(re.compile(r"^Ambang anonimitas")).fill("3")
    screenshot(page, "reviews-admin-new")
    page.get_by_role("button", name="Buat siklus dan usulkan penilai").click()

    expect(page.get_by_role("heading", name=CYCLE_NAME)).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Siklus dibuat\. \d+ penilai diusulkan"))).to_be_visible()
    reviewees = page.locator("details.reviewee")
    assert reviewees.count() >= 5
    first = reviewees.first
    first.locator("> summary").click()
    expect(first.get_by_role("rowheader", name="Diri sendiri")).to_be_visible()
    expect(first.locator(".badge-source-proposed").first).to_be_visible()
    screenshot(page, "reviews-admin-draft")

    page.get_by_role("button", name="Buka siklus").click()
    # The button opens nothing yet: a confirmation says what will be sent, in numbers.
    expect(page.get_by_role("heading", name=f"Konfirmasi: Buka siklus {CYCLE_NAME}")).to_be_visible()
    expect(page.locator(".confirm-facts li").first).to_have_text(re.compile(r"^\d+ undangan dikirim kepada \d+ penilai"))
    expect(page.get_by_text("Langkah ini tidak dapat dibatalkan.")).to_be_visible()
    screenshot(page, "reviews-admin-confirm-open")
    page.get_by_role("button", name="Ya, buka siklus").click()
    expect(page.locator(".flash-success", has_text="Siklus dibuka.")).to_be_visible()
    expect(page.get_by_role("heading", name="Kemajuan")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(r"^Akan disembunyikan bila siklus ditutup sekarang"))).to_be_visible()
    assert page.get_by_text("Belum menjawab").count() == 0
    screenshot(page, "reviews-admin-open")

    page.get_by_role("link", name="Undangan penilai (kirim ulang atau cetak)").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Undangan penilai"))).to_be_visible()
    assert page.get_by_role("link", name="Undangan cetak").count() > 0
    screenshot(page, "reviews-admin-links")
    page.get_by_role("link", name="Undangan cetak").first.click()
    links = page.locator("td.link-url")
    expect(links.first).to_be_visible()
    assert links.first.inner_text().startswith(f"{live_server}/ulasan/")
    page.emulate_media(media="print")
    assert page.locator("textarea.copy-message").first.is_hidden()
    screenshot(page, "reviews-admin-links-print")


def test_hr_reads_response_rates_of_the_demo_cycle(page, live_server):
    log_in(page, live_server, "hr")
    page.goto(f"{live_server}/360/")
    page.get_by_role("link", name="Ulasan 360 Triwulan IV 2026").click()
    expect(page.get_by_role("heading", name="Kemajuan")).to_be_visible()
    reached = page.locator("#rates-heading ~ dl dd").nth(1).inner_text()
    assert re.match(r"^\d+ dari [1-9]\d*", reached)
    page.get_by_text("Per pegawai dan kelompok", exact=True).click()
    cells = page.locator("#rates-heading ~ details td.num").all_inner_texts()
    assert "kurang dari 3" in cells
    screenshot(page, "reviews-admin-rates")


def _create_draft(page, live_server, name: str) -> str:
    log_in(page, live_server, "hr")
    page.goto(f"{live_server}/360/baru")
    page.get_by_label("Nama siklus").fill(name)
    page.get_by_label(re.compile(r"^DUKCAPIL · ")).check()
    page.get_by_role("button", name="Buat siklus dan usulkan penilai").click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    cycle_url = page.url
    log_out(page)
    return cycle_url


def test_supervisor_and_employee_work_on_a_draft(page, live_server):
    cycle_url = _create_draft(page, live_server, "Uji Peramban Draf Dukcapil")

    log_in(page, live_server, "pegawai")
    page.goto(f"{cycle_url}/nominasi")
    page.get_by_label("Nama rekan").fill("Siti")
    page.get_by_role("button", name="Cari").click()
    page.get_by_role("button", name=re.compile(r"^Nominasikan ")).first.click()
    expect(page.locator(".flash-success", has_text="dinominasikan")).to_be_visible()
    expect(page.get_by_text("menunggu persetujuan").first).to_be_visible()
    screenshot(page, "reviews-admin-nominate")
    log_out(page)

    log_in(page, live_server, "atasan")
    page.goto(f"{cycle_url}/tim")
    expect(page.get_by_role("heading", name="Penilai untuk tim Anda")).to_be_visible()
    reviewee = page.locator("details.reviewee").first
    reviewee.locator("details.expectations > summary").click()
    reviewee.get_by_label("Akuntabel").fill("Menyelesaikan verifikasi berkas pada hari yang sama.")
    reviewee.get_by_role("button", name="Simpan ekspektasi").click()
    expect(page.locator(".flash-success", has_text="Ekspektasi khusus pimpinan untuk")).to_be_visible()
    expect(page.locator("textarea", has_text="Menyelesaikan verifikasi berkas")).to_be_visible()
    screenshot(page, "reviews-admin-team-draft")


def test_supervisor_sees_their_team(page, live_server):
    log_in(page, live_server, "atasan")
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Ulasan 360").click()
    page.get_by_role("link", name="Tim saya").first.click()
    expect(page.get_by_role("heading", name="Penilai untuk tim Anda")).to_be_visible()
    assert page.locator("details.reviewee").count() >= 1
    screenshot(page, "reviews-admin-team")


def test_hr_views_the_questionnaire(page, live_server):
    log_in(page, live_server, "hr")
    page.goto(f"{live_server}/360/kuesioner")
    page.get_by_role("link", name="BerAKHLAK", exact=True).click()
    expect(page.get_by_role("heading", name="Berorientasi Pelayanan")).to_be_visible()
    expect(page.get_by_text("Selalu menunjukkan")).to_be_visible()
    screenshot(page, "reviews-admin-questionnaire")
    page.get_by_label("Nama salinan").fill("BerAKHLAK Uji Peramban")
    page.get_by_role("button", name="Salin kuesioner").click()
    expect(page.get_by_role("heading", name="BerAKHLAK Uji Peramban")).to_be_visible()
    first = page.get_by_label("Teks butir 1 Berorientasi Pelayanan")
    first.fill("Memahami kebutuhan warga yang dilayani")
    first.locator("xpath=..").get_by_role("button", name="Simpan").click()
    expect(page.locator(".flash-success", has_text="Butir disimpan.")).to_be_visible()
    assert page.get_by_label("Teks butir 1 Berorientasi Pelayanan").input_value() == "Memahami kebutuhan warga yang dilayani"
    screenshot(page, "reviews-admin-questionnaire-edit")


def test_hr_removes_a_rater_through_the_confirmation_on_a_phone_without_javascript(phone_without_js, live_server):
    page = phone_without_js
    cycle_url = _create_draft(page, live_server, "Uji Peramban Konfirmasi Ponsel")
    log_in(page, live_server, "hr")
    page.goto(cycle_url)
    reviewee = page.locator("details.reviewee").first
    reviewee.locator("> summary").click()
    remove = reviewee.get_by_role("button", name=re.compile(r"^Hapus .+ dari penilai ")).first
    rater = re.match(r"^Hapus (.+) dari penilai ", remove.get_attribute("aria-label") or remove.inner_text()).group(1)
    remove.click()
    expect(page.get_by_role("heading", name=f"Konfirmasi: Hapus penilai {rater}")).to_be_visible()
    expect(page.locator(".confirm-facts")).to_contain_text(f"{rater} tidak lagi menjadi penilai")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "reviews-admin-confirm-remove-phone")
    page.get_by_role("link", name="Batal").click()
    page.goto(cycle_url)
    page.locator("details.reviewee").first.locator("> summary").click()
    page.locator("details.reviewee").first.get_by_role("button", name=f"Hapus {rater} dari penilai", exact=False).first.click()
    page.get_by_role("button", name="Ya, hapus penilai").click()
    expect(page.locator(".flash-success", has_text=f"{rater} tidak lagi menjadi penilai")).to_be_visible()

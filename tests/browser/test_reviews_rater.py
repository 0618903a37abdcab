"""The demo pegawai answers a 360 review on a phone (draft first, then send) and reads their
released report; HR reads the same report on a desktop."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, log_in, screenshot

pytestmark = pytest.mark.browser


def _fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def _unanswered(page):
    return [f for f in page.locator("fieldset.q").all() if f.locator("input:checked").count() == 0]


def test_pegawai_answers_a_review_on_a_phone_and_reads_their_report(phone, browser, live_server):
    page = phone
    log_in(page, live_server, "pegawai")
    page.get_by_role("link", name="Ulasan saya").first.click()
    expect(page.get_by_role("heading", name="Ulasan yang perlu Anda isi")).to_be_visible()
    expect(page.get_by_text("Ulasan 360 Triwulan IV 2026").first).to_be_visible()
    assert _fits_the_phone(page)
    screenshot(page, "reviews-1-mine-phone")

    page.get_by_role("link", name=re.compile("^Isi ulasan")).first.click()
    expect(page.get_by_role("heading", name="Ulasan 360 derajat")).to_be_visible()
    page.wait_for_load_state("load")  # the stylesheet sizes the choices
    assert _fits_the_phone(page)
    heights = page.eval_on_selector_all("label.opt, button.go", "els => els.map(e => e.getBoundingClientRect().height)")
    assert heights and min(heights) >= 44
    screenshot(page, "reviews-2-form-phone")

    fieldsets = page.locator("fieldset.q")
    assert fieldsets.count() == 21
    for index in range(5):
        fieldsets.nth(index).locator("label.opt").nth(3).click()
    fieldsets.nth(5).get_by_text("Tidak dapat menilai").click()
    page.locator("#v-BERORIENTASI_PELAYANAN").get_by_text("Komentar (tidak wajib)").click()  # a comment opens on demand
    page.get_by_label(re.compile("^Komentar tentang Berorientasi Pelayanan")).fill("Cekatan dan sabar di loket.")
    page.get_by_role("button", name="Simpan draf").click()
    page.wait_for_url(re.compile(r"tersimpan=1"))
    expect(page.get_by_role("status").get_by_text("Draf tersimpan.")).to_be_visible()
    expect(page.get_by_text("Draf Anda berisi 6 dari 21 butir.")).to_be_visible()
    screenshot(page, "reviews-3-draft-saved-phone")

    # The link on the rater's other phone opens an empty form: the draft is this browser's.
    other = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="id-ID").new_page()
    try:
        log_in(other, live_server, "pegawai")
        other.goto(page.url.split("?")[0])
        expect(other.get_by_text("hanya dapat dibuka di perangkat dan peramban tempat draf itu disimpan")).to_be_visible()
        assert other.locator("fieldset.q input:checked").count() == 0
        assert other.get_by_label(re.compile("^Komentar tentang Berorientasi Pelayanan")).input_value() == ""
        assert _fits_the_phone(other)
        screenshot(other, "reviews-3b-draft-elsewhere-phone")
    finally:
        other.context.close()

    # The draft survives leaving and coming back through "Ulasan saya".
    page.goto(f"{live_server}/ulasan-saya")
    page.get_by_role("link", name=re.compile("^Lanjutkan draf")).first.click()
    expect(page.get_by_role("heading", name="Ulasan 360 derajat")).to_be_visible()
    expect(page.locator("fieldset.q input:checked")).to_have_count(6)
    expect(page.get_by_label(re.compile("^Komentar tentang Berorientasi Pelayanan"))).to_have_value("Cekatan dan sabar di loket.")
    for fieldset in _unanswered(page):
        fieldset.locator("label.opt").nth(4).click()
    page.get_by_role("button", name="Kirim ulasan").click()
    page.wait_for_url("**/terima-kasih")
    expect(page.get_by_role("heading", name="Terima kasih!")).to_be_visible()
    screenshot(page, "reviews-4-thanks-phone")

    page.goto(f"{live_server}/ulasan-saya")
    page.get_by_role("link", name="Ulasan 360 Tahunan 2026").click()
    expect(page.get_by_role("heading", name="Laporan ulasan 360 derajat")).to_be_visible()
    expect(page.get_by_text("Titik buta").first).to_be_visible()
    expect(page.get_by_text("Kekuatan tersembunyi").first).to_be_visible()
    assert page.locator("svg.rv-bars").count() == 8
    assert _fits_the_phone(page)
    # Every figure and label of the charts reads at 12 px or more on the phone.
    sizes = page.locator("svg.rv-bars").first.evaluate(
        "s => [...s.querySelectorAll('text')].map(t => parseFloat(getComputedStyle(t).fontSize)"
        " * s.getBoundingClientRect().width / s.viewBox.baseVal.width)")
    assert sizes and min(sizes) >= 12, sizes
    screenshot(page, "reviews-5-report-phone")


def test_missing_answers_are_explained_without_javascript(phone_without_js, live_server):
    page = phone_without_js
    log_in(page, live_server, "atasan")
    page.goto(f"{live_server}/ulasan-saya")
    page.get_by_role("link", name=re.compile("^Isi ulasan")).first.click()
    page.locator("fieldset.q").first.locator("label.opt").nth(2).click()
    page.get_by_role("button", name="Kirim ulasan").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    expect(page.get_by_text("20 butir belum dijawab")).to_be_visible()
    expect(page.get_by_text("Pilih salah satu jawaban.").first).to_be_visible()
    assert page.locator("fieldset.q").first.locator("input:checked").count() == 1
    assert _fits_the_phone(page)
    screenshot(page, "reviews-form-errors-nojs")


def test_hr_reads_the_released_report_on_a_desktop(page, live_server):
    log_in(page, live_server, "hr")
    page.goto(f"{live_server}/ulasan-saya")
    page.get_by_role("link", name="Ulasan 360 Tahunan 2026").last.click()
    expect(page.get_by_role("heading", name=re.compile("^Laporan ulasan 360"))).to_be_visible()
    page.get_by_label("Unit kerja").select_option(label="DUKCAPIL · Dinas Kependudukan dan Pencatatan Sipil")
    page.get_by_role("button", name="Tampilkan").click()
    screenshot(page, "reviews-index-hr")
    page.get_by_role("row").filter(has_text="Pengadministrasi Kependudukan").first.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Laporan ulasan 360 derajat")).to_be_visible()
    expect(page.locator('th[data-group="atasan"]')).to_be_visible()
    screenshot(page, "reviews-report-desktop")


def test_unknown_link_is_a_clear_page(phone, live_server):
    # Only the rater, logged in, opens a link: a visitor is sent to the login page first.
    phone.goto(f"{live_server}/ulasan/bukan-tautan-yang-benar")
    expect(phone).to_have_url(re.compile("/masuk"))
    log_in(phone, live_server, "pegawai")
    phone.goto(f"{live_server}/ulasan/bukan-tautan-yang-benar")
    expect(phone.get_by_role("heading", name="Tautan ulasan tidak dikenal")).to_be_visible()
    screenshot(phone, "reviews-unknown-link")


def test_the_form_is_grouped_by_value_and_short_on_a_phone(phone_without_js, live_server):
    page = phone_without_js
    log_in(page, live_server, "pegawai")
    page.goto(f"{live_server}/ulasan-saya")
    page.get_by_role("link", name=re.compile("^(Isi ulasan|Lanjutkan draf)")).last.click()
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 6000, height
    assert _fits_the_phone(page)
    groups = page.locator("fieldset.rv-value")
    assert groups.count() == 7
    third = groups.nth(2)
    code = third.get_attribute("id").removeprefix("v-")
    expect(third.get_by_text(re.compile(r"^Terjawab \d dari 3 butir$"))).to_be_visible()
    for item in third.locator("fieldset.q").all():
        item.locator("label.opt").nth(1).click()
    expect(third.get_by_role("radio", name=re.compile("^2 Jarang menunjukkan"))).to_have_count(3)
    screenshot(page, "reviews-grouped-phone")
    third.get_by_role("button", name=re.compile("^Simpan jawaban sejauh ini")).click()
    page.wait_for_url(re.compile(rf"nilai={code}#v-{code}$"))
    third = page.locator(f"#v-{code}")
    expect(third.get_by_role("status")).to_contain_text("Draf tersimpan.")
    expect(third.get_by_text("Terjawab 3 dari 3 butir")).to_be_visible()
    assert abs(third.bounding_box()["y"]) < PHONE["height"]  # back at the value saved
    screenshot(page, "reviews-grouped-saved-phone")

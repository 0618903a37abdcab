"""A citizen scans the loket's QR code on a cheap phone and rates the service, with and without JavaScript."""
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, screenshot

pytestmark = pytest.mark.browser


def answer_all(page, choice_index=3):
    for fieldset in page.locator("fieldset.q[id^=q-u]").all():
        fieldset.locator("label.opt").nth(choice_index).click()


def _scan_to_thanks(page, live_server, name):
    page.goto(f"{live_server}/s/PKM02")
    expect(page.get_by_role("heading", name="Survei Kepuasan Masyarakat")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, f"{name}-1-form")
    answer_all(page)
    page.get_by_label("Saran atau keluhan (tidak wajib)").fill("Pelayanan cepat, terima kasih.")
    screenshot(page, f"{name}-2-answered")
    page.wait_for_timeout(1000)
    page.get_by_role("button", name="Kirim penilaian").click()
    page.wait_for_url("**/terima-kasih")
    expect(page.get_by_role("heading", name="Terima kasih!")).to_be_visible()
    screenshot(page, f"{name}-3-thanks")


def test_scan_to_thanks_with_javascript(phone, live_server):
    _scan_to_thanks(phone, live_server, "form-js")


def test_scan_to_thanks_without_javascript(phone_without_js, live_server):
    _scan_to_thanks(phone_without_js, live_server, "form-nojs")


def test_missing_answers_are_explained(phone_without_js, live_server):
    page = phone_without_js
    page.goto(f"{live_server}/s/DKP01")
    page.locator("fieldset.q[id^=q-u]").first.locator("label.opt").nth(2).click()
    page.wait_for_timeout(1000)
    page.get_by_role("button", name="Kirim penilaian").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    expect(page.get_by_text("Pilih salah satu jawaban.").first).to_be_visible()
    assert page.locator("#q-u1 input:checked").count() == 1
    screenshot(page, "form-errors")


def test_form_targets_are_large_enough(phone, live_server):
    phone.goto(f"{live_server}/s/DKP01")
    heights = phone.eval_on_selector_all("label.opt, button.go, .langswitch a",
                                         "els => els.map(e => e.getBoundingClientRect().height)")
    assert heights and min(heights) >= 44


def test_form_in_english(phone, live_server):
    phone.goto(f"{live_server}/s/DKP01")
    phone.get_by_role("link", name="EN", exact=True).click()
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    screenshot(phone, "form-en")


def test_inactive_or_unknown_loket_is_a_clear_page(phone, live_server):
    phone.goto(f"{live_server}/s/TIDAKADA")
    expect(phone.get_by_role("heading", name="Loket tidak ditemukan")).to_be_visible()
    screenshot(phone, "form-unknown-loket")


def _document_height(page) -> int:
    page.wait_for_load_state("load")  # the stylesheet sizes the form
    return page.evaluate("document.documentElement.scrollHeight")


def test_form_fits_three_screens_of_a_phone(phone, live_server):
    """The officer question, the nine unsur and the send button: at most 2,400 px at 360 px wide,
    each answer still a 44 px target with its own words."""
    phone.goto(f"{live_server}/s/DKP01")
    assert phone.locator("fieldset#q-officer").count() == 1  # the officer question is on this page
    height = _document_height(phone)
    assert height <= 2400, height
    button = phone.get_by_role("button", name="Kirim penilaian").bounding_box()
    assert button["y"] + button["height"] <= 2400
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    first = phone.locator("#q-u1")
    for label in ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"):
        expect(first.get_by_role("radio", name=label, exact=True)).to_have_count(1)
    screenshot(phone, "form-phone-compact")


def test_progress_is_labelled_and_follows_the_answers(phone, live_server):
    phone.goto(f"{live_server}/s/DKP01")
    progress = phone.locator("#progress")
    expect(progress).to_have_text("Terjawab 0 dari 9 pertanyaan")
    phone.locator("#q-u1 label.opt").nth(3).click()
    phone.locator("#q-u2 label.opt").nth(2).click()
    expect(progress).to_have_text("Terjawab 2 dari 9 pertanyaan")


def test_error_summary_links_to_the_missing_answers(phone_without_js, live_server):
    page = phone_without_js
    page.goto(f"{live_server}/s/DKP01")
    page.locator("#q-u1 label.opt").nth(3).click()
    page.locator("#q-u2 label.opt").nth(3).click()
    page.wait_for_timeout(1000)
    page.get_by_role("button", name="Kirim penilaian").click()
    summary = page.locator("#fix")
    expect(summary).to_be_visible()
    assert summary.bounding_box()["y"] < PHONE["height"]  # on the first screen
    links = summary.get_by_role("link")
    expect(links).to_have_count(7)
    expect(page.locator("#progress")).to_have_text("Terjawab 2 dari 9 pertanyaan")
    screenshot(page, "form-error-summary")
    links.nth(2).click()  # the fifth question
    page.wait_for_url("**#q-u5")
    box = page.locator("#q-u5").bounding_box()
    assert 0 <= box["y"] < PHONE["height"]


def test_error_summary_takes_the_focus_with_javascript(phone, live_server):
    phone.goto(f"{live_server}/s/DKP01")
    phone.locator("#q-u1 label.opt").nth(3).click()
    phone.wait_for_timeout(1000)
    phone.get_by_role("button", name="Kirim penilaian").click()
    expect(phone.locator("#fix")).to_be_focused()

"""A new user logs in as each role through the real pages and finds their way."""
import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, log_out, screenshot

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("username,expected_menu", [
    ("admin", "Organisasi"),
    ("hr", "Organisasi"),
    ("atasan", None),
    ("pegawai", None),
])
def test_each_role_logs_in_and_sees_home(page, live_server, username, expected_menu):
    log_in(page, live_server, username)
    assert page.get_by_role("heading", name="Selamat datang").is_visible() or "Selamat datang" in page.content()
    if expected_menu:
        expect(page.get_by_role("navigation", name="Menu utama").get_by_role("link", name=expected_menu)).to_be_visible()
    else:
        assert page.get_by_role("link", name="Organisasi").count() == 0
    screenshot(page, f"home-{username}")
    log_out(page)
    expect(page.get_by_role("button", name="Masuk")).to_be_visible()


def test_wrong_password_shows_message(page, live_server):
    log_in(page, live_server, "hr", "bukan-kata-sandi-1")
    expect(page.get_by_text("NIP/nama pengguna atau kata sandi salah.")).to_be_visible()
    screenshot(page, "login-wrong-password")


def test_hr_browses_employees_and_switches_to_english(page, live_server):
    log_in(page, live_server, "hr")
    page.get_by_role("link", name="Organisasi").first.click()
    page.get_by_role("link", name="Pegawai").first.click()
    page.get_by_label("Cari nama, jabatan atau NIP").fill("Kepala")
    page.get_by_role("button", name="Tampilkan").click()
    # The click returns once the search starts: wait for its page.
    page.wait_for_url(re.compile(r"[?&]q=Kepala"))
    page.wait_for_load_state()
    rows = page.locator("tbody tr")
    assert rows.count() >= 5
    assert all("Kepala" in rows.nth(i).inner_text() for i in range(rows.count()))
    screenshot(page, "hr-employees")
    page.get_by_role("link", name="EN", exact=True).click()
    expect(page.get_by_role("heading", name="Staff", level=1)).to_be_visible()
    expect(page.get_by_label("Search by name, position or NIP")).to_have_value("Kepala")
    screenshot(page, "hr-employees-en")


def test_login_page_on_a_phone(phone, live_server):
    phone.goto(f"{live_server}/masuk")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    screenshot(phone, "login-phone")


def test_a_click_returns_with_the_page_it_leads_to_whole(phone, live_server):
    """What the suite's reads rest on (`_clicks_wait_for_their_page` in conftest.py): after a click
    on a link, the page it leads to is there and whole, even when it comes late. Should a new
    Playwright stop waiting for the page to begin arriving, this test fails first."""
    phone.goto(f"{live_server}/publik")

    def late(route):
        time.sleep(0.5)
        route.continue_()

    phone.route(re.compile(r"/publik/[^/?]+$"), late)
    phone.get_by_role("link", name="Dinas Kependudukan dan Pencatatan Sipil").click()
    # Read at once, without an expectation that waits: the nine unsur of the unit's page.
    assert phone.locator(".bars li").count() == 9

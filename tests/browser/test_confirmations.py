"""Closing a 360 cycle goes through a confirmation page that says what will happen, in numbers,
and works without JavaScript: on a phone (360 px, JavaScript off) and on a desktop (1280 px)."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, screenshot
from tests.browser.test_reviews_admin import _create_draft

pytestmark = pytest.mark.browser


def _open_cycle(page, live_server, name: str) -> None:
    cycle_url = _create_draft(page, live_server, name)
    log_in(page, live_server, "hr")
    page.goto(cycle_url)
    page.get_by_role("button", name="Buka siklus").click()
    expect(page.get_by_role("heading", name=f"Konfirmasi: Buka siklus {name}")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^\d+ undangan dikirim kepada \d+ penilai"))).to_be_visible()
    page.get_by_role("button", name="Ya, buka siklus").click()
    expect(page.locator(".flash-success", has_text="Siklus dibuka.")).to_be_visible()


def _close_through_confirmation(page, name: str, shot: str) -> None:
    page.get_by_role("button", name="Tutup siklus").click()
    expect(page.get_by_role("heading", name=f"Konfirmasi: Tutup siklus {name}")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Ulasan masuk sejauh ini .*: 0 dari [1-9]\d* undangan \(0%\)"))).to_be_visible()
    expect(page.get_by_text("akan disembunyikan di laporan")).to_be_visible()
    expect(page.get_by_text("Langkah ini tidak dapat dibatalkan.")).to_be_visible()
    screenshot(page, shot)
    # "Batal" goes back and changes nothing.
    page.get_by_role("link", name="Batal").click()
    expect(page.get_by_role("button", name="Tutup siklus")).to_be_visible()
    page.get_by_role("button", name="Tutup siklus").click()
    page.get_by_role("button", name="Ya, tutup siklus").click()
    expect(page.locator(".flash-success", has_text="Siklus ditutup.")).to_be_visible()
    expect(page.get_by_role("button", name="Buka kembali siklus")).to_be_visible()


def test_hr_closes_a_cycle_through_the_confirmation_at_1280_px(page, live_server):
    name = "Uji Konfirmasi Desktop"
    _open_cycle(page, live_server, name)
    _close_through_confirmation(page, name, "confirm-close-desktop")


def test_hr_closes_a_cycle_on_a_phone_without_javascript(phone_without_js, live_server):
    page = phone_without_js
    name = "Uji Konfirmasi Ponsel"
    _open_cycle(page, live_server, name)
    _close_through_confirmation(page, name, "confirm-close-phone")
    # And reopens it, again through a confirmation, before anyone read a report.
    page.get_by_role("button", name="Buka kembali siklus").click()
    expect(page.get_by_role("heading", name=f"Konfirmasi: Buka kembali siklus {name}")).to_be_visible()
    page.get_by_role("button", name="Ya, buka kembali").click()
    expect(page.locator(".flash-success", has_text="Siklus dibuka kembali.")).to_be_visible()

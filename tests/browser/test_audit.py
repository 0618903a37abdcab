"""HR reads the Log audit on a phone without JavaScript: entries stack, filters work, nothing
sticks out of a 360 px screen."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser


def test_hr_reads_and_filters_the_audit_log_on_a_phone_without_javascript(phone_without_js, live_server):
    page = phone_without_js
    log_in(page, live_server, "hr")
    # On a phone the menu is folded into a disclosure that opens without JavaScript.
    page.locator("summary", has_text="Menu").click()
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Log audit").click()
    page.wait_for_url(re.compile("/audit/$"))
    expect(page.get_by_role("heading", name="Log audit")).to_be_visible()
    rows = page.locator("table.audit-log tbody tr")
    assert rows.count() > 0
    # Each entry is a card: its cells stack, each under its own label.
    first = rows.first.locator("td").first
    second = rows.first.locator("td").nth(1)
    assert first.bounding_box()["y"] < second.bounding_box()["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "audit-log-phone")
    page.get_by_label("Jenis perubahan").select_option("appraisal.merge")
    page.get_by_role("button", name="Tampilkan").click()
    page.wait_for_url(re.compile(r"aksi=appraisal\.merge"))
    codes = page.locator("table.audit-log tbody td code").all_text_contents()
    assert "appraisal.merge" in codes and not [c for c in codes if c.startswith("appraisal.") and c != "appraisal.merge"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

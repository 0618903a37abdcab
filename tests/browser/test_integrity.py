"""The "Integritas data" page on a 360 px phone: HR reads the demo's held burst at PKM02 with its
pattern, comments on it, and sees the decision it could take; a unit head of another unit does not
see it."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import log_in, screenshot


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_hr_reads_the_held_burst_on_a_phone(phone, live_server):
    log_in(phone, live_server, "hr")
    phone.goto(f"{live_server}/")
    phone.get_by_role("link", name="Integritas data").first.click()
    assert phone.url.endswith("/integritas/")
    burst = phone.locator("section.burst").filter(has_text="PKM02")
    assert burst.count() == 1
    text = burst.inner_text()
    for expected in ("rate_loket", "30 tanggapan", "Lebih banyak tanggapan web di loket ini"):
        assert expected in text, expected
    assert burst.get_by_role("button", name="Lepaskan: hitung semua").is_visible()
    assert burst.get_by_role("button", name="Tolak semua").is_visible()
    assert _fits(phone), "the page scrolls sideways at 360 px"
    burst.locator("summary").click()
    expect(burst.locator("ol.held-list li").nth(19)).to_be_visible()  # twenty or more, now shown
    assert _fits(phone)
    screenshot(phone, "integrity-queue-360")

    burst.get_by_label("Catatan").fill("Dicek dengan rekaman CCTV IGD.")
    burst.get_by_role("button", name="Tambah catatan").click()
    assert "Catatan disimpan." in phone.content()
    assert "Dicek dengan rekaman CCTV IGD." in phone.locator("section.burst").filter(has_text="PKM02").inner_text()


def test_the_head_of_another_unit_does_not_see_it(phone, live_server):
    log_in(phone, live_server, "atasan")  # the head of Dukcapil; PKM02 belongs to the Puskesmas
    phone.goto(f"{live_server}/integritas/")
    assert phone.locator("h1").inner_text() == "Integritas data"
    assert phone.locator("section.burst").filter(has_text="PKM02").count() == 0
    assert _fits(phone)

"""Home pages with work, and the employee import's preview, in Chromium (issue 17 §5 and §8)."""
from datetime import date

import pytest
from playwright.sync_api import expect

from surveys.nip import make_nip
from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("username", ["hr", "atasan", "admin", "pegawai"])
def test_each_home_lists_the_work_with_links_that_open(page, live_server, username):
    log_in(page, live_server, username)
    work = page.get_by_role("region", name="Perlu dikerjakan")
    expect(work).to_be_visible()
    items = work.locator("li[data-work] a")
    links = [(items.nth(i).inner_text(), items.nth(i).get_attribute("href")) for i in range(items.count())]
    if username in ("hr", "atasan", "admin"):
        assert links, "the demo holds work for this role"
    for text, href in links:
        assert text.split()[0].isdigit(), text
        response = page.goto(f"{live_server}{href}")
        assert response.status == 200, (text, href)
    page.goto(live_server + "/")
    screenshot(page, f"home-work-{username}")


def test_the_home_fits_a_phone(phone, live_server):
    log_in(phone, live_server, "atasan")
    expect(phone.get_by_role("heading", name="Perlu dikerjakan")).to_be_visible()
    width = phone.evaluate("document.querySelector('#perlu-dikerjakan').getBoundingClientRect().right")
    assert width <= 360


def test_the_head_of_dukcapil_sees_the_officers_of_her_lokets(page, live_server):
    log_in(page, live_server, "atasan")  # the demo's head of DUKCAPIL
    page.goto(f"{live_server}/dasbor/petugas")
    section = page.get_by_role("region", name="Petugas loket unit Anda")
    expect(section).to_be_visible()
    assert section.locator("tbody tr").count() >= 2
    screenshot(page, "team-loket-officers")


def test_hr_previews_an_import_then_applies_it(page, live_server, tmp_path):
    nip = make_nip(date(1994, 2, 3), (2019, 3), 2, 917)
    path = tmp_path / "pegawai.csv"
    path.write_text(f"nip,nama,unit\n{nip},Pegawai Pratinjau,DUKCAPIL\n", encoding="utf-8")
    log_in(page, live_server, "hr")
    page.goto(f"{live_server}/organisasi/pegawai/impor")
    expect(page.get_by_role("link", name="Unduh templat CSV")).to_be_visible()
    page.get_by_label("Berkas CSV atau XLSX").set_input_files(str(path))
    page.get_by_role("button", name="Impor").click()
    expect(page.get_by_role("heading", name="Pratinjau impor pegawai")).to_be_visible()
    expect(page.get_by_text("Ditambahkan: 1 pegawai")).to_be_visible()
    expect(page.get_by_role("cell", name="Pegawai Pratinjau")).to_be_visible()
    screenshot(page, "import-preview")
    # Nothing yet: the employee list does not know the NIP.
    check = page.context.new_page()
    check.goto(f"{live_server}/organisasi/pegawai?q={nip}")
    assert "Pegawai Pratinjau" not in check.content()
    check.close()
    page.get_by_role("button", name="Terapkan impor ini").click()
    expect(page.get_by_role("heading", name="Hasil impor pegawai")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Buat akun untuk Pegawai Pratinjau")).to_be_checked()
    screenshot(page, "import-result")

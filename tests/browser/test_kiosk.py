"""A unit head pairs a tablet for a loket; a visitor rates the service on it, with and without JavaScript."""
import pytest

from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser

TABLET = {"width": 800, "height": 1280}


def expect(locator):
    """Playwright's waiting assertions (imported late: the suite skips loudly when Playwright is missing)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


@pytest.fixture
def tablet_for(browser):
    """Opens tablet-sized contexts (portrait) and closes them after the test."""
    contexts = []

    def open_tablet(javascript: bool = True):
        context = browser.new_context(viewport=TABLET, locale="id-ID", is_mobile=True, has_touch=True,
                                      java_script_enabled=javascript)
        contexts.append(context)
        tablet = context.new_page()
        tablet.set_default_timeout(15000)
        return tablet

    yield open_tablet
    for context in contexts:
        context.close()


def create_pairing_code(page, base_url: str, counter_code: str, shot: str) -> str:
    log_in(page, base_url, "atasan")
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Kiosk").click()
    expect(page.get_by_role("heading", name="Kiosk", exact=True)).to_be_visible()
    screenshot(page, f"{shot}-manage")
    page.get_by_role("button", name=f"Buat kode pemasangan untuk loket {counter_code}").click()
    expect(page.locator(".pairing-steps")).to_contain_text(f"/k/{counter_code}")
    code = page.locator(".pairing-code").inner_text().strip()
    assert len(code.replace("-", "")) == 8
    screenshot(page, f"{shot}-code")
    return code


def pair_tablet(tablet, base_url: str, counter_code: str, code: str, name: str, shot: str) -> None:
    tablet.goto(f"{base_url}/k/{counter_code}")
    expect(tablet.get_by_role("heading", name="Pasang tablet kiosk")).to_be_visible()
    tablet.get_by_label("Kode pemasangan").fill(code.lower())
    tablet.get_by_label("Nama perangkat (boleh dikosongkan)").fill(name)
    screenshot(tablet, f"{shot}-pair")
    tablet.get_by_role("button", name="Pasang perangkat").click()
    expect(tablet.get_by_role("heading", name="Bagaimana pelayanan kami hari ini?")).to_be_visible()


def assert_big_targets(tablet, selector: str, minimum: float) -> None:
    boxes = [tablet.locator(selector).nth(i).bounding_box() for i in range(tablet.locator(selector).count())]
    assert boxes and all(box["width"] >= minimum and box["height"] >= minimum for box in boxes), boxes


def test_unit_head_pairs_a_tablet_and_a_visitor_gives_a_reason(page, tablet_for, live_server):
    code = create_pairing_code(page, live_server, "DKP01", "kiosk-desktop")
    tablet = tablet_for()
    pair_tablet(tablet, live_server, "DKP01", code, "Tablet meja loket 1", "kiosk-tablet")
    for label in ("Sangat tidak puas", "Tidak puas", "Puas", "Sangat puas"):
        expect(tablet.get_by_role("button", name=label, exact=True)).to_be_visible()
    assert_big_targets(tablet, "button.face", 150)
    assert tablet.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]
    screenshot(tablet, "kiosk-tablet-faces")

    tablet.get_by_role("button", name="Tidak puas", exact=True).tap()
    expect(tablet.get_by_role("heading", name="Apa yang kurang?")).to_be_visible()
    assert_big_targets(tablet, "button.reason", 44)
    screenshot(tablet, "kiosk-tablet-reason")
    tablet.get_by_role("button", name="Terlalu lama menunggu").tap()
    expect(tablet.get_by_role("heading", name="Terima kasih!")).to_be_visible()
    screenshot(tablet, "kiosk-tablet-thanks")
    tablet.wait_for_url(f"{live_server}/k/DKP01", timeout=10000)
    expect(tablet.get_by_role("heading", name="Bagaimana pelayanan kami hari ini?")).to_be_visible()
    tablet.set_viewport_size({"width": TABLET["height"], "height": TABLET["width"]})
    assert_big_targets(tablet, "button.face", 150)  # four in a row on a landscape tablet
    screenshot(tablet, "kiosk-tablet-faces-landscape")

    page.goto(f"{live_server}/kiosk/")
    row = page.get_by_role("row").filter(has_text="Tablet meja loket 1")
    assert row.count() == 1 and "Belum ada" not in row.inner_text()
    screenshot(page, "kiosk-desktop-after-vote")


def test_kiosk_works_without_javascript_and_a_revoked_tablet_must_pair_again(page, tablet_for, live_server):
    code = create_pairing_code(page, live_server, "DKP02", "kiosk-nojs-desktop")
    tablet = tablet_for(javascript=False)
    pair_tablet(tablet, live_server, "DKP02", code, "Tablet tanpa JS", "kiosk-nojs")
    screenshot(tablet, "kiosk-nojs-faces")
    tablet.get_by_role("button", name="Sangat tidak puas").click()
    expect(tablet.get_by_role("heading", name="Apa yang kurang?")).to_be_visible()
    tablet.get_by_role("link", name="Lewati").click()
    expect(tablet.get_by_role("heading", name="Terima kasih!")).to_be_visible()
    screenshot(tablet, "kiosk-nojs-thanks")
    tablet.wait_for_url(f"{live_server}/k/DKP02", timeout=10000)  # the meta refresh, no script
    expect(tablet.get_by_role("heading", name="Bagaimana pelayanan kami hari ini?")).to_be_visible()

    page.goto(f"{live_server}/kiosk/")
    page.get_by_role("button", name="Cabut Tablet tanpa JS").click()
    expect(page.get_by_text("Tablet itu harus dipasang ulang")).to_be_visible()
    screenshot(page, "kiosk-nojs-revoked")
    tablet.reload()
    expect(tablet.get_by_role("heading", name="Pasang tablet kiosk")).to_be_visible()


def test_unknown_loket_shows_a_clear_page(tablet_for, live_server):
    tablet = tablet_for()
    response = tablet.goto(f"{live_server}/k/TIDAKADA")
    assert response.status == 404
    expect(tablet.get_by_role("heading", name="Kiosk tidak tersedia")).to_be_visible()
    screenshot(tablet, "kiosk-unknown")


def test_the_next_visitor_gets_indonesian_after_one_chose_english(page, tablet_for, live_server):
    code = create_pairing_code(page, live_server, "DKP03", "kiosk-lang-desktop")
    tablet = tablet_for(javascript=False)
    pair_tablet(tablet, live_server, "DKP03", code, "Tablet bahasa", "kiosk-lang")
    tablet.get_by_role("link", name="EN", exact=True).click()
    expect(tablet.locator("html")).to_have_attribute("lang", "en")
    screenshot(tablet, "kiosk-lang-en")
    tablet.get_by_role("button", name="Very satisfied").click()
    expect(tablet.get_by_role("heading", name="Thank you!")).to_be_visible()
    tablet.wait_for_url(f"{live_server}/k/DKP03", timeout=10000)  # the meta refresh, no script
    expect(tablet.get_by_role("heading", name="Bagaimana pelayanan kami hari ini?")).to_be_visible()
    expect(tablet.locator("html")).to_have_attribute("lang", "id")
    screenshot(tablet, "kiosk-lang-next-visitor")

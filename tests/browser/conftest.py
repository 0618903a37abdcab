"""The browser suite: the real portal served on loopback, driven by headless Chromium (Playwright)."""
from __future__ import annotations

import functools
import os
import re
import shutil
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import DEMO_MOMENT, TEST_CONFIG, build_demo, dispose

SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]
PHONE = {"width": 360, "height": 740}
#: The app behind each live server's address, for tests that look up the demo's objects.
LIVE_APPS: dict = {}


def _chromium() -> str | None:
    for candidate in (os.environ.get("CERMIN_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser",
                      shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def _browser_env() -> dict[str, str]:
    """Chromium's environment: the suite's, without a clock faked by libfaketime (LD_PRELOAD,
    FAKETIME*), under which Chromium never loads a page. The browser is the visitor, with a
    clock of its own; the portal it visits runs on the tests' clock."""
    return {name: value for name, value in os.environ.items()
            if name != "LD_PRELOAD" and not name.startswith("FAKETIME")}


def _unavailable(reason: str):
    if os.environ.get("CERMIN_REQUIRE_BROWSER") == "1":
        pytest.fail(f"the browser suite is required (CERMIN_REQUIRE_BROWSER=1) but cannot run: {reason}")
    pytest.skip(f"!!! browser suite SKIPPED: {reason} !!!")


@pytest.fixture(scope="session")
def live_server(demo_app, tmp_path_factory):
    """The portal with the demo instansi (a copy of the session's demo), on a free loopback port,
    in a thread. Its clock is the tests' (`pinned_clock`): the pages show the demo as it stood at
    DEMO_MOMENT, on any day; Chromium's own clock is the machine's."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from portal import create_app

    database = tmp_path_factory.mktemp("browser") / "cermin.sqlite"
    demo_url = demo_app.config["SQLALCHEMY_DATABASE_URI"]
    if demo_url.startswith("sqlite:///"):
        with sqlite3.connect(demo_url.removeprefix("sqlite:///")) as source, sqlite3.connect(database) as copy:
            source.backup(copy)
    app = create_app({
        # The demo's links and signed codes were made with the tests' key.
        "SECRET_KEY": TEST_CONFIG["SECRET_KEY"],
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        "CERMIN_LOGIN_LIMIT": "1000 per minute",
        # A person needs seconds to answer; the browser tests still wait this long.
        "CERMIN_MIN_FILL_SECONDS": 1,
        "CERMIN_DEVICE_DAILY_LIMIT": 100,
    })
    if not demo_url.startswith("sqlite:///"):
        with app.app_context():
            upgrade()
        build_demo(app, DEMO_MOMENT)
    server = make_server("127.0.0.1", 0, _slowed(app), threaded=True)
    app.config["CERMIN_BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    LIVE_APPS[app.config["CERMIN_BASE_URL"]] = app
    yield app.config["CERMIN_BASE_URL"]
    server.shutdown()
    dispose(app)


def _slowed(app):
    """With CERMIN_BROWSER_SLOW_MS set, every page (not the static files) is slow as on a loaded
    machine: its answer starts that many milliseconds late, and its body stops that long after
    its first part. A test that reads a page before the one its click leads to has arrived, or
    before that page is whole, then fails every time instead of once in a while."""
    delay = int(os.environ.get("CERMIN_BROWSER_SLOW_MS") or 0) / 1000
    if not delay:
        return app

    def slow(environ, start_response):
        if environ.get("PATH_INFO", "").startswith("/static/"):
            return app(environ, start_response)
        time.sleep(delay)
        answer = app(environ, start_response)
        try:
            body = b"".join(answer)
        finally:
            if hasattr(answer, "close"):
                answer.close()
        return _in_two_parts(body, delay)

    return slow


def _in_two_parts(body: bytes, delay: float):
    cut = len(body) // 3
    yield body[:cut]
    time.sleep(delay)
    yield body[cut:]


@pytest.fixture(scope="session")
def browser():
    executable = _chromium()
    if executable is None:
        _unavailable("Chromium not found (install Debian's chromium package)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed (pip install playwright)")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS,
                                             env=_browser_env())
    except Exception as error:  # Playwright raises its own error types for a broken browser
        playwright.stop()
        _unavailable(f"Chromium did not start: {error}")
    with _clicks_wait_for_their_page():
        yield browser
    browser.close()
    playwright.stop()


@contextmanager
def _clicks_wait_for_their_page():
    """A click (or tap) that leads to another page returns once that page has begun to arrive,
    before it is whole: a count or a text read at once would see part of it (CI failed once on
    a draft's answers counted that way). While the suite runs, every click and tap also waits for
    the page's `load` event: at once when the click stayed on its page, or when the page it leads
    to has arrived whole. `CERMIN_BROWSER_SLOW_MS` (above) shows what happens without it."""
    from playwright.sync_api import Locator

    originals = {name: getattr(Locator, name) for name in ("click", "tap")}

    def waiting(action):
        @functools.wraps(action)
        def act(self, *args, **kwargs):
            action(self, *args, **kwargs)
            self.page.wait_for_load_state("load")
        return act

    for name, action in originals.items():
        setattr(Locator, name, waiting(action))
    try:
        yield
    finally:
        for name, action in originals.items():
            setattr(Locator, name, action)


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, locale="id-ID", is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def phone_without_js(browser):
    """A phone with JavaScript switched off: the citizen's and the rater's forms must work there."""
    context = browser.new_context(viewport=PHONE, locale="id-ID", is_mobile=True, has_touch=True,
                                  java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    """The size of each page of a PDF that Chromium wrote."""
    assert pdf.startswith(b"%PDF")
    count = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    boxes = [(float(w), float(h)) for w, h in re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)]
    assert len(boxes) == count
    return boxes


def same_size(size, expected) -> bool:
    """Page sizes in points, equal within 2 points."""
    return abs(size[0] - expected[0]) < 2 and abs(size[1] - expected[1]) < 2


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page, base_url: str, username: str, password: str | None = None):
    from portal.demo.seed import DEMO_PASSWORD

    page.goto(f"{base_url}/masuk")
    page.get_by_label("NIP atau nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(password or DEMO_PASSWORD)
    # The click waits for the page the POST leads to (`_clicks_wait_for_their_page`): the home
    # page, or the form again with its message; a `goto` before it would cancel the log-in.
    page.get_by_role("button", name="Masuk").click()


def log_out(page):
    """Press "Keluar" and find the log-in page it leads to."""
    from playwright.sync_api import expect

    page.get_by_role("button", name="Keluar").click()
    expect(page).to_have_url(re.compile(r"/masuk"))

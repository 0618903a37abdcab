"""Every staff page fits a phone: at 360×740, each demo role opens one page per GET route of the
URL map it reaches (object ids filled with real objects of the demo instansi), and no page may
scroll sideways or carry an axe-core WCAG 2.1 AA violation.

axe-core comes from the npm registry, pinned in tests/browser/package.json (`make axe`), and is
injected by Playwright. One browser context per role and one page per route keep the cost bounded,
and axe runs once per route: on the first role (in ROLES' order) that reaches it, and on every
role's home, whose content is the role's own. The sideways-scroll check runs on every page.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask import url_for
from sqlalchemy import or_, select

from portal.access import PUBLIC, declared_access
from tests.browser.conftest import LIVE_APPS, PHONE, log_in

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: The demo's staff logins (portal/demo/seed.py ROLE_NOTES): admin, HR, a kepala unit who is
#: Pejabat Penilai (atasan), a pegawai, and an auditor (added to the crawl's copy of the demo).
ROLES = ["atasan", "pegawai", "hr", "admin", "auditor"]
#: Routes whose page differs by role in more than its buttons: axe runs on each role's copy.
AXE_EACH_ROLE = {"main.home"}
#: Routes already checked by axe in this run (a role's crawl skips them).
_axed: set[str] = set()


def _with_auditor(app) -> None:
    """The demo has no auditor account: the crawl adds one to its copy (read-only role, the demo's
    instansi and password), once."""
    from portal.accounts.models import AUDITOR, User, UserRole
    from portal.accounts.services import hash_password
    from portal.demo.seed import DEMO_PASSWORD
    from portal.extensions import db

    with app.app_context():
        if db.session.scalar(select(User).where(User.username == "auditor")) is None:
            admin = db.session.scalar(select(User).where(User.username == "admin"))
            db.session.add(User(instansi_id=admin.instansi_id, username="auditor", display_name="Auditor Inspektorat",
                                password_hash=hash_password(DEMO_PASSWORD), role_rows=[UserRole(role=AUDITOR)]))
            db.session.commit()
#: Pages that are no page: they end the session.
NOT_PAGES = {"accounts.logout"}
DOWNLOADS = (".csv", ".xlsx", ".svg", ".png", ".pdf", ".json", ".zip", ".txt")


def _axe_available() -> None:
    if not AXE.exists():
        reason = f"axe-core is not installed ({AXE}); run `make axe`"
        if os.environ.get("CERMIN_REQUIRE_BROWSER") == "1":
            pytest.fail(f"the browser suite is required (CERMIN_REQUIRE_BROWSER=1) but cannot run: {reason}")
        pytest.skip(f"!!! phone crawl SKIPPED: {reason} !!!")


def _objects(app, username: str) -> dict:
    """Real objects of the demo instansi for each URL argument, preferring the user's own."""
    from portal.accounts.models import User
    from portal.appraisal.models import AppraisalObjection, AppraisalPeriod, AppraisalRecord
    from portal.extensions import db
    from portal.feedback.models import TicketBatch
    from portal.org.models import Counter, Employee, Service, Unit
    from portal.reviews.models import Questionnaire, ReviewCycle

    def first(query):
        return db.session.scalar(query.limit(1))

    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        instansi = user.instansi_id
        me = db.session.get(Employee, user.employee_id) if user.employee_id else None
        unit = db.session.get(Unit, me.unit_id) if me else first(select(Unit).where(Unit.instansi_id == instansi)
                                                                .order_by(Unit.id))
        counter = first(select(Counter).where(Counter.unit_id == unit.id).order_by(Counter.id)) or first(
            select(Counter).join(Unit).where(Unit.instansi_id == instansi).order_by(Counter.id))
        record = None
        if me:
            record = first(select(AppraisalRecord).where(or_(AppraisalRecord.penilai_id == me.id,
                                                             AppraisalRecord.employee_id == me.id))
                           .order_by(AppraisalRecord.employee_id == me.id, AppraisalRecord.id.desc()))
        record = record or first(select(AppraisalRecord).join(AppraisalPeriod)
                                 .where(AppraisalPeriod.instansi_id == instansi).order_by(AppraisalRecord.id.desc()))
        employee = me or first(select(Employee).where(Employee.instansi_id == instansi).order_by(Employee.id))
        objection = first(select(AppraisalObjection).order_by(AppraisalObjection.id))
        values = {
            "unit_id": unit.id, "unit_code": unit.code, "counter_id": counter.id, "counter_code": counter.code,
            "unit_code_for_code": unit.code, "employee_id": employee.id, "public_code": employee.public_code,
            "rater_id": employee.id, "user_id": user.id, "fmt": "svg",
            "record_id": record.id if record else None, "period_id": record.period_id if record else None,
            "objection_id": objection.id if objection else None,
            "service_id": getattr(first(select(Service).where(Service.unit_id == unit.id)), "id", None),
            "cycle_id": getattr(first(select(ReviewCycle).where(ReviewCycle.instansi_id == instansi)
                                      .order_by(ReviewCycle.id.desc())), "id", None),
            "questionnaire_id": getattr(first(select(Questionnaire).order_by(Questionnaire.id)), "id", None),
            "batch_id": getattr(first(select(TicketBatch).where(TicketBatch.counter_id == counter.id)), "id", None),
        }
        return values


def _pages(app, values: dict) -> list[tuple[str, str]]:
    """(endpoint, path) for each staff GET route whose arguments the demo fills."""
    pages = []
    with app.app_context(), app.test_request_context():
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
            if (rule.endpoint == "static" or rule.endpoint in NOT_PAGES or "GET" not in rule.methods
                    or PUBLIC in declared_access(rule.endpoint)):
                continue
            arguments = {}
            for name in rule.arguments:
                if name == "code":
                    arguments[name] = values["counter_code"] if rule.endpoint.startswith("counters.") \
                        else values["unit_code"]
                else:
                    arguments[name] = values.get(name)
            if any(value is None for value in arguments.values()):
                continue
            path = url_for(rule.endpoint, **arguments)
            if not path.endswith(DOWNLOADS):
                pages.append((rule.endpoint, path))
    return pages


def _problems(page, axe: bool) -> list[str]:
    problems = []
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if width[0] > width[1]:
        problems.append(f"scrolls sideways: {width[0]} px wide at {width[1]} px")
    if not axe:
        return problems
    page.add_script_tag(path=str(AXE))
    # label-content-name-mismatch is WCAG 2.1 (2.5.3) but "experimental" in axe: enabled by name.
    result = page.evaluate("""tags => axe.run(document, {runOnly: {type: 'tag', values: tags},
            rules: {'label-content-name-mismatch': {enabled: true}}})
        .then(r => r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3)
            .map(n => n.target.join(' ')).join(' | ')))""", AXE_TAGS)
    problems.extend(f"axe {violation}" for violation in result)
    return problems


@pytest.mark.parametrize("username", ROLES)
def test_every_page_a_role_reaches_fits_a_phone_and_passes_axe(browser, live_server, username):
    _axe_available()
    app = LIVE_APPS[live_server]
    _with_auditor(app)
    pages = _pages(app, _objects(app, username))
    # bypass_csp: the portal allows no inline script; axe is the test's, not the page's.
    context = browser.new_context(viewport=PHONE, locale="id-ID", is_mobile=True, has_touch=True, bypass_csp=True)
    try:
        page = context.new_page()
        page.set_default_timeout(15000)
        log_in(page, live_server, username)
        failures, crawled = [], []
        for endpoint, path in pages:
            probe = context.request.get(f"{live_server}{path}", max_redirects=0)
            if probe.status != 200 or not probe.headers.get("content-type", "").startswith("text/html"):
                continue
            page.goto(f"{live_server}{path}")
            crawled.append(path)
            axe = endpoint in AXE_EACH_ROLE or endpoint not in _axed
            failures.extend(f"{path} ({endpoint}): {problem}" for problem in _problems(page, axe))
            if axe:
                _axed.add(endpoint)
    finally:
        context.close()
    assert len(crawled) >= 5, crawled
    assert failures == [], f"{username}: {len(failures)} problems on {len(crawled)} pages:\n" + "\n".join(failures)


def test_the_menu_folds_on_a_phone_and_opens_without_javascript(phone_without_js, live_server):
    from playwright.sync_api import expect

    page = phone_without_js
    log_in(page, live_server, "hr")
    menu = page.get_by_role("navigation", name="Menu utama")
    expect(menu).to_be_hidden()
    header = page.locator("header.topbar").bounding_box()
    assert header["height"] < 160, header  # was about 330 px with the whole menu
    page.locator("summary", has_text="Menu").click()
    expect(menu).to_be_visible()
    expect(menu.get_by_role("link", name="Log audit")).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(page.locator("summary", has_text="Menu")).to_be_hidden()
    expect(menu).to_be_visible()


def test_the_team_table_reads_as_cards_with_their_link(phone, live_server):
    from playwright.sync_api import expect

    log_in(phone, live_server, "atasan")
    phone.goto(f"{live_server}/penilaian/tim")
    link = phone.get_by_role("link", name="Tinjau dan konfirmasi").first
    expect(link).to_be_visible()
    box = link.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    cell = phone.locator("main table.stacks td[data-label]").first
    assert cell.evaluate("c => getComputedStyle(c, '::before').content").startswith('"')
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

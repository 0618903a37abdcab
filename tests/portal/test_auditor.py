"""The auditor (the Inspektorat) sees everything of its instansi and changes nothing, walked over
the URL map with real objects (tests/portal/object_world.py):

- every page HR opens, the auditor opens too, except the few that are themselves an action
  (`ACTIONS`, each with its reason);
- every request that could change something (every POST of a staff page) is refused with 403 and
  changes nothing, but for the auditor's own account (`own_account`: password, language, logout);
- another instansi's objects do not exist for the auditor either.
"""
from __future__ import annotations

import pytest
from flask import url_for
from sqlalchemy import func, select

from portal.access import PUBLIC, SAFE_METHODS, declared_access
from portal.audit.models import AuditEvent
from tests.conftest import client_for, csrf_token
from tests.portal.object_world import Side, build_world

#: Pages HR opens that the auditor does not, because opening them is itself an action.
ACTIONS = {
    "appraisal.new_period": "only a form that creates a period",
    "appraisal.edit_period": "only a form that changes a period's settings (the period page shows them)",
    "appraisal.import_hasil_kerja": "only a form that imports ratings",
    "feedback_admin.import_responses": "only a form that imports paper responses",
    "org.import_employees": "only a form that imports employees",
    "org.import_template": "the blank file of the employee import",
    "account_admin.import_result": "only the form that creates accounts for the employees an import added",
    "reviews.nominate": "an employee nominates the raters of their own review (the auditor is no reviewee)",
    "feedback_admin.template_csv": "the blank file of the paper import",
    "feedback_admin.template_xlsx": "the blank file of the paper import",
    "reviews.new_cycle": "only a form that creates a 360 cycle",
    "reviews.links": "it hands out the raters' personal answer links, each a credential to answer",
    "reviews.invitations": "it prints the raters' personal answer links, each a credential to answer",
    "counters.batch_csv": "it hands out unused queue-ticket codes, each a credential to submit a response",
    "accounts.two_factor": "it sets up the signed-in user's own second factor (admin and HR accounts)",
    "appraisal_duty.reassign": "only a form that moves a record to another Pejabat Penilai (the record shows who)",
    "account_admin.bulk_accounts": "only a form that creates accounts and hands out their first passwords",
}


def _code(side: Side, endpoint: str) -> dict:
    """`code` is a loket's code on the loket pages, a unit's code on the dashboards and follow-up."""
    if endpoint.startswith("counters."):
        return {"code": side.unit.counter.code}
    return {"code": side.unit.unit.code}


def _values(side: Side, endpoint: str, arguments) -> dict:
    """Real objects of `side` for an endpoint's arguments, by name."""
    by_name = {
        "period_id": side.period.id, "unit_id": side.unit.unit.id, "record_id": side.record.id,
        "employee_id": side.employee.id, "cycle_id": side.released.id, "questionnaire_id": side.questionnaire.id,
        "item_id": side.item.id, "invitation_id": side.nomination.id, "reviewee_id": side.employee.id,
        "unit_code": side.unit.unit.code, "public_code": side.employee.public_code, "fmt": "svg",
        "batch_id": side.unit.batch.id, "alert_id": side.unit.alert.id, "comment_id": side.unit.comment.id,
        "follow_up_id": side.unit.follow_up.id, "service_id": side.service.id, "counter_id": side.unit.counter.id,
        "entry_id": side.entry.id, "device_id": side.unit.device.id, "user_id": side.user.id,
        "token_id": side.token.id, "target": "closed", "objection_id": side.objection.id,
        "change_id": side.settings_change.id, "group_id": side.unit.hold_group.id, "token": "no-such-link",
        "rater_id": side.employee.id,
    }
    if endpoint.startswith("integrity."):  # a paper batch, not a ticket batch
        by_name["batch_id"] = side.unit.paper_batch.id
    if endpoint in ("reviews.resend", "reviews.invitations", "reviews.cycle", "reviews.team", "reviews.links", "reviews.change_state", "reviews.threshold",
                    "reviews.dates", "reviews.reminders", "reviews.propose", "reviews.add_rater"):
        by_name["cycle_id"] = side.cycle.id
    if endpoint in ("reviews.remove_rater", "reviews.approve", "reviews.nominate", "reviews.withdraw_nomination"):
        by_name["cycle_id"] = side.draft.id
    values = {name: by_name[name] for name in arguments if name != "code"}
    if "code" in arguments:
        values |= _code(side, endpoint)
    return values


def _staff_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or PUBLIC in declared_access(rule.endpoint):
            continue
        yield rule


def _url(app, rule, side: Side) -> str:
    with app.test_request_context():
        return url_for(rule.endpoint, **_values(side, rule.endpoint, rule.arguments))


@pytest.fixture
def world(factory, org):
    return build_world(factory, org)


def test_the_auditor_opens_every_page_hr_opens(app, org, world):
    home, _away = world
    hr, auditor = client_for(app, "hr"), client_for(app, "auditor")
    problems, read = [], []
    for rule in sorted(_staff_rules(app), key=lambda r: r.endpoint):
        if "GET" not in rule.methods or rule.endpoint == "accounts.logout":
            continue
        url = _url(app, rule, home)
        as_hr = hr.get(url).status_code
        as_auditor = auditor.get(url).status_code
        expected = 403 if rule.endpoint in ACTIONS else as_hr
        if as_hr == 200 and as_auditor != expected:
            problems.append((rule.endpoint, url, as_hr, as_auditor))
        if as_auditor == 200:
            read.append(rule.endpoint)
    assert problems == [], "\n".join(map(str, problems))
    for endpoint in ("insight.unit", "appraisal.record", "appraisal_out.export_xlsx", "review_rater.report",
                     "org.employees", "kiosk.manage", "followup.inbox", "audit.index", "reviews.cycle"):
        assert endpoint in read
    assert len(read) > 50


def test_the_list_of_actions_names_real_pages_hr_opens(app, org, world):
    home, _away = world
    hr = client_for(app, "hr")
    rules = {rule.endpoint: rule for rule in _staff_rules(app)}
    for endpoint in ACTIONS:
        assert hr.get(_url(app, rules[endpoint], home)).status_code == 200, endpoint


def test_every_change_is_refused(app, db, org, world):
    home, _away = world
    auditor = client_for(app, "auditor")
    token = csrf_token(auditor, "/akun")
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    problems = []
    for rule in sorted(_staff_rules(app), key=lambda r: r.endpoint):
        view = app.view_functions[rule.endpoint]
        for method in sorted(rule.methods - SAFE_METHODS):
            if view.cermin_own_account:
                continue
            response = auditor.open(_url(app, rule, home), method=method, data={"csrf_token": token})
            if response.status_code != 403:
                problems.append((method, rule.endpoint, response.status_code))
    assert problems == [], "\n".join(map(str, problems))
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events


def test_only_the_auditors_own_account_is_theirs_to_change(app, org):
    own = sorted(rule.endpoint for rule in _staff_rules(app)
                 if app.view_functions[rule.endpoint].cermin_own_account)
    assert own == ["accounts.account", "accounts.logout"]
    auditor = client_for(app, "auditor")
    response = auditor.post("/akun", data={"csrf_token": csrf_token(auditor, "/akun"), "locale": "en"})
    assert response.status_code in (200, 302)


def test_another_instansis_objects_do_not_exist_for_the_auditor(app, org, world):
    _home, away = world
    auditor = client_for(app, "auditor")
    problems = []
    for rule in sorted(_staff_rules(app), key=lambda r: r.endpoint):
        if "GET" not in rule.methods or not rule.arguments or rule.endpoint in ACTIONS:
            continue
        if set(rule.arguments) <= {"fmt", "target"}:
            continue
        status = auditor.get(_url(app, rule, away)).status_code
        if status not in (403, 404):
            problems.append((rule.endpoint, status))
    assert problems == [], "\n".join(map(str, problems))


def test_the_auditor_sees_the_menu_of_a_reader(app, org):
    auditor = client_for(app, "auditor")
    html = auditor.get("/").get_data(as_text=True)
    for label in ("Dasbor IKM", "Penilaian kinerja", "Ulasan 360", "Organisasi", "Log audit", "Tindak lanjut"):
        assert label in html, label
    assert "Mode baca saja" in html

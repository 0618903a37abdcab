"""Every change that issue 15 names, made through the pages as its user would, is in
`flask audit --json` with who, when, before, after and the reason where one is required.

The issue's list, and where each part stands:

- org-chart changes (supervisor, unit, job group, active), duty roster changes, role grants, API
  tokens issued and revoked: here, one step each (`_steps`);
- batch verification and withdrawal, releases of held responses (the score-integrity work): here,
  a paper batch uploaded on the web and verified by a second HR user, then withdrawn, and a burst
  of citizens' forms held by the plausibility rule, then released;
- period settings (direct, and proposed then approved by a second HR user), rater changes,
  objections and their decisions: each needs a whole workflow behind it, so `ELSEWHERE` names the
  test that makes the change through the pages and checks its entry in `audit --json`; the last
  test here checks that those tests exist and look for those very action codes.
"""
from __future__ import annotations

import json
from pathlib import Path
import csv
import io
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import clock
from portal.appraisal.models import ApiToken
from portal.feedback.models import HoldGroup, PaperBatch
from portal.org.models import RosterEntry
from tests.conftest import client_for, confirm_post, csrf_token, post_form


@dataclass
class Step:
    """One change: the action code it must leave, made by `do(clients, org, db)` as `actor`."""

    action: str
    actor: str
    do: object
    before: dict | None
    after: dict | None
    reason: str | None = None


def _employee(employee, **changes):
    data = {"nip": employee.nip, "name": employee.name, "jabatan": employee.jabatan, "unit_id": employee.unit_id,
            "supervisor_id": employee.supervisor_id or 0, "job_group": employee.job_group, "active": "y"}
    data |= changes
    return {key: value for key, value in data.items() if value is not None}


def _edit_employee(**changes):
    def do(clients, org, db):
        officer = org.staff[2]
        db.session.refresh(officer)
        response = post_form(clients["hr"], f"/organisasi/pegawai/{officer.id}", _employee(officer, **changes))
        assert response.status_code == 302
    return do


def _add_shift(clients, org, db):
    response = post_form(clients["hr"], "/organisasi/jadwal", {
        "counter_id": org.counter.id, "employee_id": org.staff[3].id, "weekday": "2", "start_time": "08:00",
        "end_time": "12:00", "valid_from": "2026-01-05"})
    assert response.status_code == 302


def _end_shift(clients, org, db):
    entry = db.session.scalar(select(RosterEntry).where(RosterEntry.employee_id == org.staff[3].id))
    assert post_form(clients["hr"], f"/organisasi/jadwal/{entry.id}/hapus", {},
                     page="/organisasi/jadwal").status_code == 302


def _account(roles):
    def do(clients, org, db):
        user = org.users["atasan"]
        response = post_form(clients["admin"], f"/organisasi/pengguna/{user.id}", {
            "username": user.username, "display_name": user.display_name, "employee_id": user.employee_id,
            "roles": roles, "active": "y"})
        assert response.status_code == 302
    return do


def _issue_token(clients, org, db):
    response = post_form(clients["admin"], "/penilaian/api-token",
                         {"name": "SIMPEG", "unit_id": "0", "scopes": "appraisals:read", "days": "30"})
    assert response.status_code == 200


def _revoke_token(clients, org, db):
    row = db.session.scalar(select(ApiToken))
    assert post_form(clients["admin"], f"/penilaian/api-token/{row.id}/cabut", {},
                     page="/penilaian/api-token").status_code == 302


#: A paper batch's withdrawal and a held burst's release give their reason (both required).
BATCH_REASON = "Formulir ganda dari loket lain"
HOLD_REASON = "Diperiksa dengan rekaman antrean"


def _paper_csv(org) -> bytes:
    """Three paper forms of UJI01, dated yesterday morning (inside the paper window)."""
    day = clock.today(org.instansi.tz) - timedelta(days=1)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["counter", "submitted_at", *[f"u{i}" for i in range(1, 10)], "employee_nip"])
    writer.writerows(["UJI01", f"{day.isoformat()} 09:{minute:02d}", *["4"] * 9, ""] for minute in range(3))
    return out.getvalue().encode()


def _verify_batch(clients, org, db):
    """HR uploads a paper batch on the web; a second HR user verifies it."""
    response = post_form(clients["hr"], "/survei/impor", {"file": (io.BytesIO(_paper_csv(org)), "kertas.csv")},
                         content_type="multipart/form-data")
    assert response.status_code == 302
    batch = db.session.scalar(select(PaperBatch).order_by(PaperBatch.id.desc()))
    token = csrf_token(clients["hr2"], "/integritas/")
    assert clients["hr2"].post(f"/integritas/batch/{batch.id}/verifikasi",
                               data={"csrf_token": token}).status_code == 303


def _withdraw_batch(clients, org, db):
    batch = db.session.scalar(select(PaperBatch).order_by(PaperBatch.id.desc()))
    assert confirm_post(clients["hr"], f"/integritas/batch/{batch.id}/tarik", {f"w{batch.id}-reason": BATCH_REASON},
                        page="/integritas/").status_code == 303


def _release_hold(clients, org, db):
    """Fourteen citizens' forms for one officer at once, each from a browser without cookies: the
    last four are held as a burst; HR releases it with a reason."""
    for i in range(14):
        browser = clients["app"].test_client()
        html = browser.get("/s/UJI01").get_data(as_text=True)
        fields = {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html).group(1),
                  "form_key": re.search(r'id="form_key" name="form_key" type="hidden" value="([^"]+)"', html).group(1)}
        answers = {f"u{n}": "1" for n in range(1, 10)}
        response = browser.post("/s/UJI01", data={**fields, **answers, "officer": str(org.staff[0].id)})
        assert response.status_code == 303
    group = db.session.scalar(select(HoldGroup).where(HoldGroup.status == "open"))
    token = csrf_token(clients["hr"], "/integritas/")
    assert clients["hr"].post(f"/integritas/kelompok/{group.id}/putuskan", data={
        "csrf_token": token, f"d{group.id}-reason": HOLD_REASON, f"d{group.id}-release": "1"}).status_code == 303


def _steps(org) -> list[Step]:
    return [
        Step("org.employee.supervisor", "hr", _edit_employee(supervisor_id=org.head.id),
             {"supervisor_id": org.supervisor.id, "supervisor_nip": org.supervisor.nip},
             {"supervisor_id": org.head.id, "supervisor_nip": org.head.nip}),
        Step("org.employee.unit", "hr", _edit_employee(unit_id=org.other_unit.id),
             {"unit_id": org.unit.id, "unit": "DUKCAPIL"}, {"unit_id": org.other_unit.id, "unit": "DINKES"}),
        Step("org.employee.job_group", "hr", _edit_employee(job_group="back_office"),
             {"job_group": "front_line"}, {"job_group": "back_office"}),
        Step("org.employee.active", "hr", _edit_employee(active=None), {"active": True}, {"active": False}),
        Step("org.roster.add", "hr", _add_shift, None,
             {"counter": "UJI01", "employee_nip": org.staff[3].nip, "weekday": 2, "start_time": "08:00:00",
              "end_time": "12:00:00", "valid_from": "2026-01-05"}),
        # A shift that ran is ended (valid up to yesterday), never deleted: past rosters stay checkable.
        Step("org.roster.end", "hr", _end_shift, {"valid_to": None},
             {"valid_to": (clock.today(org.instansi.tz) - timedelta(days=1)).isoformat()}),
        Step("accounts.role.grant", "admin", _account(["supervisor", "employee", "hr"]), None, {"role": "hr"}),
        Step("accounts.role.revoke", "admin", _account(["supervisor", "employee"]), {"role": "hr"}, None),
        Step("api_token.issue", "admin", _issue_token, None, {"name": "SIMPEG", "scopes": "appraisals:read"}),
        Step("api_token.revoke", "admin", _revoke_token, {"revoked_at": None}, {}),
        Step("feedback.batch.verify", "hr2", _verify_batch, {"status": "pending", "counted": 0},
             {"status": "verified", "counted": 3}),
        Step("feedback.batch.withdraw", "hr", _withdraw_batch, {"status": "verified", "counted": 3},
             {"status": "withdrawn", "counted": 0}, reason=BATCH_REASON),
        Step("feedback.hold.release", "hr", _release_hold, {"status": "open", "held": 4},
             {"status": "released", "held": 0}, reason=HOLD_REASON),
    ]


def _contains(whole: dict | None, part: dict | None) -> bool:
    if part is None:
        return whole is None
    return whole is not None and all(whole.get(key) == value for key, value in part.items())


def test_every_change_the_issue_names_is_in_the_audit_command(app, runner, db, org, factory):
    factory.user(org.instansi, "hr2", {"hr"})  # the second pair of eyes on a paper batch
    db.session.commit()
    clients = {"hr": client_for(app, "hr"), "hr2": client_for(app, "hr2"), "admin": client_for(app, "admin"),
               "app": app}
    start = clock.now().replace(microsecond=0) + timedelta(minutes=1)
    steps = _steps(org)
    moments = {}
    for number, step in enumerate(steps):
        moment = start + timedelta(minutes=number)
        with clock.frozen(moment):
            step.do(clients, org, db)
        moments[step.action] = moment
    result = runner.invoke(args=["audit", "--json"])
    assert result.exit_code == 0, result.output
    entries = json.loads(result.output)
    missing = []
    for step in steps:
        found = [e for e in entries if e["action"] == step.action and e["at"] == moments[step.action].isoformat()]
        if len(found) != 1:
            missing.append((step.action, "not recorded once at its moment", len(found)))
            continue
        [entry] = found
        if entry["actor"] != step.actor:
            missing.append((step.action, "actor", entry["actor"]))
        if not _contains(entry["before"], step.before) or not _contains(entry["after"], step.after):
            missing.append((step.action, "before/after", entry["before"], entry["after"]))
        if step.reason is not None and entry["reason"] != step.reason:
            missing.append((step.action, "reason", entry["reason"]))
        assert set(entry) == {"at", "actor", "action", "object", "before", "after", "reason"}
    assert missing == [], missing


#: Parts whose change needs a whole workflow behind it (a frozen period, a confirmed record, a 360
#: draft): the named test makes the change through the pages as its user would and asserts the
#: entry in `audit --json` with its actor (and reason where one is required).
ELSEWHERE = {
    "appraisal.period.update": "tests/portal/test_settings_frozen.py::test_the_name_still_changes_directly_once_frozen",
    "appraisal.settings.": "tests/portal/test_settings_frozen.py::test_a_settings_change_after_confirmation_needs_two_hr_users",
    "reviews.rater": "tests/portal/test_segregation.py::test_only_the_recorded_atasan_is_the_atasan_rater",
    "appraisal.objection.file": "tests/portal/test_keberatan.py::test_an_objection_filed_explained_and_decided",
    "appraisal.objection.decide": "tests/portal/test_keberatan.py::test_an_objection_filed_explained_and_decided",
}

ISSUE_LIST = [
    pytest.param("org.employee.supervisor", id="org chart: supervisor"),
    pytest.param("org.employee.unit", id="org chart: unit"),
    pytest.param("org.employee.job_group", id="org chart: job group"),
    pytest.param("org.employee.active", id="org chart: active"),
    pytest.param("org.roster.", id="duty roster"),
    pytest.param("appraisal.period.update", id="period settings"),
    pytest.param("appraisal.settings.", id="settings proposals"),
    pytest.param("reviews.rater", id="rater changes"),
    pytest.param("feedback.batch.verify", id="batch verification"),
    pytest.param("feedback.batch.withdraw", id="batch withdrawal"),
    pytest.param("appraisal.objection.file", id="objections"),
    pytest.param("appraisal.objection.decide", id="objection decisions"),
    pytest.param("feedback.hold.release", id="releases of held responses"),
    pytest.param("accounts.role.grant", id="role grants"),
    pytest.param("api_token.issue", id="API tokens issued"),
    pytest.param("api_token.revoke", id="API tokens revoked"),
]


@pytest.mark.parametrize("family", ISSUE_LIST)
def test_the_steps_cover_the_issues_list(org, family):
    """Each part of the issue's list is made by at least one step of the test above, or by the
    test ELSEWHERE names, which exists and checks that very action code in `audit --json`."""
    if family in ELSEWHERE:
        path, name = ELSEWHERE[family].split("::")
        source = (Path(__file__).parents[2] / path).read_text(encoding="utf-8")
        assert f"def {name}(" in source, ELSEWHERE[family]
        body = source.split(f"def {name}(", 1)[1].split("\ndef ", 1)[0]
        assert '"audit", "--json"' in body or "audit_json(" in body, ELSEWHERE[family]
        assert family.rstrip(".") in body or family.rsplit(".", 1)[0] in body, (family, ELSEWHERE[family])
        return
    assert any(step.action.startswith(family) for step in _steps(org)), family

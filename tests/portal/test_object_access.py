"""Objects, not only roles: every URL that names an object is tried with real objects, taken from
the URL map, as each role.

- Another instansi's object does not exist for anyone: 404 for every role that may open the page
  at all (403 for the others, the login page for nobody signed in), and nothing of it changes.
- The tests' own instansi: the roles the role table allows get the page; another unit's object
  (for a unit head) and another person's (for an employee or a supervisor) are refused where the
  role table denies them (`REFUSED`).
- A new endpoint that names an object and has no entry in `OBJECTS` fails the suite.
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import url_for

from sqlalchemy import select

from portal.access import SIGNED_IN, declared_access, refused_as_read_only
from tests.conftest import client_for, csrf_token
from tests.portal.object_world import Side, build_world


@dataclass(frozen=True)
class Target:
    """How to fill an endpoint's arguments from one instansi's objects, and which "other" object of
    the same instansi the role table tells apart: "unit" (a loket, a unit's page), "person" (an
    employee's record or report) or None (an object of the instansi as a whole)."""

    values: object
    other: str | None = None


def _place(side: Side, other: bool):
    return side.other if other else side.unit


OBJECTS: dict[str, Target] = {
    # 360 reviews
    "reviews.cycle": Target(lambda s, o: {"cycle_id": s.cycle.id}),
    "reviews.threshold": Target(lambda s, o: {"cycle_id": s.cycle.id}),
    "reviews.expectations": Target(lambda s, o: {"cycle_id": s.cycle.id,
                                                 "reviewee_id": (s.other_employee if o else s.employee).id}, "person"),
    "reviews.nominate": Target(lambda s, o: {"cycle_id": s.draft.id}),
    "reviews.withdraw_nomination": Target(lambda s, o: {"cycle_id": s.draft.id, "invitation_id": s.nomination.id}),
    "reviews.reminders": Target(lambda s, o: {"cycle_id": s.cycle.id}),
    "reviews.add_rater": Target(lambda s, o: {"cycle_id": s.cycle.id}),
    "reviews.remove_rater": Target(lambda s, o: {"cycle_id": s.draft.id, "invitation_id": s.nomination.id}),
    "reviews.approve": Target(lambda s, o: {"cycle_id": s.draft.id, "invitation_id": s.nomination.id}),
    "reviews.change_state": Target(lambda s, o: {"cycle_id": s.cycle.id, "target": "closed"}),
    "reviews.reopen": Target(lambda s, o: {"cycle_id": s.cycle.id}),
    "reviews.dates": Target(lambda s, o: {"cycle_id": s.cycle.id}),
    "reviews.links": Target(lambda s, o: {"cycle_id": s.cycle.id}),
    "reviews.resend": Target(lambda s, o: {"cycle_id": s.cycle.id, "rater_id": s.employee.id}),
    "reviews.invitations": Target(lambda s, o: {"cycle_id": s.cycle.id, "rater_id": s.employee.id}),
    "reviews.team": Target(lambda s, o: {"cycle_id": s.cycle.id}),
    "reviews.propose": Target(lambda s, o: {"cycle_id": s.cycle.id}),
    "reviews.questionnaire": Target(lambda s, o: {"questionnaire_id": s.questionnaire.id}),
    "reviews.add_item": Target(lambda s, o: {"questionnaire_id": s.questionnaire.id}),
    "reviews.update_item": Target(lambda s, o: {"questionnaire_id": s.questionnaire.id, "item_id": s.item.id}),
    "reviews.remove_item": Target(lambda s, o: {"questionnaire_id": s.questionnaire.id, "item_id": s.item.id}),
    "reviews.copy_questionnaire": Target(lambda s, o: {"questionnaire_id": s.questionnaire.id}),
    "review_rater.report_index": Target(lambda s, o: {"cycle_id": s.released.id}),
    "review_rater.report": Target(lambda s, o: {"cycle_id": s.released.id,
                                                "employee_id": (s.other_employee if o else s.employee).id}, "person"),
    # dashboards, kiosks, lokets and their printouts
    "insight.unit": Target(lambda s, o: {"code": _place(s, o).unit.code}, "unit"),
    "kiosk.create_code": Target(lambda s, o: {"counter_id": _place(s, o).counter.id}, "unit"),
    "kiosk.revoke": Target(lambda s, o: {"device_id": _place(s, o).device.id}, "unit"),
    "counters.poster": Target(lambda s, o: {"code": _place(s, o).counter.code}, "unit"),
    "counters.counter_qr": Target(lambda s, o: {"code": _place(s, o).counter.code, "fmt": "svg"}, "unit"),
    "counters.tickets": Target(lambda s, o: {"code": _place(s, o).counter.code}, "unit"),
    "counters.rate_limit": Target(lambda s, o: {"code": _place(s, o).counter.code}, "unit"),
    # the Integritas data queue: a held burst and a paper batch of a unit
    "integrity.decide": Target(lambda s, o: {"group_id": _place(s, o).hold_group.id}, "unit"),
    "integrity.note": Target(lambda s, o: {"group_id": _place(s, o).hold_group.id}, "unit"),
    "integrity.verify_batch": Target(lambda s, o: {"batch_id": _place(s, o).paper_batch.id}, "unit"),
    "integrity.withdraw_batch": Target(lambda s, o: {"batch_id": _place(s, o).paper_batch.id}, "unit"),
    "counters.batch_csv": Target(lambda s, o: {"code": _place(s, o).counter.code, "batch_id": _place(s, o).batch.id},
                                 "unit"),
    "counters.officer_nameplate": Target(lambda s, o: {"public_code": (s.other_employee if o else s.employee).public_code},
                                         "unit"),
    "counters.officer_qr": Target(lambda s, o: {"public_code": (s.other_employee if o else s.employee).public_code,
                                                "fmt": "svg"}, "unit"),
    "counters.unit_nameplates": Target(lambda s, o: {"unit_code": _place(s, o).unit.code}, "unit"),
    "counters.unit_posters": Target(lambda s, o: {"unit_code": _place(s, o).unit.code}, "unit"),
    # organisation data
    "org.delete_roster_entry": Target(lambda s, o: {"entry_id": s.entry.id}),
    "org.edit_service": Target(lambda s, o: {"service_id": s.service.id}),
    "org.edit_counter": Target(lambda s, o: {"counter_id": s.unit.counter.id}),
    "org.edit_employee": Target(lambda s, o: {"employee_id": s.employee.id}),
    "account_admin.edit_user": Target(lambda s, o: {"user_id": s.user.id}),
    "org.edit_unit": Target(lambda s, o: {"unit_id": s.unit.unit.id}),
    # appraisal
    "appraisal_out.recognition": Target(lambda s, o: {"period_id": s.period.id}),
    "appraisal_out.certificate": Target(lambda s, o: {"period_id": s.period.id, "employee_id": s.employee.id}),
    "appraisal_out.export_page": Target(lambda s, o: {"period_id": s.period.id}),
    "appraisal_out.export_csv": Target(lambda s, o: {"period_id": s.period.id}),
    "appraisal_out.export_xlsx": Target(lambda s, o: {"period_id": s.period.id}),
    "appraisal_out.development": Target(lambda s, o: {"period_id": s.period.id}),
    "appraisal_out.development_csv": Target(lambda s, o: {"period_id": s.period.id}),
    "appraisal_out.revoke_api_token": Target(lambda s, o: {"token_id": s.token.id}),
    "appraisal_out.sheet": Target(lambda s, o: {"record_id": (s.other_record if o else s.record).id}, "person"),
    "appraisal.record": Target(lambda s, o: {"record_id": (s.other_record if o else s.record).id}, "person"),
    "appraisal.reopen": Target(lambda s, o: {"record_id": s.record.id}),
    "appraisal.finalise": Target(lambda s, o: {"record_id": s.record.id}),
    "appraisal.hasil_kerja": Target(lambda s, o: {"record_id": (s.other_record if o else s.record).id}, "person"),
    "appraisal.return_to_draft": Target(lambda s, o: {"record_id": s.record.id}),
    "appraisal.confirm": Target(lambda s, o: {"record_id": (s.other_record if o else s.record).id}, "person"),
    "appraisal.period": Target(lambda s, o: {"period_id": s.period.id}),
    "appraisal.merge": Target(lambda s, o: {"period_id": s.period.id}),
    "appraisal.import_hasil_kerja": Target(lambda s, o: {"period_id": s.period.id}),
    "appraisal.edit_period": Target(lambda s, o: {"period_id": s.period.id}),
    "appraisal.unit": Target(lambda s, o: {"period_id": s.period.id, "unit_id": s.unit.unit.id}),
    "appraisal.finalise_unit": Target(lambda s, o: {"period_id": s.period.id, "unit_id": s.unit.unit.id}),
    "appraisal_duty.file_objection": Target(lambda s, o: {"record_id": (s.other_record if o else s.record).id},
                                            "person"),
    "appraisal_duty.waive_objection": Target(lambda s, o: {"record_id": (s.other_record if o else s.record).id},
                                             "person"),
    "appraisal_duty.objection": Target(lambda s, o: {"objection_id": s.objection.id}),
    "appraisal_duty.explain": Target(lambda s, o: {"objection_id": s.objection.id}),
    "appraisal_duty.decide": Target(lambda s, o: {"objection_id": s.objection.id}),
    "appraisal_duty.reassign": Target(lambda s, o: {"record_id": s.record.id}),
    "appraisal_duty.settings_changes_page": Target(lambda s, o: {"period_id": s.period.id}),
    "appraisal_duty.approve_settings": Target(lambda s, o: {"change_id": s.settings_change.id}),
    "appraisal_duty.decline_settings": Target(lambda s, o: {"change_id": s.settings_change.id}),
    # follow-up: the unit's saran, alerts, tindak lanjut and laporan
    "followup.laporan": Target(lambda s, o: {"code": _place(s, o).unit.code}, "unit"),
    "followup.laporan_xlsx": Target(lambda s, o: {"code": _place(s, o).unit.code}, "unit"),
    "followup.acknowledge_alert": Target(lambda s, o: {"alert_id": _place(s, o).alert.id}, "unit"),
    "followup.close_alert": Target(lambda s, o: {"alert_id": _place(s, o).alert.id}, "unit"),
    "followup.update_comment": Target(lambda s, o: {"comment_id": _place(s, o).comment.id}, "unit"),
    "followup.follow_up_status": Target(lambda s, o: {"follow_up_id": _place(s, o).follow_up.id}, "unit"),
    "followup.unit_follow_ups": Target(lambda s, o: {"code": _place(s, o).unit.code}, "unit"),
    "followup.alert_rule": Target(lambda s, o: {"code": _place(s, o).unit.code}, "unit"),
}

#: Endpoints whose arguments name no object of an instansi's staff pages, and why.
NOT_OBJECTS = {
    "static": "files",
    "main.switch_language": "a language code",
    "feedback.survey": "the citizen's form: public, by loket code",
    "feedback.thanks": "public, by loket code",
    "feedback.ticket": "public, by ticket code",
    "feedback.officer": "public, by an officer's name-plate code",
    "publik.unit": "the public results of a unit that publishes them",
    "kiosk.kiosk": "a paired tablet, by loket code and its own cookie",
    "kiosk.reason": "a paired tablet",
    "kiosk.pair": "pairing a tablet with a one-time code",
    "kiosk.thanks": "a paired tablet",
    "review_rater.answer": "the rater's own link",
    "review_rater.thanks": "the rater's own link",
}

#: Roles tried, as (login, the roles that account holds). "kepala" heads DUKCAPIL (the home unit):
#: a supervisor who manages a unit; "atasan" supervises DUKCAPIL's staff and manages no unit.
ROLES = {"pegawai": {"employee"}, "atasan": {"supervisor", "employee"}, "kepala": {"supervisor", "employee"},
         "hr": {"hr", "employee"}, "admin": {"admin"}, "auditor": {"auditor"}}


def _rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.arguments and rule.endpoint not in NOT_OBJECTS]


def test_every_endpoint_that_names_an_object_is_in_the_object_table(app):
    missing = sorted(rule.endpoint for rule in _rules(app) if rule.endpoint not in OBJECTS)
    assert missing == [], "add these endpoints to OBJECTS in tests/portal/test_object_access.py"
    assert sorted(set(OBJECTS) - {rule.endpoint for rule in _rules(app)}) == []


def _url(app, endpoint, values) -> str:
    with app.test_request_context():
        return url_for(endpoint, **values)


def _requests(app, side: Side, other: bool):
    """(endpoint, method, url) for every object URL, the GETs first and the POSTs that delete last."""
    found = []
    for rule in _rules(app):
        target = OBJECTS[rule.endpoint]
        if other and target.other is None:
            continue
        url = _url(app, rule.endpoint, target.values(side, other))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, url))
    deleting = ("remove", "delete", "revoke", "withdraw")
    return sorted(found, key=lambda r: (r[1] == "POST", any(word in r[0] for word in deleting), r[0]))


UNIT_PAGES = frozenset(endpoint for endpoint, target in OBJECTS.items() if target.other == "unit")
PERSON_PAGES = frozenset(endpoint for endpoint, target in OBJECTS.items() if target.other == "person")
#: The pages of a record its Atasan Pejabat Penilai opens while an objection waits for him.
ATASAN_PENILAI_PAGES = frozenset({"appraisal.record", "appraisal_out.sheet", "appraisal.confirm",
                                  "appraisal.hasil_kerja", "appraisal_duty.file_objection",
                                  "appraisal_duty.waive_objection"})
#: What the role table refuses in the tests' own instansi, by (login, whose object). "own" is the
#: home unit (DUKCAPIL) and its officer `pegawai` (staff[0], whose supervisor is `atasan`);
#: "other" another unit (DINKES) and a DINKES officer.
REFUSED: dict[tuple[str, str], frozenset[str]] = {
    # An employee reads and acts on their own record and report only.
    ("pegawai", "other"): PERSON_PAGES,
    # A supervisor who heads no unit manages no loket; they act for their direct reports only;
    # a nomination is withdrawn by the employee who made it.
    ("atasan", "own"): UNIT_PAGES | {"reviews.withdraw_nomination"},
    ("atasan", "other"): UNIT_PAGES | PERSON_PAGES,
    # The head of DUKCAPIL manages its lokets, not DINKES's; `pegawai` is not his direct report,
    # but he is the Atasan Pejabat Penilai of `pegawai`'s record, whose keberatan waits for him: he
    # reads the record and its sheet, and its forms answer him with the services' refusal (the
    # record's state is unchanged; test_segregation and test_keberatan read the refusals).
    ("kepala", "own"): (PERSON_PAGES - ATASAN_PENILAI_PAGES) | {
        "reviews.approve", "reviews.remove_rater", "reviews.withdraw_nomination"},
    ("kepala", "other"): UNIT_PAGES | PERSON_PAGES,
    # HR and the admin have no team of their own; the admin is no employee and nominates nobody.
    ("hr", "own"): frozenset({"reviews.team", "reviews.withdraw_nomination"}),
    ("admin", "own"): frozenset({"reviews.team", "reviews.nominate", "reviews.withdraw_nomination"}),
    # The auditor reads everything of its instansi that HR reads (record printouts too) and changes
    # nothing (every change is 403 above); he is no employee and nominates nobody.
    ("auditor", "own"): frozenset({"reviews.nominate", "reviews.withdraw_nomination"}),
    ("auditor", "other"): frozenset(),
}


@pytest.fixture
def world(factory, org, head_client):
    """The home instansi (with `kepala`, the head of DUKCAPIL) and another instansi, full of objects."""
    return build_world(factory, org)


def _open(client, token, method, url):
    data = {"csrf_token": token} if method == "POST" else None
    return client.open(url, method=method, data=data, headers={"Accept": "text/html"})


def _outcome(status: int) -> str:
    if status >= 500:
        return "server error"
    return {403: "refused", 404: "refused", 401: "refused"}.get(status, "ok")


def _state(db, side: Side) -> dict:
    """What a request could change about one instansi's objects, read from the database."""
    from portal.kiosk.models import KioskDevice
    from portal.org.models import RosterEntry
    from portal.reviews.models import QuestionnaireItem, ReviewInvitation

    db.session.expire_all()
    places = (side.unit, side.other)
    return {
        "cycle": side.cycle.state, "released": side.released.state, "draft": side.draft.state,
        "threshold": side.cycle.threshold, "closes_on": side.cycle.closes_on,
        "nomination": db.session.get(ReviewInvitation, side.nomination.id) is not None,
        "items": db.session.scalars(select(QuestionnaireItem.text).where(
            QuestionnaireItem.questionnaire_id == side.questionnaire.id).order_by(QuestionnaireItem.id)).all(),
        "entry": db.session.get(RosterEntry, side.entry.id) is not None,
        "records": [(side.record.status, side.record.rating_hasil_kerja, side.record.penilai_id,
                     side.record.objection_waived_at), side.other_record.status],
        "objection": (side.objection.status, side.objection.penilai_explanation, side.objection.decided_by_id),
        "settings_change": side.settings_change.status,
        "period": (side.period.name, side.period.min_citizen_n),
        "token": side.token.revoked_at,
        "user": (side.user.active, side.user.display_name),
        "names": (side.unit.unit.name, side.unit.counter.name, side.service.name, side.employee.name),
        "places": [(p.alert.status, p.comment.status, p.follow_up.status,
                    db.session.get(KioskDevice, p.device.id).revoked_at, p.hold_group.status,
                    p.paper_batch.status, p.counter.rate_limit) for p in places],
    }


@pytest.mark.parametrize("username", [None, *ROLES])
def test_objects_of_another_instansi_do_not_exist_and_the_role_table_holds_for_ours(app, db, world, username):
    home, away = world
    client = client_for(app, username) if username else app.test_client()
    token = csrf_token(client, "/akun" if username else "/masuk")
    roles = ROLES.get(username, set())
    away_before = _state(db, away)
    problems = []
    for whose, side, other in (("another instansi", away, False), ("own", home, False), ("other", home, True)):
        for endpoint, method, url in _requests(app, side, other):
            allowed = declared_access(endpoint)
            response = _open(client, token, method, url)
            status = response.status_code
            if username is None:
                ok = status == 302 and "/masuk" in response.headers["Location"]
                expected = "the login page"
            elif not (SIGNED_IN in allowed or roles & allowed):
                ok, expected = status == 403, "403"
            elif refused_as_read_only(endpoint, method, roles):
                # A read-only role is refused every change with 403, whoever's object: it tells nothing.
                ok, expected = status == 403, "403 (read-only)"
            elif whose == "another instansi":
                ok, expected = status == 404, "404"
            else:
                expected = "refused" if endpoint in REFUSED.get((username, whose), ()) else "ok"
                ok = _outcome(status) == expected
            if not ok:
                problems.append((whose, method, url, endpoint, status, f"expected {expected}"))
    assert problems == []
    assert _state(db, away) == away_before, "a request changed another instansi's objects"


@pytest.mark.parametrize("username", ["hr", "admin", "auditor"])
def test_the_audit_log_shows_only_its_own_instansi(app, world, username):
    """Both instansi recorded changes (each confirmed an appraisal record, issued tickets and a
    token); the log and its CSV show this instansi's, and nothing of the other's."""
    home, away = world
    client = client_for(app, username)
    for url in ("/audit/", "/audit/audit.csv"):
        response = client.get(url)
        text = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert f"appraisal_record:{home.record.id}" in text and f"api_token:{home.token.id}" in text, url
        for trace in (f"appraisal_record:{away.record.id}", f"api_token:{away.token.id}", away.user.username):
            assert trace not in text, (url, trace)

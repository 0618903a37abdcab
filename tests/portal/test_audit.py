"""The instansi-wide audit log: every change outside the appraisal and survey features is
recorded with who, when, before and after; the database refuses to change it; HR, admins and
auditors read it (page, CSV, `flask audit`), nobody else; the auditor changes nothing."""
from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from portal import audit, clock
from portal.access import PUBLIC, SIGNED_IN, declared_access
from portal.accounts.models import User
from portal.appraisal.models import ApiToken, AppraisalPeriod, AppraisalRecord, AuditEntry
from portal.audit.models import AuditEvent
from portal.org.models import Employee, RosterEntry
from tests.conftest import csrf_token, post_form
from tests.factories import new_nip
from tests.portal.org_import_helpers import import_via_pages

#: 2026-03-02 09:00 in Mataram (WITA, UTC+8), the small org's time zone.
MORNING = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)


def audit_json(runner, *options):
    result = runner.invoke(args=["audit", "--json", *options])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def by_action(entries, action):
    return [e for e in entries if e["action"] == action]


def page(client, **filters):
    response = client.get("/audit/", query_string=filters)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def employee_form(employee, **changes):
    data = {"nip": employee.nip, "name": employee.name, "jabatan": employee.jabatan, "unit_id": employee.unit_id,
            "supervisor_id": employee.supervisor_id or 0, "job_group": employee.job_group}
    data.update({"active": "y"} if employee.active else {})
    data.update({"is_unit_head": "y"} if employee.is_unit_head else {})
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- what is recorded ------------------------------------------------------------------------------

def test_hr_editing_an_employee_records_each_org_chart_change(hr_client, runner, org, db):
    officer = org.staff[1]
    with clock.frozen(MORNING):
        response = post_form(hr_client, f"/organisasi/pegawai/{officer.id}", employee_form(
            officer, supervisor_id=org.head.id, unit_id=org.other_unit.id, job_group="back_office", active=None,
            is_unit_head="y"))
    assert response.status_code == 302
    entries = audit_json(runner, "--employee", officer.nip)
    assert [e["action"] for e in entries] == [
        "org.employee.supervisor", "org.employee.unit", "org.employee.job_group", "org.employee.active",
        "org.employee.unit_head"]
    assert {e["actor"] for e in entries} == {"hr"} and {e["object"] for e in entries} == {f"employee:{officer.id}"}
    assert {e["at"] for e in entries} == {"2026-03-02T01:00:00+00:00"}
    supervisor, unit, job_group, active, head = entries
    assert supervisor["before"] == {"supervisor_id": org.supervisor.id, "supervisor_nip": org.supervisor.nip}
    assert supervisor["after"] == {"supervisor_id": org.head.id, "supervisor_nip": org.head.nip}
    assert (unit["before"], unit["after"]) == ({"unit": "DUKCAPIL", "unit_id": org.unit.id},
                                               {"unit": "DINKES", "unit_id": org.other_unit.id})
    assert (job_group["before"], job_group["after"]) == ({"job_group": "front_line"}, {"job_group": "back_office"})
    assert (active["before"], active["after"]) == ({"active": True}, {"active": False})
    assert (head["before"], head["after"]) == ({"is_unit_head": False}, {"is_unit_head": True})
    with clock.frozen(MORNING):  # the same session, still fresh at the moment it last wrote
        html = page(hr_client, pegawai=officer.nip)
    assert "org.employee.supervisor" in html and org.head.nip in html and "Atasan langsung diubah" in html


def test_saving_an_unchanged_employee_records_nothing(hr_client, runner, org):
    officer = org.staff[1]
    assert post_form(hr_client, f"/organisasi/pegawai/{officer.id}", employee_form(officer)).status_code == 302
    assert audit_json(runner, "--employee", officer.nip) == []


def test_a_new_employee_is_recorded_with_their_place_in_the_org_chart(hr_client, runner, org, db):
    nip = new_nip()
    response = post_form(hr_client, "/organisasi/pegawai", {
        "nip": nip, "name": "Baiq Baru", "unit_id": org.unit.id, "supervisor_id": org.supervisor.id,
        "job_group": "front_line", "active": "y"})
    assert response.status_code == 302
    [entry] = audit_json(runner, "--employee", nip)
    assert entry["action"] == "org.employee.create" and entry["actor"] == "hr" and entry["before"] is None
    assert entry["after"] == {"nip": nip, "name": "Baiq Baru", "unit": "DUKCAPIL", "unit_id": org.unit.id,
                              "supervisor_id": org.supervisor.id, "supervisor_nip": org.supervisor.nip,
                              "job_group": "front_line", "active": True, "is_unit_head": False}


def _csv(rows, header="nip,nama,jabatan,unit,nip_atasan,aktif"):
    return (header + "\n" + "\n".join(",".join(r) for r in rows) + "\n").encode()


def test_the_employee_import_records_its_changes_as_the_importer(hr_client, runner, org, db, tmp_path):
    moved, nip = org.staff[2], new_nip()
    data = _csv([[nip, "Lalu Impor", "Staf", "DUKCAPIL", org.supervisor.nip, "ya"],
                 [moved.nip, moved.name, moved.jabatan, "DUKCAPIL", org.head.nip, "ya"]])
    response = import_via_pages(hr_client, data)
    assert response.status_code == 302
    [created] = audit_json(runner, "--employee", nip)
    assert (created["action"], created["actor"], created["after"]["supervisor_nip"]) == (
        "org.employee.create", "hr", org.supervisor.nip)
    [change] = audit_json(runner, "--employee", moved.nip)
    assert (change["action"], change["actor"]) == ("org.employee.supervisor", "hr")
    assert change["after"]["supervisor_nip"] == org.head.nip
    # The command line's import is recorded as the command's.
    path = tmp_path / "pegawai.csv"
    path.write_bytes(_csv([[moved.nip, moved.name, moved.jabatan, "DUKCAPIL", org.head.nip, "tidak"]]))
    assert runner.invoke(args=["import-employees", str(path)]).exit_code == 0
    last = audit_json(runner, "--employee", moved.nip)[-1]
    assert (last["action"], last["actor"], last["before"], last["after"]) == (
        "org.employee.active", "import-employees", {"active": True}, {"active": False})


def test_roster_shifts_added_ended_and_removed_are_recorded(hr_client, runner, org, db):
    officer = org.staff[3]
    with clock.frozen(datetime(2026, 3, 10, 4, 0, tzinfo=timezone.utc)):
        for valid_from in ("2026-01-01", "2026-04-01"):
            response = post_form(hr_client, "/organisasi/jadwal", {
                "counter_id": org.counter.id, "employee_id": officer.id, "weekday": "0", "start_time": "08:00",
                "end_time": "15:30", "valid_from": valid_from})
            assert response.status_code == 302
        running, planned = db.session.scalars(select(RosterEntry).where(RosterEntry.employee_id == officer.id)
                                              .order_by(RosterEntry.valid_from)).all()
        for entry in (running, planned):
            assert post_form(hr_client, f"/organisasi/jadwal/{entry.id}/hapus", {},
                             page="/organisasi/jadwal").status_code == 302
    added, _planned, ended, removed = audit_json(runner, "--employee", officer.nip)
    shift = {"counter": "UJI01", "counter_id": org.counter.id, "employee_id": officer.id,
             "employee_nip": officer.nip, "weekday": 0, "start_time": "08:00:00", "end_time": "15:30:00",
             "valid_from": "2026-01-01", "valid_to": None}
    assert (added["action"], added["before"], added["after"]) == ("org.roster.add", None, shift)
    # A shift that ran is ended (kept, so past rosters stay checkable); one that never ran is removed.
    assert (ended["action"], ended["before"], ended["after"]) == (
        "org.roster.end", {"valid_to": None}, {"valid_to": "2026-03-09"})
    assert (removed["action"], removed["after"]) == ("org.roster.remove", None)
    assert removed["before"]["valid_from"] == "2026-04-01"
    assert added["object"] == ended["object"] == f"roster_entry:{running.id}"
    with clock.frozen(datetime(2026, 3, 10, 4, 0, tzinfo=timezone.utc)):  # the session, still fresh then
        assert "org.roster.end" in page(hr_client, aksi="org.roster", unit=org.unit.id)


def test_accounts_roles_and_activation_are_recorded(admin_client, runner, org, db):
    linked = org.staff[3]
    response = post_form(admin_client, "/organisasi/pengguna", {
        "username": "kabid", "display_name": "Kepala Bidang", "employee_id": linked.id,
        "roles": ["hr", "employee"], "password": "Bidang-Uji-2026", "active": "y"})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "kabid"))
    response = post_form(admin_client, f"/organisasi/pengguna/{user.id}", {
        "username": "kabid", "display_name": "Kepala Bidang", "employee_id": linked.id,
        "roles": ["employee", "auditor"]})
    assert response.status_code == 302
    entries = audit_json(runner, "--employee", linked.nip)
    assert [(e["action"], e["before"], e["after"]) for e in entries] == [
        ("accounts.user.create", None, {"username": "kabid", "display_name": "Kepala Bidang", "active": True,
                                        "employee_id": linked.id, "employee_nip": linked.nip}),
        ("accounts.role.grant", None, {"role": "employee"}),
        ("accounts.role.grant", None, {"role": "hr"}),
        ("accounts.role.revoke", {"role": "hr"}, None),
        ("accounts.role.grant", None, {"role": "auditor"}),
        ("accounts.user.deactivate", {"active": True}, {"active": False}),
    ]
    assert {e["actor"] for e in entries} == {"admin"} and {e["object"] for e in entries} == {f"user_account:{user.id}"}
    assert "accounts.role.revoke" in page(admin_client, aksi="accounts.role")


def test_the_create_user_command_is_recorded_as_the_command(runner, org, db):
    result = runner.invoke(args=["create-user", "inspektur", "--role", "auditor"], input="Pemeriksa-2026\nPemeriksa-2026\n")
    assert result.exit_code == 0, result.output
    entries = [e for e in audit_json(runner) if e["action"].startswith("accounts.")]
    assert [(e["action"], e["actor"]) for e in entries] == [
        ("accounts.user.create", "create-user"), ("accounts.role.grant", "create-user")]


def test_api_tokens_issued_and_revoked_are_recorded(admin_client, runner, org, db):
    response = post_form(admin_client, "/penilaian/api-token",
                         {"name": "SIMPEG", "unit_id": str(org.other_unit.id), "scopes": "appraisals:read"})
    assert response.status_code == 200
    row = db.session.scalar(select(ApiToken))
    assert post_form(admin_client, f"/penilaian/api-token/{row.id}/cabut", {},
                     page="/penilaian/api-token").status_code == 302
    issued, revoked = [e for e in audit_json(runner) if e["action"].startswith("api_token.")]
    assert (issued["action"], issued["actor"], issued["object"]) == ("api_token.issue", "admin", f"api_token:{row.id}")
    assert issued["after"] == {"name": "SIMPEG", "prefix": row.prefix, "scopes": "appraisals:read", "unit": "DINKES",
                               "expires_at": row.expires_at.isoformat()}
    assert row.prefix not in json.dumps(issued["before"]) and len(row.prefix) == 12  # never the whole token
    assert (revoked["action"], revoked["before"]) == ("api_token.revoke", {"revoked_at": None})
    assert revoked["after"]["revoked_at"].startswith(str(row.revoked_at.year))
    assert "api_token.revoke" in page(admin_client, unit=org.other_unit.id)


# --- the record service ------------------------------------------------------------------------------

def test_record_keeps_only_changed_fields_json_safe(org, db):
    event = audit.record("org.test", instansi_id=org.instansi.id, actor=None, object_type="thing", object_id=7,
                         before={"a": Decimal("80.50"), "b": date(2026, 1, 2), "same": 1},
                         after={"a": Decimal("82.0"), "b": date(2026, 1, 3), "same": 1})
    db.session.flush()
    assert json.loads(event.before) == {"a": "80.5", "b": "2026-01-02"}
    assert json.loads(event.after) == {"a": "82", "b": "2026-01-03"}
    assert (event.actor_id, event.actor_label) == (None, "sistem")
    assert audit.record("org.test", instansi_id=org.instansi.id, actor=org.users["hr"], object_type="thing",
                        before={"a": 1}, after={"a": 1}) is None
    with pytest.raises(ValueError):
        audit.record("org.test", instansi_id=org.instansi.id, actor=None)


def test_the_database_refuses_to_change_or_delete_audit_events(org, db):
    event = audit.record("org.test", instansi_id=org.instansi.id, actor=org.users["hr"], object_type="thing",
                         object_id=1, after={"x": 1})
    db.session.flush()
    for statement in ("UPDATE audit_event SET reason = 'x' WHERE id = :id",
                      "UPDATE audit_event SET actor_label = 'someone else' WHERE id = :id",
                      "DELETE FROM audit_event WHERE id = :id"):
        with pytest.raises(DBAPIError, match="append-only"):
            with db.session.begin_nested():
                db.session.execute(text(statement), {"id": event.id})
    assert db.session.scalar(select(AuditEvent.actor_label).where(AuditEvent.id == event.id)) == "hr"


# --- reading: filters, the appraisal audit, CSV, the command ------------------------------------------

def _event(org, action, at, *, employee=None, unit=None, period=None, reason=None, label="", instansi=None):
    with clock.frozen(at):
        audit.record(action, instansi_id=(instansi or org.instansi).id, actor=org.users["hr"], object_type="thing",
                     object_id=1, label=label, after={"x": action}, reason=reason,
                     employee_id=employee.id if employee else None, unit_id=unit.id if unit else None,
                     period_id=period.id if period else None)


@pytest.fixture
def period(org, db):
    row = AppraisalPeriod(instansi_id=org.instansi.id, name="Tahunan 2026", kind="tahunan",
                          citizen_from=date(2026, 1, 1), citizen_to=date(2026, 12, 31))
    db.session.add(row)
    db.session.flush()
    return row


def test_filters_by_employee_unit_period_action_and_local_dates(hr_client, runner, org, period, db):
    late_first = datetime(2026, 3, 1, 15, 30, tzinfo=timezone.utc)   # 1 March 23.30 WITA
    early_second = datetime(2026, 3, 1, 16, 30, tzinfo=timezone.utc)  # 2 March 00.30 WITA
    _event(org, "org.employee.unit", late_first, employee=org.staff[0], unit=org.unit)
    _event(org, "org.roster.add", early_second, employee=org.staff[1], unit=org.unit)
    _event(org, "organisation.other", early_second, unit=org.other_unit, period=period)
    db.session.commit()

    def shown(**filters):
        html = page(hr_client, **filters)
        return [a for a in ("org.employee.unit", "org.roster.add", "organisation.other") if f"<code>{a}</code>" in html]

    assert shown() == ["org.employee.unit", "org.roster.add", "organisation.other"]
    assert shown(dari="2026-03-02", sampai="2026-03-02") == ["org.roster.add", "organisation.other"]
    assert shown(sampai="2026-03-01") == ["org.employee.unit"]
    assert shown(pegawai=org.staff[0].nip) == ["org.employee.unit"]
    assert shown(pegawai="Staf Uji") == ["org.employee.unit", "org.roster.add"]
    assert shown(unit=org.other_unit.id) == ["organisation.other"]
    assert shown(periode=period.id) == ["organisation.other"]
    assert shown(aksi="org") == ["org.employee.unit", "org.roster.add"]
    assert shown(aksi="org.roster") == ["org.roster.add"]
    assert "Tidak ada pegawai dengan NIP atau nama itu." in page(hr_client, pegawai="Tidak Ada Orangnya")
    assert [e["action"] for e in audit_json(runner, "--from", "2026-03-02", "--to", "2026-03-02")] == [
        "org.roster.add", "organisation.other"]
    assert [e["action"] for e in audit_json(runner, "--to", "2026-03-01")] == ["org.employee.unit"]


def test_bad_filters_get_a_message_and_show_nothing(hr_client, org, db):
    _event(org, "org.employee.unit", MORNING, employee=org.staff[0])
    db.session.commit()
    html = page(hr_client, dari="2026-03-09", sampai="2026-03-01")
    assert "Tanggal akhir tidak boleh sebelum tanggal mulai." in html and "<code>org.employee.unit</code>" not in html
    html = page(hr_client, dari="kemarin")
    assert "Tanggal tidak valid" in html and "<code>org.employee.unit</code>" not in html


def test_the_appraisal_record_audit_is_merged_in_time_order(hr_client, runner, org, period, db):
    officer = org.staff[0]
    record = AppraisalRecord(period_id=period.id, employee_id=officer.id, unit_id=officer.unit_id,
                             job_group="front_line")
    db.session.add(record)
    db.session.flush()
    db.session.add(AuditEntry(instansi_id=org.instansi.id, record_id=record.id, action="confirm",
                              before='{"status": "draft"}', after='{"status": "confirmed"}', reason="Sesuai bukti",
                              user_id=org.users["hr"].id, at=datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)))
    db.session.add(AuditEntry(instansi_id=org.instansi.id, record_id=record.id, action="merge", before="{}",
                              after='{"composite": "80"}', user_id=None,
                              at=datetime(2026, 3, 2, 0, 0, tzinfo=timezone.utc)))
    _event(org, "org.employee.supervisor", MORNING, employee=officer)
    db.session.commit()
    entries = audit_json(runner, "--employee", officer.nip)
    assert [(e["action"], e["actor"]) for e in entries] == [
        ("appraisal.merge", "sistem"), ("org.employee.supervisor", "hr"), ("appraisal.confirm", "hr")]
    merge, _org_change, confirm = entries
    assert merge["before"] is None and merge["object"] == f"appraisal_record:{record.id}"
    assert (confirm["before"], confirm["after"], confirm["reason"]) == (
        {"status": "draft"}, {"status": "confirmed"}, "Sesuai bukti")
    html = page(hr_client, periode=period.id)
    assert "<code>appraisal.confirm</code>" in html and "Dikonfirmasi" in html
    assert "<code>org.employee.supervisor</code>" not in html
    # The page shows the newest first.
    assert html.index("<code>appraisal.confirm</code>") < html.index("<code>appraisal.merge</code>")
    assert [e["action"] for e in audit_json(runner)] == [e["action"] for e in entries]


def test_the_csv_export_is_filtered_crlf_and_formula_safe(hr_client, org, db):
    _event(org, "org.employee.unit", MORNING, employee=org.staff[0], reason="=HYPERLINK(\"http://x\")")
    _event(org, "org.roster.add", MORNING, employee=org.staff[1])
    db.session.commit()
    response = hr_client.get("/audit/audit.csv", query_string={"pegawai": org.staff[0].nip})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv") and "attachment" in response.headers[
        "Content-Disposition"]
    body = response.data.decode("utf-8")
    assert body.startswith("at,actor,action,object,before,after,reason\r\n")
    rows = list(csv.reader(io.StringIO(body, newline="")))
    assert rows[0] == ["at", "actor", "action", "object", "before", "after", "reason"]
    assert rows[1:] == [["2026-03-02T01:00:00+00:00", "hr", "org.employee.unit", "thing:1", "",
                         '{"x": "org.employee.unit"}', "'=HYPERLINK(\"http://x\")"]]


def test_the_command_prints_a_table_and_refuses_bad_options(runner, org, db):
    _event(org, "org.employee.unit", MORNING, employee=org.staff[0], label="Staf Uji 1")
    db.session.commit()
    result = runner.invoke(args=["audit"])
    assert result.exit_code == 0
    assert "2026-03-02 09:00" in result.output and "org.employee.unit" in result.output and "x: — → " in result.output
    for options, message in (
        (["--employee", "199001012020011999"], "199001012020011999"),
        (["--from", "2026-3-1"], "--from"),
        (["--to", "01-03-2026"], "--to"),
        (["--from", "2026-03-09", "--to", "2026-03-01"], "--from"),
    ):
        result = runner.invoke(args=["audit", "--json", *options])
        assert result.exit_code == 1 and message in result.output, (options, result.output)


# --- who reads it, and what the auditor may do ------------------------------------------------------

@pytest.mark.parametrize("path", ["/audit/", "/audit/audit.csv"])
def test_only_hr_admin_and_auditor_read_the_log(app, org, path, hr_client, admin_client, auditor_client,
                                                employee_client, supervisor_client, head_client, client):
    for reader in (hr_client, admin_client, auditor_client):
        assert reader.get(path).status_code == 200
    for other in (employee_client, supervisor_client, head_client):
        assert other.get(path).status_code == 403
    assert client.get(path).headers["Location"].startswith("/masuk")


def test_another_instansis_entries_never_appear(auditor_client, hr_client, runner, factory, org, db):
    other = factory.instansi("Pemerintah Kabupaten Lain")
    outsider = factory.employee(factory.unit(other, code="LAIN"), "Orang Luar")
    _event(org, "org.employee.unit", MORNING, label="RAHASIA-LUAR", employee=outsider, instansi=other)
    _event(org, "org.employee.active", MORNING, label="milik-kita", employee=org.staff[0])
    db.session.commit()
    for client in (auditor_client, hr_client):
        html = page(client)
        assert "milik-kita" in html and "RAHASIA-LUAR" not in html
        assert "RAHASIA-LUAR" not in page(client, pegawai=outsider.nip)
        assert "RAHASIA-LUAR" not in client.get("/audit/audit.csv").data.decode()
    assert audit_json(runner, "--instansi", org.instansi.name)[0]["action"] == "org.employee.active"
    result = runner.invoke(args=["audit", "--json", "--instansi", org.instansi.name, "--employee", outsider.nip])
    assert result.exit_code == 1


def test_the_auditor_reads_and_changes_nothing(app, auditor_client, org, db):
    """Every POST of the portal refuses the auditor, except their own password and language."""
    assert "Log audit" in auditor_client.get("/").get_data(as_text=True)
    token = csrf_token(auditor_client, "/akun")
    before = (db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)),
              [(e.supervisor_id, e.unit_id, e.active) for e in db.session.scalars(select(Employee))])
    refused = []
    for rule in app.url_map.iter_rules():
        allowed = declared_access(rule.endpoint) or frozenset()
        if "POST" not in rule.methods or PUBLIC in allowed or SIGNED_IN in allowed:
            continue
        values = {name: 1 for name in rule.arguments}
        url = rule.build(values, append_unknown=False)[1] if rule.arguments else rule.rule
        response = auditor_client.post(url, data={"csrf_token": token})
        refused.append(response.status_code == 403 or (rule.endpoint, response.status_code))
    assert refused and set(refused) == {True}
    response = post_form(auditor_client, f"/organisasi/pegawai/{org.staff[1].id}",
                         employee_form(org.staff[1], supervisor_id=org.head.id), page="/akun")
    assert response.status_code == 403
    db.session.expire_all()
    assert before == (db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)),
                      [(e.supervisor_id, e.unit_id, e.active) for e in db.session.scalars(select(Employee))])

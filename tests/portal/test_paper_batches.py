"""Paper batches with provenance and a second pair of eyes: the forged batch of another unit's
officer, the unit head's own batch, verification, withdrawal, the date window and the roster."""
from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.appraisal.models import AppraisalPeriod, AppraisalRecord
from portal.feedback import scoring
from portal.feedback.models import PaperBatch, SkmDaily, SkmResponse
from portal.org.models import Counter, RosterEntry
from tests.conftest import client_for, confirmation, csrf_token, post_form

HEADER = ["counter", "submitted_at", *[f"u{i}" for i in range(1, 10)], "employee_nip"]
#: 10 March 2026, 12.00 in WITA: the day the uploads happen.
NOW = datetime(2026, 3, 10, 4, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def in_march():
    with clock.frozen(NOW):
        yield


def as_csv(rows) -> bytes:
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return stream.getvalue().encode()


def paper(n, nip="", counter="UJI01", day=date(2026, 3, 2), hour=10, scores=(4,) * 9):
    """`n` paper rows, one a minute from the given hour."""
    return [[counter, f"{day.isoformat()} {hour:02d}:{i % 60:02d}", *map(str, scores), nip] for i in range(n)]


def upload(client, data: bytes, name="kertas.csv"):
    return post_form(client, "/survei/impor", {"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def stored(db, **where) -> int:
    return db.session.scalar(select(func.count()).select_from(SkmResponse).filter_by(**where))


def n_counted(org) -> int:
    n, _sums, _negative = scoring.totals(scoring.Scope(instansi_id=org.instansi.id, unit_id=org.unit.id))
    return n


@pytest.fixture
def dinkes_officer(factory, org):
    officer = factory.employee(org.other_unit, "Perawat Dinkes", job_group="front_line")
    factory.db.session.commit()
    return officer


@pytest.fixture
def second_hr(app, factory, org):
    factory.user(org.instansi, "hr2", {"hr"})
    factory.db.session.commit()
    return client_for(app, "hr2")


def test_a_unit_head_cannot_credit_another_units_officer_at_his_loket(head_client, org, db, dinkes_officer):
    response = upload(head_client, as_csv(paper(30, nip=dinkes_officer.nip)))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "30 baris bermasalah" in html
    assert (f"Petugas dengan NIP {dinkes_officer.nip} tidak terjadwal bertugas di loket UJI01 pada "
            "2026-03-02 10:00.") in html
    assert "<td class=\"num\">2</td>" in html and "<td class=\"num\">31</td>" in html  # every row, by number
    assert stored(db) == 0 and db.session.scalar(select(func.count()).select_from(PaperBatch)) == 0


def test_a_unit_heads_own_batch_counts_only_after_hr_verifies_it(app, head_client, hr_client, org, db, runner):
    officer = org.staff[0]
    content = as_csv(paper(30, nip=officer.nip))
    assert upload(head_client, content).status_code == 302
    batch = db.session.scalar(select(PaperBatch))
    assert (batch.status, batch.row_count, batch.added, batch.uploaded_by_label) == ("pending", 30, 30, "kepala")
    assert batch.sha256 == hashlib.sha256(content).hexdigest() and batch.filename == "kertas.csv"
    assert stored(db, status="pending", hold_reason="paper_batch", batch_id=batch.id) == 30
    assert n_counted(org) == 0 and db.session.scalar(select(func.count()).select_from(SkmDaily)) == 0
    empty = json.loads(runner.invoke(args=["ikm", "--unit", "DUKCAPIL", "--json"]).output)
    assert empty == {"n": 0, "ikm": None, "ikm_4": None, "mutu": None, "mutu_label": None, "unsur": [], "held": 30}
    listed = json.loads(runner.invoke(args=["held", "--unit", "DUKCAPIL", "--json"]).output)
    assert {(r["reason"], r["status"]) for r in listed} == {("paper_batch", "pending")} and len(listed) == 30

    # The head cannot verify his own batch (not HR); the page offers it to HR.
    token = csrf_token(head_client, "/integritas/")
    assert head_client.post(f"/integritas/batch/{batch.id}/verifikasi", data={"csrf_token": token}).status_code == 403
    page = hr_client.get("/integritas/").get_data(as_text=True)
    assert "Verifikasi: hitung batch ini" in page and batch.sha256 in page
    token = csrf_token(hr_client, "/integritas/")
    assert hr_client.post(f"/integritas/batch/{batch.id}/verifikasi", data={"csrf_token": token}).status_code == 303
    db.session.expire_all()
    assert db.session.get(PaperBatch, batch.id).status == "verified"
    assert n_counted(org) == 30 and stored(db, status="counted") == 30
    assert json.loads(runner.invoke(args=["ikm", "--unit", "DUKCAPIL", "--json"]).output)["held"] == 0


def test_hr_never_verifies_its_own_upload(app, hr_client, second_hr, org, db):
    assert upload(hr_client, as_csv(paper(3))).status_code == 302
    batch = db.session.scalar(select(PaperBatch))
    token = csrf_token(hr_client, "/integritas/")
    hr_client.post(f"/integritas/batch/{batch.id}/verifikasi", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(PaperBatch, batch.id).status == "pending" and n_counted(org) == 0
    token = csrf_token(second_hr, "/integritas/")
    assert second_hr.post(f"/integritas/batch/{batch.id}/verifikasi", data={"csrf_token": token}).status_code == 303
    db.session.expire_all()
    assert db.session.get(PaperBatch, batch.id).status == "verified" and n_counted(org) == 3


def test_hr_does_not_verify_a_batch_that_names_it(app, head_client, hr_client, org, db):
    hr_employee = org.users["hr"].employee
    db.session.add(RosterEntry(counter_id=org.counter.id, employee_id=hr_employee.id, weekday=None,
                               start_time=time(8), end_time=time(16), valid_from=date(2026, 1, 1)))
    db.session.commit()
    assert upload(head_client, as_csv(paper(2, nip=hr_employee.nip))).status_code == 302
    batch = db.session.scalar(select(PaperBatch))
    token = csrf_token(hr_client, "/integritas/")
    hr_client.post(f"/integritas/batch/{batch.id}/verifikasi", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(PaperBatch, batch.id).status == "pending"


def _withdraw(client, batch, reason="Formulir ganda dari loket lain"):
    """Withdraw as a user does: the button, then the confirmation page's own POST (when the user may
    withdraw it, the button alone changes nothing and answers with that page)."""
    token = csrf_token(client, "/integritas/")
    response = client.post(f"/integritas/batch/{batch.id}/tarik", data={"csrf_token": token, f"w{batch.id}-reason": reason})
    fields = confirmation(response)
    if fields is None:
        return response
    return client.post(f"/integritas/batch/{batch.id}/tarik", data=fields)


def test_a_verified_batch_is_withdrawn_as_a_whole(app, head_client, hr_client, second_hr, org, db, runner):
    assert upload(head_client, as_csv(paper(5, nip=org.staff[0].nip) + paper(2, hour=11))).status_code == 302
    batch = db.session.scalar(select(PaperBatch))
    token = csrf_token(hr_client, "/integritas/")
    hr_client.post(f"/integritas/batch/{batch.id}/verifikasi", data={"csrf_token": token})
    db.session.expire_all()
    assert n_counted(org) == 7
    # The head may not take back a batch that already counts; HR may, with a reason.
    assert _withdraw(head_client, batch).status_code == 303
    db.session.expire_all()
    assert db.session.get(PaperBatch, batch.id).status == "verified"
    assert _withdraw(second_hr, batch, reason="").status_code == 303
    db.session.expire_all()
    assert db.session.get(PaperBatch, batch.id).status == "verified"
    assert _withdraw(second_hr, batch).status_code == 303
    db.session.expire_all()
    withdrawn = db.session.get(PaperBatch, batch.id)
    assert withdrawn.status == "withdrawn" and withdrawn.withdraw_reason == "Formulir ganda dari loket lain"
    assert stored(db, status="withdrawn") == 7 and n_counted(org) == 0
    assert db.session.scalar(select(func.count()).select_from(SkmDaily)) == 0
    listed = json.loads(runner.invoke(args=["held", "--unit", "DUKCAPIL", "--json"]).output)
    assert {r["status"] for r in listed} == {"withdrawn"} and len(listed) == 7
    entries = {e["action"]: e for e in json.loads(runner.invoke(args=["audit", "--json"]).output)}
    assert entries["feedback.batch.upload"]["actor"] == "kepala"
    assert entries["feedback.batch.upload"]["after"]["sha256"] == batch.sha256
    assert (entries["feedback.batch.verify"]["actor"], entries["feedback.batch.verify"]["after"]) == (
        "hr", {"status": "verified", "counted": 7})
    withdrawal = entries["feedback.batch.withdraw"]
    assert (withdrawal["actor"], withdrawal["reason"]) == ("hr2", "Formulir ganda dari loket lain")
    assert (withdrawal["before"], withdrawal["after"]) == ({"status": "verified", "counted": 7},
                                                           {"status": "withdrawn", "counted": 0})


def test_the_uploader_takes_back_a_pending_batch(head_client, org, db):
    assert upload(head_client, as_csv(paper(2))).status_code == 302
    batch = db.session.scalar(select(PaperBatch))
    assert _withdraw(head_client, batch).status_code == 303
    db.session.expire_all()
    assert db.session.get(PaperBatch, batch.id).status == "withdrawn" and stored(db, status="withdrawn") == 2


def test_another_units_head_sees_no_batch_of_this_unit(head_client, other_head_client, org, db):
    assert upload(head_client, as_csv(paper(2))).status_code == 302
    batch = db.session.scalar(select(PaperBatch))
    assert "kertas.csv" not in other_head_client.get("/integritas/").get_data(as_text=True)
    assert _withdraw(other_head_client, batch).status_code == 403


# --- the date window ------------------------------------------------------------------------------


def test_dates_lie_in_the_window_after_the_loket_opened(hr_client, org, db, factory):
    org.counter.opened_on = date(2026, 2, 1)
    db.session.commit()
    response = upload(hr_client, as_csv(
        paper(1, day=date(2026, 1, 5)) + paper(1, day=date(2026, 1, 20)) + paper(1, day=date(2026, 3, 11))
        + paper(1, day=date(2026, 3, 9))))
    html = response.get_data(as_text=True)
    assert "Tanggal 2026-01-05 10:00 lebih dari 60 hari yang lalu" in html
    assert "Tanggal 2026-01-20 10:00 sebelum loket UJI01 dibuka (2026-02-01)." in html
    assert "Tanggal 2026-03-11 10:00 belum terjadi." in html
    assert "3 baris bermasalah" in html and stored(db) == 0


def test_the_window_is_a_setting(app, hr_client, org, db):
    app.config["CERMIN_PAPER_WINDOW_DAYS"] = 5
    try:
        html = upload(hr_client, as_csv(paper(1, day=date(2026, 3, 2)))).get_data(as_text=True)
    finally:
        app.config["CERMIN_PAPER_WINDOW_DAYS"] = 60
    assert "lebih dari 5 hari yang lalu" in html and stored(db) == 0


def test_no_paper_form_inside_a_finalised_period_on_any_path(hr_client, org, db, runner, tmp_path):
    period = AppraisalPeriod(instansi_id=org.instansi.id, name="Triwulan I", kind="triwulan",
                             citizen_from=date(2026, 1, 1), citizen_to=date(2026, 3, 5))
    db.session.add(period)
    db.session.flush()
    db.session.add(AppraisalRecord(period_id=period.id, employee_id=org.staff[1].id, unit_id=org.unit.id,
                                   job_group="front_line", status="finalised", rating_perilaku="Sesuai Ekspektasi"))
    db.session.commit()
    message = "berada dalam periode penilaian yang sudah difinalkan (2026-01-01 s.d. 2026-03-05)"
    assert message in upload(hr_client, as_csv(paper(1, day=date(2026, 3, 2)))).get_data(as_text=True)
    path = tmp_path / "kertas.csv"
    path.write_bytes(as_csv(paper(1, day=date(2026, 3, 2))))
    result = runner.invoke(args=["import-responses", str(path)])
    assert result.exit_code == 1 and message in result.output
    assert stored(db) == 0
    assert upload(hr_client, as_csv(paper(1, day=date(2026, 3, 6)))).status_code == 302


# --- the roster -----------------------------------------------------------------------------------


def test_the_officer_must_be_on_that_lokets_roster_at_that_hour_or_that_day(hr_client, org, db):
    officer = org.staff[1]
    db.session.add(RosterEntry(counter_id=org.counter.id, employee_id=officer.id, weekday=0,  # Mondays
                               start_time=time(8, 0), end_time=time(12, 30), valid_from=date(2026, 1, 1)))
    db.session.commit()
    monday, tuesday = date(2026, 3, 2), date(2026, 3, 3)
    refused = upload(hr_client, as_csv(
        paper(1, nip=officer.nip, day=monday, hour=13) + paper(1, nip=officer.nip, day=tuesday, hour=9)
        + [["UJI01", tuesday.isoformat(), *["4"] * 9, officer.nip]])).get_data(as_text=True)
    assert "3 baris bermasalah" in refused
    accepted = upload(hr_client, as_csv(
        paper(1, nip=officer.nip, day=monday, hour=8) + paper(1, nip=officer.nip, day=monday, hour=12)
        + [["UJI01", monday.isoformat(), *["3"] * 9, officer.nip]]))
    assert accepted.status_code == 302 and stored(db) == 3


def test_an_ended_shift_still_vouches_for_its_past_days(hr_client, org, db):
    officer = org.staff[1]
    entry = RosterEntry(counter_id=org.counter.id, employee_id=officer.id, weekday=None, start_time=time(8),
                        end_time=time(16), valid_from=date(2026, 1, 1))
    db.session.add(entry)
    db.session.commit()
    token = csrf_token(hr_client, "/organisasi/jadwal")
    response = hr_client.post(f"/organisasi/jadwal/{entry.id}/hapus", data={"csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    ended = db.session.get(RosterEntry, entry.id)
    assert ended is not None and ended.valid_to == date(2026, 3, 9)
    assert upload(hr_client, as_csv(paper(1, nip=officer.nip, day=date(2026, 3, 4)))).status_code == 302
    refused = upload(hr_client, as_csv(paper(1, nip=officer.nip, day=date(2026, 3, 10), hour=9)))
    assert "tidak terjadwal" in refused.get_data(as_text=True)


def test_a_shift_that_never_ran_is_removed(hr_client, org, db):
    entry = RosterEntry(counter_id=org.counter.id, employee_id=org.staff[2].id, weekday=None, start_time=time(8),
                        end_time=time(16), valid_from=date(2026, 3, 12))
    db.session.add(entry)
    db.session.commit()
    token = csrf_token(hr_client, "/organisasi/jadwal")
    hr_client.post(f"/organisasi/jadwal/{entry.id}/hapus", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(RosterEntry, entry.id) is None


# --- the operator's path --------------------------------------------------------------------------


def test_the_command_is_the_trusted_path_and_records_its_batch(runner, org, db, tmp_path, dinkes_officer):
    content = as_csv(paper(2, day=date(2025, 6, 2)) + paper(1, nip=dinkes_officer.nip))
    path = tmp_path / "operator.csv"
    path.write_bytes(content)
    result = runner.invoke(args=["import-responses", str(path)])
    assert result.exit_code == 0, result.output
    batch = db.session.scalar(select(PaperBatch))
    assert (batch.status, batch.uploaded_by_label, batch.uploaded_by_id) == ("trusted", "import-responses", None)
    assert batch.sha256 == hashlib.sha256(content).hexdigest() and (batch.row_count, batch.added) == (3, 3)
    assert stored(db, status="counted", batch_id=batch.id) == 3 and n_counted(org) == 3

"""The employee's right to object (keberatan, PP 30/2019 Pasal 59), over HTTP as each person:
the employee files within 14 days of being notified, the Atasan Pejabat Penilai records both
explanations and decides, HR cannot finalise while the window is open or an objection waits,
the employee may waive the right; every step in the record, the audit log, the mail outbox and
the export."""
import json
from datetime import date, datetime, timedelta, timezone
from html import unescape

import pytest
from sqlalchemy import select

from portal import clock
from portal.appraisal import exports, window, workflow
from portal.appraisal.merge import merge
from portal.appraisal.models import AppraisalObjection, AuditEntry
from portal.mail.models import OutboxMessage
from tests.conftest import confirm_post, client_for, post_form
from tests.portal.appraisal_helpers import make_period, record_of

ABOVE, MEETS, BELOW = "Di Atas Ekspektasi", "Sesuai Ekspektasi", "Di Bawah Ekspektasi"
WITA = timezone(timedelta(hours=8))
#: The confirmation: Monday 2 March 2026, 10:00 WITA. The last day to object is 16 March.
CONFIRMED = datetime(2026, 3, 2, 10, 0, tzinfo=WITA)
LAST_DAY = date(2026, 3, 16)
REASON = "Saya melayani loket sendirian selama dua bulan; penilaian perilaku saya tidak mencerminkan itu."


def at(moment: datetime):
    return clock.frozen(moment)


@pytest.fixture
def case(org, factory, db):
    """`pegawai` (staff[0]) confirmed by `atasan` at CONFIRMED as Di Bawah Ekspektasi; the Kepala
    Dinas (`kepala`) is the Atasan Pejabat Penilai. Everyone has an email address."""
    org.staff[0].email = "staf1@uji.go.id"
    org.supervisor.email = "atasan@uji.go.id"
    org.head.email = "kepala@uji.go.id"
    factory.user(org.instansi, "kepala", {"supervisor", "employee"}, org.head)
    with at(CONFIRMED - timedelta(days=1)):
        period = make_period(org)
        merge(period)
    record = record_of(period, org.staff[0])
    with at(CONFIRMED):
        workflow.confirm(record, org.users["atasan"], BELOW, None, MEETS)
    db.session.commit()
    return record


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def reload(db, record):
    db.session.expire_all()
    return db.session.get(type(record), record.id)


def mail_to(db, address: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == address)
                                   .order_by(OutboxMessage.id)))


def test_the_confirmation_notifies_the_employee_and_opens_the_window(app, case, db):
    assert case.notified_on == date(2026, 3, 2)
    assert window.deadline(case) == LAST_DAY
    [message] = mail_to(db, "staf1@uji.go.id")
    assert "dikonfirmasi" in message.subject and "16 Maret 2026" in message.body
    assert f"/penilaian/catatan/{case.id}" in message.body
    with at(CONFIRMED + timedelta(days=3)):
        pegawai = client_for(app, "pegawai")
        mine = text_of(pegawai.get("/penilaian/saya"))
        assert "mengajukan keberatan kepada Atasan Pejabat Penilai sampai 16 Maret 2026" in mine
        page = text_of(pegawai.get(f"/penilaian/catatan/{case.id}"))
        assert "Ajukan keberatan" in page and "Kepala Dinas Uji" in page


def test_an_objection_filed_explained_and_decided(app, runner, org, case, db):
    url = f"/penilaian/catatan/{case.id}"
    with at(CONFIRMED + timedelta(days=5)):
        pegawai = client_for(app, "pegawai")
        response = post_form(pegawai, url + "/keberatan", {"objection-reason": " "}, page=url)
        assert response.status_code == 200 and "Wajib diisi" in text_of(response)
        response = post_form(pegawai, url + "/keberatan", {"objection-reason": REASON}, page=url,
                             follow_redirects=True)
        assert "Keberatan Anda terkirim" in text_of(response)
    objection = db.session.scalar(select(AppraisalObjection).where(AppraisalObjection.record_id == case.id))
    assert (objection.status, objection.reason, objection.predikat_before) == ("pending", REASON, "Kurang/Misconduct")
    assert window.objection_state(reload(db, case)) == window.PENDING
    assert any("Keberatan" in m.subject for m in mail_to(db, "kepala@uji.go.id"))
    assert any("Keberatan" in m.subject for m in mail_to(db, "atasan@uji.go.id"))
    objection_url = f"/penilaian/keberatan/{objection.id}"

    with at(CONFIRMED + timedelta(days=8)):
        # HR can neither finalise nor send it back while the objection waits.
        hr = client_for(app, "hr")
        response = post_form(hr, url + "/finalkan", {}, page=url, follow_redirects=True)
        assert "Atasan Pejabat Penilai yang memutuskan" in text_of(response)
        post_form(hr, url + "/kembalikan", {"draft-reason": "Tinjau ulang"}, page=url)
        assert reload(db, case).status == "confirmed"
        # The penilai sees it but cannot decide it.
        atasan = client_for(app, "atasan")
        assert REASON in text_of(atasan.get(objection_url))
        response = post_form(atasan, objection_url + "/putuskan", {
            "decide-rating_perilaku": ABOVE, "decide-rating_hasil_kerja": ABOVE, "decide-reason": "x"},
            page=objection_url, follow_redirects=True)
        assert "keberatannya diputuskan oleh Atasan Pejabat Penilai" in text_of(response)
        # The Atasan Pejabat Penilai has it on the work list.
        kepala = client_for(app, "kepala")
        team = text_of(kepala.get("/penilaian/tim"))
        assert "Keberatan (1)" in team and "Staf Uji 1" in team
        assert objection_url in text_of(kepala.get("/penilaian/keberatan"))
        assert "1 keberatan menunggu keputusan Anda sebagai Atasan Pejabat Penilai" in text_of(
            kepala.get("/penilaian/saya"))
        # Deciding before both explanations are recorded is refused.
        response = post_form(kepala, objection_url + "/putuskan", {
            "decide-rating_perilaku": MEETS, "decide-rating_hasil_kerja": MEETS, "decide-reason": "Cukup."},
            page=objection_url, follow_redirects=True)
        assert "sebelum memutuskan" in text_of(response)
        response = post_form(kepala, objection_url + "/penjelasan", {
            "explain-penilai_explanation": "Dua keluhan warga tentang keterlambatan.",
            "explain-employee_explanation": "Keterlambatan karena blangko habis."}, page=objection_url,
            follow_redirects=True)
        assert "Penjelasan Pejabat Penilai dan pegawai dicatat" in text_of(response)
        response = post_form(kepala, objection_url + "/putuskan", {
            "decide-rating_perilaku": MEETS, "decide-rating_hasil_kerja": MEETS,
            "decide-reason": "Keterlambatan bukan karena perilaku petugas."}, page=objection_url,
            follow_redirects=True)
        assert "Keberatan diputuskan: predikat Baik" in text_of(response)

    record = reload(db, case)
    assert (record.status, record.rating_perilaku, record.rating_hasil_kerja, record.predikat) == (
        "finalised", MEETS, MEETS, "Baik")
    kepala_user = db.session.scalar(select(type(org.users["hr"])).where(type(org.users["hr"]).username == "kepala"))
    assert record.finalised_by_id == kepala_user.id != record.confirmed_by_id
    objection = reload(db, objection)
    assert (objection.status, objection.predikat_after, objection.decided_by_id) == ("decided", "Baik", kepala_user.id)
    assert objection.penilai_explanation == "Dua keluhan warga tentang keterlambatan."
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.record_id == case.id)
                               .order_by(AuditEntry.id.desc())).first()
    assert (entry.action, entry.reason, entry.user_id) == (
        "objection.decide", "Keterlambatan bukan karena perilaku petugas.", kepala_user.id)
    assert any("Keputusan keberatan" in m.subject for m in mail_to(db, "staf1@uji.go.id"))
    # Every step is in the audit log, under the employee.
    result = runner.invoke(args=["audit", "--json", "--employee", org.staff[0].nip])
    entries = [e for e in json.loads(result.output) if "objection" in e["action"]]
    # (the explanation and the decision were made in the same minute of the frozen clock)
    entries.sort(key=lambda e: ("file", "explain", "decide").index(e["action"].rsplit(".", 1)[1]))
    assert [(e["action"], e["actor"]) for e in entries] == [
        ("appraisal.objection.file", "pegawai"), ("appraisal.objection.explain", "kepala"),
        ("appraisal.objection.decide", "kepala")]
    assert entries[0]["reason"] == REASON and entries[0]["object"] == f"appraisal_objection:{objection.id}"
    assert entries[1]["after"]["penilai_explanation"] == "Dua keluhan warga tentang keterlambatan."
    assert entries[2]["after"]["predikat"] == "Baik" and entries[2]["before"]["predikat"] == "Kurang/Misconduct"
    # It shows on the record and in the export.
    with at(CONFIRMED + timedelta(days=9)):
        pegawai = client_for(app, "pegawai")
        page = text_of(pegawai.get(f"/penilaian/catatan/{case.id}"))
        assert "Keberatan sudah diputuskan" in page and "Kurang/Misconduct → Baik" in page
        row = next(r for r in exports.appraisal_rows(exports.Scope(case.period)) if r["nip"] == org.staff[0].nip)
        assert row["keberatan_status"] == "decided" and row["keberatan_decided_by"] == "kepala"
        assert row["keberatan_predikat_before"] == "Kurang/Misconduct" and row["predikat"] == "Baik"
        assert row["finalised_by"] == "kepala" and row["confirmed_by"] == "atasan"


def test_an_objection_after_the_window_is_refused(app, case, db):
    url = f"/penilaian/catatan/{case.id}"
    # The last day, one minute before midnight WITA: still open.
    with at(datetime(2026, 3, 16, 23, 59, tzinfo=WITA)):
        assert "Ajukan keberatan" in text_of(client_for(app, "pegawai").get(url))
    # Midnight WITA (16:00 UTC): the window is closed.
    with at(datetime(2026, 3, 17, 0, 0, tzinfo=WITA)):
        pegawai = client_for(app, "pegawai")
        assert "Ajukan keberatan" not in text_of(pegawai.get(url))
        response = post_form(pegawai, url + "/keberatan", {"objection-reason": REASON}, page=url,
                             follow_redirects=True)
        assert "Masa keberatan berakhir pada 2026-03-16" in text_of(response)
    assert db.session.scalar(select(AppraisalObjection.id)) is None


def test_an_objection_on_the_last_day_is_accepted(app, case, db):
    url = f"/penilaian/catatan/{case.id}"
    with at(datetime(2026, 3, 16, 23, 59, tzinfo=WITA)):
        pegawai = client_for(app, "pegawai")
        assert post_form(pegawai, url + "/keberatan", {"objection-reason": REASON}, page=url).status_code == 302
    assert db.session.scalar(select(AppraisalObjection.status)) == "pending"


def test_hr_cannot_finalise_during_the_window(app, org, case, db):
    url = f"/penilaian/catatan/{case.id}"
    unit_url = f"/penilaian/periode/{case.period_id}/unit/{org.unit.id}"
    with at(CONFIRMED + timedelta(days=3)):
        hr = client_for(app, "hr")
        page = text_of(hr.get(url))
        assert "Finalkan catatan" not in page and "Masa keberatan pegawai berjalan sampai 2026-03-16" in page
        response = post_form(hr, url + "/finalkan", {}, page=url, follow_redirects=True)
        assert "Masa keberatan pegawai berjalan sampai 2026-03-16" in text_of(response)
        response = post_form(hr, unit_url + "/finalkan", {}, page=unit_url, follow_redirects=True)
        assert "0 catatan di Dinas Kependudukan" in text_of(response)
    assert reload(db, case).status == "confirmed"
    with at(datetime(2026, 3, 17, 0, 0, tzinfo=WITA)):
        hr = client_for(app, "hr")
        assert confirm_post(hr, url + "/finalkan", {}, page=url).status_code == 302
    assert reload(db, case).status == "finalised"


def test_the_employee_waives_the_right_and_hr_finalises_early(app, org, case, db):
    url = f"/penilaian/catatan/{case.id}"
    with at(CONFIRMED + timedelta(days=1)):
        hr = client_for(app, "hr")
        # Only the employee waives.
        post_form(hr, url + "/lepaskan-keberatan", {"waive-agree": "y"}, page=url)
        assert reload(db, case).objection_waived_at is None
        pegawai = client_for(app, "pegawai")
        response = post_form(pegawai, url + "/lepaskan-keberatan", {}, page=url)
        assert response.status_code == 200 and reload(db, case).objection_waived_at is None
        response = post_form(pegawai, url + "/lepaskan-keberatan", {"waive-agree": "y"}, page=url,
                             follow_redirects=True)
        assert "Anda melepaskan hak keberatan" in text_of(response)
        record = reload(db, case)
        assert record.objection_waived_at == CONFIRMED + timedelta(days=1)
        assert window.objection_state(record) == window.WAIVED
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.record_id == case.id)
                                   .order_by(AuditEntry.id.desc())).first()
        assert (entry.action, entry.user_id) == ("objection.waive", org.users["pegawai"].id)
        # No objection after a waiver.
        response = post_form(pegawai, url + "/keberatan", {"objection-reason": REASON}, page=url,
                             follow_redirects=True)
        assert "melepaskan hak keberatan" in text_of(response)
        assert confirm_post(hr, url + "/finalkan", {}, page=url).status_code == 302
    assert reload(db, case).status == "finalised"


def test_a_new_confirmation_opens_a_new_window(app, org, case, db):
    """HR sends the record back; the next confirmation is notified again and counts afresh."""
    with at(CONFIRMED + timedelta(days=10)):
        workflow.return_to_draft(case, org.users["hr"], "Hasil kerja salah diisi")
        assert (case.notified_on, window.deadline(case)) == (None, None)
        workflow.confirm(case, org.users["atasan"], MEETS, None, MEETS)
        assert window.deadline(case) == LAST_DAY + timedelta(days=10)
    db.session.commit()
    assert len(mail_to(db, "staf1@uji.go.id")) == 2


def test_others_cannot_object_for_the_employee(app, org, case, db):
    url = f"/penilaian/catatan/{case.id}"
    with at(CONFIRMED + timedelta(days=1)):
        for username in ("atasan", "hr"):
            client = client_for(app, username)
            post_form(client, url + "/keberatan", {"objection-reason": REASON}, page=url)
    assert db.session.scalar(select(AppraisalObjection.id)) is None

"""A period's settings are frozen once used (issue 15 §3): after the first confirmation a change
needs one HR user to propose and another to approve, each with a reason; it recomputes drafts
only, never the proposer's or the approver's own record; every record keeps the settings it was
computed with, and the exports show each record's own."""
import csv
import io
import json
from datetime import datetime, timezone
from decimal import Decimal
from html import unescape

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal import clock
from portal.appraisal import exports, workflow
from portal.appraisal.merge import merge
from portal.appraisal.models import AppraisalSettingsChange
from tests.conftest import client_for, post_form
from tests.portal.appraisal_helpers import citizen_responses, make_period, record_of

MONDAY = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)
MEETS = "Sesuai Ekspektasi"


@pytest.fixture
def case(org, factory, db, rate_limits):
    """Four front-line officers, each named by ten citizens who gave U6 and U7 a 4 (citizen score
    100): staff[0], staff[1], HR's own employee and a second HR user's. staff[0] is confirmed."""
    rate_limits()  # forty citizens at one loket in ten minutes: about the settings, not the rate rule
    with clock.frozen(MONDAY):
        hr_employee = org.users["hr"].employee
        hr_employee.supervisor_id, hr_employee.job_group = org.head.id, "front_line"
        hr2_employee = factory.employee(org.other_unit, "Analis SDM Dua", supervisor=org.head, job_group="front_line")
        factory.user(org.instansi, "hr2", {"hr", "employee"}, hr2_employee)
        for employee in (org.staff[0], org.staff[1], hr_employee, hr2_employee):
            citizen_responses(org.counter, employee, [4] * 10, [4] * 10)
        period = make_period(org)
        merge(period)
        assert period.settings_frozen_at is None
        workflow.confirm(record_of(period, org.staff[0]), org.users["atasan"], "Di Atas Ekspektasi", None, MEETS)
        assert period.settings_frozen_at == MONDAY
        db.session.commit()
    return type("Case", (), {"period": period, "hr_employee": hr_employee, "hr2_employee": hr2_employee})


def form_data(period, **changes) -> dict:
    data = {
        "name": period.name, "kind": period.kind, "citizen_from": "2026-01-01", "citizen_to": "2026-12-31",
        "officer_unsur": ["U6", "U7"], "min_citizen_n": "10", "above_threshold": "80", "meets_threshold": "60",
        **{f"w_front_line_{c}": v for c, v in {"citizen": "30", "atasan": "40", "rekan": "20", "bawahan": "10",
                                               "self": "0"}.items()},
        **{f"w_back_office_{c}": v for c, v in {"citizen": "0", "atasan": "50", "rekan": "30", "bawahan": "20",
                                                "self": "0"}.items()},
    }
    data.update(changes)
    return data


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def figures(db, period, employee):
    db.session.expire_all()
    record = record_of(period, employee)
    return record.composite, record.settings.version, record.status


def test_a_settings_change_after_confirmation_needs_two_hr_users(app, runner, org, case, db):
    period = case.period
    edit = f"/penilaian/periode/{period.id}/ubah"
    changes_url = f"/penilaian/periode/{period.id}/perubahan"
    with clock.frozen(MONDAY):
        hr = client_for(app, "hr")
        page = text_of(hr.get(edit))
        assert "sudah dipakai untuk konfirmasi" in page and "Ajukan perubahan" in page
        # Alone, without a reason: refused, nothing changes.
        response = post_form(hr, edit, form_data(period, min_citizen_n="20"))
        assert response.status_code == 200 and "Alasan wajib diisi" in text_of(response)
        db.session.expire_all()
        assert period.min_citizen_n == 10 and db.session.scalar(select(AppraisalSettingsChange.id)) is None
        # Proposed with a reason: waits for another HR user; the period is unchanged.
        response = post_form(hr, edit, form_data(period, min_citizen_n="20", change_reason="Sampel terlalu kecil."),
                             follow_redirects=True)
        assert "perubahan Anda menjadi usulan" in text_of(response)
        change = db.session.scalar(select(AppraisalSettingsChange))
        assert (change.status, change.proposal_reason) == ("pending", "Sampel terlalu kecil.")
        db.session.expire_all()
        assert period.min_citizen_n == 10
        page = text_of(hr.get(changes_url))
        assert "Minimal tanggapan masyarakat" in page and "Sampel terlalu kecil." in page
        # The proposer cannot approve it.
        response = post_form(hr, f"/penilaian/perubahan/{change.id}/setujui", {"approve-reason": "Setuju."},
                             page=changes_url, follow_redirects=True)
        assert "pengguna HR lain yang menyetujuinya" in text_of(response)
        db.session.expire_all()
        assert period.min_citizen_n == 10 and change.status == "pending"

    with clock.frozen(MONDAY.replace(hour=5)):
        hr2 = client_for(app, "hr2")
        response = post_form(hr2, f"/penilaian/perubahan/{change.id}/setujui", {"approve-reason": ""},
                             page=changes_url, follow_redirects=True)
        assert "Tuliskan alasan persetujuan" in text_of(response)
        response = post_form(hr2, f"/penilaian/perubahan/{change.id}/setujui",
                             {"approve-reason": "Sesuai kebijakan BKPSDM."}, page=changes_url, follow_redirects=True)
        assert "Perubahan disetujui dan berlaku" in text_of(response)
        assert "2 catatan pengusul dan penyetuju tetap pada pengaturan lama" in text_of(response)

    db.session.expire_all()
    assert period.min_citizen_n == 20
    assert (change.status, change.decided_by_id, change.decision_reason) == (
        "approved", db.session.scalar(select(type(org.users["hr"]).id).where(type(org.users["hr"]).username == "hr2")),
        "Sesuai kebijakan BKPSDM.")
    result = runner.invoke(args=["audit", "--json"])
    entries = [e for e in json.loads(result.output)
               if e["action"] in ("appraisal.settings.propose", "appraisal.settings.approve")]
    assert [(e["action"], e["actor"], e["reason"]) for e in entries] == [
        ("appraisal.settings.propose", "hr", "Sampel terlalu kecil."),
        ("appraisal.settings.approve", "hr2", "Sesuai kebijakan BKPSDM.")]
    assert entries[1]["before"] == {"min_citizen_n": 10} and entries[1]["after"] == {"min_citizen_n": 20}
    assert entries[1]["object"] == f"appraisal_settings_change:{change.id}"
    pins = [e for e in json.loads(result.output) if e["action"] == "appraisal.settings.pin"]
    assert {e["object"] for e in pins} == {f"appraisal_record:{record_of(period, e).id}"
                                           for e in (case.hr_employee, case.hr2_employee)}
    # Others' drafts are recomputed: ten citizens are now too few.
    assert figures(db, period, org.staff[1]) == (None, 2, "draft")
    # The proposer's and the approver's own drafts are untouched, and stay so at the next merge.
    assert figures(db, period, case.hr_employee) == (Decimal("100.000"), 1, "draft")
    assert figures(db, period, case.hr2_employee) == (Decimal("100.000"), 1, "draft")
    # Confirmed records are untouched.
    assert figures(db, period, org.staff[0]) == (Decimal("100.000"), 1, "confirmed")
    with clock.frozen(MONDAY.replace(hour=6)):
        summary = merge(period)
    assert summary.pinned == 2 and summary.skipped_non_draft == 1
    assert figures(db, period, case.hr_employee) == (Decimal("100.000"), 1, "draft")
    with clock.frozen(MONDAY.replace(hour=6)):
        page = text_of(client_for(app, "hr").get(f"/penilaian/catatan/{record_of(period, case.hr_employee).id}"))
    assert "catatannya tetap dihitung dengan pengaturan sebelumnya" in page

    # Exports show each record's own settings.
    with clock.frozen(MONDAY.replace(hour=6)):
        rows = {r["nama"]: r for r in csv.DictReader(io.StringIO(
            exports.to_csv(exports.appraisal_rows(exports.Scope(period))), newline=""))}
        workbook = load_workbook(io.BytesIO(exports.to_xlsx(exports.Scope(period),
                                                            exports.appraisal_rows(exports.Scope(period)))))
    assert (rows["Staf Uji 2"]["settings_version"], rows["Staf Uji 2"]["min_citizen_n"]) == ("2", "20")
    assert (rows["Petugas HR Uji"]["settings_version"], rows["Petugas HR Uji"]["min_citizen_n"]) == ("1", "10")
    assert (rows["Staf Uji 1"]["settings_version"], rows["Staf Uji 1"]["composite"]) == ("1", "100")
    notes = [row for row in workbook["Keterangan"].iter_rows(values_only=True)]
    blocks = [row for row in notes if row[0] and str(row[0]).startswith("Pengaturan versi")]
    assert [row[0] for row in blocks] == ["Pengaturan versi 1", "Pengaturan versi 2"]
    assert [row[1] for row in notes if row[0] == "Minimal tanggapan masyarakat"] == [10, 20]


def test_a_rejected_or_withdrawn_proposal_changes_nothing(app, org, case, db):
    period = case.period
    edit = f"/penilaian/periode/{period.id}/ubah"
    changes_url = f"/penilaian/periode/{period.id}/perubahan"
    with clock.frozen(MONDAY):
        hr = client_for(app, "hr")
        post_form(hr, edit, form_data(period, above_threshold="95", change_reason="Lebih ketat."))
        change = db.session.scalar(select(AppraisalSettingsChange))
        hr2 = client_for(app, "hr2")
        response = post_form(hr2, f"/penilaian/perubahan/{change.id}/tolak", {"decline-reason": "Tidak adil."},
                             page=changes_url, follow_redirects=True)
        assert "Usulan ditolak" in text_of(response)
        post_form(hr, edit, form_data(period, above_threshold="95", change_reason="Lebih ketat lagi."))
        second = db.session.scalars(select(AppraisalSettingsChange).order_by(AppraisalSettingsChange.id.desc())).first()
        response = post_form(hr, f"/penilaian/perubahan/{second.id}/tolak", {"decline-reason": "Saya keliru."},
                             page=changes_url, follow_redirects=True)
        assert "Usulan ditarik" in text_of(response)
    db.session.expire_all()
    assert [c.status for c in db.session.scalars(select(AppraisalSettingsChange).order_by(AppraisalSettingsChange.id))
            ] == ["rejected", "withdrawn"]
    assert period.above_threshold == 80
    assert figures(db, period, org.staff[1])[1] == 1


def test_the_name_still_changes_directly_once_frozen(app, runner, case, db):
    period = case.period
    with clock.frozen(MONDAY):
        hr = client_for(app, "hr")
        response = post_form(hr, f"/penilaian/periode/{period.id}/ubah", form_data(period, name="Tahunan 2026 (revisi)"))
    assert response.status_code == 302
    db.session.expire_all()
    assert period.name == "Tahunan 2026 (revisi)" and db.session.scalar(select(AppraisalSettingsChange.id)) is None
    [entry] = [e for e in json.loads(runner.invoke(args=["audit", "--json"]).output)
               if e["action"] == "appraisal.period.update"]
    assert (entry["before"], entry["after"]) == ({"name": "Penilaian Kinerja Tahunan 2026"},
                                                 {"name": "Tahunan 2026 (revisi)"})

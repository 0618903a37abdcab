"""The appraisal workflow: Draft → Confirmed (Pejabat Penilai) → Finalised (HR), its refusals,
the audit log, the hasil kerja import, distribution, and every role's access to every page."""
import io
import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from portal import clock
from portal.appraisal import audit, hasil_kerja, overview, workflow
from portal.appraisal.errors import AppraisalError, RecordFinalised, TransitionRefused
from portal.appraisal.merge import MergeSummary, merge
from portal.appraisal.models import AuditEntry
from portal.org.services import ImportRejected
from portal.tabular import read_table
from surveys.appraisal import Predikat, Rating
from tests.conftest import confirm_post, login, post_form
from tests.portal.appraisal_helpers import (
    NOON_UTC, PAST_THE_WINDOW, citizen_responses, confirm_earlier, make_period, record_of, released_cycle,
)

ABOVE, MEETS, BELOW = Rating.DI_ATAS.value, Rating.SESUAI.value, Rating.DI_BAWAH.value


@pytest.fixture
def period(org, db):
    """Merged without evidence: every record is a draft without a suggestion."""
    period = make_period(org)
    merge(period)
    db.session.commit()
    return period


@pytest.fixture
def suggested(org, db):
    """staff[0] has a suggestion (Di Atas Ekspektasi: atasan 5 alone)."""
    cycle = released_cycle(org, lambda inv: 5 if inv.rater_group == "atasan" else None)
    period = make_period(org, [cycle])
    merge(period)
    db.session.commit()
    return period


def atasan(org):
    return org.users["atasan"]


def hr(org):
    return org.users["hr"]


def admin(org):
    return org.users["admin"]


def confirmed(org, period, employee=None, perilaku=MEETS, hasil=MEETS):
    """Confirmed by the atasan long enough ago that the objection window is over."""
    record = record_of(period, employee or org.staff[0])
    confirm_earlier(record, atasan(org), perilaku, None, hasil)
    return record


def finalised(org, period, employee=None):
    record = confirmed(org, period, employee)
    workflow.finalise(record, hr(org))
    return record


# --- the matrix and the confirmation -------------------------------------------------------------

MATRIX = [
    (ABOVE, BELOW, Predikat.KURANG), (ABOVE, MEETS, Predikat.BAIK), (ABOVE, ABOVE, Predikat.SANGAT_BAIK),
    (MEETS, BELOW, Predikat.KURANG), (MEETS, MEETS, Predikat.BAIK), (MEETS, ABOVE, Predikat.BAIK),
    (BELOW, BELOW, Predikat.SANGAT_KURANG), (BELOW, MEETS, Predikat.BUTUH_PERBAIKAN),
    (BELOW, ABOVE, Predikat.BUTUH_PERBAIKAN),
]


@pytest.mark.parametrize("hasil, perilaku, expected", MATRIX)
def test_every_matrix_cell_through_confirm(org, period, hasil, perilaku, expected):
    record = record_of(period, org.staff[0])
    workflow.confirm(record, atasan(org), perilaku, None, hasil)
    assert record.status == "confirmed"
    assert (record.rating_hasil_kerja, record.rating_perilaku, record.predikat) == (hasil, perilaku, expected.value)
    assert record.confirmed_by_id == atasan(org).id and record.confirmed_at is not None


def test_override_needs_a_reason(org, suggested):
    record = record_of(suggested, org.staff[0])
    assert record.rating_perilaku_suggested == ABOVE
    with pytest.raises(AppraisalError) as caught:
        workflow.confirm(record, atasan(org), MEETS, "  ", ABOVE)
    assert caught.value.field == "override_reason"
    assert record.status == "draft"
    workflow.confirm(record, atasan(org), MEETS, "Sering terlambat menyelesaikan berkas.", ABOVE)
    assert (record.rating_perilaku, record.override_reason, record.predikat) == (
        MEETS, "Sering terlambat menyelesaikan berkas.", "Baik")
    entry = audit.audit_log(record)[-1]
    assert entry.action == "confirm" and entry.reason == "Sering terlambat menyelesaikan berkas."


def test_confirming_the_suggestion_needs_no_reason(org, suggested):
    record = record_of(suggested, org.staff[0])
    workflow.confirm(record, atasan(org), "atas", "ignored", "sesuai")
    assert (record.rating_perilaku, record.override_reason, record.predikat) == (ABOVE, None, "Baik")


def test_confirm_needs_hasil_kerja_and_takes_the_one_entered(org, period):
    record = record_of(period, org.staff[0])
    with pytest.raises(AppraisalError) as caught:
        workflow.confirm(record, atasan(org), MEETS)
    assert caught.value.field == "rating_hasil_kerja"
    workflow.set_hasil_kerja(record, atasan(org), "Di Atas Ekspektasi")
    workflow.confirm(record, atasan(org), ABOVE)
    assert record.predikat == "Sangat Baik"


@pytest.mark.parametrize("who", ["hr", "admin", "pegawai"])
def test_only_the_pejabat_penilai_confirms(org, period, who):
    record = record_of(period, org.staff[0])
    with pytest.raises(TransitionRefused):
        workflow.confirm(record, org.users[who], MEETS, None, MEETS)
    assert record.status == "draft"


def test_the_head_cannot_confirm_for_the_supervisor(org, period, factory):
    head_user = factory.user(org.instansi, "kepala", {"supervisor", "employee"}, org.head)
    with pytest.raises(TransitionRefused):
        workflow.confirm(record_of(period, org.staff[0]), head_user, MEETS, None, MEETS)
    # ...but the head is the Pejabat Penilai of the supervisor.
    workflow.confirm(record_of(period, org.supervisor), head_user, MEETS, None, MEETS)


def test_bad_transitions_are_refused(org, period):
    record = record_of(period, org.staff[0])
    with pytest.raises(TransitionRefused):
        workflow.finalise(record, hr(org))
    with pytest.raises(TransitionRefused):
        workflow.reopen(record, admin(org), "x")
    with pytest.raises(TransitionRefused):
        workflow.return_to_draft(record, hr(org), "x")
    confirm_earlier(record, atasan(org), MEETS, None, MEETS)
    with pytest.raises(TransitionRefused):
        workflow.confirm(record, atasan(org), ABOVE, "x", MEETS)
    with pytest.raises(TransitionRefused):
        workflow.set_hasil_kerja(record, atasan(org), ABOVE)
    with pytest.raises(TransitionRefused):
        workflow.finalise(record, atasan(org))
    workflow.finalise(record, hr(org))
    assert record.status == "finalised" and record.finalised_by_id == hr(org).id


def test_a_finalised_record_cannot_be_changed_by_any_service(org, period):
    record = finalised(org, period)
    for attempt in (
        lambda: workflow.confirm(record, atasan(org), ABOVE, "x", ABOVE),
        lambda: workflow.set_hasil_kerja(record, hr(org), ABOVE),
        lambda: workflow.finalise(record, hr(org)),
        lambda: workflow.return_to_draft(record, hr(org), "x"),
    ):
        with pytest.raises(RecordFinalised):
            attempt()
    assert merge(period).skipped_non_draft == 1


def test_the_database_refuses_changes_to_a_finalised_record(org, period, db):
    record = finalised(org, period)
    db.session.flush()
    for statement in ("UPDATE appraisal_record SET composite = 99 WHERE id = :id",
                      "UPDATE appraisal_record SET predikat = 'Sangat Baik', rating_perilaku = 'x' WHERE id = :id",
                      "DELETE FROM appraisal_record WHERE id = :id"):
        with pytest.raises(DBAPIError, match="finalised appraisal record"):
            with db.session.begin_nested():
                db.session.execute(text(statement), {"id": record.id})
    db.session.expire(record)
    assert record.predikat == "Baik" and record.status == "finalised"


def test_the_database_refuses_changes_to_the_audit_log(org, period, db):
    entry_id = db.session.scalar(select(AuditEntry.id).limit(1))
    for statement in ("UPDATE audit_entry SET reason = 'x' WHERE id = :id", "DELETE FROM audit_entry WHERE id = :id"):
        with pytest.raises(DBAPIError, match="append-only"):
            with db.session.begin_nested():
                db.session.execute(text(statement), {"id": entry_id})


def test_only_an_admin_reopens_with_a_reason(org, period):
    record = finalised(org, period)
    with pytest.raises(TransitionRefused):
        workflow.reopen(record, hr(org), "Salah ketik hasil kerja")
    with pytest.raises(AppraisalError) as caught:
        workflow.reopen(record, admin(org), " ")
    assert caught.value.field == "reason"
    workflow.reopen(record, admin(org), "Salah ketik hasil kerja")
    assert record.status == "confirmed" and record.finalised_at is None
    entry = audit.audit_log(record)[-1]
    assert (entry.action, entry.reason, entry.user_id) == ("reopen", "Salah ketik hasil kerja", admin(org).id)
    assert json.loads(entry.before)["status"] == "finalised" and json.loads(entry.after)["status"] == "confirmed"


def test_return_to_draft_then_merge_recomputes(org, period):
    record = confirmed(org, period)
    with pytest.raises(AppraisalError):
        workflow.return_to_draft(record, hr(org), "")
    with pytest.raises(TransitionRefused):
        workflow.return_to_draft(record, atasan(org), "Mohon tinjau ulang")
    workflow.return_to_draft(record, hr(org), "Mohon tinjau ulang")
    assert (record.status, record.rating_perilaku, record.predikat) == ("draft", None, None)
    assert record.rating_hasil_kerja == MEETS
    citizen_responses(org.counter, org.staff[0], [4] * 10, [4] * 10)
    assert merge(period).updated == 1


def test_merge_leaves_decided_records_alone(org, period):
    confirmed(org, period, org.staff[0])
    finalised(org, period, org.staff[1])
    # One officer an hour, so the loket's plausible rate holds.
    for hour, officer in enumerate(org.staff[:3]):
        citizen_responses(org.counter, officer, [4] * 10, [4] * 10, when=NOON_UTC + timedelta(hours=hour))
    summary = merge(period)
    assert summary == MergeSummary(updated=1, unchanged=4, skipped_non_draft=2)
    assert record_of(period, org.staff[0]).citizen_n == 0
    assert record_of(period, org.staff[2]).citizen_n == 10


def test_audit_entries_have_before_after_who_and_when(org, period):
    record = record_of(period, org.staff[0])
    workflow.set_hasil_kerja(record, atasan(org), ABOVE)
    workflow.set_hasil_kerja(record, atasan(org), ABOVE)  # no change, no entry
    workflow.confirm(record, atasan(org), MEETS, None)
    with clock.frozen(clock.now() + PAST_THE_WINDOW):
        workflow.finalise(record, hr(org))
    entries = audit.audit_log(record)
    assert [e.action for e in entries] == ["merge", "hasil_kerja", "confirm", "finalise"]
    created, hasil, confirm, final = entries
    assert (json.loads(created.before), json.loads(created.after)) == (
        {}, {"status": "draft", "composite": None, "rating_perilaku_suggested": None})
    assert (json.loads(hasil.before), json.loads(hasil.after)) == ({"rating_hasil_kerja": None},
                                                                 {"rating_hasil_kerja": ABOVE})
    assert json.loads(confirm.after)["predikat"] == "Baik" and json.loads(confirm.before)["status"] == "draft"
    assert json.loads(final.after)["status"] == "finalised"
    assert (hasil.user_id, confirm.user_id, final.user_id) == (atasan(org).id, atasan(org).id, hr(org).id)
    assert all(e.at is not None and e.instansi_id == org.instansi.id for e in entries)


# --- hasil kerja import --------------------------------------------------------------------------

def table(rows: list[tuple[str, str]], header=("nip", "rating")):
    lines = [",".join(header)] + [",".join(row) for row in rows]
    return read_table("\n".join(lines).encode(), hasil_kerja.HASIL_KERJA_ALIASES)


def test_import_is_all_or_nothing(org, period):
    bad = table([(org.staff[0].nip, "atas"), (org.staff[1].nip, "luar biasa"), ("123", "sesuai"),
                 (org.staff[0].nip, "sesuai")])
    with pytest.raises(ImportRejected) as caught:
        hasil_kerja.import_hasil_kerja(period, bad, atasan(org))
    assert [p.row for p in caught.value.problems] == [3, 4, 5]
    assert record_of(period, org.staff[0]).rating_hasil_kerja is None
    good = table([(org.staff[0].nip, "Di Atas Ekspektasi"), (org.staff[1].nip, "sesuai")])
    summary = hasil_kerja.import_hasil_kerja(period, good, atasan(org))
    assert (summary.updated, summary.unchanged) == (2, 0)
    assert record_of(period, org.staff[1]).rating_hasil_kerja == MEETS
    assert hasil_kerja.import_hasil_kerja(period, good, atasan(org)).unchanged == 2


def test_import_limits_a_supervisor_to_their_reports(org, period):
    others = table([(org.staff[0].nip, "atas"), (org.head.nip, "atas")])
    with pytest.raises(ImportRejected) as caught:
        hasil_kerja.import_hasil_kerja(period, others, atasan(org))
    assert [p.row for p in caught.value.problems] == [3]
    assert hasil_kerja.import_hasil_kerja(period, others, hr(org)).updated == 2


def test_import_refuses_decided_records_and_reads_xlsx(org, period):
    from openpyxl import Workbook

    confirmed(org, period, org.staff[0])
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["NIP", "Penilaian"])
    sheet.append([org.staff[0].nip, "sesuai"])
    sheet.append([org.staff[1].nip, "bawah"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    parsed = read_table(buffer.getvalue(), hasil_kerja.HASIL_KERJA_ALIASES)
    with pytest.raises(ImportRejected) as caught:
        hasil_kerja.import_hasil_kerja(period, parsed, atasan(org))
    assert [p.row for p in caught.value.problems] == [2]
    sheet.delete_rows(2)
    buffer = io.BytesIO()
    workbook.save(buffer)
    hasil_kerja.import_hasil_kerja(period, read_table(buffer.getvalue(), hasil_kerja.HASIL_KERJA_ALIASES), atasan(org))
    assert record_of(period, org.staff[1]).rating_hasil_kerja == BELOW


def test_import_needs_the_columns(org, period):
    with pytest.raises(AppraisalError, match="Kolom wajib"):
        hasil_kerja.import_hasil_kerja(period, table([("1", "2")], header=("nip", "nilai")), hr(org))


# --- distribution and what waits --------------------------------------------------------------------

def test_distribution_warns_against_the_org_predikat(org, period):
    for employee in org.staff:
        confirmed(org, period, employee, perilaku=MEETS, hasil=MEETS)  # all Baik
    spread = overview.distribution(period)
    assert spread.counts[Predikat.BAIK] == 4 and spread.total == 4
    assert spread.org_predikat == "Baik"
    messages = [template % params for template, params in spread.warnings]
    assert any("paling banyak 70%" in m for m in messages)
    assert any("Butuh Perbaikan" in m and "belum ada" in m for m in messages)
    assert overview.distribution(period, org.other_unit.id).total == 0
    assert overview.distribution(period, org.other_unit.id).warnings == []


def test_the_distribution_table_adds_up_and_its_sentences_quote_it(hr_client, org, period):
    # A third each: shown as 33.34, 33.33 and 33.33 (largest remainder), never 33.3 beside 33.33.
    for employee, hasil in zip(org.staff[:3], (ABOVE, MEETS, BELOW)):
        confirmed(org, period, employee, perilaku=ABOVE, hasil=hasil)
    status, html = page(hr_client, f"/penilaian/periode/{period.id}")
    assert status == 200
    table = html[html.index('class="spread"'):]
    table = table[:table.index("</tbody>")]
    shares = {name: Decimal(share.replace(",", ".")) for name, share in
              re.findall(r'<th scope="row">([^<]+)</th><td class="num">\d+</td><td class="num">([\d,.]+)%', table)}
    assert shares == {"Sangat Baik": Decimal("33.34"), "Baik": Decimal("33.33"), "Butuh Perbaikan": Decimal("33.33"),
                      "Kurang/Misconduct": Decimal("0.00"), "Sangat Kurang": Decimal("0.00")}
    assert sum(shares.values()) == 100
    # The Baik organisation may give Baik to at most 70%: no warning on that, one on the missing low predikat.
    assert "diberikan kepada" not in html
    assert "metode sisa terbesar" in html


def test_waiting_lists_drafts_only(org, period):
    confirmed(org, period, org.staff[0])
    waiting = overview.waiting(period)
    assert org.staff[0].id not in {r.employee_id for r in waiting}
    assert len(waiting) == 6
    assert {r.employee_id for r in overview.waiting(period, org.other_unit.id)} == {org.users["hr"].employee_id}


# --- pages and access ------------------------------------------------------------------------------

def page(client, url):
    response = client.get(url)
    return response.status_code, response.get_data(as_text=True)


def test_hr_creates_a_period_with_the_weight_grid(hr_client, org, db):
    data = {
        "name": "Tahunan 2026", "kind": "tahunan", "citizen_from": "2026-01-01", "citizen_to": "2026-12-31",
        "officer_unsur": ["U6", "U7"], "min_citizen_n": "10", "above_threshold": "80", "meets_threshold": "60",
        **{f"w_front_line_{c}": v for c, v in {"citizen": "30", "atasan": "40", "rekan": "20", "bawahan": "10",
                                               "self": "0"}.items()},
        **{f"w_back_office_{c}": v for c, v in {"citizen": "0", "atasan": "50", "rekan": "30", "bawahan": "25",
                                                "self": "0"}.items()},
    }
    response = post_form(hr_client, "/penilaian/periode/baru", data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Bobot Pendukung (tanpa loket): jumlahnya harus 100" in html and "105" in html
    data["w_back_office_bawahan"] = "20"
    response = post_form(hr_client, "/penilaian/periode/baru", data)
    assert response.status_code == 302
    period_url = response.headers["Location"]
    status, html = page(hr_client, period_url)
    assert status == 200 and "Tahunan 2026" in html and "Gabungkan skor" in html
    response = post_form(hr_client, period_url + "/gabungkan", {}, page=period_url)
    assert response.status_code == 302
    status, html = page(hr_client, period_url)
    assert "7 catatan baru" in html
    assert "Dinas Kependudukan dan Pencatatan Sipil" in html
    response = post_form(hr_client, period_url + "/gabungkan", {}, page=period_url)
    assert "0 catatan baru, 0 diperbarui, 7 tidak berubah" in page(hr_client, period_url)[1]


def test_hr_edits_a_period(hr_client, org, period):
    url = f"/penilaian/periode/{period.id}/ubah"
    status, html = page(hr_client, url)
    assert status == 200 and 'name="w_front_line_citizen"' in html
    response = post_form(hr_client, url, {
        "name": "Tahunan 2026 (revisi)", "kind": "triwulan", "citizen_from": "2026-01-01",
        "citizen_to": "2026-03-31", "officer_unsur": ["U3", "U6", "U7"], "min_citizen_n": "5",
        "above_threshold": "85", "meets_threshold": "65",
        **{f"w_front_line_{c}": v for c, v in {"citizen": "25", "atasan": "45", "rekan": "20", "bawahan": "10",
                                               "self": "0"}.items()},
        **{f"w_back_office_{c}": v for c, v in {"citizen": "0", "atasan": "50", "rekan": "30", "bawahan": "20",
                                                "self": "0"}.items()},
    })
    assert response.status_code == 302
    assert (period.name, period.kind, period.officer_unsur, period.min_citizen_n) == (
        "Tahunan 2026 (revisi)", "triwulan", "U3,U6,U7", 5)


def test_hr_reads_units_records_and_the_audit_log_and_finalises(hr_client, org, period, db):
    confirmed(org, period, org.staff[0])
    confirmed(org, period, org.staff[1])
    db.session.commit()
    unit_url = f"/penilaian/periode/{period.id}/unit/{org.unit.id}"
    status, html = page(hr_client, unit_url)
    assert status == 200 and "Staf Uji 1" in html and "Finalkan semua yang sudah dikonfirmasi (2)" in html
    record = record_of(period, org.staff[0])
    status, html = page(hr_client, f"/penilaian/catatan/{record.id}")
    assert "Log audit" in html and "Dikonfirmasi" in html and "Atasan Uji" in html
    response = confirm_post(hr_client, f"/penilaian/catatan/{record.id}/finalkan", {},
                         page=f"/penilaian/catatan/{record.id}")
    assert response.status_code == 302
    db.session.expire_all()
    assert record_of(period, org.staff[0]).status == "finalised"
    response = confirm_post(hr_client, unit_url + "/finalkan", {}, page=unit_url)
    assert response.status_code == 302
    db.session.expire_all()
    assert record_of(period, org.staff[1]).status == "finalised"
    assert "1 catatan di Dinas Kependudukan" in page(hr_client, unit_url)[1]


def test_supervisor_confirms_from_the_team_page(supervisor_client, org, suggested, db):
    status, html = page(supervisor_client, "/penilaian/tim")
    assert status == 200
    assert all(s.name in html for s in org.staff) and "Kepala Dinas Uji" not in html
    assert "4 catatan menunggu konfirmasi Anda" in html
    record = record_of(suggested, org.staff[0])
    url = f"/penilaian/catatan/{record.id}"
    status, html = page(supervisor_client, url)
    assert "Konfirmasi sebagai Pejabat Penilai" in html and "Log audit" not in html
    response = post_form(supervisor_client, url + "/konfirmasi",
                         {"rating_perilaku": MEETS, "rating_hasil_kerja": ABOVE, "override_reason": ""}, page=url)
    assert response.status_code == 200
    assert "berbeda dari saran" in response.get_data(as_text=True)
    db.session.expire_all()
    assert record_of(suggested, org.staff[0]).status == "draft"
    response = post_form(supervisor_client, url + "/konfirmasi",
                         {"rating_perilaku": MEETS, "rating_hasil_kerja": ABOVE,
                          "override_reason": "Belum konsisten melayani di jam sibuk."}, page=url)
    assert response.status_code == 302
    db.session.expire_all()
    record = record_of(suggested, org.staff[0])
    assert (record.status, record.predikat, record.override_reason) == (
        "confirmed", "Baik", "Belum konsisten melayani di jam sibuk.")


def test_supervisor_enters_and_imports_hasil_kerja(supervisor_client, org, period, db):
    record = record_of(period, org.staff[2])
    url = f"/penilaian/catatan/{record.id}"
    response = post_form(supervisor_client, url + "/hasil-kerja", {"rating": BELOW}, page=url)
    assert response.status_code == 302
    import_url = f"/penilaian/periode/{period.id}/impor-hasil-kerja"
    csv = f"nip,rating\n{org.staff[0].nip},atas\n{org.head.nip},sesuai\n".encode()
    response = post_form(supervisor_client, import_url, {"file": (io.BytesIO(csv), "hasil.csv")},
                         content_type="multipart/form-data")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "bukan pegawai yang Anda nilai" in html and "tidak ada data yang disimpan" in html
    csv = f"nip,rating\n{org.staff[0].nip},atas\n".encode()
    response = post_form(supervisor_client, import_url, {"file": (io.BytesIO(csv), "hasil.csv")},
                         content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.expire_all()
    assert record_of(period, org.staff[0]).rating_hasil_kerja == ABOVE
    assert record_of(period, org.staff[2]).rating_hasil_kerja == BELOW


def test_admin_reopens_with_a_reason(admin_client, org, period, db):
    record = finalised(org, period)
    db.session.commit()
    url = f"/penilaian/catatan/{record.id}"
    assert "Buka kembali catatan final" in page(admin_client, url)[1]
    response = post_form(admin_client, url + "/buka-kembali", {"reopen-reason": ""}, page=url)
    assert response.status_code == 200 and "Wajib diisi" in response.get_data(as_text=True)
    response = post_form(admin_client, url + "/buka-kembali", {"reopen-reason": "Hasil kerja salah impor"}, page=url)
    assert response.status_code == 302
    db.session.expire_all()
    assert record_of(period, org.staff[0]).status == "confirmed"


def test_hr_cannot_reopen_and_returns_to_draft_instead(hr_client, org, period, db):
    record = finalised(org, period)
    db.session.commit()
    url = f"/penilaian/catatan/{record.id}"
    assert "Buka kembali" not in page(hr_client, url)[1]
    response = post_form(hr_client, url + "/buka-kembali", {"reopen-reason": "x"}, page=url)
    assert response.status_code == 403
    other = confirmed(org, period, org.staff[1])
    db.session.commit()
    url = f"/penilaian/catatan/{other.id}"
    response = post_form(hr_client, url + "/kembalikan", {"draft-reason": "Tinjau ulang"}, page=url)
    assert response.status_code == 302
    db.session.expire_all()
    assert record_of(period, org.staff[1]).status == "draft"


def test_employee_sees_only_their_own_decided_record(employee_client, org, period, db):
    own = record_of(period, org.staff[0])
    other = confirmed(org, period, org.staff[1])
    db.session.commit()
    status, html = page(employee_client, "/penilaian/saya")
    assert status == 200 and "Belum ada catatan penilaian yang dikonfirmasi" in html
    assert page(employee_client, f"/penilaian/catatan/{own.id}")[0] == 404  # still a draft
    assert page(employee_client, f"/penilaian/catatan/{other.id}")[0] == 404
    workflow.confirm(own, atasan(org), ABOVE, None, ABOVE)
    db.session.commit()
    status, html = page(employee_client, "/penilaian/saya")
    assert "Sangat Baik" in html and "Bagaimana skor Anda dihitung" in html and "belum dapat dihitung" in html
    status, html = page(employee_client, f"/penilaian/catatan/{own.id}")
    assert status == 200 and "Log audit" not in html and "Konfirmasi sebagai" not in html
    assert page(employee_client, "/penilaian/")[0] == 302


@pytest.mark.parametrize("url, allowed", [
    ("/penilaian/periode", {"hr", "admin"}),
    ("/penilaian/periode/baru", {"hr", "admin"}),
    ("/penilaian/periode/{period}", {"hr", "admin"}),
    ("/penilaian/periode/{period}/ubah", {"hr", "admin"}),
    ("/penilaian/periode/{period}/unit/{unit}", {"hr", "admin"}),
    ("/penilaian/periode/{period}/impor-hasil-kerja", {"hr", "admin", "atasan"}),
    ("/penilaian/tim", {"hr", "admin", "atasan"}),
    ("/penilaian/saya", {"hr", "admin", "atasan", "pegawai"}),
    ("/penilaian/catatan/{staff_record}", {"hr", "admin", "atasan"}),
    ("/penilaian/catatan/{boss_record}", {"hr", "admin"}),
    ("/penilaian/catatan/{hr_record}", {"hr", "admin"}),
])
def test_every_role_on_every_page(app, org, period, url, allowed):
    ids = {"period": period.id, "unit": org.unit.id, "staff_record": record_of(period, org.staff[0]).id,
           "boss_record": record_of(period, org.supervisor).id,
           "hr_record": record_of(period, org.users["hr"].employee).id}
    target = url.format(**ids)
    for username in ("hr", "admin", "atasan", "pegawai"):
        client = app.test_client()
        login(client, username)
        status = client.get(target).status_code
        if username in allowed:
            assert status == 200, (username, target, status)
        else:
            assert status in (403, 404), (username, target, status)
    assert app.test_client().get(target).status_code == 302


@pytest.mark.parametrize("action, who", [
    ("gabungkan", "atasan"), ("gabungkan", "pegawai"),
])
def test_refused_roles_cannot_merge(app, org, period, action, who):
    client = app.test_client()
    login(client, who)
    response = post_form(client, f"/penilaian/periode/{period.id}/{action}", {}, page="/akun")
    assert response.status_code == 403


def test_pegawai_cannot_post_to_the_workflow(app, org, period, db):
    record = record_of(period, org.staff[1])
    client = app.test_client()
    login(client, "pegawai")
    for path, data in (("konfirmasi", {"rating_perilaku": MEETS}), ("hasil-kerja", {"rating": MEETS})):
        response = post_form(client, f"/penilaian/catatan/{record.id}/{path}", data, page="/akun")
        assert response.status_code == 404
    assert post_form(client, f"/penilaian/catatan/{record.id}/finalkan", {}, page="/akun").status_code == 403


def test_another_instansi_is_404(app, org, period, factory, db):
    other = factory.instansi("Pemerintah Kota Lain")
    factory.unit(other, code="LAIN")
    factory.user(other, "hr-lain", {"hr"})
    db.session.commit()
    client = app.test_client()
    login(client, "hr-lain")
    record = record_of(period, org.staff[0])
    for url in (f"/penilaian/periode/{period.id}", f"/penilaian/periode/{period.id}/ubah",
                f"/penilaian/periode/{period.id}/unit/{org.unit.id}", f"/penilaian/catatan/{record.id}",
                f"/penilaian/periode/{period.id}/impor-hasil-kerja"):
        assert client.get(url).status_code == 404, url
    assert post_form(client, f"/penilaian/periode/{period.id}/gabungkan", {}, page="/akun").status_code == 404
    assert post_form(client, f"/penilaian/catatan/{record.id}/finalkan", {}, page="/akun").status_code == 404
    assert "Pemerintah Kota Uji" not in client.get("/penilaian/periode").get_data(as_text=True)
    assert period.name not in client.get("/penilaian/periode").get_data(as_text=True)


# --- the command line ------------------------------------------------------------------------------

def test_merge_command_twice_changes_nothing(runner, org, db):
    period = make_period(org)
    db.session.commit()
    first = runner.invoke(args=["merge-appraisals", "--period", str(period.id), "--user", "hr"])
    assert first.exit_code == 0, first.output
    assert "7 catatan baru" in first.output
    entries = db.session.scalar(select(func.count(AuditEntry.id)))
    second = runner.invoke(args=["merge-appraisals", "--period", str(period.id)])
    assert second.exit_code == 0, second.output
    assert "0 catatan baru, 0 diperbarui, 7 tidak berubah" in second.output
    assert db.session.scalar(select(func.count(AuditEntry.id))) == entries
    merged = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "merge").limit(1))
    assert merged.user_id == org.users["hr"].id


def test_merge_command_errors(runner, org, db):
    assert runner.invoke(args=["merge-appraisals", "--period", "999999"]).exit_code != 0
    period = make_period(org)
    db.session.commit()
    result = runner.invoke(args=["merge-appraisals", "--period", str(period.id), "--user", "tidak-ada"])
    assert result.exit_code != 0 and "tidak-ada" in result.output
    assert "--period" in runner.invoke(args=["merge-appraisals", "--help"]).output


def test_periods_json(runner, org, period, db):
    confirmed(org, period)
    db.session.commit()
    result = runner.invoke(args=["periods", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data == [{
        "id": period.id, "name": period.name, "kind": "tahunan", "instansi": "Pemerintah Kota Uji",
        "citizen_from": "2026-01-01", "citizen_to": "2026-12-31", "cycles": [], "officer_unsur": ["U6", "U7"],
        "min_citizen_n": 10, "above_threshold": "80.00", "meets_threshold": "60.00",
        "weights": {"back_office": {"atasan": "50", "bawahan": "20", "citizen": "0", "rekan": "30", "self": "0"},
                    "front_line": {"atasan": "40", "bawahan": "10", "citizen": "30", "rekan": "20", "self": "0"}},
        "records": 7, "status_counts": {"draft": 6, "confirmed": 1, "finalised": 0},
    }]
    text_output = runner.invoke(args=["periods"]).output
    assert period.name in text_output and re.search(r"\b7\b", text_output)
    assert "--json" in runner.invoke(args=["periods", "--help"]).output


def test_record_figures_on_the_page(hr_client, org, db):
    citizen_responses(org.counter, org.staff[0], [4] * 6 + [3] * 6, [3] * 12)
    cycle = released_cycle(org, lambda inv: 5 if inv.rater_group in ("atasan", "diri") else 4)
    period = make_period(org, [cycle])
    merge(period)
    db.session.commit()
    record = record_of(period, org.staff[0])
    html = page(hr_client, f"/penilaian/catatan/{record.id}")[1]
    # Indonesian decimals: 75,00 with n 12 and the weight used 33,33%.
    assert "75,00" in html and "33,33%" in html and ">12<" in html
    assert "Skor masyarakat dari 12 tanggapan" in html
    assert Decimal(record.composite) > 0

"""Consequential actions go through a confirmation page that says what will happen, in numbers:
the action's own POST changes nothing, only the confirmation's does, and a confirmation whose
numbers changed meanwhile is refused (409) with the new numbers."""
import re

from sqlalchemy import func, select

from portal.appraisal import workflow
from portal.feedback.models import PaperBatch
from portal.reviews.models import ReviewCycle, ReviewInvitation
from tests.conftest import confirm_post, confirmation, post_form
from tests.portal.appraisal_helpers import confirm_earlier, record_of
from tests.portal.test_appraisal_workflow import MEETS, atasan, period  # noqa: F401 (fixture)
from tests.portal.test_paper_batches import as_csv, in_march, paper, upload  # noqa: F401 (fixture)


def _text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def _state(db, cycle) -> str:
    db.session.expire_all()
    return db.session.get(ReviewCycle, cycle.id).state


def test_opening_a_cycle_says_what_will_be_sent_and_changes_nothing_until_confirmed(hr_client, cycle, db):
    url = f"/360/{cycle.id}"
    invitations = db.session.scalar(select(func.count(ReviewInvitation.id)).where(
        ReviewInvitation.cycle_id == cycle.id, ReviewInvitation.approved.is_(True)))
    response = post_form(hr_client, f"{url}/status/open", {}, page=url)
    assert response.status_code == 200 and _state(db, cycle) == "draft"
    page = _text(response)
    assert f"{invitations} undangan dikirim kepada" in page
    assert "Langkah ini tidak dapat dibatalkan." in page and "Batal" in page
    assert confirmation(response)["confirmed"] == "1"
    # A GET or a second plain POST changes nothing either.
    assert hr_client.get(f"{url}/status/open").status_code == 405
    assert post_form(hr_client, f"{url}/status/open", {}, page=url).status_code == 200
    assert _state(db, cycle) == "draft"
    assert confirm_post(hr_client, f"{url}/status/open", {}, page=url).status_code == 302
    assert _state(db, cycle) == "open"


def test_closing_names_the_reviews_in_and_the_groups_that_will_be_hidden(hr_client, cycle, db):
    url = f"/360/{cycle.id}"
    confirm_post(hr_client, f"{url}/status/open", {}, page=url)
    response = post_form(hr_client, f"{url}/status/closed", {}, page=url)
    page = _text(response)
    assert response.status_code == 200 and _state(db, cycle) == "open"
    assert "Ulasan masuk sejauh ini (kelompok yang mencapai ambang): 0 dari" in page and "(0%)" in page
    assert "akan disembunyikan di laporan" in page


def test_a_confirmation_whose_numbers_changed_is_refused_and_changes_nothing(hr_client, cycle, db):
    url = f"/360/{cycle.id}"
    fields = confirmation(post_form(hr_client, f"{url}/status/open", {}, page=url))
    # Meanwhile a rater is taken off: the invitations to send are no longer those shown.
    invitation = db.session.scalar(select(ReviewInvitation).where(
        ReviewInvitation.cycle_id == cycle.id, ReviewInvitation.rater_group == "rekan"))
    db.session.delete(invitation)
    db.session.commit()
    response = hr_client.post(f"{url}/status/open", data=fields)
    assert response.status_code == 409 and _state(db, cycle) == "draft"
    assert "Keadaan berubah sejak halaman konfirmasi ditampilkan" in _text(response)
    # A forged digest is refused the same way.
    response = hr_client.post(f"{url}/status/open", data={**confirmation(response), "shown": "0" * 64})
    assert response.status_code == 409 and _state(db, cycle) == "draft"


def test_removing_a_rater_warns_when_the_group_falls_under_the_threshold(hr_client, cycle, db):
    url = f"/360/{cycle.id}"
    peer = db.session.scalar(select(ReviewInvitation).where(
        ReviewInvitation.cycle_id == cycle.id, ReviewInvitation.rater_group == "rekan"))
    response = post_form(hr_client, f"{url}/penilai/{peer.id}/hapus", {"next": url}, page=url)
    page = _text(response)
    assert response.status_code == 200 and db.session.get(ReviewInvitation, peer.id) is not None
    assert f"{peer.rater.name} tidak lagi menjadi penilai {peer.reviewee.name}." in page
    assert "Penilai kelompok Rekan kerja" in page and "di bawah ambang anonimitas (3)" in page
    assert confirmation(response)["next"] == url
    assert confirm_post(hr_client, f"{url}/penilai/{peer.id}/hapus", {"next": url}, page=url).headers["Location"] == url
    db.session.expire_all()
    assert db.session.get(ReviewInvitation, peer.id) is None


def test_finalising_a_record_says_what_is_locked(hr_client, org, period, db):  # noqa: F811
    record = record_of(period, org.staff[0])
    confirm_earlier(record, atasan(org), MEETS, None, MEETS)
    db.session.commit()
    url = f"/penilaian/catatan/{record.id}"
    response = post_form(hr_client, url + "/finalkan", {}, page=url)
    assert response.status_code == 200
    assert f"1 catatan dikunci: {org.staff[0].name}" in _text(response)
    db.session.expire_all()
    assert record_of(period, org.staff[0]).status == "confirmed"
    unit_url = f"/penilaian/periode/{period.id}/unit/{org.unit.id}"
    response = post_form(hr_client, unit_url + "/finalkan", {}, page=unit_url)
    assert response.status_code == 200 and "1 catatan di Dinas Kependudukan" in _text(response)
    assert confirm_post(hr_client, unit_url + "/finalkan", {}, page=unit_url).status_code == 302
    db.session.expire_all()
    assert record_of(period, org.staff[0]).status == "finalised"
    assert workflow.finalisable(period, org.unit.id, org.users["hr"])[0] == []


def test_withdrawing_a_batch_says_how_many_rows_leave_the_figures(head_client, hr_client, org, db):
    assert upload(head_client, as_csv(paper(3))).status_code == 302
    batch = db.session.scalar(select(PaperBatch))
    response = post_form(hr_client, f"/integritas/batch/{batch.id}/tarik", {f"w{batch.id}-reason": "Salah loket"},
                         page="/integritas/")
    page = _text(response)
    assert response.status_code == 200 and "3 baris batch ditandai ditarik" in page and "Alasan: Salah loket" in page
    db.session.expire_all()
    assert db.session.get(PaperBatch, batch.id).status == "pending"
    assert confirmation(response)[f"w{batch.id}-reason"] == "Salah loket"
    assert confirm_post(hr_client, f"/integritas/batch/{batch.id}/tarik", {f"w{batch.id}-reason": "Salah loket"},
                        page="/integritas/").status_code == 303
    db.session.expire_all()
    assert db.session.get(PaperBatch, batch.id).status == "withdrawn"


def test_the_confirmation_page_reads_in_english(hr_client, cycle, db):
    url = f"/360/{cycle.id}"
    response = post_form(hr_client, f"{url}/status/open", {}, page=url, headers={"Accept-Language": "en"})
    page = _text(response)
    assert response.status_code == 200 and "This step cannot be undone." in page and "Cancel" in page


def _closed(hr_client, cycle, db) -> str:
    url = f"/360/{cycle.id}"
    confirm_post(hr_client, f"{url}/status/open", {}, page=url)
    confirm_post(hr_client, f"{url}/status/closed", {}, page=url)
    assert _state(db, cycle) == "closed"
    return url


def test_a_closed_cycle_reopens_through_its_confirmation_before_any_report_is_read(hr_client, cycle, db):
    url = _closed(hr_client, cycle, db)
    assert "Buka kembali siklus" in _text(hr_client.get(url))
    response = post_form(hr_client, f"{url}/buka-kembali", {}, page=url)
    page = _text(response)
    assert response.status_code == 200 and _state(db, cycle) == "closed"
    assert "tautan undangan yang belum dipakai berlaku lagi" in page and "0 dari" in page
    assert confirm_post(hr_client, f"{url}/buka-kembali", {}, page=url).status_code == 302
    assert _state(db, cycle) == "open"
    assert db.session.get(ReviewCycle, cycle.id).closed_at is None
    # Closed again, it closes as before (the pool's count still adds up).
    confirm_post(hr_client, f"{url}/status/closed", {}, page=url)
    assert _state(db, cycle) == "closed"


def _reviewee(db, cycle):
    return db.session.scalar(select(ReviewInvitation).where(ReviewInvitation.cycle_id == cycle.id)).reviewee


def test_reading_a_report_rules_out_reopening(hr_client, cycle, db):
    url = _closed(hr_client, cycle, db)
    assert hr_client.get(f"/360/laporan/{cycle.id}").status_code == 200
    assert db.session.get(ReviewCycle, cycle.id).report_first_read_at is None, "the list shows no figures"
    assert hr_client.get(f"/360/laporan/{cycle.id}/{_reviewee(db, cycle).id}").status_code == 200
    db.session.expire_all()
    first = db.session.get(ReviewCycle, cycle.id).report_first_read_at
    assert first is not None
    assert "tidak dapat dibuka kembali" in _text(hr_client.get(url))
    response = post_form(hr_client, f"{url}/buka-kembali", {}, page=url, follow_redirects=True)
    assert "laporannya sudah dibaca atau diekspor" in _text(response) and _state(db, cycle) == "closed"
    # Nor does a forged confirmation get through.
    response = hr_client.post(f"{url}/buka-kembali", data={"confirmed": "1", "shown": "0" * 64,
                                                            "csrf_token": confirmation(post_form(
                                                                hr_client, f"{url}/status/released", {},
                                                                page=url))["csrf_token"]})
    assert _state(db, cycle) == "closed"
    hr_client.get(f"/360/laporan/{cycle.id}/{_reviewee(db, cycle).id}")
    db.session.expire_all()
    assert db.session.get(ReviewCycle, cycle.id).report_first_read_at == first, "the first read stays"


def test_exporting_a_report_rules_out_reopening(app, hr_client, cycle, db):
    url = _closed(hr_client, cycle, db)
    result = app.test_cli_runner().invoke(args=["review-report", "--cycle", str(cycle.id), "--employee",
                                                _reviewee(db, cycle).nip, "--json"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(ReviewCycle, cycle.id).report_first_read_at is not None
    response = post_form(hr_client, f"{url}/buka-kembali", {}, page=url, follow_redirects=True)
    assert "laporannya sudah dibaca atau diekspor" in _text(response) and _state(db, cycle) == "closed"


def test_only_a_closed_cycle_reopens_and_only_its_own_instansi(hr_client, cycle, db):
    url = f"/360/{cycle.id}"
    response = post_form(hr_client, f"{url}/buka-kembali", {}, page=url, follow_redirects=True)
    assert "Hanya siklus yang ditutup" in _text(response) and _state(db, cycle) == "draft"
    assert post_form(hr_client, "/360/999999/buka-kembali", {}, page=url).status_code == 404

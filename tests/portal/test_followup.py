"""Tindak lanjut: the saran inbox, follow-up records with the weakest unsur, and who may open what."""
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.feedback.models import SkmComment
from portal.feedback.services import Submission, record_response
from portal.insight import followup
from portal.insight.models import FollowUp
from portal.org.models import Counter
from tests.conftest import client_for, post_form

INBOX = "/tindak-lanjut/"


def scores(low: str | None = None, value: int = 2) -> dict[str, int]:
    result = {f"U{i}": 4 for i in range(1, 10)}
    if low:
        result[low] = value
    return result


def respond(counter, at, comment="", low=None, **kw):
    return record_response(counter, Submission(scores=scores(low), comment=comment, submitted_at=at, **kw))


@pytest.fixture
def saran(db, factory, org):
    """Three saran at UJI01 (DUKCAPIL) on three days, one purged; one at DINKES's loket."""
    dinkes = factory.add(Counter(unit_id=org.other_unit.id, code="DKS01", name="Loket Dinkes"))
    base = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)  # 10.00 WITA
    respond(org.counter, base, "Antrean terlalu lama di pagi hari.", profile={"gender": "P", "occupation": "WIRAUSAHA"})
    respond(org.counter, base + timedelta(days=1), "Petugas ramah sekali, terima kasih.")
    respond(org.counter, base + timedelta(days=2), "Ruang tunggu panas.")
    respond(dinkes, base, "Saran untuk Dinas Kesehatan.")
    comments = {c.text: c for c in db.session.scalars(select(SkmComment))}
    purged = comments["Ruang tunggu panas."]
    purged.text, purged.purged_at = None, base + timedelta(days=400)
    db.session.commit()
    return comments


# --- the inbox -----------------------------------------------------------------------------------------

def test_inbox_lists_the_units_saran_newest_first(head_client, saran):
    html = head_client.get(INBOX).get_data(as_text=True)
    assert "Saran untuk Dinas Kesehatan." not in html
    first = html.index("(dihapus setelah masa simpan)")
    assert first < html.index("Petugas ramah sekali") < html.index("Antrean terlalu lama")
    assert "4 Mar 2026, 10.00" in html and "UJI01" in html
    # Nothing about the citizen next to the words: no profile answers.
    assert "Perempuan" not in html and "Wirausaha" not in html
    assert "Baru: 3" in html


def test_hr_sees_every_unit(hr_client, saran):
    html = hr_client.get(INBOX).get_data(as_text=True)
    assert "Saran untuk Dinas Kesehatan." in html and "Petugas ramah sekali" in html


@pytest.mark.parametrize("query,shown,hidden", [
    ("dari=2026-03-03&sampai=2026-03-03", ["Petugas ramah"], ["Antrean terlalu lama", "(dihapus"]),
    ("dari=2026-03-04", ["(dihapus"], ["Petugas ramah", "Antrean terlalu lama"]),
    ("status=selesai", [], ["Petugas ramah", "Antrean terlalu lama", "(dihapus"]),
])
def test_inbox_filters(head_client, saran, query, shown, hidden):
    html = head_client.get(f"{INBOX}?{query}").get_data(as_text=True)
    for text in shown:
        assert text in html
    for text in hidden:
        assert text not in html


def test_inbox_filters_by_loket_and_status(hr_client, db, saran):
    dinkes = db.session.scalar(select(Counter).where(Counter.code == "DKS01"))
    html = hr_client.get(f"{INBOX}?loket={dinkes.id}").get_data(as_text=True)
    assert "Saran untuk Dinas Kesehatan." in html and "Petugas ramah" not in html
    saran["Petugas ramah sekali, terima kasih."].status = "selesai"
    db.session.commit()
    html = hr_client.get(f"{INBOX}?status=selesai").get_data(as_text=True)
    assert "Petugas ramah" in html and "Saran untuk Dinas Kesehatan." not in html


def test_inbox_pages(head_client, db, org):
    start = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)
    for i in range(23):
        respond(org.counter, start + timedelta(minutes=i), f"Saran nomor {i:02d}.")
    db.session.commit()
    first = head_client.get(INBOX).get_data(as_text=True)
    assert "Saran nomor 22." in first and "Saran nomor 02." not in first and "Halaman 1 dari 2" in first
    second = head_client.get(f"{INBOX}?halaman=2").get_data(as_text=True)
    assert "Saran nomor 02." in second and "Saran nomor 22." not in second


def test_update_a_saran(head_client, db, org, saran):
    comment = saran["Antrean terlalu lama di pagi hari."]
    prefix = f"c{comment.id}"
    response = post_form(head_client, f"/tindak-lanjut/saran/{comment.id}", {
        f"{prefix}-status": "ditindaklanjuti", f"{prefix}-assignee": str(org.staff[1].id),
        f"{prefix}-note": "Loket dibuka 07.30.", f"{prefix}-next": f"{INBOX}?status=baru",
    }, page=INBOX)
    assert response.status_code == 302
    assert response.headers["Location"] == f"{INBOX}?status=baru#saran-{comment.id}"
    db.session.refresh(comment)
    assert (comment.status, comment.assignee_id, comment.response_note) == ("ditindaklanjuti", org.staff[1].id,
                                                                            "Loket dibuka 07.30.")
    assert comment.updated_at is not None
    html = head_client.get(INBOX).get_data(as_text=True)
    assert "Penanggung jawab: Staf Uji 2" in html


def test_assignee_must_be_an_employee_of_the_unit(head_client, db, factory, org, saran):
    outsider = factory.employee(org.other_unit, "Pegawai Dinkes")
    db.session.commit()
    comment = saran["Antrean terlalu lama di pagi hari."]
    prefix = f"c{comment.id}"
    response = post_form(head_client, f"/tindak-lanjut/saran/{comment.id}", {
        f"{prefix}-status": "selesai", f"{prefix}-assignee": str(outsider.id), f"{prefix}-note": "",
    }, page=INBOX)
    assert response.status_code == 302
    db.session.refresh(comment)
    assert comment.status == "baru" and comment.assignee_id is None
    with pytest.raises(followup.FollowUpError):
        followup.update_comment(comment, "selesai", outsider.id, "")
    with pytest.raises(followup.FollowUpError):
        followup.update_comment(comment, "dibuang", None, "")


def test_update_of_another_units_saran_is_refused(other_head_client, db, saran):
    comment = saran["Antrean terlalu lama di pagi hari."]
    response = post_form(other_head_client, f"/tindak-lanjut/saran/{comment.id}",
                         {f"c{comment.id}-status": "selesai"}, page=INBOX)
    assert response.status_code == 403
    assert post_form(other_head_client, "/tindak-lanjut/saran/999999", {}, page=INBOX).status_code == 404
    db.session.refresh(comment)
    assert comment.status == "baru"


def test_purged_saran_can_still_be_closed(head_client, db, saran):
    comment = next(c for c in saran.values() if c.text is None)
    post_form(head_client, f"/tindak-lanjut/saran/{comment.id}", {f"c{comment.id}-status": "selesai"}, page=INBOX)
    db.session.refresh(comment)
    assert comment.status == "selesai" and comment.text is None


# --- follow-up records ---------------------------------------------------------------------------------

@pytest.fixture
def quarter(db, org):
    """Q1 2026 at UJI01 with U3 the weakest, and Q2 with U8."""
    for i in range(6):
        respond(org.counter, datetime(2026, 2, 2 + i, 2, tzinfo=timezone.utc), low="U3")
        respond(org.counter, datetime(2026, 5, 4 + i, 2, tzinfo=timezone.utc), low="U8")
    db.session.commit()


def test_weakest_unsur_of_a_period(db, org, quarter):
    assert followup.weakest_unsur(org.unit, date(2026, 1, 1), date(2026, 3, 31)) == "U3"
    assert followup.weakest_unsur(org.unit, date(2026, 4, 1), date(2026, 6, 30)) == "U8"
    assert followup.weakest_unsur(org.unit, date(2025, 1, 1), date(2025, 3, 31)) is None


def test_follow_up_page_defaults_to_the_weakest_unsur(head_client, quarter):
    page = head_client.get("/tindak-lanjut/unit/DUKCAPIL?dari=2026-01-01&sampai=2026-03-31")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert re.search(r'<option selected value="U3">', html)
    assert "Unsur terlemah 1 Jan 2026 – 31 Mar 2026: U3 Waktu Penyelesaian." in html
    html = head_client.get("/tindak-lanjut/unit/DUKCAPIL?dari=2026-04-01&sampai=2026-06-30").get_data(as_text=True)
    assert re.search(r'<option selected value="U8">', html)


def test_add_follow_up_with_the_automatic_unsur(head_client, db, org, quarter):
    url = "/tindak-lanjut/unit/DUKCAPIL"
    response = post_form(head_client, url, {
        "period_from": "2026-01-01", "period_to": "2026-03-31", "unsur": "",
        "action": "Menambah petugas verifikasi pada jam sibuk", "status": "berjalan", "target_date": "2026-06-30",
    })
    assert response.status_code == 302
    item = db.session.scalar(select(FollowUp))
    assert (item.unsur, item.status, item.target_date) == ("U3", "berjalan", date(2026, 6, 30))
    assert item.created_by_id is not None and item.unit_id == org.unit.id
    html = head_client.get(url).get_data(as_text=True)
    assert "Menambah petugas verifikasi pada jam sibuk" in html and "U3 · Waktu Penyelesaian" in html

    response = post_form(head_client, f"/tindak-lanjut/tindak/{item.id}/status", {f"f{item.id}-status": "selesai"},
                         page=url)
    assert response.status_code == 302
    db.session.refresh(item)
    assert item.status == "selesai" and item.updated_at is not None


def test_add_follow_up_with_a_chosen_unsur(head_client, db, quarter):
    post_form(head_client, "/tindak-lanjut/unit/DUKCAPIL", {
        "period_from": "2026-01-01", "period_to": "2026-03-31", "unsur": "U7", "action": "Pelatihan layanan prima",
        "status": "direncanakan",
    })
    assert db.session.scalar(select(FollowUp.unsur)) == "U7"


@pytest.mark.parametrize("data,message", [
    ({"period_from": "2026-03-31", "period_to": "2026-01-01", "action": "x", "status": "berjalan"},
     "Tanggal akhir tidak boleh sebelum tanggal awal."),
    ({"period_from": "2025-01-01", "period_to": "2025-03-31", "unsur": "", "action": "x", "status": "berjalan"},
     "Belum ada tanggapan pada periode ini; pilih unsurnya sendiri."),
    ({"period_from": "2026-01-01", "period_to": "2026-03-31", "action": "  ", "status": "berjalan"}, "Wajib diisi."),
    ({"period_from": "2026-01-01", "period_to": "2026-03-31", "action": "x", "status": "batal"}, "Pilihan tidak valid."),
    ({"period_from": "2026-01-01", "period_to": "2026-03-31", "unsur": "U10", "action": "x", "status": "berjalan"},
     "Pilihan tidak valid."),
])
def test_follow_up_form_is_validated(head_client, db, quarter, data, message):
    response = post_form(head_client, "/tindak-lanjut/unit/DUKCAPIL", data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(FollowUp.id))) == 0


def test_follow_up_of_another_unit_is_refused(other_head_client, db, org):
    item = followup.add_follow_up(org.unit, date(2026, 1, 1), date(2026, 3, 31), "U3", "Aksi", "berjalan", None, None)
    db.session.commit()
    assert other_head_client.get("/tindak-lanjut/unit/DUKCAPIL").status_code == 403
    response = post_form(other_head_client, f"/tindak-lanjut/tindak/{item.id}/status", {f"f{item.id}-status": "selesai"},
                         page=INBOX)
    assert response.status_code == 403
    db.session.refresh(item)
    assert item.status == "berjalan"


def test_unit_head_sees_own_and_sub_units(app, db, factory, org):
    child = factory.unit(org.instansi, code="UPT-DUK", name="UPT Dukcapil Kecamatan", parent_id=org.unit.id)
    factory.user(org.instansi, "kepala", {"supervisor"}, org.head)
    db.session.commit()
    client = client_for(app, "kepala")
    html = client.get("/tindak-lanjut/unit/").get_data(as_text=True)
    assert "UPT-DUK" in html and "DUKCAPIL" in html and "DINKES" not in html
    assert client.get(f"/tindak-lanjut/unit/{child.code}").status_code == 200


# --- access to every page ------------------------------------------------------------------------------

def _urls(app, ids):
    """Every URL of the blueprint with real ids filled in, and its methods."""
    values = {"comment_id": ids["comment"], "alert_id": ids["alert"], "follow_up_id": ids["follow_up"],
              "code": "DUKCAPIL"}
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("followup."):
            url = rule.rule
            for name in rule.arguments:
                url = url.replace(f"<{name}>", str(values[name])).replace(f"<int:{name}>", str(values[name]))
            urls.extend((method, url) for method in ("GET", "POST") if method in rule.methods)
    return urls


@pytest.fixture
def ids(db, org, saran):
    from portal.insight.models import Alert

    item = followup.add_follow_up(org.unit, date(2026, 1, 1), date(2026, 3, 31), "U3", "Aksi", "berjalan", None, None)
    now = clock.now()
    alert = Alert(unit_id=org.unit.id, counter_id=org.counter.id, window_start=now - timedelta(hours=24),
                  window_end=now, answers=10, negative=5, share_percent=50, threshold_percent=30)
    db.session.add(alert)
    db.session.commit()
    return {"comment": saran["Antrean terlalu lama di pagi hari."].id, "alert": alert.id, "follow_up": item.id}


def test_every_route_refuses_employees_and_non_head_supervisors(app, ids, employee_client, supervisor_client, client):
    urls = _urls(app, ids)
    assert len(urls) == 13
    for who in (employee_client, supervisor_client):
        for method, url in urls:
            response = who.get(url) if method == "GET" else post_form(who, url, {}, page="/akun")
            assert response.status_code == 403, (method, url, response.status_code)
    for method, url in urls:
        response = client.get(url) if method == "GET" else client.post(url)
        assert response.status_code in (302, 400), (method, url)
        if method == "GET":
            assert "/masuk" in response.headers["Location"]


def test_every_page_opens_for_hr_admin_and_the_unit_head(app, ids, hr_client, admin_client, head_client):
    gets = [url for method, url in _urls(app, ids) if method == "GET"]
    for who in (hr_client, admin_client, head_client):
        for url in gets:
            assert who.get(url).status_code == 200, url


def test_nav_entry_for_managers_only(hr_client, admin_client, supervisor_client, employee_client, org):
    for who in (hr_client, admin_client, supervisor_client):
        assert 'href="/tindak-lanjut/">Tindak lanjut</a>' in who.get("/").get_data(as_text=True)
    assert "/tindak-lanjut/" not in employee_client.get("/").get_data(as_text=True)

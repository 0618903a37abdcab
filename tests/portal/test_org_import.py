"""The employee import in two steps: a preview, then the apply from the preview's own POST (issue 17 §8)."""
from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.org import import_preview
from portal.org.models import Employee
from tests.conftest import client_for, login, post_form
from tests.factories import new_nip
from tests.portal.org_import_helpers import APPLY_URL, URL, apply, confirm_fields, preview_upload

TEMPLATE_URL = "/organisasi/pegawai/impor/templat.csv"


def _csv(rows, header="nip,nama,jabatan,unit,nip_atasan,aktif"):
    return (header + "\n" + "\n".join(",".join(r) for r in rows) + "\n").encode()


def _state(db):
    db.session.expire_all()
    return sorted((e.nip, e.name, e.jabatan, e.unit_id, e.supervisor_id, e.active)
                  for e in db.session.scalars(select(Employee)))


def _file(org, nip):
    moved, leaving = org.staff[2], org.staff[3]
    return _csv([
        [nip, "Lalu Baru", "Staf", "DUKCAPIL", org.supervisor.nip, "ya"],
        [moved.nip, moved.name, "Analis Baru", "DINKES", org.head.nip, "ya"],
        [leaving.nip, leaving.name, leaving.jabatan, "DUKCAPIL", org.supervisor.nip, "tidak"],
    ])


def test_the_preview_shows_added_changed_and_deactivated_and_changes_nothing(hr_client, org, db):
    before, nip = _state(db), new_nip()
    response = preview_upload(hr_client, _file(org, nip))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Pratinjau impor pegawai" in html
    assert "Ditambahkan: 1 pegawai" in html and "Diubah: 2 pegawai" in html and "Dinonaktifkan: 1 pegawai" in html
    assert nip in html and "Lalu Baru" in html
    # Field by field: the moved employee's jabatan, unit and atasan, each with before and after.
    assert "Analis Baru" in html and "DINKES" in html and org.head.nip in html
    assert org.staff[3].nip in html.split('id="preview-deactivated"', 1)[1]
    assert _state(db) == before
    assert db.session.scalar(select(Employee).where(Employee.nip == nip)) is None


def test_confirming_applies_exactly_the_preview(hr_client, org, db):
    nip = new_nip()
    preview = preview_upload(hr_client, _file(org, nip))
    response = apply(hr_client, preview)
    assert response.status_code == 302 and "/organisasi/pegawai/impor/hasil" in response.headers["Location"]
    db.session.expire_all()
    added = db.session.scalar(select(Employee).where(Employee.nip == nip))
    assert added is not None and added.supervisor_id == org.supervisor.id
    moved = db.session.get(Employee, org.staff[2].id)
    assert (moved.jabatan, moved.unit_id, moved.supervisor_id) == ("Analis Baru", org.other_unit.id, org.head.id)
    assert db.session.get(Employee, org.staff[3].id).active is False
    # The file is applied once: a second confirm finds nothing kept.
    again = apply(hr_client, preview)
    assert again.status_code == 302 and again.headers["Location"].endswith(URL)


def test_a_changed_org_since_the_preview_is_refused_with_the_new_preview(hr_client, org, db):
    nip = new_nip()
    preview = preview_upload(hr_client, _file(org, nip))
    # Someone else moves staff[2] to DINKES meanwhile: the same file now changes less.
    db.session.get(Employee, org.staff[2].id).unit_id = org.other_unit.id
    db.session.commit()
    before = _state(db)
    response = apply(hr_client, preview)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Data pegawai berubah sejak pratinjau" in html and "Pratinjau impor pegawai" in html
    assert _state(db) == before
    # The new preview's own POST applies.
    assert apply(hr_client, response).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Employee).where(Employee.nip == nip)) is not None


def test_a_tampered_digest_or_unknown_file_applies_nothing(hr_client, org, db):
    preview = preview_upload(hr_client, _file(org, new_nip()))
    fields = confirm_fields(preview)
    before = _state(db)
    forged = dict(fields, digest="0" * 64)
    assert hr_client.post(APPLY_URL, data=forged).status_code == 409
    unknown = dict(fields, sha256="f" * 64)
    assert hr_client.post(APPLY_URL, data=unknown).status_code == 302
    path_like = dict(fields, sha256="../" * 21 + "a")
    assert hr_client.post(APPLY_URL, data=path_like).status_code == 302
    assert _state(db) == before


def test_a_plain_post_to_apply_without_the_preview_changes_nothing(hr_client, org, db):
    before = _state(db)
    response = post_form(hr_client, APPLY_URL, {}, page=URL)
    assert response.status_code == 302
    assert _state(db) == before


def test_bad_rows_are_listed_and_nothing_is_kept_or_applied(hr_client, org, db):
    before = _state(db)
    response = preview_upload(hr_client, _csv([["123", "X", "", "DUKCAPIL", "", "ya"],
                                               [new_nip(), "", "", "TIDAKADA", "", "mungkin"]]))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Baris yang perlu diperbaiki" in html
    assert "Nama wajib diisi." in html and "TIDAKADA" in html and "Kolom aktif" in html
    assert 'name="digest"' not in html
    assert _state(db) == before


def test_the_template_has_exactly_the_accepted_headers(hr_client, org, db):
    response = hr_client.get(TEMPLATE_URL)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    header = next(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert header == import_preview.TEMPLATE_HEADER
    assert header == ["nip", "nama", "unit", "jabatan", "nip_atasan", "email", "aktif", "job_group"]
    # The template, filled in, imports as it is.
    filled = response.get_data() + f"{new_nip()},Isi Templat,DUKCAPIL,Staf,,isi@uji.go.id,ya,front_line\n".encode()
    preview = preview_upload(hr_client, filled, "templat.csv")
    assert "Ditambahkan: 1 pegawai" in preview.get_data(as_text=True)


def test_the_template_is_documented():
    from pathlib import Path

    reference = (Path(__file__).resolve().parents[2] / "docs" / "reference.md").read_text(encoding="utf-8")
    assert ",".join(import_preview.TEMPLATE_HEADER) in reference


def test_accounts_for_the_imported_employees_chosen(app, hr_client, org, db):
    first, second = new_nip(), new_nip()
    preview = preview_upload(hr_client, _csv([[first, "Satu Baru", "Staf", "DUKCAPIL", "", "ya"],
                                              [second, "Dua Baru", "Staf", "DUKCAPIL", "", "ya"]]))
    result_url = apply(hr_client, preview).headers["Location"]
    page = hr_client.get(result_url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Satu Baru" in html and "Dua Baru" in html
    assert f'name="nip" value="{first}"' in html
    before = db.session.scalar(select(func.count(User.id)))
    # Only the first is ticked; the other employees without an account are left alone.
    response = post_form(hr_client, "/organisasi/pengguna/massal", {"selected": "1", "nip": [first]}, page=result_url)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["nip"] for r in rows] == [first]
    assert db.session.scalar(select(func.count(User.id))) == before + 1
    account = db.session.scalar(select(User).where(User.username == first))
    assert account.must_change_password
    person = app.test_client()
    assert login(person, first, rows[0]["kata_sandi_awal"]).status_code == 302
    assert "/akun" in person.get("/360/").headers["Location"]
    # Nothing ticked: nothing created.
    assert post_form(hr_client, "/organisasi/pengguna/massal", {"selected": "1"}, page=result_url).status_code == 302
    assert db.session.scalar(select(func.count(User.id))) == before + 1


def test_the_result_page_lists_only_this_instansis_employees(app, hr_client, factory, org, db):
    other = factory.instansi("Pemerintah Kabupaten Lain")
    stranger = factory.employee(factory.unit(other, code="LAIN", name="Dinas Lain"), "Orang Lain")
    db.session.commit()
    html = hr_client.get(f"/organisasi/pegawai/impor/hasil?nip={stranger.nip}").get_data(as_text=True)
    assert "Orang Lain" not in html


def test_roles_other_than_hr_and_admin_are_refused(app, org, employee_client, supervisor_client, auditor_client, db):
    admin = client_for(app, "admin")
    assert admin.get(URL).status_code == 200 and admin.get(TEMPLATE_URL).status_code == 200
    for client in (employee_client, supervisor_client):
        for url in (URL, TEMPLATE_URL, "/organisasi/pegawai/impor/hasil"):
            assert client.get(url).status_code == 403, url
        assert client.post(APPLY_URL, data={}).status_code in (400, 403)
    # The auditor reads, and changes nothing: the import is not for her.
    assert auditor_client.get(URL).status_code == 403
    assert auditor_client.post(APPLY_URL, data={}).status_code in (400, 403)

"""The read-only JSON API and the admin's page for its tokens."""
import re
from datetime import datetime, timezone

import pytest

from portal import clock
from portal.appraisal import tokens, window
from portal.appraisal.models import ApiToken
from tests.conftest import post_form
from tests.portal.appraisal_helpers import make_period
from tests.portal.appraisal_output_data import PERIOD_2025

KEYS = {"nip", "nama", "unit", "jabatan", "citizen_score", "citizen_n", "atasan_score", "atasan_n", "rekan_score",
        "rekan_n", "bawahan_score", "bawahan_n", "weight_citizen", "weight_atasan", "weight_rekan", "weight_bawahan",
        "composite", "rating_perilaku_suggested", "rating_perilaku", "rating_hasil_kerja", "predikat", "status",
        # issue 13: the officer's citizen responses left out (awaiting review; rejected or withdrawn)
        "citizen_held_n", "citizen_rejected_n",
        # issue 15: who decided, the objection, the record's own settings (as the CSV)
        "pejabat_penilai_nip", "atasan_pejabat_penilai_nip", "confirmed_by", "confirmed_at", "finalised_by",
        "finalised_at", "keberatan_status", "keberatan_deadline", "keberatan_filed_at", "keberatan_decided_by",
        "keberatan_decided_at", "keberatan_predikat_before", "settings_version", "above_threshold",
        "meets_threshold", "min_citizen_n", "officer_unsur",
        # issue 16, after them: the officer's IKM and the self-assessment
        "citizen_ikm", "self_score", "weight_self"}
TOKEN_RE = re.compile(r'value="(cmn_[A-Za-z0-9_-]{40})"')


@pytest.fixture
def issue(db, org):
    """Issue a token straight through the service: issue(scopes=..., unit=...) → the token text."""

    def make(scopes=(tokens.READ_APPRAISALS,), unit=None, instansi=None):
        _row, token = tokens.issue_token((instansi or org.instansi).id, "SIMPEG", list(scopes), unit,
                                         actor=org.users["admin"])
        db.session.commit()
        return token

    return make


def _get(client, url, token=None, **headers):
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return client.get(url, headers=headers)


def test_valid_token_reads_the_period(client, appraisals, issue, org):
    response = _get(client, f"/api/v1/appraisals?period={appraisals.period.id}", issue())
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    body = response.json
    assert set(body) == {"period", "appraisals"}
    assert body["period"] == {"id": appraisals.period.id, "name": "Penilaian Kinerja Tahunan 2025", "kind": "tahunan",
                              "citizen_from": "2025-01-01", "citizen_to": "2025-12-31"}
    assert [a["nama"] for a in body["appraisals"]] == [
        "Bidan Dinkes", "Kepala Dinkes Uji", "Petugas HR Uji", "Atasan Uji", "Kepala Dinas Uji", "Staf Uji 1",
        "Staf Uji 2", "Staf Uji 3", "Staf Uji 4"]
    assert all(set(a) == KEYS for a in body["appraisals"])
    own = body["appraisals"][5]
    assert own == {
        "nip": org.staff[0].nip, "nama": "Staf Uji 1", "unit": "DUKCAPIL", "jabatan": "Pengadministrasi Umum",
        "citizen_score": 91.67, "citizen_n": 24, "atasan_score": 75.0, "atasan_n": 1, "rekan_score": None,
        "rekan_n": None, "bawahan_score": None, "bawahan_n": None, "weight_citizen": 57.14, "weight_atasan": 42.86,
        # From the shown parts: (91.67 × 57.14 + 75.00 × 42.86) / 100 = 84.525238 → 84.53.
        "weight_rekan": None, "weight_bawahan": None, "composite": 84.53,
        "rating_perilaku_suggested": "Di Atas Ekspektasi", "rating_perilaku": "Di Atas Ekspektasi",
        "rating_hasil_kerja": "Sesuai Ekspektasi", "predikat": "Baik", "status": "confirmed",
        "citizen_held_n": 0, "citizen_rejected_n": 0,
        "pejabat_penilai_nip": org.supervisor.nip, "atasan_pejabat_penilai_nip": org.head.nip,
        "confirmed_by": "atasan", "confirmed_at": appraisals.own.confirmed_at.isoformat(), "finalised_by": None,
        "finalised_at": None, "keberatan_status": "open",
        "keberatan_deadline": window.deadline(appraisals.own).isoformat(), "keberatan_filed_at": None,
        "keberatan_decided_by": None, "keberatan_decided_at": None, "keberatan_predikat_before": None,
        "settings_version": 1, "above_threshold": 80.0, "meets_threshold": 60.0, "min_citizen_n": 10,
        "officer_unsur": "U6 U7",
        # The officer's IKM as shown, which the citizen score comes from: (93.75 − 25) / 75 × 100 = 91.67.
        "citizen_ikm": 93.75, "self_score": 100.0, "weight_self": None,
    }
    assert isinstance(own["citizen_n"], int) and isinstance(own["citizen_score"], float)
    draft = body["appraisals"][6]
    assert draft["status"] == "draft" and draft["rating_perilaku"] is None and draft["predikat"] is None


def test_unit_parameter_filters(client, appraisals, issue):
    response = _get(client, f"/api/v1/appraisals?period={appraisals.period.id}&unit=dinkes", issue())
    assert [a["unit"] for a in response.json["appraisals"]] == ["DINKES"] * 3
    response = _get(client, f"/api/v1/appraisals?period={appraisals.period.id}&unit=ENTAH", issue())
    assert response.status_code == 404 and response.json["status"] == 404


def test_using_a_token_records_when(client, appraisals, issue, db):
    token = issue()
    moment = datetime(2026, 11, 19, 1, 2, 3, tzinfo=timezone.utc)
    with clock.frozen(moment):
        assert _get(client, f"/api/v1/appraisals?period={appraisals.period.id}", token).status_code == 200
    row = tokens.find_active(token)
    db.session.refresh(row)
    assert row.last_used_at == moment


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "Basic YWRtaW46cGFzcw==", "Token abc"])
def test_missing_token_is_401_with_a_challenge(client, appraisals, header):
    headers = {} if header is None else {"Authorization": header}
    response = client.get(f"/api/v1/appraisals?period={appraisals.period.id}", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json["status"] == 401 and response.json["error"] == "unauthorized"


@pytest.mark.parametrize("token", ["cmn_" + "x" * 40, "salah", "cmn_"])
def test_wrong_token_is_401(client, appraisals, issue, token):
    issue()
    response = _get(client, f"/api/v1/appraisals?period={appraisals.period.id}", token)
    assert response.status_code == 401 and 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_revoked_token_is_401(client, org, appraisals, issue, db):
    token = issue()
    tokens.revoke_token(tokens.find_active(token), actor=org.users["admin"])
    db.session.commit()
    response = _get(client, f"/api/v1/appraisals?period={appraisals.period.id}", token)
    assert response.status_code == 401
    assert db.session.query(ApiToken).one().last_used_at is None


def test_token_without_the_scope_is_403(client, appraisals, issue):
    response = _get(client, f"/api/v1/appraisals?period={appraisals.period.id}", issue(scopes=()))
    assert response.status_code == 403
    assert 'scope="appraisals:read"' in response.headers["WWW-Authenticate"]


def test_unit_restricted_token(client, appraisals, issue, org):
    token = issue(unit=org.other_unit)
    url = f"/api/v1/appraisals?period={appraisals.period.id}"
    assert [a["nama"] for a in _get(client, url, token).json["appraisals"]] == ["Bidan Dinkes", "Kepala Dinkes Uji",
                                                                                 "Petugas HR Uji"]
    assert _get(client, url + "&unit=DINKES", token).status_code == 200
    response = _get(client, url + "&unit=DUKCAPIL", token)
    assert response.status_code == 403 and response.json["status"] == 403


def test_period_of_another_instansi_or_unknown_is_404(client, appraisals, issue, factory, db):
    elsewhere = factory.instansi(name="Pemerintah Kota Lain")
    theirs = make_period(elsewhere, **PERIOD_2025)
    db.session.commit()
    token = issue()
    assert _get(client, f"/api/v1/appraisals?period={theirs.id}", token).status_code == 404
    assert _get(client, "/api/v1/appraisals?period=999999", token).status_code == 404
    assert _get(client, f"/api/v1/appraisals?period={appraisals.period.id}", issue(instansi=elsewhere)).status_code == 404


@pytest.mark.parametrize("query", ["", "?period=", "?period=abc", "?period=1.5", "?period=-1", "?period=%C2%B2"])
def test_missing_or_bad_period_is_400(client, appraisals, issue, query):
    response = _get(client, f"/api/v1/appraisals{query}", issue())
    assert response.status_code == 400 and response.json["status"] == 400


def test_a_session_alone_is_not_enough(hr_client, appraisals):
    response = hr_client.get(f"/api/v1/appraisals?period={appraisals.period.id}")
    assert response.status_code == 401


def test_api_is_rate_limited(app, client, appraisals, issue):
    before = app.config["CERMIN_API_LIMIT"]
    app.config["CERMIN_API_LIMIT"] = "3 per minute"
    try:
        token = issue()
        statuses = [_get(client, f"/api/v1/appraisals?period={appraisals.period.id}", token).status_code
                    for _ in range(4)]
    finally:
        app.config["CERMIN_API_LIMIT"] = before
    assert statuses == [200, 200, 200, 429]


def test_only_the_hash_is_stored(issue, db):
    token = issue()
    row = db.session.query(ApiToken).one()
    assert token.startswith("cmn_") and len(token) == 44
    assert row.token_hash == tokens.token_hash(token) and token not in (row.token_hash, row.prefix)
    assert row.prefix == token[:12]


# --- the admin's page -----------------------------------------------------------------------

def test_admin_issues_a_token_shown_once(admin_client, client, appraisals, db, org):
    response = post_form(admin_client, "/penilaian/api-token",
                         {"name": "SIMPEG BKPSDM", "unit_id": "0", "scopes": "appraisals:read"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    token = TOKEN_RE.search(html).group(1)
    assert "hanya ditampilkan sekali" in html
    row = db.session.query(ApiToken).one()
    assert (row.name, row.scopes, row.unit_id, row.created_by_id) == ("SIMPEG BKPSDM", "appraisals:read", None,
                                                                      org.users["admin"].id)
    listing = admin_client.get("/penilaian/api-token").get_data(as_text=True)
    assert token not in listing and row.prefix in listing and "SIMPEG BKPSDM" in listing
    assert _get(client, f"/api/v1/appraisals?period={appraisals.period.id}", token).status_code == 200
    listing = admin_client.get("/penilaian/api-token").get_data(as_text=True)
    assert "belum pernah" not in listing  # last used is shown


def test_admin_restricts_a_token_to_a_unit(admin_client, client, appraisals, db, org):
    html = post_form(admin_client, "/penilaian/api-token",
                     {"name": "Puskesmas", "unit_id": str(org.other_unit.id), "scopes": "appraisals:read"}
                     ).get_data(as_text=True)
    token = TOKEN_RE.search(html).group(1)
    assert db.session.query(ApiToken).one().unit_id == org.other_unit.id
    body = _get(client, f"/api/v1/appraisals?period={appraisals.period.id}", token).json
    assert {a["unit"] for a in body["appraisals"]} == {"DINKES"}


def test_token_needs_a_name_and_a_scope(admin_client, db):
    html = post_form(admin_client, "/penilaian/api-token", {"name": "", "unit_id": "0"}).get_data(as_text=True)
    assert "Wajib diisi." in html and "Pilih paling sedikit satu izin." in html
    assert TOKEN_RE.search(html) is None and db.session.query(ApiToken).count() == 0


def test_admin_revokes_a_token(admin_client, client, appraisals, issue, db):
    token = issue()
    row = db.session.query(ApiToken).one()
    response = post_form(admin_client, f"/penilaian/api-token/{row.id}/cabut", {}, page="/penilaian/api-token")
    assert response.status_code == 302
    db.session.refresh(row)
    assert row.revoked_at is not None
    assert _get(client, f"/api/v1/appraisals?period={appraisals.period.id}", token).status_code == 401
    assert "Dicabut" in admin_client.get("/penilaian/api-token").get_data(as_text=True)


def test_token_of_another_instansi_cannot_be_revoked(admin_client, issue, factory, db):
    elsewhere = factory.instansi(name="Pemerintah Kota Lain")
    db.session.commit()
    issue(instansi=elsewhere)
    row = db.session.query(ApiToken).one()
    response = post_form(admin_client, f"/penilaian/api-token/{row.id}/cabut", {}, page="/penilaian/api-token")
    assert response.status_code == 404
    assert row.prefix not in admin_client.get("/penilaian/api-token").get_data(as_text=True)


def test_only_admins_manage_tokens(hr_client, supervisor_client, employee_client, client, issue, db):
    issue()
    row_id = db.session.query(ApiToken).one().id
    for other in (hr_client, supervisor_client, employee_client):
        assert other.get("/penilaian/api-token").status_code == 403
        assert other.post(f"/penilaian/api-token/{row_id}/cabut").status_code in (400, 403)
    response = client.get("/penilaian/api-token")
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]
    assert db.session.query(ApiToken).one().revoked_at is None


def test_token_page_renders_in_english(admin_client, issue):
    issue()
    assert admin_client.get("/penilaian/api-token", headers={"Accept-Language": "en"}).status_code == 200

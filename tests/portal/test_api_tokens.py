"""API tokens as an attacker tries them: the rate limit counts a token however its header is
spelt, and made-up tokens share their address's allowance; tokens expire; a token dies with its
issuer's account or admin role."""
import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from portal import clock
from portal.accounts.models import ADMIN, User
from portal.appraisal import tokens
from portal.appraisal.models import ApiToken
from portal.audit.models import AuditEvent
from tests.conftest import client_for, post_form
from tests.portal.appraisal_output_data import PERIOD_2025, make_period

ISSUED = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)


@pytest.fixture
def period(org, db):
    period = make_period(org.instansi, **PERIOD_2025)
    db.session.commit()
    return period


@pytest.fixture
def limited(app):
    before = app.config["CERMIN_API_LIMIT"]
    app.config["CERMIN_API_LIMIT"] = "3 per minute"
    yield
    app.config["CERMIN_API_LIMIT"] = before


def _issue(db, org, issuer=None, days=tokens.DEFAULT_DAYS):
    row, token = tokens.issue_token(org.instansi.id, "SIMPEG", [tokens.READ_APPRAISALS], None,
                                    actor=issuer or org.users["admin"], days=days)
    db.session.commit()
    return row, token


def _call(client, period, authorization):
    headers = {} if authorization is None else {"Authorization": authorization}
    return client.get(f"/api/v1/appraisals?period={period.id}", headers=headers)


# --- the rate limit --------------------------------------------------------------------------------

def test_respelling_a_token_gets_no_fresh_allowance(client, db, org, period, limited):
    _row, token = _issue(db, org)
    spellings = [f"Bearer {token}", f"bearer {token}", f"Bearer  {token}", f"BEARER {token} ", f"\tBearer\t{token}"]
    statuses = [_call(client, period, spelling).status_code for spelling in spellings]
    assert statuses == [200, 200, 200, 429, 429]


def test_made_up_tokens_share_their_address_allowance(client, db, org, period, limited):
    """Guessing tokens, or sending garbage, from one address: each guess is not a new allowance."""
    guesses = ["Bearer cmn_" + str(n) * 40 for n in range(3)] + ["Bearer garbage", "Basic YWRtaW46cGFzcw==",
                                                                  "Bearer cmn_" + "z" * 40]
    statuses = [_call(client, period, guess).status_code for guess in guesses]
    assert statuses == [401, 401, 401, 429, 429, 429]
    _row, token = _issue(db, org)
    assert _call(client, period, f"Bearer {token}").status_code == 200  # a real token counts on its own


def test_a_revoked_token_is_counted_as_itself(client, db, org, period, limited):
    row, token = _issue(db, org)
    tokens.revoke_token(row, actor=org.users["admin"])
    db.session.commit()
    assert [_call(client, period, f"Bearer {token}").status_code for _ in range(4)] == [401, 401, 401, 429]
    assert _call(client, period, "Bearer cmn_" + "q" * 40).status_code == 401  # the address is untouched


# --- expiry ----------------------------------------------------------------------------------------

def test_a_token_expires_after_its_days(client, db, org, period):
    with clock.frozen(ISSUED) as advance:
        row, token = _issue(db, org)
        assert row.expires_at == ISSUED + timedelta(days=90)
        advance(timedelta(days=90) - timedelta(seconds=1))
        assert _call(client, period, f"Bearer {token}").status_code == 200
        advance(timedelta(seconds=1))
        response = _call(client, period, f"Bearer {token}")
    assert response.status_code == 401 and 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert "kedaluwarsa" in response.json["detail"]


def test_the_admin_chooses_the_lifetime_within_bounds(admin_client, db, org):
    with clock.frozen(ISSUED):
        response = post_form(admin_client, "/penilaian/api-token",
                             {"name": "e-Kinerja", "unit_id": "0", "scopes": "appraisals:read", "days": "30"})
    assert response.status_code == 200
    row = db.session.scalar(select(ApiToken))
    assert row.expires_at == ISSUED + timedelta(days=30)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api_token.issue"))
    assert json.loads(event.after)["expires_at"] == "2026-04-01T01:00:00+00:00"
    with clock.frozen(ISSUED):  # the session last wrote in this moment: read the list in it too
        page = admin_client.get("/penilaian/api-token").get_data(as_text=True)
    assert "Berlaku sampai" in page and "1 Apr 2026" in page


@pytest.mark.parametrize("days", ["0", "366", "-5", "sembilan", ""])
def test_a_lifetime_out_of_bounds_is_refused(admin_client, db, days):
    response = post_form(admin_client, "/penilaian/api-token",
                         {"name": "e-Kinerja", "unit_id": "0", "scopes": "appraisals:read", "days": days})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "cmn_" not in html
    assert "Angka harus antara 1 dan 365." in html or "Wajib diisi." in html or "bilangan bulat" in html
    assert db.session.scalar(select(ApiToken)) is None


def test_the_form_offers_ninety_days(admin_client):
    assert 'max="365" min="1" name="days" required type="number" value="90"' in admin_client.get("/penilaian/api-token").get_data(as_text=True)


def test_the_list_shows_expired_tokens(admin_client, db, org):
    with clock.frozen(ISSUED - timedelta(days=400)):
        _issue(db, org, days=30)
    page = admin_client.get("/penilaian/api-token").get_data(as_text=True)
    assert "Kedaluwarsa" in page


def test_the_service_refuses_a_lifetime_out_of_bounds(db, org):
    for days in (0, 366):
        with pytest.raises(ValueError):
            _issue(db, org, days=days)


# --- a token dies with its issuer ------------------------------------------------------------------

@pytest.fixture
def second_admin(app, factory, org, db):
    factory.user(org.instansi, "admin2", {ADMIN})
    db.session.commit()
    return client_for(app, "admin2")


def _edit_account(client, user, **changes):
    data = {"username": user.username, "display_name": user.display_name, "employee_id": user.employee_id or 0,
            "roles": sorted(user.roles), "active": "y"} | changes
    if not data["active"]:
        del data["active"]
    return post_form(client, f"/organisasi/pengguna/{user.id}", data)


def _revocations(db):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "api_token.revoke")).all()


def test_a_token_dies_when_its_issuer_is_deactivated(client, second_admin, db, org, period):
    row, token = _issue(db, org)
    assert _call(client, period, f"Bearer {token}").status_code == 200
    assert _edit_account(second_admin, org.users["admin"], active=False).status_code == 302
    response = _call(client, period, f"Bearer {token}")
    assert response.status_code == 401
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).revoked_at is not None
    [event] = _revocations(db)
    assert event.actor_label == "admin2" and event.reason == tokens.ISSUER_DEACTIVATED
    assert event.object_type == "api_token" and event.object_id == row.id
    # Turning the account on again does not bring the token back.
    assert _edit_account(second_admin, db.session.get(User, org.users["admin"].id)).status_code == 302
    assert _call(client, period, f"Bearer {token}").status_code == 401


def test_a_token_dies_when_its_issuer_loses_the_admin_role(client, second_admin, db, org, period):
    row, token = _issue(db, org)
    other_row, other_token = _issue(db, org, issuer=db.session.scalar(select(User).where(User.username == "admin2")))
    response = _edit_account(second_admin, org.users["admin"], roles=["hr"])
    assert response.status_code == 302
    assert _call(client, period, f"Bearer {token}").status_code == 401
    assert _call(client, period, f"Bearer {other_token}").status_code == 200
    [event] = _revocations(db)
    assert event.object_id == row.id and event.reason == tokens.ISSUER_LOST_ROLE


def test_other_role_changes_leave_the_token_alone(client, second_admin, db, org, period):
    _row, token = _issue(db, org)
    assert _edit_account(second_admin, org.users["admin"], roles=["admin", "hr"]).status_code == 302
    assert _edit_account(second_admin, org.users["admin"], roles=["admin"]).status_code == 302
    assert _call(client, period, f"Bearer {token}").status_code == 200
    assert _revocations(db) == []


def test_the_issuer_is_checked_on_every_request(client, db, org, period):
    """A change made beside the portal's pages (in the database) counts at the next request."""
    _row, token = _issue(db, org)
    admin = org.users["admin"]
    admin.active = False
    db.session.commit()
    response = _call(client, period, f"Bearer {token}")
    assert response.status_code == 401 and "tidak berlaku lagi" in response.json["detail"]
    admin.active = True
    admin.role_rows.clear()
    db.session.commit()
    assert _call(client, period, f"Bearer {token}").status_code == 401
    page_rows = dict((row.id, refusal) for row, refusal in tokens.tokens_of(org.instansi.id))
    assert list(page_rows.values()) == [tokens.ISSUER_GONE]


def test_the_list_names_a_token_whose_issuer_is_gone(admin_client, second_admin, db, org):
    admin2 = db.session.scalar(select(User).where(User.username == "admin2"))
    _issue(db, org, issuer=admin2)
    admin2.role_rows.clear()
    db.session.commit()
    page = admin_client.get("/penilaian/api-token").get_data(as_text=True)
    assert "Mati: pembuatnya bukan admin aktif lagi" in page

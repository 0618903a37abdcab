"""The security suite: an access matrix built from the URL map, CSRF on every POST, headers."""
import re

import pytest
from sqlalchemy import select

from portal.access import PUBLIC, SIGNED_IN, declared_access, refused_as_read_only
from tests.conftest import csrf_token, login

ROLES = {
    # login name → the roles that account holds (see tests/factories.py small_org)
    None: frozenset(),
    "pegawai": frozenset({"employee"}),
    "atasan": frozenset({"supervisor", "employee"}),
    "hr": frozenset({"hr", "employee"}),
    "admin": frozenset({"admin"}),
    "auditor": frozenset({"auditor"}),
}
SKIP_METHODS = {"HEAD", "OPTIONS"}
#: Pages of a unit's manager: a supervisor who heads no unit (`atasan`) holds the role but manages
#: no unit, so the feature refuses him (403) where the role check let him in.
UNIT_MANAGER_PAGES = frozenset({"kiosk.manage", "counters.index", "feedback_admin.import_responses",
                                "feedback_admin.template_csv", "feedback_admin.template_xlsx", "followup.inbox",
                                "followup.alert_list", "followup.unit_list", "integrity.queue"})


def _placeholder_url(app, rule) -> str:
    values = {}
    for argument in rule.arguments:
        converter = rule._converters[argument]
        name = converter.__class__.__name__
        if name in ("IntegerConverter", "NumberConverter"):
            values[argument] = 999999
        elif name == "AnyConverter":
            values[argument] = sorted(converter.items)[0]
        else:
            values[argument] = "ZZ9"
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def _rules(app, *, keep_session=False):
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]
    if keep_session:
        # Logging out (tested on its own) would end the session the matrix walks with.
        rules = [rule for rule in rules if rule.endpoint != "accounts.logout"]
    return rules


def _client(app, username):
    client = app.test_client()
    if username:
        assert login(client, username).status_code == 302
    return client


@pytest.mark.parametrize("username", list(ROLES))
def test_access_matrix(app, org, username):
    """Every endpoint, every role: refused roles get 403 (or the login page), nobody gets a 500; an
    allowed role gets the page, or 404 for a URL whose object does not exist (999999), and a
    read-only role (the auditor) 403 for every change it is let in to read. Real
    objects are tried in test_object_access.py."""
    client = _client(app, username)
    token = csrf_token(client, "/masuk") if not username else csrf_token(client, "/akun")
    roles = ROLES[username]
    problems = []
    for rule in _rules(app, keep_session=True):
        allowed = declared_access(rule.endpoint)
        url = _placeholder_url(app, rule)
        for method in sorted(rule.methods - SKIP_METHODS):
            data = {"csrf_token": token} if method == "POST" else None
            response = client.open(url, method=method, data=data, headers={"Accept": "text/html"})
            status = response.status_code
            if status >= 500:
                problems.append((method, url, status, "server error"))
                continue
            if PUBLIC in allowed:
                continue
            if username is None:
                ok = (status == 302 and "/masuk" in response.headers.get("Location", "")) or status == 401
            elif SIGNED_IN in allowed or roles & allowed:
                if refused_as_read_only(rule.endpoint, method, roles):
                    # The auditor opens the page and changes nothing, whatever the object.
                    ok = status == 403
                elif rule.arguments:
                    ok = status == 404
                elif username == "atasan" and rule.endpoint in UNIT_MANAGER_PAGES:
                    ok = status == 403
                else:
                    ok = status not in (401, 403, 404)
            else:
                ok = status == 403
            if not ok:
                problems.append((method, url, status, sorted(allowed)))
    assert problems == []


def test_every_post_requires_csrf(app, org):
    client = _client(app, "admin")
    missing = []
    for rule in _rules(app):
        if "POST" not in rule.methods:
            continue
        response = client.post(_placeholder_url(app, rule), data={})
        if response.status_code != 400:
            missing.append((rule.rule, response.status_code))
    assert missing == []


def test_api_is_not_reachable_with_a_session_alone(app, org):
    client = _client(app, "admin")
    for rule in _rules(app):
        if rule.rule.startswith("/api/"):
            response = client.get(_placeholder_url(app, rule))
            assert response.status_code in (400, 401, 404), rule.rule


@pytest.mark.parametrize("path", ["/", "/masuk", "/s/UJI01", "/healthz"])
def test_security_headers_everywhere(client, org, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin", "strict-origin")


def test_no_inline_script_in_pages(app, org, admin_client):
    for path in ("/", "/akun", "/organisasi/", "/s/UJI01"):
        html = admin_client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert " style=" not in html, path


def test_production_settings(monkeypatch, tmp_path):
    from portal import config

    monkeypatch.setenv("CERMIN_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(config.ConfigError):
        config.from_environment(tmp_path)
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    settings = config.from_environment(tmp_path)
    assert settings["SESSION_COOKIE_SECURE"] and settings["SESSION_COOKIE_HTTPONLY"]
    assert settings["SESSION_COOKIE_SAMESITE"] == "Lax" and settings["REMEMBER_COOKIE_SECURE"]
    assert settings["CERMIN_HSTS"]


def test_rate_limits_are_read_from_the_environment(monkeypatch, tmp_path):
    """The limits docs/reference.md lists as environment variables are read from it."""
    from portal import config

    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.delenv("CERMIN_API_LIMIT", raising=False)
    monkeypatch.delenv("CERMIN_KIOSK_PAIRING_LIMIT", raising=False)
    defaults = config.from_environment(tmp_path)
    assert defaults["CERMIN_API_LIMIT"] == "120 per minute"
    assert defaults["CERMIN_KIOSK_PAIRING_LIMIT"] == "10 per minute"
    monkeypatch.setenv("CERMIN_API_LIMIT", "30 per minute")
    monkeypatch.setenv("CERMIN_KIOSK_PAIRING_LIMIT", "5 per minute")
    settings = config.from_environment(tmp_path)
    assert settings["CERMIN_API_LIMIT"] == "30 per minute"
    assert settings["CERMIN_KIOSK_PAIRING_LIMIT"] == "5 per minute"


def test_the_endpoints_the_limiter_skips_carry_no_limit(app):
    """The limiter skips the citizen's form (portal.extensions.UNLIMITED_ENDPOINTS) to save a
    lookup per request: that is only right while no limit is declared on them."""
    from flask_limiter.util import get_qualified_name

    from portal.extensions import UNLIMITED_ENDPOINTS, limiter

    for endpoint in UNLIMITED_ENDPOINTS:
        view = app.view_functions[endpoint]
        assert get_qualified_name(view) not in limiter._marked_for_limiting, endpoint
        assert not limiter.limit_manager.has_hints(endpoint), endpoint
    assert not limiter.limit_manager.default_limits and not limiter.limit_manager.application_limits


def test_hsts_in_production(app, org):
    app.config["CERMIN_HSTS"] = True
    try:
        headers = app.test_client().get("/").headers
    finally:
        app.config["CERMIN_HSTS"] = False
    assert "max-age=" in headers["Strict-Transport-Security"]


def test_objects_belong_to_their_instansi_through_their_parents(org, db):
    """The one object check every page uses: an object's instansi, directly or through its
    period, loket or unit."""
    from portal.access import instansi_of
    from portal.org.models import RosterEntry

    entry = db.session.scalar(select(RosterEntry).where(RosterEntry.counter_id == org.counter.id))
    for obj in (org.unit, org.counter, org.staff[0], entry):
        assert instansi_of(obj) == org.instansi.id
    with pytest.raises(TypeError):
        instansi_of(object())

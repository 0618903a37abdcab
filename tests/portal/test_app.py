"""The app as a whole: health, error pages in both languages, headers, language choice."""
import io

import pytest
from flask import Blueprint

from portal.access import PUBLIC, access
from tests.conftest import assert_headings


def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_reports_unreachable_database(client, monkeypatch, db):
    def broken(*args, **kwargs):
        raise RuntimeError("connection refused")

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_404_is_friendly_in_indonesian_by_default(client):
    response = client.get("/tidak-ada")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Halaman tidak ditemukan" in html
    assert 'lang="id"' in html


def test_404_in_english_from_accept_language(client):
    response = client.get("/tidak-ada", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "Page not found" in response.get_data(as_text=True)


def test_language_cookie_beats_accept_language(client):
    client.get("/bahasa/en?next=/")
    response = client.get("/tidak-ada", headers={"Accept-Language": "id"})
    assert "Page not found" in response.get_data(as_text=True)


def test_user_setting_beats_cookie(hr_client, db, org):
    org.users["hr"].locale = "id"
    db.session.commit()
    hr_client.set_cookie("lang", "en")
    assert "Halaman tidak ditemukan" in hr_client.get("/tidak-ada").get_data(as_text=True)


def test_language_switch_ignores_offsite_next(client):
    response = client.get("/bahasa/en?next=https://evil.example/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_405_has_friendly_page(client):
    response = client.post("/healthz")
    assert response.status_code in (400, 405)
    assert "Traceback" not in response.get_data(as_text=True)


def test_413_for_oversize_upload(app, hr_client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    try:
        response = hr_client.post("/organisasi/pegawai/impor", data={"file": (io.BytesIO(b"x" * 4096), "big.csv")},
                                  content_type="multipart/form-data")
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 8 * 1024 * 1024
    assert response.status_code == 413
    assert "Berkas terlalu besar" in response.get_data(as_text=True)


@pytest.fixture
def failing_app(database_url):
    """A separate app with two views that fail, registered before its first request."""
    from sqlalchemy.exc import OperationalError

    from portal import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "t", "SQLALCHEMY_DATABASE_URI": database_url})
    bp = Blueprint("failing", __name__)

    @bp.route("/__boom")
    @access(PUBLIC)
    def boom():
        raise ZeroDivisionError("kaboom")

    @bp.route("/__down")
    @access(PUBLIC)
    def down():
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    app.register_blueprint(bp)
    return app


def test_unexpected_error_is_friendly_500_without_traceback(failing_app):
    response = failing_app.test_client().get("/__boom")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Terjadi kesalahan" in html
    assert "kaboom" not in html and "Traceback" not in html


def test_503_page_when_database_is_down(failing_app):
    response = failing_app.test_client().get("/__down", headers={"Accept-Language": "en"})
    assert response.status_code == 503
    assert "temporarily unavailable" in response.get_data(as_text=True).lower()
    assert response.headers["Retry-After"]


def test_503_when_the_database_is_lost_at_commit(app, client, db, monkeypatch):
    """The commit runs in an after-request hook, outside the view's error handlers; losing the
    database there (PostgreSQL stopped mid-request, found by bench.faults) is still a 503."""
    from sqlalchemy.exc import OperationalError

    class Lost(Exception):
        def __str__(self):
            return "consuming input failed: server closed the connection unexpectedly"

    def commit():
        raise OperationalError("COMMIT", {}, Lost())

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # as in production
    monkeypatch.setattr(db.session, "commit", commit)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert "Layanan sedang tidak tersedia" in response.get_data(as_text=True)


def test_csrf_failure_is_friendly_400(client, org):
    response = client.post("/masuk", data={"login": "hr", "password": "x"})
    assert response.status_code == 400
    assert "Formulir kedaluwarsa" in response.get_data(as_text=True)


@pytest.mark.parametrize("header", ["X-Content-Type-Options", "Content-Security-Policy", "Referrer-Policy"])
def test_security_headers(client, header):
    response = client.get("/")
    assert header in response.headers
    if header == "Content-Security-Policy":
        assert "frame-ancestors 'none'" in response.headers[header]
        assert "'unsafe-inline'" not in response.headers[header]


def test_every_endpoint_declares_its_access(app):
    from portal.access import declared_access

    with app.test_request_context():
        missing = [rule.endpoint for rule in app.url_map.iter_rules()
                   if rule.endpoint != "static" and declared_access(rule.endpoint) is None]
    assert missing == []


def test_pages_render_in_both_languages(admin_client):
    assert_headings(admin_client, {
        "/": ("Selamat datang, Admin", "Welcome, Admin"),
        "/akun": ("Akun saya", "My account"),
        "/organisasi/": ("Organisasi", "Organization"),
        "/organisasi/unit": ("Unit kerja", "Work unit"),
        "/organisasi/layanan": ("Layanan", "Service"),
        "/organisasi/loket": ("Loket", "Counter"),
        "/organisasi/pegawai": ("Pegawai", "Staff"),
        "/organisasi/pegawai/impor": ("Impor pegawai", "Import employees"),
        "/organisasi/jadwal": ("Jadwal tugas loket", "Counter duty schedule"),
        "/organisasi/pengguna": ("Akun pengguna", "User accounts"),
    })


def test_rate_limit_storage_outages_reach_the_portals_log(app):
    """Flask-Limiter's own logger (Redis unreachable, recovered) is routed to the app's log."""
    import io
    import logging

    errors = io.StringIO()
    with app.test_request_context("/", errors_stream=errors):
        logging.getLogger("flask-limiter").warning("Rate limit storage unreachable - falling back to in-memory storage")
        logging.getLogger("flask-limiter").info("Rate limit storage recovered")
    assert "falling back to in-memory storage" in errors.getvalue()
    assert "Rate limit storage recovered" in errors.getvalue()

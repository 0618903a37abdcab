"""Friendly error pages in the user's language; no request ever shows a traceback."""
from __future__ import annotations

from flask import Flask, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from portal.extensions import db

PAGES = {
    400: (_l("Permintaan tidak dapat diproses"), _l("Ada isian yang tidak sesuai. Kembali ke halaman sebelumnya dan coba lagi.")),
    403: (_l("Akses ditolak"), _l("Anda tidak memiliki hak untuk membuka halaman ini.")),
    404: (_l("Halaman tidak ditemukan"), _l("Alamat yang Anda buka tidak ada atau sudah dipindahkan.")),
    405: (_l("Cara akses tidak diizinkan"), _l("Halaman ini tidak dapat dibuka dengan cara tersebut.")),
    413: (_l("Berkas terlalu besar"), _l("Berkas yang Anda kirim melebihi batas ukuran. Perkecil berkas lalu coba lagi.")),
    429: (_l("Terlalu banyak percobaan"), _l("Anda mencoba terlalu sering. Tunggu sebentar lalu coba lagi.")),
    500: (_l("Terjadi kesalahan"), _l("Maaf, terjadi kesalahan di sisi kami. Kejadian ini sudah dicatat; silakan coba lagi.")),
    503: (_l("Layanan sedang tidak tersedia"), _l("Sistem sedang tidak dapat diakses untuk sementara. Silakan coba lagi beberapa saat lagi.")),
}


FALLBACK_PAGE = (
    "<!doctype html><html lang=\"id\"><meta charset=\"utf-8\"><title>Cermin</title>"
    "<h1>Terjadi kesalahan / Something went wrong</h1>"
    "<p>Silakan coba lagi beberapa saat lagi. / Please try again shortly.</p></html>"
)


def render_error(code: int, detail: str | None = None):
    title, message = PAGES.get(code, PAGES[500])
    if request.accept_mimetypes.best == "application/json" or request.path.startswith("/api/"):
        return {"error": str(title), "detail": detail or str(message), "status": code}, code
    try:
        return render_template("error.html", code=code, title=title, message=message, detail=detail), code
    except Exception:  # the error page itself must never fail into a traceback
        current_app.logger.exception("error page failed to render")
        return FALLBACK_PAGE, code, {"Content-Type": "text/html; charset=utf-8"}


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        db.session.rollback()
        return render_error(400, str(_l("Formulir kedaluwarsa. Muat ulang halaman lalu coba lagi.")))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        original = getattr(error, "original_exception", None)
        if isinstance(original, DBAPIError):
            # Raised outside the view (the commit in the after-request hook when the database goes
            # away), it reaches Flask's last resort as a 500 wrapping it: still a lost database.
            return database_down(original)
        db.session.rollback()
        response = render_error(error.code if error.code in PAGES else 500)
        if error.code == 405 and getattr(error, "valid_methods", None):
            body, code = response
            return body, code, {"Allow": ", ".join(error.valid_methods)}
        return response

    @app.errorhandler(OperationalError)
    @app.errorhandler(DBAPIError)
    def database_down(error):
        db.session.rollback()
        if _connection_lost(error):
            app.logger.warning("database unavailable: %s", error.orig)
            body, code = render_error(503)
            return body, code, {"Retry-After": "5"}
        app.logger.exception("database error")
        return render_error(500)

    @app.errorhandler(Exception)
    def unexpected(error):
        db.session.rollback()
        app.logger.exception("unhandled error")
        return render_error(InternalServerError.code)


def _connection_lost(error: DBAPIError) -> bool:
    if getattr(error, "connection_invalidated", False):
        return True
    text = str(getattr(error, "orig", error)).lower()
    return any(marker in text for marker in (
        "connection refused", "could not connect", "server closed the connection",
        "terminating connection", "connection is closed", "the database system is",
        "unable to open database", "database is locked", "consuming input failed",
        "connection failed", "no connection to the server",
    ))


__all__ = ["register_error_handlers", "render_error", "ServiceUnavailable"]

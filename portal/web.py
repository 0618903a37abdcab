"""Request-wide behaviour: one transaction per request, session timeouts and security headers."""
from __future__ import annotations

from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user, logout_user, user_logged_in

from portal import clock
from portal.access import refuse_undeclared
from portal.extensions import db, login_manager
from portal.signed import PlainURLSafeTimedSerializer

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Same-origin referrers keep Flask-WTF's HTTPS referrer check working.
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'none'; object-src 'none'"
    ),
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}

#: SECURITY_HEADERS with each name in lower case, to find it among a response's headers.
_SECURITY_HEADERS_LOWERED = tuple((name.lower(), name, value) for name, value in SECURITY_HEADERS.items())

#: What a user whose password was set by someone else may open before choosing their own.
FIRST_PASSWORD_ENDPOINTS = frozenset({"accounts.first_password", "accounts.logout", "main.switch_language", "static"})


def rollback_request() -> None:
    """Mark this request's writes to be discarded instead of committed."""
    g.cermin_rollback = True
    db.session.rollback()


def reject_oversize() -> None:
    """Answer 413 before anything reads the body (the CSRF check would otherwise say 400)."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit and request.content_length and request.content_length > limit:
        abort(413)


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed session cookie, its serializer built once per secret key (and fallbacks)
    instead of twice on every request, and writing without the compression attempt
    (`portal.signed`): the citizen's form reads and sets the cookie that holds its CSRF token.
    The cookie's format, salt and signature are Flask's own."""

    _built: tuple[tuple, object] | None = None

    def get_signing_serializer(self, app: Flask):
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        built = self._built
        if built is None or built[0] != keys:
            built = self._built = (keys, self._serializer(keys) if app.secret_key else None)
        return built[1]

    def _serializer(self, keys: tuple) -> PlainURLSafeTimedSerializer:
        """Flask's serializer (its salt, JSON and signer), writing without compression."""
        current, fallbacks = keys
        return PlainURLSafeTimedSerializer(
            [*fallbacks, current],  # itsdangerous expects the current key last
            salt=self.salt, serializer=self.serializer,
            signer_kwargs={"key_derivation": self.key_derivation, "digest_method": self.digest_method},
        )


def init_app(app: Flask) -> None:
    from portal import nav

    app.session_interface = SessionCookies()

    nav.init_app(app)
    app.before_request(refuse_undeclared)

    @user_logged_in.connect_via(app)
    def start_session(sender, user, **extra):
        # The absolute limit counts from the login itself, not from the first page after it.
        session["started"] = session["seen"] = int(clock.timestamp())
        session["gen"] = user.session_generation

    @app.before_request
    def anonymous_without_login():
        # A session that holds no login (a citizen's, which holds only the CSRF token) is
        # anonymous: Flask-Login's loader is not run. It would find nothing to load, and its
        # "strong" session protection would rewrite the session and send a remember-cookie
        # deletion on every response of the public path (the portal never sets that cookie).
        if "_user_id" not in session:
            g._login_user = login_manager.anonymous_user()

    @app.before_request
    def enforce_session_limits():
        # Without a login in the session there is no user to load: the public path makes no query here.
        if not current_user.is_authenticated:
            return None
        now = int(clock.timestamp())
        idle = app.config["CERMIN_SESSION_IDLE_MINUTES"] * 60
        last_seen = session.get("seen", now)
        started = session.get("started", now)
        absolute = int(app.config["PERMANENT_SESSION_LIFETIME"].total_seconds())
        ended = session.get("gen") != current_user.session_generation
        if ended or now - last_seen > idle or now - started > absolute:
            logout_user()
            session.clear()
            return None
        session["seen"] = now
        session.setdefault("started", now)
        if current_user.must_change_password and request.endpoint not in FIRST_PASSWORD_ENDPOINTS:
            return redirect(url_for("accounts.first_password"))
        return None

    @app.after_request
    def commit_and_harden(response):
        # The one place that commits (services only add and flush), but for the citizen's answer,
        # whose view commits as soon as it is stored, to hold the loket's lock no longer.
        # A request that used no session (the citizen's form from memory), or whose view has
        # committed already (the citizen's answer), has nothing to end.
        session_open = db.session.registry.has() and db.session().in_transaction()
        if response.status_code < 400 and not g.get("cermin_rollback"):
            # Asked before the commit, which expires the user: asked after, it loads them again.
            signed_in = current_user.is_authenticated
            if session_open:
                db.session.commit()
        else:
            if session_open:
                db.session.rollback()
            signed_in = current_user.is_authenticated
        headers = response.headers
        present = {name.lower() for name, _value in headers}
        for lowered, name, value in _SECURITY_HEADERS_LOWERED:
            if lowered not in present:
                headers.add(name, value)
        if app.config["CERMIN_HSTS"] and "strict-transport-security" not in present:
            headers.add("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if signed_in and request.endpoint != "static" and "cache-control" not in present:
            headers.add("Cache-Control", "no-store")
        return response

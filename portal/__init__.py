"""Cermin: citizen feedback and 360-degree reviews for Indonesian local governments.

The factory only wires: config, extensions, blueprints, error handlers and CLI commands.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask

from portal import config as config_module
from portal.extensions import babel, csrf, db, limiter, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict | None = None) -> Flask:
    instance_path = Path(os.environ.get("CERMIN_INSTANCE_PATH", PROJECT_ROOT / "instance")).resolve()
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        static_folder=str(PROJECT_ROOT / "static"),
        static_url_path="/static",
    )
    app.config.update(config_module.from_environment(instance_path))
    if overrides:
        app.config.update(overrides)

    _init_extensions(app)
    _register_blueprints(app)
    _subscribe_features()
    _register_request_hooks(app)

    from portal.errors import register_error_handlers
    from portal.cli import register_commands

    register_error_handlers(app)
    register_commands(app)
    return app


def _init_extensions(app: Flask) -> None:
    import portal.models  # noqa: F401  (the metadata must know every table)
    from portal.db import keep_long_statements_parsed, ping_rested_connections
    from portal.i18n import select_locale, select_timezone

    db.init_app(app)
    with app.app_context():
        ping_rested_connections(db.engine)
        if db.engine.dialect.name == "postgresql":
            keep_long_statements_parsed()
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    from portal.web import reject_oversize

    app.before_request(reject_oversize)  # before CSRFProtect's hook, which reads the body
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    # {% trans %} blocks are extracted trimmed (babel.cfg); render them the same way.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    limiter.init_app(app)
    _skip_limiter_for_citizens(app)
    _log_limiter_storage()
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "strong"

    if app.config["CERMIN_PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["CERMIN_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_prefix=n)


def _skip_limiter_for_citizens(app: Flask) -> None:
    """The citizen's form and thank-you page carry no rate limit (`UNLIMITED_ENDPOINTS`): their
    requests skip Flask-Limiter's hook altogether instead of having it filter nothing out on every
    request. Its request filter stays as the fallback."""
    from flask import request

    from portal.extensions import UNLIMITED_ENDPOINTS

    hooks = app.before_request_funcs.setdefault(None, [])
    check = limiter._check_request_limit
    if check in hooks:
        def check_request_limit():
            if request.endpoint not in UNLIMITED_ENDPOINTS:
                check()

        hooks[hooks.index(check)] = check_request_limit
    # Its after-request hook adds the limit's headers and settles conditional deductions: none here.
    after = app.after_request_funcs.setdefault(None, [])
    for index, hook in enumerate(after):
        if getattr(getattr(hook, "func", None), "__name__", "") == "__inject_headers" and hook.args == (limiter,):
            def inject_headers(response, hook=hook):
                return response if request.endpoint in UNLIMITED_ENDPOINTS else hook(response)

            after[index] = inject_headers


def _log_limiter_storage() -> None:
    """Flask-Limiter says when its storage (Redis) is unreachable and it falls back to per-worker
    memory, and when the storage has recovered, on a logger of its own with no handler: send
    both to the portal's log."""
    from flask.logging import default_handler

    limiter_log = logging.getLogger("flask-limiter")
    limiter_log.setLevel(logging.INFO)
    if default_handler not in limiter_log.handlers:
        limiter_log.addHandler(default_handler)


def _register_blueprints(app: Flask) -> None:
    from portal.accounts.admin_views import bp as account_admin_bp
    from portal.accounts.views import bp as accounts_bp
    from portal.appraisal.api import bp as api_bp
    from portal.appraisal.duty_views import bp as appraisal_duty_bp
    from portal.appraisal.output_views import bp as appraisal_out_bp
    from portal.appraisal.views import bp as appraisal_bp
    from portal.audit_log.views import bp as audit_bp
    from portal.counters.views import bp as counters_bp
    from portal.feedback.admin_views import bp as feedback_admin_bp
    from portal.feedback.review_views import bp as integrity_bp
    from portal.feedback.views import bp as feedback_bp
    from portal.insight.followup_views import bp as followup_bp
    from portal.insight.public import bp as public_bp
    from portal.insight.views import bp as insight_bp
    from portal.kiosk.views import bp as kiosk_bp
    from portal.mail.views import bp as mail_bp
    from portal.main.views import bp as main_bp
    from portal.org.views import bp as org_bp
    from portal.reviews.rater_views import bp as review_rater_bp
    from portal.reviews.views import bp as reviews_bp

    for blueprint in (main_bp, accounts_bp, org_bp, account_admin_bp, feedback_bp, kiosk_bp, counters_bp, reviews_bp,
                      review_rater_bp, appraisal_bp, appraisal_duty_bp, appraisal_out_bp, api_bp, insight_bp, public_bp,
                      feedback_admin_bp, followup_bp, audit_bp, integrity_bp, mail_bp):
        app.register_blueprint(blueprint)


def _subscribe_features() -> None:
    """Upper features listen to what the lower ones store (`portal/events.py`)."""
    from portal.appraisal import periods, tokens
    from portal.insight import alerts

    alerts.subscribe()
    periods.subscribe()
    tokens.subscribe()


def _register_request_hooks(app: Flask) -> None:
    from portal import web

    web.init_app(app)

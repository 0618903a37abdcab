"""Who may open which page: every view declares it once with @access.

The app refuses any endpoint that lacks a declaration (fail closed), and the security suite
walks the URL map to try each role on each endpoint.

A read-only role (`portal.roles.READ_ONLY_ROLES`: the auditor) named in a declaration opens the
page and nothing more: every request that could change something (any method but GET, HEAD and
OPTIONS) needs another of the allowed roles, so it is refused here, in one place, with 403. Only
the signed-in user's own account (`own_account=True`: their password, language, logging out) is
theirs to change.
"""
from __future__ import annotations

from functools import wraps

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

from portal.roles import READ_ONLY_ROLES

PUBLIC = "public"
#: Any logged-in user, whatever their roles.
SIGNED_IN = "signed_in"
#: Methods that only read.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def access(*allowed: str, own_account: bool = False):
    """Declare and enforce who may call a view: PUBLIC, SIGNED_IN or role names.

    `own_account`: the view changes only the signed-in user's own account, so a read-only role
    may post to it too.
    """
    if not allowed:
        raise ValueError("access() needs at least one of PUBLIC, SIGNED_IN or a role")
    allowed_set = frozenset(allowed)

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if PUBLIC not in allowed_set:
                if not current_user.is_authenticated:
                    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
                if SIGNED_IN not in allowed_set and not current_user.has_role(*allowed_set):
                    abort(403)
                if request.method not in SAFE_METHODS and not own_account and not may_change(allowed_set):
                    abort(403)
            return view(*args, **kwargs)

        guarded.cermin_access = allowed_set
        guarded.cermin_own_account = own_account
        return guarded

    return decorate


def may_change(allowed: frozenset[str], roles=None) -> bool:
    """Whether the signed-in user (or one holding `roles`) holds a role that may change things
    through a view declared with `allowed`: one of them (any, for SIGNED_IN) that is not read-only."""
    changing = frozenset(current_user.roles if roles is None else roles) - READ_ONLY_ROLES
    return bool(changing) if SIGNED_IN in allowed else bool(changing & allowed)


def refused_as_read_only(endpoint: str, method: str, roles) -> bool:
    """Whether access() refuses a user holding `roles` this method on `endpoint` (403) because
    every role that lets them in only reads: the rule the security suite expects."""
    view = current_app.view_functions.get(endpoint)
    allowed = getattr(view, "cermin_access", frozenset())
    if method in SAFE_METHODS or getattr(view, "cermin_own_account", False) or PUBLIC in allowed:
        return False
    return not may_change(allowed, roles)


def is_read_only(user) -> bool:
    """A signed-in user whose every role only reads (pages hide their change buttons)."""
    return bool(user.is_authenticated and user.roles and user.roles <= READ_ONLY_ROLES)


def declared_access(endpoint: str) -> frozenset[str] | None:
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "cermin_access", None)


def refuse_undeclared() -> None:
    """before_request hook: an endpoint without @access is never served."""
    endpoint = request.endpoint
    if endpoint is None or endpoint == "static":
        return
    if declared_access(endpoint) is None:
        current_app.logger.error("endpoint %s has no access declaration", endpoint)
        abort(403)


def of_my_instansi(model, object_id: int):
    """The object with this id when it belongs to the signed-in user's instansi, else 404: another
    instansi's objects do not exist for them. An object without an `instansi_id` of its own
    belongs through its period, loket or unit."""
    from portal.extensions import db

    obj = db.session.get(model, object_id)
    if obj is None or instansi_of(obj) != current_user.instansi_id:
        abort(404)
    return obj


def instansi_of(obj) -> int:
    if hasattr(obj, "instansi_id"):
        return obj.instansi_id
    for parent in ("period", "counter", "unit"):
        if hasattr(obj, parent):
            return instansi_of(getattr(obj, parent))
    raise TypeError(f"{type(obj).__name__} belongs to no instansi")

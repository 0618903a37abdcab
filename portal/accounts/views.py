"""Log in, log out, change password and language."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_user, logout_user

from portal.access import PUBLIC, SIGNED_IN, access
from portal.accounts import services
from portal.accounts.forms import ChangePasswordForm, LanguageForm, LoginForm
from portal.accounts.models import User
from portal.extensions import db, limiter, login_manager
from portal.forms import EmptyForm
from portal.messages import say
from portal.web import rollback_request

bp = Blueprint("accounts", __name__, template_folder="templates")


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    return db.session.get(User, int(user_id))


def safe_next(target: str | None, fallback: str) -> str:
    """Only same-site paths are followed after login (no open redirects)."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    return target


def _login_limit() -> str:
    return current_app.config["CERMIN_LOGIN_LIMIT"]


@bp.route("/masuk", methods=["GET", "POST"])
@access(PUBLIC)
@limiter.limit(_login_limit, methods=["POST"], deduct_when=lambda response: response.status_code == 200)
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next"), url_for("main.home")))
    form = LoginForm()
    if form.validate_on_submit():
        policy = services.LoginPolicy(
            attempts=current_app.config["CERMIN_LOCKOUT_ATTEMPTS"],
            lock_minutes=current_app.config["CERMIN_LOCKOUT_MINUTES"],
        )
        try:
            user = services.authenticate(form.login.data, form.password.data, policy)
        except services.AccountError as error:
            # No rollback: the failed-attempt counter must be kept.
            form.password.errors.append(say(error))
        else:
            login_user(user)
            return redirect(safe_next(request.args.get("next"), url_for("main.home")))
    return render_template("accounts/login.html", form=form)


@bp.route("/keluar", methods=["POST"])
@access(SIGNED_IN)
def logout():
    form = EmptyForm()
    if form.validate_on_submit():
        logout_user()
        flash(gettext("Anda sudah keluar."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/akun", methods=["GET", "POST"])
@access(SIGNED_IN)
def account():
    password_form = ChangePasswordForm(prefix="pw")
    language_form = LanguageForm(prefix="lang", locale=current_user.locale or "")
    if password_form.submit.data and password_form.validate_on_submit():
        try:
            services.change_password(current_user, password_form.current.data, password_form.new.data)
        except services.AccountError as error:
            rollback_request()
            password_form.new.errors.append(say(error))
        else:
            flash(gettext("Kata sandi sudah diganti."), "success")
            return redirect(url_for("accounts.account"))
    elif language_form.submit.data and language_form.validate_on_submit():
        services.set_locale(current_user, language_form.locale.data or None)
        flash(gettext("Pilihan bahasa disimpan."), "success")
        return redirect(url_for("accounts.account"))
    return render_template("accounts/account.html", password_form=password_form, language_form=language_form)

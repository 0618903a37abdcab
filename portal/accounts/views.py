"""Log in, log out, change password and language."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import current_user, login_user, logout_user

from portal import clock
from portal.access import PUBLIC, SIGNED_IN, access
from portal.accounts import services
from portal.accounts.forms import ChangePasswordForm, LanguageForm, LoginForm, TotpForm
from markupsafe import Markup

from portal.accounts.models import ADMIN, HR, User
from portal.extensions import db, limiter, login_manager
from portal.forms import EmptyForm
from portal.messages import say
from portal.web import rollback_request

bp = Blueprint("accounts", __name__, template_folder="templates")


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The session's user; a deactivated account is signed out at its next request."""
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None


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
            next_url = safe_next(request.args.get("next"), url_for("main.home"))
            if user.uses_totp:
                # The password was right; the session is opened only after the second factor.
                session["pending_totp"] = {"user": user.id, "at": clock.timestamp(), "next": next_url}
                return redirect(url_for("accounts.login_code"))
            login_user(user)
            return redirect(next_url)
    return render_template("accounts/login.html", form=form)


#: Seconds between a right password and the code that completes the login.
TOTP_PENDING_SECONDS = 300


@bp.route("/masuk/kode", methods=["GET", "POST"])
@access(PUBLIC)
@limiter.limit(_login_limit, methods=["POST"], deduct_when=lambda response: response.status_code == 200)
def login_code():
    pending = session.get("pending_totp")
    if not pending or clock.timestamp() - pending.get("at", 0) > TOTP_PENDING_SECONDS:
        session.pop("pending_totp", None)
        flash(gettext("Silakan masuk kembali."), "info")
        return redirect(url_for("accounts.login"))
    user = db.session.get(User, pending["user"])
    form = TotpForm()
    if user is None or not user.active:
        session.pop("pending_totp", None)
        return redirect(url_for("accounts.login"))
    if form.validate_on_submit():
        if services.check_totp(user, form.code.data):
            session.pop("pending_totp", None)
            login_user(user)
            return redirect(pending.get("next") or url_for("main.home"))
        form.code.errors.append(gettext("Kode verifikasi salah. Periksa jam di ponsel Anda lalu coba lagi."))
    return render_template("accounts/login_code.html", form=form)


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
    return render_template("accounts/account.html", password_form=password_form, language_form=language_form,
                           totp_allowed=services.may_use_totp(current_user))


@bp.route("/akun/dua-langkah", methods=["GET", "POST"])
@access(ADMIN, HR)
def two_factor():
    """Set up, confirm or turn off the TOTP second factor."""
    form = TotpForm()
    action = request.form.get("action", "")
    if request.method == "POST" and action == "start" and EmptyForm().validate_on_submit():
        services.propose_totp(current_user)
        return redirect(url_for("accounts.two_factor"))
    if action in ("enable", "disable") and form.validate_on_submit():
        try:
            (services.enable_totp if action == "enable" else services.disable_totp)(current_user, form.code.data)
        except services.AccountError as error:
            form.code.errors.append(say(error))
        else:
            flash(gettext("Verifikasi dua langkah aktif.") if action == "enable"
                  else gettext("Verifikasi dua langkah dimatikan."), "success")
            return redirect(url_for("accounts.account"))
    qr_svg = None
    if current_user.totp_secret and not current_user.uses_totp:
        qr_svg = _qr_svg(services.totp_uri(current_user, current_user.instansi.name))
    return render_template("accounts/two_factor.html", form=form, qr_svg=qr_svg)


def _qr_svg(data: str) -> Markup:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=4)
    return Markup(image.to_string(encoding="unicode"))

"""Log in, log out, change password and language."""
from __future__ import annotations

import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import current_user, login_user, logout_user
from itsdangerous import BadSignature, URLSafeSerializer

from portal import clock
from portal.access import PUBLIC, SIGNED_IN, access
from portal.accounts import services
from portal.accounts.throttle import Client, ThrottlePolicy
from portal.accounts.forms import ChangePasswordForm, FirstPasswordForm, LanguageForm, LoginForm, TotpForm
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


#: A long-lived cookie that marks a browser where this account logged in before: wrong passwords
#: typed elsewhere (a stranger behind the same office address) never delay it.
DEVICE_COOKIE = "cermin_device"
DEVICE_COOKIE_DAYS = 365


def _device_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="cermin-login-device")


def _client() -> Client:
    device = None
    raw = request.cookies.get(DEVICE_COOKIE)
    if raw:
        try:
            user_id, device_id = _device_serializer().loads(raw)
            device = (int(user_id), str(device_id))
        except (BadSignature, TypeError, ValueError):
            device = None
    return Client(secret=current_app.config["SECRET_KEY"], address=request.remote_addr or "", device=device)


def _throttle_policy() -> ThrottlePolicy:
    config = current_app.config
    return ThrottlePolicy(
        free_attempts=config["CERMIN_LOGIN_FREE_ATTEMPTS"],
        first_delay=timedelta(seconds=config["CERMIN_LOGIN_DELAY_SECONDS"]),
        max_delay=timedelta(minutes=config["CERMIN_LOGIN_MAX_DELAY_MINUTES"]),
    )


def _start_session(user: User, next_url: str):
    """Open the session and remember this browser as one of the account's devices."""
    login_user(user)
    response = redirect(next_url)
    client = _client()
    if client.device is None or client.device[0] != user.id:
        value = _device_serializer().dumps([user.id, secrets.token_urlsafe(16)])
        response.set_cookie(DEVICE_COOKIE, value, max_age=DEVICE_COOKIE_DAYS * 24 * 3600, path=url_for("accounts.login"),
                            httponly=True, samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def _refused(form, field, error: services.AccountError):
    """Show why the attempt was refused; a throttled attempt answers 429 and writes nothing."""
    field.errors.append(say(error))
    if isinstance(error, services.LoginThrottled):
        rollback_request()
        return 429
    # No rollback: the failure must be counted.
    return 200


@bp.route("/masuk", methods=["GET", "POST"])
@access(PUBLIC)
@limiter.limit(_login_limit, methods=["POST"], deduct_when=lambda response: response.status_code == 200)
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next"), url_for("main.home")))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        client = _client()
        try:
            user = services.authenticate(form.login.data, form.password.data, client, _throttle_policy())
        except services.AccountError as error:
            status = _refused(form, form.password, error)
        else:
            next_url = safe_next(request.args.get("next"), url_for("main.home"))
            if user.uses_totp:
                # The password was right; the session is opened only after the second factor.
                session["pending_totp"] = {"user": user.id, "at": clock.timestamp(), "next": next_url,
                                           "gen": user.session_generation,
                                           "account": client.account_key(form.login.data)}
                return redirect(url_for("accounts.login_code"))
            return _start_session(user, next_url)
    return render_template("accounts/login.html", form=form), status


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
    if user is None or not user.active or user.session_generation != pending.get("gen"):
        session.pop("pending_totp", None)
        return redirect(url_for("accounts.login"))
    form = TotpForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.complete_totp_login(user, form.code.data, _client(), pending.get("account", ""),
                                         _throttle_policy())
        except services.AccountError as error:
            status = _refused(form, form.code, error)
        else:
            session.pop("pending_totp", None)
            return _start_session(user, pending.get("next") or url_for("main.home"))
    return render_template("accounts/login_code.html", form=form), status


@bp.route("/keluar", methods=["POST"])
@access(SIGNED_IN, own_account=True)
def logout():
    form = EmptyForm()
    if form.validate_on_submit():
        # Every session of the account ends, also a copy of this cookie kept elsewhere.
        services.end_sessions(current_user)
        logout_user()
        session.clear()
        flash(gettext("Anda sudah keluar."), "info")
    return redirect(url_for("accounts.login"))


def _keep_this_session(generation: int) -> None:
    """After a change that ended the account's sessions, this one carries on."""
    session["gen"] = generation


def _change_password(form) -> bool:
    """The user's own change from a validated form; the other sessions end, this one carries on."""
    try:
        services.change_password(current_user, form.current.data, form.new.data)
    except services.AccountError as error:
        rollback_request()
        form.new.errors.append(say(error))
        return False
    _keep_this_session(current_user.session_generation)
    return True


@bp.route("/akun/kata-sandi-baru", methods=["GET", "POST"])
@access(SIGNED_IN)
def first_password():
    """A password someone else set is replaced here before any other page opens."""
    if not current_user.must_change_password:
        return redirect(url_for("main.home"))
    form = FirstPasswordForm()
    if form.validate_on_submit() and _change_password(form):
        flash(gettext("Kata sandi sudah diganti. Selamat datang."), "success")
        return redirect(url_for("main.home"))
    return render_template("accounts/first_password.html", form=form)


@bp.route("/akun", methods=["GET", "POST"])
@access(SIGNED_IN, own_account=True)
def account():
    password_form = ChangePasswordForm(prefix="pw")
    language_form = LanguageForm(prefix="lang", locale=current_user.locale or "")
    if password_form.submit.data and password_form.validate_on_submit() and _change_password(password_form):
        flash(gettext("Kata sandi sudah diganti. Sesi lain akun ini sudah diakhiri."), "success")
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
            _keep_this_session(current_user.session_generation)
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

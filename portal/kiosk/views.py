"""Kiosk mode: unit managers enrol tablets for a loket; the tablet shows four faces to citizens."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from portal import clock, localtime, nav
from portal.access import PUBLIC, access
from portal.accounts.models import ADMIN, AUDITOR, HR, SUPERVISOR
from portal.extensions import db, limiter
from portal.feedback.links import kiosk_url
from portal.forms import EmptyForm
from portal.i18n import DEFAULT_LOCALE, LANG_COOKIE
from portal.kiosk import services
from portal.kiosk.forms import PairingForm, ReasonForm, VoteForm
from portal.kiosk.models import KioskDevice
from portal.messages import say
from portal.org.models import Counter
from portal.org.permissions import my_managed, my_readable_units
from surveys import kiosk as kiosk_rules
from surveys.errors import DomainError

bp = Blueprint("kiosk", __name__, template_folder="templates")
MANAGERS = (SUPERVISOR, HR, ADMIN)
#: The list of tablets is read by the auditor too.
READERS = (*MANAGERS, AUDITOR)
#: Chrome keeps a cookie at most 400 days; the cookie is renewed with every vote (a new token).
DEVICE_COOKIE_DAYS = 400
#: The thank-you page goes back to the faces after this long; an unanswered "Apa yang kurang?" too.
THANKS_SECONDS = 5
REASON_SECONDS = 30
#: A faces screen left in English returns to Bahasa Indonesia after this long.
IDLE_LANGUAGE_SECONDS = 90
#: A device revoked because a copied token was used is named on the manager's page this long.
REUSE_SHOWN_FOR = timedelta(days=30)

nav.register("kiosk.manage", _l("Kiosk"), _l("Tablet penilaian cepat di loket: pasang dan cabut perangkat."),
             *READERS, order=60)


def _when(moment: datetime | None, tz: ZoneInfo, pattern: str = "d MMM yyyy, HH.mm") -> str:
    """A UTC moment in the instansi's zone, e.g. "3 Mar 2026, 14.05 WITA"."""
    return localtime.shown(moment, tz, str(get_locale() or "id"), pattern)


# --- Management (unit heads, HR, admin) --------------------------------------------------------

@bp.route("/kiosk/")
@access(*READERS)
def manage():
    units = {unit.id: unit for unit in my_readable_units()}
    counters = db.session.scalars(
        select(Counter).where(Counter.unit_id.in_(units), Counter.active.is_(True)).order_by(Counter.code)
    ).all()
    counters = sorted(counters, key=lambda c: (units[c.unit_id].name, c.code))
    ids = [c.id for c in counters]
    return render_template(
        "kiosk/manage.html", counters=counters, devices=services.active_devices(ids),
        reused=services.reused_devices(ids, clock.now() - REUSE_SHOWN_FOR),
        kiosk_url=kiosk_url, when=lambda moment: _when(moment, current_user.instansi.tz),
        minutes=services.PAIRING_MINUTES,
    )


@bp.route("/kiosk/loket/<int:counter_id>/kode", methods=["POST"])
@access(*MANAGERS)
def create_code(counter_id: int):
    counter = my_managed(Counter, counter_id)
    if not counter.active:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    pairing, code = services.create_pairing(counter, current_user, current_app.secret_key)
    return render_template(
        "kiosk/pairing_code.html", counter=counter, code=services.format_code(code), url=kiosk_url(counter),
        expires=_when(pairing.expires_at, counter.unit.instansi.tz, "HH.mm"), minutes=services.PAIRING_MINUTES,
    )


@bp.route("/kiosk/perangkat/<int:device_id>/cabut", methods=["POST"])
@access(*MANAGERS)
def revoke(device_id: int):
    device = db.session.get(KioskDevice, device_id)
    if device is None:
        abort(404)
    my_managed(Counter, device.counter_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.revoke_device(device)
    except services.KioskError as error:
        flash(say(error), "warning")
    else:
        flash(gettext("Perangkat “%(name)s” di loket %(code)s dicabut. Tablet itu harus dipasang ulang dengan kode baru.",
                      name=device.name or gettext("tanpa nama"), code=device.counter.code), "success")
    return redirect(url_for("kiosk.manage"))


# --- The tablet (public, but only an enrolled device votes) ------------------------------------

def _kiosk_counter(code: str) -> Counter | None:
    counter = db.session.scalar(select(Counter).where(Counter.code == code.upper()))
    if counter is None or not counter.active or not counter.unit.active:
        return None
    return counter


def _unavailable(code: str):
    return _no_store(render_template("kiosk/unavailable.html", code=code), 404)


def _no_store(body, status: int = 200):
    # Each faces page carries its own idempotency key: a cached copy would swallow the next vote.
    return make_response(body, status, {"Cache-Control": "no-store"})


def _cookie_name(counter: Counter) -> str:
    return f"cermin_kiosk_{counter.code}"


def _grace() -> timedelta:
    seconds = int(current_app.config.get("CERMIN_KIOSK_TOKEN_GRACE_SECONDS", services.DEFAULT_TOKEN_GRACE_SECONDS))
    return timedelta(seconds=seconds)


def _device_check(counter: Counter) -> services.DeviceCheck | None:
    return services.check_device(counter, request.cookies.get(_cookie_name(counter)), current_app.secret_key, _grace())


def _set_device_cookie(response, counter: Counter, token: str | None):
    """Give the tablet its device token (a new one after a vote, the current one when it held an
    older one); renewed for DEVICE_COOKIE_DAYS each time."""
    if token is None:
        return response
    response.set_cookie(
        _cookie_name(counter), token, max_age=int(timedelta(days=DEVICE_COOKIE_DAYS).total_seconds()),
        path=url_for("kiosk.kiosk", code=counter.code), httponly=True, samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


def _min_interval() -> int:
    return int(current_app.config.get("CERMIN_KIOSK_MIN_INTERVAL_SECONDS", services.DEFAULT_MIN_INTERVAL_SECONDS))


def _pairing_limit() -> str:
    return current_app.config.get("CERMIN_KIOSK_PAIRING_LIMIT", "10 per minute")


def _pairing_page(counter: Counter, form: PairingForm, status: int = 200, refused: bool = False):
    page = render_template("kiosk/pair.html", counter=counter, form=form, refused=refused,
                           code_length=services.CODE_LENGTH, minutes=services.PAIRING_MINUTES)
    return _no_store(page, status)


def _faces_page(counter: Counter, error: str | None = None):
    form = VoteForm(formdata=None, key=secrets.token_urlsafe(24))
    back_to_indonesian = None
    if str(get_locale() or DEFAULT_LOCALE) != DEFAULT_LOCALE:
        # A visitor who tapped EN and walked away: the screen returns to Indonesian by itself.
        here = url_for("kiosk.kiosk", code=counter.code)
        back_to_indonesian = url_for("main.switch_language", code=DEFAULT_LOCALE, next=here)
    return _no_store(render_template("kiosk/faces.html", counter=counter, form=form, faces=kiosk_rules.FACES,
                                     error=error, back_to_indonesian=back_to_indonesian,
                                     idle_seconds=IDLE_LANGUAGE_SECONDS))


@bp.route("/k/<code>", methods=["GET", "POST"])
@access(PUBLIC)
def kiosk(code: str):
    counter = _kiosk_counter(code)
    if counter is None:
        return _unavailable(code)
    if request.method == "GET" and code != counter.code:
        return redirect(url_for("kiosk.kiosk", code=counter.code))
    check = _device_check(counter)
    if check is None:
        refused = request.method == "POST"
        return _pairing_page(counter, PairingForm(formdata=None), 403 if refused else 200, refused)
    form = VoteForm()
    if not form.validate_on_submit():
        return _set_device_cookie(_faces_page(counter, form.key.errors[0] if form.key.errors else None), counter,
                                  check.renew)
    try:
        result = services.record_vote(check.device, form.face.data, form.key.data, _min_interval())
    except DomainError as error:
        return _set_device_cookie(_faces_page(counter, say(error)), counter, check.renew)
    if result.asks_reason:
        response = redirect(url_for("kiosk.reason", code=counter.code, key=result.vote.idempotency_key))
    else:
        response = redirect(url_for("kiosk.thanks", code=counter.code))
    token = check.renew
    if result.created and token is None:
        # Every vote made with the current token replaces it: a copy taken earlier stops working.
        token = services.rotate(check.device, current_app.secret_key)
    return _set_device_cookie(response, counter, token)


@bp.route("/k/<code>/pasang", methods=["GET", "POST"])
@access(PUBLIC)
@limiter.limit(_pairing_limit, methods=["POST"], deduct_when=lambda response: response.status_code == 200)
def pair(code: str):
    counter = _kiosk_counter(code)
    if counter is None:
        return _unavailable(code)
    form = PairingForm()
    if form.validate_on_submit():
        try:
            _, token = services.enrol_device(counter, form.code.data, form.name.data or "", current_app.secret_key)
        except services.KioskError as error:
            form.code.errors.append(say(error))
        else:
            return _set_device_cookie(redirect(url_for("kiosk.kiosk", code=counter.code)), counter, token)
    return _pairing_page(counter, form)


@bp.route("/k/<code>/alasan/<key>", methods=["GET", "POST"])
@access(PUBLIC)
def reason(code: str, key: str):
    counter = _kiosk_counter(code)
    if counter is None:
        return _unavailable(code)
    check = _device_check(counter)
    if check is None:
        return redirect(url_for("kiosk.kiosk", code=counter.code))
    thanks = _set_device_cookie(redirect(url_for("kiosk.thanks", code=counter.code)), counter, check.renew)
    if services.pending_vote(check.device, key) is None:
        return thanks
    form = ReasonForm()
    error = None
    if form.validate_on_submit():
        try:
            services.attach_reason(check.device, key, form.reason.data)
        except DomainError as problem:
            error = say(problem)
        else:
            return thanks
    page = render_template("kiosk/reason.html", counter=counter, form=form, key=key, reasons=kiosk_rules.REASONS,
                           error=error, seconds=REASON_SECONDS)
    return _set_device_cookie(_no_store(page), counter, check.renew)


@bp.route("/k/<code>/terima-kasih")
@access(PUBLIC)
def thanks(code: str):
    counter = _kiosk_counter(code)
    if counter is None:
        return _unavailable(code)
    response = _no_store(render_template("kiosk/thanks.html", counter=counter, seconds=THANKS_SECONDS))
    return _next_visitor_in_indonesian(response)


def _next_visitor_in_indonesian(response):
    """The tablet serves one visitor after another: whoever tapped EN is thanked in English, and
    the next visitor's screen is in Bahasa Indonesia again."""
    response.set_cookie(LANG_COOKIE, DEFAULT_LOCALE, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response

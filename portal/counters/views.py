"""Loket tools for unit managers: QR codes, printable posters, officer name plates, queue tickets.

HR and admins manage every unit of their instansi; a unit head manages their unit and the units
under it (portal/org/permissions.py). Everyone else is refused; another instansi's lokets are
not found.
"""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from portal import base_url, nav
from portal.access import access
from portal.accounts.models import ADMIN, AUDITOR, HR, SUPERVISOR
from portal.counters import services
from portal.counters.forms import RateLimitForm, TicketBatchForm
from portal.feedback.links import officer_url, survey_url
from portal.localtime import today
from portal.messages import say
from portal.org.models import Counter, Employee, Unit
from portal.org.permissions import can_read_unit, readable_units
from portal.web import rollback_request

bp = Blueprint("counters", __name__, url_prefix="/loket", template_folder="templates")
#: Unit heads hold the supervisor role; which units they manage is decided by permissions.py.
MANAGERS = (SUPERVISOR, HR, ADMIN)
#: The posters, QR codes, name plates and ticket batches are read by the auditor too.
READERS = (*MANAGERS, AUDITOR)
SIZES = ("a4", "a5")

nav.register("counters.index", _l("Loket & QR"),
             _l("Kode QR dan poster loket, papan nama petugas, tiket antrean."), *READERS, order=60)


def _readable_units() -> list[Unit]:
    units = [u for u in readable_units(current_user) if u.active]
    if not units:
        abort(403)
    return units


def _checked_unit(unit: Unit) -> None:
    if not can_read_unit(current_user, unit):
        abort(403)


def _counter(code: str) -> Counter:
    counter = services.find_counter(current_user.instansi_id, code)
    if counter is None or not services.is_open(counter):
        abort(404)
    _checked_unit(counter.unit)
    return counter


def _unit(code: str) -> Unit:
    unit = services.find_unit(current_user.instansi_id, code)
    if unit is None or not unit.active:
        abort(404)
    _checked_unit(unit)
    return unit


def _officer(public_code: str) -> Employee:
    officer = services.find_officer(current_user.instansi_id, public_code)
    if officer is None or not officer.active:
        abort(404)
    _checked_unit(officer.unit)
    return officer


def _size() -> str:
    size = request.args.get("ukuran", "a4").lower()
    if size not in SIZES:
        abort(404)
    return size


def _short(url: str) -> str:
    """The address as people type it: without the scheme."""
    return url.split("://", 1)[-1]


@bp.context_processor
def printed_address() -> dict:
    """The address the sheets print, when it is one a phone cannot reach (a loopback address)."""
    base = base_url.for_page()
    return {"loopback_base": base if base_url.is_loopback(base) else None}


def _download(body: str | bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    return response


def _qr_download(data: str, fmt: str, stem: str, label: str) -> Response:
    if fmt == "svg":
        return _download(services.qr_svg(data, label=label), "image/svg+xml", f"{stem}.svg")
    return _download(services.qr_png(data), "image/png", f"{stem}.png")


def _poster(counter: Counter) -> dict:
    url = survey_url(counter)
    label = gettext("Kode QR survei loket %(code)s", code=counter.code)
    return {"counter": counter, "url": url, "short_url": _short(url),
            "qr": Markup(services.qr_svg(url, label=label, inline=True))}


def _nameplate(officer: Employee) -> dict:
    url = officer_url(officer)
    label = gettext("Kode QR survei untuk %(name)s", name=officer.name)
    return {"officer": officer, "url": url, "short_url": _short(url),
            "qr": Markup(services.qr_svg(url, label=label, inline=True))}


@bp.route("/")
@access(*READERS)
def index():
    units = _readable_units()
    counters = services.active_counters(current_user.instansi_id, [u.id for u in units])
    by_unit = {u.id: [] for u in units}
    for counter in counters:
        by_unit[counter.unit_id].append(counter)
    groups = [{"unit": u, "counters": by_unit[u.id], "officers": len(services.unit_officers(u))} for u in units]
    return render_template("counters/index.html", groups=groups, survey_url=survey_url)


@bp.route("/<code>/poster")
@access(*READERS)
def poster(code: str):
    counter = _counter(code)
    size = _size()
    return render_template(
        "counters/posters.html", posters=[_poster(counter)], size=size,
        title=gettext("Poster loket %(code)s", code=counter.code),
        size_urls={s: url_for("counters.poster", code=counter.code, ukuran=s) for s in SIZES},
    )


@bp.route("/unit/<unit_code>/poster")
@access(*READERS)
def unit_posters(unit_code: str):
    unit = _unit(unit_code)
    size = _size()
    counters = services.active_counters(current_user.instansi_id, [unit.id])
    return render_template(
        "counters/posters.html", posters=[_poster(c) for c in counters], size=size,
        title=gettext("Semua poster %(unit)s", unit=unit.name),
        size_urls={s: url_for("counters.unit_posters", unit_code=unit.code, ukuran=s) for s in SIZES},
    )


@bp.route("/<code>/qr.<any(svg, png):fmt>")
@access(*READERS)
def counter_qr(code: str, fmt: str):
    counter = _counter(code)
    label = gettext("Kode QR survei loket %(code)s", code=counter.code)
    return _qr_download(survey_url(counter), fmt, services.file_stem("qr", counter.code), label)


@bp.route("/petugas/<public_code>/qr.<any(svg, png):fmt>")
@access(*READERS)
def officer_qr(public_code: str, fmt: str):
    officer = _officer(public_code)
    label = gettext("Kode QR survei untuk %(name)s", name=officer.name)
    stem = services.file_stem("qr-petugas", officer.name, officer.public_code)
    return _qr_download(officer_url(officer), fmt, stem, label)


@bp.route("/petugas/<public_code>/papan-nama")
@access(*READERS)
def officer_nameplate(public_code: str):
    officer = _officer(public_code)
    unit_sheet_url = url_for("counters.unit_nameplates", unit_code=officer.unit.code) if officer.unit.active else None
    return render_template("counters/nameplates.html", plates=[_nameplate(officer)], unit_sheet_url=unit_sheet_url,
                           title=gettext("Papan nama %(name)s", name=officer.name))


@bp.route("/unit/<unit_code>/papan-nama")
@access(*READERS)
def unit_nameplates(unit_code: str):
    unit = _unit(unit_code)
    plates = [_nameplate(o) for o in services.unit_officers(unit)]
    return render_template("counters/nameplates.html", plates=plates,
                           title=gettext("Papan nama petugas %(unit)s", unit=unit.name))


def _tickets_csv(batch) -> Response:
    return _download(services.tickets_csv(batch), "text/csv", services.tickets_filename(batch))


@bp.route("/<code>/tiket", methods=["GET", "POST"])
@access(*READERS)
def tickets(code: str):
    counter = _counter(code)
    form = TicketBatchForm()
    if request.method == "GET":
        form.day.data = today(counter.unit.instansi.tz)
    if form.validate_on_submit():
        try:
            batch = services.issue_tickets(counter, form.day.data, form.count.data, created_by_id=current_user.id)
        except services.TicketRefused as error:
            rollback_request()
            field = getattr(form, error.field) if error.field else None
            if field is not None:
                field.errors.append(say(error))
            else:
                flash(say(error), "error")
        else:
            return _tickets_csv(batch)
    return render_template("counters/tickets.html", counter=counter, form=form,
                           batches=services.recent_batches(counter), tz=counter.unit.instansi.tz,
                           max_tickets=services.MAX_TICKETS)


@bp.route("/<code>/tiket/<int:batch_id>.csv")
@access(*MANAGERS)
def batch_csv(code: str, batch_id: int):
    counter = _counter(code)
    batch = services.find_batch(counter, batch_id)
    if batch is None:
        abort(404)
    return _tickets_csv(batch)


@bp.route("/<code>/batas", methods=["GET", "POST"])
@access(*READERS)
def rate_limit(code: str):
    """The loket's plausible number of web responses per rate window (docs/integrity.md)."""
    counter = _counter(code)
    form = RateLimitForm(data={"rate_limit": counter.rate_limit})
    if form.validate_on_submit():
        services.set_rate_limit(counter, form.rate_limit.data, current_user)
        flash(gettext("Batas wajar loket %(code)s disimpan.", code=counter.code), "success")
        return redirect(url_for("counters.index"))
    status = 400 if form.errors else 200
    return render_template("counters/rate_limit.html", counter=counter, form=form, status=status,
                           default=current_app.config["CERMIN_RATE_LIMIT"],
                           window=current_app.config["CERMIN_RATE_WINDOW_MINUTES"]), status

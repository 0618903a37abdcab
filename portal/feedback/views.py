"""The citizen's side: the SKM form at /s/<loket>, name-plate codes /p/<officer>, queue tickets /t/<code>.

No login, works without JavaScript, small enough for one round trip on a slow network.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext, ngettext
from flask_wtf.csrf import generate_csrf
from sqlalchemy import func, select

from portal import clock
from portal.access import PUBLIC, access
from portal.caches import MinuteCache
from portal.db import read_before_writing
from portal.extensions import db
from portal.feedback import integrity
from portal.feedback.forms import UNKNOWN_OFFICER, SkmForm, TicketEntryForm
from portal.feedback.links import results_url
from portal.feedback.loket import Loket, find_loket, loket_for_answer, loket_this_minute
from portal.feedback.models import SkmResponse
from portal.feedback.services import PROFILE_FIELDS, Duplicate, FeedbackError, Submission, record_response
from portal.localtime import today
from portal.messages import say
from portal.org.models import Counter, Employee
from portal.org.services import Officer, on_duty
from portal.web import rollback_request
from surveys import skm
from surveys.errors import InvalidResponse, InvalidTicket
from surveys.i18n import N_
from surveys.tickets import peek_counter_code, verify_ticket

bp = Blueprint("feedback", __name__, template_folder="templates")


def _notice(title: str, message: str, status: int, counter: Loket | None = None, link: tuple | None = None):
    """A clear page for a citizen (inactive loket, used ticket…): never an error screen."""
    return render_template("feedback/notice.html", title=title, message=message, counter=counter, link=link), status


def _closed_notice(counter: Loket | None):
    """The notice to show instead of the form of a loket not open for responses, or None."""
    if counter is None:
        return _notice(gettext("Loket tidak ditemukan"),
                       gettext("Kode loket ini tidak dikenal. Periksa kembali kode QR atau alamat yang Anda buka."), 404)
    if not counter.open:
        return _notice(gettext("Loket tidak aktif"),
                       gettext("Loket ini sedang tidak menerima survei. Terima kasih atas kesediaan Anda."), 410, counter)
    return None


def _officer_choices(officers: list[Officer]) -> list[tuple[str, str]]:
    return [(str(o.id), o.name) for o in officers] + [(UNKNOWN_OFFICER, gettext("Tidak tahu / tidak ingat"))]


def _officer(column, value) -> Officer | None:
    """The employee (id and name) whose `column` equals `value`; the service checks that they may be rated."""
    row = db.session.execute(select(Employee.id, Employee.name).where(column == value)).first()
    return Officer(*row) if row else None


def _ticket_state(code: str) -> tuple[str | None, object]:
    """Check a queue ticket without trusting anything but its signature, then its single use."""
    try:
        ticket = verify_ticket(_ticket_key_for(code), code)
    except InvalidTicket:
        return "invalid", None
    counter = find_loket(ticket.counter_code)
    if counter is None:
        return "invalid", None
    valid_days = int(current_app.config.get("CERMIN_TICKET_VALID_DAYS", 2))
    local_today = today(counter.unit.instansi.tz)
    if ticket.day > local_today or local_today - ticket.day > timedelta(days=valid_days):
        return "expired", counter
    normalised = _normalise_ticket(code)
    if db.session.scalar(select(func.count(SkmResponse.id)).where(SkmResponse.ticket_code == normalised)):
        return "used", counter
    return None, counter


def _normalise_ticket(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _ticket_key_for(code: str) -> bytes:
    """The signing key of the instansi that owns the loket named inside the code."""
    counter = find_loket(peek_counter_code(code))
    if counter is None:
        raise InvalidTicket()
    return counter.unit.instansi.ticket_key


TICKET_MESSAGES = {
    "invalid": (N_("Kode tiket tidak valid"),
                N_("Kode tiket ini tidak dikenal atau tidak lengkap. Periksa kembali kode pada tiket antrean Anda.")),
    "expired": (N_("Tiket sudah kedaluwarsa"),
                N_("Masa berlaku tiket ini sudah lewat. Anda tetap dapat menilai layanan melalui kode QR di loket.")),
    "used": (N_("Tiket sudah dipakai"), N_("Penilaian untuk tiket ini sudah kami terima. Terima kasih!")),
}


def _ticket_notice(state: str, counter: Loket | None):
    title, message = TICKET_MESSAGES[state]
    link = None
    if counter is not None and counter.active and state == "expired":
        link = (url_for("feedback.survey", code=counter.code), gettext("Isi survei loket ini"))
    status = 404 if state == "invalid" else 410
    return _notice(gettext(title), gettext(message), status, counter, link)


_SCALE_VALUES = {str(score) for score in range(skm.SCALE_MIN, skm.SCALE_MAX + 1)}


def _render(counter: Loket, form: SkmForm, officers: list[Officer], fixed_officer: Officer | None,
            answers: dict[str, str], errors: dict[str, str], notice: str | None = None, status: int = 200,
            **context):
    instansi = counter.unit.instansi
    answered = sum(1 for u in skm.UNSUR if answers.get(u.kode) in _SCALE_VALUES)
    return render_template(
        "feedback/form.html", counter=counter, form=form, unsur=skm.UNSUR, answers=answers, errors=errors,
        answered=answered, numbers={u.kode: number for number, u in enumerate(skm.UNSUR, 1)},
        officer_choices=_officer_choices(officers), fixed_officer=fixed_officer, notice=notice,
        retention_days=instansi.retention_days, instansi=instansi, **context,
    ), status


def _fresh_form(counter: Loket, officer: Officer | None, ticket: str | None) -> SkmForm:
    form = SkmForm(formdata=None)
    form.form_key.data = integrity.issue_form_key(counter.code, officer.id if officer else None, ticket)
    form.ticket.data = ticket or ""
    return form


#: A fresh form is the same page for everyone at a loket in a language but for two values: the
#: CSRF token and the signed form key. It is rendered once with these slots and filled per request.
_CSRF_SLOT = "cermin-slot-csrf-token"
_KEY_SLOT = "cermin-slot-form-key"
_FRESH_PAGES: dict[tuple, str] = {}
_FRESH_PAGES_LIMIT = 512


def _fresh_page(counter: Loket, officers: list[Officer], fixed_officer: Officer | None):
    """The blank form of a loket: rendered from the template once per loket, officers on duty,
    language and address, then served with this request's CSRF token and form key."""
    key = (str(get_locale()), request.script_root, request.full_path, counter, tuple(officers), fixed_officer)
    page = _FRESH_PAGES.get(key)
    if page is None:
        form = SkmForm(formdata=None)
        form.form_key.data = _KEY_SLOT
        page, _ = _render(counter, form, officers, fixed_officer, {}, {}, csrf_token=lambda: _CSRF_SLOT)
        if len(_FRESH_PAGES) >= _FRESH_PAGES_LIMIT:
            _FRESH_PAGES.clear()
        _FRESH_PAGES[key] = page
    form_key = integrity.issue_form_key(counter.code, fixed_officer.id if fixed_officer else None)
    return page.replace(_CSRF_SLOT, generate_csrf()).replace(_KEY_SLOT, form_key)


_ROSTERS = MinuteCache()


def _on_duty_this_minute(counter: Loket, now: datetime) -> list[Officer]:
    """`on_duty`, remembered for the minute (for the citizen's GET only; a POST reads the roster)."""
    return _ROSTERS.get(counter, now, lambda: on_duty(counter, now))


@bp.route("/s/<code>", methods=["GET", "POST"])
@access(PUBLIC)
def survey(code: str):
    if request.method == "POST":
        read_before_writing()
        key = integrity.read_form_key(request.form.get("form_key", ""), code.strip().upper())
        named = _officer_named(key)
        counter, named_on_duty = loket_for_answer(code, named)
        return _closed_notice(counter) or _submit(counter, key, named if named_on_duty else None)
    now = clock.now()
    counter = loket_this_minute(code, now)
    closed = _closed_notice(counter)
    if closed:
        return closed
    fixed_officer = None
    officer_code = request.args.get("petugas")
    if officer_code:
        fixed_officer = _officer(Employee.public_code, officer_code)
        if fixed_officer is None or fixed_officer not in _on_duty_this_minute(counter, now):
            return _notice(
                gettext("Petugas tidak sedang bertugas"),
                gettext("Petugas pada kode QR ini tidak tercatat bertugas di loket ini sekarang. Anda tetap dapat menilai layanan loket ini."),
                409, counter, (url_for("feedback.survey", code=counter.code), gettext("Nilai layanan loket ini")),
            )
    officers = [] if fixed_officer else _on_duty_this_minute(counter, now)
    return _fresh_page(counter, officers, fixed_officer)


#: An officer id as the form sends it (a PostgreSQL integer, so that it can key a lock).
_OFFICER_ID = re.compile(r"[1-9][0-9]{0,8}")


def _officer_named(key) -> int | None:
    """The officer the answer names, as sent: the form key's (a name plate's form) or the field's.
    Only a key for the rules' lock: the answer is checked later, and an officer who may not be
    rated stores nothing."""
    if key and key.officer_id:
        return int(key.officer_id)
    value = request.form.get("officer", "")
    return int(value) if _OFFICER_ID.fullmatch(value) else None


def _submit(counter: Loket, key, named_on_duty: int | None):
    """Store the citizen's answers (`key`: the form key, read and checked; `named_on_duty`: the
    officer the answer names, found on duty when the loket was read). The happy path reads the
    fields as they are and leaves the checks to the services; WTForms only renders the form again
    when something is wrong."""
    data = request.form
    fixed_officer = _officer(Employee.id, key.officer_id) if key and key.officer_id else None
    answers = {u.kode: data.get(u.kode.lower(), "") for u in skm.UNSUR}
    answers["officer"] = data.get("officer", "")

    def again(notice: str, errors: dict[str, str] | None = None, form: SkmForm | None = None,
              officer: Officer | None = fixed_officer):
        """The form again with the citizen's answers and what to fix; nothing is stored."""
        officers = [] if officer else on_duty(counter)
        return _render(counter, form or SkmForm(), officers, officer, answers, errors or {}, notice, 400)

    if key is None:
        fresh = _fresh_form(counter, None, data.get("ticket") or None)
        fresh.comment.data = data.get("comment", "")
        return again(gettext("Formulir ini sudah kedaluwarsa. Periksa jawaban Anda lalu kirim lagi."),
                     form=fresh, officer=None)
    if data.get("website"):
        # A script filled the hidden field: thank it and store nothing.
        return redirect(url_for("feedback.thanks", code=counter.code), 303)
    ticket = key.ticket
    wait = integrity.seconds_to_wait(key)
    if wait:
        return again(ngettext(
            "Formulir terkirim terlalu cepat, sebelum sempat dibaca: penilaian Anda belum disimpan. Jawaban Anda "
            "masih terisi di bawah; periksa lagi, tunggu %(num)d detik, lalu tekan \u201cKirim penilaian\u201d.",
            "Formulir terkirim terlalu cepat, sebelum sempat dibaca: penilaian Anda belum disimpan. Jawaban Anda "
            "masih terisi di bawah; periksa lagi, tunggu %(num)d detik, lalu tekan \u201cKirim penilaian\u201d.",
            wait))
    votes = integrity.device_votes(request.cookies.get(integrity.DEVICE_COOKIE))
    if ticket is None and integrity.device_limit_reached(votes, counter.code):
        # Honest: nothing was stored, so the page must not thank the citizen for a received rating.
        return _notice(gettext("Penilaian Anda tidak disimpan"),
                       gettext("Penilaian Anda tidak disimpan: dari perangkat ini sudah ada %(n)d penilaian untuk loket "
                               "ini dalam 24 jam terakhir, batas untuk satu perangkat. Terima kasih atas kesediaan Anda; "
                               "Anda dapat menilai lagi besok.", n=len(votes.get(counter.code, []))), 429, counter,
                       (results_url(counter.unit), gettext("Lihat hasil survei unit ini")))
    errors: dict[str, str] = {}
    try:
        scores = skm.validate_scores(answers)
    except InvalidResponse as error:
        errors = {k: gettext(v) for k, v in error.errors.items()}
        scores = None
    employee_id = fixed_officer.id if fixed_officer else _chosen_officer(counter, answers["officer"], errors,
                                                                         named_on_duty)
    if errors:
        return again(gettext("Penilaian Anda belum dikirim: ada jawaban yang belum lengkap. Buka pertanyaan berikut:"), errors)
    if ticket:
        state, _ = _ticket_state(ticket)
        if state == "used":
            return redirect(url_for("feedback.thanks", code=counter.code), 303)
        if state:
            return _ticket_notice(state, counter)
    submission = Submission(
        scores=scores, employee_id=employee_id, comment=data.get("comment", ""),
        profile={field: data.get(field) for field in PROFILE_FIELDS},
        channel="ticket" if ticket else ("officer" if fixed_officer else "web"),
        idempotency_key=key.idempotency_key, ticket_code=_normalise_ticket(ticket) if ticket else None,
        officer_on_duty=employee_id is not None and not fixed_officer,
    )
    try:
        record_response(counter, submission)
    except Duplicate:
        return redirect(url_for("feedback.thanks", code=counter.code), 303)
    except FeedbackError as error:
        rollback_request()
        return again(say(error))
    # Stored whole: committed now, so that the loket's lock (PostgreSQL) or the write lock
    # (SQLite) is not held while the answer is built. Nothing after this writes.
    db.session.commit()
    response = redirect(url_for("feedback.thanks", code=counter.code), 303)
    response.set_cookie(integrity.DEVICE_COOKIE, integrity.device_cookie_value(votes, counter.code),
                        max_age=integrity.DAY, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def _chosen_officer(counter: Loket, value: str, errors: dict[str, str], on_duty_id: int | None = None) -> int | None:
    """The officer picked on the form: one of those on duty, or "don't know". `on_duty_id`: an
    officer already found on duty at the loket, who needs no second reading."""
    if value in ("", UNKNOWN_OFFICER):
        return None
    if on_duty_id is not None and value == str(on_duty_id):
        return on_duty_id
    officers = on_duty(counter)
    if not officers:
        return None
    for officer in officers:
        if str(officer.id) == value:
            return officer.id
    errors["officer"] = gettext("Petugas yang dipilih tidak dikenal.")
    return None


@bp.route("/s/<code>/terima-kasih")
@access(PUBLIC)
def thanks(code: str):
    counter = find_loket(code)
    if counter is None:
        return _notice(gettext("Loket tidak ditemukan"), gettext("Kode loket ini tidak dikenal."), 404)
    return render_template("feedback/thanks.html", counter=counter, results_url=results_url(counter.unit))


@bp.route("/p/<public_code>")
@access(PUBLIC)
def officer(public_code: str):
    """An officer's name-plate QR: the form of the loket they serve at now, officer chosen."""
    employee = db.session.scalar(select(Employee).where(Employee.public_code == public_code.strip().lower()))
    if employee is None or not employee.active:
        return _notice(gettext("Petugas tidak ditemukan"),
                       gettext("Kode pada papan nama ini tidak dikenal. Silakan pindai kode QR yang ada di loket."), 404)
    counters = db.session.scalars(
        select(Counter).where(Counter.active.is_(True)).join(Counter.unit)
        .where(Counter.unit.has(instansi_id=employee.instansi_id)).order_by(Counter.code)
    ).all()
    now = clock.now()
    for counter in counters:
        if any(officer.id == employee.id for officer in on_duty(counter, now)):
            return redirect(url_for("feedback.survey", code=counter.code, petugas=employee.public_code))
    return _notice(gettext("Petugas tidak sedang bertugas"),
                   gettext("Petugas ini tidak tercatat bertugas di loket mana pun saat ini. Silakan pindai kode QR yang ada di loket."),
                   409)


@bp.route("/t", methods=["GET", "POST"])
@access(PUBLIC)
def ticket_entry():
    """Type the code printed on a queue ticket."""
    form = TicketEntryForm()
    if form.validate_on_submit() and (form.code.data or "").strip():
        return redirect(url_for("feedback.ticket", code=form.code.data.strip()))
    return render_template("feedback/ticket_entry.html", form=form)


@bp.route("/t/<code>")
@access(PUBLIC)
def ticket(code: str):
    state, counter = _ticket_state(code)
    if state:
        return _ticket_notice(state, counter)
    if not counter.open:
        return _closed_notice(counter)
    officers = on_duty(counter)
    return _render(counter, _fresh_form(counter, None, code), officers, None, {}, {})

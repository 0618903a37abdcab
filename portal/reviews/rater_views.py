"""Raters answer their invitation links; employees, supervisors and HR read 360 reports.

- `/ulasan/<token>`: the rater's link. The link is a convenience, the rater's own login is the
  proof: it opens only for the invited rater, logged in. Anyone else (HR included) gets the same
  "unknown link" page whatever the invitation's state, so a link tells them nothing, not even
  whether the review was sent. Light enough for a phone, no JavaScript.
- `/ulasan-saya`: "ulasan yang perlu Anda isi", the user's own released reports, and the
  report lists of the cycles they may read.
- `/360/laporan/<cycle>` and `/360/laporan/<cycle>/<employee>`: report lists and reports, built
  only from `services.build_report`, so every figure obeys the anonymity threshold.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for
from flask_babel import format_date, format_decimal, gettext, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from portal import nav
from portal.access import SIGNED_IN, access, of_my_instansi
from portal.accounts.models import ADMIN, AUDITOR, EMPLOYEE, HR, SUPERVISOR
from portal.extensions import db
from portal.localtime import today
from portal.messages import say
from portal.org.models import Employee, Instansi, Unit
from portal.reviews import drafts, links, permissions, raters, services
from portal.reviews.models import ReviewCycle, ReviewCycleUnit, ReviewExpectation, ReviewInvitation
from portal.reviews.rater_forms import SAVE_DRAFT, SUBMIT, AnswerForm, ReportFilterForm
from portal.web import rollback_request
from surveys import berakhlak, review
from surveys.errors import InvalidResponse
from surveys.review import RaterGroup

bp = Blueprint("review_rater", __name__, template_folder="templates")

nav.register("review_rater.mine", _l("Ulasan saya"),
             _l("Ulasan 360 derajat yang perlu Anda isi dan laporan ulasan Anda."),
             EMPLOYEE, SUPERVISOR, HR, ADMIN, order=30)

#: The sentence that tells the rater in which capacity they answer.
CAPACITY = {
    "diri": _l("Anda menilai diri sendiri."),
    "atasan": _l("Anda menilai sebagai atasan langsung."),
    "rekan": _l("Anda menilai sebagai rekan kerja."),
    "bawahan": _l("Anda menilai sebagai bawahan."),
}
GROUP_LABELS = {group.value: group.label for group in RaterGroup}
REPORT_STATES = ("closed", "released")
#: Width in SVG units of a bar at the top of the scale.
BAR_WIDTH = 200


# --- answering by link ---------------------------------------------------------------------------

def _notice(title: str, message: str, status: int, invitation: ReviewInvitation | None = None):
    """A clear page for the rater (unknown, used or closed link): never an error screen."""
    response = render_template("reviews/rater/notice.html", title=title, message=message, invitation=invitation,
                               instansi=_instansi_of(invitation) if invitation else None)
    return _private(response, status)


def _private(body, status: int = 200):
    """Token pages are nobody's business but the rater's: no caching, no indexing."""
    return body, status, {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow"}


def _instansi_of(invitation: ReviewInvitation) -> Instansi:
    return db.session.get(Instansi, invitation.cycle.instansi_id)


def _own_invitation(token: str) -> ReviewInvitation | None:
    """The invitation behind the link when the signed-in user is its rater; None otherwise, so an
    unknown link and someone else's read the same."""
    invitation = links.find_invitation(token)
    return invitation if invitation is not None and permissions.is_the_rater(current_user, invitation) else None


def _unknown_link():
    """For an unknown link and for anyone's but the rater's: one page, one status, nothing about
    the invitation or whether it was answered."""
    return _notice(gettext("Tautan ulasan tidak dikenal"),
                   gettext("Tautan ini tidak dikenal, tidak lengkap, atau bukan undangan untuk akun Anda. Ulasan "
                           "hanya dapat diisi oleh penilai yang diundang, setelah masuk dengan akunnya sendiri. Buka "
                           "\"Ulasan saya\" untuk melihat ulasan yang perlu Anda isi."), 404)


def _already_sent(invitation: ReviewInvitation, status: int):
    return _notice(gettext("Ulasan sudah dikirim"),
                   gettext("Ulasan ini sudah Anda kirim dan tidak dapat diubah lagi. Terima kasih."), status, invitation)


def _choices(questionnaire) -> list[tuple[str, str, str | None]]:
    """(form value, number, anchor label) for each point of the scale."""
    anchors = dict(berakhlak.ANCHORS) if (questionnaire.scale_min, questionnaire.scale_max) == (
        berakhlak.SCALE_MIN, berakhlak.SCALE_MAX) else {}
    return [(str(s), str(s), anchors.get(s)) for s in range(questionnaire.scale_min, questionnaire.scale_max + 1)]


def _scale_key(questionnaire) -> str:
    """The scale once per value, read by sight ("1 Sangat jarang menunjukkan · …"); each choice
    carries its own words for a screen reader."""
    return " · ".join(f"{value} {gettext(anchor)}" for value, _number, anchor in _choices(questionnaire) if anchor)


def _expectations(invitation: ReviewInvitation) -> dict[str, str]:
    return dict(db.session.execute(select(ReviewExpectation.value_code, ReviewExpectation.text).where(
        ReviewExpectation.cycle_id == invitation.cycle_id,
        ReviewExpectation.reviewee_id == invitation.reviewee_id)).all())


def _render_answer_form(token: str, invitation: ReviewInvitation, answers: dict[str, str],
                        errors: dict[str, str] | None = None, notice: str | None = None, status: int = 200,
                        draft_elsewhere: bool = False):
    cycle = invitation.cycle
    questionnaire = cycle.questionnaire
    errors = errors or {}
    values = services.values_of(questionnaire)
    saved = request.args.get("tersimpan") == "1" and not errors and not draft_elsewhere
    saved_value = request.args.get("nilai") if saved else None
    response = render_template(
        "reviews/rater/answer.html", token=token, invitation=invitation,
        value_answered={code: sum(1 for item in items if answers.get(f"item-{item.id}")) for code, _n, items in values},
        saved_value=saved_value if saved_value in {code for code, _n, _i in values} else None,
        scale_key=_scale_key(questionnaire),
        cycle=cycle, reviewee=invitation.reviewee, instansi=_instansi_of(invitation),
        values=values, choices=_choices(questionnaire),
        cannot_rate=berakhlak.CANNOT_RATE, cannot_rate_code=berakhlak.CANNOT_RATE_CODE,
        capacity=CAPACITY[invitation.rater_group], anonymous=RaterGroup(invitation.rater_group) in review.ANONYMOUS_GROUPS,
        expectations=_expectations(invitation), answers=answers, errors=errors, notice=notice,
        answered=sum(1 for item in questionnaire.items if answers.get(f"item-{item.id}")),
        item_count=len(questionnaire.items), closes_on=format_date(cycle.closes_on, "long"),
        saved=saved,
        draft=invitation.status == "draft" and not draft_elsewhere, draft_elsewhere=draft_elsewhere,
        max_comment=services.MAX_COMMENT, submit=SUBMIT, save_draft=SAVE_DRAFT,
    )
    return _private(response, status)


@bp.route("/ulasan/<token>", methods=["GET", "POST"])
@access(SIGNED_IN)
def answer(token: str):
    invitation = _own_invitation(token)
    if invitation is None:
        return _unknown_link()
    if invitation.status == "done":
        response = make_response(_already_sent(invitation, 409 if request.method == "POST" else 200))
        if drafts.COOKIE in request.cookies:
            _forget_draft_key(response, token)
        return response
    instansi = _instansi_of(invitation)
    reason = services.can_answer(invitation, instansi)
    if reason:
        return _notice(gettext("Ulasan tidak dapat diisi"), gettext(reason), 403, invitation)
    if request.method == "GET":
        key = _draft_key()
        draft = _load_draft(invitation, key)
        response = make_response(_render_answer_form(token, invitation, draft or {}, draft_elsewhere=draft is None))
        if draft and key is not None:
            # Opened again: keep the key as long as the cycle, whose close HR may have moved.
            _keep_draft_key(response, token, key, invitation, instansi)
        return response
    return _receive(token, invitation, instansi)


def _draft_key() -> bytes | None:
    return drafts.decode_key(request.cookies.get(drafts.COOKIE))


def _load_draft(invitation: ReviewInvitation, key: bytes | None) -> dict[str, str] | None:
    """The draft this browser may open ({} if none, None if it is another browser's)."""
    return services.load_draft(invitation, key)


def _draft_cookie(token: str) -> dict:
    """Where the key's cookie lives: this link's path only, out of scripts' reach."""
    return {"path": url_for("review_rater.answer", token=token), "httponly": True, "samesite": "Lax",
            "secure": current_app.config["SESSION_COOKIE_SECURE"]}


def _keep_draft_key(response, token: str, key: bytes, invitation: ReviewInvitation, instansi: Instansi) -> None:
    """The draft's key, for this browser and this link only, until the cycle closes."""
    days_left = max((invitation.cycle.closes_on - today(instansi.tz)).days + 1, 1)
    response.set_cookie(drafts.COOKIE, drafts.encode_key(key), max_age=days_left * 24 * 3600, **_draft_cookie(token))


def _forget_draft_key(response, token: str) -> None:
    response.delete_cookie(drafts.COOKIE, **_draft_cookie(token))


def _receive(token: str, invitation: ReviewInvitation, instansi: Instansi):
    form = AnswerForm()
    action = request.form.get("action") or ""
    questionnaire = invitation.cycle.questionnaire
    # A value's own "Simpan" (draft-<VALUE>) saves the draft and returns to that value.
    action, _, value_code = action.partition("-")
    if value_code and (action != SAVE_DRAFT or value_code not in {c for c, _n, _i in services.values_of(questionnaire)}):
        abort(400)
    if not form.validate_on_submit() or action not in (SAVE_DRAFT, SUBMIT):
        abort(400)
    answers = {k: v for k, v in request.form.items() if k.startswith(("item-", "comment-"))}
    try:
        parsed = services.parse_answers(questionnaire, request.form, complete=action == SUBMIT)
    except InvalidResponse as error:
        errors = {field: gettext(message) for field, message in error.errors.items()}
        missing = sum(1 for field in errors if field.startswith("item-"))
        notice = (gettext("%(n)d butir belum dijawab atau tidak valid. Jawaban lain tetap terisi di bawah tetapi belum "
                          "tersimpan: lengkapi lalu kirim lagi, atau simpan sebagai draf.", n=missing) if missing
                  else gettext("Periksa isian yang ditandai di bawah."))
        return _render_answer_form(token, invitation, answers, errors, notice, 400,
                                   draft_elsewhere=_load_draft(invitation, _draft_key()) is None)
    key = _draft_key() or drafts.new_key()
    try:
        if action == SUBMIT:
            services.submit(invitation, parsed, instansi, current_user.employee)
        else:
            services.save_draft(invitation, parsed, instansi, key, current_user.employee)
    except services.ReviewError as error:
        rollback_request()
        return _notice(gettext("Ulasan tidak dapat disimpan"), say(error), 409, invitation)
    if action == SUBMIT:
        response = redirect(url_for("review_rater.thanks", token=token), 303)
        _forget_draft_key(response, token)
        return response
    if value_code:
        back = url_for("review_rater.answer", token=token, tersimpan=1, nilai=value_code, _anchor=f"v-{value_code}")
    else:
        back = url_for("review_rater.answer", token=token, tersimpan=1, _anchor="simpan")
    response = redirect(back, 303)
    _keep_draft_key(response, token, key, invitation, instansi)
    return response


@bp.route("/ulasan/<token>/terima-kasih")
@access(SIGNED_IN)
def thanks(token: str):
    invitation = _own_invitation(token)
    if invitation is None:
        return _unknown_link()
    if invitation.status != "done":
        return redirect(url_for("review_rater.answer", token=token))
    response = render_template("reviews/rater/thanks.html", invitation=invitation, instansi=_instansi_of(invitation))
    return _private(response)


# --- the employee's own page -------------------------------------------------------------------------

def _own_cycles(employee: Employee) -> list[ReviewCycle]:
    """Closed or released cycles in which the employee is reviewed (newest first)."""
    return list(db.session.scalars(
        select(ReviewCycle).where(ReviewCycle.state.in_(REPORT_STATES), ReviewCycle.id.in_(
            select(ReviewInvitation.cycle_id).where(ReviewInvitation.reviewee_id == employee.id)))
        .order_by(ReviewCycle.closes_on.desc(), ReviewCycle.id.desc())))


def _team_cycles(user) -> list[ReviewCycle]:
    """Closed or released cycles with reports the user may read besides their own."""
    stmt = select(ReviewCycle).where(ReviewCycle.instansi_id == user.instansi_id, ReviewCycle.state.in_(REPORT_STATES))
    if not permissions.reads_instansi(user):
        if user.employee is None:
            return []
        stmt = stmt.where(ReviewCycle.id.in_(
            select(ReviewInvitation.cycle_id).join(Employee, Employee.id == ReviewInvitation.reviewee_id)
            .where(Employee.supervisor_id == user.employee.id)))
    return list(db.session.scalars(stmt.order_by(ReviewCycle.closes_on.desc(), ReviewCycle.id.desc())))


@bp.route("/ulasan-saya")
@access(EMPLOYEE, SUPERVISOR, HR, ADMIN, AUDITOR)
def mine():
    employee = current_user.employee
    pending, own = [], []
    if employee is not None:
        instansi = current_user.instansi
        pending = [(invitation, url_for("review_rater.answer", token=links.invitation_token(invitation)),
                    services.can_answer(invitation, instansi))
                   for invitation in services.pending_for(employee)]
        own = _own_cycles(employee)
    return render_template("reviews/rater/mine.html", employee=employee, pending=pending, own=own,
                           team=_team_cycles(current_user), groups=GROUP_LABELS, when=_date,
                           nominating=_nominating_cycles(employee))


def _nominating_cycles(employee: Employee | None) -> list[ReviewCycle]:
    """Draft cycles that review this employee: they may still nominate peers there."""
    if employee is None:
        return []
    drafts = db.session.scalars(select(ReviewCycle).where(
        ReviewCycle.instansi_id == employee.instansi_id, ReviewCycle.state == "draft").order_by(ReviewCycle.opens_on))
    return [cycle for cycle in drafts if raters.is_reviewee(cycle, employee)]


def _date(day) -> str:
    return format_date(day, "long")


# --- reports ----------------------------------------------------------------------------------------

def _cycle(cycle_id: int) -> ReviewCycle:
    return of_my_instansi(ReviewCycle, cycle_id)


def _reviewees(cycle: ReviewCycle, unit_id: int | None = None) -> list[Employee]:
    """Everyone reviewed in the cycle (from its invitations, not from today's org chart)."""
    stmt = select(Employee).where(Employee.id.in_(
        select(ReviewInvitation.reviewee_id).where(ReviewInvitation.cycle_id == cycle.id)))
    if unit_id:
        stmt = stmt.where(Employee.unit_id == unit_id)
    return list(db.session.scalars(stmt.order_by(Employee.name)))


def _is_reviewee(cycle: ReviewCycle, employee: Employee) -> bool:
    return db.session.scalar(select(ReviewInvitation.id).where(
        ReviewInvitation.cycle_id == cycle.id, ReviewInvitation.reviewee_id == employee.id).limit(1)) is not None


@bp.route("/360/laporan/<int:cycle_id>")
@access(SUPERVISOR, HR, ADMIN, AUDITOR)
def report_index(cycle_id: int):
    cycle = _cycle(cycle_id)
    units = list(db.session.scalars(select(Unit).join(ReviewCycleUnit, ReviewCycleUnit.unit_id == Unit.id)
                                    .where(ReviewCycleUnit.cycle_id == cycle.id).order_by(Unit.name)))
    hr = permissions.reads_instansi(current_user)
    form = ReportFilterForm(units, request.args)
    unit_id = form.unit.data if hr and form.validate() else 0
    readable = [e for e in _reviewees(cycle, unit_id or None)
                if permissions.can_read_report(current_user, cycle, e)]
    return render_template("reviews/report/index.html", cycle=cycle, reviewees=readable, form=form, hr=hr,
                           ready=cycle.state in REPORT_STATES, when=_date, state=services.STATE_NAMES[cycle.state])


@bp.route("/360/laporan/<int:cycle_id>/<int:employee_id>")
@access(EMPLOYEE, SUPERVISOR, HR, ADMIN, AUDITOR)
def report(cycle_id: int, employee_id: int):
    cycle = _cycle(cycle_id)
    reviewee = db.session.get(Employee, employee_id)
    if reviewee is None or reviewee.instansi_id != cycle.instansi_id or not _is_reviewee(cycle, reviewee):
        abort(404)
    if not permissions.can_read_report(current_user, cycle, reviewee):
        abort(403)
    built = services.build_report(cycle, reviewee)
    services.note_report_read(cycle)
    db.session.commit()
    own = current_user.employee is not None and current_user.employee.id == reviewee.id
    return render_template("reviews/report/report.html", **report_context(built), own=own,
                           index_url=None if own else url_for("review_rater.report_index", cycle_id=cycle.id))


@dataclass(frozen=True)
class Bar:
    group: str
    label: str
    shown: str
    y: int
    width: float


def _shown(mean: Fraction | None) -> str:
    """A mean as printed in reports: two decimals, half up, in the user's number format."""
    return "—" if mean is None else format_decimal(review.display(mean), "0.00")


def _bars(groups: dict[RaterGroup, review.GroupScores], code: str | None, scale_max: int) -> list[Bar]:
    bars = []
    for group, scores in groups.items():
        mean = scores.overall if code is None else scores.value_means.get(code)
        if mean is None:
            continue
        bars.append(Bar(group.value, gettext(group.label), _shown(mean), 26 * len(bars),
                        round(float(mean) / scale_max * BAR_WIDTH, 1)))
    return bars


def report_context(built: services.Report) -> dict:
    """What the report page shows, every figure taken from the threshold-safe report."""
    groups = built.groups
    scale_max = built.cycle.questionnaire.scale_max
    scale_min = built.cycle.questionnaire.scale_min
    per_value = [{
        "code": code, "name": gettext(name), "expectation": built.expectations.get(code),
        "cells": {g.value: _shown(s.value_means.get(code)) for g, s in groups.groups.items()},
        "others": _shown(groups.others.value_means.get(code)) if groups.others else None,
        "bars": _bars(groups.groups, code, scale_max),
        "comments": [(gettext(RaterGroup(g).label), g, text) for g, text in built.comments.get(code, [])],
    } for code, name in built.values]
    names = dict(built.values)
    gaps = [{"name": gettext(names[gap.value_code]), "code": gap.value_code, "self": _shown(gap.self_mean),
             "others": _shown(gap.others_mean), "gap": format_decimal(review.display(gap.gap), "+0.00;-0.00"),
             "blind_spot": gap.blind_spot, "hidden_strength": gap.hidden_strength} for gap in groups.gaps]
    return {
        "cycle": built.cycle, "reviewee": built.reviewee, "threshold": groups.threshold,
        "groups": [(g.value, gettext(g.label), s.responses) for g, s in groups.groups.items()],
        "overall": {g.value: _shown(s.overall) for g, s in groups.groups.items()},
        "others": groups.others, "others_overall": _shown(groups.others.overall) if groups.others else None,
        "others_labels": ", ".join(gettext(g.label) for g in groups.others_groups),
        "values": per_value, "overall_bars": _bars(groups.groups, None, scale_max), "gaps": gaps,
        "margin": format_decimal(review.display(Fraction(scale_max - scale_min, 3)), "0.00"),
        "scale_max": scale_max, "ticks": [(s, round(s / scale_max * BAR_WIDTH, 1)) for s in range(1, scale_max + 1)],
        "bar_width": BAR_WIDTH, "state": services.STATE_NAMES[built.cycle.state],
    }

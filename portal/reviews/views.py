"""Running 360 cycles: HR drafts, opens, closes and releases cycles and follows their progress;
a supervisor adjusts their direct reports' raters and sets the ekspektasi khusus pimpinan; an
employee nominates peers. Who may do what is decided in portal/reviews/permissions.py; the
rules of the cycle live in portal/reviews/services.py and portal/reviews/raters.py.

Progress shows counts per reviewee and rekan or bawahan group, at or above the threshold only,
never who has answered, for whom, or when. Links go to the raters by mail or printed letter;
they open nothing for anyone but the rater.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, gettext, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, or_, select

from portal import base_url, confirm, nav
from portal.access import SIGNED_IN, access, of_my_instansi
from portal.accounts.models import ADMIN, AUDITOR, HR, SUPERVISOR
from portal.accounts.views import safe_next
from portal.extensions import db
from portal.forms import EmptyForm
from portal.localtime import today
from portal.mail.views import queued_notice
from portal.messages import say
from portal.org.models import Employee, Unit
from portal.reviews import consequences, links as review_links, permissions, raters, services
from portal.reviews.forms import (
    PERIOD_LABELS, SOURCE_LABELS, AddItemForm, AddRaterForm, CopyQuestionnaireForm, CycleForm, DatesForm,
    ItemTextForm, NominateForm, ThresholdForm,
)
from portal.reviews.models import Questionnaire, QuestionnaireItem, ReviewCycle, ReviewCycleUnit, ReviewInvitation
from portal.web import rollback_request
from surveys import berakhlak
from surveys.review import RaterGroup

bp = Blueprint("reviews", __name__, url_prefix="/360", template_folder="templates")
MANAGERS = (HR, ADMIN)
#: Who reads HR's cycle and questionnaire pages: HR, admins and the auditor (who changes nothing).
READERS = (*MANAGERS, AUDITOR)
#: Supervisors reach their team pages; whether a cycle concerns them is decided per cycle.
RUNNERS = (HR, ADMIN, SUPERVISOR)
SEARCH_LIMIT = 30
SEARCH_MIN_CHARS = 3

nav.register("reviews.cycles", _l("Ulasan 360"),
             _l("Siklus ulasan 360 derajat BerAKHLAK: penilai, undangan dan tingkat tanggapan."), *RUNNERS, AUDITOR,
             order=40)

NEXT_STATE = {"draft": "open", "open": "closed", "closed": "released"}
GROUP_LABELS = {group.value: group.label for group in RaterGroup}


@bp.context_processor
def review_labels():
    return {
        "review_state_names": services.STATE_NAMES, "review_period_labels": PERIOD_LABELS,
        "review_group_labels": GROUP_LABELS, "review_source_labels": SOURCE_LABELS,
    }


# --- loading, within the user's instansi ---------------------------------------------------------

def _cycle(cycle_id: int) -> ReviewCycle:
    return of_my_instansi(ReviewCycle, cycle_id)


def _readable_cycle(cycle_id: int) -> ReviewCycle:
    cycle = _cycle(cycle_id)
    if not permissions.can_read_cycle(current_user, cycle):
        abort(403)
    return cycle


def _managed_cycle(cycle_id: int) -> ReviewCycle:
    cycle = _cycle(cycle_id)
    if not permissions.can_manage_cycle(current_user, cycle):
        abort(403)
    return cycle


def _employee(employee_id: int) -> Employee:
    return of_my_instansi(Employee, employee_id)


def _invitation(cycle: ReviewCycle, invitation_id: int) -> ReviewInvitation:
    invitation = db.session.get(ReviewInvitation, invitation_id)
    if invitation is None or invitation.cycle_id != cycle.id:
        abort(404)
    return invitation


def _questionnaire(questionnaire_id: int) -> Questionnaire:
    return of_my_instansi(Questionnaire, questionnaire_id)


def _item(questionnaire: Questionnaire, item_id: int) -> QuestionnaireItem:
    item = db.session.get(QuestionnaireItem, item_id)
    if item is None or item.questionnaire_id != questionnaire.id:
        abort(404)
    return item


def _back(default: str) -> str:
    return safe_next(request.form.get("next"), default)


def _fail(error: services.ReviewError) -> None:
    """Discard this request's writes and tell the user why."""
    rollback_request()
    flash(say(error), "error")


def _flash_form_errors(form) -> None:
    for field_name, errors in form.errors.items():
        label = getattr(form, field_name).label.text if hasattr(form, field_name) else ""
        for error in errors:
            flash(f"{label}: {error}" if label else error, "error")


def _active_employee_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(Employee.id, Employee.name, Unit.code).join(Unit, Unit.id == Employee.unit_id)
        .where(Employee.instansi_id == current_user.instansi_id, Employee.active.is_(True))
        .order_by(Employee.name)).all()
    return [(r.id, f"{r.name} · {r.code}") for r in rows]


def _rater_form(people: list[Employee], next_url: str) -> AddRaterForm:
    form = AddRaterForm(next=next_url)
    form.reviewee_id.choices = [(p.id, p.name) for p in people]
    form.rater_id.choices = _active_employee_choices()
    return form


# --- the list of cycles ------------------------------------------------------------------------

def _team_cycle_ids(employee: Employee | None) -> set[int]:
    """Cycles where the employee is the pejabat penilai of at least one reviewee."""
    if employee is None:
        return set()
    return set(db.session.scalars(
        select(ReviewCycleUnit.cycle_id).join(Employee, Employee.unit_id == ReviewCycleUnit.unit_id)
        .where(Employee.supervisor_id == employee.id, Employee.active.is_(True)).distinct()))


@bp.route("/")
@access(*RUNNERS, AUDITOR)
def cycles():
    me = current_user.employee
    team_ids = _team_cycle_ids(me)
    hr = permissions.reads_instansi(current_user)
    stmt = select(ReviewCycle).where(ReviewCycle.instansi_id == current_user.instansi_id)
    if not hr:
        # A supervisor sees the cycles of their team, and the drafts in which they may nominate peers.
        shown = [ReviewCycle.id.in_(sorted(team_ids))]
        if me is not None and me.active:
            shown.append((ReviewCycle.state == "draft") & ReviewCycle.cycle_units.any(ReviewCycleUnit.unit_id == me.unit_id))
        stmt = stmt.where(or_(*shown))
    rows = db.session.scalars(stmt.order_by(ReviewCycle.opens_on.desc(), ReviewCycle.id.desc())).all()
    nominating = {c.id for c in rows if me is not None and c.state == "draft" and raters.is_reviewee(c, me)}
    return render_template("reviews/admin/cycles.html", cycles=rows, hr=hr, team_ids=team_ids, nominating=nominating)


@bp.route("/baru", methods=["GET", "POST"])
@access(*MANAGERS)
def new_cycle():
    instansi = current_user.instansi
    default = services.default_questionnaire(instansi)
    form = CycleForm()
    form.unit_ids.choices = [(u.id, f"{u.code} · {u.name}") for u in db.session.scalars(
        select(Unit).where(Unit.instansi_id == instansi.id, Unit.active.is_(True)).order_by(Unit.name))]
    form.questionnaire_id.choices = [(q.id, q.name) for q in db.session.scalars(
        select(Questionnaire).where(Questionnaire.instansi_id == instansi.id).order_by(Questionnaire.name))]
    if request.method == "GET":
        start = today(instansi.tz)
        form.opens_on.data, form.closes_on.data = start, start + timedelta(days=30)
        form.questionnaire_id.data = default.id
    error = None
    if form.validate_on_submit():
        try:
            cycle = services.create_cycle(
                instansi, name=form.name.data, period_kind=form.period_kind.data, opens_on=form.opens_on.data,
                closes_on=form.closes_on.data, unit_ids=form.unit_ids.data, threshold=form.threshold.data,
                questionnaire=_questionnaire(form.questionnaire_id.data), peer_cap=form.peer_cap.data,
                subordinate_cap=form.subordinate_cap.data)
            count = raters.propose_raters(cycle, current_user)
        except services.ReviewError as exc:
            rollback_request()
            error = say(exc)
        else:
            flash(gettext("Siklus dibuat. %(count)d penilai diusulkan dari struktur organisasi; periksa dan sesuaikan "
                          "sebelum membuka siklus.", count=count), "success")
            return redirect(url_for("reviews.cycle", cycle_id=cycle.id))
    return render_template("reviews/admin/new.html", form=form, error=error)


# --- one cycle (HR) --------------------------------------------------------------------------------

def _reviewee_blocks(cycle: ReviewCycle, people: list[Employee]) -> list[dict]:
    """Each reviewee with their raters by group and the expectations, for the rater panels."""
    ids = [p.id for p in people]
    by_reviewee = raters.raters_of(cycle, ids)
    expectations = services.expectations_of(cycle, ids)
    blocks = []
    for person in people:
        groups: dict[str, list[ReviewInvitation]] = {group.value: [] for group in RaterGroup}
        for invitation in by_reviewee.get(person.id, []):
            groups[invitation.rater_group].append(invitation)
        blocks.append({
            "reviewee": person, "groups": groups, "expectations": expectations.get(person.id, {}),
            "pending": sum(1 for i in by_reviewee.get(person.id, []) if not i.approved),
            "removable": {i.id for i in by_reviewee.get(person.id, []) if permissions.can_remove_rater(current_user, i)},
            "can_adjust": permissions.can_adjust_raters(current_user, cycle, person),
            "can_expect": permissions.can_set_expectations(current_user, cycle, person),
        })
    return blocks


@bp.route("/<int:cycle_id>")
@access(*READERS)
def cycle(cycle_id: int):
    cycle = _readable_cycle(cycle_id)
    people = raters.reviewees(cycle)
    here = url_for("reviews.cycle", cycle_id=cycle.id)
    context = {
        "cycle": cycle, "next_state": NEXT_STATE.get(cycle.state), "blocks": _reviewee_blocks(cycle, people),
        "values": services.values_of(cycle.questionnaire), "back": here,
        "threshold_form": ThresholdForm(threshold=cycle.threshold),
        "dates_form": DatesForm(opens_on=cycle.opens_on, closes_on=cycle.closes_on),
        "rater_form": _rater_form(people, here) if cycle.state == "draft" else None,
        "action_form": EmptyForm(),
    }
    if cycle.state == "draft":
        context["short"] = raters.short_before_opening(cycle)
    else:
        context["progress"] = raters.progress(cycle)
    if cycle.state == "open":
        context["hidden_at_close"] = raters.hidden_at_close(cycle)
    return render_template("reviews/admin/cycle.html", **context)


@bp.route("/<int:cycle_id>/status/<target>", methods=["POST"])
@access(*MANAGERS)
def change_state(cycle_id: int, target: str):
    cycle = _managed_cycle(cycle_id)
    if target not in services.STATE_NAMES:
        abort(404)
    if (cycle.state, target) in services.TRANSITIONS:
        page = confirm.gate(consequences.of_transition(cycle, target))
        if page is not None:
            return page
    try:
        services.transition(cycle, target, current_user.instansi)
    except services.ReviewError as error:
        _fail(error)
    else:
        flash({
            "open": queued_notice(gettext(
                "Siklus dibuka. Undangan masuk antrean email dan dikirim oleh pengirim email portal. Untuk penilai "
                "tanpa email, cetak undangannya dari halaman Undangan penilai.")),
            "closed": gettext("Siklus ditutup. Ulasan yang terkirim kini tersimpan sebagai tanggapan tanpa nama, dalam "
                              "urutan acak; tautan undangan tidak dapat dipakai lagi."),
            "released": gettext("Hasil dirilis. Setiap pegawai kini dapat membaca laporannya sendiri."),
        }.get(target, ""), "success")
    return redirect(url_for("reviews.cycle", cycle_id=cycle.id))


@bp.route("/<int:cycle_id>/buka-kembali", methods=["POST"])
@access(*MANAGERS)
def reopen(cycle_id: int):
    """Undo a close, through its confirmation, while no report of the cycle has been read or exported."""
    cycle = _managed_cycle(cycle_id)
    refusal = services.reopen_refusal(cycle)
    if refusal is None:
        page = confirm.gate(consequences.of_reopening(cycle))
        if page is not None:
            return page
    try:
        services.reopen(cycle)
    except services.ReviewError as error:
        _fail(error)
    else:
        db.session.commit()
        flash(gettext("Siklus dibuka kembali. Penilai yang belum mengisi dapat memakai tautannya lagi."), "success")
    return redirect(url_for("reviews.cycle", cycle_id=cycle.id))


@bp.route("/<int:cycle_id>/ambang", methods=["POST"])
@access(*MANAGERS)
def threshold(cycle_id: int):
    cycle = _managed_cycle(cycle_id)
    form = ThresholdForm()
    if not form.validate_on_submit():
        _flash_form_errors(form)
    else:
        try:
            services.change_threshold(cycle, form.threshold.data)
        except services.ReviewError as error:
            _fail(error)
        else:
            flash(gettext("Ambang anonimitas kini %(threshold)d tanggapan.", threshold=cycle.threshold), "success")
    return redirect(url_for("reviews.cycle", cycle_id=cycle.id))


@bp.route("/<int:cycle_id>/tanggal", methods=["POST"])
@access(*MANAGERS)
def dates(cycle_id: int):
    cycle = _managed_cycle(cycle_id)
    form = DatesForm()
    if not form.validate_on_submit():
        _flash_form_errors(form)
    else:
        try:
            services.set_dates(cycle, form.opens_on.data, form.closes_on.data)
        except services.ReviewError as error:
            _fail(error)
        else:
            flash(gettext("Tanggal siklus disimpan."), "success")
    return redirect(url_for("reviews.cycle", cycle_id=cycle.id))


@bp.route("/<int:cycle_id>/usulkan", methods=["POST"])
@access(*MANAGERS)
def propose(cycle_id: int):
    cycle = _managed_cycle(cycle_id)
    try:
        count = raters.propose_raters(cycle, current_user)
    except services.ReviewError as error:
        _fail(error)
    else:
        flash(gettext("%(count)d penilai diusulkan ulang dari struktur organisasi. Penilai tambahan dan nominasi "
                      "tetap ada.", count=count), "success")
    return redirect(url_for("reviews.cycle", cycle_id=cycle.id))


@bp.route("/<int:cycle_id>/pengingat", methods=["POST"])
@access(*MANAGERS)
def reminders(cycle_id: int):
    cycle = _managed_cycle(cycle_id)
    try:
        count = services.send_reminders(cycle, current_user.instansi)
    except services.ReviewError as error:
        _fail(error)
    else:
        flash(queued_notice(gettext(
            "%(count)d email pengingat masuk antrean untuk penilai yang masih punya ulasan dan dikirim oleh pengirim "
            "email portal. Siapa mereka tidak ditampilkan.", count=count)), "success")
    return redirect(url_for("reviews.cycle", cycle_id=cycle.id))


def _cycle_raters(cycle: ReviewCycle) -> list[Employee]:
    """Everyone asked to review in the cycle, by name (whether they answered is nobody's business)."""
    return list(db.session.scalars(select(Employee).where(Employee.id.in_(
        select(ReviewInvitation.rater_id).where(ReviewInvitation.cycle_id == cycle.id,
                                                ReviewInvitation.approved.is_(True))))
        .order_by(Employee.name, Employee.id)))


@bp.route("/<int:cycle_id>/tautan")
@access(*MANAGERS)
def links(cycle_id: int):
    """The cycle's raters, to resend their links by mail or print their invitations; no status."""
    cycle = _managed_cycle(cycle_id)
    people = _cycle_raters(cycle) if cycle.state == "open" else []
    return render_template("reviews/admin/links.html", cycle=cycle, raters=people, action_form=EmptyForm(),
                           without_email=sum(1 for person in people if not person.email))


@bp.route("/<int:cycle_id>/tautan/<int:rater_id>/kirim", methods=["POST"])
@access(*MANAGERS)
def resend(cycle_id: int, rater_id: int):
    cycle = _managed_cycle(cycle_id)
    rater = _employee(rater_id)
    try:
        services.resend_links(cycle, rater)
    except services.ReviewError as error:
        _fail(error)
    else:
        flash(queued_notice(gettext("Tautan ulasan %(name)s masuk antrean email.", name=rater.name)), "success")
    return redirect(url_for("reviews.links", cycle_id=cycle.id))


@bp.route("/<int:cycle_id>/undangan")
@bp.route("/<int:cycle_id>/undangan/<int:rater_id>")
@access(*MANAGERS)
def invitations(cycle_id: int, rater_id: int | None = None):
    """Printable invitations: one rater's, or those of every rater without an email address. Each
    lists all of the rater's reviews in the cycle, with no status."""
    cycle = _managed_cycle(cycle_id)
    if cycle.state != "open":
        abort(404)
    if rater_id is None:
        people = [person for person in _cycle_raters(cycle) if not person.email]
    else:
        people = [person for person in _cycle_raters(cycle) if person.id == rater_id]
        if not people:
            abort(404)
    by_rater = services.invitations_by_rater(cycle)
    letters = []
    for person in people:
        entries = [{"invitation": invitation, "url": review_links.invitation_url(invitation, base_url.for_page())}
                   for invitation in by_rater.get(person.id, [])]
        letters.append({"rater": person, "links": entries, "message": _whatsapp_message(cycle, person, entries)})
    return render_template("reviews/admin/invitations.html", cycle=cycle, letters=letters)


def _whatsapp_message(cycle: ReviewCycle, rater: Employee, entries: list[dict]) -> str:
    """A ready-to-send private message with the rater's links, one line per reviewee."""
    lines = [gettext(
        "Yth. %(name)s, mohon isi ulasan 360 derajat \"%(cycle)s\" paling lambat %(date)s. Jawaban rekan dan bawahan "
        "bersifat anonim. Tautan ini hanya dapat dipakai oleh Anda: masuk dengan akun Anda sendiri untuk mengisi.",
        name=rater.name, cycle=cycle.name, date=format_date(cycle.closes_on, "d MMMM yyyy"))]
    for entry in entries:
        invitation = entry["invitation"]
        who = gettext("diri Anda sendiri") if invitation.rater_group == "diri" else invitation.reviewee.name
        lines.append(f"- {who}: {entry['url']}")
    return "\n".join(lines)


# --- raters and expectations (HR, or the reviewee's pejabat penilai) ----------------------------

def _require_rater_rights(cycle: ReviewCycle, reviewee: Employee) -> None:
    # Outside a draft the services refuse with their reason; here only who may ask is checked.
    if not permissions.can_see_raters(current_user, cycle, reviewee):
        abort(403)


def _default_page(cycle: ReviewCycle) -> str:
    if permissions.can_manage_cycle(current_user, cycle):
        return url_for("reviews.cycle", cycle_id=cycle.id)
    return url_for("reviews.team", cycle_id=cycle.id)


@bp.route("/<int:cycle_id>/penilai", methods=["POST"])
@access(*RUNNERS)
def add_rater(cycle_id: int):
    cycle = _cycle(cycle_id)
    form = AddRaterForm()
    # Any reviewee or employee of the instansi passes the form; rights are checked on the objects.
    form.reviewee_id.choices = [(p.id, p.name) for p in raters.reviewees(cycle)]
    form.rater_id.choices = _active_employee_choices()
    back = _back(_default_page(cycle))
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return redirect(back)
    reviewee = _employee(form.reviewee_id.data)
    _require_rater_rights(cycle, reviewee)
    rater = _employee(form.rater_id.data)
    try:
        raters.add_rater(cycle, reviewee, rater, form.rater_group.data, current_user)
    except services.ReviewError as error:
        _fail(error)
    else:
        flash(gettext("%(rater)s ditambahkan sebagai penilai %(reviewee)s.", rater=rater.name, reviewee=reviewee.name),
              "success")
    return redirect(back)


@bp.route("/<int:cycle_id>/penilai/<int:invitation_id>/hapus", methods=["POST"])
@access(*RUNNERS)
def remove_rater(cycle_id: int, invitation_id: int):
    cycle = _cycle(cycle_id)
    invitation = _invitation(cycle, invitation_id)
    _require_rater_rights(cycle, invitation.reviewee)
    if cycle.state == "draft" and not permissions.can_remove_rater(current_user, invitation):
        abort(403)
    rejected = invitation.source == "nominated" and not invitation.approved
    names = {"rater": invitation.rater.name, "reviewee": invitation.reviewee.name}
    if not rejected and cycle.state == "draft":
        page = confirm.gate(consequences.of_removal(invitation, _back(_default_page(cycle))))
        if page is not None:
            return page
    try:
        raters.remove_invitation(invitation, current_user)
    except services.ReviewError as error:
        _fail(error)
    else:
        flash(gettext("Nominasi %(rater)s untuk %(reviewee)s ditolak.", **names) if rejected
              else gettext("%(rater)s tidak lagi menjadi penilai %(reviewee)s.", **names), "success")
    return redirect(_back(_default_page(cycle)))


@bp.route("/<int:cycle_id>/penilai/<int:invitation_id>/setujui", methods=["POST"])
@access(*RUNNERS)
def approve(cycle_id: int, invitation_id: int):
    cycle = _cycle(cycle_id)
    invitation = _invitation(cycle, invitation_id)
    _require_rater_rights(cycle, invitation.reviewee)
    try:
        raters.approve_nomination(invitation, current_user)
    except services.ReviewError as error:
        _fail(error)
    else:
        flash(gettext("Nominasi %(rater)s untuk %(reviewee)s disetujui.", rater=invitation.rater.name,
                      reviewee=invitation.reviewee.name), "success")
    return redirect(_back(_default_page(cycle)))


@bp.route("/<int:cycle_id>/ekspektasi/<int:reviewee_id>", methods=["POST"])
@access(*RUNNERS)
def expectations(cycle_id: int, reviewee_id: int):
    cycle = _cycle(cycle_id)
    reviewee = _employee(reviewee_id)
    _require_rater_rights(cycle, reviewee)
    try:
        for code, _name, _items in services.values_of(cycle.questionnaire):
            services.set_expectation(cycle, reviewee, code, request.form.get(f"exp-{code}", ""), current_user)
    except services.ReviewError as error:
        _fail(error)
    else:
        flash(gettext("Ekspektasi khusus pimpinan untuk %(name)s disimpan.", name=reviewee.name), "success")
    return redirect(_back(_default_page(cycle)))


@bp.route("/<int:cycle_id>/tim")
@access(*RUNNERS)
def team(cycle_id: int):
    cycle = _cycle(cycle_id)
    me = current_user.employee
    people = [p for p in (raters.team_of(cycle, me) if me is not None else [])
              if permissions.can_see_raters(current_user, cycle, p)]
    if not people:
        abort(403)
    here = url_for("reviews.team", cycle_id=cycle.id)
    return render_template(
        "reviews/admin/team.html", cycle=cycle, blocks=_reviewee_blocks(cycle, people),
        values=services.values_of(cycle.questionnaire), back=here, action_form=EmptyForm(),
        rater_form=_rater_form(people, here) if cycle.state == "draft" else None,
    )


# --- nominations (the reviewee) -----------------------------------------------------------------

def _own_nominations(cycle: ReviewCycle, employee: Employee) -> list[ReviewInvitation]:
    return list(db.session.scalars(
        select(ReviewInvitation).join(Employee, Employee.id == ReviewInvitation.rater_id)
        .where(ReviewInvitation.cycle_id == cycle.id, ReviewInvitation.reviewee_id == employee.id,
               ReviewInvitation.source == "nominated").order_by(Employee.name)))


def searchable_name(query: str) -> bool:
    """A nominee search is by name only: at least SEARCH_MIN_CHARS letters, and no digit, so no
    one can confirm a NIP (which encodes a birth date and a gender) by trying its prefixes."""
    return len(query) >= SEARCH_MIN_CHARS and not any(char.isdigit() for char in query)


def _candidates(cycle: ReviewCycle, employee: Employee, query: str) -> list[Employee]:
    """Active colleagues to nominate: by name, else the reviewee's own unit; at most SEARCH_LIMIT."""
    taken = select(ReviewInvitation.rater_id).where(
        ReviewInvitation.cycle_id == cycle.id, ReviewInvitation.reviewee_id == employee.id)
    stmt = select(Employee).where(Employee.instansi_id == cycle.instansi_id, Employee.active.is_(True),
                                  Employee.id != employee.id, Employee.id.not_in(taken))
    if query:
        if not searchable_name(query):
            return []
        stmt = stmt.where(func.lower(Employee.name).contains(query.lower(), autoescape=True))
    else:
        stmt = stmt.where(Employee.unit_id == employee.unit_id)
    return list(db.session.scalars(stmt.order_by(Employee.name).limit(SEARCH_LIMIT)))


@bp.route("/<int:cycle_id>/nominasi", methods=["GET", "POST"])
@access(SIGNED_IN)
def nominate(cycle_id: int):
    cycle = _cycle(cycle_id)
    me = current_user.employee
    if me is None or not raters.is_reviewee(cycle, me):
        abort(403)
    open_for_nominations = permissions.can_nominate(current_user, cycle, me)
    form = NominateForm()
    if form.validate_on_submit():
        if not open_for_nominations:
            flash(gettext("Nominasi hanya dapat diajukan selama siklus masih draf."), "error")
        else:
            rater = _employee(form.rater_id.data)
            try:
                raters.nominate_peer(cycle, me, rater, current_user)
            except services.ReviewError as error:
                _fail(error)
            else:
                flash(gettext("%(name)s dinominasikan. Atasan Anda perlu menyetujuinya sebelum siklus dibuka.",
                              name=rater.name), "success")
        return redirect(url_for("reviews.nominate", cycle_id=cycle.id, q=request.args.get("q") or None))
    query = (request.args.get("q") or "").strip()[:100]
    return render_template(
        "reviews/admin/nominate.html", cycle=cycle, nominations=_own_nominations(cycle, me), query=query,
        candidates=_candidates(cycle, me, query) if open_for_nominations else [], can_nominate=open_for_nominations,
        action_form=EmptyForm(), query_refused=bool(query) and not searchable_name(query),
        search_limit=SEARCH_LIMIT, search_min=SEARCH_MIN_CHARS,
    )


@bp.route("/<int:cycle_id>/nominasi/<int:invitation_id>/batal", methods=["POST"])
@access(SIGNED_IN)
def withdraw_nomination(cycle_id: int, invitation_id: int):
    cycle = _cycle(cycle_id)
    invitation = _invitation(cycle, invitation_id)
    if not permissions.can_withdraw_nomination(current_user, invitation):
        abort(403)
    name = invitation.rater.name
    try:
        raters.remove_invitation(invitation, current_user)
    except services.ReviewError as error:
        _fail(error)
    else:
        flash(gettext("Nominasi %(name)s dibatalkan.", name=name), "success")
    return redirect(url_for("reviews.nominate", cycle_id=cycle.id))


# --- questionnaires (HR) --------------------------------------------------------------------------

@bp.route("/kuesioner")
@access(*READERS)
def questionnaires():
    if permissions.is_hr(current_user):  # the first visit creates the default; a reader only reads
        services.default_questionnaire(current_user.instansi)
    rows = db.session.scalars(select(Questionnaire).where(
        Questionnaire.instansi_id == current_user.instansi_id).order_by(Questionnaire.name)).all()
    listing = [{"questionnaire": q, "in_use": services.questionnaire_in_use(q),
                "values": len(services.values_of(q)), "items": len(q.items)} for q in rows]
    return render_template("reviews/admin/questionnaires.html", questionnaires=listing)


@bp.route("/kuesioner/<int:questionnaire_id>")
@access(*READERS)
def questionnaire(questionnaire_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    values = services.values_of(questionnaire)
    add_form = AddItemForm()
    add_form.value_code.choices = [(code, gettext(name)) for code, name, _items in values]
    used_by = db.session.scalars(select(ReviewCycle).where(ReviewCycle.questionnaire_id == questionnaire.id)
                                 .order_by(ReviewCycle.opens_on.desc())).all()
    anchors = [(score, label) for score, label in berakhlak.ANCHORS
               if questionnaire.scale_min <= score <= questionnaire.scale_max]
    return render_template(
        "reviews/admin/questionnaire.html", questionnaire=questionnaire, values=values,
        in_use=services.questionnaire_in_use(questionnaire), used_by=used_by, anchors=anchors,
        cannot_rate=berakhlak.CANNOT_RATE, copy_form=CopyQuestionnaireForm(), add_form=add_form,
        action_form=EmptyForm(),
    )


def _to_questionnaire(questionnaire: Questionnaire):
    return redirect(url_for("reviews.questionnaire", questionnaire_id=questionnaire.id))


@bp.route("/kuesioner/<int:questionnaire_id>/salin", methods=["POST"])
@access(*MANAGERS)
def copy_questionnaire(questionnaire_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    form = CopyQuestionnaireForm()
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return _to_questionnaire(questionnaire)
    try:
        copy = services.copy_questionnaire(questionnaire, form.name.data)
    except services.ReviewError as error:
        _fail(error)
        return _to_questionnaire(questionnaire)
    flash(gettext("Salinan \"%(name)s\" dibuat; butirnya dapat diubah selama belum dipakai siklus yang berjalan.",
                  name=copy.name), "success")
    return _to_questionnaire(copy)


@bp.route("/kuesioner/<int:questionnaire_id>/butir", methods=["POST"])
@access(*MANAGERS)
def add_item(questionnaire_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    form = AddItemForm()
    form.value_code.choices = [(code, name) for code, name, _items in services.values_of(questionnaire)]
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return _to_questionnaire(questionnaire)
    try:
        services.add_item(questionnaire, form.value_code.data, form.text.data)
    except services.ReviewError as error:
        _fail(error)
    else:
        flash(gettext("Butir ditambahkan."), "success")
    return _to_questionnaire(questionnaire)


@bp.route("/kuesioner/<int:questionnaire_id>/butir/<int:item_id>", methods=["POST"])
@access(*MANAGERS)
def update_item(questionnaire_id: int, item_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    item = _item(questionnaire, item_id)
    form = ItemTextForm()
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return _to_questionnaire(questionnaire)
    try:
        services.update_item(item, form.text.data)
    except services.ReviewError as error:
        _fail(error)
    else:
        flash(gettext("Butir disimpan."), "success")
    return _to_questionnaire(questionnaire)


@bp.route("/kuesioner/<int:questionnaire_id>/butir/<int:item_id>/hapus", methods=["POST"])
@access(*MANAGERS)
def remove_item(questionnaire_id: int, item_id: int):
    questionnaire = _questionnaire(questionnaire_id)
    item = _item(questionnaire, item_id)
    try:
        services.remove_item(item)
    except services.ReviewError as error:
        _fail(error)
    else:
        flash(gettext("Butir dihapus."), "success")
    return _to_questionnaire(questionnaire)

"""Appraisal pages: HR's periods, merge, records per unit, distribution and finalisation; the
Pejabat Penilai's team and confirmation; the employee's own record.

Who may see or change a record is decided in permissions.py; anything of another instansi, and
any record a user may not see, is 404.
"""
from __future__ import annotations

import json
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime, format_decimal, gettext, lazy_gettext as _l, ngettext
from flask_login import current_user
from sqlalchemy import select

from portal import clock, confirm as confirmation, nav
from portal.access import access, of_my_instansi
from portal.accounts.models import ADMIN, AUDITOR, EMPLOYEE, HR, SUPERVISOR, User
from portal.appraisal import (
    audit, objections, overview, permissions, settings_changes, snapshots, window, workflow,
)
# Aliased: the views `periods`, `merge` and `hasil_kerja` have the modules' names.
from portal.appraisal import hasil_kerja as hasil_kerja_import, merge as merging, periods as appraisal_periods
from portal.appraisal.errors import AppraisalError, TransitionRefused
from portal.appraisal.forms import (
    WEIGHT_COMPONENTS, ConfirmForm, HasilKerjaForm, HasilKerjaImportForm, ObjectionForm, PeriodForm, ReasonForm,
    WaiveForm,
)
from portal.appraisal.models import AppraisalPeriod, AppraisalRecord, AppraisalSettings, AppraisalSettingsChange
from portal.extensions import db
from portal.forms import EmptyForm
from portal.messages import DECIMAL_TEXT, explained, say, say_template
from portal.org.models import JOB_GROUPS, Employee, Unit
from portal.org.services import ImportRejected
from portal.reviews.models import ReviewCycle
from portal.tabular import TableError, read_table
from portal.web import rollback_request
from surveys import berakhlak
from surveys.appraisal import Predikat, Rating

bp = Blueprint("appraisal", __name__, url_prefix="/penilaian", template_folder="templates")
MANAGERS = (HR, ADMIN)
#: Who reads HR's pages: HR, admins and the auditor (who changes nothing: portal/access.py).
READERS = (*MANAGERS, AUDITOR)
EVERYONE = (HR, ADMIN, SUPERVISOR, EMPLOYEE, AUDITOR)
RATERS = (HR, ADMIN, SUPERVISOR)
#: How many waiting records the period page lists before saying "and N more".
WAITING_SHOWN = 200
DEFAULT_WEIGHTS = {
    "front_line": {"citizen": 30, "atasan": 40, "rekan": 20, "bawahan": 10, "self": 0},
    "back_office": {"citizen": 0, "atasan": 50, "rekan": 30, "bawahan": 20, "self": 0},
}
FIELD_LABELS = {
    "status": _l("Status"), "rating_perilaku": _l("Perilaku kerja"), "rating_hasil_kerja": _l("Hasil kerja"),
    "override_reason": _l("Alasan"), "predikat": _l("Predikat"), "composite": _l("Skor gabungan"),
    "rating_perilaku_suggested": _l("Saran perilaku kerja"), "citizen_score": _l("Skor masyarakat"),
    "citizen_n": _l("Tanggapan masyarakat"), "atasan_score": _l("Skor atasan"), "atasan_n": _l("Tanggapan atasan"),
    "rekan_score": _l("Skor rekan kerja"), "rekan_n": _l("Tanggapan rekan kerja"), "bawahan_score": _l("Skor bawahan"),
    "bawahan_n": _l("Tanggapan bawahan"), "self_score": _l("Skor diri sendiri"), "self_n": _l("Tanggapan diri sendiri"),
    "weight_citizen": _l("Bobot masyarakat"), "weight_atasan": _l("Bobot atasan"), "weight_rekan": _l("Bobot rekan kerja"),
    "weight_bawahan": _l("Bobot bawahan"), "weight_self": _l("Bobot diri sendiri"), "development": _l("Area pengembangan"),
    "unit_id": _l("Unit kerja"), "job_group": _l("Kelompok jabatan"),
    "confirmed_by_id": _l("Dikonfirmasi oleh"), "confirmed_at": _l("Waktu konfirmasi"),
    "finalised_by_id": _l("Difinalkan oleh"), "finalised_at": _l("Waktu finalisasi"),
    "penilai_id": _l("Pejabat Penilai"), "atasan_penilai_id": _l("Atasan Pejabat Penilai"),
    "settings_id": _l("Pengaturan yang dipakai"), "notified_on": _l("Pegawai diberi tahu"),
    "objection_waived_at": _l("Hak keberatan dilepaskan"), "settings_change": _l("Perubahan pengaturan"),
}

nav.register("appraisal.index", _l("Penilaian kinerja"),
             _l("Periode penilaian, skor gabungan, konfirmasi Pejabat Penilai dan finalisasi."), *EVERYONE, order=70)


# --- display helpers -----------------------------------------------------------------------------

@bp.app_template_filter("appraisal_figure")
def appraisal_figure(value: Decimal | None) -> str:
    """A score or weight with two decimals in the user's language; "—" when absent."""
    if value is None:
        return "—"
    return format_decimal(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), "#,##0.00")


def explain(template: str, params: dict) -> str:
    """One line of a stored explanation, its decimals written the way the user reads numbers."""
    return explained(template, params)


def _label(value: str | None) -> str:
    return "—" if not value else gettext(value)


@bp.app_context_processor
def appraisal_helpers():
    return {
        "appraisal_status": lambda status: gettext(workflow.STATUS_LABELS.get(status, status)),
        "appraisal_kind": lambda kind: gettext(appraisal_periods.KIND_LABELS.get(kind, kind)),
        "appraisal_label": _label,
        "citizen_story": overview.citizen_story,
    }


# --- lookups: ids to objects of the user's instansi ----------------------------------------------

def _period(period_id: int) -> AppraisalPeriod:
    return of_my_instansi(AppraisalPeriod, period_id)


def _managed_period(period_id: int) -> AppraisalPeriod:
    period = _period(period_id)
    if not permissions.can_manage_period(current_user, period):
        abort(404)
    return period


def _readable_period(period_id: int) -> AppraisalPeriod:
    period = _period(period_id)
    if not permissions.can_read_period(current_user, period):
        abort(404)
    return period


def _record(record_id: int) -> AppraisalRecord:
    record = db.session.get(AppraisalRecord, record_id)
    if record is None or not permissions.can_view(current_user, record):
        abort(404)
    return record


def _unit(unit_id: int) -> Unit:
    return of_my_instansi(Unit, unit_id)


def _attach(form, error: AppraisalError, fallback: str | None = None) -> None:
    """Show a service error next to its field, or as a flash message."""
    message = say(error)
    target = error.field if error.field and error.field in form else fallback
    if target and target in form:
        form[target].errors = list(form[target].errors) + [message]
    else:
        flash(message, "error")


# --- landing --------------------------------------------------------------------------------------

@bp.route("/")
@access(*EVERYONE)
def index():
    if permissions.reads_instansi(current_user):
        return redirect(url_for("appraisal.periods"))
    if current_user.has_role(SUPERVISOR) and current_user.employee is not None:
        return redirect(url_for("appraisal.team"))
    return redirect(url_for("appraisal.mine"))


# --- periods (HR) ---------------------------------------------------------------------------------

@bp.route("/periode")
@access(*READERS)
def periods():
    rows = [(period, appraisal_periods.status_counts(period))
            for period in appraisal_periods.periods_of(current_user.instansi_id)]
    return render_template("appraisal/periods.html", rows=rows)


def _period_form(period: AppraisalPeriod | None = None) -> PeriodForm:
    form = PeriodForm(obj=period)
    cycles = db.session.scalars(select(ReviewCycle).where(ReviewCycle.instansi_id == current_user.instansi_id)
                                .order_by(ReviewCycle.opens_on.desc(), ReviewCycle.name)).all()
    state_names = {"draft": _l("draf"), "open": _l("dibuka"), "closed": _l("ditutup"), "released": _l("dirilis")}
    form.cycle_ids.choices = [(c.id, f"{c.name} ({state_names.get(c.state, c.state)})") for c in cycles]
    if request.method == "GET":
        if period is None:
            year = clock.today(current_user.instansi.tz).year
            form.citizen_from.data, form.citizen_to.data = date(year, 1, 1), date(year, 12, 31)
            form.officer_unsur.data = ["U6", "U7"]
            weights = DEFAULT_WEIGHTS
        else:
            form.cycle_ids.data = [pc.cycle_id for pc in period.period_cycles]
            form.officer_unsur.data = period.officer_unsur.split(",")
            weights = {g: {c.value: v for c, v in w.items()}
                       for g, w in appraisal_periods.period_weights(period).items()}
        for group in JOB_GROUPS:
            for component in WEIGHT_COMPONENTS:
                form.weight(group, component).data = Decimal(weights.get(group, {}).get(component.value, 0))
    return form


def _save_period(form: PeriodForm, period: AppraisalPeriod | None) -> AppraisalPeriod | AppraisalSettingsChange | None:
    """Create or update the period; once its settings are frozen a change that moves scores
    becomes a proposal (returned) for another HR user to approve."""
    arguments = dict(
        name=form.name.data, kind=form.kind.data, citizen_from=form.citizen_from.data,
        citizen_to=form.citizen_to.data, cycle_ids=form.cycle_ids.data or [], weights=form.weights(),
        thresholds=(form.above_threshold.data, form.meets_threshold.data), min_citizen_n=form.min_citizen_n.data,
        officer_unsur=form.officer_unsur.data or [],
    )
    try:
        if period is None:
            return appraisal_periods.create_period(current_user.instansi, user=current_user, **arguments)
        try:
            return appraisal_periods.update_period(period, user=current_user, **arguments)
        except appraisal_periods.SettingsFrozen:  # raised before anything was written
            return settings_changes.propose(period, current_user, form.change_reason.data, **arguments)
    except AppraisalError as error:
        rollback_request()
        if error.field and error.field.startswith("weights_"):
            form.weight_errors = {error.field[len("weights_"):]: say(error)}
        else:
            _attach(form, error, fallback={"above": "above_threshold", "reason": "change_reason"}.get(error.field or ""))
        return None


@bp.route("/periode/baru", methods=["GET", "POST"])
@access(*MANAGERS)
def new_period():
    form = _period_form()
    if form.validate_on_submit():
        period = _save_period(form, None)
        if period is not None:
            flash(gettext("Periode %(name)s dibuat. Gabungkan skor untuk membuat catatan pegawai.", name=period.name),
                  "success")
            return redirect(url_for("appraisal.period", period_id=period.id))
    return render_template("appraisal/period_form.html", form=form, period=None, job_groups=JOB_GROUPS,
                           components=WEIGHT_COMPONENTS, group_labels=appraisal_periods.JOB_GROUP_LABELS,
                           frozen=False, pending=None)


@bp.route("/periode/<int:period_id>/ubah", methods=["GET", "POST"])
@access(*MANAGERS)
def edit_period(period_id: int):
    period = _managed_period(period_id)
    form = _period_form(period)
    if form.validate_on_submit():
        saved = _save_period(form, period)
        if isinstance(saved, AppraisalSettingsChange):
            flash(gettext("Pengaturan periode ini sudah dipakai, jadi perubahan Anda menjadi usulan. Pengguna HR lain "
                          "perlu menyetujuinya."), "success")
            return redirect(url_for("appraisal_duty.settings_changes_page", period_id=period.id))
        if saved is not None:
            flash(gettext("Periode disimpan. Catatan draf mengikuti pengaturan baru saat digabungkan lagi."), "success")
            return redirect(url_for("appraisal.period", period_id=period.id))
    return render_template("appraisal/period_form.html", form=form, period=period, job_groups=JOB_GROUPS,
                           components=WEIGHT_COMPONENTS, group_labels=appraisal_periods.JOB_GROUP_LABELS,
                           frozen=appraisal_periods.is_frozen(period),
                           pending=settings_changes.pending_change(period))


@bp.route("/periode/<int:period_id>")
@access(*READERS)
def period(period_id: int):
    period = _readable_period(period_id)
    waiting = overview.waiting(period)
    return render_template(
        "appraisal/period.html", period=period, counts=appraisal_periods.status_counts(period),
        units=overview.unit_overview(period), spread=overview.distribution(period),
        waiting=waiting[:WAITING_SHOWN], waiting_total=len(waiting), weights=appraisal_periods.period_weights(period),
        job_groups=JOB_GROUPS, components=WEIGHT_COMPONENTS, group_labels=appraisal_periods.JOB_GROUP_LABELS,
        predikats=list(Predikat), form=EmptyForm(), explain=explain,
        frozen=appraisal_periods.is_frozen(period), pending_change=settings_changes.pending_change(period),
        pending_objections=objections.pending_in(period),
    )


@bp.route("/periode/<int:period_id>/gabungkan", methods=["POST"])
@access(*MANAGERS)
def merge(period_id: int):
    period = _managed_period(period_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        summary = merging.merge(period, current_user)
    except AppraisalError as error:
        rollback_request()
        flash(say(error), "error")
    else:
        flash(" ".join(say_template(*line) for line in summary.messages()), "success")
    return redirect(url_for("appraisal.period", period_id=period.id))


@bp.route("/periode/<int:period_id>/unit/<int:unit_id>")
@access(*READERS)
def unit(period_id: int, unit_id: int):
    period = _readable_period(period_id)
    unit = _unit(unit_id)
    records = overview.records_of(period, unit_id=unit.id)
    return render_template("appraisal/unit.html", period=period, unit=unit, records=records,
                           spread=overview.distribution(period, unit.id), predikats=list(Predikat),
                           counts=appraisal_periods.status_counts(period, unit.id), form=EmptyForm(), explain=explain)


@bp.route("/periode/<int:period_id>/unit/<int:unit_id>/finalkan", methods=["POST"])
@access(*MANAGERS)
def finalise_unit(period_id: int, unit_id: int):
    period = _managed_period(period_id)
    unit = _unit(unit_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if workflow.finalisable(period, unit.id, current_user)[0]:
        page = confirmation.gate(_unit_finalisation(period, unit))
        if page is not None:
            return page
    try:
        done = workflow.finalise_unit(period, unit.id, current_user)
    except AppraisalError as error:
        rollback_request()
        flash(say(error), "error")
    else:
        flash(gettext("%(count)d catatan di %(unit)s difinalkan.", count=done.finalised, unit=unit.name), "success")
        if done.left:
            flash(ngettext(
                "%(num)d catatan belum dapat Anda finalkan: masa keberatan pegawai masih berjalan, ada keberatan yang "
                "menunggu, atau catatan itu milik Anda atau Anda yang mengonfirmasinya. Lihat setiap catatan.",
                "%(num)d catatan belum dapat Anda finalkan: masa keberatan pegawai masih berjalan, ada keberatan yang "
                "menunggu, atau catatan itu milik Anda atau Anda yang mengonfirmasinya. Lihat setiap catatan.",
                done.left), "info")
    return redirect(url_for("appraisal.unit", period_id=period.id, unit_id=unit.id))


def _unit_finalisation(period: AppraisalPeriod, unit: Unit) -> confirmation.Consequences:
    ready, left = workflow.finalisable(period, unit.id, current_user)
    facts = [ngettext("%(num)d catatan di %(unit)s dikunci (final).", "%(num)d catatan di %(unit)s dikunci (final).",
                      len(ready), unit=unit.name)]
    facts += [gettext("%(name)s: predikat %(predikat)s", name=r.employee.name, predikat=r.predikat or "-")
              for r in ready]
    warnings = [ngettext(
        "%(num)d catatan lain yang sudah dikonfirmasi belum dapat Anda finalkan dan tidak disentuh.",
        "%(num)d catatan lain yang sudah dikonfirmasi belum dapat Anda finalkan dan tidak disentuh.", left)] if left else []
    return confirmation.Consequences(
        gettext("Finalkan catatan %(unit)s", unit=unit.name), gettext("Ya, finalkan %(num)d catatan", num=len(ready)),
        url_for("appraisal.unit", period_id=period.id, unit_id=unit.id), facts, warnings)


# --- one record -----------------------------------------------------------------------------------

#: An anonymous group's count stands only beside its score (AppraisalRecord.shown_n); entries logged
#: before that rule may hold a hidden group's, so the history leaves these counts out.
_UNSHOWN_COUNTS = frozenset({"rekan_n", "bawahan_n"})


def _audit_rows(record: AppraisalRecord) -> list[dict]:
    """The audit log as people read it: labelled fields, names for user ids, local times."""
    entries = audit.audit_log(record)
    user_ids = {e.user_id for e in entries if e.user_id}
    for entry in entries:
        for side in (entry.before, entry.after):
            user_ids |= {v for k, v in json.loads(side or "{}").items() if k.endswith("_by_id") and v}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    people = _people_in(entries)
    order = {key: i for i, key in enumerate(FIELD_LABELS)}
    rows = []
    for entry in entries:
        before, after = json.loads(entry.before or "{}"), json.loads(entry.after or "{}")
        changes = []
        for key in sorted(set(before) | set(after), key=lambda k: order.get(k, len(order))):
            if key in _UNSHOWN_COUNTS:
                continue
            old, new = (_audit_value(key, before.get(key), users, people),
                        _audit_value(key, after.get(key), users, people))
            if old != new:
                changes.append((str(FIELD_LABELS.get(key, key)), old, new))
        rows.append({"entry": entry, "user": users.get(entry.user_id),
                     "action": gettext(audit.ACTION_LABELS.get(entry.action, entry.action)), "changes": changes})
    return rows


_WORDS = frozenset({r.value for r in Rating} | {p.value for p in Predikat})
#: Audited fields that hold an employee's id, and one that holds a settings snapshot's.
_PEOPLE = ("penilai_id", "atasan_penilai_id")


def _people_in(entries) -> dict:
    """Employee id → employee, and settings snapshot id → version, for the audited ids."""
    employee_ids, settings_ids = set(), set()
    for entry in entries:
        for side in (entry.before, entry.after):
            values = json.loads(side or "{}")
            employee_ids |= {values[k] for k in _PEOPLE if values.get(k)}
            if values.get("settings_id"):
                settings_ids.add(values["settings_id"])
    found: dict = {("employee", e.id): e for e in db.session.scalars(
        select(Employee).where(Employee.id.in_(employee_ids)))} if employee_ids else {}
    found.update({("settings", s.id): s for s in db.session.scalars(
        select(AppraisalSettings).where(AppraisalSettings.id.in_(settings_ids)))} if settings_ids else {})
    return found


def _audit_value(key: str, value, users: dict, people: dict) -> str:
    if value is None or value == "" or value == {}:
        return "—"
    if key.endswith("_by_id"):
        return users[value].display_name if value in users else str(value)
    if key in _PEOPLE:
        person = people.get(("employee", value))
        return f"{person.name} ({person.nip})" if person else str(value)
    if key == "settings_id":
        snapshot = people.get(("settings", value))
        return gettext("versi %(version)d", version=snapshot.version) if snapshot else str(value)
    if key.endswith("_at") and isinstance(value, str):
        return format_datetime(datetime.fromisoformat(value), "d MMM yyyy HH.mm")
    if key == "development" and isinstance(value, dict):
        names = [gettext(berakhlak.VALUE_BY_CODE[c].name) for c in value.get("values", []) if c in berakhlak.VALUE_BY_CODE]
        return ", ".join(names + list(value.get("unsur", []))) or "—"
    if key == "status":
        return gettext(workflow.STATUS_LABELS.get(value, value))
    if key == "job_group":
        return gettext(appraisal_periods.JOB_GROUP_LABELS.get(value, value))
    if isinstance(value, str) and value in _WORDS:
        return gettext(value)
    if isinstance(value, str) and DECIMAL_TEXT.match(value):
        return format_decimal(Decimal(value), "#,##0.###")
    return str(value)


def _render_record(record: AppraisalRecord, *, confirm_form=None, hasil_form=None, reopen_form=None,
                   draft_form=None, objection_form=None, waive_form=None, status: int = 200):
    user = current_user
    can_object = permissions.can_object(user, record)
    if can_object:
        objection_form = objection_form or ObjectionForm(formdata=None, prefix="objection")
        waive_form = waive_form or WaiveForm(formdata=None, prefix="waive")
    can_confirm = permissions.can_confirm(user, record)
    if confirm_form is None and can_confirm:
        confirm_form = ConfirmForm(formdata=None, rating_perilaku=record.rating_perilaku_suggested,
                                   rating_hasil_kerja=record.rating_hasil_kerja)
    can_hasil = permissions.can_set_hasil_kerja(user, record) and not can_confirm
    if hasil_form is None and can_hasil:
        hasil_form = HasilKerjaForm(formdata=None, rating=record.rating_hasil_kerja or Rating.SESUAI.value)
    can_reopen = permissions.can_reopen(user, record)
    can_return = permissions.can_return_to_draft(user, record)
    return render_template(
        "appraisal/record.html", record=record, period=record.period, employee=record.employee,
        lines=[explain(t, p) for t, p in overview.explanation_of(record)],
        development=overview.development_of(record), components=WEIGHT_COMPONENTS,
        group_labels=appraisal_periods.JOB_GROUP_LABELS,
        is_hr=permissions.is_hr(user), can_confirm=can_confirm, confirm_form=confirm_form,
        can_hasil=can_hasil, hasil_form=hasil_form, can_finalise=permissions.can_finalise(user, record),
        can_reopen=can_reopen, reopen_form=reopen_form or (ReasonForm(formdata=None, prefix="reopen") if can_reopen else None),
        can_return=can_return, draft_form=draft_form or (ReasonForm(formdata=None, prefix="draft") if can_return else None),
        audit=_audit_rows(record) if permissions.can_read_audit(user, record) else None,
        is_own=user.employee is not None and user.employee.id == record.employee_id,
        form=EmptyForm(), users={u.id: u for u in db.session.scalars(select(User).where(User.id.in_(
            [i for i in (record.confirmed_by_id, record.finalised_by_id) if i])))},
        settings=snapshots.view(record.settings), pinned_by=settings_changes.pinned_change_of(record),
        objection_state=window.objection_state(record), objection_deadline=window.deadline(record),
        objection_labels=window.STATE_LABELS, objections=objections.objections_of(record),
        can_object=can_object, objection_form=objection_form, waive_form=waive_form,
        can_reassign=permissions.can_reassign(user, record),
        finalise_refusal=_refusal(user, record) if permissions.is_hr(user) and record.status == "confirmed" else None,
    ), status


def _refusal(user, record: AppraisalRecord) -> str | None:
    refused = permissions.finalise_refusal(user, record)
    return None if refused is None else say_template(*refused)


@bp.route("/catatan/<int:record_id>")
@access(*EVERYONE)
def record(record_id: int):
    return _render_record(_record(record_id))


def run_step(form, action, done, back: str, render, fallback: str | None = None):
    """Run one workflow step posted from a page.

    A refused transition is flashed and the page (`back`) reloaded; a field error re-renders
    the page (`render()`) with the message by its field; success is flashed (`done()` builds the
    message afterwards).
    """
    if form.validate_on_submit():
        try:
            action()
        except TransitionRefused as error:
            rollback_request()
            flash(say(error), "error")
            return redirect(back)
        except AppraisalError as error:
            rollback_request()
            _attach(form, error, fallback=fallback)
        else:
            flash(done(), "success")
            return redirect(back)
    return render()


def _record_action(record, form, form_name: str, action, done, fallback: str | None = None):
    """Run one workflow step posted from the record page (see :func:`run_step`)."""
    return run_step(form, action, done, url_for("appraisal.record", record_id=record.id),
                    lambda: _render_record(record, **{form_name: form}), fallback)


@bp.route("/catatan/<int:record_id>/konfirmasi", methods=["POST"])
@access(*EVERYONE)
def confirm(record_id: int):
    record = _record(record_id)
    form = ConfirmForm()
    return _record_action(
        record, form, "confirm_form",
        lambda: workflow.confirm(record, current_user, form.rating_perilaku.data, form.override_reason.data,
                                 form.rating_hasil_kerja.data),
        lambda: gettext("Penilaian %(name)s dikonfirmasi: predikat %(predikat)s.", name=record.employee.name,
                        predikat=gettext(record.predikat)),
    )


@bp.route("/catatan/<int:record_id>/hasil-kerja", methods=["POST"])
@access(*EVERYONE)
def hasil_kerja(record_id: int):
    record = _record(record_id)
    form = HasilKerjaForm()
    return _record_action(
        record, form, "hasil_form", lambda: workflow.set_hasil_kerja(record, current_user, form.rating.data),
        lambda: gettext("Penilaian hasil kerja disimpan."), fallback="rating",
    )


@bp.route("/catatan/<int:record_id>/finalkan", methods=["POST"])
@access(*MANAGERS)
def finalise(record_id: int):
    record = _record(record_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if record.status == "confirmed" and permissions.finalise_refusal(current_user, record) is None:
        page = confirmation.gate(confirmation.Consequences(
            gettext("Finalkan catatan %(name)s", name=record.employee.name), gettext("Ya, finalkan"),
            url_for("appraisal.record", record_id=record.id),
            [gettext("1 catatan dikunci: %(name)s, predikat %(predikat)s.", name=record.employee.name,
                     predikat=record.predikat or "-"),
             gettext("Sesudahnya hanya admin yang dapat membukanya kembali, dengan alasan yang dicatat.")]))
        if page is not None:
            return page
    try:
        workflow.finalise(record, current_user)
    except AppraisalError as error:
        rollback_request()
        flash(say(error), "error")
    else:
        flash(gettext("Catatan %(name)s sudah final.", name=record.employee.name), "success")
    return redirect(url_for("appraisal.record", record_id=record.id))


@bp.route("/catatan/<int:record_id>/buka-kembali", methods=["POST"])
@access(ADMIN)
def reopen(record_id: int):
    record = _record(record_id)
    form = ReasonForm(prefix="reopen")
    return _record_action(
        record, form, "reopen_form", lambda: workflow.reopen(record, current_user, form.reason.data),
        lambda: gettext("Catatan dibuka kembali dan berstatus dikonfirmasi."), fallback="reason",
    )


@bp.route("/catatan/<int:record_id>/kembalikan", methods=["POST"])
@access(*MANAGERS)
def return_to_draft(record_id: int):
    record = _record(record_id)
    form = ReasonForm(prefix="draft")
    return _record_action(
        record, form, "draft_form", lambda: workflow.return_to_draft(record, current_user, form.reason.data),
        lambda: gettext("Catatan dikembalikan ke draf untuk ditinjau lagi oleh Pejabat Penilai."), fallback="reason",
    )


# --- the Pejabat Penilai --------------------------------------------------------------------------

@bp.route("/tim")
@access(SUPERVISOR, *READERS)
def team():
    employee = current_user.employee
    groups = overview.team_records(employee) if employee is not None else []
    waiting = objections.work_list(employee) if employee is not None else []
    return render_template("appraisal/team.html", groups=groups, objections=waiting)


@bp.route("/periode/<int:period_id>/impor-hasil-kerja", methods=["GET", "POST"])
@access(*RATERS)
def import_hasil_kerja(period_id: int):
    period = _period(period_id)
    form = HasilKerjaImportForm()
    problems = []
    if form.validate_on_submit():
        try:
            table = read_table(form.file.data.read(), hasil_kerja_import.HASIL_KERJA_ALIASES)
            summary = hasil_kerja_import.import_hasil_kerja(period, table, current_user)
        except ImportRejected as error:
            rollback_request()
            flash(say(error), "error")
            problems = [(p.row, say_template(p.message, p.params)) for p in error.problems]
        except (TableError, AppraisalError) as error:
            rollback_request()
            flash(say(error), "error")
        else:
            flash(gettext("Impor selesai: %(updated)d penilaian hasil kerja disimpan, %(unchanged)d tidak berubah.",
                          updated=summary.updated, unchanged=summary.unchanged), "success")
            target = "appraisal.period" if permissions.is_hr(current_user) else "appraisal.team"
            return redirect(url_for(target, period_id=period.id) if target == "appraisal.period" else url_for(target))
    return render_template("appraisal/import.html", form=form, period=period, problems=problems)


# --- the employee ---------------------------------------------------------------------------------

@bp.route("/saya")
@access(*EVERYONE)
def mine():
    employee = current_user.employee
    records = overview.own_records(employee) if employee is not None else []
    items = [{"record": r, "lines": [explain(t, p) for t, p in overview.explanation_of(r)],
              "development": overview.development_of(r), "objection_state": window.objection_state(r),
              "deadline": window.deadline(r)} for r in records]
    return render_template("appraisal/mine.html", items=items, components=WEIGHT_COMPONENTS,
                           objection_labels=window.STATE_LABELS,
                           to_decide=len(objections.work_list(employee)) if employee is not None else 0)

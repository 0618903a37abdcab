"""Pages of the segregation of duties: the employee's objection (keberatan) and its waiver, the
Atasan Pejabat Penilai's work list and decision, HR's reassignment of a record's Pejabat
Penilai, and the proposals to change a period's frozen settings with their approval.

The rules live in the services (objections.py, penilai.py, settings_changes.py) and
permissions.py; these views only turn their refusals into messages.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select

from portal.access import access, of_my_instansi
from portal.accounts.models import ADMIN, AUDITOR, HR, User
from portal.appraisal import objections, penilai, permissions, settings_changes
from portal.appraisal.errors import AppraisalError, TransitionRefused
from portal.appraisal.forms import DecisionForm, ExplanationForm, ObjectionForm, ReasonForm, ReassignForm, WaiveForm
from portal.appraisal.models import AppraisalObjection, AppraisalSettingsChange
from portal.appraisal.periods import JOB_GROUP_LABELS
from portal.appraisal.views import (
    EVERYONE, MANAGERS, _attach, _readable_period, _record, _record_action, run_step,
)
from portal.extensions import db
from portal.messages import say
from portal.reviews.models import ReviewCycle
from portal.web import rollback_request
from surveys.appraisal import Component

bp = Blueprint("appraisal_duty", __name__, url_prefix="/penilaian", template_folder="templates")


# --- the employee: object, or waive ---------------------------------------------------------------

@bp.route("/catatan/<int:record_id>/keberatan", methods=["POST"])
@access(*EVERYONE)
def file_objection(record_id: int):
    record = _record(record_id)
    form = ObjectionForm(prefix="objection")
    return _record_action(
        record, form, "objection_form", lambda: objections.file_objection(record, current_user, form.reason.data),
        lambda: gettext("Keberatan Anda terkirim kepada Atasan Pejabat Penilai. Catatan ini tidak difinalkan sebelum "
                        "keberatan diputuskan."), fallback="reason")


@bp.route("/catatan/<int:record_id>/lepaskan-keberatan", methods=["POST"])
@access(*EVERYONE)
def waive_objection(record_id: int):
    record = _record(record_id)
    form = WaiveForm(prefix="waive")
    return _record_action(
        record, form, "waive_form", lambda: objections.waive(record, current_user),
        lambda: gettext("Anda melepaskan hak keberatan; HR dapat memfinalkan catatan ini."), fallback="agree")


# --- the Atasan Pejabat Penilai: the work list and the decision -----------------------------------

@bp.route("/keberatan")
@access(*EVERYONE)
def objection_list():
    employee = current_user.employee
    return render_template("appraisal/objections.html", items=objections.work_list(employee) if employee else [])


def _objection(objection_id: int) -> AppraisalObjection:
    """An objection of a record the user may see (the employee, the penilai, the atasan, HR)."""
    objection = db.session.get(AppraisalObjection, objection_id)
    if objection is None or not permissions.can_view(current_user, objection.record):
        abort(404)
    return objection


def _render_objection(objection: AppraisalObjection, *, explanation_form=None, decision_form=None):
    record = objection.record
    deciding = objection.status == "pending" and permissions.can_decide_objection(current_user, record)
    if deciding and explanation_form is None:
        explanation_form = ExplanationForm(formdata=None, prefix="explain",
                                           penilai_explanation=objection.penilai_explanation,
                                           employee_explanation=objection.employee_explanation)
    if deciding and decision_form is None:
        decision_form = DecisionForm(formdata=None, prefix="decide", rating_perilaku=record.rating_perilaku,
                                     rating_hasil_kerja=record.rating_hasil_kerja)
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(
        [i for i in (objection.filed_by_id, objection.explained_by_id, objection.decided_by_id,
                     record.confirmed_by_id) if i])))}
    return render_template("appraisal/objection.html", objection=objection, record=record, employee=record.employee,
                           period=record.period, deciding=deciding, explanation_form=explanation_form,
                           decision_form=decision_form, users=users)


@bp.route("/keberatan/<int:objection_id>")
@access(*EVERYONE)
def objection(objection_id: int):
    return _render_objection(_objection(objection_id))


def _objection_step(objection: AppraisalObjection, form, form_name: str, action, done):
    return run_step(form, action, done, url_for("appraisal_duty.objection", objection_id=objection.id),
                    lambda: _render_objection(objection, **{form_name: form}), fallback="reason")


@bp.route("/keberatan/<int:objection_id>/penjelasan", methods=["POST"])
@access(*EVERYONE)
def explain(objection_id: int):
    objection = _objection(objection_id)
    form = ExplanationForm(prefix="explain")
    return _objection_step(
        objection, form, "explanation_form",
        lambda: objections.record_explanations(objection, current_user, form.penilai_explanation.data,
                                               form.employee_explanation.data),
        lambda: gettext("Penjelasan Pejabat Penilai dan pegawai dicatat."))


@bp.route("/keberatan/<int:objection_id>/putuskan", methods=["POST"])
@access(*EVERYONE)
def decide(objection_id: int):
    objection = _objection(objection_id)
    form = DecisionForm(prefix="decide")
    return _objection_step(
        objection, form, "decision_form",
        lambda: objections.decide(objection, current_user, form.rating_perilaku.data, form.rating_hasil_kerja.data,
                                  form.reason.data),
        lambda: gettext("Keberatan diputuskan: predikat %(predikat)s. Catatan ini final.",
                        predikat=gettext(objection.record.predikat)))


# --- HR: reassigning the Pejabat Penilai ------------------------------------------------------------

@bp.route("/catatan/<int:record_id>/alihkan", methods=["GET", "POST"])
@access(*MANAGERS)
def reassign(record_id: int):
    record = _record(record_id)
    allowed = permissions.can_reassign(current_user, record)
    form = ReassignForm()
    if not form.is_submitted():
        form.penilai_nip.data = record.penilai.nip if record.penilai else ""
        form.atasan_penilai_nip.data = record.atasan_penilai.nip if record.atasan_penilai else ""
    if form.validate_on_submit():
        instansi_id = current_user.instansi_id
        new_penilai = penilai.find_employee(instansi_id, form.penilai_nip.data)
        new_atasan = penilai.find_employee(instansi_id, form.atasan_penilai_nip.data or "")
        if new_penilai is None:
            form.penilai_nip.errors = [gettext("Tidak ada pegawai dengan NIP ini di instansi Anda.")]
        elif form.atasan_penilai_nip.data and new_atasan is None:
            form.atasan_penilai_nip.errors = [gettext("Tidak ada pegawai dengan NIP ini di instansi Anda.")]
        else:
            try:
                penilai.reassign(record, current_user, new_penilai, new_atasan, form.reason.data)
            except TransitionRefused as error:
                rollback_request()
                flash(say(error), "error")
            except AppraisalError as error:
                rollback_request()
                _attach(form, error, fallback=_form_field(error))
            else:
                flash(gettext("Pejabat Penilai %(name)s kini %(penilai)s.", name=record.employee.name,
                              penilai=new_penilai.name), "success")
                return redirect(url_for("appraisal.record", record_id=record.id))
    return render_template("appraisal/reassign.html", record=record, employee=record.employee, period=record.period,
                           form=form, allowed=allowed)


def _form_field(error: AppraisalError) -> str:
    return {"penilai_id": "penilai_nip", "atasan_penilai_id": "atasan_penilai_nip"}.get(error.field or "", "reason")


# --- HR: proposals to change frozen settings ---------------------------------------------------------

def _change(change_id: int) -> AppraisalSettingsChange:
    change = of_my_instansi(AppraisalSettingsChange, change_id)
    if not permissions.can_manage_period(current_user, change.period):
        abort(404)
    return change


def describe_settings(values: dict) -> list[tuple[str, str]]:
    """Settings (a part of :func:`portal.appraisal.periods.settings_json`) as labelled text."""
    labels = {
        "name": gettext("Nama periode"), "kind": gettext("Jenis"),
        "citizen_from": gettext("Umpan balik masyarakat sejak"), "citizen_to": gettext("sampai"),
        "cycle_ids": gettext("Siklus ulasan 360"), "officer_unsur": gettext("Unsur petugas"),
        "min_citizen_n": gettext("Minimal tanggapan masyarakat"),
        "above": gettext("Batas Di Atas Ekspektasi"), "meets": gettext("Batas Sesuai Ekspektasi"),
        "weights": gettext("Bobot (persen)"),
    }
    names = {c.id: c.name for c in db.session.scalars(select(ReviewCycle).where(
        ReviewCycle.id.in_(values.get("cycle_ids") or [])))} if values.get("cycle_ids") else {}
    shown = []
    for key, value in values.items():
        if key == "cycle_ids":
            text = ", ".join(names.get(i, str(i)) for i in value) or "—"
        elif key == "weights":
            text = "; ".join(f"{gettext(JOB_GROUP_LABELS[group])}: " + ", ".join(
                f"{gettext(Component(c).label)} {w}" for c, w in weights.items()) for group, weights in value.items())
        elif key == "officer_unsur":
            text = ", ".join(value)
        else:
            text = str(value)
        shown.append((labels.get(key, key), text))
    return shown


@bp.route("/periode/<int:period_id>/perubahan")
@access(*MANAGERS, AUDITOR)
def settings_changes_page(period_id: int):
    period = _readable_period(period_id)
    pending = settings_changes.pending_change(period)
    before, after = settings_changes.diff(pending) if pending else ({}, {})
    changes = settings_changes.changes_of(period)
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(
        {c.proposed_by_id for c in changes} | {c.decided_by_id for c in changes if c.decided_by_id})))}
    rows = [(label, old, new) for (label, old), (_label, new) in zip(describe_settings(before), describe_settings(after))]
    return render_template(
        "appraisal/settings_changes.html", period=period, pending=pending, rows=rows, changes=changes, users=users,
        approve_form=ReasonForm(prefix="approve"), decline_form=ReasonForm(prefix="decline"),
        status_labels=settings_changes.STATUS_LABELS)


def _decide_change(change_id: int, prefix: str, missing: str, action, done):
    """Approve or decline a proposal posted from the proposals page, with a reason."""
    change = _change(change_id)
    form = ReasonForm(prefix=prefix)
    back = url_for("appraisal_duty.settings_changes_page", period_id=change.period_id)
    if not form.validate_on_submit():
        flash(missing, "error")
        return redirect(back)
    try:
        result = action(change, form.reason.data)
    except AppraisalError as error:
        rollback_request()
        flash(say(error), "error")
    else:
        flash(done(change, result), "success")
    return redirect(back)


@bp.route("/perubahan/<int:change_id>/setujui", methods=["POST"])
@access(*MANAGERS)
def approve_settings(change_id: int):
    return _decide_change(
        change_id, "approve", gettext("Tuliskan alasan persetujuan."),
        lambda change, reason: settings_changes.approve(change, current_user, reason),
        lambda change, summary: gettext(
            "Perubahan disetujui dan berlaku. %(updated)d catatan draf dihitung ulang; %(pinned)d catatan pengusul "
            "dan penyetuju tetap pada pengaturan lama; %(skipped)d catatan yang sudah dikonfirmasi atau final tidak "
            "diubah.", updated=summary.updated, pinned=summary.pinned, skipped=summary.skipped_non_draft))


@bp.route("/perubahan/<int:change_id>/tolak", methods=["POST"])
@access(*MANAGERS)
def decline_settings(change_id: int):
    return _decide_change(
        change_id, "decline", gettext("Tuliskan alasannya."),
        lambda change, reason: settings_changes.decline(change, current_user, reason),
        lambda change, _result: gettext("Usulan ditarik.") if change.status == "withdrawn" else gettext("Usulan ditolak."))

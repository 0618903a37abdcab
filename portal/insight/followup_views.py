"""Tindak lanjut for unit managers: the saran inbox, loket alerts, follow-up records, the alert
rule and the Laporan SKM (page and XLSX).

Who may open what: HR and admins for every unit of their instansi, a unit head for their unit and
the units under it (`portal.org.permissions`); everyone else gets 403.
"""
from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from portal import nav
from portal.access import access
from portal.accounts.models import ADMIN, AUDITOR, HR, SUPERVISOR
from portal.extensions import db
from portal.feedback.models import SkmComment
from portal.forms import EmptyForm
from portal.insight import alerts, charts, followup, report
from portal.insight.followup_forms import (
    AlertRuleForm, CloseAlertForm, CommentForm, FollowUpForm, FollowUpStatusForm, InboxFilterForm, LaporanForm,
)
from portal.insight.models import Alert, FollowUp
from portal.localtime import today
from portal.messages import say
from portal.org.models import Unit
from portal.org.permissions import can_read_unit, my_managed, my_managed_units, my_readable_units
from portal.web import rollback_request
from surveys import skm

bp = Blueprint("followup", __name__, url_prefix="/tindak-lanjut", template_folder="templates")
MANAGERS = (SUPERVISOR, HR, ADMIN)
#: The inbox, alerts, follow-ups and laporan are read by the auditor too, without acting.
READERS = (*MANAGERS, AUDITOR)
PER_PAGE = 20

nav.register("followup.inbox", _l("Tindak lanjut"),
             _l("Saran warga, peringatan loket, tindak lanjut unsur terlemah dan Laporan SKM."), *READERS, order=58)


# --- permissions and small helpers --------------------------------------------------------------------

def _unit(code: str) -> Unit:
    unit = db.session.scalar(select(Unit).where(Unit.instansi_id == current_user.instansi_id, Unit.code == code))
    if unit is None:
        abort(404)
    if not can_read_unit(current_user, unit):
        abort(403)
    return unit


def _tz():
    return current_user.instansi.tz


def _when(moment: datetime | None) -> str:
    return alerts.when(moment, _tz(), str(get_locale() or "id")) if moment else "—"


def _safe_next(target: str | None, fallback: str) -> str:
    """Only back to a page of this blueprint (no open redirect)."""
    prefix = url_for("followup.inbox")
    if target and target.startswith(prefix) and "//" not in target and "\\" not in target:
        return target
    return fallback


@bp.context_processor
def _helpers() -> dict:
    return {"number": report.number}


def _alert_context(units: list[Unit]) -> dict:
    return {"open_alerts": alerts.open_alerts([u.id for u in units]), "when": _when, "close_form": CloseAlertForm}


# --- the saran inbox ------------------------------------------------------------------------------------

def _comment_form(comment: SkmComment, formdata=None) -> CommentForm:
    form = CommentForm(formdata=formdata, prefix=f"c{comment.id}", obj=None)
    form.assignee.choices = [(0, gettext("— belum ada —"))] + [
        (e.id, e.name) for e in followup.assignable_employees(comment.unit_id)]
    if formdata is None:
        form.status.data = comment.status
        form.assignee.data = comment.assignee_id or 0
        form.note.data = comment.response_note or ""
    return form


@bp.route("/")
@access(*READERS)
def inbox():
    units = my_readable_units()
    unit_ids = tuple(u.id for u in units)
    counters = followup.counters_of(unit_ids)
    filters = InboxFilterForm(request.args)
    filters.unit.choices = [(0, gettext("Semua unit"))] + [(u.id, u.name) for u in units]
    filters.loket.choices = [(0, gettext("Semua loket"))] + [(c.id, f"{c.code} · {c.name}") for c in counters]
    valid = filters.validate() if request.args else True
    selection = followup.InboxFilter(
        unit_ids=unit_ids,
        unit_id=(filters.unit.data or None) if valid else None,
        status=(filters.status.data or None) if valid else None,
        counter_id=(filters.loket.data or None) if valid else None,
        date_from=filters.dari.data if valid else None,
        date_to=filters.sampai.data if valid else None,
    )
    page = request.args.get("halaman", 1, type=int) or 1
    comments, total = followup.inbox(selection, page, PER_PAGE)
    pages = max(1, -(-total // PER_PAGE))
    here = request.full_path.rstrip("?")
    forms = {c.id: _comment_form(c) for c in comments}
    for form in forms.values():
        form.next.data = here
    args = {k: v for k, v in request.args.items() if k != "halaman"}
    return render_template(
        "insight/followup/inbox.html", units=units, filters=filters, comments=comments, forms=forms, total=total,
        page=min(page, pages), pages=pages, args=args, counts=followup.status_counts(unit_ids),
        status_labels=followup.COMMENT_STATUS_LABELS, tz=_tz(), **_alert_context(units),
    )


@bp.route("/saran/<int:comment_id>", methods=["POST"])
@access(*MANAGERS)
def update_comment(comment_id: int):
    comment = my_managed(SkmComment, comment_id)
    form = _comment_form(comment, request.form)
    back = _safe_next(form.next.data, url_for("followup.inbox"))
    if not form.validate():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(back)
    try:
        followup.update_comment(comment, form.status.data, form.assignee.data or None, form.note.data)
    except followup.FollowUpError as error:
        rollback_request()
        flash(say(error), "error")
    else:
        flash(gettext("Saran tanggal %(day)s diperbarui.", day=comment.local_date.strftime("%d-%m-%Y")), "success")
    return redirect(f"{back}#saran-{comment.id}" if "#" not in back else back)


# --- alerts ---------------------------------------------------------------------------------------------

@bp.route("/peringatan")
@access(*READERS)
def alert_list():
    units = my_readable_units()
    return render_template("insight/followup/alerts.html", units=units,
                           history=alerts.recent_alerts([u.id for u in units]), **_alert_context(units))


@bp.route("/peringatan/<int:alert_id>/terima", methods=["POST"])
@access(*MANAGERS)
def acknowledge_alert(alert_id: int):
    alert = my_managed(Alert, alert_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        alerts.acknowledge(alert, current_user)
    except alerts.AlertError as error:
        rollback_request()
        flash(say(error), "warning")
    else:
        flash(gettext("Peringatan loket %(code)s diterima. Tutup dengan catatan setelah ditangani.",
                      code=alert.counter.code), "success")
    return redirect(_safe_next(request.form.get("next"), url_for("followup.alert_list")))


@bp.route("/peringatan/<int:alert_id>/tutup", methods=["POST"])
@access(*MANAGERS)
def close_alert(alert_id: int):
    alert = my_managed(Alert, alert_id)
    form = CloseAlertForm(prefix=f"a{alert.id}")
    if not form.validate_on_submit():
        units = my_managed_units()
        return render_template("insight/followup/alerts.html", units=units, failed=alert, failed_form=form,
                               history=alerts.recent_alerts([u.id for u in units]), **_alert_context(units)), 400
    try:
        alerts.close(alert, current_user, form.note.data)
    except alerts.AlertError as error:
        rollback_request()
        flash(say(error), "warning")
    else:
        flash(gettext("Peringatan loket %(code)s ditutup.", code=alert.counter.code), "success")
    return redirect(url_for("followup.alert_list"))


# --- follow-up records per unit ----------------------------------------------------------------------------

@bp.route("/unit/")
@access(*READERS)
def unit_list():
    units = my_readable_units()
    return render_template("insight/followup/units.html", units=units, quarter=followup.last_full_quarter(today(_tz())),
                           rules={u.id: alerts.rule_for(u.id) for u in units}, **_alert_context(units))


def _period_args(default: tuple[date, date]) -> tuple[date, date]:
    try:
        start = date.fromisoformat(request.args.get("dari", ""))
        end = date.fromisoformat(request.args.get("sampai", ""))
    except ValueError:
        return default
    return (start, end) if start <= end else default


@bp.route("/unit/<code>", methods=["GET", "POST"])
@access(*READERS)
def unit_follow_ups(code: str):
    unit = _unit(code)
    period = _period_args(followup.last_full_quarter(today(_tz())))
    form = FollowUpForm()
    if request.method == "GET":
        form.period_from.data, form.period_to.data = period
        form.unsur.data = followup.weakest_unsur(unit, *period) or ""
        form.status.data = "direncanakan"
    elif form.validate_on_submit():
        try:
            item = followup.add_follow_up(unit, form.period_from.data, form.period_to.data, form.unsur.data or None,
                                          form.action.data, form.status.data, form.target_date.data, current_user)
        except followup.FollowUpError as error:
            rollback_request()
            form.action.errors.append(say(error))
        else:
            flash(gettext("Tindak lanjut untuk %(kode)s dicatat.", kode=item.unsur), "success")
            return redirect(url_for("followup.unit_follow_ups", code=unit.code))
    weakest = None
    if form.period_from.data and form.period_to.data and form.period_from.data <= form.period_to.data:
        period = (form.period_from.data, form.period_to.data)
        weakest = followup.weakest_unsur(unit, *period)
    items = followup.follow_ups(unit)
    return render_template(
        "insight/followup/unit.html", unit=unit, form=form, items=items, period=period,
        weakest=skm.UNSUR_BY_KODE[weakest] if weakest else None,
        status_forms={i.id: FollowUpStatusForm(formdata=None, prefix=f"f{i.id}", status=i.status) for i in items},
        status_labels=followup.FOLLOW_UP_STATUS_LABELS, unsur=skm.UNSUR_BY_KODE,
    ), 200 if request.method == "GET" or not form.errors else 400


@bp.route("/tindak/<int:follow_up_id>/status", methods=["POST"])
@access(*MANAGERS)
def follow_up_status(follow_up_id: int):
    item = my_managed(FollowUp, follow_up_id)
    form = FollowUpStatusForm(prefix=f"f{item.id}")
    if not form.validate_on_submit():
        flash(gettext("Status tidak dikenal."), "error")
    else:
        followup.set_follow_up_status(item, form.status.data)
        flash(gettext("Status tindak lanjut %(kode)s diubah.", kode=item.unsur), "success")
    return redirect(url_for("followup.unit_follow_ups", code=item.unit.code))


@bp.route("/unit/<code>/aturan", methods=["GET", "POST"])
@access(*READERS)
def alert_rule(code: str):
    unit = _unit(code)
    current = alerts.rule_for(unit.id)
    form = AlertRuleForm(data={"threshold_percent": current.threshold_percent, "window_hours": current.window_hours,
                               "min_answers": current.min_answers} if request.method == "GET" else None)
    if form.validate_on_submit():
        alerts.save_rule(unit, form.threshold_percent.data, form.window_hours.data, form.min_answers.data)
        flash(gettext("Aturan peringatan %(unit)s disimpan.", unit=unit.name), "success")
        return redirect(url_for("followup.unit_list"))
    return render_template("insight/followup/rule.html", unit=unit, form=form, defaults=alerts.DEFAULT_RULE), \
        400 if form.errors else 200


# --- Laporan SKM ------------------------------------------------------------------------------------------

def _laporan(code: str):
    unit = _unit(code)
    form = LaporanForm(request.args)
    if not request.args.get("dari") and not request.args.get("sampai"):
        form.dari.data, form.sampai.data = followup.last_full_quarter(today(_tz()))
        form.dari.errors = form.sampai.errors = []
        return unit, form, report.build(unit, form.dari.data, form.sampai.data)
    if not form.validate():
        return unit, form, None
    return unit, form, report.build(unit, form.dari.data, form.sampai.data, form.populasi.data)


def _nrr_chart(data: report.Laporan | None):
    """The nine NRR as bars (the dashboards' chart), weakest in red."""
    if data is None or data.ikm is None:
        return None
    bars = [charts.Bar(f"{row.kode} {gettext(row.name)}", row.nrr, report.number(row.nrr, 2), row.weakest)
            for row in data.unsur_rows]
    return charts.bar_chart(
        bars, ident="laporan-nrr", title=gettext("NRR per unsur"),
        description=gettext("Nilai rata-rata tiap unsur pada skala 1–4; unsur terlemah berwarna merah."),
        scale=(1, 4), ticks=[(value, str(value)) for value in (1, 2, 3, 4)], highlight_note=gettext("terlemah"),
        headers=(gettext("Unsur"), gettext("NRR")))


@bp.route("/laporan/<code>")
@access(*READERS)
def laporan(code: str):
    unit, form, data = _laporan(code)
    return render_template("insight/report/laporan.html", unit=unit, form=form, report=data, chart=_nrr_chart(data),
                           status_labels=followup.COMMENT_STATUS_LABELS,
                           follow_up_labels=followup.FOLLOW_UP_STATUS_LABELS, unsur=skm.UNSUR_BY_KODE), \
        200 if data is not None else 400


@bp.route("/laporan/<code>.xlsx")
@access(*READERS)
def laporan_xlsx(code: str):
    _unit_row, _form, data = _laporan(code)
    if data is None:
        abort(400)
    name = f"laporan-skm-{data.unit.code}-{data.date_from.isoformat()}-{data.date_to.isoformat()}.xlsx"
    return report.to_xlsx(data), 200, {
        "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Content-Disposition": f'attachment; filename="{name}"',
    }

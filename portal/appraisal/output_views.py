"""What comes out of the appraisal records: CSV and XLSX exports, the printable A4 sheet, the
development areas HR plans training with, recognition with a printable certificate, and the
admin's page for API tokens.

Who may see what is decided in permissions.py; another instansi's period or record is 404.
"""
from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, gettext, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from portal import nav
from portal.access import SIGNED_IN, access, of_my_instansi
from portal.accounts.models import ADMIN, AUDITOR, HR, SUPERVISOR
from portal.appraisal import exports, reports, snapshots, tokens, window
from portal.appraisal.models import AppraisalPeriod, AppraisalRecord
from portal.appraisal.output_forms import ApiTokenForm
from portal.appraisal.permissions import (
    OWN_TEAM, can_manage_api_tokens, can_plan_with, can_print, export_reach,
)
from portal.extensions import db
from portal.forms import EmptyForm
from portal.messages import explained
from portal.org.models import Employee, Instansi, Unit
from surveys.appraisal import Component

bp = Blueprint("appraisal_out", __name__, url_prefix="/penilaian", template_folder="templates")
EXPORTERS = (HR, ADMIN, SUPERVISOR, AUDITOR)
#: Development areas and recognition: HR's, read by the auditor too.
PLANNERS = (HR, ADMIN, AUDITOR)
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: The record's fields behind each component on the sheet, in the order people read them.
COMPONENTS = (
    (Component.CITIZEN, "citizen"), (Component.ATASAN, "atasan"), (Component.REKAN, "rekan"),
    (Component.BAWAHAN, "bawahan"), (Component.SELF, "self"),
)

nav.register("appraisal_out.index", _l("Laporan penilaian"),
             _l("Ekspor CSV/XLSX, lembar penilaian cetak, area pengembangan dan apresiasi petugas."),
             *EXPORTERS, order=72)


@bp.app_template_filter("record_figure")
def figure(value: Decimal | None) -> str:
    """A score or weight as people read it: two decimals in the user's language, "—" when absent."""
    return "—" if value is None else format_decimal(exports.two_places(value), "#,##0.00")


# --- lookups: the one place that turns ids into objects of the user's instansi -------------

def _period(period_id: int) -> AppraisalPeriod:
    period = exports.find_period(current_user.instansi_id, period_id)
    if period is None:
        abort(404)
    return period


def _unit_arg() -> Unit | None:
    code = request.args.get("unit", "").strip()
    if not code:
        return None
    unit = exports.find_unit(current_user.instansi_id, code)
    if unit is None:
        abort(404)
    return unit


def _export_scope(period: AppraisalPeriod) -> exports.Scope:
    reach = export_reach(current_user, period)
    if reach is None:
        abort(403)
    supervisor = current_user.employee if reach == OWN_TEAM else None
    return exports.Scope(period, unit=_unit_arg(), supervisor=supervisor)


def _planning_scope(period: AppraisalPeriod) -> exports.Scope:
    if not can_plan_with(current_user, period):
        abort(403)
    return exports.Scope(period, unit=_unit_arg())


def _units_with_records(period: AppraisalPeriod) -> list[tuple[Unit, int]]:
    return [(unit, count) for unit, count in db.session.execute(
        select(Unit, func.count(AppraisalRecord.id)).join(AppraisalRecord, AppraisalRecord.unit_id == Unit.id)
        .where(AppraisalRecord.period_id == period.id).group_by(Unit.id).order_by(Unit.code)
    )]


def _download(body: str | bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    return response


# --- index and exports -------------------------------------------------------------------

@bp.route("/laporan")
@access(*EXPORTERS)
def index():
    periods = db.session.scalars(
        select(AppraisalPeriod).where(AppraisalPeriod.instansi_id == current_user.instansi_id)
        .order_by(AppraisalPeriod.citizen_to.desc(), AppraisalPeriod.id.desc())
    ).all()
    rows = [{"period": p, "reach": export_reach(current_user, p), "planning": can_plan_with(current_user, p)}
            for p in periods]
    return render_template("appraisal/out/index.html", rows=rows,
                           manage_tokens=can_manage_api_tokens(current_user))


@bp.route("/<int:period_id>/ekspor")
@access(*EXPORTERS)
def export_page(period_id: int):
    period = _period(period_id)
    scope = _export_scope(period)
    team_only = scope.supervisor is not None
    return render_template(
        "appraisal/out/export.html", period=period, scope=scope, team_only=team_only,
        units=[] if team_only else _units_with_records(period), records=exports.scoped_records(scope),
        planning=can_plan_with(current_user, period),
    )


@bp.route("/<int:period_id>/ekspor.csv")
@access(*EXPORTERS)
def export_csv(period_id: int):
    scope = _export_scope(_period(period_id))
    return _download(exports.to_csv(exports.appraisal_rows(scope)), "text/csv", exports.file_name(scope, "csv"))


@bp.route("/<int:period_id>/ekspor.xlsx")
@access(*EXPORTERS)
def export_xlsx(period_id: int):
    scope = _export_scope(_period(period_id))
    body = exports.to_xlsx(scope, exports.appraisal_rows(scope))
    return _download(body, XLSX_MIMETYPE, exports.file_name(scope, "xlsx"))


# --- the printable sheet -------------------------------------------------------------------

def _explanation(record: AppraisalRecord) -> list[str]:
    """The stored [template, params] lines in plain words, decimals written the user's way."""
    lines = []
    for template, params in reports.explanation_messages(record):
        try:
            lines.append(explained(template, params))
        except (KeyError, TypeError, ValueError):  # a template whose parameters do not fit
            lines.append(gettext(template))
    return lines


def _components(record: AppraisalRecord) -> list[dict]:
    return [{"label": component.label, "score": getattr(record, f"{field}_score"), "n": record.shown_n(field),
             "weight": getattr(record, f"weight_{field}")} for component, field in COMPONENTS]


@bp.route("/catatan/<int:record_id>/cetak")
@access(SIGNED_IN)
def sheet(record_id: int):
    record = of_my_instansi(AppraisalRecord, record_id)
    if not can_print(current_user, record):
        abort(403)
    return render_template(
        "appraisal/out/sheet.html", record=record, period=record.period, employee=record.employee,
        unit=db.session.get(Unit, record.unit_id), instansi=db.session.get(Instansi, record.period.instansi_id),
        components=_components(record), explanation=_explanation(record),
        areas=reports.development_areas(record), penilai=record.penilai,
        settings=snapshots.view(record.settings), objection=window.latest_objection(record),
    )


# --- development areas ---------------------------------------------------------------------

@bp.route("/<int:period_id>/pengembangan")
@access(*PLANNERS)
def development(period_id: int):
    period = _period(period_id)
    scope = _planning_scope(period)
    return render_template("appraisal/out/development.html", period=period, scope=scope,
                           groups=reports.development_summary(scope), units=_units_with_records(period))


@bp.route("/<int:period_id>/pengembangan.csv")
@access(*PLANNERS)
def development_csv(period_id: int):
    scope = _planning_scope(_period(period_id))
    name = exports.file_name(scope, "csv").replace("penilaian-", "pengembangan-", 1)
    return _download(reports.development_csv(reports.development_summary(scope)), "text/csv", name)


# --- recognition ---------------------------------------------------------------------------

def _min_n(period: AppraisalPeriod) -> int:
    value = request.args.get("min_n", type=int)
    return value if value is not None and value >= 1 else period.min_citizen_n


def _min_score(period: AppraisalPeriod) -> Decimal:
    """The minimum citizen score (0–100) from ?min_skor=, by default the period's Di Atas threshold."""
    try:
        value = Decimal(request.args.get("min_skor", "").replace(",", "."))
    except ArithmeticError:
        value = None
    if value is None or not value.is_finite() or not 0 <= value <= 100:
        return Decimal(period.above_threshold)
    return exports.two_places(value)


@bp.route("/<int:period_id>/apresiasi")
@access(*PLANNERS)
def recognition(period_id: int):
    period = _period(period_id)
    scope = _planning_scope(period)
    min_n, min_score = _min_n(period), _min_score(period)
    return render_template("appraisal/out/recognition.html", period=period, scope=scope, min_n=min_n,
                           min_score=min_score, groups=reports.recognition(period, min_n, min_score, unit=scope.unit),
                           units=_units_with_records(period), top=reports.TOP_PER_UNIT)


@bp.route("/<int:period_id>/apresiasi/<int:employee_id>/sertifikat")
@access(*PLANNERS)
def certificate(period_id: int, employee_id: int):
    period = _period(period_id)
    _planning_scope(period)
    honouree = reports.honouree(period, employee_id, _min_n(period), _min_score(period))
    if honouree is None:
        abort(404)
    head = db.session.scalar(
        select(Employee).where(Employee.unit_id == honouree.unit.id, Employee.is_unit_head.is_(True),
                               Employee.active.is_(True)).order_by(Employee.id).limit(1)
    )
    return render_template("appraisal/out/certificate.html", period=period, honouree=honouree, head=head,
                           instansi=db.session.get(Instansi, period.instansi_id))


# --- API tokens ----------------------------------------------------------------------------

def _token_form() -> ApiTokenForm:
    units = db.session.scalars(select(Unit).where(Unit.instansi_id == current_user.instansi_id, Unit.active.is_(True))
                               .order_by(Unit.code)).all()
    return ApiTokenForm(units=units)


@bp.route("/api-token", methods=["GET", "POST"])
@access(ADMIN)
def api_tokens():
    if not can_manage_api_tokens(current_user):
        abort(403)
    form = _token_form()
    issued = None
    if form.validate_on_submit():
        unit = None
        if form.unit_id.data:
            unit = db.session.get(Unit, form.unit_id.data)
            if unit is None or unit.instansi_id != current_user.instansi_id:
                abort(400)
        row, issued = tokens.issue_token(current_user.instansi_id, form.name.data, form.scopes.data, unit,
                                         actor=current_user, days=form.days.data)
        flash(gettext("Token %(name)s dibuat. Salin sekarang: token ini hanya ditampilkan sekali.", name=row.name),
              "success")
        form = _token_form()
        form.name.data = ""
        form.days.data = tokens.DEFAULT_DAYS
    rows = tokens.tokens_of(current_user.instansi_id)
    units = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.instansi_id == current_user.instansi_id))}
    periods = db.session.scalars(select(AppraisalPeriod).where(AppraisalPeriod.instansi_id == current_user.instansi_id)
                                 .order_by(AppraisalPeriod.id)).all()
    return render_template("appraisal/out/api_tokens.html", form=form, issued=issued, rows=rows, units=units,
                           periods=periods, min_days=tokens.MIN_DAYS, max_days=tokens.MAX_DAYS,
                           default_days=tokens.DEFAULT_DAYS)


@bp.route("/api-token/<int:token_id>/cabut", methods=["POST"])
@access(ADMIN)
def revoke_api_token(token_id: int):
    if not can_manage_api_tokens(current_user):
        abort(403)
    row = tokens.find_token(current_user.instansi_id, token_id)
    if row is None:
        abort(404)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    if tokens.revoke_token(row, actor=current_user):
        flash(gettext("Token %(name)s dicabut; permintaan dengan token ini kini ditolak.", name=row.name), "success")
    return redirect(url_for("appraisal_out.api_tokens"))

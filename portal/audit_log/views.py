"""The Log audit page: HR, admins and the Inspektorat's auditors read and export the audit log."""
from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from portal import nav
from portal.access import access
from portal.appraisal.models import AppraisalPeriod
from portal.audit.actions import action_label
from portal.audit_log import log
from portal.audit_log.forms import AuditFilterForm
from portal.extensions import db
from portal.org.models import Unit
from portal.roles import ADMIN, AUDITOR, HR

bp = Blueprint("audit", __name__, url_prefix="/audit", template_folder="templates")
READERS = (HR, ADMIN, AUDITOR)
PER_PAGE = 50

nav.register("audit.index", _l("Log audit"), _l("Siapa mengubah apa dan kapan: struktur organisasi, jadwal, peran, "
                                                 "token API dan catatan penilaian."), *READERS, order=90)


def _filter_form() -> tuple[AuditFilterForm, log.Filters, str | None]:
    """The filter as the user set it, the Filters it means, and a note when it matches no employee."""
    instansi_id = current_user.instansi_id
    form = AuditFilterForm(request.args)
    units = db.session.scalars(select(Unit).where(Unit.instansi_id == instansi_id).order_by(Unit.code)).all()
    periods = db.session.scalars(select(AppraisalPeriod).where(AppraisalPeriod.instansi_id == instansi_id)
                                 .order_by(AppraisalPeriod.citizen_to.desc(), AppraisalPeriod.id.desc())).all()
    form.unit.choices = [(0, gettext("Semua unit"))] + [(u.id, f"{u.code} · {u.name}") for u in units]
    form.periode.choices = [(0, gettext("Semua periode"))] + [(p.id, p.name) for p in periods]
    form.aksi.choices = [("", gettext("Semua perubahan"))] + [
        (code, f"{action_label(code)} ({code})" if action_label(code) != code else code)
        for code in log.known_actions(instansi_id)
    ]
    if request.args and not form.validate():
        return form, log.Filters(employee_ids=()), None
    employee_ids, note = None, None
    if form.pegawai.data and form.pegawai.data.strip():
        employee_ids = log.employees_matching(instansi_id, form.pegawai.data)
        if not employee_ids:
            note = gettext("Tidak ada pegawai dengan NIP atau nama itu.")
    filters = log.Filters(employee_ids=employee_ids, unit_id=form.unit.data or None,
                          period_id=form.periode.data or None, action=form.aksi.data or None,
                          date_from=form.dari.data, date_to=form.sampai.data)
    return form, filters, note


@bp.route("/")
@access(*READERS)
def index():
    form, filters, note = _filter_form()
    tz = current_user.instansi.tz
    total = log.count(current_user.instansi_id, filters, tz)
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(1, request.args.get("halaman", 1, type=int) or 1), pages)
    rows = log.entries(current_user.instansi_id, filters, tz, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    args = {k: v for k, v in request.args.items() if k not in ("halaman", "submit")}
    return render_template("audit/index.html", form=form, rows=rows, total=total, page=page, pages=pages,
                           args=args, note=note, action_label=action_label)


@bp.route("/audit.csv")
@access(*READERS)
def export_csv():
    _form, filters, _note = _filter_form()
    rows = log.entries(current_user.instansi_id, filters, current_user.instansi.tz)
    response = Response(log.to_csv(rows).encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers.set("Content-Disposition", "attachment", filename="log-audit.csv")
    return response

"""HR's pages for organisation data: instansi, units, layanan, loket, employees, roster (the user
accounts are in `portal/accounts/admin_views.py`)."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, or_, select

from portal import nav
from portal.access import access, of_my_instansi
from portal.extensions import db
from portal.localtime import today
from portal.forms import EmptyForm
from portal.messages import say
from portal.org import import_preview, services
from portal.org.forms import (
    CounterForm, EmployeeForm, ImportConfirmForm, ImportForm, InstansiForm, RosterForm, ServiceForm, UnitForm, WEEKDAY_CHOICES,
    employee_choices,
)
from portal.org.models import Counter, Employee, RosterEntry, Service, Unit
from portal.roles import ADMIN, AUDITOR, HR
from portal.tabular import TableError, read_table
from portal.web import rollback_request
from surveys.errors import InvalidNip
from surveys.nip import validate_nip

bp = Blueprint("org", __name__, url_prefix="/organisasi", template_folder="templates")
MANAGERS = (HR, ADMIN)
#: Who reads the organisation's pages: HR, admins and the auditor (who changes nothing).
READERS = (*MANAGERS, AUDITOR)
PAGE_SIZE = 50

nav.register("org.overview", _l("Organisasi"), _l("Unit kerja, layanan, loket, pegawai dan jadwal tugas."), *READERS, order=80)


def _instansi():
    return current_user.instansi


def _units():
    return db.session.scalars(select(Unit).where(Unit.instansi_id == current_user.instansi_id).order_by(Unit.name)).all()


def _unit_choices(blank: str | None = None):
    choices = [(u.id, f"{u.code} · {u.name}") for u in _units()]
    return ([(0, blank)] if blank else []) + choices


@bp.route("/", methods=["GET", "POST"])
@access(*READERS)
def overview():
    instansi = _instansi()
    form = InstansiForm(obj=instansi)
    if form.validate_on_submit():
        instansi.name, instansi.timezone = form.name.data.strip(), form.timezone.data
        instansi.org_predikat, instansi.retention_days = form.org_predikat.data, form.retention_days.data
        flash(gettext("Data instansi disimpan."), "success")
        return redirect(url_for("org.overview"))
    counts = {
        "units": db.session.scalar(select(func.count(Unit.id)).where(Unit.instansi_id == instansi.id)),
        "employees": db.session.scalar(select(func.count(Employee.id)).where(Employee.instansi_id == instansi.id)),
        "counters": db.session.scalar(select(func.count(Counter.id)).join(Unit).where(Unit.instansi_id == instansi.id)),
    }
    return render_template("org/overview.html", form=form, counts=counts)


# --- Unit kerja -------------------------------------------------------------------------------

def _unit_form(unit: Unit | None = None) -> UnitForm:
    form = UnitForm(obj=unit)
    form.parent_id.choices = [c for c in _unit_choices(blank=str(_l("— tidak ada —"))) if unit is None or c[0] != unit.id]
    return form


def _save_unit(form: UnitForm, unit: Unit | None) -> Unit | None:
    code = form.code.data.strip()
    clash = db.session.scalar(select(Unit.id).where(Unit.instansi_id == current_user.instansi_id, Unit.code == code))
    if clash is not None and (unit is None or clash != unit.id):
        form.code.errors.append(gettext("Kode unit sudah dipakai."))
        return None
    parent_id = form.parent_id.data or None
    if unit is not None and parent_id:
        ancestor = db.session.get(Unit, parent_id)
        while ancestor is not None:
            if ancestor.id == unit.id:
                form.parent_id.errors.append(gettext("Unit induk ini membuat susunan unit berputar."))
                return None
            ancestor = ancestor.parent
    if unit is None:
        unit = Unit(instansi_id=current_user.instansi_id)
        db.session.add(unit)
    unit.code, unit.name, unit.parent_id = code, form.name.data.strip(), parent_id
    unit.publish_results, unit.active = form.publish_results.data, form.active.data
    db.session.flush()
    return unit


@bp.route("/unit", methods=["GET", "POST"])
@access(*READERS)
def units():
    form = _unit_form()
    if form.validate_on_submit() and _save_unit(form, None):
        flash(gettext("Unit kerja ditambahkan."), "success")
        return redirect(url_for("org.units"))
    return render_template("org/units.html", form=form, units=_units())


@bp.route("/unit/<int:unit_id>", methods=["GET", "POST"])
@access(*READERS)
def edit_unit(unit_id: int):
    unit = of_my_instansi(Unit, unit_id)
    form = _unit_form(unit)
    if form.validate_on_submit() and _save_unit(form, unit):
        flash(gettext("Unit kerja disimpan."), "success")
        return redirect(url_for("org.units"))
    return render_template("org/edit.html", form=form, title=gettext("Ubah unit kerja"), back=url_for("org.units"))


# --- Layanan ----------------------------------------------------------------------------------

def _service_form(service: Service | None = None) -> ServiceForm:
    form = ServiceForm(obj=service)
    form.unit_id.choices = _unit_choices()
    return form


def _save_service(form: ServiceForm, service: Service | None) -> Service | None:
    unit = of_my_instansi(Unit, form.unit_id.data)
    name = form.name.data.strip()
    clash = db.session.scalar(select(Service.id).where(Service.unit_id == unit.id, Service.name == name))
    if clash is not None and (service is None or clash != service.id):
        form.name.errors.append(gettext("Layanan dengan nama ini sudah ada di unit tersebut."))
        return None
    if service is None:
        service = Service()
        db.session.add(service)
    service.unit_id, service.name, service.active = unit.id, name, form.active.data
    db.session.flush()
    return service


def _services():
    return db.session.scalars(
        select(Service).join(Unit).where(Unit.instansi_id == current_user.instansi_id).order_by(Unit.name, Service.name)
    ).all()


@bp.route("/layanan", methods=["GET", "POST"])
@access(*READERS)
def services_list():
    form = _service_form()
    if form.validate_on_submit() and _save_service(form, None):
        flash(gettext("Layanan ditambahkan."), "success")
        return redirect(url_for("org.services_list"))
    return render_template("org/services.html", form=form, services=_services())


@bp.route("/layanan/<int:service_id>", methods=["GET", "POST"])
@access(*READERS)
def edit_service(service_id: int):
    service = of_my_instansi(Service, service_id)
    form = _service_form(service)
    if form.validate_on_submit() and _save_service(form, service):
        flash(gettext("Layanan disimpan."), "success")
        return redirect(url_for("org.services_list"))
    return render_template("org/edit.html", form=form, title=gettext("Ubah layanan"), back=url_for("org.services_list"))


# --- Loket ------------------------------------------------------------------------------------

def _counter_form(counter: Counter | None = None) -> CounterForm:
    form = CounterForm(obj=counter)
    form.unit_id.choices = _unit_choices()
    form.service_id.choices = [(0, str(_l("— belum ditentukan —")))] + [
        (s.id, f"{s.unit.code} · {s.name}") for s in _services()
    ]
    return form


def _save_counter(form: CounterForm, counter: Counter | None) -> Counter | None:
    unit = of_my_instansi(Unit, form.unit_id.data)
    code = form.code.data.strip().upper()
    clash = db.session.scalar(select(Counter.id).where(Counter.code == code))
    if clash is not None and (counter is None or clash != counter.id):
        form.code.errors.append(gettext("Kode loket sudah dipakai."))
        return None
    service_id = form.service_id.data or None
    if service_id:
        service = of_my_instansi(Service, service_id)
        if service.unit_id != unit.id:
            form.service_id.errors.append(gettext("Layanan harus milik unit kerja loket ini."))
            return None
    if counter is None:
        counter = Counter()
        db.session.add(counter)
    counter.code, counter.name, counter.unit_id, counter.service_id = code, form.name.data.strip(), unit.id, service_id
    counter.location, counter.active = (form.location.data or "").strip(), form.active.data
    if form.opened_on.data or counter.opened_on is None:
        counter.opened_on = form.opened_on.data or today(current_user.instansi.tz)
    db.session.flush()
    return counter


def _counters():
    return db.session.scalars(
        select(Counter).join(Unit).where(Unit.instansi_id == current_user.instansi_id).order_by(Unit.name, Counter.code)
    ).all()


@bp.route("/loket", methods=["GET", "POST"])
@access(*READERS)
def counters():
    form = _counter_form()
    if form.validate_on_submit() and _save_counter(form, None):
        flash(gettext("Loket ditambahkan."), "success")
        return redirect(url_for("org.counters"))
    return render_template("org/counters.html", form=form, counters=_counters())


@bp.route("/loket/<int:counter_id>", methods=["GET", "POST"])
@access(*READERS)
def edit_counter(counter_id: int):
    counter = of_my_instansi(Counter, counter_id)
    form = _counter_form(counter)
    if request.method == "GET":
        form.service_id.data = counter.service_id or 0
    if form.validate_on_submit() and _save_counter(form, counter):
        flash(gettext("Loket disimpan."), "success")
        return redirect(url_for("org.counters"))
    return render_template("org/edit.html", form=form, title=gettext("Ubah loket"), back=url_for("org.counters"))


# --- Pegawai ----------------------------------------------------------------------------------

def _employee_form(employee: Employee | None = None) -> EmployeeForm:
    form = EmployeeForm(obj=employee)
    form.unit_id.choices = _unit_choices()
    form.supervisor_id.choices = employee_choices(current_user.instansi_id, blank=str(_l("— tidak ada —")),
                                                  exclude=employee.id if employee else None)
    if employee is not None and request.method == "GET":
        form.supervisor_id.data = employee.supervisor_id or 0
    return form


def _save_employee(form: EmployeeForm, employee: Employee | None) -> Employee | None:
    try:
        nip = validate_nip(form.nip.data)
    except InvalidNip as error:
        form.nip.errors.append(say(error))
        return None
    clash = db.session.scalar(select(Employee.id).where(Employee.instansi_id == current_user.instansi_id,
                                                        Employee.nip == nip))
    if clash is not None and (employee is None or clash != employee.id):
        form.nip.errors.append(gettext("NIP sudah terdaftar."))
        return None
    unit = of_my_instansi(Unit, form.unit_id.data)
    supervisor = of_my_instansi(Employee, form.supervisor_id.data) if form.supervisor_id.data else None
    before = None
    if employee is None:
        employee = Employee(instansi_id=current_user.instansi_id)
        db.session.add(employee)
    else:
        before = services.org_chart(employee)
        if supervisor is not None:
            try:
                services.check_supervisor(employee, supervisor)
            except services.OrgError as error:
                form.supervisor_id.errors.append(say(error))
                return None
    employee.nip, employee.name, employee.jabatan = nip, form.name.data.strip(), (form.jabatan.data or "").strip()
    employee.unit_id, employee.supervisor_id, employee.job_group = unit.id, supervisor.id if supervisor else None, form.job_group.data
    employee.email, employee.is_unit_head, employee.active = form.email.data or None, form.is_unit_head.data, form.active.data
    db.session.flush()
    services.audit_employee(employee, before, current_user)
    return employee


@bp.route("/pegawai", methods=["GET", "POST"])
@access(*READERS)
def employees():
    form = _employee_form()
    if form.validate_on_submit() and _save_employee(form, None):
        flash(gettext("Pegawai ditambahkan."), "success")
        return redirect(url_for("org.employees"))
    query = (request.args.get("q") or "").strip()
    unit_id = request.args.get("unit", type=int)
    page = max(1, request.args.get("page", 1, type=int))
    stmt = select(Employee).where(Employee.instansi_id == current_user.instansi_id)
    if query:
        stmt = stmt.where(or_(
            Employee.name.ilike(f"%{query}%"), Employee.jabatan.ilike(f"%{query}%"),
            Employee.nip.like(f"{query.replace(' ', '')}%"),
        ))
    if unit_id:
        stmt = stmt.where(Employee.unit_id == unit_id)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(stmt.order_by(Employee.name).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    pages = max(1, -(-total // PAGE_SIZE))
    return render_template(
        "org/employees.html", form=form, employees=rows, total=total, page=page, pages=pages,
        query=query, unit_id=unit_id, units=_units(),
    )


@bp.route("/pegawai/<int:employee_id>", methods=["GET", "POST"])
@access(*READERS)
def edit_employee(employee_id: int):
    employee = of_my_instansi(Employee, employee_id)
    form = _employee_form(employee)
    if form.validate_on_submit() and _save_employee(form, employee):
        flash(gettext("Data pegawai disimpan."), "success")
        return redirect(url_for("org.employees"))
    return render_template("org/edit.html", form=form, title=gettext("Ubah data pegawai"), back=url_for("org.employees"))


@bp.route("/pegawai/impor", methods=["GET", "POST"])
@access(*MANAGERS)
def import_employees():
    """Step 1: upload; the answer is a preview of what the file would add, change and deactivate.
    Nothing is written here."""
    form = ImportForm()
    problems = []
    if form.validate_on_submit():
        data = form.file.data.read()
        try:
            result = import_preview.preview(_instansi(), data, actor=current_user)
        except services.ImportRejected as error:
            rollback_request()
            problems = [(p.row, gettext(p.message, **p.params)) for p in error.problems]
            flash(say(error), "error")
        except (TableError, services.OrgError) as error:
            rollback_request()
            flash(say(error), "error")
        else:
            import_preview.keep(current_user.instansi_id, data)
            return _render_preview(result)
    return render_template("org/import.html", form=form, problems=problems)


def _render_preview(result, status: int = 200, stale: bool = False):
    form = ImportConfirmForm(formdata=None, sha256=result.sha256,
                             digest=import_preview.signature(current_user.instansi_id, current_user.id, result))
    return render_template("org/import_preview.html", preview=result, form=form, stale=stale,
                           labels=import_preview.FIELDS), status


@bp.route("/pegawai/impor/terapkan", methods=["POST"])
@access(*MANAGERS)
def apply_import():
    """Step 2: the preview's confirming POST. Applies the kept file only when it still does exactly
    what the preview showed; otherwise 409 with the new preview."""
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        flash(gettext("Konfirmasi impor tidak sah. Unggah berkas sekali lagi."), "error")
        return redirect(url_for("org.import_employees"))
    instansi = _instansi()
    data = import_preview.kept(instansi.id, form.sha256.data)
    if data is None:
        flash(gettext("Berkas impor tidak ditemukan lagi. Unggah berkas sekali lagi."), "error")
        return redirect(url_for("org.import_employees"))
    try:
        result = import_preview.preview(instansi, data, actor=current_user)
    except (services.ImportRejected, TableError, services.OrgError) as error:
        rollback_request()
        problems = [(p.row, gettext(p.message, **p.params)) for p in getattr(error, "problems", [])]
        flash(say(error), "error")
        return render_template("org/import.html", form=ImportForm(), problems=problems), 409
    if not import_preview.matches(instansi.id, current_user.id, result, form.digest.data):
        flash(gettext("Data pegawai berubah sejak pratinjau ditampilkan. Tidak ada yang disimpan; "
                      "periksa pratinjau baru ini."), "error")
        return _render_preview(result, 409, stale=True)
    summary = services.import_employees(instansi, read_table(data, services.EMPLOYEE_ALIASES), actor=current_user)
    import_preview.forget(instansi.id, result.sha256)
    flash(gettext(
        "Impor selesai: %(created)d ditambahkan, %(updated)d diperbarui, %(unchanged)d tidak berubah.",
        created=summary.created, updated=summary.updated, unchanged=summary.unchanged,
    ), "success")
    added = [a["nip"] for a in result.added]
    return redirect(url_for("account_admin.import_result", nip=added) if added else url_for("org.employees"))


@bp.route("/pegawai/impor/templat.csv")
@access(*MANAGERS)
def import_template():
    response = Response(import_preview.template_csv(), mimetype="text/csv")
    response.headers.set("Content-Disposition", "attachment", filename="templat-impor-pegawai.csv")
    return response


# --- Jadwal tugas -----------------------------------------------------------------------------

@bp.route("/jadwal", methods=["GET", "POST"])
@access(*READERS)
def roster():
    form = RosterForm()
    form.counter_id.choices = [(c.id, f"{c.code} · {c.name}") for c in _counters() if c.active]
    form.employee_id.choices = employee_choices(current_user.instansi_id)
    if form.validate_on_submit():
        counter = of_my_instansi(Counter, form.counter_id.data)
        employee = of_my_instansi(Employee, form.employee_id.data)
        services.add_shift(counter, employee, actor=current_user,
                           weekday=int(form.weekday.data) if form.weekday.data else None,
                           start_time=form.start_time.data, end_time=form.end_time.data,
                           valid_from=form.valid_from.data, valid_to=form.valid_to.data)
        flash(gettext("Jadwal tugas ditambahkan."), "success")
        return redirect(url_for("org.roster"))
    entries = db.session.scalars(
        select(RosterEntry).join(Counter).join(Unit).where(Unit.instansi_id == current_user.instansi_id)
        .order_by(Counter.code, RosterEntry.weekday, RosterEntry.start_time)
    ).all()
    weekdays = dict(WEEKDAY_CHOICES)
    return render_template("org/roster.html", form=form, entries=entries, weekdays=weekdays,
                           today=today(current_user.instansi.tz))


@bp.route("/jadwal/<int:entry_id>/hapus", methods=["POST"])
@access(*MANAGERS)
def delete_roster_entry(entry_id: int):
    """End a shift (it stays in the history, so past rosters stay checkable)."""
    entry = of_my_instansi(RosterEntry, entry_id)
    if services.end_shift(entry, today(current_user.instansi.tz), actor=current_user) is None:
        flash(gettext("Jadwal tugas yang belum berjalan dihapus."), "success")
    else:
        flash(gettext("Jadwal tugas diakhiri per %(day)s.", day=entry.valid_to.isoformat()), "success")
    return redirect(url_for("org.roster"))

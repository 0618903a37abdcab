"""The admin's pages for user accounts: create an account, link it to an employee, set its roles,
reset its password, deactivate it."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from portal.access import access, of_my_instansi
from portal import clock
from portal.accounts import bulk, services
from portal.accounts.forms import UserForm
from portal.accounts.models import ADMIN, HR, User
from portal.extensions import db
from portal.forms import EmptyForm
from portal.org.forms import employee_choices
from portal.org.models import Employee

bp = Blueprint("account_admin", __name__, template_folder="templates")


def _user_form(user: User | None = None) -> UserForm:
    form = UserForm(obj=user)
    form.employee_id.choices = employee_choices(current_user.instansi_id, blank=str(_l("— bukan pegawai —")))
    if user is not None and request.method == "GET":
        form.roles.data = sorted(user.roles)
        form.employee_id.data = user.employee_id or 0
    return form


def _save_user(form: UserForm, user: User | None) -> User | None:
    username = form.username.data.strip().lower()
    clash = db.session.scalar(select(User.id).where(User.username == username))
    if clash is not None and (user is None or clash != user.id):
        form.username.errors.append(gettext("Nama pengguna sudah dipakai."))
        return None
    employee = of_my_instansi(Employee, form.employee_id.data) if form.employee_id.data else None
    if employee is not None:
        holder = db.session.scalar(select(User.id).where(User.employee_id == employee.id))
        if holder is not None and (user is None or holder != user.id):
            form.employee_id.errors.append(gettext("Pegawai ini sudah memiliki akun."))
            return None
    password = form.password.data or ""
    if user is None and not password:
        form.password.errors.append(gettext("Kata sandi awal wajib diisi untuk akun baru."))
        return None
    if password:
        problem = services.password_problem(password, username=username)
        if problem:
            form.password.errors.append(gettext(problem[0], **problem[1]))
            return None
    roles = set(form.roles.data)
    if user is not None and user.id == current_user.id and ADMIN not in roles:
        form.roles.errors.append(gettext("Anda tidak dapat mencabut peran admin dari akun Anda sendiri."))
        return None
    # An admin cannot lock themself out.
    active = form.active.data if user is None or user.id != current_user.id else True
    if user is None:
        user = services.create_user(
            instansi_id=current_user.instansi_id, username=username, password=password, roles=roles,
            display_name=form.display_name.data.strip(), employee=employee, active=active, actor=current_user,
        )
    else:
        user.username, user.display_name = username, form.display_name.data.strip()
        services.link_employee(user, employee, actor=current_user)
        services.set_roles(user, roles, actor=current_user)
        services.set_active(user, active, actor=current_user)
        if password:
            services.set_password_for(user, password, actor=current_user)
    return user


@bp.route("/organisasi/pengguna", methods=["GET", "POST"])
@access(ADMIN)
def users():
    form = _user_form()
    if form.validate_on_submit() and _save_user(form, None):
        flash(gettext("Akun dibuat."), "success")
        return redirect(url_for("account_admin.users"))
    accounts = db.session.scalars(
        select(User).where(User.instansi_id == current_user.instansi_id).order_by(User.username)
    ).all()
    return render_template("accounts/users.html", form=form, accounts=accounts)


@bp.route("/organisasi/pengguna/<int:user_id>", methods=["GET", "POST"])
@access(ADMIN)
def edit_user(user_id: int):
    user = of_my_instansi(User, user_id)
    form = _user_form(user)
    if form.validate_on_submit() and _save_user(form, user):
        flash(gettext("Akun disimpan."), "success")
        return redirect(url_for("account_admin.users"))
    return render_template("org/edit.html", form=form, title=gettext("Ubah akun"), back=url_for("account_admin.users"))


@bp.route("/organisasi/pengguna/massal", methods=["GET", "POST"])
@access(ADMIN, HR)
def bulk_accounts():
    """Accounts for every active employee without one; the first passwords come back once, as a CSV."""
    form = EmptyForm()
    if form.validate_on_submit():
        # From the import's result page: only the employees ticked there.
        chosen = request.form.getlist("nip") if request.form.get("selected") == "1" else None
        created = bulk.create_employee_accounts(current_user.instansi, actor=current_user, nips=chosen)
        if not created:
            flash(gettext("Semua pegawai aktif sudah memiliki akun."), "info")
            return redirect(url_for("account_admin.bulk_accounts"))
        name = f"akun-awal-{clock.today(current_user.instansi.tz).isoformat()}.csv"
        response = Response(bulk.accounts_csv(created), mimetype="text/csv")
        response.headers.set("Content-Disposition", "attachment", filename=name)
        return response
    return render_template("accounts/bulk.html", form=form, waiting=bulk.count_without_account(current_user.instansi_id))


@bp.route("/organisasi/pegawai/impor/hasil")
@access(HR, ADMIN)
def import_result():
    """After an employee import (portal/org/views.py): the employees it added, with the button that
    creates their accounts. It lives here because accounts know employees, not the other way."""
    nips = request.args.getlist("nip")[:5000]
    employees = db.session.scalars(select(Employee).where(
        Employee.instansi_id == current_user.instansi_id, Employee.nip.in_(nips)).order_by(Employee.name)).all()
    with_account = set(db.session.scalars(select(User.employee_id).where(
        User.employee_id.in_([e.id for e in employees])))) if employees else set()
    return render_template("org/import_result.html", employees=employees, with_account=with_account,
                           form=EmptyForm())

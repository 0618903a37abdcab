"""Accounts in bulk for employees who have none (after an import), each with a first password
that the employee must replace at the first login.

Every employee who can be a 360 rater needs an account: the rater's own login is what proves a
review is theirs. The first passwords are returned once, for HR to hand out, and only their
hashes are stored.
"""
from __future__ import annotations

import io
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from portal.accounts.models import EMPLOYEE, SUPERVISOR, User
from portal.accounts.services import create_user, password_problem
from portal.extensions import db
from portal.org.models import Employee, Instansi
from portal.tabular import write_csv

#: Letters and digits that cannot be mistaken for each other on a printed slip.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
#: The CSV handed to HR: one row per new account. Its columns keep these names and this order.
CSV_HEADER = ["nip", "nama", "unit", "nama_pengguna", "kata_sandi_awal"]


@dataclass(frozen=True)
class NewAccount:
    nip: str
    name: str
    unit: str
    username: str
    first_password: str


def first_password() -> str:
    """Sixteen random characters in four groups (about 79 bits), easy to type from paper."""
    while True:
        groups = ["".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(4)]
        password = "-".join(groups)
        if password_problem(password) is None:
            return password


def _without_account(instansi_id: int):
    has_account = select(User.id).where(User.employee_id == Employee.id).exists()
    return select(Employee).where(Employee.instansi_id == instansi_id, Employee.active.is_(True), ~has_account)


def count_without_account(instansi_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(_without_account(instansi_id).subquery()))


def create_employee_accounts(instansi: Instansi, *, actor, nips=None) -> list[NewAccount]:
    """An account for every active employee of the instansi who has none: username the NIP,
    role `employee` (and `supervisor` for whoever is someone's atasan langsung), a random first
    password that must be changed at the first login. Each creation is audited as `actor`'s. A
    NIP already taken as another account's username is left for the admin to resolve. `nips`: only
    these employees (those an import just added, chosen by HR)."""
    statement = _without_account(instansi.id)
    if nips is not None:
        statement = statement.where(Employee.nip.in_(list(nips)))
    employees = db.session.scalars(statement.order_by(Employee.name, Employee.nip)).all()
    if not employees:
        return []
    taken = set(db.session.scalars(select(User.username).where(User.username.in_([e.nip for e in employees]))))
    report = aliased(Employee)
    supervisors = set(db.session.scalars(
        select(report.supervisor_id).where(report.instansi_id == instansi.id, report.active.is_(True),
                                           report.supervisor_id.is_not(None))))
    created = []
    for employee in employees:
        if employee.nip in taken:
            continue
        password = first_password()
        create_user(instansi_id=instansi.id, username=employee.nip, password=password, display_name=employee.name,
                    roles={EMPLOYEE, SUPERVISOR} if employee.id in supervisors else {EMPLOYEE},
                    employee=employee, actor=actor, generated=True)
        created.append(NewAccount(employee.nip, employee.name, employee.unit.code, employee.nip, password))
    return created


def accounts_csv(accounts: list[NewAccount]) -> str:
    stream = io.StringIO()
    write_csv(stream, CSV_HEADER, ([a.nip, a.name, a.unit, a.username, a.first_password] for a in accounts))
    return stream.getvalue()

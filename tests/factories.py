"""Small factories for tests: realistic objects with valid NIPs."""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, time

from portal.accounts.models import ADMIN, AUDITOR, EMPLOYEE, HR, SUPERVISOR, User, UserRole
from portal.accounts.services import hash_password
from portal.org.models import Counter, Employee, Instansi, RosterEntry, Service, Unit
from surveys.nip import make_nip
from surveys.tickets import new_instansi_key

PASSWORD = "Rahasia-2026"
_HASH = None
_seq = itertools.count(1)


def password_hash() -> str:
    global _HASH
    if _HASH is None:
        _HASH = hash_password(PASSWORD)
    return _HASH


def new_nip(gender: int = 1, year: int = 1985) -> str:
    n = next(_seq)
    return make_nip(date(year, 1 + n % 12, 1 + n % 28), (year + 24, 3), gender, n % 1000)


@dataclass
class SmallOrg:
    instansi: Instansi
    unit: Unit
    other_unit: Unit
    service: Service
    counter: Counter
    head: Employee
    supervisor: Employee
    staff: list[Employee]
    users: dict[str, User]


class Factory:
    def __init__(self, db):
        self.db = db

    def add(self, obj):
        self.db.session.add(obj)
        self.db.session.flush()
        return obj

    def instansi(self, name="Pemerintah Kota Uji", tz="Asia/Makassar") -> Instansi:
        return self.add(Instansi(name=name, timezone=tz, ticket_key=new_instansi_key()))

    def unit(self, instansi, code="DUKCAPIL", name="Dinas Kependudukan dan Pencatatan Sipil", **kw) -> Unit:
        return self.add(Unit(instansi_id=instansi.id, code=code, name=name, **kw))

    def employee(self, unit, name="Pegawai Uji", supervisor=None, **kw) -> Employee:
        kw.setdefault("nip", new_nip())
        kw.setdefault("jabatan", "Pengadministrasi Umum")
        return self.add(Employee(instansi_id=unit.instansi_id, unit_id=unit.id, name=name,
                                 supervisor_id=supervisor.id if supervisor else None, **kw))

    def user(self, instansi, username, roles, employee=None) -> User:
        return self.add(User(
            instansi_id=instansi.id, username=username, employee_id=employee.id if employee else None,
            display_name=employee.name if employee else username.title(), password_hash=password_hash(),
            role_rows=[UserRole(role=r) for r in sorted(roles)],
        ))

    def small_org(self) -> SmallOrg:
        instansi = self.instansi()
        unit = self.unit(instansi)
        other = self.unit(instansi, code="DINKES", name="Dinas Kesehatan")
        service = self.add(Service(unit_id=unit.id, name="KTP elektronik"))
        counter = self.add(Counter(unit_id=unit.id, service_id=service.id, code="UJI01", name="Loket 1",
                                   location="Lantai 1"))
        head = self.employee(unit, "Kepala Dinas Uji", jabatan="Kepala Dinas", is_unit_head=True)
        supervisor = self.employee(unit, "Atasan Uji", supervisor=head, jabatan="Kepala Bidang")
        staff = [self.employee(unit, f"Staf Uji {i}", supervisor=supervisor, job_group="front_line") for i in range(1, 5)]
        hr_employee = self.employee(other, "Petugas HR Uji", jabatan="Analis SDM Aparatur")
        self.add(RosterEntry(counter_id=counter.id, employee_id=staff[0].id, weekday=None,
                             start_time=time(0, 0), end_time=time(23, 59, 59), valid_from=date(2020, 1, 1)))
        users = {
            "admin": self.user(instansi, "admin", {ADMIN}),
            "hr": self.user(instansi, "hr", {HR, EMPLOYEE}, hr_employee),
            "atasan": self.user(instansi, "atasan", {SUPERVISOR, EMPLOYEE}, supervisor),
            "pegawai": self.user(instansi, "pegawai", {EMPLOYEE}, staff[0]),
            "auditor": self.user(instansi, "auditor", {AUDITOR}),
        }
        return SmallOrg(instansi, unit, other, service, counter, head, supervisor, staff, users)

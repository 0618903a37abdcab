"""The demo instansi: Pemerintah Kota Mataram (demo), built idempotently.

Each feature adds its own part (`seed_<feature>`); `seed_demo` runs them in order and every
part leaves existing data alone, so running it again changes nothing. Every part is dated from
one `today` (the instansi's local date): the story is the same on any day, and tests pin it.
"""
from __future__ import annotations

import os
import random
from dataclasses import dataclass
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from portal import clock
from portal.accounts.models import ADMIN, EMPLOYEE, HR, SUPERVISOR, User, UserRole
from portal.accounts.services import hash_password
from portal.demo.appraisal import seed_appraisal
from portal.demo.feedback import DAYS, seed_feedback
from portal.demo.insight import seed_insight
from portal.demo.reviews import seed_reviews
from portal.extensions import db
from portal.org.models import Counter, Employee, Instansi, RosterEntry, Service, Unit
from surveys.nip import make_nip
from surveys.tickets import new_instansi_key

DEMO_NAME = "Pemerintah Kota Mataram (demo)"
DEMO_PASSWORD = "cermin-demo-2026"
#: WITA. The date sweep in the tests also builds the demo in WIB and WIT.
DEMO_TIMEZONE = "Asia/Makassar"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    nip: str | None
    name: str
    note: str


# (code, name, parent code, services, counters: (code, name, service index, location, 24h?))
UNITS = [
    ("BKPSDM", "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia", None,
     ["Layanan kenaikan pangkat", "Layanan cuti dan administrasi ASN"],
     [("BKP01", "Loket Layanan Kepegawaian", 0, "Kantor BKPSDM, Jl. Pejanggik", False)]),
    ("DUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil", None,
     ["KTP elektronik", "Kartu Keluarga", "Akta kelahiran dan kematian", "Surat pindah datang"],
     [("DKP01", "Loket 1 · KTP-el", 0, "Mal Pelayanan Publik Mataram, lantai 1", False),
      ("DKP02", "Loket 2 · Kartu Keluarga", 1, "Mal Pelayanan Publik Mataram, lantai 1", False),
      ("DKP03", "Loket 3 · Akta", 2, "Mal Pelayanan Publik Mataram, lantai 1", False),
      ("DKP04", "Loket 4 · Pindah datang", 3, "Kantor Disdukcapil, Jl. Majapahit", False)]),
    ("DPMPTSP", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", None,
     ["Persetujuan Bangunan Gedung (PBG)", "Pendampingan NIB/OSS", "Izin reklame"],
     [("PTSP01", "Loket Perizinan 1", 0, "Mal Pelayanan Publik Mataram, lantai 2", False),
      ("PTSP02", "Loket Perizinan 2", 1, "Mal Pelayanan Publik Mataram, lantai 2", False)]),
    ("DINKES", "Dinas Kesehatan", None,
     ["Izin praktik tenaga kesehatan"],
     [("DKS01", "Loket Perizinan Kesehatan", 0, "Kantor Dinas Kesehatan, Jl. Bung Karno", False)]),
    ("PKM-AMP", "UPTD Puskesmas Ampenan", "DINKES",
     ["Pendaftaran pasien", "Pelayanan kesehatan ibu dan anak"],
     [("PKM01", "Loket Pendaftaran Rawat Jalan", 0, "Puskesmas Ampenan", False),
      ("PKM02", "Loket Pendaftaran IGD (24 jam)", 0, "Puskesmas Ampenan", True)]),
    ("DISDIK", "Dinas Pendidikan", None,
     ["Legalisir ijazah", "Mutasi siswa"],
     [("DIK01", "Loket Layanan Pendidikan", 0, "Kantor Dinas Pendidikan, Jl. Pendidikan", False)]),
]

FIRST_M = ["Lalu", "I Made", "I Wayan", "Muhammad", "Ahmad", "Rizky", "Hendra", "Agus", "Zulkarnain", "Fauzan",
           "Bayu", "Imam", "Saiful", "Yusuf", "Gede", "Arif", "Hamdani", "Taufik"]
FIRST_F = ["Baiq", "Ni Made", "Ni Luh", "Siti", "Nurul", "Dewi", "Sri", "Rina", "Aisyah", "Fitri", "Hj. Rohana",
           "Wulan", "Indah", "Yuliana", "Ratna", "Putri"]
LAST = ["Suhaimi", "Hidayat", "Pratama", "Wijaya", "Rahman", "Saputra", "Kurniawan", "Maulana", "Hasanah",
        "Lestari", "Yuliani", "Apriani", "Susanti", "Nurhayati", "Sukardi", "Mahsun", "Junaidi", "Ramdhani",
        "Anggraeni", "Zohri", "Arsyad", "Mulyadi", "Sahnan", "Azhar"]

ROLE_NOTES = {
    ADMIN: "admin",
    HR: "hr",
    SUPERVISOR: "atasan",
    EMPLOYEE: "pegawai",
}


def seed_demo(today: date | None = None, *, feedback: bool | None = None, days: int = DAYS,
              timezone: str = DEMO_TIMEZONE) -> list[DemoLogin]:
    """Create the demo instansi if it is missing; return the logins to show.

    Everything happened before `today`, the instansi's local date (by default the clock's, in
    `timezone`). `feedback` adds `days` days of citizen responses (a year by default) when the
    instansi has none yet; by default it follows `CERMIN_DEMO_FEEDBACK` (on unless set to 0).
    `timezone` is the new instansi's (WITA; the tests' date sweep uses WIB and WIT too).
    """
    today = today or clock.today(ZoneInfo(timezone))
    instansi = db.session.scalar(select(Instansi).where(Instansi.name == DEMO_NAME))
    if instansi is None:
        instansi = _seed_org(today, timezone)
    db.session.flush()
    if feedback is None:
        feedback = os.environ.get("CERMIN_DEMO_FEEDBACK", "1").strip() != "0"
    if feedback:
        seed_feedback(instansi, today, days)
    seed_reviews(instansi, today)
    seed_appraisal(instansi, today)
    seed_insight(instansi, today)
    return demo_logins(instansi)


def demo_logins(instansi: Instansi) -> list[DemoLogin]:
    logins = []
    for role, username in ROLE_NOTES.items():
        user = db.session.scalar(select(User).where(User.username == username, User.instansi_id == instansi.id))
        if user is not None:
            nip = user.employee.nip if user.employee else None
            jabatan = user.employee.jabatan if user.employee else "Administrator sistem"
            logins.append(DemoLogin(role, username, nip, user.display_name, jabatan))
    return logins


def _seed_org(today: date | None = None, timezone: str = DEMO_TIMEZONE) -> Instansi:
    today = today or clock.today(ZoneInfo(timezone))
    rng = random.Random(20261122)
    instansi = Instansi(
        name=DEMO_NAME, timezone=timezone, ticket_key=new_instansi_key(), org_predikat="Baik",
        retention_days=730,
    )
    db.session.add(instansi)
    db.session.flush()

    units: dict[str, Unit] = {}
    counters: dict[str, list[tuple[Counter, bool]]] = {}
    for code, name, parent, service_names, counter_specs in UNITS:
        unit = Unit(instansi_id=instansi.id, code=code, name=name, parent=units.get(parent), publish_results=True)
        db.session.add(unit)
        units[code] = unit
        service_rows = [Service(unit=unit, name=s) for s in service_names]
        db.session.add_all(service_rows)
        counters[code] = []
        for ccode, cname, service_index, location, all_day in counter_specs:
            counter = Counter(unit=unit, service=service_rows[service_index], code=ccode, name=cname, location=location)
            db.session.add(counter)
            counters[code].append((counter, all_day))
    db.session.flush()

    used_names: set[str] = set()
    sequence = iter(range(1, 1000))

    def person(jabatan: str, unit: Unit, supervisor: Employee | None, job_group: str = "back_office",
               head: bool = False) -> Employee:
        gender = rng.choice((1, 2))
        while True:
            first = rng.choice(FIRST_M if gender == 1 else FIRST_F)
            name = f"{first} {rng.choice(LAST)}"
            if name not in used_names:
                used_names.add(name)
                break
        senior = head or jabatan.startswith(("Kepala", "Sekretaris"))
        birth_year = rng.randint(1968, 1978) if senior else rng.randint(1980, 1997)
        birth = date(birth_year, rng.randint(1, 12), rng.randint(1, 28))
        tmt = (birth_year + rng.randint(23, 28), rng.choice((1, 3, 4, 12)))
        employee = Employee(
            instansi_id=instansi.id, nip=make_nip(birth, tmt, gender, next(sequence)), name=name,
            jabatan=jabatan, unit=unit, supervisor=supervisor, job_group=job_group, is_unit_head=head,
            email=f"{name.lower().replace(' ', '.').replace('hj..', '')}@demo.mataramkota.go.id",
        )
        db.session.add(employee)
        return employee

    sekda = person("Sekretaris Daerah", units["BKPSDM"], None)
    heads: dict[str, Employee] = {}
    for code, name, parent, *_rest in UNITS:
        title = "Kepala UPTD Puskesmas Ampenan" if code == "PKM-AMP" else f"Kepala {name}"
        boss = heads.get(parent) if parent else sekda
        heads[code] = person(title, units[code], boss, head=True)

    roster: list[tuple[Counter, Employee, bool]] = []
    staff_plan = {
        "BKPSDM": [("Kepala Bidang Penilaian Kinerja dan Penghargaan", ["Analis SDM Aparatur", "Analis SDM Aparatur",
                    "Pranata SDM Aparatur", "Pengelola Data Kepegawaian"]),
                   ("Kepala Bidang Mutasi dan Promosi", ["Analis Jabatan", "Pengadministrasi Kepegawaian",
                    "Pengadministrasi Kepegawaian"])],
        "DUKCAPIL": [("Kepala Bidang Pelayanan Pendaftaran Penduduk", ["Pengadministrasi Kependudukan"] * 4 +
                      ["Operator Perekaman KTP-el", "Operator Perekaman KTP-el"]),
                     ("Kepala Bidang Pelayanan Pencatatan Sipil", ["Analis Pencatatan Sipil", "Pengadministrasi Pencatatan Sipil",
                      "Pengadministrasi Pencatatan Sipil", "Verifikator Akta"])],
        "DPMPTSP": [("Kepala Bidang Pelayanan Perizinan", ["Analis Perizinan", "Analis Perizinan", "Pengelola Layanan Perizinan",
                     "Petugas Front Office", "Petugas Front Office", "Petugas Front Office", "Pengawas Perizinan"])],
        "DINKES": [("Kepala Bidang Sumber Daya Kesehatan", ["Analis Perizinan Kesehatan", "Pengadministrasi Umum",
                    "Epidemiolog Kesehatan", "Administrator Kesehatan", "Pengadministrasi Umum"])],
        "PKM-AMP": [("Kepala Sub Bagian Tata Usaha", ["Perekam Medis", "Perekam Medis", "Perawat Terampil", "Bidan Terampil",
                     "Perawat Terampil", "Petugas Pendaftaran"])],
        "DISDIK": [("Kepala Bidang Pembinaan SD", ["Analis Kurikulum", "Pengadministrasi Umum", "Pengelola Data Pendidikan", "Pengawas Sekolah", "Pranata Komputer"]),
                   ("Kepala Bidang Pembinaan SMP", ["Analis Kurikulum", "Pengadministrasi Umum"])],
    }
    frontline_titles = ("Pengadministrasi Kependudukan", "Operator Perekaman", "Pengadministrasi Pencatatan",
                        "Petugas Front Office", "Pengelola Layanan Perizinan", "Perekam Medis", "Petugas Pendaftaran",
                        "Pengadministrasi Kepegawaian", "Pengadministrasi Umum", "Analis Perizinan Kesehatan")
    for code, groups in staff_plan.items():
        unit = units[code]
        frontline: list[Employee] = []
        for leader_title, member_titles in groups:
            leader = person(leader_title, unit, heads[code])
            for title in member_titles:
                job_group = "front_line" if title.startswith(frontline_titles) else "back_office"
                member = person(title, unit, leader, job_group=job_group)
                if job_group == "front_line":
                    frontline.append(member)
        unit_counters = counters[code]
        for index, officer in enumerate(frontline):
            counter, all_day = unit_counters[index % len(unit_counters)]
            roster.append((counter, officer, all_day))
    db.session.flush()

    # Before the twelve months of demo feedback, so every response finds its officer on duty.
    start = date((today - timedelta(days=DAYS)).year, 1, 1)
    for counter, officer, all_day in roster:
        if all_day:
            db.session.add(RosterEntry(counter=counter, employee=officer, weekday=None,
                                       start_time=time(0, 0), end_time=time(23, 59, 59), valid_from=start))
            continue
        for weekday in range(5):
            end = time(11, 30) if weekday == 4 else time(15, 30)
            db.session.add(RosterEntry(counter=counter, employee=officer, weekday=weekday,
                                       start_time=time(7, 30), end_time=end, valid_from=start))
        if counter.unit.code in ("DUKCAPIL", "DPMPTSP"):
            # The Mal Pelayanan Publik opens on Saturday morning.
            db.session.add(RosterEntry(counter=counter, employee=officer, weekday=5,
                                       start_time=time(8, 0), end_time=time(12, 0), valid_from=start))

    _seed_accounts(instansi, heads, roster)
    return instansi


def _seed_accounts(instansi: Instansi, heads: dict[str, Employee], roster) -> None:
    password_hash = hash_password(DEMO_PASSWORD)
    employees = db.session.scalars(select(Employee).where(Employee.instansi_id == instansi.id).order_by(Employee.id)).all()
    supervisors = {e.supervisor_id for e in employees if e.supervisor_id}
    bkpsdm = [e for e in employees if e.unit.code == "BKPSDM" and e.jabatan.startswith(("Analis SDM", "Kepala Bidang Penilaian"))]
    special = {
        heads["DUKCAPIL"].id: "atasan",
        bkpsdm[0].id: "hr",
        next(officer.id for counter, officer, _ in roster if counter.code == "DKP01"): "pegawai",
    }
    hr_ids = {e.id for e in bkpsdm}
    for employee in employees:
        roles = {EMPLOYEE}
        if employee.id in supervisors:
            roles.add(SUPERVISOR)
        if employee.id in hr_ids:
            roles.add(HR)
        db.session.add(User(
            instansi_id=instansi.id, username=special.get(employee.id, employee.nip), employee=employee,
            display_name=employee.name, password_hash=password_hash,
            role_rows=[UserRole(role=r) for r in sorted(roles)],
        ))
    db.session.add(User(
        instansi_id=instansi.id, username="admin", display_name="Administrator Cermin", password_hash=password_hash,
        role_rows=[UserRole(role=ADMIN)],
    ))
    db.session.flush()

"""The demo's appraisal period, made through the appraisal services the way HR and the Pejabat
Penilai would.

"Penilaian Kinerja Tahunan <year>" covers the twelve months up to the demo's `today` and the
released 360 cycle (when the demo has it), with front-line and back-office weights. HR merged
it; then:

- BKPSDM's Bidang Penilaian Kinerja is done: confirmed by its Kepala Bidang and finalised by HR;
- Dukcapil's Bidang Pelayanan Pendaftaran Penduduk (the demo `pegawai`'s team) is confirmed, two
  of it finalised; one officer's rating perilaku was raised above the suggestion, with a reason;
- DPMPTSP's front office has its hasil kerja entered but awaits confirmation;
- everything else is a draft, including the two Dukcapil bidang heads who wait for `atasan`.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from portal.accounts.models import User
from portal.appraisal.merge import merge
from portal.appraisal.periods import create_period
from portal.appraisal.workflow import confirm, finalise, set_hasil_kerja
from portal.appraisal.models import AppraisalPeriod, AppraisalRecord
from portal.demo.reviews import released_name
from portal.extensions import db
from portal.org.models import Employee, Instansi, Unit
from portal.reviews.models import ReviewCycle
from surveys.appraisal import Rating

WEIGHTS = {
    "front_line": {"citizen": 30, "atasan": 40, "rekan": 20, "bawahan": 10, "self": 0},
    "back_office": {"citizen": 0, "atasan": 50, "rekan": 30, "bawahan": 20, "self": 0},
}
FINALISED_TEAM = ("BKPSDM", "Kepala Bidang Penilaian Kinerja dan Penghargaan")
CONFIRMED_TEAM = ("DUKCAPIL", "Kepala Bidang Pelayanan Pendaftaran Penduduk")
HASIL_ONLY_TEAM = ("DPMPTSP", "Kepala Bidang Pelayanan Perizinan")
OVERRIDE_REASON = ("Skor masyarakat turun karena antrean panjang saat blangko KTP-el habis, bukan karena "
                   "perilaku petugas; ia tetap melayani dengan sopan dan membantu warga mengurus surat keterangan.")


def period_name(today: date) -> str:
    """The demo period's name, for a demo built on `today`."""
    return f"Penilaian Kinerja Tahunan {today.year}"


def seed_appraisal(instansi: Instansi, today: date) -> AppraisalPeriod | None:
    """Add the demo period, ending on `today`, with merged, partly confirmed and partly finalised
    records, unless the instansi has an appraisal period already."""
    if db.session.scalar(select(AppraisalPeriod.id).where(AppraisalPeriod.instansi_id == instansi.id)):
        return None
    cycle = db.session.scalar(select(ReviewCycle).where(
        ReviewCycle.instansi_id == instansi.id, ReviewCycle.name == released_name(today),
        ReviewCycle.state == "released"))
    period = create_period(
        instansi, period_name(today), "tahunan", today - timedelta(days=364), today, [cycle.id] if cycle else [],
        WEIGHTS, (Decimal(80), Decimal(60)), 10, ["U6", "U7"])
    hr = _user(instansi, "hr")
    merge(period, hr)

    for team, decide in ((FINALISED_TEAM, "finalise"), (CONFIRMED_TEAM, "confirm"), (HASIL_ONLY_TEAM, "hasil")):
        leader = _leader(instansi, *team)
        if leader is None:
            continue
        penilai = _user_of(leader)
        records = _records(period, leader)
        for index, record in enumerate(records):
            hasil = _hasil(index)
            if decide == "hasil":
                set_hasil_kerja(record, penilai, hasil)
                continue
            suggested = record.rating_perilaku_suggested
            perilaku, reason = suggested or Rating.SESUAI.value, None
            if decide == "confirm" and index == 1 and suggested != Rating.DI_ATAS.value:
                perilaku, reason = _one_better(suggested), OVERRIDE_REASON
            confirm(record, penilai, perilaku, reason, hasil)
            if decide == "finalise" or index >= len(records) - 2:
                finalise(record, hr)
    db.session.flush()
    return period


def _user(instansi: Instansi, username: str) -> User | None:
    return db.session.scalar(select(User).where(User.instansi_id == instansi.id, User.username == username))


def _user_of(employee: Employee) -> User | None:
    return db.session.scalar(select(User).where(User.employee_id == employee.id))


def _leader(instansi: Instansi, unit_code: str, jabatan: str) -> Employee | None:
    return db.session.scalar(select(Employee).join(Unit).where(
        Unit.instansi_id == instansi.id, Unit.code == unit_code, Employee.jabatan == jabatan))


def _records(period: AppraisalPeriod, leader: Employee) -> list[AppraisalRecord]:
    return list(db.session.scalars(select(AppraisalRecord).join(Employee, Employee.id == AppraisalRecord.employee_id)
                                   .where(AppraisalRecord.period_id == period.id,
                                          Employee.supervisor_id == leader.id)
                                   .order_by(Employee.id)))


def _hasil(index: int) -> str:
    """Mostly as expected, one in four above."""
    return (Rating.DI_ATAS if index % 4 == 0 else Rating.SESUAI).value


def _one_better(rating: str | None) -> str:
    return Rating.SESUAI.value if rating in (None, Rating.DI_BAWAH.value) else Rating.DI_ATAS.value

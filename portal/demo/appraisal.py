"""The demo's appraisal period, made through the appraisal services the way HR, the Pejabat
Penilai and the employees would, on the days they would (the clock is set back for each step).

"Penilaian Kinerja Tahunan <year>" covers the twelve months up to the demo's `today` and the
released 360 cycle (when the demo has it), with front-line and back-office weights. HR merged
it 25 days before `today`; then:

- BKPSDM's Bidang Penilaian Kinerja is done: confirmed 20 days ago by its Kepala Bidang (the demo
  `hr`), and after the objection window finalised by another HR user, never the confirmer and
  never the employee themself;
- Dukcapil's Bidang Pelayanan Pendaftaran Penduduk (the demo `pegawai`'s team) is confirmed: two
  records 20 days ago and finalised by `hr` since, the rest 3 days ago, so `pegawai` can still
  object; one officer's rating perilaku was raised above the suggestion, with a reason, and one
  officer objected yesterday: the keberatan waits for `atasan`, the Atasan Pejabat Penilai;
- DPMPTSP's front office has its hasil kerja entered but awaits confirmation;
- everything else is a draft, including the two Dukcapil bidang heads who wait for `atasan`.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from portal import clock
from portal.accounts.models import HR, User, UserRole
from portal.appraisal.merge import merge
from portal.appraisal.models import AppraisalPeriod, AppraisalRecord
from portal.appraisal.objections import file_objection
from portal.appraisal.periods import create_period
from portal.appraisal.workflow import confirm, finalise, set_hasil_kerja
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
#: Days before the demo's today: the merge, the confirmations whose objection window is over and
#: their finalisation, and the recent steps.
MERGED, CONFIRMED_LONG_AGO, FINALISED, RECENTLY = 25, 20, 5, 3
OBJECTION_REASON = ("Saya melayani antrean KTP-el sendirian selama dua bulan saat rekan cuti, dan tidak ada "
                    "keluhan warga atas perilaku saya. Mohon penilaian hasil kerja saya ditinjau kembali.")
OVERRIDE_REASON = ("Skor masyarakat turun karena antrean panjang saat blangko KTP-el habis, bukan karena "
                   "perilaku petugas; ia tetap melayani dengan sopan dan membantu warga mengurus surat keterangan.")


def period_name(today: date) -> str:
    """The demo period's name, for a demo built on `today`."""
    return f"Penilaian Kinerja Tahunan {today.year}"


def seed_appraisal(instansi: Instansi, today: date) -> AppraisalPeriod | None:
    """Add the demo period, ending on `today`, with merged, partly confirmed and partly finalised
    records, and one objection waiting for its decision, unless the instansi has an appraisal
    period already. Each step happens on its own day before `today` (the clock is set back)."""
    if db.session.scalar(select(AppraisalPeriod.id).where(AppraisalPeriod.instansi_id == instansi.id)):
        return None
    cycle = db.session.scalar(select(ReviewCycle).where(
        ReviewCycle.instansi_id == instansi.id, ReviewCycle.name == released_name(today),
        ReviewCycle.state == "released"))

    def days_ago(days: int):
        """The clock at 10:00 local time, `days` before the demo's today."""
        return clock.frozen(datetime.combine(today - timedelta(days=days), time(10), instansi.tz))

    hr = _user(instansi, "hr")
    with days_ago(MERGED):
        period = create_period(
            instansi, period_name(today), "tahunan", today - timedelta(days=364), today, [cycle.id] if cycle else [],
            WEIGHTS, (Decimal(80), Decimal(60)), 10, ["U6", "U7"], user=hr)
        merge(period, hr)
    pegawai = _user(instansi, "pegawai")
    objector = None
    for team, decide in ((FINALISED_TEAM, "finalise"), (CONFIRMED_TEAM, "confirm"), (HASIL_ONLY_TEAM, "hasil")):
        leader = _leader(instansi, *team)
        if leader is None:
            continue
        penilai = _user_of(leader)
        records = _records(period, leader)
        for index, record in enumerate(records):
            hasil = _hasil(index)
            if decide == "hasil":
                with days_ago(RECENTLY):
                    set_hasil_kerja(record, penilai, hasil)
                continue
            suggested = record.rating_perilaku_suggested
            perilaku, reason = suggested or Rating.SESUAI.value, None
            if decide == "confirm" and index == 1 and suggested != Rating.DI_ATAS.value:
                perilaku, reason = _one_better(suggested), OVERRIDE_REASON
            own = pegawai is not None and record.employee_id == pegawai.employee_id
            finalised = decide == "finalise" or (index >= len(records) - 2 and not own)
            with days_ago(CONFIRMED_LONG_AGO if finalised else RECENTLY):
                confirm(record, penilai, perilaku, reason, hasil)
            if finalised:
                with days_ago(FINALISED):
                    finalise(record, _finaliser(instansi, record))
            elif decide == "confirm" and objector is None and not own and index != 1:
                objector = record
    if objector is not None:
        with days_ago(1):
            file_objection(objector, _user_of(objector.employee), OBJECTION_REASON)
    db.session.flush()
    return period


def _finaliser(instansi: Instansi, record: AppraisalRecord) -> User:
    """An HR user who neither confirmed the record nor is its employee: `hr` when it may."""
    for user in db.session.scalars(select(User).join(UserRole).where(
            User.instansi_id == instansi.id, UserRole.role == HR).order_by(User.username != "hr", User.id)):
        if user.id != record.confirmed_by_id and user.employee_id != record.employee_id:
            return user
    raise LookupError("the demo needs a second HR user")


def _user(instansi: Instansi, username: str) -> User | None:
    return db.session.scalar(select(User).where(User.instansi_id == instansi.id, User.username == username))


def _user_of(employee: Employee) -> User | None:
    return db.session.scalar(select(User).where(User.employee_id == employee.id))


def _leader(instansi: Instansi, unit_code: str, jabatan: str) -> Employee | None:
    return db.session.scalar(select(Employee).join(Unit).where(
        Unit.instansi_id == instansi.id, Unit.code == unit_code, Employee.jabatan == jabatan))


def _records(period: AppraisalPeriod, leader: Employee) -> list[AppraisalRecord]:
    return list(db.session.scalars(select(AppraisalRecord).where(
        AppraisalRecord.period_id == period.id, AppraisalRecord.penilai_id == leader.id)
        .order_by(AppraisalRecord.employee_id)))


def _hasil(index: int) -> str:
    """Mostly as expected, one in four above."""
    return (Rating.DI_ATAS if index % 4 == 0 else Rating.SESUAI).value


def _one_better(rating: str | None) -> str:
    return Rating.SESUAI.value if rating in (None, Rating.DI_BAWAH.value) else Rating.DI_ATAS.value

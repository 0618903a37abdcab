"""The demo's alerts and follow-ups, consistent with its twelve months of feedback.

- DPMPTSP sets a stricter alert rule (25 % in 24 hours). Its loket PTSP02 had a fortnight of OSS
  outage about five weeks ago: the alert opened then, the head acknowledged it the next morning
  and closed it with a note once the answers were back to normal.
- The alert checks are replayed over the last weeks as cron would have run them (`check_alerts`
  at historical moments), so every alert matches the responses it counted. Alerts of the last
  three weeks are left open for the unit head to handle.
- Dukcapil recorded a tindak lanjut for its weak U3 Waktu Penyelesaian for the quarter that
  ended before its improvement (done), and the Puskesmas one for U8 Sarana dan Prasarana of the
  last full quarter (in progress).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db
from portal.insight import alerts, followup
from portal.insight.models import Alert, FollowUp
from portal.org.models import Employee, Instansi, Unit

#: Days of alert checks replayed, and the local hours of the day a check runs at.
REPLAY_DAYS = 45
CHECK_HOURS = (10, 13, 16)
#: Alerts opened this recently stay open in the demo.
RECENT_DAYS = 21
#: How long a head takes to acknowledge an alert, and how long the loket must be calm before it is closed.
ACKNOWLEDGE_AFTER = timedelta(hours=16)
CALM_FOR = timedelta(hours=72)

DPMPTSP_RULE = {"threshold_percent": Decimal(25), "window_hours": 24, "min_answers": 10}
CLOSING_NOTES = {
    "PTSP02": ("Gangguan sistem OSS dari pusat. Selama gangguan petugas mencatat permohonan secara manual, "
               "menghubungi pemohon setelah sistem pulih, dan memasang pengumuman di loket."),
}
DEFAULT_NOTE = "Ditinjau bersama petugas loket; pada jam sibuk ditambah satu petugas pendamping."
FOLLOW_UPS = {
    "DUKCAPIL": ("U3", "Menambah petugas verifikasi KK dan membuka loket khusus pengambilan dokumen",
                 "selesai"),
    "PKM-AMP": ("U8", "Mengganti AC ruang tunggu yang rusak, menambah kursi dan kipas angin di ruang tunggu "
                      "pendaftaran", "berjalan"),
}


def _has_follow_ups(instansi: Instansi) -> bool:
    return db.session.scalar(
        select(FollowUp.id).join(Unit, FollowUp.unit_id == Unit.id).where(Unit.instansi_id == instansi.id).limit(1)
    ) is not None


def _head_user(unit: Unit) -> User | None:
    return db.session.scalar(
        select(User).join(Employee, User.employee_id == Employee.id)
        .where(Employee.unit_id == unit.id, Employee.is_unit_head.is_(True)).order_by(Employee.id).limit(1)
    )


def seed_insight(instansi: Instansi, today: date) -> None:
    """Alert rule, alerts replayed up to the day before `today`, and follow-ups, if the instansi
    has no follow-up yet."""
    if _has_follow_ups(instansi):
        return
    units = {u.code: u for u in db.session.scalars(select(Unit).where(Unit.instansi_id == instansi.id))}
    if "DPMPTSP" in units:
        alerts.save_rule(units["DPMPTSP"], **DPMPTSP_RULE)
    last = today - timedelta(days=1)
    _replay_alerts(instansi, last)
    _seed_follow_ups(units, last)
    db.session.flush()


def _moment(instansi: Instansi, day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), instansi.tz).astimezone(timezone.utc)


def _replay_alerts(instansi: Instansi, last: date) -> None:
    """Run the checks as cron would have; the head acknowledges, and closes once the loket is calm."""
    recent = _moment(instansi, last - timedelta(days=RECENT_DAYS), 0)
    day = last - timedelta(days=REPLAY_DAYS - 1)
    while day <= last:
        for hour in CHECK_HOURS:
            now = _moment(instansi, day, hour)
            _handle(instansi, now, recent)
            alerts.check_alerts(instansi, now, notify=False)
        day += timedelta(days=1)


def _handle(instansi: Instansi, now: datetime, recent: datetime) -> None:
    unit_ids = select(Unit.id).where(Unit.instansi_id == instansi.id)
    active = db.session.scalars(select(Alert).where(Alert.unit_id.in_(unit_ids), Alert.status.in_(alerts.ACTIVE))).all()
    for alert in active:
        if alert.opened_at >= recent:
            continue
        head = _head_user(alert.unit)
        if head is None:
            continue
        if alert.status == "open" and now - alert.opened_at >= ACKNOWLEDGE_AFTER:
            alerts.acknowledge(alert, head, now)
        elif alert.status == "acknowledged" and _calm(alert, now):
            alerts.close(alert, head, CLOSING_NOTES.get(alert.counter.code, DEFAULT_NOTE), now)


def _calm(alert: Alert, now: datetime) -> bool:
    """The last three days at the loket had enough answers and at most half the threshold's share of
    negative ones. One quiet day in the middle of an outage does not end it: a single calm day
    once closed the PTSP02 outage alert early, and the outage went on to open a second one."""
    answers, negative = alerts.window_counts(alert.counter, now - CALM_FOR, now)
    return answers >= alerts.DEFAULT_RULE.min_answers and negative * 200 <= answers * alert.threshold_percent


def _seed_follow_ups(units: dict[str, Unit], last: date) -> None:
    improvement_start = last - timedelta(days=90)
    # (period, day written, target day): Dukcapil's is for the quarter whose results prompted the
    # improvement that began three months ago; the Puskesmas works on its last full quarter.
    dukcapil = followup.last_full_quarter(improvement_start)
    puskesmas = followup.last_full_quarter(last)
    plans = {
        "DUKCAPIL": (dukcapil, improvement_start - timedelta(days=14), improvement_start + timedelta(days=30)),
        "PKM-AMP": (puskesmas, min(puskesmas[1] + timedelta(days=20), last), last + timedelta(days=45)),
    }
    for code, (unsur, action, status) in FOLLOW_UPS.items():
        unit = units.get(code)
        if unit is None:
            continue
        (start, end), written, target = plans[code]
        item = followup.add_follow_up(unit, start, end, unsur, action, status, target, _head_user(unit),
                                      now=_moment(unit.instansi, written, 9))
        if status == "selesai":
            item.updated_at = _moment(unit.instansi, target, 15)

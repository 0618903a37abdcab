"""Alerts per loket: when the share of negative answers in a rolling window passes the unit's
threshold, open an alert and mail the unit head; the head acknowledges it and closes it with a note.

Negative answers are SKM responses leaning to 1–2 (`SkmResponse.negative`) and the two unhappy
kiosk faces. The rule itself (strictly above the threshold, never under the minimum number of
answers) is `surveys.alerts.negative_share_exceeds`.

A loket has at most one alert of each kind that is not closed. After an alert is closed, the window
starts again at the closing time: the answers the head has already dealt with do not alert twice.

A second kind of alert tells the head that web responses at a loket were held as a burst
(`portal/feedback/holds.py`): they await review on the "Integritas data" page.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

from flask_babel import force_locale, format_decimal, gettext
from sqlalchemy import bindparam, case, func, select, union_all

from portal import base_url, caches, clock, events
from portal.accounts.models import User
from portal.extensions import db
from portal.feedback.models import SkmResponse
from portal.insight.models import Alert, AlertRule
from portal.localtime import when
from portal.kiosk.models import KioskVote
from portal.mail import services as mail
from portal.org.models import Counter, Employee, Instansi, Unit
from portal.sql import execute_core
from surveys import alerts as rules
from surveys import kiosk
from surveys.errors import DomainError
from surveys.exact import round_half_up
from surveys.i18n import N_

ACTIVE = ("open", "acknowledged")
MAX_NOTE = 2000


class AlertError(DomainError):
    """An alert action that does not fit the alert's state."""


@dataclass(frozen=True)
class RuleValues:
    """A unit's alert setting, or the defaults when the unit has not set one."""

    threshold_percent: Decimal
    window_hours: int
    min_answers: int


DEFAULT_RULE = RuleValues(threshold_percent=Decimal(30), window_hours=24, min_answers=10)


def rule_for(unit_id: int) -> RuleValues:
    return rules_for([unit_id])[unit_id]


_RULES = (
    select(AlertRule.unit_id, AlertRule.threshold_percent, AlertRule.window_hours, AlertRule.min_answers)
    .where(AlertRule.unit_id.in_(bindparam("unit_ids", expanding=True)))
)


def rules_for(unit_ids) -> dict[int, RuleValues]:
    """Each unit's rule, the defaults for a unit that has not set one."""
    unit_ids = list(unit_ids)
    found = {unit_id: RuleValues(Decimal(threshold), window_hours, min_answers)
             for unit_id, threshold, window_hours, min_answers
             in execute_core(_RULES, {"unit_ids": unit_ids})}
    return {unit_id: found.get(unit_id, DEFAULT_RULE) for unit_id in unit_ids}


def save_rule(unit: Unit, threshold_percent: Decimal, window_hours: int, min_answers: int) -> AlertRule:
    """Create or change the unit's rule (the form validates the ranges; the database checks them too)."""
    row = db.session.scalar(select(AlertRule).where(AlertRule.unit_id == unit.id))
    if row is None:
        row = AlertRule(unit_id=unit.id)
        db.session.add(row)
    row.threshold_percent, row.window_hours, row.min_answers = threshold_percent, window_hours, min_answers
    db.session.flush()
    return row


def _now(now: datetime | None) -> datetime:
    moment = now or clock.now()
    if moment.tzinfo is None:
        raise ValueError("an aware datetime is required")
    return moment.astimezone(timezone.utc)


def active_alert(counter_id: int, kind: str = "negative") -> Alert | None:
    return db.session.scalar(select(Alert).where(Alert.counter_id == counter_id, Alert.kind == kind,
                                                 Alert.status.in_(ACTIVE))
                             .order_by(Alert.opened_at.desc()).limit(1))


def window_counts(counter, start: datetime, end: datetime) -> tuple[int, int]:
    """(answers, negative answers) at the loket with start <= submitted_at <= end (UTC instants)."""
    return _window_counts([counter.id], start, end).get(counter.id, (0, 0))


def _window_count_statement():
    """Answers and negative answers per loket in one window: SKM responses plus kiosk votes,
    each counted from its (counter_id, submitted_at, …) index alone."""
    parts = []
    # Only counted SKM responses: held ones await review, paper rows their batch's verification.
    for model, negative, counts in ((SkmResponse, SkmResponse.negative, SkmResponse.status == "counted"),
                                    (KioskVote, KioskVote.face.in_(kiosk.NEGATIVE_FACES), None)):
        parts.append(
            select(model.counter_id, func.count(), func.sum(case((negative, 1), else_=0)))
            .where(model.counter_id.in_(bindparam("counter_ids", expanding=True)),
                   model.submitted_at >= bindparam("start"), model.submitted_at <= bindparam("end"),
                   *([counts] if counts is not None else []))
            .group_by(model.counter_id)
        )
    return union_all(*parts)


_WINDOW_COUNTS = _window_count_statement()
#: Per loket: its negative-share alerts not closed yet, when the last one was closed (up to now),
#: and its unit's rule.
_ALERT_STATE = (
    select(Counter.id,
           select(func.count(Alert.id)).where(Alert.counter_id == Counter.id, Alert.kind == "negative",
                                              Alert.status.in_(ACTIVE))
           .scalar_subquery(),
           select(func.max(Alert.closed_at))
           .where(Alert.counter_id == Counter.id, Alert.kind == "negative", Alert.status == "closed",
                  Alert.closed_at <= bindparam("now"))
           .scalar_subquery(),
           AlertRule.threshold_percent, AlertRule.window_hours, AlertRule.min_answers)
    .outerjoin(AlertRule, AlertRule.unit_id == Counter.unit_id)
    .where(Counter.id.in_(bindparam("counter_ids", expanding=True)))
)


def _window_counts(counter_ids: list[int], start: datetime, end: datetime) -> dict[int, tuple[int, int]]:
    """(answers, negative answers) per loket with start <= submitted_at <= end (UTC instants)."""
    counts: dict[int, tuple[int, int]] = {}
    rows = execute_core(_WINDOW_COUNTS, {"counter_ids": counter_ids, "start": start, "end": end})
    for counter_id, n, bad in rows:
        answers, negatives = counts.get(counter_id, (0, 0))
        counts[counter_id] = (answers + int(n), negatives + int(bad or 0))
    return counts


def _check(counters: list, now: datetime, notify: bool) -> list[Alert]:
    """Open the alerts due at `now` for these lokets (of one instansi) with a few grouped queries.

    The lokets are Counters or Lokets (the citizen's form checks its loket after each answer);
    the few that open an alert are loaded as Counters for the alert and its mail.
    """
    counters = [c for c in counters if c.active and c.unit.active]
    if not counters:
        return []
    last_closed: dict[int, datetime | None] = {}
    counter_rules: dict[int, RuleValues] = {}
    for counter_id, busy, closed, threshold, window_hours, min_answers in execute_core(
            _ALERT_STATE, {"counter_ids": [c.id for c in counters], "now": now}):
        if not busy:
            last_closed[counter_id] = closed
            counter_rules[counter_id] = (DEFAULT_RULE if threshold is None
                                         else RuleValues(Decimal(threshold), window_hours, min_answers))
    counters = [c for c in counters if c.id in counter_rules]
    if not counters:
        return []
    by_start: dict[datetime, list] = {}
    for counter in counters:
        start = now - timedelta(hours=counter_rules[counter.id].window_hours)
        closed = last_closed[counter.id]
        by_start.setdefault(max(start, closed) if closed else start, []).append(counter)
    opened = []
    for start, group in sorted(by_start.items()):
        counts = _window_counts([c.id for c in group], start, now)
        for counter in group:
            rule = counter_rules[counter.id]
            answers, negative = counts.get(counter.id, (0, 0))
            if rules.negative_share_exceeds(negative, answers, rule.threshold_percent, rule.min_answers):
                loaded = counter if isinstance(counter, Counter) else db.session.get(Counter, counter.id)
                opened.append(_open(loaded, start, now, answers, negative, rule))
    if opened:
        db.session.flush()
    if notify:
        for alert in opened:
            notify_heads(alert)
    return opened


def _open(counter: Counter, start: datetime, now: datetime, answers: int, negative: int, rule: RuleValues) -> Alert:
    alert = Alert(
        unit_id=counter.unit_id, counter_id=counter.id, kind="negative", opened_at=now, window_start=start,
        window_end=now,
        answers=answers, negative=negative, share_percent=round_half_up(Fraction(negative * 100, answers), 2),
        threshold_percent=rule.threshold_percent, status="open",
    )
    alert.counter, alert.unit = counter, counter.unit
    db.session.add(alert)
    return alert


def check_counter(counter, now: datetime | None = None, notify: bool = True) -> Alert | None:
    """Open an alert for the loket if its window passes the unit's threshold; return the new alert.

    Nothing happens for an inactive loket or unit, or while the loket has an alert that is not
    closed. Cheap enough to run after every response (three prepared, indexed queries). The
    loket is a Counter or a `portal.feedback.loket.Loket`.
    """
    opened = _check([counter], _now(now), notify)
    return opened[0] if opened else None


def check_alerts(instansi: Instansi, now: datetime | None = None, notify: bool = True) -> list[Alert]:
    """Check every active loket of the instansi's active units (cron, after imports, the demo).

    `notify=False` skips the mail (the demo's historical alerts).
    """
    counters = db.session.scalars(
        select(Counter).join(Unit, Counter.unit_id == Unit.id)
        .where(Unit.instansi_id == instansi.id, Unit.active.is_(True), Counter.active.is_(True))
        .order_by(Counter.code)
    ).all()
    return _check(list(counters), _now(now), notify)


def open_held_alert(counter, hold_group_id: int, at: datetime, notify: bool = True) -> Alert | None:
    """Open a "held" alert at the loket for a burst that began (a Counter or a feedback Loket),
    unless the loket has one not closed yet; return the new alert."""
    if active_alert(counter.id, "held") is not None:
        return None
    loaded = counter if isinstance(counter, Counter) else db.session.get(Counter, counter.id)
    alert = Alert(unit_id=loaded.unit_id, counter_id=loaded.id, kind="held", hold_group_id=hold_group_id,
                  opened_at=at, window_start=at, window_end=at, answers=1, negative=0, status="open")
    alert.counter, alert.unit = loaded, loaded.unit
    db.session.add(alert)
    db.session.flush()
    if notify:
        notify_heads(alert)
    return alert


def subscribe() -> None:
    """Check the alert rule whenever responses are stored: at the loket of each response, and
    at every loket of the instansi after a paper import; open a "held" alert when a burst is held
    (called by the app factory)."""
    events.responses_stored_at_loket.connect(_responses_stored_at_loket)
    events.responses_imported.connect(_responses_imported)
    events.burst_held.connect(_burst_held)


#: A response that is not negative checks its loket's rule at most this often per process.
DEBOUNCE_SECONDS = 10
#: When each loket's rule was last checked in this process (the responses' time, UTC); forgotten
#: after any commit but a citizen's, as the rule or the loket may have changed.
_last_checked: dict[int, datetime] = caches.forgotten_after_commit({})


def due_for_check(counter_id: int, at: datetime, negative: bool) -> bool:
    """Whether a response stored at `at` checks its loket's rule now.

    A negative answer always checks (it is what raises the share). Any other answer checks at
    most every DEBOUNCE_SECONDS per loket: it can only open an alert by bringing the window up to
    its minimum of answers, or as older answers leave the window, and the next answer or the
    `flask check-alerts` run from cron finds that a few seconds later.
    """
    last = _last_checked.get(counter_id)
    if not negative and last is not None and timedelta(0) <= at - last < timedelta(seconds=DEBOUNCE_SECONDS):
        return False
    _last_checked[counter_id] = at
    return True


# The subscribers look the checks up when called, so a test can set them aside (test_alerts).
def _responses_stored_at_loket(loket, at: datetime, negative: bool = True) -> None:
    if due_for_check(loket.id, at, negative):
        check_counter(loket, at)


def _responses_imported(instansi: Instansi) -> None:
    check_alerts(instansi)


def _burst_held(loket, hold_group_id: int, at: datetime) -> None:
    open_held_alert(loket, hold_group_id, at)


def open_alerts(unit_ids) -> list[Alert]:
    """Alerts not closed yet (open or acknowledged) of the given units, newest first: for banners."""
    unit_ids = list(unit_ids)
    if not unit_ids:
        return []
    return list(db.session.scalars(
        select(Alert).where(Alert.unit_id.in_(unit_ids), Alert.status.in_(ACTIVE)).order_by(Alert.opened_at.desc())
    ))


def recent_alerts(unit_ids, limit: int = 50) -> list[Alert]:
    unit_ids = list(unit_ids)
    if not unit_ids:
        return []
    return list(db.session.scalars(
        select(Alert).where(Alert.unit_id.in_(unit_ids)).order_by(Alert.opened_at.desc()).limit(limit)
    ))


def acknowledge(alert: Alert, user: User, now: datetime | None = None) -> None:
    if alert.status != "open":
        raise AlertError(N_("Peringatan ini sudah diterima atau sudah ditutup."))
    alert.status, alert.acknowledged_by_id, alert.acknowledged_at = "acknowledged", user.id, _now(now)
    db.session.flush()


def close(alert: Alert, user: User, note: str, now: datetime | None = None) -> None:
    """Close with a note saying what was done; an alert not yet acknowledged is acknowledged too."""
    note = (note or "").strip()
    if not note:
        raise AlertError(N_("Tuliskan catatan tindakan sebelum menutup peringatan."))
    if len(note) > MAX_NOTE:
        raise AlertError(N_("Catatan paling banyak %(max)d karakter."), {"max": MAX_NOTE})
    if alert.status == "closed":
        raise AlertError(N_("Peringatan ini sudah ditutup."))
    moment = _now(now)
    if alert.status == "open":
        alert.acknowledged_by_id, alert.acknowledged_at = user.id, moment
    alert.status, alert.closed_by_id, alert.closed_at, alert.note = "closed", user.id, moment, note
    db.session.flush()


# --- mail to the unit head ------------------------------------------------------------------------

def _heads(unit_id: int) -> list[tuple[Employee, str]]:
    """Active heads of the unit with an email, each with the language of their account (if any)."""
    rows = db.session.execute(
        select(Employee, User.locale).outerjoin(User, User.employee_id == Employee.id)
        .where(Employee.unit_id == unit_id, Employee.is_unit_head.is_(True), Employee.active.is_(True),
               Employee.email.is_not(None), Employee.email != "")
        .order_by(Employee.id)
    ).all()
    return [(employee, locale or "id") for employee, locale in rows]


def notify_heads(alert: Alert) -> int:
    """Queue one mail per unit head; returns how many were queued."""
    unit = alert.unit
    tz = unit.instansi.tz
    base = base_url.configured()
    queued = 0
    for head, locale in _heads(unit.id):
        with force_locale(locale):
            subject, body = (_held_mail if alert.kind == "held" else _negative_mail)(alert, head, tz, locale, base)
        mail.queue(instansi_id=unit.instansi_id, recipient=head.email, subject=subject, body=body)
        queued += 1
    return queued


def _negative_mail(alert: Alert, head: Employee, tz, locale: str, base: str) -> tuple[str, str]:
    counter, unit = alert.counter, alert.unit
    share = format_decimal(alert.share_percent)
    subject = gettext("Peringatan loket %(code)s: %(share)s%% jawaban negatif", code=counter.code, share=share)
    body = gettext(
        "Yth. %(name)s,\n\n"
        "Di loket %(code)s (%(counter)s), %(unit)s, %(negative)d dari %(answers)d jawaban warga "
        "antara %(start)s dan %(end)s negatif (%(share)s%%), di atas ambang %(threshold)s%% yang "
        "ditetapkan unit.\n\n"
        "Terima peringatan ini dan tutup dengan catatan tindakan di %(link)s\n",
        name=head.name, code=counter.code, counter=counter.name, unit=unit.name, negative=alert.negative,
        answers=alert.answers, start=when(alert.window_start, tz, locale),
        end=when(alert.window_end, tz, locale), share=share,
        threshold=format_decimal(alert.threshold_percent), link=f"{base}/tindak-lanjut/peringatan",
    )
    return subject, body


def _held_mail(alert: Alert, head: Employee, tz, locale: str, base: str) -> tuple[str, str]:
    counter, unit = alert.counter, alert.unit
    subject = gettext("Peringatan loket %(code)s: tanggapan ditahan untuk ditinjau", code=counter.code)
    body = gettext(
        "Yth. %(name)s,\n\n"
        "Sejak %(start)s, tanggapan web di loket %(code)s (%(counter)s), %(unit)s, melebihi pola yang wajar "
        "dan ditahan: tanggapan itu tidak dihitung sampai BKPSDM meninjaunya. Lihat polanya dan beri "
        "catatan di %(queue)s\n\n"
        "Terima peringatan ini dan tutup dengan catatan tindakan di %(link)s\n",
        name=head.name, code=counter.code, counter=counter.name, unit=unit.name,
        start=when(alert.window_start, tz, locale), queue=f"{base}/integritas/",
        link=f"{base}/tindak-lanjut/peringatan",
    )
    return subject, body

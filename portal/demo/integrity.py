"""The demo's score integrity: each loket opened on its first day of responses, and one burst of
ballot stuffing held and waiting in the "Integritas data" queue.

Yesterday at 20.15, forty browsers that keep no cookies rated one officer of the 24-hour IGD
loket PKM02 within a minute: 4 for the officer (U6, U7), 3 or 4 on the other unsur, at random so as
not to look scripted. The plausibility rules let the first ten count and hold the other thirty
(`portal/feedback/holds.py`); the burst has its "held" alert (history: no mail).
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select, update

from portal import events
from portal.extensions import db
from portal.feedback.models import HoldGroup, SkmResponse
from portal.feedback.services import Submission, record_response
from portal.insight import alerts
from portal.org.models import Counter, Instansi, RosterEntry, Unit
from surveys import skm

BURST_COUNTER = "PKM02"
BURST_SIZE = 40
BURST_AT = time(20, 15)


def seed_integrity(instansi: Instansi, today: date) -> int:
    """Date the lokets' opening and add the held burst, the evening before `today` (the instansi's
    local date), once; returns the responses held."""
    counters = select(Counter.id).join(Unit).where(Unit.instansi_id == instansi.id)
    first_day = (select(func.min(SkmResponse.local_date)).where(SkmResponse.counter_id == Counter.id)
                 .scalar_subquery())
    db.session.execute(update(Counter).where(Counter.id.in_(counters),
                                             first_day.is_not(None)).values(opened_on=first_day)
                       .execution_options(synchronize_session=False))
    counter = db.session.scalar(select(Counter).join(Unit).where(Unit.instansi_id == instansi.id,
                                                                 Counter.code == BURST_COUNTER))
    if counter is None or db.session.scalar(select(HoldGroup.id).where(HoldGroup.counter_id == counter.id).limit(1)):
        return 0
    officer_id = db.session.scalar(select(RosterEntry.employee_id).where(RosterEntry.counter_id == counter.id)
                                   .order_by(RosterEntry.id).limit(1))
    day = today - timedelta(days=1)
    start = datetime.combine(day, BURST_AT, instansi.tz).astimezone(timezone.utc)
    rng = random.Random(BURST_SIZE)
    # History, not news: the burst's alert is opened without mail to the unit head.
    with events.burst_held.muted():
        for i in range(BURST_SIZE):
            scores = {kode: 4 if kode in ("U6", "U7") else rng.choice((3, 4)) for kode in skm.UNSUR_CODES}
            record_response(counter, Submission(scores=scores, employee_id=officer_id,
                                                submitted_at=start + timedelta(seconds=1.5 * i)))
    group = db.session.scalar(select(HoldGroup).where(HoldGroup.counter_id == counter.id))
    alerts.open_held_alert(counter, group.id, group.first_at, notify=False)
    return db.session.scalar(select(func.count()).where(SkmResponse.counter_id == counter.id,
                                                        SkmResponse.status == "held"))

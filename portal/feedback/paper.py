"""What a paper row must meet beyond its shape before it is stored (`docs/integrity.md`).

Every path: no date inside an appraisal period's citizen window once a record of that period is
finalised. An upload through the web, in addition:

- the date lies within the last `CERMIN_PAPER_WINDOW_DAYS` days (60 by default), and not before
  the loket opened;
- the officer named was on that loket's roster on the row's local date: at the row's hour (a
  shift covering part of it) when it has a time, on any shift of that day when it has a date only.

Shifts are never deleted, only ended (`RosterEntry.valid_to`), so past rosters stay checkable.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from portal import events
from portal.extensions import db
from portal.org.models import Counter, RosterEntry, Unit, shift_covers
from surveys.i18n import N_


class PaperRules:
    """The checks of one file, with what they need loaded once."""

    def __init__(self, instansi, today: date, trusted: bool, window_days: int):
        self.trusted = trusted
        self.earliest = today - timedelta(days=window_days)
        self.window_days = window_days
        self.closed = [(first, last) for first, last, final in events.citizen_windows.ask(instansi.id) if final]
        self.shifts: dict[tuple[int, int], list[RosterEntry]] = defaultdict(list)
        if not trusted:
            for shift in db.session.scalars(select(RosterEntry).join(Counter).join(Unit)
                                            .where(Unit.instansi_id == instansi.id)):
                self.shifts[(shift.counter_id, shift.employee_id)].append(shift)

    def problems(self, counter: Counter, local: datetime, date_only: bool, employee_id: int | None,
                 nip: str, text: str) -> list[tuple[str, dict]]:
        """(message, params) for each rule the row breaks; `local` is its instansi-local moment."""
        day = local.date()
        found = []
        for first, last in self.closed:
            if first <= day <= last:
                found.append((N_("Tanggal %(value)s berada dalam periode penilaian yang sudah difinalkan "
                                 "(%(first)s s.d. %(last)s)."),
                              {"value": text, "first": first.isoformat(), "last": last.isoformat()}))
                break
        if self.trusted:
            return found
        if day < self.earliest:
            found.append((N_("Tanggal %(value)s lebih dari %(days)d hari yang lalu; survei kertas yang lebih lama "
                             "hanya diimpor oleh operator."), {"value": text, "days": self.window_days}))
        if day < counter.opened_on:
            found.append((N_("Tanggal %(value)s sebelum loket %(counter)s dibuka (%(opened)s)."),
                          {"value": text, "counter": counter.code, "opened": counter.opened_on.isoformat()}))
        if employee_id is not None and not self._rostered(counter.id, employee_id, local, date_only):
            found.append((N_("Petugas dengan NIP %(nip)s tidak terjadwal bertugas di loket %(counter)s pada %(value)s."),
                          {"nip": nip, "counter": counter.code, "value": text}))
        return found

    def _rostered(self, counter_id: int, employee_id: int, local: datetime, date_only: bool) -> bool:
        shifts = self.shifts.get((counter_id, employee_id), ())
        if date_only:
            return any(shift_covers(shift, datetime.combine(local.date(), shift.start_time)) for shift in shifts)
        hour = datetime.combine(local.date(), time(local.hour))
        return any(_covers_part_of_hour(shift, hour) for shift in shifts)


def _covers_part_of_hour(shift, hour: datetime) -> bool:
    """Whether the shift covers some moment of the hour starting at `hour` (local, naive)."""
    end = hour + timedelta(hours=1)
    starts = datetime.combine(hour.date(), shift.start_time)
    return shift_covers(shift, hour) or (hour <= starts < end and shift_covers(shift, starts))

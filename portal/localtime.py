"""Instansi-local dates and hours (store UTC; group and show in the instansi's zone)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from portal import clock

#: The zones' Indonesian abbreviations (DOMAIN.md §5).
ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


@dataclass(frozen=True)
class LocalStamp:
    utc: datetime
    local_date: date
    local_hour: int
    local_weekday: int


def stamp(moment: datetime, tz: ZoneInfo) -> LocalStamp:
    if moment.tzinfo is None:
        raise ValueError("an aware datetime is required")
    local = moment.astimezone(tz)
    return LocalStamp(moment.astimezone(timezone.utc), local.date(), local.hour, local.weekday())


def local_day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants where a local day starts and the next begins."""
    start = datetime.combine(day, time(0, 0), tz)
    end = datetime.combine(date.fromordinal(day.toordinal() + 1), time(0, 0), tz)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def today(tz: ZoneInfo, now: datetime | None = None) -> date:
    return (now or clock.now()).astimezone(tz).date()


def when(moment: datetime, tz: ZoneInfo, locale: str = "id", pattern: str = "d MMM yyyy HH.mm") -> str:
    """A UTC instant in the instansi's zone, e.g. "3 Mar 2026 14.05 WITA"."""
    text = format_datetime(moment, pattern, tzinfo=tz, locale=locale)
    return f"{text} {ZONE_NAMES.get(tz.key, tz.key)}"


def shown(moment: datetime | None, tz: ZoneInfo, locale: str, pattern: str = "d MMM yyyy, HH.mm") -> str:
    """A UTC moment as a page shows it, in the instansi's zone: "3 Mar 2026, 14.05 WITA"; "—" for none."""
    if moment is None:
        return "—"
    return when(moment, tz, locale, pattern)

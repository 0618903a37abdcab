"""The portal's one clock: every service asks it for "now" and "today"; tests set it.

Nothing else in `portal/` calls `datetime.now`, `date.today` or `time.time` for a moment that
decides something (a day boundary, an expiry, a window). Tests pin the clock with `frozen()`
or `set_clock()`; a process started by a test (gunicorn in the browser and load suites) pins
its own with `CERMIN_CLOCK_START`, an ISO instant from which its clock ticks on (from the Unix
time `CERMIN_CLOCK_ORIGIN` when set, so that processes started apart share one clock).
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo


def _system() -> datetime:
    return datetime.now(timezone.utc)


def _ticking_from(start: datetime) -> Callable[[], datetime]:
    """A clock that reads `start` now and runs on at the machine's pace."""
    origin = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - origin)


def _ticking_since(start: datetime, origin: float) -> Callable[[], datetime]:
    """A clock that read `start` at the Unix time `origin` and runs on with the machine's: every
    process given the same pair reads the same instant (gunicorn's workers boot at different
    moments)."""
    return lambda: start + timedelta(seconds=time.time() - origin)


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("the clock needs an aware datetime")
    return moment.astimezone(timezone.utc)


def _from_environment() -> Callable[[], datetime]:
    start = os.environ.get("CERMIN_CLOCK_START", "").strip()
    if not start:
        return _system
    moment = _aware(datetime.fromisoformat(start.replace("Z", "+00:00")))
    origin = os.environ.get("CERMIN_CLOCK_ORIGIN", "").strip()
    return _ticking_since(moment, float(origin)) if origin else _ticking_from(moment)


_source: Callable[[], datetime] = _from_environment()


def now() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return _source()


def today(tz: ZoneInfo) -> date:
    """The current date in the time zone `tz` (an instansi's WIB, WITA or WIT)."""
    return now().astimezone(tz).date()


def timestamp() -> float:
    """The current instant as seconds since the epoch (for signed keys and short windows)."""
    return now().timestamp()


def set_clock(source: Callable[[], datetime] | datetime | None) -> None:
    """Set what `now()` reads: a function, a fixed instant, or None for the machine's clock."""
    global _source
    if source is None:
        _source = _from_environment()
    elif isinstance(source, datetime):
        fixed = _aware(source)
        _source = lambda: fixed
    else:
        _source = source


@contextmanager
def frozen(moment: datetime) -> Iterator[Callable[[timedelta], None]]:
    """Stop the clock at `moment` inside the block; the yielded function moves it on."""
    global _source
    previous = _source
    current = [_aware(moment)]
    _source = lambda: current[0]

    def advance(by: timedelta) -> None:
        current[0] = current[0] + by

    try:
        yield advance
    finally:
        _source = previous


@contextmanager
def ticking(start: datetime) -> Iterator[None]:
    """Run the clock from `start` at the machine's pace inside the block."""
    global _source
    previous = _source
    _source = _ticking_from(_aware(start))
    try:
        yield
    finally:
        _source = previous

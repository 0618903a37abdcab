"""The date sweep: the demo built at a spread of moments across the years (a year-end, a leap
day, 23:59 local, the first of a month at 00:30 local) and with the instansi in WIB, WITA and WIT
still tells its whole story (tests/portal/demo_story.py), with nothing dated after the moment
it was built at.

The default run builds each moment once, the zones taking turns, with the shortest demo the story
allows (`MIN_DAYS` of feedback), in the SQLite pass (the PostgreSQL pass builds the demo once, for
the tests that read it). The full sweep, every moment in every
zone with a year of feedback, is marked `nightly` (`make nightly`, or `pytest -m nightly`).
"""
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal import clock
from portal.demo.feedback import DAYS, MIN_DAYS
from portal.demo.seed import DEMO_NAME
from portal.extensions import db
from portal.org.models import Instansi
from tests.conftest import build_demo, dispose, make_app
from tests.portal.demo_story import whole_story

ZONES = ("Asia/Makassar", "Asia/Jakarta", "Asia/Jayapura")  # WITA, WIB, WIT
#: Local moments the demo is built at.
MOMENTS = (
    (date(2026, 12, 31), time(23, 59)),  # a year-end, at 23:59 local
    (date(2028, 2, 29), time(10, 0)),    # a leap day
    (date(2027, 4, 1), time(0, 30)),     # the first of a month, at 00:30 local
    (date(2026, 2, 6), time(10, 0)),     # the day the PTSP02 story once showed two outage alerts
    (date(2027, 3, 31), time(23, 45)),   # the last minutes of a quarter
    (date(2028, 3, 1), time(0, 30)),     # the first of the month after a leap day
)


def _sweep(moment: tuple[date, time], zone: str, days: int, new_database) -> None:
    day, at = moment
    local = datetime.combine(day, at, ZoneInfo(zone))
    name = f"sweep_{day:%Y%m%d}_{at:%H%M}_{zone.split('/')[1].lower()}"
    app = make_app(new_database(name))
    try:
        build_demo(app, local, days=days, timezone=zone)
        with app.app_context(), clock.frozen(local):
            instansi = db.session.scalar(select(Instansi).where(Instansi.name == DEMO_NAME))
            assert instansi.timezone == zone
            assert clock.today(instansi.tz) == day
            whole_story(db, instansi, day, days)
            db.session.rollback()
    finally:
        dispose(app)


@pytest.mark.parametrize("moment, zone", [(moment, ZONES[i % len(ZONES)]) for i, moment in enumerate(MOMENTS)],
                         ids=lambda value: value.split("/")[1] if isinstance(value, str) else f"{value[0]}T{value[1]:%H%M}")
def test_the_demo_story_holds_on_any_day_in_any_zone(moment, zone, new_database, request):
    if request.config.getoption("--db") == "postgres":
        pytest.skip("the reduced sweep runs in the SQLite pass; `make nightly` runs the full sweep on both")
    _sweep(moment, zone, MIN_DAYS, new_database)


@pytest.mark.nightly
@pytest.mark.parametrize("zone", ZONES, ids=lambda zone: zone.split("/")[1])
@pytest.mark.parametrize("moment", MOMENTS, ids=lambda moment: f"{moment[0]}T{moment[1]:%H%M}")
def test_the_full_demo_story_holds_on_every_day_in_every_zone(moment, zone, new_database):
    _sweep(moment, zone, DAYS, new_database)

"""Fixtures the portal's test modules share: one of each."""
from __future__ import annotations

from datetime import timedelta

import pytest

from portal import clock
from portal.reviews import raters
from portal.reviews import services as reviews
from tests.portal.appraisal_helpers import open_cycle
from tests.portal.appraisal_output_data import standard_appraisals


@pytest.fixture
def cycle(request, org, db):
    """A 360 cycle over DUKCAPIL from yesterday for 30 days, raters proposed from the org chart: a
    draft, or open where the test module says `CYCLE_OPEN = True`."""
    if getattr(request.module, "CYCLE_OPEN", False):
        cycle = open_cycle(org)
    else:
        today = clock.today(org.instansi.tz)
        cycle = reviews.create_cycle(org.instansi, name="Triwulan I 2026", period_kind="triwulan",
                                     opens_on=today - timedelta(days=1), closes_on=today + timedelta(days=30),
                                     unit_ids=[org.unit.id])
        raters.propose_raters(cycle)
    db.session.commit()
    return cycle


@pytest.fixture
def appraisals(factory, org):
    """A period merged from citizen responses and a released 360 cycle, partly confirmed and
    finalised (tests/portal/appraisal_output_data.py)."""
    return standard_appraisals(factory, org)

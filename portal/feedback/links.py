"""The public addresses printed in QR codes, on posters and queue tickets.

Each takes the address to build on: by default the one a page shows (`base_url.for_page()`);
paths without a request or whose links outlive it (the tickets CSV, `counters --json`) pass
`base_url.configured()`.
"""
from __future__ import annotations

from portal import base_url
from portal.org.models import Counter, Employee, Unit


def _base(base: str | None) -> str:
    return base if base is not None else base_url.for_page()


def survey_url(counter: Counter, base: str | None = None) -> str:
    """The loket's form: /s/<code>."""
    return f"{_base(base)}/s/{counter.code}"


def officer_url(employee: Employee, base: str | None = None) -> str:
    """The officer's name-plate code: opens the form of the loket they serve at, officer chosen."""
    return f"{_base(base)}/p/{employee.public_code}"


def ticket_url(code: str, base: str | None = None) -> str:
    """A single-use queue ticket: /t/<signed code>."""
    return f"{_base(base)}/t/{code}"


def kiosk_url(counter: Counter, base: str | None = None) -> str:
    return f"{_base(base)}/k/{counter.code}"


def results_url(unit: Unit | None = None, base: str | None = None) -> str:
    """The public results page (of one unit when given)."""
    return f"{_base(base)}/publik/{unit.code}" if unit is not None else f"{_base(base)}/publik"

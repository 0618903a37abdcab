"""The public addresses printed in QR codes, on posters and queue tickets (CERMIN_BASE_URL)."""
from __future__ import annotations

from flask import current_app

from portal.org.models import Counter, Employee, Unit


def _base() -> str:
    return current_app.config["CERMIN_BASE_URL"].rstrip("/")


def survey_url(counter: Counter) -> str:
    """The loket's form: /s/<code>."""
    return f"{_base()}/s/{counter.code}"


def officer_url(employee: Employee) -> str:
    """The officer's name-plate code: opens the form of the loket they serve at, officer chosen."""
    return f"{_base()}/p/{employee.public_code}"


def ticket_url(code: str) -> str:
    """A single-use queue ticket: /t/<signed code>."""
    return f"{_base()}/t/{code}"


def kiosk_url(counter: Counter) -> str:
    return f"{_base()}/k/{counter.code}"


def results_url(unit: Unit | None = None) -> str:
    """The public results page (of one unit when given)."""
    return f"{_base()}/publik/{unit.code}" if unit is not None else f"{_base()}/publik"

"""The mail worker: one pass over the outbox after another, until it is told to stop.

Each pass sends the messages that are due (`services.send_pending`: the back-off of each message
is decided on the portal's clock), then the worker waits `interval` seconds or until a stop
request (SIGTERM, Ctrl+C), whichever comes first. A pass that cannot reach the database is logged
and tried again at the next one: the worker outlives a database restart.
"""
from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from portal.extensions import db
from portal.mail import services


@dataclass
class Totals:
    passes: int = 0
    sent: int = 0
    failed: int = 0


def one_pass(limit: int) -> tuple[int, int]:
    """Send what is due; (sent, failed this pass). The session is closed afterwards, so the next
    pass sees what requests queued in between."""
    try:
        return services.send_pending(limit)
    except SQLAlchemyError:
        current_app.logger.exception("mail worker: the outbox could not be read; trying again at the next pass")
        db.session.rollback()
        return 0, 0
    finally:
        db.session.remove()


def run(stop: threading.Event, *, interval: float, limit: int, once: bool = False,
        report: Callable[[int, int], None] | None = None) -> Totals:
    """Pass after pass until `stop` is set (or a single pass with `once`)."""
    totals = Totals()
    while not stop.is_set():
        sent, failed = one_pass(limit)
        totals.passes += 1
        totals.sent += sent
        totals.failed += failed
        if report is not None and (sent or failed):
            report(sent, failed)
        if once:
            break
        stop.wait(interval)
    return totals


@contextmanager
def stopping_on_signals(stop: threading.Event):
    """Set `stop` on SIGTERM and SIGINT while inside the block (the message being sent is
    finished first); the previous handlers come back afterwards."""
    def request_stop(_signum, _frame) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

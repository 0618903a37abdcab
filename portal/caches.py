"""Per-process memories of the citizen's path, forgotten whenever anyone else commits a change.

The citizen's GET reads what changes rarely (a loket, who is on duty) from a memory of the current
minute, and the alert rule is checked at most every few seconds per loket. A change committed in
this process by anything but a citizen's request (a staff page, the CLI, a test's fixture)
empties every such memory at once; a commit that wrote nothing (a page that only read) leaves
them; another process's change shows within the memory's minute.
"""
from __future__ import annotations

from datetime import datetime

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

#: Blueprints whose requests change nothing these memories hold (the citizen's and the public's).
CITIZEN_BLUEPRINTS = frozenset({"feedback", "kiosk", "publik"})
_MEMORIES: list = []


def forgotten_after_commit(memory):
    """Register `memory` (anything with `clear()`) to be emptied after every commit but a citizen's."""
    _MEMORIES.append(memory)
    return memory


def forget_all() -> None:
    for memory in _MEMORIES:
        memory.clear()


# A commit forgets the memories only when its transaction wrote: a staff page or a health probe
# that only read leaves them warm. Writes are noted on the session: an ORM flush, a DML statement
# through `session.execute`, or a statement other than a SELECT through `portal.sql.execute_core`.
WROTE = "cermin_wrote"


def note_write(session, statement=None) -> None:
    """Note that the session's transaction wrote (or runs `statement`, unless it only reads)."""
    if statement is None or not _reads_only(statement):
        session.info[WROTE] = True


def _reads_only(statement) -> bool:
    """A SELECT, built or written as text (anything else counts as a write)."""
    if getattr(statement, "is_select", False):
        return True
    sql = getattr(statement, "text", None)
    return isinstance(sql, str) and sql.lstrip()[:6].upper() == "SELECT"


def _after_flush(session, flush_context) -> None:
    note_write(session)


def _do_orm_execute(state) -> None:
    note_write(state.session, state.statement)


def _after_commit(session) -> None:
    if not session.info.pop(WROTE, False):
        return
    if has_request_context() and request.blueprint in CITIZEN_BLUEPRINTS:
        return
    forget_all()


def _after_rollback(session) -> None:
    session.info.pop(WROTE, None)


event.listen(Session, "after_flush", _after_flush)
event.listen(Session, "do_orm_execute", _do_orm_execute)
event.listen(Session, "after_commit", _after_commit)
event.listen(Session, "after_rollback", _after_rollback)


def minute_of(moment: datetime) -> int:
    return int(moment.timestamp() // 60)


class MinuteCache:
    """Values remembered for one minute of the portal's clock, in this process."""

    def __init__(self, limit: int = 4096) -> None:
        self._values: dict = {}
        self._limit = limit
        forgotten_after_commit(self)

    def get(self, key, moment: datetime, compute):
        """The value remembered for `key` in `moment`'s minute, or `compute()` remembered."""
        minute = minute_of(moment)
        hit = self._values.get(key)
        if hit is not None and hit[0] == minute:
            return hit[1]
        value = compute()
        if len(self._values) >= self._limit:
            self._values.clear()
        self._values[key] = (minute, value)
        return value

    def clear(self) -> None:
        self._values.clear()

"""Hooks that let a feature announce what it stored, or ask what it needs to know, without
importing the features above it.

Feedback and kiosk announce new responses here; insight (the loket alerts) subscribes when the
app is created (`portal.create_app`), so a response flows down and out, never back up. A hook
calls its subscribers directly, in order, in the caller's transaction: no queue and no query, one
loop over a short list on the citizen's form. A question gathers its subscribers' answers: feedback
asks it about appraisal periods, which sit a floor above.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Hook:
    """A named list of subscribers; :meth:`send` calls each with the same arguments."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._subscribers: list[Callable[..., object]] = []

    def connect(self, subscriber: Callable[..., object]) -> Callable[..., object]:
        """Subscribe once: connecting the same function again (a second app) changes nothing."""
        if subscriber not in self._subscribers:
            self._subscribers.append(subscriber)
        return subscriber

    def send(self, *args: object) -> None:
        for subscriber in self._subscribers:
            subscriber(*args)

    @contextmanager
    def muted(self) -> Iterator[None]:
        """Call no subscriber inside the block (the demo writes history, and answers for it itself)."""
        subscribers, self._subscribers = self._subscribers, []
        try:
            yield
        finally:
            self._subscribers = subscribers


class Question(Hook):
    """A hook whose subscribers each answer with a list; :meth:`ask` returns them joined."""

    def ask(self, *args: object) -> list:
        return [answer for subscriber in self._subscribers for answer in subscriber(*args)]


#: Responses (SKM answers or kiosk faces) stored at a loket, sent with (loket, at, negative): a
#: Counter or a feedback Loket, the moment of the response (aware, UTC), and whether it is negative.
responses_stored_at_loket = Hook("responses_stored_at_loket")
#: A batch of responses stored for an instansi (a paper import), sent with (instansi).
responses_imported = Hook("responses_imported")
#: A burst of held responses began at a loket, sent with (loket, hold_group_id, at): a Counter or
#: a feedback Loket, the new HoldGroup's id and the moment (aware, UTC).
burst_held = Hook("burst_held")
#: Asked with (instansi_id): the appraisal periods' citizen windows, as (first day, last day,
#: whether a record of the period is finalised), instansi-local dates.
citizen_windows = Question("citizen_windows")
#: An account was deactivated, sent with (user, actor): what the user issued dies with it (API
#: tokens, portal/appraisal/tokens.py).
account_deactivated = Hook("account_deactivated")
#: An account lost a role, sent with (user, role, actor).
account_lost_role = Hook("account_lost_role")

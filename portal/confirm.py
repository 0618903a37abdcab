"""Confirmation pages for consequential actions (open, close and release a 360 cycle, finalise,
remove a rater, withdraw a paper batch).

The action's own button posts to the action, which answers with a page that says what will
happen, in numbers, and changes nothing. Only that page's POST (``confirmed=1``, with a signed
digest ``shown`` of the numbers it showed) acts. If the numbers changed in between, say a review
came in or another officer finalised a record, the confirming POST is answered 409 with the new
numbers and changes nothing either. No JavaScript is involved.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

from flask import current_app, render_template, request
from flask_babel import gettext

#: Form fields the confirmation page never carries forward: its own, and the CSRF token it renews.
_OWN_FIELDS = frozenset({"csrf_token", "confirmed", "shown"})


@dataclass
class Consequences:
    """What an action will do: a title, the facts in numbers, and whether it can be undone."""

    title: str
    button: str
    back: str
    facts: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    final: bool = True
    undo: str | None = None

    def digest(self) -> str:
        text = "\n".join([request.path, self.title, *self.facts, *self.warnings])
        key = current_app.secret_key
        key = key.encode() if isinstance(key, str) else key
        return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def gate(consequences: Consequences):
    """None when this request is the confirmation's own POST of exactly these consequences (the
    caller then acts); otherwise the response to send: the confirmation page (200), or the page
    with the new numbers and a notice (409) when they changed since the page was shown."""
    shown = request.form.get("shown", "")
    if request.method == "POST" and request.form.get("confirmed") == "1":
        if hmac.compare_digest(shown, consequences.digest()):
            return None
        return _page(consequences, stale=True), 409
    return _page(consequences, stale=False), 200


def _page(consequences: Consequences, *, stale: bool) -> str:
    carried = [(name, value) for name, value in request.form.items(multi=True) if name not in _OWN_FIELDS]
    return render_template("confirm.html", c=consequences, stale=stale, carried=carried,
                           shown=consequences.digest(), action=request.path,
                           page_title=gettext("Konfirmasi: %(title)s", title=consequences.title))

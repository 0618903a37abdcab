"""Writing the audit log: `record(...)` adds one event to the request's session.

This module is a leaf: features import it to record their changes, and it imports none of them.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timezone
from decimal import Decimal
from typing import Protocol

from portal import clock
from portal.audit.models import SYSTEM_ACTOR, AuditEvent
from portal.extensions import db


class SignedIn(Protocol):
    """A signed-in user (an accounts User), as the log names them."""

    id: int
    username: str


#: Who made a change: the signed-in user, a command's name ("import-employees"), or None (the system).
Actor = SignedIn | str | None
#: The longest object label kept (the column's size).
LABEL_LENGTH = 200


def json_value(value: object) -> object:
    """A value as the log stores it: dates ISO (instants in UTC), Decimals as strings."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("the audit log needs aware datetimes")
        return value.astimezone(timezone.utc).isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(json_value(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    raise TypeError(f"cannot audit a {type(value).__name__}")


def snapshot(obj, fields: Iterable[str]) -> dict[str, object]:
    """The named attributes of an object, JSON-safe: take one before a change, one after."""
    return {name: json_value(getattr(obj, name)) for name in fields}


def changed(before: Mapping[str, object] | None, after: Mapping[str, object] | None
            ) -> tuple[dict | None, dict | None]:
    """Only the fields whose values differ; a side that is None (a creation, a removal) stays None."""
    old = None if before is None else {k: json_value(v) for k, v in before.items()}
    new = None if after is None else {k: json_value(v) for k, v in after.items()}
    if old is None or new is None:
        return old, new
    keys = [k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]
    return {k: old.get(k) for k in keys}, {k: new.get(k) for k in keys}


def actor_columns(actor: Actor) -> tuple[int | None, str]:
    """A signed-in user (their id and username), or a command's name, or None for the system."""
    if actor is None:
        return None, SYSTEM_ACTOR
    if isinstance(actor, str):
        return None, actor
    return actor.id, actor.username


def _dump(values: dict | None) -> str | None:
    return None if values is None else json.dumps(values, sort_keys=True, ensure_ascii=False)


def record(action: str, *, instansi_id: int, actor: Actor, obj=None, object_type: str | None = None,
           object_id: int | None = None, label: str | None = None,
           before: Mapping[str, object] | None = None, after: Mapping[str, object] | None = None,
           reason: str | None = None, employee_id: int | None = None, unit_id: int | None = None,
           period_id: int | None = None) -> AuditEvent | None:
    """Add an audit event to the session (the request commits it; it is written with the next flush)
    and return it.

    `actor` is the signed-in User, a command's name, or None (the system). The object is `obj`
    (its table name and id), or `object_type` and `object_id`. `before` and `after` are the
    object's fields around the change; only the fields that differ are kept, and a change that
    changed nothing records nothing (None is returned). Pass `before=None` for a creation and
    `after=None` for a removal.
    """
    if obj is not None:
        if obj.id is None:
            db.session.flush()
        object_type = object_type or obj.__tablename__
        object_id = obj.id if object_id is None else object_id
    if not object_type:
        raise ValueError("an audit event needs an object type")
    had_both = before is not None and after is not None
    before, after = changed(before, after)
    if had_both and not before:
        return None
    actor_id, actor_label = actor_columns(actor)
    event = AuditEvent(
        instansi_id=instansi_id, at=clock.now(), actor_id=actor_id, actor_label=actor_label, action=action,
        object_type=object_type, object_id=object_id, object_label=(label or "")[:LABEL_LENGTH],
        employee_id=employee_id, unit_id=unit_id, period_id=period_id,
        before=_dump(before), after=_dump(after), reason=reason,
    )
    db.session.add(event)
    return event

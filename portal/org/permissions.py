"""Who manages a unit's lokets, kiosks, tickets and inbox: HR and admins for every unit of their
instansi, and a unit head for their own unit and the units under it.

Who reads those pages: the same people, and the auditor (the Inspektorat) for every unit of its
instansi. For every role that may change anything, the units one reads are the units one manages;
so a page that both shows and changes (GET and POST) looks its unit up with the `readable`
functions, since a read-only user never reaches its POST (portal/access.py refuses it), and an
action alone (POST only) with the `managed` ones.
"""
from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from portal.access import of_my_instansi
from portal.extensions import db
from portal.org.models import Unit
from portal.roles import ADMIN, HR, READ_ONLY_ROLES


def my_managed(model, object_id: int):
    """An object that belongs to a unit (a loket, an alert, a saran…) of a unit the signed-in user
    manages: another instansi's is 404, an unmanaged unit's 403."""
    obj = of_my_instansi(model, object_id)
    if not can_manage_unit(current_user, db.session.get(Unit, obj.unit_id)):
        abort(403)
    return obj


def my_readable(model, object_id: int):
    """As my_managed, for a page that shows the object: the auditor reads every unit's."""
    obj = of_my_instansi(model, object_id)
    if not can_read_unit(current_user, db.session.get(Unit, obj.unit_id)):
        abort(403)
    return obj


def my_readable_units() -> list[Unit]:
    """The units whose pages the signed-in user reads; 403 for someone who reads none."""
    units = readable_units(current_user)
    if not units:
        abort(403)
    return units


def my_managed_units() -> list[Unit]:
    """The units the signed-in user manages; 403 for someone who manages none."""
    units = manageable_units(current_user)
    if not units:
        abort(403)
    return units


def manageable_units(user) -> list[Unit]:
    if not user.is_authenticated:
        return []
    units = db.session.scalars(select(Unit).where(Unit.instansi_id == user.instansi_id).order_by(Unit.name)).all()
    if user.has_role(HR, ADMIN):
        return list(units)
    employee = user.employee
    if employee is None or not employee.is_unit_head or not employee.active:
        return []
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    result, stack = [], [u for u in units if u.id == employee.unit_id]
    while stack:
        unit = stack.pop()
        result.append(unit)
        stack.extend(children.get(unit.id, []))
    return sorted(result, key=lambda u: u.name)


def readable_units(user) -> list[Unit]:
    """The units a user manages, and for a read-only role (the auditor) every unit of the instansi."""
    if user.is_authenticated and user.has_role(*READ_ONLY_ROLES):
        return list(db.session.scalars(select(Unit).where(Unit.instansi_id == user.instansi_id).order_by(Unit.name)))
    return manageable_units(user)


def can_read_unit(user, unit: Unit) -> bool:
    return unit.instansi_id == getattr(user, "instansi_id", None) and any(u.id == unit.id for u in readable_units(user))


def can_manage_unit(user, unit: Unit) -> bool:
    return unit.instansi_id == getattr(user, "instansi_id", None) and any(u.id == unit.id for u in manageable_units(user))


def is_unit_manager(user) -> bool:
    return bool(manageable_units(user))

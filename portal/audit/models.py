"""The instansi-wide audit log: one row per change that can move a score, never edited."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import UTCDateTime, utcnow
from portal.extensions import db

#: What the log says of a change made by no signed-in user (a command, the system).
SYSTEM_ACTOR = "sistem"


class AuditEvent(db.Model):
    """Append-only: who changed what, when, with the changed fields before and after.

    The database refuses UPDATE and DELETE on this table. The actor and the object are kept as
    text too, so an entry still reads right after an account or an object is renamed.
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    #: The signed-in user who made the change; NULL for a command or the system.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    #: The username at the time, or "sistem" or the command's name.
    actor_label: Mapped[str] = mapped_column(String(64), nullable=False)
    #: A stable dotted code, e.g. "org.employee.supervisor" (docs/audit.md lists them).
    action: Mapped[str] = mapped_column(String(60), nullable=False)
    #: The changed object's table name and id, e.g. "employee" and 12.
    object_type: Mapped[str] = mapped_column(String(40), nullable=False)
    object_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: A short human label of the object at the time (a NIP and name, a username, a token name).
    object_label: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    #: For filtering: the employee, unit and appraisal period the change concerns, where it does.
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"), nullable=True, index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), nullable=True, index=True)
    period_id: Mapped[int | None] = mapped_column(ForeignKey("appraisal_period.id"), nullable=True, index=True)
    #: JSON objects of the changed fields only; NULL before a creation and after a removal.
    before: Mapped[str | None] = mapped_column(Text, nullable=True)
    after: Mapped[str | None] = mapped_column(Text, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (Index("ix_audit_event_instansi_at", "instansi_id", "at"),)

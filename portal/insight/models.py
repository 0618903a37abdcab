"""Unit insight: alert settings and alerts per loket, and the follow-up (tindak lanjut) of findings."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import UTCDateTime, utcnow
from portal.extensions import db
from portal.org.models import Counter, Unit


class AlertRule(db.Model):
    """A unit's alert setting: the share of negative answers in a rolling window that alerts its head."""

    __tablename__ = "alert_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False, unique=True)
    #: Percent of negative answers (faces 1–2, SKM responses leaning 1–2) above which to alert.
    threshold_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False, default=Decimal(30))
    #: The rolling window, in hours.
    window_hours: Mapped[int] = mapped_column(Integer, nullable=False, default=24)
    #: Answers needed in the window before a share means anything.
    min_answers: Mapped[int] = mapped_column(Integer, nullable=False, default=10)

    unit: Mapped[Unit] = relationship()

    __table_args__ = (
        CheckConstraint("threshold_percent > 0 AND threshold_percent <= 100", name="threshold_range"),
        CheckConstraint("window_hours BETWEEN 1 AND 720", name="window_range"),
        CheckConstraint("min_answers >= 1", name="min_answers_positive"),
    )


#: Kinds of alert: the share of negative answers passed the unit's threshold, or the loket's
#: web responses were held as a burst (`portal/feedback/holds.py`). A loket has at most one
#: alert not closed per kind.
ALERT_KINDS = ("negative", "held")


class Alert(db.Model):
    """A loket whose negative share passed the unit's threshold, or whose responses were held as a
    burst: open → acknowledged → closed."""

    __tablename__ = "alert"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    counter_id: Mapped[int] = mapped_column(ForeignKey("counter.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(10), nullable=False, default="negative", server_default="negative")
    #: The held burst of a "held" alert.
    hold_group_id: Mapped[int | None] = mapped_column(ForeignKey("hold_group.id"), nullable=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    answers: Mapped[int] = mapped_column(Integer, nullable=False)
    negative: Mapped[int] = mapped_column(Integer, nullable=False)
    #: The negative share and the unit's threshold of a "negative" alert; NULL for a "held" one.
    share_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2), nullable=True)
    threshold_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2), nullable=True)
    status: Mapped[str] = mapped_column(String(15), nullable=False, default="open")
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)

    counter: Mapped[Counter] = relationship()
    unit: Mapped[Unit] = relationship()

    __table_args__ = (
        CheckConstraint("status IN ('open', 'acknowledged', 'closed')", name="status_known"),
        CheckConstraint("kind IN ('negative', 'held')", name="kind_known"),
        CheckConstraint("kind <> 'negative' OR (share_percent IS NOT NULL AND threshold_percent IS NOT NULL)",
                        name="negative_has_share"),
        CheckConstraint("kind <> 'held' OR hold_group_id IS NOT NULL", name="held_has_group"),
        CheckConstraint("negative <= answers", name="negative_le_answers"),
        Index("ix_alert_unit_status", "unit_id", "status"),
        Index("ix_alert_counter_opened", "counter_id", "opened_at"),
    )


class FollowUp(db.Model):
    """A unit's tindak lanjut for an unsur found weak in a period, shown in the Laporan SKM and publicly."""

    __tablename__ = "follow_up"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False, index=True)
    #: The period whose results prompted it (instansi-local dates, inclusive).
    period_from: Mapped[date] = mapped_column(Date, nullable=False)
    period_to: Mapped[date] = mapped_column(Date, nullable=False)
    unsur: Mapped[str] = mapped_column(String(3), nullable=False)
    action: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(15), nullable=False, default="direncanakan")
    target_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    unit: Mapped[Unit] = relationship()

    __table_args__ = (
        CheckConstraint("period_from <= period_to", name="period_order"),
        CheckConstraint("unsur IN ('U1','U2','U3','U4','U5','U6','U7','U8','U9')", name="unsur_known"),
        CheckConstraint("status IN ('direncanakan', 'berjalan', 'selesai')", name="status_known"),
    )

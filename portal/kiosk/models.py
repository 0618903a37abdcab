"""Kiosk mode: enrolled tablets at a loket and their four-face votes (never part of the IKM)."""
from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import UTCDateTime, utcnow
from portal.extensions import db
from portal.feedback.models import BigId
from portal.org.models import Counter


class KioskPairing(db.Model):
    """A short-lived code the unit head shows, typed on the tablet to enrol it for one loket."""

    __tablename__ = "kiosk_pairing"

    id: Mapped[int] = mapped_column(primary_key=True)
    counter_id: Mapped[int] = mapped_column(ForeignKey("counter.id"), nullable=False, index=True)
    #: SHA-256 of the code; the code itself is shown once.
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    counter: Mapped[Counter] = relationship()


def new_token_seed() -> str:
    return secrets.token_hex(16)


class KioskDevice(db.Model):
    """A tablet enrolled for a loket; it proves itself with a device token in a cookie that changes
    with every vote (portal/kiosk/services.py, docs/kiosk.md)."""

    __tablename__ = "kiosk_device"

    id: Mapped[int] = mapped_column(primary_key=True)
    counter_id: Mapped[int] = mapped_column(ForeignKey("counter.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    #: SHA-256 of the random token a tablet paired before tokens rotated got; it works until the
    #: device's first rotation, then is cleared. NULL for every tablet paired since.
    token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    #: Random per device: with the app's secret key and the generation it gives the device token.
    token_seed: Mapped[str] = mapped_column(String(32), nullable=False, default=new_token_seed)
    #: The generation of the current token; each vote moves it on by one.
    generation: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: When the current generation began: the previous token works for a grace period after it.
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    enrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: Why the device was revoked: "manual" (a manager), or "token_reuse" (an old token came back:
    #: a copied cookie was used, services.REUSED).
    revoked_reason: Mapped[str | None] = mapped_column(String(20), nullable=True)
    last_vote_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    counter: Mapped[Counter] = relationship()


class KioskVote(db.Model):
    """One tap on the four-face scale, with an optional reason for a negative face."""

    __tablename__ = "kiosk_vote"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    counter_id: Mapped[int] = mapped_column(ForeignKey("counter.id"), nullable=False)
    device_id: Mapped[int] = mapped_column(ForeignKey("kiosk_device.id"), nullable=False, index=True)
    face: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    reason: Mapped[str | None] = mapped_column(String(20), nullable=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    local_date: Mapped[date] = mapped_column(Date, nullable=False)
    local_hour: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    local_weekday: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)

    __table_args__ = (
        CheckConstraint("face BETWEEN 1 AND 4", name="face_range"),
        CheckConstraint("local_hour BETWEEN 0 AND 23", name="local_hour_range"),
        CheckConstraint("local_weekday BETWEEN 0 AND 6", name="local_weekday_range"),
        Index("ix_kiosk_vote_unit_date", "unit_id", "local_date"),
        Index("ix_kiosk_vote_counter_date", "counter_id", "local_date"),
        #: The loket alert's rolling window, counted from the index alone.
        Index("ix_kiosk_vote_counter_time", "counter_id", "submitted_at", "face"),
    )


class KioskDaily(db.Model):
    """Rollup: votes per face per loket and local day, kept with every vote, for the dashboards."""

    __tablename__ = "kiosk_daily"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    counter_id: Mapped[int] = mapped_column(ForeignKey("counter.id"), nullable=False)
    local_date: Mapped[date] = mapped_column(Date, nullable=False)
    f1: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    f2: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    f3: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    f4: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    __table_args__ = (
        UniqueConstraint("counter_id", "local_date"),
        Index("ix_kiosk_daily_unit_date", "unit_id", "local_date"),
    )

"""The mail outbox: services queue messages in the request's transaction; the mail worker
(`mail-worker`, or one pass of `send-mail`) sends them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import UTCDateTime, utcnow
from portal.extensions import db


class OutboxMessage(db.Model):
    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), nullable=False, index=True)
    recipient: Mapped[str] = mapped_column(String(200), nullable=False)
    subject: Mapped[str] = mapped_column(String(300), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    #: NULL until sent; the sender picks unsent messages in order.
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    #: Set when the message is given up: it cannot be sent as it stands (an invalid address, a
    #: permanent refusal), or every attempt failed. `last_error` says why.
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: The reason of the last failed attempt (or of the failure); NULL once sent.
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: After a temporary failure: not tried again before this moment (a back-off that doubles
    #: per attempt). NULL: due now.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: The message itself says something HR must not learn from the outbox (a reminder goes only
    #: to raters who still owe a review): HR's status page shows neither its recipient nor its reason.
    private: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())

"""Citizen feedback at the loket: SKM responses, their saran, queue ticket batches and rollups."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import UTCDateTime, utcnow
from portal.extensions import db
from portal.org.models import Counter, Employee, Unit
from surveys import skm

#: Primary keys that grow past 2^31 in a busy province; plain INTEGER on SQLite (rowid).
BigId = BigInteger().with_variant(Integer(), "sqlite")
UNSUR_COLUMNS = tuple(f"u{i}" for i in range(1, 10))
CHANNELS = ("web", "officer", "ticket", "paper")
#: Channels of the public form: the ones the plausibility rules watch (`portal/feedback/holds.py`).
WEB_CHANNELS = ("web", "officer", "ticket")
#: Sums of squares and of products of the unsur that can describe an officer (U3, U6, U7), kept in
#: the daily rollup so the spread of an officer's scores (their 95% interval) and of each officer
#: unsur comes from SQL sums too (surveys.skm.officer_moments, docs/statistics.md).
SQUARE_COLUMNS = skm.SQUARE_KEYS
PRODUCT_COLUMNS = skm.PRODUCT_KEYS
COMMENT_STATUSES = ("baru", "ditindaklanjuti", "selesai")
#: Only a `counted` response enters the rollups and every figure. `held` awaits review (a rule
#: held it), `pending` is a row of a paper batch not yet verified, `rejected` was judged not
#: genuine, `withdrawn` went with its paper batch. None is ever deleted.
RESPONSE_STATUSES = ("counted", "held", "pending", "rejected", "withdrawn")
#: Why a response had to await review (`docs/integrity.md`); kept after it is released.
HOLD_REASONS = ("rate_loket", "rate_officer", "ticket_loket", "identical_run", "off_roster", "period_end",
                "paper_batch")
BATCH_STATUSES = ("pending", "verified", "trusted", "withdrawn")
HOLD_GROUP_STATUSES = ("open", "released", "rejected")


def _score_checks() -> tuple[CheckConstraint, ...]:
    return tuple(CheckConstraint(f"{c} BETWEEN 1 AND 4", name=f"{c}_range") for c in UNSUR_COLUMNS)


class SkmResponse(db.Model):
    """One complete SKM answer: the nine unsur, who served, when (UTC and instansi-local).

    Never edited once stored (a database trigger refuses changes to the answers); only the
    optional respondent profile is cleared when the retention period ends.
    """

    __tablename__ = "skm_response"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), nullable=False)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    counter_id: Mapped[int] = mapped_column(ForeignKey("counter.id"), nullable=False)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id"), nullable=True)
    #: The officer who served, when the citizen said so.
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"), nullable=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    #: Date, hour and weekday in the instansi's time zone, for grouping (DOMAIN.md §5).
    local_date: Mapped[date] = mapped_column(Date, nullable=False)
    local_hour: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    local_weekday: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    u1: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    u2: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    u3: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    u4: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    u5: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    u6: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    u7: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    u8: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    u9: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    #: Mostly answers of 1–2 (surveys.alerts.is_negative_skm), for the alert rule.
    negative: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    #: How it came in: the loket QR, an officer's name plate, a queue ticket, or a paper form.
    channel: Mapped[str] = mapped_column(String(10), nullable=False, default="web")
    #: One key per rendered form: a double tap or a retry stores one response.
    idempotency_key: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    #: The queue ticket this answer used; each ticket is used once.
    ticket_code: Mapped[str | None] = mapped_column(String(40), nullable=True, unique=True)
    #: Fingerprint of a paper-form row, so importing the same file twice adds nothing.
    import_key: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    gender: Mapped[str | None] = mapped_column(String(2), nullable=True)
    age_range: Mapped[str | None] = mapped_column(String(8), nullable=True)
    education: Mapped[str | None] = mapped_column(String(8), nullable=True)
    occupation: Mapped[str | None] = mapped_column(String(12), nullable=True)
    #: counted, held, pending, rejected or withdrawn (RESPONSE_STATUSES): only counted ones count.
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="counted", server_default="counted")
    #: Why it had to await review (HOLD_REASONS); NULL for a response that counted at once.
    hold_reason: Mapped[str | None] = mapped_column(String(20), nullable=True)
    #: The burst a held response belongs to, reviewed as one.
    hold_group_id: Mapped[int | None] = mapped_column(ForeignKey("hold_group.id"), nullable=True, index=True)
    #: The paper batch a paper row came in.
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("paper_batch.id"), nullable=True, index=True)

    counter: Mapped[Counter] = relationship()
    unit: Mapped[Unit] = relationship()
    employee: Mapped[Employee | None] = relationship()

    __table_args__ = (
        *_score_checks(),
        CheckConstraint("local_hour BETWEEN 0 AND 23", name="local_hour_range"),
        CheckConstraint("local_weekday BETWEEN 0 AND 6", name="local_weekday_range"),
        CheckConstraint("channel IN ('web', 'officer', 'ticket', 'paper')", name="channel_known"),
        CheckConstraint(f"status IN {RESPONSE_STATUSES!r}", name="status_known"),
        CheckConstraint(f"hold_reason IS NULL OR hold_reason IN {HOLD_REASONS!r}", name="hold_reason_known"),
        CheckConstraint("status NOT IN ('held', 'rejected') OR hold_reason IS NOT NULL", name="held_has_reason"),
        CheckConstraint("status <> 'pending' OR batch_id IS NOT NULL", name="pending_has_batch"),
        Index("ix_skm_response_unit_date", "unit_id", "local_date"),
        Index("ix_skm_response_counter_date", "counter_id", "local_date"),
        #: The loket's rolling windows (the negative-share alert and the rate rule), counted
        #: from the index alone.
        Index("ix_skm_response_counter_time", "counter_id", "submitted_at", "channel", "status", "negative"),
        Index("ix_skm_response_employee_date", "employee_id", "local_date"),
        #: The officer's rate and recent run of answers.
        Index("ix_skm_response_employee_time", "employee_id", "submitted_at", "channel"),
        #: Per unit, what does not count or was ever held (the queue, `held`, `ikm`'s "held", the
        #: appraisal's held and rejected counts).
        Index("ix_skm_response_unit_status", "unit_id", "status", "hold_reason"),
    )

    def scores(self) -> dict[str, int]:
        return {c.upper(): getattr(self, c) for c in UNSUR_COLUMNS}


class SkmComment(db.Model):
    """A saran or complaint written with a response; it lands in the unit's inbox."""

    __tablename__ = "skm_comment"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("skm_response.id"), nullable=False, unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    counter_id: Mapped[int] = mapped_column(ForeignKey("counter.id"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    local_date: Mapped[date] = mapped_column(Date, nullable=False)
    #: The citizen's words; NULL once removed at the end of the retention period.
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="baru")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"), nullable=True)
    response_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    response: Mapped[SkmResponse] = relationship()
    counter: Mapped[Counter] = relationship()
    assignee: Mapped[Employee | None] = relationship()

    __table_args__ = (
        CheckConstraint("status IN ('baru', 'ditindaklanjuti', 'selesai')", name="status_known"),
        Index("ix_skm_comment_unit_status", "unit_id", "status", "created_at"),
    )


class TicketBatch(db.Model):
    """A run of signed queue-ticket codes issued for one loket and day (serials first..first+count-1)."""

    __tablename__ = "ticket_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    counter_id: Mapped[int] = mapped_column(ForeignKey("counter.id"), nullable=False, index=True)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    first_serial: Mapped[int] = mapped_column(Integer, nullable=False)
    count: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)

    counter: Mapped[Counter] = relationship()

    __table_args__ = (
        UniqueConstraint("counter_id", "day", "first_serial"),
        CheckConstraint("count BETWEEN 1 AND 5000", name="count_range"),
        CheckConstraint("first_serial >= 0", name="first_serial_min"),
    )


class SkmDaily(db.Model):
    """Rollup: sums of the nine unsur per loket, layanan, officer and local day.

    Kept in the same transaction as every response written, so dashboards read thousands of
    rollup rows instead of millions of responses. `service_key`/`employee_key` use 0 for
    "none", because NULLs never match in a unique constraint.
    """

    __tablename__ = "skm_daily"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    counter_id: Mapped[int] = mapped_column(ForeignKey("counter.id"), nullable=False)
    service_key: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    employee_key: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    local_date: Mapped[date] = mapped_column(Date, nullable=False)
    n: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    negative: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    s1: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    s2: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    s3: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    s4: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    s5: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    s6: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    s7: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    s8: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    s9: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: Σ u² of the officer unsur U3, U6, U7 (SQUARE_COLUMNS).
    q3: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    q6: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    q7: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    #: Σ of the products of two officer unsur in one response (PRODUCT_COLUMNS).
    p36: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    p37: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    p67: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")

    __table_args__ = (
        UniqueConstraint("counter_id", "service_key", "employee_key", "local_date"),
        Index("ix_skm_daily_unit_date", "unit_id", "local_date"),
        Index("ix_skm_daily_employee_date", "employee_key", "local_date"),
    )


class SkmHourly(db.Model):
    """Rollup: responses per loket, local day and hour, for the hour-by-weekday heatmap."""

    __tablename__ = "skm_hourly"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    counter_id: Mapped[int] = mapped_column(ForeignKey("counter.id"), nullable=False)
    local_date: Mapped[date] = mapped_column(Date, nullable=False)
    local_hour: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    n: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    negative: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: Sum over responses of the nine scores added together (mean score = total / (9 n)).
    score_total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    __table_args__ = (
        UniqueConstraint("counter_id", "local_date", "local_hour"),
        # The heatmap sums a unit's rows by date and hour: with the summed columns in the index it
        # reads them in that order from the index alone (no table lookups, no sort).
        Index("ix_skm_hourly_unit_date_hour", "unit_id", "local_date", "local_hour", "n", "score_total"),
    )


class PaperBatch(db.Model):
    """One upload of paper SKM forms: who, when, the file's SHA-256 and its rows.

    An upload through the web is `pending`: its rows count only once a second HR user, not the
    uploader, verifies it. The operator's `import-responses` command stores a `trusted` batch
    that counts at once. Either can be withdrawn as a whole; its rows stay, marked.
    """

    __tablename__ = "paper_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), nullable=False, index=True)
    #: The signed-in uploader; NULL for the operator's command.
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    #: The uploader's username at the time, or the command's name.
    uploaded_by_label: Mapped[str] = mapped_column(String(64), nullable=False)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    filename: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    #: Hex SHA-256 of the uploaded file's bytes.
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    #: Data rows in the file, and those stored (rows imported before are skipped).
    row_count: Mapped[int] = mapped_column(Integer, nullable=False)
    added: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="pending")
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    withdraw_reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (
        CheckConstraint(f"status IN {BATCH_STATUSES!r}", name="status_known"),
        CheckConstraint("added >= 0 AND added <= row_count", name="added_range"),
        CheckConstraint("verified_by_id IS NULL OR uploaded_by_id IS NULL OR verified_by_id <> uploaded_by_id",
                        name="second_pair_of_eyes"),
    )


class HoldGroup(db.Model):
    """A burst of held responses at one loket, reviewed as one: released or rejected together."""

    __tablename__ = "hold_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), nullable=False)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)
    counter_id: Mapped[int] = mapped_column(ForeignKey("counter.id"), nullable=False)
    #: The first and the latest held response of the burst (UTC).
    first_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="open")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    counter: Mapped[Counter] = relationship()
    unit: Mapped[Unit] = relationship()

    __table_args__ = (
        CheckConstraint(f"status IN {HOLD_GROUP_STATUSES!r}", name="status_known"),
        CheckConstraint("status = 'open' OR (decided_by_id IS NOT NULL AND decision_reason IS NOT NULL)",
                        name="decision_complete"),
        Index("ix_hold_group_counter_status", "counter_id", "status", "last_at"),
        Index("ix_hold_group_unit_status", "unit_id", "status"),
    )


class HoldNote(db.Model):
    """A comment on a held burst, by HR or a manager of its unit."""

    __tablename__ = "hold_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("hold_group.id"), nullable=False, index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    #: The author's name at the time, as shown beside the note.
    author_label: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    text: Mapped[str] = mapped_column(Text, nullable=False)

"""360-degree reviews: questionnaires, cycles, invitations and anonymous responses.

Anonymity is structural: a response row carries the cycle, the reviewee and the rater group,
never the rater, and no date. While the cycle is open a submitted review waits sealed in the
pool (:class:`ReviewPoolEntry`); when the cycle closes, every entry is written into the
response tables in one shuffled batch with fresh random ids, so neither a stored value nor the
database's own row metadata (PostgreSQL's ``xmin``, the row order) ties a response to its
invitation. "One response per invitation" is the invitation's guarded flip from pending to
done in the rater's request. ``docs/anonymity.md`` says what an administrator can learn.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
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
from portal.org.models import Employee, Unit

CYCLE_STATES = ("draft", "open", "closed", "released")
PERIOD_KINDS = ("triwulan", "tahunan")
GROUPS = ("diri", "atasan", "rekan", "bawahan")


class Questionnaire(db.Model):
    """A set of behaviour items grouped by value (by default BerAKHLAK), rated on a scale."""

    __tablename__ = "questionnaire"

    id: Mapped[int] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    scale_min: Mapped[int] = mapped_column(SmallInteger, nullable=False, default=1)
    scale_max: Mapped[int] = mapped_column(SmallInteger, nullable=False, default=5)
    #: The questionnaire this one was copied from, if any.
    copied_from_id: Mapped[int | None] = mapped_column(ForeignKey("questionnaire.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    items: Mapped[list[QuestionnaireItem]] = relationship(
        back_populates="questionnaire", order_by="QuestionnaireItem.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("instansi_id", "name"),
        CheckConstraint("scale_min < scale_max", name="scale_order"),
    )


class QuestionnaireItem(db.Model):
    """One behaviour guide (panduan perilaku) under a value, rated on the questionnaire's scale."""

    __tablename__ = "questionnaire_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire.id", ondelete="CASCADE"), nullable=False, index=True)
    #: The value it belongs to, e.g. "AKUNTABEL"; comments are given per value.
    value_code: Mapped[str] = mapped_column(String(40), nullable=False)
    value_name: Mapped[str] = mapped_column(String(120), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    text: Mapped[str] = mapped_column(String(400), nullable=False)

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="items")

    __table_args__ = (UniqueConstraint("questionnaire_id", "position"),)


class ReviewCycle(db.Model):
    """A round of 360 reviews over some units: Draft → Open → Closed → Released."""

    __tablename__ = "review_cycle"

    id: Mapped[int] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    period_kind: Mapped[str] = mapped_column(String(10), nullable=False, default="tahunan")
    opens_on: Mapped[date] = mapped_column(Date, nullable=False)
    closes_on: Mapped[date] = mapped_column(Date, nullable=False)
    state: Mapped[str] = mapped_column(String(10), nullable=False, default="draft")
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire.id"), nullable=False, index=True)
    #: Responses a rekan/bawahan group needs before it is shown; never below 3.
    threshold: Mapped[int] = mapped_column(SmallInteger, nullable=False, default=3)
    peer_cap: Mapped[int] = mapped_column(SmallInteger, nullable=False, default=4)
    subordinate_cap: Mapped[int] = mapped_column(SmallInteger, nullable=False, default=6)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: The day HR last sent reminders (to everyone who still owed a review then).
    reminded_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: When a report of the cycle was first read, printed or exported (web or CLI): from then on the
    #: cycle cannot be reopened, since new answers could be isolated by comparing reports.
    report_first_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    questionnaire: Mapped[Questionnaire] = relationship()
    cycle_units: Mapped[list[ReviewCycleUnit]] = relationship(cascade="all, delete-orphan")

    __table_args__ = (
        UniqueConstraint("instansi_id", "name"),
        CheckConstraint("state IN ('draft', 'open', 'closed', 'released')", name="state_known"),
        CheckConstraint("period_kind IN ('triwulan', 'tahunan')", name="period_kind_known"),
        CheckConstraint("threshold >= 3", name="threshold_min"),
        CheckConstraint("opens_on <= closes_on", name="date_order"),
        CheckConstraint("peer_cap BETWEEN 0 AND 20 AND subordinate_cap BETWEEN 0 AND 30", name="caps_range"),
    )


class ReviewCycleUnit(db.Model):
    """A unit whose employees are reviewed in the cycle."""

    __tablename__ = "review_cycle_unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("review_cycle.id", ondelete="CASCADE"), nullable=False)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False)

    unit: Mapped[Unit] = relationship()

    __table_args__ = (UniqueConstraint("cycle_id", "unit_id"),)


class ReviewExpectation(db.Model):
    """The ekspektasi khusus pimpinan: what the supervisor expects of a reviewee for one value."""

    __tablename__ = "review_expectation"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("review_cycle.id", ondelete="CASCADE"), nullable=False)
    reviewee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), nullable=False)
    value_code: Mapped[str] = mapped_column(String(40), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)

    __table_args__ = (UniqueConstraint("cycle_id", "reviewee_id", "value_code"),)


class ReviewInvitation(db.Model):
    """Who is asked to review whom, in which group; the link token is derived from `token_nonce`.

    Marked done when answered, without a date; it never points at the response.
    """

    __tablename__ = "review_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("review_cycle.id", ondelete="CASCADE"), nullable=False)
    reviewee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), nullable=False, index=True)
    rater_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), nullable=False, index=True)
    rater_group: Mapped[str] = mapped_column(String(10), nullable=False)
    #: proposed (from the org chart), added (by HR or the supervisor), nominated (by the reviewee).
    source: Mapped[str] = mapped_column(String(10), nullable=False, default="proposed")
    #: A reviewee's nomination waits for the supervisor's approval.
    approved: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    #: Random value; the link token is HMAC(secret, nonce) and only its SHA-256 is looked up.
    token_nonce: Mapped[str] = mapped_column(String(32), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    #: pending → draft → done; flipped to done once, by a guarded UPDATE in the rater's request.
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="pending")
    #: The rater's unsent answers (theirs alone), removed when they submit.
    draft: Mapped[str | None] = mapped_column(Text, nullable=True)

    cycle: Mapped[ReviewCycle] = relationship()
    reviewee: Mapped[Employee] = relationship(foreign_keys=[reviewee_id])
    rater: Mapped[Employee] = relationship(foreign_keys=[rater_id])

    __table_args__ = (
        UniqueConstraint("cycle_id", "reviewee_id", "rater_id"),
        CheckConstraint("rater_group IN ('diri', 'atasan', 'rekan', 'bawahan')", name="group_known"),
        CheckConstraint("source IN ('proposed', 'added', 'nominated')", name="source_known"),
        CheckConstraint("status IN ('pending', 'draft', 'done')", name="status_known"),
        Index("ix_review_invitation_cycle_reviewee", "cycle_id", "reviewee_id"),
    )


class ReviewPoolEntry(db.Model):
    """A submitted review waiting, sealed, for its cycle to close (portal/reviews/pool.py).

    Written in the rater's request together with the invitation's flip to done; at close it is
    opened, written into the response tables in one shuffled batch, and deleted.
    """

    __tablename__ = "review_pool"

    #: Random hex.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("review_cycle.id", ondelete="CASCADE"), nullable=False,
                                          index=True)
    #: AES-256-GCM under a key derived from the app's secret and the cycle: the reviewee, the
    #: group, the scores and the comments, padded to a size class.
    sealed: Mapped[str] = mapped_column(Text, nullable=False)


class ReviewResponse(db.Model):
    """A submitted review: cycle, reviewee and rater group only (never the rater, no date).

    Written only when the cycle closes, in one shuffled batch (see :class:`ReviewPoolEntry`).
    """

    __tablename__ = "review_response"

    #: Random hex, drawn at close: the order of rows says nothing about who answered when.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("review_cycle.id", ondelete="CASCADE"), nullable=False)
    reviewee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), nullable=False)
    rater_group: Mapped[str] = mapped_column(String(10), nullable=False)

    answers: Mapped[list[ReviewAnswer]] = relationship(cascade="all, delete-orphan")
    comments: Mapped[list[ReviewComment]] = relationship(cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint("rater_group IN ('diri', 'atasan', 'rekan', 'bawahan')", name="group_known"),
        Index("ix_review_response_cycle_reviewee", "cycle_id", "reviewee_id", "rater_group"),
    )


class ReviewAnswer(db.Model):
    """One item's score in a response; NULL means "tidak dapat menilai"."""

    __tablename__ = "review_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[str] = mapped_column(ForeignKey("review_response.id", ondelete="CASCADE"), nullable=False)
    item_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_item.id"), nullable=False)
    score: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)

    __table_args__ = (
        UniqueConstraint("response_id", "item_id"),
        CheckConstraint("score IS NULL OR score BETWEEN 1 AND 10", name="score_range"),
    )


class ReviewComment(db.Model):
    """A rater's comment on one value."""

    __tablename__ = "review_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[str] = mapped_column(ForeignKey("review_response.id", ondelete="CASCADE"), nullable=False)
    value_code: Mapped[str] = mapped_column(String(40), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)

    __table_args__ = (UniqueConstraint("response_id", "value_code"),)

"""Annual (or quarterly) appraisal: periods with their weights, one record per employee, the
append-only audit log and read-only API tokens."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import UTCDateTime, utcnow
from portal.extensions import db
from portal.org.models import Employee
from portal.reviews.models import ReviewCycle

RECORD_STATUSES = ("draft", "confirmed", "finalised")
Score = Numeric(7, 3)
Weight = Numeric(7, 3)


class AppraisalPeriod(db.Model):
    """What an appraisal draws on: a citizen-feedback date range and review cycles, with its rules."""

    __tablename__ = "appraisal_period"

    id: Mapped[int] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(10), nullable=False, default="tahunan")
    citizen_from: Mapped[date] = mapped_column(Date, nullable=False)
    citizen_to: Mapped[date] = mapped_column(Date, nullable=False)
    #: The SKM unsur that describe the officer in this period (DOMAIN.md §1), comma-separated.
    officer_unsur: Mapped[str] = mapped_column(String(20), nullable=False, default="U6,U7")
    #: Composite thresholds for the suggested rating perilaku (0–100).
    above_threshold: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False, default=Decimal(80))
    meets_threshold: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False, default=Decimal(60))
    #: Minimum SKM responses naming the officer before the citizen component counts.
    min_citizen_n: Mapped[int] = mapped_column(Integer, nullable=False, default=10)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    period_cycles: Mapped[list[AppraisalPeriodCycle]] = relationship(cascade="all, delete-orphan")
    weights: Mapped[list[WeightProfile]] = relationship(cascade="all, delete-orphan", order_by="WeightProfile.job_group")

    __table_args__ = (
        UniqueConstraint("instansi_id", "name"),
        CheckConstraint("kind IN ('tahunan', 'triwulan')", name="kind_known"),
        CheckConstraint("citizen_from <= citizen_to", name="date_order"),
        CheckConstraint("meets_threshold < above_threshold AND meets_threshold >= 0 AND above_threshold <= 100",
                        name="threshold_order"),
        CheckConstraint("min_citizen_n >= 1", name="min_citizen_n_positive"),
    )

    @property
    def cycles(self) -> list[ReviewCycle]:
        return [pc.cycle for pc in self.period_cycles]


class AppraisalPeriodCycle(db.Model):
    """A review cycle whose results feed the period."""

    __tablename__ = "appraisal_period_cycle"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("appraisal_period.id", ondelete="CASCADE"), nullable=False)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("review_cycle.id"), nullable=False)

    cycle: Mapped[ReviewCycle] = relationship()

    __table_args__ = (UniqueConstraint("period_id", "cycle_id"),)


class WeightProfile(db.Model):
    """The period's weights (percent, summing to 100) for one job group."""

    __tablename__ = "weight_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("appraisal_period.id", ondelete="CASCADE"), nullable=False)
    job_group: Mapped[str] = mapped_column(String(20), nullable=False)
    citizen: Mapped[Decimal] = mapped_column(Weight, nullable=False, default=Decimal(0))
    atasan: Mapped[Decimal] = mapped_column(Weight, nullable=False, default=Decimal(0))
    rekan: Mapped[Decimal] = mapped_column(Weight, nullable=False, default=Decimal(0))
    bawahan: Mapped[Decimal] = mapped_column(Weight, nullable=False, default=Decimal(0))
    #: Self-assessment counts only when HR chooses so (normally shown for the gap alone).
    self_weight: Mapped[Decimal] = mapped_column(Weight, nullable=False, default=Decimal(0))

    __table_args__ = (
        UniqueConstraint("period_id", "job_group"),
        CheckConstraint("job_group IN ('front_line', 'back_office')", name="job_group_known"),
        CheckConstraint("citizen + atasan + rekan + bawahan + self_weight = 100", name="sums_to_100"),
        CheckConstraint("citizen >= 0 AND atasan >= 0 AND rekan >= 0 AND bawahan >= 0 AND self_weight >= 0",
                        name="non_negative"),
    )


class AppraisalRecord(db.Model):
    """One employee's appraisal in a period: every figure with its n and weight, the ratings,
    the predikat and the workflow state. Once finalised the database refuses any change."""

    __tablename__ = "appraisal_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("appraisal_period.id"), nullable=False)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), nullable=False, index=True)
    #: Snapshot of the employee's unit and job group when merged.
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False, index=True)
    job_group: Mapped[str] = mapped_column(String(20), nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="draft")
    citizen_score: Mapped[Decimal | None] = mapped_column(Score, nullable=True)
    citizen_n: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    atasan_score: Mapped[Decimal | None] = mapped_column(Score, nullable=True)
    atasan_n: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rekan_score: Mapped[Decimal | None] = mapped_column(Score, nullable=True)
    rekan_n: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    bawahan_score: Mapped[Decimal | None] = mapped_column(Score, nullable=True)
    bawahan_n: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    self_score: Mapped[Decimal | None] = mapped_column(Score, nullable=True)
    self_n: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    #: The officer's IKM (25–100, as shown) that the citizen score is computed from, and the margin
    #: of its 95% interval (docs/statistics.md); NULL without citizen responses (or without two).
    citizen_ikm: Mapped[Decimal | None] = mapped_column(Score, nullable=True)
    citizen_margin: Mapped[Decimal | None] = mapped_column(Score, nullable=True)
    #: Weights as used after renormalisation; NULL where the component was left out.
    weight_citizen: Mapped[Decimal | None] = mapped_column(Weight, nullable=True)
    weight_atasan: Mapped[Decimal | None] = mapped_column(Weight, nullable=True)
    weight_rekan: Mapped[Decimal | None] = mapped_column(Weight, nullable=True)
    weight_bawahan: Mapped[Decimal | None] = mapped_column(Weight, nullable=True)
    weight_self: Mapped[Decimal | None] = mapped_column(Weight, nullable=True)
    composite: Mapped[Decimal | None] = mapped_column(Score, nullable=True)
    rating_perilaku_suggested: Mapped[str | None] = mapped_column(String(30), nullable=True)
    rating_perilaku: Mapped[str | None] = mapped_column(String(30), nullable=True)
    override_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    rating_hasil_kerja: Mapped[str | None] = mapped_column(String(30), nullable=True)
    predikat: Mapped[str | None] = mapped_column(String(30), nullable=True)
    #: JSON list of [template, params]: how the figures came about, in plain words.
    explanation: Mapped[str] = mapped_column(Text, nullable=False, default="[]")
    #: JSON: the weakest values and unsur, suggested for development.
    development: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finalised_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    period: Mapped[AppraisalPeriod] = relationship()
    employee: Mapped[Employee] = relationship()

    def shown_n(self, component: str) -> int | None:
        """A component's response count as every output shows it ("citizen", "atasan", "rekan",
        "bawahan", "self"). A rater group's count stands only beside its score: a group hidden
        under the anonymity threshold shows no count anywhere (records merged before that rule
        may still hold one)."""
        n = getattr(self, f"{component}_n")
        if component == "citizen":
            return n
        return n if n and getattr(self, f"{component}_score") is not None else None

    __table_args__ = (
        UniqueConstraint("period_id", "employee_id"),
        CheckConstraint("status IN ('draft', 'confirmed', 'finalised')", name="status_known"),
        CheckConstraint("job_group IN ('front_line', 'back_office')", name="job_group_known"),
        CheckConstraint("status = 'draft' OR rating_perilaku IS NOT NULL", name="confirmed_has_rating"),
        Index("ix_appraisal_record_period_unit", "period_id", "unit_id"),
    )


class AuditEntry(db.Model):
    """Append-only: who changed what on an appraisal record, with before and after values.

    The database refuses UPDATE and DELETE on this table.
    """

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), nullable=False)
    record_id: Mapped[int] = mapped_column(ForeignKey("appraisal_record.id"), nullable=False, index=True)
    action: Mapped[str] = mapped_column(String(30), nullable=False)
    #: JSON objects of the changed fields.
    before: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    after: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class ApiToken(db.Model):
    """A bearer token for the read-only API, issued, scoped and revoked by an admin."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    #: SHA-256 of the token; the token is shown once when issued.
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    #: The first characters, to recognise a token in the list.
    prefix: Mapped[str] = mapped_column(String(12), nullable=False)
    #: Space-separated scopes, e.g. "appraisals:read".
    scopes: Mapped[str] = mapped_column(String(200), nullable=False, default="appraisals:read")
    #: Limit to one unit (NULL: the whole instansi).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    #: The token stops working at this instant (portal/appraisal/tokens.py: 90 days by default).
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)



"""Annual (or quarterly) appraisal: periods with their weights, one record per employee with its
fixed Pejabat Penilai and the settings it was computed with, the employee's objections
(keberatan), proposals to change a period's settings once used, the append-only audit log and
read-only API tokens."""
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
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import UTCDateTime, utcnow
from portal.extensions import db
from portal.org.models import Employee
from portal.reviews.models import ReviewCycle

RECORD_STATUSES = ("draft", "confirmed", "finalised")
OBJECTION_STATUSES = ("pending", "decided")
SETTINGS_CHANGE_STATUSES = ("pending", "approved", "rejected", "withdrawn")
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
    #: Set by the period's first confirmation: from then on its settings change only by a
    #: proposal of one HR user approved by another (docs/segregation.md).
    settings_frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

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


#: On PostgreSQL the foreign keys of these tables are checked by triggers once per statement, not
#: by a query per row (migration 3e116fc50e57; docs/audit.md, "The records' references on
#: PostgreSQL"); the models still declare them, and SQLite keeps them as constraints.
CHECKED_PER_STATEMENT = ("appraisal_record", "audit_entry")


def kept_as_constraint(obj, type_: str, dialect: str) -> bool:
    """Whether the schema holds ``obj`` as the models declare it (Alembic's include_object): on
    PostgreSQL the foreign keys of CHECKED_PER_STATEMENT are triggers instead."""
    return not (type_ == "foreign_key_constraint" and dialect == "postgresql"
                and obj.table.name in CHECKED_PER_STATEMENT)


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
    #: The officer's citizen responses in the period left out at the merge: awaiting review
    #: (held, or in an unverified paper batch), and rejected or withdrawn.
    citizen_held_n: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    citizen_rejected_n: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
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
    #: The Pejabat Penilai and the Atasan Pejabat Penilai, fixed from the org chart when the merge
    #: created the record; only HR's explicit, audited reassignment changes them.
    penilai_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"), nullable=True, index=True)
    atasan_penilai_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"), nullable=True, index=True)
    #: The period settings the figures were computed with (NULL: computed before they were kept).
    settings_id: Mapped[int | None] = mapped_column(ForeignKey("appraisal_settings.id"), nullable=True)
    #: The instansi-local day the employee was notified of the confirmation: the objection
    #: window (keberatan, PP 30/2019 Pasal 59) counts from it.
    notified_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    #: When the employee waived the right to object to this confirmation.
    objection_waived_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    period: Mapped[AppraisalPeriod] = relationship()
    employee: Mapped[Employee] = relationship(foreign_keys=[employee_id])
    penilai: Mapped[Employee | None] = relationship(foreign_keys=[penilai_id])
    atasan_penilai: Mapped[Employee | None] = relationship(foreign_keys=[atasan_penilai_id])
    settings: Mapped[AppraisalSettings | None] = relationship()

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


class AppraisalSettings(db.Model):
    """A period's settings as records were computed with them: never changed, one version per
    distinct set of settings a merge used."""

    __tablename__ = "appraisal_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("appraisal_period.id", ondelete="CASCADE"), nullable=False)
    #: 1, 2, ... within the period.
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    #: JSON: citizen dates, cycles, officer unsur, minimum citizen n, thresholds and weights.
    values: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    __table_args__ = (UniqueConstraint("period_id", "version"), CheckConstraint("version >= 1", name="version_positive"))


class AppraisalSettingsChange(db.Model):
    """A change to a period's settings after they were used: proposed by one HR user and
    approved (or rejected) by another, each with a reason."""

    __tablename__ = "appraisal_settings_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("appraisal_period.id", ondelete="CASCADE"), nullable=False,
                                           index=True)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="pending")
    #: JSON: the proposed settings, the period's name and kind included.
    proposed: Mapped[str] = mapped_column(Text, nullable=False)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    proposal_reason: Mapped[str] = mapped_column(Text, nullable=False)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    period: Mapped[AppraisalPeriod] = relationship()

    __table_args__ = (
        CheckConstraint("status IN ('pending', 'approved', 'rejected', 'withdrawn')", name="status_known"),
        # Two people: whoever approves or rejects is not the proposer (a withdrawal is theirs).
        CheckConstraint("status IN ('pending', 'withdrawn') OR decided_by_id <> proposed_by_id",
                        name="second_pair_of_eyes"),
    )


class AppraisalSettingsPin(db.Model):
    """A record an approved settings change left at its settings: the record of the HR user who
    proposed the change or approved it, never recomputed under the settings they changed."""

    __tablename__ = "appraisal_settings_pin"

    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("appraisal_settings_change.id", ondelete="CASCADE"),
                                           nullable=False)
    record_id: Mapped[int] = mapped_column(ForeignKey("appraisal_record.id"), nullable=False, index=True)

    __table_args__ = (UniqueConstraint("change_id", "record_id"),)


class AppraisalObjection(db.Model):
    """An employee's keberatan against the confirmed result (PP 30/2019 Pasal 59), decided by the
    Atasan Pejabat Penilai after hearing the penilai and the employee."""

    __tablename__ = "appraisal_objection"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("appraisal_record.id"), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="pending")
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    #: The explanations the Atasan Pejabat Penilai asked for and recorded.
    penilai_explanation: Mapped[str | None] = mapped_column(Text, nullable=True)
    employee_explanation: Mapped[str | None] = mapped_column(Text, nullable=True)
    explained_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    explained_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: The result before the decision and as decided.
    rating_perilaku_before: Mapped[str | None] = mapped_column(String(30), nullable=True)
    rating_hasil_kerja_before: Mapped[str | None] = mapped_column(String(30), nullable=True)
    predikat_before: Mapped[str | None] = mapped_column(String(30), nullable=True)
    rating_perilaku_after: Mapped[str | None] = mapped_column(String(30), nullable=True)
    rating_hasil_kerja_after: Mapped[str | None] = mapped_column(String(30), nullable=True)
    predikat_after: Mapped[str | None] = mapped_column(String(30), nullable=True)

    record: Mapped[AppraisalRecord] = relationship()

    __table_args__ = (
        CheckConstraint("status IN ('pending', 'decided')", name="status_known"),
        CheckConstraint("status = 'pending' OR (decided_by_id IS NOT NULL AND decision_reason IS NOT NULL "
                        "AND predikat_after IS NOT NULL)", name="decided_complete"),
        # One objection waits per record at a time.
        Index("uq_appraisal_objection_pending", "record_id", unique=True,
              sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),
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



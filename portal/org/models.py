"""Organisation data: instansi, unit kerja, layanan, loket, employees and the duty roster."""
from __future__ import annotations

import secrets
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import UTCDateTime, utcnow
from portal.extensions import db

#: The time zones an Indonesian instansi can sit in (DOMAIN.md §5).
TIMEZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
#: Job groups that appraisal weights may differ by.
JOB_GROUPS = ("front_line", "back_office")
#: What a manager may set as a loket's plausible web responses per rate window (docs/integrity.md).
RATE_LIMIT_BOUNDS = (5, 30)


def new_public_code() -> str:
    """Eight unambiguous characters, for URLs printed on name plates."""
    alphabet = "23456789abcdefghjkmnpqrstuvwxyz"
    return "".join(secrets.choice(alphabet) for _ in range(8))


class Instansi(db.Model):
    """A local government (Pemerintah Kota/Kabupaten) using the portal."""

    __tablename__ = "instansi"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    timezone: Mapped[str] = mapped_column(String(40), nullable=False, default="Asia/Jakarta")
    #: Per-instansi HMAC key that signs queue ticket codes; never shown.
    ticket_key: Mapped[bytes] = mapped_column(LargeBinary(64), nullable=False)
    #: The organisation's own predikat, the baseline for pola distribusi.
    org_predikat: Mapped[str] = mapped_column(String(30), nullable=False, default="Baik")
    #: Days that free-text comments and respondent profiles are kept (UU PDP).
    retention_days: Mapped[int] = mapped_column(Integer, nullable=False, default=730)
    #: The SKM unsur that describe the officer who served (DOMAIN.md §1), comma-separated.
    officer_unsur: Mapped[str] = mapped_column(String(20), nullable=False, default="U6,U7")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    __table_args__ = (
        CheckConstraint("retention_days >= 30", name="retention_days_min"),
    )

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def __repr__(self) -> str:
        return f"<Instansi {self.name!r}>"


class Unit(db.Model):
    """A unit kerja (dinas, badan, bagian), possibly nested under a parent unit."""

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), nullable=False, index=True)
    #: Short code used in URLs, exports and the CLI (`ikm --unit`).
    code: Mapped[str] = mapped_column(String(20), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), nullable=True, index=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    #: Whether the unit shows its IKM on the public results page.
    publish_results: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    instansi: Mapped[Instansi] = relationship()
    parent: Mapped[Unit | None] = relationship(remote_side=[id])

    __table_args__ = (UniqueConstraint("instansi_id", "code"),)

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"


class Service(db.Model):
    """A layanan that a unit provides to citizens."""

    __tablename__ = "service"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    unit: Mapped[Unit] = relationship()

    __table_args__ = (UniqueConstraint("unit_id", "name"),)


class Counter(db.Model):
    """A loket: a service counter where citizens are served and scan the QR code."""

    __tablename__ = "counter"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False, index=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id"), nullable=True, index=True)
    #: Stable short code printed in the QR URL (/s/<code>); unique across the portal.
    code: Mapped[str] = mapped_column(String(16), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    location: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    #: The instansi-local day the loket opened: no paper form can date from before it.
    opened_on: Mapped[date] = mapped_column(Date, nullable=False, default=lambda: utcnow().date())
    #: Web responses the loket plausibly takes in the rate window (`CERMIN_RATE_WINDOW_MINUTES`),
    #: set by its manager; NULL takes the portal's `CERMIN_RATE_LIMIT`.
    rate_limit: Mapped[int | None] = mapped_column(Integer, nullable=True)

    unit: Mapped[Unit] = relationship()
    service: Mapped[Service | None] = relationship()

    __table_args__ = (
        CheckConstraint(f"rate_limit IS NULL OR rate_limit BETWEEN {RATE_LIMIT_BOUNDS[0]} AND {RATE_LIMIT_BOUNDS[1]}",
                        name="rate_limit_range"),
    )


class Employee(db.Model):
    """An ASN of the instansi, identified by NIP."""

    __tablename__ = "employee"

    id: Mapped[int] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), nullable=False, index=True)
    #: Unique within the instansi: an ASN moved to another instansi is that instansi's employee too,
    #: and nothing tells one instansi which NIPs another holds.
    nip: Mapped[str] = mapped_column(String(18), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    jabatan: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), nullable=False, index=True)
    #: The Pejabat Penilai Kinerja (direct superior); their own supervisor is the atasan pejabat penilai.
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"), nullable=True, index=True)
    #: Heads the unit: sees its dashboards and receives its alerts.
    is_unit_head: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    job_group: Mapped[str] = mapped_column(String(20), nullable=False, default="back_office")
    email: Mapped[str | None] = mapped_column(String(200), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    #: Random code in the officer's name-plate QR (the NIP holds a birth date: never in a URL).
    public_code: Mapped[str] = mapped_column(String(12), nullable=False, unique=True, default=new_public_code)

    unit: Mapped[Unit] = relationship()
    supervisor: Mapped[Employee | None] = relationship(remote_side=[id])

    __table_args__ = (
        CheckConstraint("job_group IN ('front_line', 'back_office')", name="job_group_known"),
        CheckConstraint("supervisor_id IS NULL OR supervisor_id <> id", name="not_own_supervisor"),
        UniqueConstraint("instansi_id", "nip"),
    )

    def __repr__(self) -> str:
        return f"<Employee {self.nip}>"


class RosterEntry(db.Model):
    """Who serves at which loket, when: a weekly shift within a validity range (local time)."""

    __tablename__ = "roster_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    counter_id: Mapped[int] = mapped_column(ForeignKey("counter.id"), nullable=False, index=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), nullable=False, index=True)
    #: 0 = Monday … 6 = Sunday; NULL means every day.
    weekday: Mapped[int | None] = mapped_column(Integer, nullable=True)
    start_time: Mapped[time] = mapped_column(Time, nullable=False)
    end_time: Mapped[time] = mapped_column(Time, nullable=False)
    valid_from: Mapped[date] = mapped_column(Date, nullable=False)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)

    counter: Mapped[Counter] = relationship()
    employee: Mapped[Employee] = relationship()

    __table_args__ = (
        CheckConstraint("weekday IS NULL OR (weekday BETWEEN 0 AND 6)", name="weekday_range"),
        CheckConstraint("start_time < end_time", name="shift_order"),
        CheckConstraint("valid_to IS NULL OR valid_from <= valid_to", name="validity_order"),
    )

    def covers(self, local: datetime) -> bool:
        """Whether this shift covers the given instansi-local moment."""
        return shift_covers(self, local)


def shift_covers(shift, local: datetime) -> bool:
    """Whether a roster shift (a RosterEntry, or a row with its columns) covers an instansi-local moment."""
    day = local.date()
    if day < shift.valid_from or (shift.valid_to is not None and day > shift.valid_to):
        return False
    if shift.weekday is not None and local.weekday() != shift.weekday:
        return False
    return shift.start_time <= local.time().replace(tzinfo=None) < shift.end_time

"""User accounts and their roles."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import UTCDateTime, utcnow
from portal.extensions import db
from portal.org.models import Employee, Instansi
from portal.roles import ADMIN, AUDITOR, EMPLOYEE, HR, ROLES, SUPERVISOR  # noqa: F401  (features import them from here)


class User(UserMixin, db.Model):
    """Someone who logs in: usually an employee, sometimes an HR or admin account alone."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    instansi_id: Mapped[int] = mapped_column(ForeignKey("instansi.id"), nullable=False, index=True)
    username: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"), nullable=True, unique=True)
    display_name: Mapped[str] = mapped_column(String(200), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    #: The user's own language choice ("id" or "en"); NULL follows the browser.
    locale: Mapped[str | None] = mapped_column(String(5), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    #: Copied into each session at login and compared on every request: raising it ends every
    #: session of the account at once (logout, a password or TOTP change, deactivation).
    session_generation: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    #: The password was set by someone else (an admin, the bulk creation): the user must choose
    #: their own before any other page opens.
    must_change_password: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                                       server_default=sa_false())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: Base32 secret of the optional TOTP second factor (admin and HR); NULL when not set up.
    totp_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: When the second factor was confirmed with a first valid code; NULL while only proposed.
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: The 30-second TOTP step of the last accepted code: a code of this step or an earlier one is
    #: refused, so each code works once.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    instansi: Mapped[Instansi] = relationship()
    employee: Mapped[Employee | None] = relationship()
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    __table_args__ = (CheckConstraint("locale IS NULL OR locale IN ('id', 'en')", name="locale_known"),)

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(row.role for row in self.role_rows)

    def has_role(self, *roles: str) -> bool:
        return not self.roles.isdisjoint(roles)

    @property
    def uses_totp(self) -> bool:
        return self.totp_secret is not None and self.totp_enabled_at is not None

    @property
    def is_active(self) -> bool:  # Flask-Login reads this
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class UserRole(db.Model):
    """One role held by one user; a person may hold several."""

    __tablename__ = "user_role"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False)

    user: Mapped[User] = relationship(back_populates="role_rows")

    __table_args__ = (
        UniqueConstraint("user_id", "role"),
        CheckConstraint("role IN ('admin', 'hr', 'supervisor', 'employee', 'auditor')", name="role_known"),
    )


class LoginFailure(db.Model):
    """Recent wrong passwords for one account name from one client, which set the delay before
    that client may try that name again. Another client (the owner at their own desk) is not
    delayed: a stranger who knows a NIP cannot keep its employee out."""

    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Keyed hash of the login name as typed (username or NIP, normalised).
    account_key: Mapped[str] = mapped_column(String(64), nullable=False)
    #: Keyed hash of the client: the device cookie of an earlier login to this account, else the address.
    client_key: Mapped[str] = mapped_column(String(64), nullable=False)
    failures: Mapped[int] = mapped_column(Integer, nullable=False)
    #: Rows untouched for a day are forgotten (and pruned).
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)

    __table_args__ = (UniqueConstraint("account_key", "client_key"),)

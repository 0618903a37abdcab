"""Authentication and account changes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select

from portal import audit, clock
from portal.accounts.models import ROLES, User, UserRole
from portal.extensions import db
from portal.org.models import Employee
from surveys.errors import DomainError
from surveys.i18n import N_

_hasher = PasswordHasher()
#: A hash checked when the account does not exist, so timing does not reveal valid usernames.
_DUMMY_HASH = _hasher.hash("cermin-dummy-password")

MIN_PASSWORD_LENGTH = 10


class AccountError(DomainError):
    """A login or account change that cannot be done, with a message for the user."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_problem(password: str, *, username: str = "") -> tuple[str, dict] | None:
    """Why a new password is not acceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return N_("Kata sandi minimal %(n)d karakter."), {"n": MIN_PASSWORD_LENGTH}
    if password.isdigit() or password.isalpha():
        return N_("Kata sandi harus memuat huruf dan angka atau simbol."), {}
    if username and username.lower() in password.lower():
        return N_("Kata sandi tidak boleh memuat nama pengguna."), {}
    return None


def find_user(login: str) -> User | None:
    """Find an account by username or by the employee's NIP."""
    login = login.strip()
    if not login:
        return None
    user = db.session.scalar(select(User).where(User.username == login.lower()))
    if user is None and login.replace(" ", "").isdigit():
        user = db.session.scalar(
            select(User).join(Employee, User.employee_id == Employee.id).where(Employee.nip == login.replace(" ", ""))
        )
    return user


@dataclass
class LoginPolicy:
    attempts: int
    lock_minutes: int


def authenticate(login: str, password: str, policy: LoginPolicy, now: datetime | None = None) -> User:
    """Return the user for valid credentials, or raise AccountError with a message for the user."""
    now = now or clock.now()
    user = find_user(login)
    if user is None or not user.active:
        _verify(_DUMMY_HASH, password)
        raise AccountError(N_("NIP/nama pengguna atau kata sandi salah."))
    if user.locked_until is not None and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        raise AccountError(
            N_("Akun dikunci sementara karena terlalu banyak percobaan yang salah. Coba lagi dalam %(minutes)d menit."),
            {"minutes": minutes},
        )
    if not _verify(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= policy.attempts:
            user.locked_until = now + timedelta(minutes=policy.lock_minutes)
            user.failed_logins = 0
        db.session.flush()
        raise AccountError(N_("NIP/nama pengguna atau kata sandi salah."))
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    db.session.flush()
    return user


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def change_password(user: User, current: str, new: str) -> None:
    if not _verify(user.password_hash, current):
        raise AccountError(N_("Kata sandi saat ini salah."))
    problem = password_problem(new, username=user.username)
    if problem:
        raise AccountError(*problem)
    user.password_hash = hash_password(new)
    db.session.flush()


def set_locale(user: User, locale: str | None) -> None:
    user.locale = locale
    db.session.flush()


def create_user(
    *, instansi_id: int, username: str, password: str, roles: set[str] | frozenset[str],
    display_name: str, employee: Employee | None = None, active: bool = True, actor,
) -> User:
    """A new account with its roles, recorded in the audit log as `actor`'s (a User or a command's name)."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise AccountError(N_("Peran tidak dikenal: %(roles)s."), {"roles": ", ".join(sorted(unknown))})
    user = User(
        instansi_id=instansi_id,
        username=username.strip().lower(),
        display_name=display_name,
        password_hash=hash_password(password),
        employee=employee,
        active=active,
    )
    db.session.add(user)
    db.session.flush()
    _audit_account("accounts.user.create", user, actor, None, {
        "username": user.username, "display_name": user.display_name, "active": user.active, **_employee_link(user),
    })
    set_roles(user, set(roles), actor=actor)
    return user


def set_roles(user: User, roles: set[str], *, actor) -> None:
    """Grant and revoke roles so the user holds exactly `roles`; each grant and revocation is audited."""
    current = {row.role: row for row in user.role_rows}
    for role in sorted(set(current) - roles):
        user.role_rows.remove(current[role])
        _audit_account("accounts.role.revoke", user, actor, {"role": role}, None)
    for role in sorted(roles - set(current)):
        user.role_rows.append(UserRole(role=role))
        _audit_account("accounts.role.grant", user, actor, None, {"role": role})
    db.session.flush()


def set_active(user: User, active: bool, *, actor) -> None:
    """Activate or deactivate the account (audited when it changes)."""
    if user.active == active:
        return
    user.active = active
    db.session.flush()
    _audit_account("accounts.user.activate" if active else "accounts.user.deactivate", user, actor,
                   {"active": not active}, {"active": active})


def link_employee(user: User, employee: Employee | None, *, actor) -> None:
    """Link the account to an employee, or to none (audited when it changes): the link decides
    whose Pejabat Penilai, atasan and own record the user is."""
    before = _employee_link(user)
    user.employee = employee
    db.session.flush()
    _audit_account("accounts.user.employee", user, actor, before, _employee_link(user))


def _employee_link(user: User) -> dict[str, object]:
    employee = db.session.get(Employee, user.employee_id) if user.employee_id else None
    return {"employee_id": user.employee_id, "employee_nip": employee.nip if employee else None}


def _audit_account(action: str, user: User, actor, before: dict | None, after: dict | None) -> None:
    employee = db.session.get(Employee, user.employee_id) if user.employee_id else None
    audit.record(action, instansi_id=user.instansi_id, actor=actor, obj=user, label=user.username,
                 before=before, after=after, employee_id=user.employee_id,
                 unit_id=employee.unit_id if employee else None)


# --- optional TOTP second factor (admin and HR) ------------------------------------------------

TOTP_ROLES = ("admin", "hr")


def may_use_totp(user: User) -> bool:
    return user.has_role(*TOTP_ROLES)


def propose_totp(user: User) -> str:
    """A new secret, kept unconfirmed until the user proves it with a first code."""
    import pyotp

    if not may_use_totp(user):
        raise AccountError(N_("Verifikasi dua langkah tersedia untuk admin dan HR."))
    user.totp_secret = pyotp.random_base32()
    user.totp_enabled_at = None
    db.session.flush()
    return user.totp_secret


def totp_uri(user: User, issuer: str) -> str:
    import pyotp

    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.username, issuer_name=issuer)


def check_totp(user: User, code: str, now: datetime | None = None) -> bool:
    import pyotp

    code = (code or "").replace(" ", "")
    if not user.totp_secret or not code.isdigit() or len(code) != 6:
        return False
    moment = now or clock.now()
    # One step either way allows for a phone clock a little off.
    return pyotp.TOTP(user.totp_secret).verify(code, for_time=moment, valid_window=1)


def enable_totp(user: User, code: str) -> None:
    if not user.totp_secret:
        raise AccountError(N_("Mulai pengaturan verifikasi dua langkah terlebih dahulu."))
    if not check_totp(user, code):
        raise AccountError(N_("Kode verifikasi salah. Periksa jam di ponsel Anda lalu coba lagi."))
    user.totp_enabled_at = clock.now()
    db.session.flush()


def disable_totp(user: User, code: str) -> None:
    if not user.uses_totp or not check_totp(user, code):
        raise AccountError(N_("Kode verifikasi salah. Periksa jam di ponsel Anda lalu coba lagi."))
    user.totp_secret = None
    user.totp_enabled_at = None
    db.session.flush()

"""Authentication and account changes."""
from __future__ import annotations

import hmac
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import or_, select, update

from portal import audit, clock, events
from portal.accounts import throttle
from portal.accounts.models import ROLES, User, UserRole
from portal.accounts.throttle import Client, ThrottlePolicy
from portal.extensions import db
from portal.org.models import Employee
from surveys.errors import DomainError
from surveys.i18n import N_

_hasher = PasswordHasher()
#: For generated first passwords only (see create_user).
_FIRST_PASSWORD_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
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
        # A NIP is unique within an instansi: one held in two instansi names no single account
        # (that employee logs in with a username).
        holders = db.session.scalars(
            select(User).join(Employee, User.employee_id == Employee.id).where(Employee.nip == login.replace(" ", ""))
            .limit(2)
        ).all()
        user = holders[0] if len(holders) == 1 else None
    return user


class LoginThrottled(AccountError):
    """Too many wrong attempts from this client at this account name: wait, then try again."""

    def __init__(self, wait: timedelta):
        seconds = max(1, int(wait.total_seconds() + 0.999))
        if seconds < 120:
            super().__init__(N_("Terlalu banyak percobaan yang salah. Coba lagi dalam %(seconds)d detik."),
                             {"seconds": seconds})
        else:
            super().__init__(N_("Terlalu banyak percobaan yang salah. Coba lagi dalam %(minutes)d menit."),
                             {"minutes": -(-seconds // 60)})


WRONG_CREDENTIALS = N_("NIP/nama pengguna atau kata sandi salah.")


def authenticate(login: str, password: str, client: Client, policy: ThrottlePolicy,
                 now: datetime | None = None) -> User:
    """Return the user for valid credentials, or raise AccountError with a message for the user.

    An unknown name, an inactive account and a wrong password look alike, and all count towards
    this client's delay, so nothing tells whether an account exists.
    """
    now = now or clock.now()
    user = find_user(login)
    account_key = client.account_key(login)
    client_key = client.client_key(user.id if user else None)
    wait = throttle.wait_left(account_key, client_key, policy, now)
    if wait is not None:
        raise LoginThrottled(wait)
    if user is None or not user.active:
        _verify(_DUMMY_HASH, password)
        throttle.record_failure(account_key, client_key, now)
        raise AccountError(WRONG_CREDENTIALS)
    if not _verify(user.password_hash, password):
        if _hasher.check_needs_rehash(user.password_hash):
            # A light hash (a first password) fails fast: take as long as any other wrong password.
            _verify(_DUMMY_HASH, password)
        throttle.record_failure(account_key, client_key, now)
        raise AccountError(WRONG_CREDENTIALS)
    throttle.forget(account_key, client_key)
    user.last_login_at = now
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    db.session.flush()
    return user


def complete_totp_login(user: User, code: str, client: Client, account_key: str, policy: ThrottlePolicy,
                        now: datetime | None = None) -> None:
    """The second step of a login: a wrong code counts like a wrong password."""
    now = now or clock.now()
    client_key = client.client_key(user.id)
    wait = throttle.wait_left(account_key, client_key, policy, now)
    if wait is not None:
        raise LoginThrottled(wait)
    if not use_totp_code(user, code, now):
        throttle.record_failure(account_key, client_key, now)
        raise AccountError(WRONG_CODE)
    throttle.forget(account_key, client_key)


def end_sessions(user: User) -> int:
    """End every session of the user at once; returns the new generation, for the session that stays."""
    user.session_generation = User.session_generation + 1
    db.session.flush()
    return user.session_generation


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def change_password(user: User, current: str, new: str) -> None:
    """The user's own change: it ends every other session of the account."""
    if not _verify(user.password_hash, current):
        raise AccountError(N_("Kata sandi saat ini salah."))
    if new == current:
        raise AccountError(N_("Kata sandi baru harus berbeda dari yang lama."))
    problem = password_problem(new, username=user.username)
    if problem:
        raise AccountError(*problem)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    end_sessions(user)


def set_password_for(user: User, password: str, *, actor) -> None:
    """An admin sets someone's password: the user must change it at the next login, and every
    session the account had ends (audited, without the password)."""
    user.password_hash = hash_password(password)
    user.must_change_password = True
    end_sessions(user)
    _audit_account("accounts.user.password_reset", user, actor, None, {"must_change_password": True})


def set_locale(user: User, locale: str | None) -> None:
    user.locale = locale
    db.session.flush()


def create_user(
    *, instansi_id: int, username: str, password: str, roles: set[str] | frozenset[str],
    display_name: str, employee: Employee | None = None, active: bool = True, actor,
    must_change_password: bool = True, generated: bool = False,
) -> User:
    """A new account with its roles, recorded in the audit log as `actor`'s (a User or a command's name).

    Its password was chosen by someone else, so by default the user replaces it at the first
    login. A `generated` password (random, 79 bits) is hashed lightly: it needs no slow hash to
    resist guessing, and thousands of accounts are made in one request.
    """
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise AccountError(N_("Peran tidak dikenal: %(roles)s."), {"roles": ", ".join(sorted(unknown))})
    user = User(
        instansi_id=instansi_id,
        username=username.strip().lower(),
        display_name=display_name,
        password_hash=(_FIRST_PASSWORD_HASHER if generated else _hasher).hash(password),
        employee=employee,
        active=active,
        must_change_password=must_change_password,
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
    for role in sorted(set(current) - roles):
        events.account_lost_role.send(user, role, actor)


def set_active(user: User, active: bool, *, actor) -> None:
    """Activate or deactivate the account (audited when it changes); deactivating ends its
    sessions at once, and reactivating does not bring them back."""
    if user.active == active:
        return
    if not active:
        end_sessions(user)
    user.active = active
    db.session.flush()
    _audit_account("accounts.user.activate" if active else "accounts.user.deactivate", user, actor,
                   {"active": not active}, {"active": active})
    if not active:
        events.account_deactivated.send(user, actor)


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
    user.totp_last_step = None
    db.session.flush()
    return user.totp_secret


def totp_uri(user: User, issuer: str) -> str:
    import pyotp

    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.username, issuer_name=issuer)


WRONG_CODE = N_("Kode verifikasi salah. Periksa jam di ponsel Anda lalu coba lagi.")


def _totp_step(user: User, code: str, moment: datetime) -> int | None:
    """The time step whose code this is, within one step either way (a phone clock a little off)."""
    import pyotp

    code = (code or "").replace(" ", "")
    if not user.totp_secret or not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(user.totp_secret)
    current = totp.timecode(moment)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def use_totp_code(user: User, code: str, now: datetime | None = None) -> bool:
    """Accept a valid code once: its step must be later than the last accepted one. The check and
    the record are one conditional UPDATE, so two requests racing with one code cannot both win."""
    step = _totp_step(user, code, now or clock.now())
    if step is None:
        return False
    result = db.session.execute(
        update(User).where(User.id == user.id,
                           or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    db.session.refresh(user, ["totp_last_step"])
    return True


def enable_totp(user: User, code: str) -> None:
    """Confirm the proposed secret with a first code; the account's other sessions end."""
    if not user.totp_secret:
        raise AccountError(N_("Mulai pengaturan verifikasi dua langkah terlebih dahulu."))
    if not use_totp_code(user, code):
        raise AccountError(WRONG_CODE)
    user.totp_enabled_at = clock.now()
    end_sessions(user)


def disable_totp(user: User, code: str) -> None:
    """Turn the second factor off with a current code; the account's other sessions end."""
    if not user.uses_totp or not use_totp_code(user, code):
        raise AccountError(WRONG_CODE)
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    end_sessions(user)

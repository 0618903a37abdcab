"""Configuration from the environment.

Everything a deployment sets comes from environment variables (see the table in docs/reference.md); the
embedded setup needs none of them.
"""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path


class ConfigError(RuntimeError):
    """The environment does not allow the portal to start safely."""


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _bounded_int(name: str, default: int, low: int, high: int) -> int:
    text = os.environ.get(name, "").strip()
    try:
        value = int(text) if text else default
    except ValueError:
        raise ConfigError(f"{name} must be a whole number from {low} to {high}, not {text!r}.") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be from {low} to {high}, not {value}.")
    return value


def _secret_key(instance_path: Path, production: bool) -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if production:
        raise ConfigError("SECRET_KEY must be set in production (CERMIN_ENV=production).")
    # The embedded setup keeps a generated key in instance/ so sessions survive a restart.
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def from_environment(instance_path: Path) -> dict:
    """Build the Flask config mapping for this process."""
    production = os.environ.get("CERMIN_ENV", "development") == "production"
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'cermin.sqlite'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://"):]
    return {
        "CERMIN_ENV": "production" if production else "development",
        "SECRET_KEY": _secret_key(instance_path, production),
        "SQLALCHEMY_DATABASE_URI": database_url,
        # A server's pooled connections are pinged only after a rest (`portal.db.ping_rested_connections`).
        # Empty: pages link to the address they were requested at, the rest to the default
        # (portal/base_url.py).
        "CERMIN_BASE_URL": os.environ.get("CERMIN_BASE_URL", "").strip().rstrip("/"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        # Redis down: keep serving (limits fall back to per-process memory) rather than fail.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_HEADERS_ENABLED": False,
        # A moving window: "10 per minute" never allows a burst of 20 across a minute boundary.
        "RATELIMIT_STRATEGY": "moving-window",
        "CERMIN_LOGIN_LIMIT": os.environ.get("CERMIN_LOGIN_LIMIT", "10 per minute"),
        # Wrong passwords per account name and client: free attempts, then delays that double.
        "CERMIN_LOGIN_FREE_ATTEMPTS": int(os.environ.get("CERMIN_LOGIN_FREE_ATTEMPTS", "5")),
        "CERMIN_LOGIN_DELAY_SECONDS": int(os.environ.get("CERMIN_LOGIN_DELAY_SECONDS", "30")),
        "CERMIN_LOGIN_MAX_DELAY_MINUTES": int(os.environ.get("CERMIN_LOGIN_MAX_DELAY_MINUTES", "15")),
        "CERMIN_PROXY_COUNT": int(os.environ.get("CERMIN_PROXY_COUNT", "0")),
        "MAX_CONTENT_LENGTH": int(os.environ.get("CERMIN_MAX_UPLOAD_MB", "8")) * 1024 * 1024,
        # Citizen form integrity (see portal/feedback/integrity.py).
        "CERMIN_MIN_FILL_SECONDS": float(os.environ.get("CERMIN_MIN_FILL_SECONDS", "4")),
        "CERMIN_DEVICE_DAILY_LIMIT": int(os.environ.get("CERMIN_DEVICE_DAILY_LIMIT", "3")),
        "CERMIN_TICKET_VALID_DAYS": int(os.environ.get("CERMIN_TICKET_VALID_DAYS", "2")),
        # Plausible web responses per rate window, per loket (a loket's manager may set its own)
        # and per officer across lokets; beyond them responses are held (docs/integrity.md).
        "CERMIN_RATE_LIMIT": int(os.environ.get("CERMIN_RATE_LIMIT", "10")),
        "CERMIN_OFFICER_RATE_LIMIT": int(os.environ.get("CERMIN_OFFICER_RATE_LIMIT", "10")),
        "CERMIN_RATE_WINDOW_MINUTES": float(os.environ.get("CERMIN_RATE_WINDOW_MINUTES", "5")),
        # Paper forms uploaded on the web may date back this many days at most.
        "CERMIN_PAPER_WINDOW_DAYS": int(os.environ.get("CERMIN_PAPER_WINDOW_DAYS", "60")),
        "CERMIN_KIOSK_MIN_INTERVAL_SECONDS": int(os.environ.get("CERMIN_KIOSK_MIN_INTERVAL_SECONDS", "8")),
        "CERMIN_KIOSK_PAIRING_LIMIT": os.environ.get("CERMIN_KIOSK_PAIRING_LIMIT", "10 per minute"),
        # How long a kiosk tablet's previous device token still works after a vote replaced it.
        "CERMIN_KIOSK_TOKEN_GRACE_SECONDS": _bounded_int("CERMIN_KIOSK_TOKEN_GRACE_SECONDS", 300, 30, 3600),
        "CERMIN_API_LIMIT": os.environ.get("CERMIN_API_LIMIT", "120 per minute"),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "587")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", True),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "cermin@localhost"),
        "BABEL_DEFAULT_LOCALE": "id",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).resolve().parent.parent / "translations"),
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_I18N_ENABLED": False,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=int(os.environ.get("CERMIN_SESSION_HOURS", "12"))),
        "CERMIN_SESSION_IDLE_MINUTES": int(os.environ.get("CERMIN_SESSION_IDLE_MINUTES", "60")),
        "CERMIN_HSTS": production,
        "SEND_FILE_MAX_AGE_DEFAULT": 3600,
    }

"""Settings for Ścieżka, every value read from the environment.

Defaults are safe for a developer's laptop (`make run`): an SQLite file under instance/,
background work in-process. Outside development the app refuses to start without a real
SECRET_KEY, so a forgotten variable cannot put a guessable key in production.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
DEFAULT_INSTANCE_DIR = BASE_DIR / "instance"
DEV_SECRET_FILE = "dev-secret-key"  # noqa: S105  (a file name, not a secret)


class ConfigError(RuntimeError):
    """The environment does not describe a safe configuration."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _dev_secret(instance_dir: Path) -> str:
    """A random key kept in instance/, so sessions survive a restart of `make run`."""
    path = instance_dir / DEV_SECRET_FILE
    if path.exists():
        return path.read_text().strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def load(overrides: dict | None = None) -> dict:
    """Build the settings dictionary from the environment (and test overrides)."""
    env = os.environ
    overrides = dict(overrides or {})
    app_env = overrides.get("APP_ENV", env.get("APP_ENV", "development"))
    instance_dir = Path(overrides.get("INSTANCE_PATH", env.get("INSTANCE_PATH", DEFAULT_INSTANCE_DIR)))
    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_dir / 'sciezka.sqlite3'}"

    secret = env.get("SECRET_KEY", "")
    if app_env == "development" and not secret:
        secret = _dev_secret(instance_dir)

    settings: dict = {
        "APP_ENV": app_env,
        "INSTANCE_PATH": str(instance_dir),
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": env.get("REDIS_URL") or None,
        "UPLOAD_MAX_MB": int(env.get("UPLOAD_MAX_MB", "20")),
        "UPLOAD_DIR": env.get("UPLOAD_DIR") or str(instance_dir / "uploads"),
        # Where an upload is written before its row commits; moved into UPLOAD_DIR after.
        # Must be on the same filesystem as UPLOAD_DIR (the move is a rename); default: a
        # sibling folder, <UPLOAD_DIR>-incoming (docs/decisions/0021).
        "UPLOAD_TMP_DIR": env.get("UPLOAD_TMP_DIR") or None,
        # The daily check of the upload store (`flask documents check`), in TIMEZONE, HH:MM.
        "DOCUMENT_CHECK_AT": env.get("DOCUMENT_CHECK_AT") or "03:30",
        # Prepared exports, written by a worker and sent by the web: shared by both.
        "EXPORT_DIR": env.get("EXPORT_DIR") or str(instance_dir / "exports"),
        "TIMEZONE": env.get("TIMEZONE", "Europe/Warsaw"),
        "BABEL_DEFAULT_LOCALE": "pl",
        "BABEL_DEFAULT_TIMEZONE": env.get("TIMEZONE", "Europe/Warsaw"),
        "LANGUAGES": ("pl", "en"),
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), app_env == "production"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), app_env == "production"),
        **_account_security(env, app_env),
        "DEMO_PASSWORD": env.get("DEMO_PASSWORD", "demo"),
        # Outgoing mail (none: messages are written to the log and marked sent).
        "MAIL_SERVER": env.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(env.get("MAIL_PORT") or "25"),
        "MAIL_USE_TLS": _bool(env.get("MAIL_USE_TLS")),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_FROM": env.get("MAIL_FROM") or "Ścieżka <sciezka@localhost>",
        # Who answers accessibility requests (the accessibility statement names them).
        "ACCESSIBILITY_CONTACT": env.get("ACCESSIBILITY_CONTACT") or "Koordynator do spraw dostępności",
        "ACCESSIBILITY_EMAIL": env.get("ACCESSIBILITY_EMAIL") or "dostepnosc@localhost",
        "ACCESSIBILITY_PHONE": env.get("ACCESSIBILITY_PHONE") or "",
        # The address people open Ścieżka at: links in messages queued outside a request
        # (the worker's reminders) start with it; within a request the request's own is used.
        "PUBLIC_URL": (env.get("PUBLIC_URL") or "http://localhost:5000").rstrip("/"),
        # The outbox: a worker's hold on a row it is sending, retries and their backoff.
        "NOTIFICATION_LEASE_S": int(env.get("NOTIFICATION_LEASE_S") or "300"),
        "NOTIFICATION_MAX_ATTEMPTS": int(env.get("NOTIFICATION_MAX_ATTEMPTS") or "8"),
        "NOTIFICATION_BACKOFF_S": int(env.get("NOTIFICATION_BACKOFF_S") or "60"),
        # The worker: how often beat re-queues pending mail and sweeps reminders, and (for
        # several deployments or test runs on one Redis) a queue name and key prefix.
        "OUTBOX_REQUEUE_S": float(env.get("OUTBOX_REQUEUE_S") or "60"),
        # /healthz says the outbox is "late" when a message has waited longer than this.
        "OUTBOX_LATE_S": int(env.get("OUTBOX_LATE_S") or "900"),
        "REMINDER_SWEEP_S": float(env.get("REMINDER_SWEEP_S") or "900"),
        "CELERY_QUEUE": env.get("CELERY_QUEUE") or "celery",
        # Personal data (docs/personal-data.md): how long login attempts and prepared export
        # files are kept, how many years after a programme's end its participants' names and
        # e-mail addresses are kept before they are pseudonymised, and how often beat checks.
        "LOGIN_ATTEMPTS_RETENTION_DAYS": int(env.get("LOGIN_ATTEMPTS_RETENTION_DAYS") or "90"),
        "EXPORT_FILES_RETENTION_DAYS": int(env.get("EXPORT_FILES_RETENTION_DAYS") or "7"),
        "PARTICIPANTS_ARCHIVE_YEARS": int(env.get("PARTICIPANTS_ARCHIVE_YEARS") or "5"),
        "RETENTION_SWEEP_S": float(env.get("RETENTION_SWEEP_S") or "86400"),
        # Who the privacy notice names as the controller, and how to reach its data
        # protection officer (free text; empty: the notice says to ask the programme's operator).
        "DATA_CONTROLLER": env.get("DATA_CONTROLLER", ""),
        "DATA_PROTECTION_CONTACT": env.get("DATA_PROTECTION_CONTACT", ""),
        "REDIS_KEY_PREFIX": env.get("REDIS_KEY_PREFIX") or "",
    }
    settings.update(overrides)
    settings["TOTP_REQUIRED_ROLES"] = _roles(settings["TOTP_REQUIRED_ROLES"])
    if not settings.get("UPLOAD_TMP_DIR"):
        uploads = Path(settings["UPLOAD_DIR"])
        settings["UPLOAD_TMP_DIR"] = str(uploads.with_name(uploads.name + "-incoming"))
    # Every engine built from these settings (web, worker, CLI) checks a pooled connection
    # before lending it out, so a database restart costs no request after it: an override
    # of the engine options keeps that unless it says otherwise (docs/decisions/0022).
    settings["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True,
                                             **(settings.get("SQLALCHEMY_ENGINE_OPTIONS") or {})}
    settings["MAX_CONTENT_LENGTH"] = settings["UPLOAD_MAX_MB"] * 1024 * 1024 + 64 * 1024
    check(settings)
    return settings


def _account_security(env: os._Environ, app_env: str) -> dict:
    """Login throttling and password rules (workflow/services/accounts.py).

    Limits are `limits` strings ("5 per minute;20 per hour") and count failed logins only.
    The test suite logs in from one address thousands of times, so under APP_ENV=testing
    the defaults are out of reach; the tests of the limits set small ones themselves.
    """
    testing = app_env == "testing"
    return {
        # Where Flask-Limiter keeps its counters: Redis when there is one, else this process.
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI") or None,
        "RATELIMIT_KEY_PREFIX": env.get("RATELIMIT_KEY_PREFIX", "sciezka"),
        # Without the store (Redis down) the limits count in each process's memory; the
        # store is tried again this many seconds after a failure (docs/decisions/0022).
        "RATELIMIT_STORE_RETRY_S": float(env.get("RATELIMIT_STORE_RETRY_S") or "30"),
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are believed;
        # 0 trusts none (then every client seems to come from the proxy's address).
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES", "0")),
        "LOGIN_LIMIT_PER_ACCOUNT": env.get(
            "LOGIN_LIMIT_PER_ACCOUNT", "10000 per minute" if testing else "5 per minute;30 per hour"),
        "LOGIN_LIMIT_PER_ADDRESS": env.get(
            "LOGIN_LIMIT_PER_ADDRESS", "10000 per minute" if testing else "30 per 10 minutes;300 per day"),
        "RESET_LIMIT_PER_ACCOUNT": env.get(
            "RESET_LIMIT_PER_ACCOUNT", "10000 per minute" if testing else "3 per hour"),
        "RESET_LIMIT_PER_ADDRESS": env.get(
            "RESET_LIMIT_PER_ADDRESS", "10000 per minute" if testing else "20 per hour"),
        # Wrong current passwords on the change-password form (a stolen session guessing it).
        "PASSWORD_LIMIT_PER_ACCOUNT": env.get(
            "PASSWORD_LIMIT_PER_ACCOUNT", "10000 per minute" if testing else "5 per minute;30 per hour"),
        "PASSWORD_LIMIT_PER_ADDRESS": env.get(
            "PASSWORD_LIMIT_PER_ADDRESS", "10000 per minute" if testing else "30 per 10 minutes;300 per day"),
        # Comments left on a public consultation's page, per client address (no account is
        # needed to comment: this, a honeypot field and the CSRF token keep robots out).
        "COMMENT_LIMIT_PER_ADDRESS": env.get(
            "COMMENT_LIMIT_PER_ADDRESS", "10000 per minute" if testing else "5 per 10 minutes;30 per day"),
        # A session ends after this long without a request, and this long after its login.
        "SESSION_IDLE_MINUTES": int(env.get("SESSION_IDLE_MINUTES", "60")),
        "SESSION_MAX_HOURS": int(env.get("SESSION_MAX_HOURS", "12")),
        "LOGIN_LOCKOUT_FAILURES": int(env.get("LOGIN_LOCKOUT_FAILURES", "10")),
        "LOGIN_LOCKOUT_MINUTES": int(env.get("LOGIN_LOCKOUT_MINUTES", "15")),
        "PASSWORD_MIN_LENGTH": int(env.get("PASSWORD_MIN_LENGTH", "12")),
        "PASSWORD_RESET_MINUTES": int(env.get("PASSWORD_RESET_MINUTES", "60")),
        # The second factor (docs/decisions/0020). Roles that must use it: in production the
        # coordinator by default; elsewhere none, so the demo accounts log in with the
        # password alone. Comma-separated role names ("coordinator,evaluator"); "" for none.
        "TOTP_REQUIRED_ROLES": env.get(
            "TOTP_REQUIRED_ROLES", "coordinator" if app_env == "production" else ""),
        # Wrong codes at the login's second step (and on the settings page), per account
        # and per address, like the login's limits.
        "TOTP_LIMIT_PER_ACCOUNT": env.get(
            "TOTP_LIMIT_PER_ACCOUNT",
            "10000 per minute" if testing else "5 per minute;20 per hour;50 per day"),
        # The open API (/api/v1, docs/decisions/0033): every request from one address counts.
        "API_LIMIT_PER_ADDRESS": env.get(
            "API_LIMIT_PER_ADDRESS", "10000 per minute" if testing else "120 per minute;3000 per hour"),
        "TOTP_LIMIT_PER_ADDRESS": env.get(
            "TOTP_LIMIT_PER_ADDRESS", "10000 per minute" if testing else "30 per 10 minutes;300 per day"),
        # The key the TOTP secrets are derived with (their seeds are in the database, the key
        # is not). Unset: derived from SECRET_KEY, so a new SECRET_KEY ends every enrolment.
        "TOTP_KEY": env.get("TOTP_KEY") or None,
        # How long the link of an invitation to a new account works (docs/operations.md).
        "INVITATION_DAYS": int(env.get("INVITATION_DAYS", "7")),
    }


ROLES = ("town", "advisor", "evaluator", "coordinator")  # workflow.models.user.Role's values


def _roles(value: str | tuple | list | frozenset) -> frozenset[str]:
    """"coordinator, evaluator" (or a collection) as a set of role names."""
    items = value.split(",") if isinstance(value, str) else value
    return frozenset(str(item).strip().lower() for item in items if str(item).strip())


WEAK_SECRETS = {"", "dev", "change-me", "changeme", "secret", "development"}


def check(settings: dict) -> None:
    """Refuse to start outside development with a missing or well-known secret key, and
    anywhere with a role name that does not exist in TOTP_REQUIRED_ROLES, or a
    DOCUMENT_CHECK_AT that is not a time of day."""
    unknown = sorted(settings["TOTP_REQUIRED_ROLES"] - set(ROLES))
    if unknown:
        raise ConfigError(f"TOTP_REQUIRED_ROLES names unknown roles: {', '.join(unknown)} "
                          f"(known: {', '.join(ROLES)}).")
    hour, _, minute = str(settings.get("DOCUMENT_CHECK_AT", "03:30")).partition(":")
    if not (hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60):
        raise ConfigError(f"DOCUMENT_CHECK_AT must be HH:MM (got {settings.get('DOCUMENT_CHECK_AT')!r}).")
    if settings["APP_ENV"] != "development":
        key = settings.get("SECRET_KEY") or ""
        if key in WEAK_SECRETS or len(key) < 16:
            raise ConfigError(
                "SECRET_KEY must be set to a long random value outside development "
                f"(APP_ENV={settings['APP_ENV']})."
            )

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
        "TIMEZONE": env.get("TIMEZONE", "Europe/Warsaw"),
        "BABEL_DEFAULT_LOCALE": "pl",
        "BABEL_DEFAULT_TIMEZONE": env.get("TIMEZONE", "Europe/Warsaw"),
        "LANGUAGES": ("pl", "en"),
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), app_env == "production"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), app_env == "production"),
        "DEMO_PASSWORD": env.get("DEMO_PASSWORD", "demo"),
    }
    settings.update(overrides)
    settings["MAX_CONTENT_LENGTH"] = settings["UPLOAD_MAX_MB"] * 1024 * 1024 + 64 * 1024
    check(settings)
    return settings


WEAK_SECRETS = {"", "dev", "change-me", "changeme", "secret", "development"}


def check(settings: dict) -> None:
    """Refuse to start outside development with a missing or well-known secret key."""
    if settings["APP_ENV"] != "development":
        key = settings.get("SECRET_KEY") or ""
        if key in WEAK_SECRETS or len(key) < 16:
            raise ConfigError(
                "SECRET_KEY must be set to a long random value outside development "
                f"(APP_ENV={settings['APP_ENV']})."
            )

"""config.load(): settings from the environment, and the refusal of a weak SECRET_KEY."""

from __future__ import annotations

import stat

import pytest

import config
from workflow.app import create_app

ENV_VARS = ("APP_ENV", "SECRET_KEY", "DATABASE_URL", "INSTANCE_PATH", "UPLOAD_MAX_MB", "UPLOAD_DIR",
            "UPLOAD_TMP_DIR", "DOCUMENT_CHECK_AT", "SESSION_COOKIE_SECURE", "REDIS_URL", "TIMEZONE",
            "DEMO_PASSWORD")
STRONG = "4f1c0e9b7d2a48e3a5b6c7d8e9f0a1b2"  # 32 characters


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    """No setting leaks in from the developer's or CI's environment; instance/ is temporary."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))


def production(monkeypatch, key: str | None) -> dict:
    monkeypatch.setenv("APP_ENV", "production")
    if key is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", key)
    return config.load()


# --- SECRET_KEY outside development -------------------------------------------------------------


@pytest.mark.parametrize("key", [None, "", "dev", "change-me", "changeme", "secret", "development",
                                 "x" * 15, "short-key"], ids=repr)
def test_production_refuses_a_missing_weak_or_short_key(monkeypatch, key):
    with pytest.raises(config.ConfigError, match="SECRET_KEY"):
        production(monkeypatch, key)


def test_production_accepts_a_long_key(monkeypatch):
    settings = production(monkeypatch, STRONG)
    assert settings["SECRET_KEY"] == STRONG
    assert settings["APP_ENV"] == "production"


def test_the_length_boundary_is_sixteen_characters(monkeypatch):
    with pytest.raises(config.ConfigError):
        production(monkeypatch, "k" * 15)
    assert production(monkeypatch, "k" * 16)["SECRET_KEY"] == "k" * 16


@pytest.mark.parametrize("app_env", ["production", "staging", "testing"])
def test_every_environment_but_development_needs_a_key(monkeypatch, app_env):
    monkeypatch.setenv("APP_ENV", app_env)
    with pytest.raises(config.ConfigError, match=f"APP_ENV={app_env}"):
        config.load()


def test_production_does_not_fall_back_to_the_development_key_file(monkeypatch, tmp_path):
    monkeypatch.setenv("APP_ENV", "development")
    dev_key = config.load()["SECRET_KEY"]
    assert (tmp_path / "instance" / config.DEV_SECRET_FILE).read_text() == dev_key
    with pytest.raises(config.ConfigError):
        production(monkeypatch, None)


def test_production_secure_cookies_by_default(monkeypatch):
    settings = production(monkeypatch, STRONG)
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["REMEMBER_COOKIE_SECURE"] is True
    assert settings["SESSION_COOKIE_HTTPONLY"] is True
    assert settings["SESSION_COOKIE_SAMESITE"] == "Lax"


# --- development ---------------------------------------------------------------------------------


def test_development_is_the_default_environment():
    settings = config.load()
    assert settings["APP_ENV"] == "development"
    assert settings["SESSION_COOKIE_SECURE"] is False


def test_development_without_a_key_creates_and_reuses_a_key_file(tmp_path):
    instance = tmp_path / "instance"
    assert not instance.exists()
    first = config.load()["SECRET_KEY"]
    key_file = instance / config.DEV_SECRET_FILE
    assert key_file.read_text() == first
    assert len(first) == 64 and int(first, 16) >= 0  # 32 random bytes, hex
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # A restart (a second load) keeps the key, so sessions survive it.
    assert config.load()["SECRET_KEY"] == first


def test_each_instance_directory_gets_its_own_development_key(monkeypatch, tmp_path):
    first = config.load()["SECRET_KEY"]
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "other"))
    second = config.load()["SECRET_KEY"]
    assert first != second


def test_development_uses_a_given_key_and_writes_no_file(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "my-own-development-key")
    assert config.load()["SECRET_KEY"] == "my-own-development-key"
    assert not (tmp_path / "instance" / config.DEV_SECRET_FILE).exists()


def test_instance_path_from_overrides_wins_over_the_environment(tmp_path):
    settings = config.load({"INSTANCE_PATH": str(tmp_path / "override")})
    assert settings["INSTANCE_PATH"] == str(tmp_path / "override")
    assert (tmp_path / "override" / config.DEV_SECRET_FILE).exists()
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'override' / 'sciezka.sqlite3'}"


# --- database, uploads ----------------------------------------------------------------------------


def test_database_url_defaults_to_sqlite_under_the_instance_directory(tmp_path):
    settings = config.load()
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'instance' / 'sciezka.sqlite3'}"
    assert settings["UPLOAD_DIR"] == str(tmp_path / "instance" / "uploads")


def test_database_url_from_the_environment(monkeypatch):
    url = "postgresql+psycopg://sciezka@db.example/sciezka"
    monkeypatch.setenv("DATABASE_URL", url)
    assert config.load()["SQLALCHEMY_DATABASE_URI"] == url


def test_an_empty_database_url_means_the_default(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "")
    assert config.load()["SQLALCHEMY_DATABASE_URI"].startswith(f"sqlite:///{tmp_path / 'instance'}")


MB = 1024 * 1024


def test_upload_limit_defaults_to_20_mb():
    settings = config.load()
    assert settings["UPLOAD_MAX_MB"] == 20
    # The request may be a little larger than the file: the form's other fields.
    assert settings["MAX_CONTENT_LENGTH"] == 20 * MB + 64 * 1024


def test_upload_limit_from_the_environment_sets_max_content_length(monkeypatch):
    monkeypatch.setenv("UPLOAD_MAX_MB", "5")
    settings = config.load()
    assert settings["UPLOAD_MAX_MB"] == 5
    assert 5 * MB < settings["MAX_CONTENT_LENGTH"] < 6 * MB


def test_upload_limit_override_also_sets_max_content_length():
    settings = config.load({"UPLOAD_MAX_MB": 1})
    assert settings["MAX_CONTENT_LENGTH"] == 1 * MB + 64 * 1024


def test_upload_dir_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("UPLOAD_DIR", str(tmp_path / "files"))
    assert config.load()["UPLOAD_DIR"] == str(tmp_path / "files")


@pytest.mark.parametrize("value", ["3", "25:00", "03:75", "o3:30", "03:30:00"])
def test_a_daily_check_time_that_is_not_a_time_of_day_is_refused(monkeypatch, value):
    monkeypatch.setenv("DOCUMENT_CHECK_AT", value)
    with pytest.raises(config.ConfigError, match="DOCUMENT_CHECK_AT"):
        config.load()


def test_the_temporary_upload_folder_is_beside_the_store_unless_set(monkeypatch, tmp_path):
    assert config.load()["UPLOAD_TMP_DIR"] == str(tmp_path / "instance" / "uploads-incoming")
    monkeypatch.setenv("UPLOAD_DIR", str(tmp_path / "files"))
    assert config.load()["UPLOAD_TMP_DIR"] == str(tmp_path / "files-incoming")
    assert config.load({"UPLOAD_DIR": "/srv/store"})["UPLOAD_TMP_DIR"] == "/srv/store-incoming"
    monkeypatch.setenv("UPLOAD_TMP_DIR", str(tmp_path / "volume" / "incoming"))
    assert config.load()["UPLOAD_TMP_DIR"] == str(tmp_path / "volume" / "incoming")


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("true", True), ("Yes", True),
                                                 ("on", True), ("0", False), ("no", False)])
def test_session_cookie_secure_can_be_set_explicitly(monkeypatch, value, expected):
    monkeypatch.setenv("SESSION_COOKIE_SECURE", value)
    assert config.load()["SESSION_COOKIE_SECURE"] is expected


# --- the application factory -------------------------------------------------------------------------


def test_create_app_refuses_production_without_a_key(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    with pytest.raises(config.ConfigError):
        create_app()


def test_create_app_refuses_production_with_a_well_known_key(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "change-me")
    with pytest.raises(config.ConfigError):
        create_app()


def test_create_app_refuses_production_given_as_an_override(tmp_path):
    config.load()  # a development run left its key file in instance/
    assert (tmp_path / "instance" / config.DEV_SECRET_FILE).exists()
    with pytest.raises(config.ConfigError):
        create_app({"APP_ENV": "production"})


def test_create_app_starts_in_production_with_a_strong_key(monkeypatch, tmp_path):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", STRONG)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite3'}")
    app = create_app()
    assert app.config["SECRET_KEY"] == STRONG
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.instance_path == str(tmp_path / "instance")
    assert (tmp_path / "instance").is_dir()
    assert not (tmp_path / "instance" / config.DEV_SECRET_FILE).exists()

"""Alembic for the tests: its configuration on a given database, a copy of a migrated
database (`copy_database`), and rows written in plain SQL into a migrated database (where the
models may be ahead of the schema under test). The `empty_url` and `migrated` fixtures are in
tests/conftest.py: the run migrates one database by Alembic and each `migrated` test gets a
copy of it, a file copy on SQLite and CREATE DATABASE ... TEMPLATE on PostgreSQL (0.9 to 4 s
of `alembic upgrade head` a test before, on a loaded machine). The migrations themselves are
run by the tests of test_migrations.py on `empty_url`."""

from __future__ import annotations

import shutil
from pathlib import Path

import sqlalchemy as sa
from alembic.config import Config
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent.parent
NOW = "2026-11-28 10:00:00"


def alembic_config(url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["url"] = url
    cfg.attributes["configure_logger"] = False
    return cfg


def copy_database(source_url: str, target_url: str) -> None:
    """Make the database of `target_url` a copy of the one of `source_url` (both SQLite files,
    or both on one PostgreSQL server; nobody may be connected to either)."""
    source, target = make_url(source_url), make_url(target_url)
    if source.get_backend_name() == "sqlite":
        shutil.copyfile(str(source.database), str(target.database))
        return
    admin = sa.create_engine(source, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                 "WHERE datname = ANY(:names) AND pid <> pg_backend_pid()"),
                         {"names": [source.database, target.database]})
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{target.database}"'))
            conn.execute(sa.text(f'CREATE DATABASE "{target.database}" TEMPLATE "{source.database}"'))
    finally:
        admin.dispose()


def insert(conn: sa.Connection, table: str, **values: object) -> int:
    columns = ", ".join(values)
    params = ", ".join(f":{k}" for k in values)
    return conn.execute(
        sa.text(f'INSERT INTO "{table}" ({columns}) VALUES ({params}) RETURNING id'), values
    ).scalar_one()


def user(conn: sa.Connection, email: str, role: str, applicant_id: int | None = None,
         locale: str = "pl") -> int:
    return insert(conn, "user_account", email=email, name=email, password_hash="x", role=role,
                  applicant_id=applicant_id, locale=locale, active=True, created_at=NOW)

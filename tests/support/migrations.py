"""Alembic for the tests: its configuration on a given database, and rows written in plain
SQL into a migrated database (where the models may be ahead of the schema under test).
The `empty_url` and `migrated` fixtures are in tests/conftest.py."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic.config import Config

ROOT = Path(__file__).resolve().parent.parent.parent
NOW = "2026-11-28 10:00:00"


def alembic_config(url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["url"] = url
    cfg.attributes["configure_logger"] = False
    return cfg


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

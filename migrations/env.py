"""Alembic environment: the URL from config.py (or the caller), the models' metadata."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, pool

import config as app_config
from workflow import models  # noqa: F401  (register every table)
from workflow.extensions import db

alembic_config = context.config
if alembic_config.config_file_name is not None and alembic_config.attributes.get(
    "configure_logger", True
):
    fileConfig(alembic_config.config_file_name, disable_existing_loggers=False)

target_metadata = db.metadata


def database_url() -> str:
    url = alembic_config.attributes.get("url") or alembic_config.get_main_option("sqlalchemy.url")
    return url or app_config.load()["SQLALCHEMY_DATABASE_URI"]


def run_migrations_offline() -> None:
    context.configure(url=database_url(), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = alembic_config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(database_url(), poolclass=pool.NullPool)
    with engine.connect() as conn:
        _run(conn)


def _run(connection: object) -> None:
    sqlite = connection.dialect.name == "sqlite"  # type: ignore[attr-defined]
    if sqlite:
        # Batch migrations rebuild a table by copying it and dropping the original; with
        # foreign keys enforced, dropping a referenced table fails. Off for the migration,
        # then checked and back on.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")  # type: ignore[attr-defined]
        connection.commit()  # type: ignore[attr-defined]  (end the PRAGMA's own transaction)
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    if sqlite:
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()  # type: ignore[attr-defined]
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")  # type: ignore[attr-defined]
        connection.commit()  # type: ignore[attr-defined]
        if broken:
            raise RuntimeError(f"foreign keys broken by the migration: {broken[:5]}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

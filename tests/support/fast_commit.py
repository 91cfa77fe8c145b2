"""Test databases commit without a disk flush.

A test database outlives no crash, so waiting for the disk on every commit buys nothing: on
SQLite `synchronous=OFF`, on PostgreSQL `synchronous_commit=off` (the server still never
loses or tears a committed row unless it crashes itself). Locking and isolation are
unchanged. Seeding the demo took 81 s with a flush per commit and 35 s without, on a loaded
machine: 2,796 commits. Applies to every engine this process opens (app, live server,
migrated databases); the worker and server processes some tests start keep the default.
"""

from __future__ import annotations

import sqlalchemy as sa


@sa.event.listens_for(sa.engine.Engine, "connect")
def _commit_without_flush(dbapi_connection: object, connection_record: object) -> None:
    module = type(dbapi_connection).__module__
    if module.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.close()
    elif module.startswith("psycopg"):
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        cursor.execute("SET synchronous_commit TO off")
        cursor.close()
        dbapi_connection.commit()  # type: ignore[attr-defined]

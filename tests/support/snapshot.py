"""A copy of a test database and its uploaded files, put back in a second instead of building
the rows again: a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL, and a copy
of the upload folder (the demo stores its documents' files there).

The demo is seeded once per run by the `demo_snapshot` fixture (tests/conftest.py) and put back
into the run's database (`demo_db`) or into the browser tests' served database
(support/browser_fixtures.py) in a second or two; seeding it takes 10 to 40 s. Only between
tests: no request may be running and no session may hold a connection.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from workflow.extensions import db

DEMO_DAY = "2026-11-28"  # the day the run seeds the demo with (tests/conftest.py demo_snapshot)


def _release(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _admin(*statements: str, databases: tuple[str, ...]) -> None:
    """Run statements on the PostgreSQL server, after ending every other connection to
    `databases` (DROP and CREATE ... TEMPLATE refuse a database someone is connected to)."""
    admin = sa.create_engine(os.environ["TEST_DATABASE_URL"], isolation_level="AUTOCOMMIT",
                             poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                 "WHERE datname = ANY(:names) AND pid <> pg_backend_pid()"),
                         {"names": list(databases)})
            for statement in statements:
                conn.execute(sa.text(statement))
    finally:
        admin.dispose()


class Snapshot:
    """The database and the upload folder of `app`, as they were at `take()`."""

    def __init__(self, app: Flask, name: str = "pristine") -> None:
        self.app = app
        self.url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
        self.sqlite = self.url.get_backend_name() == "sqlite"
        self.copy = f"{self.url.database}.{name}" if self.sqlite else f"{self.url.database}_{name}"
        uploads = Path(app.config["UPLOAD_DIR"])
        self.files = uploads.with_name(f"{uploads.name}.{name}")

    def take(self) -> None:
        _release(self.app)
        if self.sqlite:
            shutil.copyfile(str(self.url.database), self.copy)
        else:
            _admin(f'DROP DATABASE IF EXISTS "{self.copy}"',
                   f'CREATE DATABASE "{self.copy}" TEMPLATE "{self.url.database}"',
                   databases=(str(self.url.database), self.copy))
        shutil.rmtree(self.files, ignore_errors=True)
        uploads = Path(self.app.config["UPLOAD_DIR"])
        if uploads.exists():
            shutil.copytree(uploads, self.files)

    def restore(self, into: Flask | None = None) -> None:
        """Put the copy back into this app's database, or into `into`'s (another app on the
        same server with the same tables: the browser tests' served app)."""
        app = into or self.app
        target = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
        _release(app)
        if self.sqlite:
            shutil.copyfile(self.copy, str(target.database))
        else:
            _admin(f'DROP DATABASE IF EXISTS "{target.database}"',
                   f'CREATE DATABASE "{target.database}" TEMPLATE "{self.copy}"',
                   databases=(str(target.database), self.copy))
        uploads = Path(app.config["UPLOAD_DIR"])
        shutil.rmtree(uploads, ignore_errors=True)
        if self.files.exists():
            shutil.copytree(self.files, uploads)
        else:
            uploads.mkdir(parents=True, exist_ok=True)

    def drop(self) -> None:
        _release(self.app)
        if self.sqlite:
            Path(self.copy).unlink(missing_ok=True)
        else:
            _admin(f'DROP DATABASE IF EXISTS "{self.copy}"', databases=(self.copy,))
        shutil.rmtree(self.files, ignore_errors=True)


def holds_the_demo(app: Flask) -> bool:
    """More than a hundred accounts in `app`'s database: the demo (486), not a test's few rows."""
    from workflow.models import User

    with app.app_context():
        try:
            return db.session.scalar(sa.select(User.id).offset(100).limit(1)) is not None
        finally:
            db.session.remove()


class DemoSnapshot:
    """The demo as `flask demo seed --today 2026-11-28` made it, once per run: what the command
    printed, and the copy (`snapshot.restore()` puts it back into the run's database)."""

    def __init__(self, snapshot: Snapshot, output: str) -> None:
        self.snapshot = snapshot
        self.output = output

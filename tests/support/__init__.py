"""Helpers shared by the tests and the benchmarks: the test app, throwaway databases, and a
client that behaves like a person with a browser. Imports no pytest, so bench/ can use it
too. The other modules of this package: skips (a service the machine lacks), querycount,
browser and browser_fixtures (Chromium against a live server), celery_worker, smtp and
redis_server (real worker processes, a real SMTP server, a private redis-server), gunicorn
(a real web server whose worker a test kills), accounts (a client with its own address),
migrations (Alembic), authz (the authorization matrix's table), shards (the parts of `make test`), concurrency
(presses at once). Rows: tests/factories/."""

from __future__ import annotations

import io
import os
import re
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url

from workflow.extensions import db


def app_for_tests(database_uri: str, instance: str | os.PathLike[str], **overrides: Any) -> Flask:
    """An app as the tests build it: APP_ENV=testing, a random secret key, the given database
    and instance folder (uploads under it), then `overrides` (other settings, TESTING=False…)."""
    from jinja2 import FileSystemBytecodeCache

    from workflow.app import create_app

    app = create_app({
        "APP_ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": secrets.token_hex(32),
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "INSTANCE_PATH": str(instance),
        "UPLOAD_DIR": str(Path(instance) / "uploads"),
        **overrides,
    })
    # Every app compiles the templates it renders (1.4 s of CPU for all 137): the run's apps
    # (both halves of `make test`, the live server's, the outage tests' own) share the compiled
    # code through Jinja's cache in the system's temporary directory. A template whose source
    # changed is compiled again (the cache checks a hash of the source).
    app.jinja_env.bytecode_cache = FileSystemBytecodeCache()
    return app


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
VERSION_RE = re.compile(r'name="version" value="(\d+)"')


@contextmanager
def postgres_database(base_url: str, prefix: str = "sciezka_test",
                      template: str | None = None) -> Iterator[str]:
    """A PostgreSQL database with a random name on the server of `base_url`, dropped after; a
    copy of the database `template` when given (nobody may be connected to it, `base_url`'s
    own database included).

    Raises sqlalchemy.exc.OperationalError when the server cannot be reached.
    """
    url = make_url(base_url)
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def kill_connections(database_url: str) -> int:
    """What a PostgreSQL restart does to the app: every other connection to the database of
    `database_url` ends (pg_terminate_backend). Returns how many there were."""
    admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as conn:
            return len(conn.execute(sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()")).all())
    finally:
        admin.dispose()


def empty_tables() -> None:
    """Delete every row of every table (in an app context), children first.

    DELETE rather than TRUNCATE on PostgreSQL too: the tables of a test are small, and
    TRUNCATE of 20 tables costs about half a second each time. On PostgreSQL the deletes and
    the sequences' reset go in one round trip (a statement each took 11 to 34 ms a test for
    the 67 tables, one string takes 3.5 ms).
    """
    db.session.remove()
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        if conn.dialect.name != "postgresql":  # SQLite: the driver's cursor, 0.7 ms not 3
            cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            for table in tables:
                cursor.execute(f'DELETE FROM "{table.name}"')  # noqa: S608  (the models' tables)
            cursor.close()
            return
        quote = conn.dialect.identifier_preparer.quote
        # ids start at 1 again, as on SQLite
        calls = [f"setval(pg_get_serial_sequence('{t.name}', 'id'), 1, false)"
                 for t in tables if "id" in t.c and t.c.id.autoincrement]
        statements = [f"DELETE FROM {quote(t.name)}" for t in tables]
        if calls:
            statements.append("SELECT " + ", ".join(calls))
        conn.exec_driver_sql("; ".join(statements))  # no parameters: psycopg sends them as one


def count(model) -> int:  # noqa: ANN001
    """The rows of a model (or a table) as the database has them now."""
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def version_on(page) -> int:  # noqa: ANN001
    """The path version a page's action forms carry."""
    match = VERSION_RE.search(page.get_data(as_text=True))
    assert match, "page has no action form"
    return int(match.group(1))


class Browser:
    """The Flask test client with the habits of a person: read the page, then post its form."""

    def __init__(self, app: Flask, password: str = "") -> None:
        self.app = app
        self.client: FlaskClient = app.test_client()
        self.token = ""
        self.password = password

    def get(self, url: str, **kw: object):  # noqa: ANN201
        # Each request gets an app context (and so a database session and `g`) of its own,
        # as in a real server, even when the test holds one open to read rows.
        with self.app.app_context():
            response = self.client.get(url, **kw)
        match = CSRF_RE.search(response.get_data(as_text=True))
        if match:
            self.token = match.group(1)
        return response

    def post(self, url: str, data: dict | None = None, **kw: object):  # noqa: ANN201
        if not self.token:
            self.get("/login")
        payload = {"csrf_token": self.token, **(data or {})}
        with self.app.app_context():
            return self.client.post(url, data=payload, **kw)

    def login(self, email: str, password: str | None = None):  # noqa: ANN201
        self.get("/login")
        return self.post("/login", {"email": email, "password": password or self.password})

    def fire(self, path_id: int, event: str, version: int, comment: str = ""):  # noqa: ANN201
        return self.post(f"/paths/{path_id}/events/{event}", {"version": version, "comment": comment})

    def upload(self, path_id: int, name: str, content: bytes):  # noqa: ANN201
        return self.post(f"/town/paths/{path_id}/documents",
                         {"document": (io.BytesIO(content), name)},
                         content_type="multipart/form-data")


def paired(fn: Callable[[], object], floor: Callable[[], object],
           runs: int) -> tuple[float, float, float, float]:
    """`fn` and its floor timed in turn, each round one after the other, so both share the
    machine's load at every moment: (median of fn, median of the floor, median of the rounds'
    ratios, fastest fn / fastest floor)."""
    times, floors = [], []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
        start = time.perf_counter()
        floor()
        floors.append(time.perf_counter() - start)
    ratios = [t / f for t, f in zip(times, floors, strict=True)]
    return (statistics.median(times), statistics.median(floors), statistics.median(ratios),
            min(times) / min(floors))


def bench_main(run: Callable[[str, str, Path], Any], report: Callable[[str, Any], None]) -> None:
    """A benchmark's main: `run(label, url, work_dir)` on SQLite (a temporary file), then on
    PostgreSQL in a database of its own when TEST_DATABASE_URL is set; then `report` each."""
    with tempfile.TemporaryDirectory(prefix="sciezka-bench-") as tmp:
        work = Path(tmp)
        results = []
        for label, url in _bench_databases(work):
            print(f"{label}: building and measuring …", flush=True)
            results.append((label, run(label, url, work / label)))
        for label, rows in results:
            report(label, rows)


def _bench_databases(work: Path) -> Iterator[tuple[str, str]]:
    yield "SQLite", f"sqlite:///{work / 'bench.sqlite3'}"
    base = os.environ.get("TEST_DATABASE_URL")
    if base:
        with postgres_database(base, "sciezka_bench") as url:
            yield "PostgreSQL", url

"""Fixtures only: one real database per test run (SQLite, or PostgreSQL when
TEST_DATABASE_URL is set), emptied after every test; the `world` of towns A and B and the
other fixtures several modules share. The rows are built by tests/factories/, the rest
(clients, query counting, live server, workers) is in tests/support/.

On PostgreSQL the run creates a database of its own with a random name and drops it at
the end, so two runs never share tables. Under CI=true an unreachable PostgreSQL fails
the run instead of skipping it.

`pytest -m "not slow"` is the fast loop: pytest_collection_modifyitems below marks every
browser test and every test on the seeded demo `slow`; the others say so themselves.
"""

from __future__ import annotations

import gc
import os
import secrets
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path as FsPath

import pytest
import redis
import sqlalchemy as sa
import support.fast_commit  # noqa: F401  (test databases commit without a disk flush)
from alembic import command
from factories.accounts import PASSWORD, as_user
from factories.advice import add_fields
from factories.path import World, build_world
from factories.results import scored_world
from flask import Flask
from support import Browser, app_for_tests, empty_tables
from support.celery_worker import LEASE_S, SHARED_REDIS, Worker
from support.migrations import alembic_config, copy_database
from support.redis_server import PrivateRedis, redis_server_path
from support.shards import SHARDS, shard_of
from support.skips import IN_CI, postgres_or_skip, redis_or_skip
from support.smtp import SmtpCapture
from support.snapshot import DEMO_DAY, DemoSnapshot, Snapshot, holds_the_demo

from workflow.extensions import db


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Slow, without a mark of their own: every browser test, and every test on the demo
    seeded by a `seeded` fixture (seconds on SQLite, once per module). The other slow tests
    carry @pytest.mark.slow (worker processes, backup, fuzzing, the full authz walk).

    TEST_SHARD (CI speed) runs a part: `demo` the tests on the seeded demo and the browser tests,
    `a-l` and `m-z` the others, by the name of their module (tests/test_a… to test_l…, the rest).
    `make test` runs each half of the suite as these three processes, six at once on the two
    cores: a process waits on its database, its workers or Chromium for much of its time, and
    the demo is seeded, and Chromium started, in one process per half only."""
    for item in items:
        if item.get_closest_marker("slow"):
            continue
        names = set(getattr(item, "fixturenames", ()))
        if item.get_closest_marker("browser") or names & {"seeded", "demo_db", "demo_again"}:
            item.add_marker(pytest.mark.slow)
    shard = os.environ.get("TEST_SHARD", "")
    if not shard:
        return
    if shard not in SHARDS:
        raise pytest.UsageError(f"TEST_SHARD={shard!r}: one of {', '.join(SHARDS)}, or unset (every test)")
    keep = [item for item in items if shard_of(item) == shard]
    kept = set(keep)
    config.hook.pytest_deselected(items=[item for item in items if item not in kept])
    items[:] = keep


def pytest_collection_finish(session: pytest.Session) -> None:
    """CI speed: the modules, the app and the collected tests are there for the whole run, so
    the cyclic garbage collector stops walking them (gc.freeze) and runs less often (every
    10,000 allocations rather than 700): its CPU time fell from 1.1 to 0.5 s in 32 web tests
    that took 7 s. Objects still go when their last reference does; cycles a little later."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 50)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = os.environ.get("TEST_DATABASE_URL")
    if base:
        yield from postgres_or_skip(base)
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    instance = tmp_path_factory.mktemp("instance")
    app = app_for_tests(database_url, instance, UPLOAD_MAX_MB=1)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _celery_join_flag() -> Iterator[None]:
    """Celery keeps "a task is running here, so result.get() would block" in one process-wide
    flag, set and restored around every eager task. Eager tasks run at once in several
    threads (the PostgreSQL race tests) can restore it in the wrong order and leave it set,
    and every later `.get()` in this process then raises. Each test starts with it clear."""
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)
    yield


@pytest.fixture(autouse=True)
def _monitoring_cache() -> Iterator[None]:
    """The indicator pages' cache (decision 0041) is keyed by the data's version, which a
    database emptied or restored between tests can repeat with other data: each test starts
    with it empty."""
    from workflow.advice.views.reports import REPORTS
    from workflow.evaluation import summary
    from workflow.monitoring import cache
    from workflow.ranking.views.results import PUBLIC

    cache.clear()
    summary.OVERVIEW.clear()  # the evaluation overview's (decision 0044): the same reason
    REPORTS.clear()  # the services report's (decision 0046)
    PUBLIC.clear()  # the public results' (decision 0046)
    yield


@pytest.fixture(autouse=True)
def _clean_database(request: pytest.FixtureRequest) -> Iterator[None]:
    """Empty every table after each test that used the app: row by row, or, where a test
    of the seeded demo left it in the run's database, by putting back the empty copy
    (`empty_copy`)."""
    yield
    names = request.fixturenames
    if "app" not in names:
        return
    app: Flask = request.getfixturevalue("app")
    if "demo_snapshot" in names and "live_server" not in names and holds_the_demo(app):
        request.getfixturevalue("empty_copy").restore()
        return
    with app.app_context():
        empty_tables()


@pytest.fixture(scope="session")
def empty_copy(app: Flask) -> Iterator[Snapshot]:
    """The run's database with its tables and no rows, copied aside when first asked for
    (between tests, where it is empty) and put back after a test that held the seeded demo:
    under a second, where deleting the demo row by row took 10 to 15 s on PostgreSQL (each
    deleted row looks for the rows that refer to it) and 0.2 s of CPU on SQLite."""
    with app.app_context():
        empty_tables()
    snapshot = Snapshot(app, "empty")
    snapshot.take()
    yield snapshot
    snapshot.drop()


# --- the demo, seeded once per run ------------------------------------------------------------

@pytest.fixture(scope="session")
def demo_snapshot(app: Flask, empty_copy: Snapshot) -> Iterator[DemoSnapshot]:
    """The demo, seeded once per run by the command a user runs (`flask demo seed`, password
    `demo`, the day 28 Nov 2026) and copied aside (support/snapshot.py): `demo_db` puts it
    back in a second, where seeding takes 10 to 40 s. The run's database is empty again after."""
    with app.app_context():
        empty_tables()
        result = app.test_cli_runner().invoke(args=["demo", "seed", "--today", DEMO_DAY])
        assert result.exit_code == 0, result.output
        db.session.remove()
    snapshot = Snapshot(app, "demo")
    snapshot.take()
    empty_copy.restore()
    yield DemoSnapshot(snapshot, result.output)
    snapshot.drop()


@pytest.fixture(scope="session")
def demo_again(app: Flask, demo_snapshot: DemoSnapshot, empty_copy: Snapshot) -> Iterator[Snapshot]:
    """The demo seeded a second time into an emptied database, with the same day (the
    determinism checks compare it with `demo_snapshot`), copied aside too."""
    from workflow.demo import seed as demo

    with app.app_context():
        empty_tables()
        created, _ = demo.seed("demo", today=date.fromisoformat(DEMO_DAY))
        assert created
    snapshot = Snapshot(app, "demo_again")
    snapshot.take()
    empty_copy.restore()
    yield snapshot
    snapshot.drop()


@pytest.fixture
def demo_db(app: Flask, demo_snapshot: DemoSnapshot) -> DemoSnapshot:
    """The run's database holds the seeded demo (emptied after the test, as always)."""
    demo_snapshot.snapshot.restore()
    return demo_snapshot


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    """An application context for tests that call services directly."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def world(ctx: None) -> World:
    return build_world()


@pytest.fixture
def scored(world: World) -> World:
    """Both applications in evaluation with two sheets each; nothing announced yet."""
    return scored_world(world)


@pytest.fixture
def fields(world: World) -> dict[str, int]:
    """Public finance and a withdrawn field (ids by code). test_assignment has its own."""
    return add_fields()


# --- web helpers -----------------------------------------------------------------------

@pytest.fixture
def browser(app: Flask) -> Browser:
    return Browser(app, PASSWORD)


@pytest.fixture
def login(app: Flask):  # noqa: ANN201
    return lambda email: as_user(app, email)


# --- a database of its own, migrated by Alembic --------------------------------------------

@pytest.fixture
def empty_url(tmp_path: FsPath) -> Iterator[str]:
    base = os.environ.get("TEST_DATABASE_URL")
    if base:
        yield from postgres_or_skip(base)
    else:
        yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}"


@pytest.fixture(scope="session")
def _migrated_once(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated by `alembic upgrade head` once per run, copied by `migrated`."""
    base = os.environ.get("TEST_DATABASE_URL")
    if base:
        for url in postgres_or_skip(base, "sciezka_migrated"):
            command.upgrade(alembic_config(url), "head")
            yield url
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('migrated') / 'migrated.sqlite3'}"
        command.upgrade(alembic_config(url), "head")
        yield url


@pytest.fixture
def migrated(empty_url: str, _migrated_once: str) -> Iterator[sa.Engine]:
    """`empty_url`'s database, migrated to head (a copy of the run's migrated database)."""
    copy_database(_migrated_once, empty_url)
    engine = sa.create_engine(empty_url, poolclass=sa.pool.NullPool)
    yield engine
    engine.dispose()


# --- a real SMTP server (tests/support/smtp.py) ---------------------------------------------

@pytest.fixture
def mail_to(app: Flask) -> Iterator[SmtpCapture]:
    """Point the app's MAIL_* at a capturing SMTP server for one test (and its lease,
    which a test may shorten, back afterwards)."""
    saved = {k: app.config.get(k) for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_FROM",
                                             "NOTIFICATION_MAX_ATTEMPTS", "NOTIFICATION_LEASE_S")}
    with SmtpCapture() as smtp:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port,
                          MAIL_FROM="Ścieżka <sciezka@example.pl>")
        yield smtp
    app.config.update(saved)


# --- a private redis-server (tests/support/redis_server.py) ------------------------------------

@pytest.fixture
def private_redis(tmp_path: FsPath) -> Iterator[PrivateRedis]:
    """A redis-server of this test's own (no persistence), killed at the end; `.stop()`,
    `.start()` and `.restart()` (empty, on the same port)."""
    if redis_server_path() is None:
        if IN_CI:
            raise RuntimeError("redis-server is not installed")
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(tmp_path).start()
    yield server
    server.stop()


# --- real Celery workers (tests/support/celery_worker.py) ----------------------------------

@pytest.fixture
def faults(app: Flask, database_url: str, tmp_path: FsPath) -> Iterator[Callable[..., dict]]:
    """`faults(redis_url=..., smtp_port=...)` gives the environment of a worker for this
    test; every worker started from it is killed, and its Redis keys deleted, at the end."""
    if database_url.startswith("sqlite:///:memory:"):
        pytest.skip("the worker needs a database file it can open")
    client = redis_or_skip(SHARED_REDIS)
    tag = f"sciezka-test-{secrets.token_hex(4)}"
    workers: list[Worker] = []
    used: list[str] = [SHARED_REDIS]

    def env_for(smtp_port: int, redis_url: str = SHARED_REDIS) -> dict:
        used.append(redis_url)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MAIL_", "REDIS", "CELERY"))}
        env.update({
            "APP_ENV": "testing", "SECRET_KEY": secrets.token_hex(32),
            "DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path),
            "REDIS_URL": redis_url, "CELERY_QUEUE": tag, "REDIS_KEY_PREFIX": f"{tag}:",
            "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp_port),
            "MAIL_FROM": "Ścieżka <sciezka@example.pl>",
            "NOTIFICATION_LEASE_S": str(LEASE_S), "NOTIFICATION_BACKOFF_S": "1",
            "OUTBOX_REQUEUE_S": "1", "REMINDER_SWEEP_S": "3600",
        })
        return env

    def start(env: dict, name: str) -> Worker:
        w = Worker(env, tmp_path, name)
        workers.append(w)
        return w.start()

    env_for.start = start  # type: ignore[attr-defined]
    env_for.tag = tag  # type: ignore[attr-defined]
    yield env_for
    for w in workers:
        w.kill()
    for url in set(used):
        try:
            c = redis.Redis.from_url(url, socket_connect_timeout=1)
            for key in c.scan_iter(match=f"{tag}*"):
                c.delete(key)
        except redis.exceptions.ConnectionError:
            pass
    client.close()

"""The login limits kept in Redis (as in production): counted across app instances, so two
web processes share one count. Fails instead of skipping under CI=true without Redis."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
import redis
from factories.accounts import PASSWORD
from flask import Flask
from support import app_for_tests
from support.accounts import REDIS_URL, Client, form_error
from support.skips import IN_CI

from workflow.accounts.security import LIMITER_KEY


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    try:
        connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        connection.ping()
    except redis.exceptions.ConnectionError as exc:
        if IN_CI:
            raise RuntimeError(f"Redis at {REDIS_URL} is not reachable under CI") from exc
        pytest.skip(f"Redis at {REDIS_URL} is not reachable: {exc}")
    prefix = f"sciezka-test-{secrets.token_hex(6)}"
    yield prefix
    keys = list(connection.scan_iter(f"*{prefix}*"))
    if keys:
        connection.delete(*keys)
    connection.close()


def redis_app(app: Flask, prefix: str, tmp_path) -> Flask:  # noqa: ANN001
    """A second app on the test database whose limiter keeps its counters in Redis."""
    return app_for_tests(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, REDIS_URL=REDIS_URL,
                       RATELIMIT_KEY_PREFIX=prefix, LOGIN_LIMIT_PER_ACCOUNT="3 per minute")


def test_login_limits_live_in_redis_and_are_shared_by_processes(world, app, redis_prefix, tmp_path):
    first = redis_app(app, redis_prefix, tmp_path / "one")
    second = redis_app(app, redis_prefix, tmp_path / "two")
    storage = first.extensions[LIMITER_KEY].storage
    assert type(storage).__name__ == "RedisStorage"

    # Two failures through one instance, one through the other: the shared count is full.
    one = Client(first, PASSWORD)
    for _ in range(2):
        assert one.login("town-a@example.pl", "wrong password here").status_code == 401
    two = Client(second, PASSWORD)
    assert two.login("town-a@example.pl", "wrong password here").status_code == 401
    refused = Client(first, PASSWORD).login("town-a@example.pl")
    assert refused.status_code == 429
    assert "Zbyt wiele nieudanych prób logowania" in form_error(refused)

    connection = redis.Redis.from_url(REDIS_URL)
    keys = [k.decode() for k in connection.scan_iter(f"*{redis_prefix}*")]
    assert keys, "no limiter keys in Redis"
    assert not any("town-a" in k for k in keys)  # the e-mail is hashed, never stored


def test_without_the_limit_store_each_process_counts_on_its_own(world, app, tmp_path, caplog):
    """Decision 0022: a cache outage must not lock the programme out, nor switch the limits
    off. Without Redis the limiter fails open to counters in each process's memory (logged);
    the lockout in the database still counts failures across processes."""
    def down_app(name: str) -> Flask:
        return app_for_tests(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / name,
                             REDIS_URL="redis://127.0.0.1:1/0", LOGIN_LIMIT_PER_ACCOUNT="2 per minute",
                             LOGIN_LOCKOUT_FAILURES=3)

    first, second = down_app("one"), down_app("two")
    one = Client(first, PASSWORD)
    assert one.login("town-a@example.pl", "wrong password here").status_code == 401
    assert one.login("town-a@example.pl", "wrong password here").status_code == 401
    refused = one.login("town-a@example.pl")  # this process's count is full
    assert refused.status_code == 429
    assert "Zbyt wiele nieudanych prób logowania" in form_error(refused)
    assert "rate limit store unavailable" in caplog.text
    assert Client(second, PASSWORD).login("town-a@example.pl").status_code == 302  # counted apart

    # The database lockout: three failures through both processes lock the account.
    assert Client(first, PASSWORD).login("town-b@example.pl", "wrong password here").status_code == 401
    assert Client(second, PASSWORD).login("town-b@example.pl", "wrong password here").status_code == 401
    assert Client(first, PASSWORD).login("town-b@example.pl", "wrong password here").status_code == 401
    locked = Client(second, PASSWORD).login("town-b@example.pl")
    assert locked.status_code == 429
    assert "logowanie na ten adres jest wstrzymane" in form_error(locked)

"""The services the tests need from the machine (PostgreSQL, Redis): without one, a test
is skipped on a laptop and fails under CI=true."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import redis
import sqlalchemy as sa

from support import postgres_database

IN_CI = os.environ.get("CI", "").lower() == "true"


def postgres_or_skip(base_url: str, prefix: str = "sciezka_test") -> Iterator[str]:
    """A database of its own on the server of `base_url` (support.postgres_database)."""
    try:
        with postgres_database(base_url, prefix) as url:
            yield url
    except sa.exc.OperationalError as exc:
        if IN_CI:
            raise RuntimeError(f"PostgreSQL at {base_url} is not reachable under CI") from exc
        pytest.skip(f"PostgreSQL at {base_url} is not reachable: {exc.orig}")


def redis_or_skip(url: str) -> redis.Redis:
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        if IN_CI:
            raise RuntimeError(f"Redis at {url} is not reachable under CI") from exc
        pytest.skip(f"Redis at {url} is not reachable: {exc}")
    return client

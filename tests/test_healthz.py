"""/healthz: the database and Redis, for a load balancer. No login; 503 when a configured
service does not answer; nothing in the answer but "ok" or the kind of error."""

from __future__ import annotations

import socket

import pytest
from flask import Flask
from support import app_for_tests
from support.skips import IN_CI

REDIS_URL = "redis://127.0.0.1:6379/0"


def app_with(app: Flask, **overrides: str) -> Flask:
    """An app like the tests' one (same database), with other settings."""
    return app_for_tests(app.config["SQLALCHEMY_DATABASE_URI"], app.instance_path, **overrides)


def redis_running() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


def test_ok_without_redis_configured(app):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"database": "ok", "redis": "not configured"}
    assert response.headers["Cache-Control"] == "no-store"


def test_ok_with_redis(app):
    if not redis_running():
        if IN_CI:
            raise RuntimeError("Redis on 127.0.0.1:6379 is not reachable under CI")
        pytest.skip("Redis on 127.0.0.1:6379 is not reachable")
    response = app_with(app, REDIS_URL=REDIS_URL).test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"database": "ok", "redis": "ok"}


def test_unreachable_redis_is_a_503_that_names_no_host(app):
    url = "redis://:s3cret-password@127.0.0.1:1/0"
    response = app_with(app, REDIS_URL=url).test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["database"] == "ok"
    assert body["redis"].startswith("error: ")
    text = response.get_data(as_text=True)
    assert "s3cret" not in text and "127.0.0.1" not in text


def test_unreachable_database_is_a_503(app, tmp_path):
    broken = app_for_tests("postgresql+psycopg://nobody:hunter2@127.0.0.1:1/none", tmp_path)
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"].startswith("error: ")
    assert "hunter2" not in response.get_data(as_text=True)

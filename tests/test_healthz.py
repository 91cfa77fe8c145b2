"""/healthz: the database, Redis and the outbox, for a load balancer and the monitoring.
No login; 503 only when the database does not answer (the web cannot serve); Redis down or
mail waiting too long is 200 with "degraded" (docs/decisions/0022); nothing in the answer
but states, counts and the kind of an error."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from flask import Flask
from support import app_for_tests
from support.querycount import count_queries
from support.skips import IN_CI

from workflow.extensions import db
from workflow.messaging import notifications
from workflow.messaging.texts import Kind
from workflow.models import NotificationStatus
from workflow.models.types import utcnow

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
    assert response.get_json() == {"status": "ok", "database": "ok", "redis": "not configured",
                                   "outbox": "ok", "outbox_waiting": 0, "outbox_oldest_s": 0}
    assert response.headers["Cache-Control"] == "no-store"


def test_ok_with_redis(app):
    if not redis_running():
        if IN_CI:
            raise RuntimeError("Redis on 127.0.0.1:6379 is not reachable under CI")
        pytest.skip("Redis on 127.0.0.1:6379 is not reachable")
    response = app_with(app, REDIS_URL=REDIS_URL).test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"
    assert response.get_json()["redis"] == "ok"


def test_unreachable_redis_is_degraded_not_down_and_names_no_host(app):
    """The web serves without Redis, and every web process shares it: a 503 would make
    the load balancer take them all out."""
    url = "redis://:s3cret-password@127.0.0.1:1/0"
    response = app_with(app, REDIS_URL=url).test_client().get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["database"], body["outbox"]) == ("degraded", "ok", "ok")
    assert body["redis"].startswith("error: ")
    text = response.get_data(as_text=True)
    assert "s3cret" not in text and "127.0.0.1" not in text


def test_unreachable_database_is_a_503(app, tmp_path):
    broken = app_for_tests("postgresql+psycopg://nobody:hunter2@127.0.0.1:1/none", tmp_path)
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert (body["status"], body["outbox"]) == ("down", "unknown")
    assert body["database"].startswith("error: ")
    assert "hunter2" not in response.get_data(as_text=True)


def test_mail_waiting_too_long_is_degraded_with_how_many_and_how_long(app, world):
    old, new = (notifications.queue(world.users[k], Kind.PASSWORD_RESET, link="l")
                for k in ("town_a", "town_b"))
    db.session.flush()
    old.created_at = utcnow() - timedelta(hours=1)
    sent = notifications.queue(world.users["coordinator"], Kind.PASSWORD_RESET, link="l")
    sent.status, sent.created_at = NotificationStatus.SENT, utcnow() - timedelta(days=1)
    db.session.commit()
    client = app.test_client()
    with count_queries(db.engine) as counted:
        response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["outbox"], body["outbox_waiting"]) == ("degraded", "late", 2)
    assert 3600 <= body["outbox_oldest_s"] < 3700
    assert counted.count == 2, counted  # SELECT 1, and one look at the outbox
    old.status = NotificationStatus.SENDING  # an unconfirmed send waits too
    new.status = NotificationStatus.SENT
    db.session.commit()
    assert client.get("/healthz").get_json()["outbox_waiting"] == 1
    old.status = NotificationStatus.SENT
    db.session.commit()
    body = client.get("/healthz").get_json()
    assert (body["status"], body["outbox"], body["outbox_waiting"]) == ("ok", "ok", 0)

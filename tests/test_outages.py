"""Services that fail and come back (docs/decisions/0022, docs/operations.md "Outages").

- A Redis that accepts connections and never answers: every socket to it gives up within
  seconds, so no request waits for gunicorn's timeout.
- Redis stopped (a private redis-server, killed): every page of every role still serves,
  logins go on (the limits count in the process), /healthz says "degraded" and names
  Redis, a password reset's message waits in the outbox, an export says it could not be
  queued; Redis back: the running worker and its beat reconnect and deliver what waited,
  each message once, and the web queues through Redis again.
- PostgreSQL dropping every connection (pg_terminate_backend, as a restart does): every
  request after it succeeds, because every engine checks a pooled connection before use
  (pool_pre_ping, on in every configuration). The worker's engine: tests/test_worker_faults.py.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path as FsPath

import pytest
import redis
from factories.accounts import PASSWORD, as_user
from factories.authz import ROLES, build
from flask import Flask
from sqlalchemy import select
from support import app_for_tests, kill_connections
from support.accounts import Client
from support.authz import browsers, fetch, open_pages
from support.celery_worker import wait_until
from support.redis_server import PrivateRedis, web_celery
from support.smtp import SmtpCapture

import config
from workflow.app import create_app
from workflow.extensions import db
from workflow.models import ExportJob, Notification

STRONG = "4f1c0e9b7d2a48e3a5b6c7d8e9f0a1b2"


def outbox() -> list[Notification]:
    db.session.expire_all()
    rows = list(db.session.scalars(select(Notification).order_by(Notification.id)))
    db.session.commit()
    return rows


# --- the database ---------------------------------------------------------------------------------

@pytest.mark.parametrize("app_env", ["development", "testing", "production"])
def test_every_configuration_checks_a_pooled_connection_before_lending_it(monkeypatch, tmp_path, app_env):
    """The web, the worker (FlaskTask builds its app with the same create_app) and the CLI."""
    monkeypatch.setenv("APP_ENV", app_env)
    monkeypatch.setenv("SECRET_KEY", STRONG)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")  # never reached
    for overrides in ({}, {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 3}}):
        app = create_app(overrides)
        with app.app_context():
            assert db.engine.pool._pre_ping is True  # noqa: SLF001
            assert db.engine.pool.size() == overrides.get("SQLALCHEMY_ENGINE_OPTIONS", {}).get("pool_size", 5)
        assert config.load(overrides)["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True


@pytest.mark.postgres
def test_every_request_after_the_database_drops_its_connections_succeeds(app, world, is_postgres,
                                                                          database_url):
    if not is_postgres:
        pytest.skip("needs PostgreSQL (set TEST_DATABASE_URL); make test runs it there")
    coordinator, town = as_user(app, "coordinator@example.pl"), as_user(app, "town-a@example.pl")
    path = world.paths["a"].id
    db.session.commit()  # the test's own session holds no connection: only requests run now
    requests = [(coordinator, "/coordinator/"), (coordinator, "/coordinator/users/"),
                (coordinator, "/coordinator/outbox"), (town, "/town/"), (town, f"/town/paths/{path}"),
                (town, "/inbox/"), (town, "/healthz")]
    answered = 0
    for _round in range(3):
        for who, url in requests:  # every pooled connection in use, then back in the pool
            assert who.get(url).status_code == 200, url
        assert kill_connections(database_url) >= 1
        for who, url in requests:
            response = who.get(url)
            assert response.status_code == 200, f"{url} after the connections were killed"
            answered += 1
        assert town.post("/language", {"lang": "en", "next": "/town/"}).status_code == 302  # a write
        assert kill_connections(database_url) >= 1
        assert town.post("/language", {"lang": "pl", "next": "/town/"}).status_code == 302
    assert answered == 3 * len(requests)


# --- Redis ----------------------------------------------------------------------------------------

@pytest.fixture
def silent_redis() -> Iterator[str]:
    """A "Redis" that accepts connections and never answers (overloaded, paused, cut off
    behind a firewall that keeps the connection open): its URL."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    listener.close()


@pytest.mark.slow  # seconds of socket timeouts
def test_a_redis_that_never_answers_holds_no_request_for_long(app: Flask, world, silent_redis: str,
                                                              tmp_path: FsPath) -> None:
    """The web's sockets to Redis give up (limiter 1 s, queueing 2 × 3 s, /healthz 2 s), so a
    hung Redis slows a page that queues mail by seconds, never by gunicorn's timeout."""
    web = app_for_tests(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, REDIS_URL=silent_redis)
    settings = config.load({"APP_ENV": "testing", "SECRET_KEY": STRONG, "REDIS_URL": silent_redis})
    with web_celery(settings):
        started = time.monotonic()
        health = web.test_client().get("/healthz")
        assert health.status_code == 200 and health.get_json()["redis"] == "error: TimeoutError"
        assert time.monotonic() - started < 5

        started = time.monotonic()
        person = Client(web, PASSWORD)
        assert person.login("town-a@example.pl").status_code == 302  # the limiter: 1 s, then memory
        assert person.get("/town/").status_code == 200
        assert time.monotonic() - started < 5

        started = time.monotonic()
        anonymous = Client(web)
        anonymous.get("/password/forgot")
        assert anonymous.post("/password/forgot", {"email": "town-b@example.pl"}).status_code == 200
        assert time.monotonic() - started < 15  # two tries to queue delivery, 3 s each, at most
    assert [n.status for n in outbox()] == ["pending"]


@pytest.mark.slow  # a redis-server, a real worker with beat, an SMTP server
def test_with_redis_stopped_every_page_serves_and_mail_waits_until_it_is_back(
        app: Flask, world, faults, private_redis: PrivateRedis, tmp_path: FsPath) -> None:
    built = build(world)
    with SmtpCapture() as smtp:
        env = faults(smtp.port, redis_url=private_redis.url)
        settings = config.load({k: env[k] for k in ("APP_ENV", "SECRET_KEY", "REDIS_URL", "CELERY_QUEUE",
                                                      "REDIS_KEY_PREFIX")})
        web = app_for_tests(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "web",
                            REDIS_URL=private_redis.url, RATELIMIT_KEY_PREFIX=env["CELERY_QUEUE"],
                            RATELIMIT_STORE_RETRY_S=1)
        before = {n.id for n in outbox()}  # the world's own messages (one failed for good)
        first = faults.start(env, "w1")  # a worker with its beat, running into the outage
        with web_celery(settings):
            private_redis.stop()

            health = web.test_client().get("/healthz")
            assert health.status_code == 200
            body = health.get_json()
            assert (body["status"], body["database"]) == ("degraded", "ok")
            assert body["redis"].startswith("error: ")

            people = browsers(web)  # every role logs in through the form, Redis down
            pages = 0
            for role in ROLES:
                for url in open_pages(web, role, lambda kind: built.ids[kind]["a"]):
                    started = time.monotonic()
                    response = fetch(people[role], url)
                    assert response.status_code < 500, f"{url} as {role}: {response.status_code}"
                    # A hang on Redis costs seconds of socket timeouts (limiter 1 s, queueing 2 × 3 s);
                    # a PDF's drawing alone can take 5 s on a loaded machine, so it gets more room.
                    limit = 15 if url.endswith(".pdf") else 5
                    assert time.monotonic() - started < limit, f"{url} as {role} took too long"
                    pages += 1
            assert pages > 100
            print(f"\nwith Redis stopped: {pages} pages of {len(ROLES)} roles served, none a 5xx")

            anonymous = people["anonymous"]
            for email in ("town-a@example.pl", "advisor-a@example.pl"):
                anonymous.get("/password/forgot")
                sent = anonymous.post("/password/forgot", {"email": email})
                assert sent.status_code == 200 and "Sprawdź skrzynkę e-mail" in sent.get_data(as_text=True)
            prepared = people["coordinator"].post("/coordinator/reports/consultations/log.csv/prepare", {})
            assert prepared.status_code == 302
            job_page = fetch(people["coordinator"], prepared.location)
            assert job_page.status_code == 200
            waiting = [n for n in outbox() if n.id not in before]
            assert [n.status for n in waiting] == ["pending", "pending"] and smtp.received == []
            newest = db.session.scalars(select(ExportJob).order_by(ExportJob.id.desc())).first()
            assert (newest.status, newest.error) == ("failed", "not_queued")

            private_redis.start()  # empty: whatever was queued before is gone too
            # A worker that held an unacknowledged task when Redis went may have exited (kombu
            # cannot restore the task without its connection): the service manager restarts
            # it (Restart=always, docs/deploy.md), as here. Either way, beat re-queues delivery.
            if not first.alive():
                faults.start(env, "w2")
            smtp.wait_for(2, timeout=90)
            assert smtp.count_by_message_id() == {f"<notification-{n.id}@example.pl>": 1 for n in waiting}

            # The web queues through Redis again: a new message goes at once, not at the next beat.
            wait_until(lambda: web.test_client().get("/healthz").get_json()["status"] == "ok",
                       what="/healthz to say ok")
            anonymous.get("/password/forgot")
            assert anonymous.post("/password/forgot", {"email": "eval-a@example.pl"}).status_code == 200
            smtp.wait_for(3, timeout=30)
            rows = [n for n in outbox() if n.id not in before]
            assert [n.status for n in rows] == ["sent"] * 3
            assert sorted(smtp.count_by_message_id().values()) == [1, 1, 1]
            # And the login limits count in Redis again once their retry time has passed.
            time.sleep(1.1)
            assert Client(web, PASSWORD).login("town-b@example.pl", "wrong password here").status_code == 401
            keys = redis.Redis.from_url(private_redis.url).keys(f"*{env['CELERY_QUEUE']}*login*")
            assert keys, "the failed login was not counted in Redis"

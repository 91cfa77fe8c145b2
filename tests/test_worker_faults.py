"""The outbox survives faults: each test runs a REAL `celery -A worker worker` process on a
REAL Redis, delivering to a REAL SMTP server (aiosmtpd), and counts what arrived.

- the reminder sweep run twice, and two sweeps at once: each reminder arrives once;
- a worker killed with SIGKILL mid-delivery: a new worker delivers the rest, none twice;
- the SMTP server down for a while: messages wait (pending, tried) and arrive later;
- Redis restarted (a private redis-server) after the sweep, losing the queued task: the
  beat's re-queue delivers everything from the outbox;
- PostgreSQL dropping the worker's connections (pg_terminate_backend, as a restart does):
  the worker's engine checks a pooled connection before use and delivers the next ones.

Isolation: other test runs share the Redis on 6379, so each test uses a queue name and a
key prefix of its own (REDIS_KEY_PREFIX, CELERY_QUEUE) and deletes its keys afterwards.
Under CI=true a missing Redis fails the tests instead of skipping them.
"""

from __future__ import annotations

import signal
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import redis
from factories.accounts import make_user
from factories.path import make_town
from sqlalchemy import select
from support import kill_connections
from support.celery_worker import LEASE_S, wait_until
from support.smtp import SmtpCapture

import config
import worker
from workflow.extensions import db
from workflow.messaging import notifications, reminders
from workflow.messaging.texts import Kind
from workflow.models import Notification, StageDeadline

pytestmark = pytest.mark.slow  # real worker, Redis and SMTP processes, killed and restarted


def send(env: dict, task: str) -> None:
    """Queue `task` as the web app or beat would: through the broker the worker reads."""
    app = worker.make_celery(config.load({"APP_ENV": "testing", **{
        k: env[k] for k in ("SECRET_KEY", "REDIS_URL", "CELERY_QUEUE", "REDIS_KEY_PREFIX")}}))
    app.send_task(task)
    app.close()


def outbox() -> list[Notification]:
    db.session.expire_all()
    rows = list(db.session.scalars(select(Notification).order_by(Notification.id)))
    db.session.commit()  # end the read transaction: the worker writes meanwhile
    return rows


def queue_resets(world, n: int) -> list[int]:  # noqa: ANN001
    users = [make_user(f"person{i}@example.pl", "advisor") for i in range(n)]
    db.session.flush()
    rows = [notifications.queue(u, Kind.PASSWORD_RESET, link=f"https://x.example/r/{u.id}")
            for u in users]
    db.session.commit()
    return [r.id for r in rows]


def assert_each_once(smtp: SmtpCapture, ids: list[int]) -> None:
    counts = smtp.count_by_message_id()
    assert counts == {f"<notification-{i}@example.pl>": 1 for i in ids}, counts
    assert {r.status for r in outbox()} == {"sent"}


# --- the faults --------------------------------------------------------------------------------

def test_sweeps_run_twice_and_at_once_send_each_reminder_once(world, faults, app):
    programme = world.programme
    for i in range(3):
        path = make_town(programme, f"Miasto {i}")
        db.session.flush()
        make_user(f"town{i}@example.pl", "town", path.applicant)
    due = datetime.now(UTC) + timedelta(days=7) - timedelta(hours=1)  # the 7-day window is open
    for row in db.session.scalars(select(StageDeadline).where(StageDeadline.programme_id == programme.id)):
        row.due_at = due
    db.session.commit()
    with SmtpCapture() as smtp:
        env = faults(smtp.port)
        faults.start(env, "w1")

        def sweep() -> None:
            with app.app_context():
                reminders.sweep()

        threads = [threading.Thread(target=sweep) for _ in range(3)]  # three sweeps at once
        for t in threads:
            t.start()
        send(env, "reminders.sweep")  # and two more in the worker, one after the other
        send(env, "reminders.sweep")
        for t in threads:
            t.join()
        received = smtp.wait_for(5)
        time.sleep(1)  # let a second copy arrive, if there were one
        ids = [r.id for r in outbox()]
        assert len(ids) == 5 and len(smtp.received) == 5
        assert_each_once(smtp, ids)
        assert sorted(r.to.split("<")[1] for r in received) == sorted(
            ["town-a@example.pl>", "town-b@example.pl>", "town0@example.pl>", "town1@example.pl>",
             "town2@example.pl>"])


def test_a_worker_killed_mid_delivery_is_replaced_and_nothing_goes_twice(world, faults):
    ids = queue_resets(world, 6)
    with SmtpCapture(delay=1.0) as smtp:  # slow: about a second per message
        env = faults(smtp.port)
        first = faults.start(env, "w1")
        send(env, "notifications.deliver")
        wait_until(lambda: len(smtp.received) >= 2, what="two messages")
        smtp.handler.rcpt_started.clear()
        wait_until(smtp.handler.rcpt_started.is_set, what="the third message under way")
        first.kill(signal.SIGKILL)  # mid-message: the server has not accepted it
        sent_before = len(smtp.received)
        assert sent_before < 6
        stuck = [r for r in outbox() if r.status == "pending" and r.claimed_until is not None]
        assert len(stuck) == 1  # the row the dead worker held
        faults.start(env, "w2")
        smtp.wait_for(6, timeout=60)
        time.sleep(1)
        assert_each_once(smtp, ids)
        assert next(r for r in outbox() if r.id == stuck[0].id).attempts == 2


def test_a_worker_killed_after_the_server_took_the_message_sends_it_again_once_after_the_lease(
        world, faults):
    """The one duplicate of decision 0022: the whole message reached the server, the worker
    died before the "250" reached it. The row stays 'sending'; no worker sends it within its
    lease; after the lease it goes once more, with the same Message-ID."""
    ids = queue_resets(world, 1)
    with SmtpCapture() as smtp:
        arrived, answer = threading.Event(), threading.Event()

        def hold(_envelope: object) -> None:  # stored; the answer waits
            arrived.set()
            answer.wait(30)

        smtp.handler.on_data = hold
        env = faults(smtp.port)
        first = faults.start(env, "w1")
        wait_until(arrived.is_set, what="the message stored at the server")
        first.kill(signal.SIGKILL)  # before it heard the "250"
        smtp.handler.on_data = None
        answer.set()
        assert len(smtp.received) == 1
        [row] = outbox()
        assert (row.status, row.attempts) == ("sending", 1)
        lease_ends = row.claimed_until
        assert lease_ends == row.sending_at + timedelta(seconds=LEASE_S)
        faults.start(env, "w2")  # its start and its beat (every second) look at the outbox
        while datetime.now(UTC) < lease_ends - timedelta(seconds=0.5):
            assert len(smtp.received) == 1, "sent again within the lease"
            time.sleep(0.1)
        smtp.wait_for(2, timeout=30)
        assert datetime.now(UTC) >= lease_ends
        time.sleep(2)  # a third copy would come within a beat or two
        assert smtp.count_by_message_id() == {f"<notification-{ids[0]}@example.pl>": 2}
        [row] = outbox()
        assert (row.status, row.attempts, row.error) == ("sent", 2, "")


def test_messages_wait_while_smtp_is_down_and_arrive_when_it_is_back(world, faults):
    ids = queue_resets(world, 3)
    smtp = SmtpCapture()  # not started: nothing listens on its port
    env = faults(smtp.port)
    faults.start(env, "w1")
    send(env, "notifications.deliver")
    wait_until(lambda: all(r.attempts >= 2 for r in outbox()), what="two failed tries each")
    rows = outbox()
    assert {r.status for r in rows} == {"pending"}
    assert all("Connection" in r.error and r.next_attempt_at is not None for r in rows)
    with smtp:
        smtp.wait_for(3, timeout=60)
        time.sleep(1)
        assert_each_once(smtp, ids)
    assert all(r.error == "" for r in outbox())


def test_a_redis_restart_after_the_sweep_loses_the_task_but_not_the_messages(
        world, faults, private_redis):
    ids = queue_resets(world, 4)  # the sweep's (or any change's) outbox rows, committed
    with SmtpCapture() as smtp:
        env = faults(smtp.port, redis_url=private_redis.url)
        send(env, "notifications.deliver")  # queued while no worker is up
        client = redis.Redis.from_url(private_redis.url)
        assert client.llen(f"{faults.tag}:{faults.tag}") == 1
        private_redis.restart()  # Redis restarts empty: the queued task is gone
        client = redis.Redis.from_url(private_redis.url)
        assert client.llen(f"{faults.tag}:{faults.tag}") == 0
        assert {r.status for r in outbox()} == {"pending"}
        faults.start(env, "w1")  # the beat's re-queue (and the worker's start) find the rows
        smtp.wait_for(4, timeout=60)
        time.sleep(1)
        assert_each_once(smtp, ids)


@pytest.mark.postgres
def test_the_worker_reconnects_after_the_database_drops_its_connections(world, faults, is_postgres,
                                                                        database_url):
    if not is_postgres:
        pytest.skip("needs PostgreSQL (set TEST_DATABASE_URL); make test runs it there")
    first = queue_resets(world, 2)
    with SmtpCapture() as smtp:
        env = faults(smtp.port)
        faults.start(env, "w1")
        smtp.wait_for(2)  # the worker's start delivers the outbox: its pool holds a connection
        db.session.commit()  # (and this test's session holds none)
        assert kill_connections(database_url) >= 1
        users = [make_user(f"late{i}@example.pl", "advisor") for i in range(2)]
        db.session.flush()
        rows = [notifications.queue(u, Kind.PASSWORD_RESET, link="l") for u in users]
        db.session.commit()
        second = [r.id for r in rows]
        send(env, "notifications.deliver")
        smtp.wait_for(4)
        time.sleep(1)
        assert_each_once(smtp, first + second)

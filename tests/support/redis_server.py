"""A private redis-server for the outage tests, and the web's Celery pointed at it.

    server = PrivateRedis(tmp_path).start()    # `redis-server --port <free> --save ''`
    server.stop(); server.start()             # down, and back (empty) on the same port
    with web_celery(settings): ...            # this process's Celery app on that Redis

The process's Celery app (workflow.extensions.celery) is configured once, from the
environment; a web process of a deployment with Redis queues its tasks through it. The
tests' own app runs tasks in-process, so `web_celery` reconfigures that one object for the
length of a test and puts everything back afterwards.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import kombu.pools
import redis

from support.celery_worker import wait_until
from support.smtp import free_port
from workflow import extensions


def redis_server_path() -> str | None:
    return shutil.which("redis-server")


class PrivateRedis:
    """A redis-server of one test's own, with no persistence: a restart empties it."""

    def __init__(self, work: Path, port: int | None = None) -> None:
        self.work = work
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> PrivateRedis:
        server = redis_server_path()
        assert server is not None, "redis-server is not installed"
        self.proc = subprocess.Popen([server, "--port", str(self.port), "--bind", "127.0.0.1",
                                      "--save", "", "--appendonly", "no", "--dir", str(self.work)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self.pings, timeout=10, what="redis-server")
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        wait_until(lambda: not self.pings(), timeout=10, what="redis-server to stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    def pings(self) -> bool:
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        try:
            return bool(client.ping())
        except redis.exceptions.ConnectionError:
            return False
        finally:
            client.close()


def _drop_connections() -> None:
    """Close the broker connections and producers of the old settings (kombu keeps them in
    process-wide pools keyed by broker URL) and let the app build new ones on first use."""
    kombu.pools.reset()
    app = extensions.celery
    app._pool = None  # noqa: SLF001
    app.amqp._producer_pool = None  # noqa: SLF001


@contextmanager
def web_celery(settings: dict) -> Iterator[None]:
    """This process's Celery app configured from `settings` (config.load()), as a web
    process with these settings has it; as it was again afterwards."""
    app = extensions.celery_app()
    saved = {key: app.conf[key] for key in app.conf}
    _drop_connections()
    extensions.configure_celery(app, settings)
    try:
        yield
    finally:
        _drop_connections()
        app.conf.update(saved)

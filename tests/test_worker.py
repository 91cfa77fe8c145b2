"""The Celery app object is configured from config.py (tasks come with the worker issue)."""

from __future__ import annotations

import worker


def test_without_redis_tasks_run_in_process():
    app = worker.make_celery({"REDIS_URL": None, "TIMEZONE": "Europe/Warsaw"})
    assert app.conf.task_always_eager is True
    assert app.conf.broker_url == "memory://"

    @app.task
    def add(a: int, b: int) -> int:
        return a + b

    # Eager tasks still go through FlaskTask, which pushes an app context.
    assert add.delay(2, 3).get() == 5


def test_with_redis_url_the_broker_and_backend_are_redis():
    app = worker.make_celery({"REDIS_URL": "redis://127.0.0.1:6379/5", "TIMEZONE": "Europe/Warsaw"})
    assert app.conf.task_always_eager is False
    assert app.conf.broker_url == "redis://127.0.0.1:6379/5"
    assert app.conf.result_backend == "redis://127.0.0.1:6379/5"
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    assert app.conf.broker_transport_options["visibility_timeout"] >= 6 * 3600

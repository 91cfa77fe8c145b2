"""The Celery app, configured from config.py: `celery -A worker worker` / `celery -A worker beat`.

Tasks (a later issue) are thin: they take ids, run inside the Flask app context, and call
a service. Without REDIS_URL every task runs in-process and at once (task_always_eager),
so `make run` needs nothing but Python.
"""

from __future__ import annotations

from typing import Any

from celery import Celery, Task
from flask import has_app_context

import config

# Longer than any countdown or ETA a task of ours is given, so Redis never hands an
# unacknowledged task to a second worker while the first is still waiting to run it.
VISIBILITY_TIMEOUT_S = 6 * 60 * 60


class FlaskTask(Task):
    """Runs each task inside an application context of its own."""

    abstract = True
    _flask_app: Any = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if has_app_context():  # run in-process (eager) from a request, a command or a test
            return super().__call__(*args, **kwargs)
        if FlaskTask._flask_app is None:
            from workflow import create_app

            FlaskTask._flask_app = create_app()
        with FlaskTask._flask_app.app_context():
            return super().__call__(*args, **kwargs)


def make_celery(settings: dict | None = None) -> Celery:
    settings = settings if settings is not None else config.load()
    redis_url = settings.get("REDIS_URL")
    app = Celery("sciezka", task_cls=FlaskTask, include=["worker.tasks"])
    app.conf.update(
        broker_url=redis_url or "memory://",
        result_backend=redis_url or None,
        task_always_eager=not redis_url,
        task_eager_propagates=True,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        timezone=settings.get("TIMEZONE", "Europe/Warsaw"),
        enable_utc=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_time_limit=300,
        task_soft_time_limit=240,
        broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT_S},
        result_backend_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT_S},
        result_expires=7 * 24 * 60 * 60,
        broker_connection_retry_on_startup=True,
    )
    return app


celery = make_celery()
app = celery

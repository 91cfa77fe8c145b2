"""The Celery app, configured from config.py: `celery -A worker worker` / `celery -A worker beat`.

Tasks are thin: they take ids, run inside the Flask app context, and call a service.
Without REDIS_URL every task runs in-process and at once (task_always_eager), so `make run`
needs nothing but Python.

Beat (exactly one per deployment) re-queues delivery of the outbox every OUTBOX_REQUEUE_S
(60 s) and sweeps deadline reminders every REMINDER_SWEEP_S (15 min). Both entries expire
after one interval, so a beat that ran while no worker was up does not leave a pile of
identical tasks behind. CELERY_QUEUE and REDIS_KEY_PREFIX let several deployments (or
test runs) share one Redis without taking each other's tasks.
"""

from __future__ import annotations

from typing import Any

from celery import Celery, Task, signals
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
            # Imported when a worker first runs a task outside an app: `import worker` alone
            # (beat, a caller queueing a task) does not load the web application.
            from workflow.app import create_app

            FlaskTask._flask_app = create_app()
        with FlaskTask._flask_app.app_context():
            return super().__call__(*args, **kwargs)


def make_celery(settings: dict | None = None) -> Celery:
    settings = settings if settings is not None else config.load()
    redis_url = settings.get("REDIS_URL")
    transport: dict[str, Any] = {"visibility_timeout": VISIBILITY_TIMEOUT_S}
    if settings.get("REDIS_KEY_PREFIX"):
        transport["global_keyprefix"] = settings["REDIS_KEY_PREFIX"]
    queue = settings.get("CELERY_QUEUE") or "celery"
    requeue_s = float(settings.get("OUTBOX_REQUEUE_S") or 60)
    sweep_s = float(settings.get("REMINDER_SWEEP_S") or 900)
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
        broker_transport_options=transport,
        result_backend_transport_options=dict(transport),
        task_default_queue=queue,
        beat_schedule={
            "outbox-requeue": {"task": "notifications.deliver", "schedule": requeue_s,
                               "options": {"expires": requeue_s}},
            "reminders-sweep": {"task": "reminders.sweep", "schedule": sweep_s,
                                "options": {"expires": sweep_s}},
        },
        result_expires=7 * 24 * 60 * 60,
        broker_connection_retry_on_startup=True,
    )
    return app


celery = make_celery()
app = celery


@signals.worker_ready.connect
def _deliver_on_start(sender: Any = None, **_kwargs: Any) -> None:
    """A worker that starts (perhaps after a crash) first looks at the outbox."""
    celery.send_task("notifications.deliver")

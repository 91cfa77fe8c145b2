"""The Celery app, configured from config.py: `celery -A worker worker` / `celery -A worker beat`.

Tasks are thin: they take ids, run inside the Flask app context, and call an operation.
The app object itself is workflow.extensions.celery, configured here from config.py, so that
the web queues tasks by name (extensions.send_task) without importing this package.
Without REDIS_URL every task runs in-process and at once (task_always_eager), so `make run`
needs nothing but Python.

Beat (exactly one per deployment) re-queues delivery of the outbox every OUTBOX_REQUEUE_S
(60 s), sweeps deadline reminders every REMINDER_SWEEP_S (15 min) and checks the upload
store daily at DOCUMENT_CHECK_AT (03:30). The first two expire after one interval (the
check after six hours), so a beat that ran while no worker was up does not leave a pile
of identical tasks behind. CELERY_QUEUE and REDIS_KEY_PREFIX let several deployments (or
test runs) share one Redis without taking each other's tasks.
"""

from __future__ import annotations

from typing import Any

from celery import Celery, Task, signals
from flask import has_app_context

import config
from workflow import extensions
from workflow.extensions import configure_celery


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
    """A new Celery app configured from `settings` (default: config.load()), its tasks run
    by FlaskTask. The process's own app is `celery` below (workflow.extensions.celery)."""
    settings = settings if settings is not None else config.load()
    return configure_celery(Celery("sciezka", task_cls=FlaskTask), settings)


# The one app of this process, the same object the web reaches by task name.
celery = configure_celery(extensions.celery, config.load())
app = celery


@signals.worker_ready.connect
def _deliver_on_start(sender: Any = None, **_kwargs: Any) -> None:
    """A worker that starts (perhaps after a crash) first looks at the outbox."""
    celery.send_task("notifications.deliver")

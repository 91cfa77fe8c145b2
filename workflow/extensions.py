"""Flask extensions, created unbound and initialised in create_app(); and the Celery app,
through which operations reach the worker by task name."""

from __future__ import annotations

from typing import Any

from celery import Celery
from celery.result import AsyncResult
from celery.schedules import crontab
from flask_babel import Babel
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

import config

# Constraint names that Alembic can rely on, on SQLite and PostgreSQL alike.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)


@event.listens_for(Engine, "connect")
def _sqlite_foreign_keys(dbapi_connection: object, connection_record: object) -> None:
    """SQLite ignores foreign keys (and ON DELETE CASCADE) unless asked, per connection."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


# --- Celery, reached by task name ------------------------------------------------------------
#
# Operations queue work with `send_task("notifications.deliver")` and never import worker/.
# There is one Celery app per process: this object, configured from config.py by
# `configure_celery` (by worker/ when a worker or beat starts; here, on first use, in the web
# and the CLI). worker/tasks.py registers the tasks on it.

# Long enough for any countdown or ETA a task of ours is given, so Redis never hands an
# unacknowledged task to a second worker while the first is still waiting to run it.
VISIBILITY_TIMEOUT_S = 6 * 60 * 60
# A Redis that accepts connections but does not answer (overloaded, paused, cut off) must
# not hold a web request: every socket to it gives up after this long (decision 0022).
REDIS_CONNECT_TIMEOUT_S = 2
REDIS_SOCKET_TIMEOUT_S = 3
# Queueing from a request: one quick retry, then the caller's fallback (the outbox waits,
# a job says it could not be queued).
PUBLISH_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# The modules that define the tasks, loaded by name: by a worker at start, and here when a
# task runs in-process (no REDIS_URL, no broker).
TASK_MODULES = ("worker.tasks",)

celery = Celery("sciezka")


def configure_celery(app: Celery, settings: dict) -> Celery:
    """Set `app` up from `settings` (config.load()): Redis as broker and result store when
    REDIS_URL is set; without it every task runs in-process and at once (eager)."""
    redis_url = settings.get("REDIS_URL")
    transport: dict[str, Any] = {"visibility_timeout": VISIBILITY_TIMEOUT_S,
                                 "socket_connect_timeout": REDIS_CONNECT_TIMEOUT_S,
                                 "socket_timeout": REDIS_SOCKET_TIMEOUT_S}
    if settings.get("REDIS_KEY_PREFIX"):
        transport["global_keyprefix"] = settings["REDIS_KEY_PREFIX"]
    requeue_s = float(settings.get("OUTBOX_REQUEUE_S") or 60)
    sweep_s = float(settings.get("REMINDER_SWEEP_S") or 900)
    retention_s = float(settings.get("RETENTION_SWEEP_S") or 86400)
    app.conf.update(
        include=list(TASK_MODULES),
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
        task_default_queue=settings.get("CELERY_QUEUE") or "celery",
        beat_schedule={
            "outbox-requeue": {"task": "notifications.deliver", "schedule": requeue_s,
                               "options": {"expires": requeue_s}},
            "reminders-sweep": {"task": "reminders.sweep", "schedule": sweep_s,
                                "options": {"expires": sweep_s}},
            # Do the upload store and the document rows agree? Daily, at a quiet hour.
            "documents-check": {"task": "documents.check", "schedule": daily_at(settings),
                                "options": {"expires": DAILY_EXPIRES_S}},
            "privacy-retention": {"task": "privacy.retention", "schedule": retention_s,
                                  "options": {"expires": retention_s}},
        },
        result_expires=7 * 24 * 60 * 60,
        redis_socket_connect_timeout=REDIS_CONNECT_TIMEOUT_S,
        redis_socket_timeout=REDIS_SOCKET_TIMEOUT_S,
        broker_connection_retry_on_startup=True,
    )
    _configured.add(id(app))
    return app


_configured: set[int] = set()
DAILY_EXPIRES_S = 6 * 60 * 60  # a daily task beat queued while no worker ran: dropped by then


def daily_at(settings: dict) -> crontab:
    """DOCUMENT_CHECK_AT ("HH:MM", in TIMEZONE) as a daily crontab."""
    hour, _, minute = str(settings.get("DOCUMENT_CHECK_AT") or "03:30").partition(":")
    return crontab(hour=int(hour), minute=int(minute or 0))


def celery_app() -> Celery:
    """This process's Celery app, configured from config.py (the environment) on first use."""
    if id(celery) not in _configured:
        configure_celery(celery, config.load())
    return celery


def tasks_run_in_process() -> bool:
    """True without REDIS_URL: a queued task runs here and now, inside the caller."""
    return bool(celery_app().conf.task_always_eager)


def send_task(name: str, *args: Any, **options: Any) -> AsyncResult:
    """Queue the task called `name` with `args` (ids and plain values) on the broker.

    Without a broker (no REDIS_URL) the task runs here and now, in the caller's application
    context, from the task modules Celery loads by name as a worker does; an exception it
    raises reaches the caller. `options` are Celery's (retry, retry_policy, countdown...).

    Nobody waits for a task's result (the rows it writes say how it went), so none is
    subscribed to: a Redis that hangs costs the caller at most the socket timeouts of two
    tries (PUBLISH_RETRY), never the request."""
    app = celery_app()
    if app.conf.task_always_eager:
        app.loader.import_default_modules()
        return app.tasks[name].apply_async(args, **options)
    options.setdefault("ignore_result", True)
    options.setdefault("retry", True)
    options.setdefault("retry_policy", PUBLISH_RETRY)
    return app.send_task(name, args=args, **options)

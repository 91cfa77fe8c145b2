"""The Celery app object is configured from config.py: broker, queue, beat schedule, tasks."""

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


def test_beat_requeues_the_outbox_and_sweeps_reminders():
    app = worker.make_celery({"REDIS_URL": "redis://127.0.0.1:6379/5", "TIMEZONE": "Europe/Warsaw"})
    schedule = app.conf.beat_schedule
    assert schedule["outbox-requeue"]["task"] == "notifications.deliver"
    assert schedule["outbox-requeue"]["schedule"] == 60
    assert schedule["reminders-sweep"]["task"] == "reminders.sweep"
    assert schedule["reminders-sweep"]["schedule"] == 15 * 60
    # A beat entry that no worker took expires with its interval instead of piling up.
    assert schedule["reminders-sweep"]["options"]["expires"] == 15 * 60


def test_a_queue_name_and_key_prefix_keep_deployments_apart():
    app = worker.make_celery({"REDIS_URL": "redis://127.0.0.1:6379/5", "TIMEZONE": "Europe/Warsaw",
                              "CELERY_QUEUE": "sciezka-b", "REDIS_KEY_PREFIX": "b:"})
    assert app.conf.task_default_queue == "sciezka-b"
    assert app.conf.broker_transport_options["global_keyprefix"] == "b:"
    assert app.conf.result_backend_transport_options["global_keyprefix"] == "b:"


def test_the_tasks_are_registered_by_name():
    import worker.tasks  # noqa: F401

    assert {"ranking.run", "notifications.deliver", "reminders.sweep"} <= set(worker.celery.tasks)

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


def test_beat_checks_the_upload_store_daily_at_the_set_time():
    app = worker.make_celery({"REDIS_URL": "redis://127.0.0.1:6379/5", "TIMEZONE": "Europe/Warsaw",
                              "DOCUMENT_CHECK_AT": "01:05"})
    entry = app.conf.beat_schedule["documents-check"]
    assert entry["task"] == "documents.check"
    assert entry["schedule"].hour == {1} and entry["schedule"].minute == {5}
    assert entry["options"]["expires"] == 6 * 3600


def test_a_queue_name_and_key_prefix_keep_deployments_apart():
    app = worker.make_celery({"REDIS_URL": "redis://127.0.0.1:6379/5", "TIMEZONE": "Europe/Warsaw",
                              "CELERY_QUEUE": "sciezka-b", "REDIS_KEY_PREFIX": "b:"})
    assert app.conf.task_default_queue == "sciezka-b"
    assert app.conf.broker_transport_options["global_keyprefix"] == "b:"
    assert app.conf.result_backend_transport_options["global_keyprefix"] == "b:"


def test_the_tasks_are_registered_by_name():
    import worker.tasks  # noqa: F401

    names = {"ranking.run", "notifications.deliver", "reminders.sweep", "documents.check"}
    assert names <= set(worker.celery.tasks)


# --- the web reaches the tasks by name -------------------------------------------------------------

def test_without_a_broker_a_task_sent_by_name_runs_in_process(world):
    from workflow.extensions import db, send_task, tasks_run_in_process
    from workflow.messaging import notifications
    from workflow.messaging.texts import Kind

    assert tasks_run_in_process()
    row = notifications.queue(world.users["town_a"], Kind.PASSWORD_RESET, link="https://x.example/r/1")
    db.session.commit()
    send_task("notifications.deliver")
    db.session.refresh(row)
    assert row.status == "sent"


def test_with_a_broker_a_task_is_handed_to_celery_by_name(app, monkeypatch):
    from workflow import extensions

    sent = []
    celery = extensions.celery_app()
    monkeypatch.setitem(celery.conf, "task_always_eager", False)
    monkeypatch.setattr(celery, "send_task", lambda name, **kw: sent.append((name, kw)))
    extensions.send_task("exports.run", 7, countdown=2)
    # Nobody waits for a result, and a Redis that hangs costs two short tries (decision 0022).
    assert sent == [("exports.run", {"args": (7,), "countdown": 2, "ignore_result": True, "retry": True,
                                     "retry_policy": extensions.PUBLISH_RETRY})]


def test_no_module_of_the_application_imports_the_worker():
    """Every module of workflow/ and forms/ imported, and worker/ is not among the modules
    loaded: the web queues tasks by name (the import contract checks the same statically)."""
    import subprocess
    import sys
    from pathlib import Path

    code = ("import importlib, pkgutil, sys\n"
            "import workflow, forms\n"
            "for package in (workflow, forms):\n"
            "    for m in pkgutil.walk_packages(package.__path__, package.__name__ + '.'):\n"
            "        importlib.import_module(m.name)\n"
            "loaded = sorted(n for n in sys.modules if n == 'worker' or n.startswith('worker.'))\n"
            "assert not loaded, loaded\n")
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr

"""Celery tasks: thin wrappers that take ids, load their rows and call a service.

Without REDIS_URL a task runs eagerly, inside the caller. Then it uses the caller's
application context (and database), not an application of its own: a request that
queues a ranking sees the snapshot it filled.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from worker import FlaskTask, celery
from workflow.exports import jobs as exports
from workflow.extensions import db
from workflow.messaging import mail, notifications, reminders
from workflow.models import (
    CheckSource,
    ExportJob,
    Programme,
    RankingKind,
    RankingSnapshot,
    RankingStatus,
    User,
)
from workflow.path import store_check
from workflow.privacy import retention
from workflow.ranking import runs as ranking_runs

DELIVER_BATCH = 200


@celery.task(name="ranking.run", base=FlaskTask)
def run_ranking(programme_id: int, actor_id: int | None, overrides: dict[str, Any] | None,
                kind: str = RankingKind.PREVIEW, snapshot_id: int | None = None) -> int | None:
    """Run the ranking of a programme; fills the queued snapshot `snapshot_id` if given.

    Returns the snapshot's id, or None when the run was refused (the snapshot then says
    why, with status 'failed').
    """
    programme = db.session.get(Programme, programme_id)
    if programme is None:
        return None
    actor = db.session.get(User, actor_id) if actor_id is not None else None
    snapshot = db.session.get(RankingSnapshot, snapshot_id) if snapshot_id is not None else None
    if snapshot is not None and snapshot.status in (RankingStatus.DONE, RankingStatus.FAILED):
        return snapshot.id  # delivered twice: the first delivery finished it
    try:
        return ranking_runs.run(programme, actor, overrides, kind, snapshot=snapshot).id
    except ranking_runs.RankingRefused:
        return None


@celery.task(name="notifications.deliver", base=FlaskTask, ignore_result=True)
def deliver_notifications() -> int:
    """Send the outbox's due pending rows (see services/mail.py); safe to run twice at once.

    A worker sends at most DELIVER_BATCH rows per task and queues a follow-up when more
    are waiting, so one task never runs into the time limit.
    """
    if celery.conf.task_always_eager:
        return mail.deliver_pending()
    tried = mail.deliver_pending(limit=DELIVER_BATCH)
    if tried >= DELIVER_BATCH:
        deliver_notifications.apply_async()
    return tried


@celery.task(name="reminders.sweep", base=FlaskTask, ignore_result=True)
def sweep_reminders() -> int:
    """Queue the deadline and sheet reminders due now (see services/reminders.py)."""
    queued = reminders.sweep()
    notifications.dispatch(force=queued > 0)
    return queued


@celery.task(name="exports.run", base=FlaskTask, ignore_result=True, time_limit=1800, soft_time_limit=1740)
def run_export(job_id: int) -> str | None:
    """Write a prepared export's file (see services/exports.py); returns its final status."""
    job = db.session.get(ExportJob, job_id)
    return exports.run(job).status if job is not None else None


@celery.task(name="documents.check", base=FlaskTask, ignore_result=True,
             time_limit=3600, soft_time_limit=3540)
def check_documents() -> bool:
    """The daily check of the upload store (see workflow/path/store_check.py): removes the
    debris, finishes interrupted moves, records the result; True when files and rows agree."""
    return store_check.run(repair_debris=True, source=CheckSource.BEAT).ok


@celery.task(name="privacy.retention", base=FlaskTask, ignore_result=True)
def sweep_retention() -> dict[str, int]:
    """Prune old login attempts and export files, pseudonymise the participants of programmes
    past their archive period (see workflow/privacy/retention.py); what it did, by kind."""
    return dataclasses.asdict(retention.sweep())

"""Celery tasks: thin wrappers that take ids, load their rows and call a service.

Without REDIS_URL a task runs eagerly, inside the caller. Then it uses the caller's
application context (and database), not an application of its own: a request that
queues a ranking sees the snapshot it filled.
"""

from __future__ import annotations

from typing import Any

from worker import celery


@celery.task(name="ranking.run")
def run_ranking(programme_id: int, actor_id: int | None, overrides: dict[str, Any] | None,
                kind: str = "preview", snapshot_id: int | None = None) -> int | None:
    """Run the ranking of a programme; fills the queued snapshot `snapshot_id` if given.

    Returns the snapshot's id, or None when the run was refused (the snapshot then says
    why, with status 'failed').
    """
    from workflow.extensions import db
    from workflow.models import Programme, RankingSnapshot, User
    from workflow.services import ranking_runs

    programme = db.session.get(Programme, programme_id)
    if programme is None:
        return None
    actor = db.session.get(User, actor_id) if actor_id is not None else None
    snapshot = db.session.get(RankingSnapshot, snapshot_id) if snapshot_id is not None else None
    if snapshot is not None and snapshot.status in ("done", "failed"):
        return snapshot.id  # delivered twice: the first delivery finished it
    try:
        return ranking_runs.run(programme, actor, overrides, kind, snapshot=snapshot).id
    except ranking_runs.RankingRefused:
        return None

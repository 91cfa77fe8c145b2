"""Stage deadlines: the programme's, a town's extension, and how much time is left."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from workflow.audit import log as audit
from workflow.extensions import db
from workflow.models import DeadlineExtension, Path, Programme, StageDeadline, User


@dataclass(frozen=True)
class EffectiveDeadline:
    stage: str
    due_at: datetime  # aware, UTC
    extended: bool  # a per-town extension replaces the programme's deadline
    programme_due_at: datetime | None


def programme_deadlines(programme_id: int) -> dict[str, datetime]:
    rows = db.session.execute(
        select(StageDeadline.stage, StageDeadline.due_at).where(
            StageDeadline.programme_id == programme_id
        )
    )
    return {stage: due for stage, due in rows}


def effective_deadlines(path: Path) -> dict[str, EffectiveDeadline]:
    """Every stage deadline of `path`, extensions applied (two queries)."""
    base = programme_deadlines(path.programme_id)
    extensions = {
        e.stage: e.due_at
        for e in db.session.scalars(
            select(DeadlineExtension).where(DeadlineExtension.path_id == path.id)
        )
    }
    out: dict[str, EffectiveDeadline] = {}
    for stage in set(base) | set(extensions):
        if stage in extensions:
            out[stage] = EffectiveDeadline(stage, extensions[stage], True, base.get(stage))
        else:
            out[stage] = EffectiveDeadline(stage, base[stage], False, base[stage])
    return out


def effective_deadline(path: Path, stage: str) -> datetime | None:
    found = effective_deadlines(path).get(stage)
    return found.due_at if found else None


def days_left(due_at: datetime, now: datetime, tz: str) -> int:
    """Calendar days from today to the deadline's day, in the programme's time zone.

    0 means the deadline is today; a negative number means it has passed.
    """
    zone = ZoneInfo(tz)
    due_day: date = due_at.astimezone(zone).date()
    today: date = now.astimezone(zone).date()
    return (due_day - today).days


def set_programme_deadline(programme: Programme, stage: str, due_at: datetime,
                           actor: User | None = None) -> None:
    """Set a stage's deadline for the whole programme; the audit log keeps the earlier one."""
    row = db.session.scalar(
        select(StageDeadline).where(
            StageDeadline.programme_id == programme.id, StageDeadline.stage == stage
        )
    )
    before = row.due_at if row is not None else None
    if row is None:
        db.session.add(StageDeadline(programme_id=programme.id, stage=stage, due_at=due_at))
    else:
        row.due_at = due_at
    audit.record("deadline_set", actor=actor, programme_id=programme.id,
                 detail={"stage": stage, "due_at": due_at.isoformat(),
                         "before": before.isoformat() if before else None})
    db.session.commit()


def grant_extension(path: Path, stage: str, due_at: datetime, reason: str, granted_by_id: int,
                    actor: User | None = None) -> None:
    """Grant (or change) a town's extension; the audit log keeps the earlier value and reason."""
    row = db.session.scalar(
        select(DeadlineExtension).where(
            DeadlineExtension.path_id == path.id, DeadlineExtension.stage == stage
        )
    )
    audit.record("extension_granted", actor=actor, object_type="path", object_id=path.id,
                 programme_id=path.programme_id,
                 detail={"stage": stage, "due_at": due_at.isoformat(), "reason": reason,
                         "before": row.due_at.isoformat() if row is not None else None,
                         "reason_before": row.reason if row is not None else None})
    if row is None:
        db.session.add(
            DeadlineExtension(
                path_id=path.id, stage=stage, due_at=due_at, reason=reason,
                granted_by_id=granted_by_id,
            )
        )
    else:
        row.due_at = due_at
        row.reason = reason
        row.granted_by_id = granted_by_id
    db.session.commit()


def revoke_extension(path: Path, stage: str, actor: User | None = None) -> None:
    row = db.session.scalar(
        select(DeadlineExtension).where(
            DeadlineExtension.path_id == path.id, DeadlineExtension.stage == stage
        )
    )
    if row is not None:
        audit.record("extension_revoked", actor=actor, object_type="path", object_id=path.id,
                     programme_id=path.programme_id,
                     detail={"stage": stage, "before": row.due_at.isoformat(), "reason_before": row.reason})
        db.session.delete(row)
        db.session.commit()

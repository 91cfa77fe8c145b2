"""Stage deadlines: the programme's, a town's extension, how much time is left, and every
change of them.

A change always has a reason (a sentence, `workflow.text.is_sentence`), is kept in the
town's history (DeadlineChange, append-only) and in the audit log, and tells the towns it
concerns (a `deadline_changed` message, with a link to their path page). Moving a town's
deadline later (`extend`) and earlier (`shorten`) are two operations, so that an extension
can never shorten a deadline by a typo; the pages ask for a confirmation before a deadline
moves earlier.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

import states
from states.definition import StageStatus
from workflow.audit import log as audit
from workflow.extensions import db
from workflow.messaging import links, notifications
from workflow.messaging.texts import Kind
from workflow.models import (
    DeadlineChange,
    DeadlineExtension,
    Path,
    Programme,
    Role,
    StageDeadline,
    User,
)
from workflow.refusal import Refused, _l
from workflow.text import is_sentence

NO_REASON = _l("Podaj uzasadnienie zmiany terminu: zdanie, które miasto zrozumie "
               "(co najmniej 10 znaków, nie same spacje ani znaki).")
SAME = _l("Nowy termin jest taki sam jak obecny – nie ma czego zmieniać.")
NOT_LATER = _l("Przedłużenie musi przesunąć termin na później niż obecny. Aby termin skrócić, "
               "wybierz „Skróć termin” – skrócenie wymaga osobnego potwierdzenia.")
NOT_EARLIER = _l("Skrócenie musi przesunąć termin na wcześniej niż obecny. Aby termin wydłużyć, "
                 "użyj przedłużenia.")
NO_EXTENSION = _l("To miasto nie ma przedłużenia terminu tego etapu.")
NO_PROGRAMME_DEADLINE = _l("Etap nie ma terminu programu, do którego można wrócić. Zmień termin "
                           "przedłużeniem albo skróceniem.")


class DeadlineRefused(Refused):
    """A deadline change that may not be made as asked (422: the form is shown again)."""

    status = 422


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


def current_due(path: Path, stage: str) -> datetime | None:
    """The deadline of `stage` that holds for `path` now (its extension, else the programme's)."""
    return effective_deadline(path, stage)


def _check(reason: str, before: datetime | None, after: datetime, *, later: bool | None,
           field: str = "due_at") -> None:
    """Refuse a change without a real reason, one that changes nothing, or one that goes the
    other way than asked (`later`: True must be later, False earlier, None either)."""
    errors: dict[str, list] = {}
    if not is_sentence(reason):
        errors["reason"] = [NO_REASON]
    if before is not None:
        if after == before:
            errors[field] = [SAME]
        elif later is True and after < before:
            errors[field] = [NOT_LATER]
        elif later is False and after > before:
            errors[field] = [NOT_EARLIER]
    if errors:
        raise DeadlineRefused(errors=errors)


def _when(moment: datetime, tz: str) -> str:
    return moment.astimezone(ZoneInfo(tz)).strftime("%d.%m.%Y %H:%M")


def _outgoing(path: Path, stage: str, before: datetime | None, after: datetime, reason: str,
              users: list[User]) -> list[notifications.Outgoing]:
    definition = states.get_definition(path.programme.path_code)
    label = definition.stage(stage).label
    tz = path.programme.timezone
    return [notifications.Outgoing(
        user.id, user.locale or "pl", Kind.DEADLINE_CHANGED, path.programme,
        {"town": path.applicant.name, "stage": label.get(user.locale or "pl"),
         "before": _when(before, tz) if before else "—", "deadline": _when(after, tz),
         "reason": reason}, link=links.path_page(user, path.id)) for user in users]


def _members(path_ids: list[int]) -> dict[int, list[User]]:
    """The active town accounts of each path's applicant (one query)."""
    if not path_ids:
        return {}
    rows = db.session.execute(
        select(Path.id, User).join(User, User.applicant_id == Path.applicant_id)
        .where(Path.id.in_(path_ids), User.role == Role.TOWN, User.active.is_(True))
        .order_by(User.id))
    out: dict[int, list[User]] = {}
    for path_id, user in rows:
        out.setdefault(path_id, []).append(user)
    return out


def _record(path: Path, stage: str, before: datetime | None, after: datetime, reason: str,
            actor: User | None) -> None:
    db.session.add(DeadlineChange(programme_id=path.programme_id, path_id=path.id, stage=stage,
                                  due_before=before, due_after=after, reason=reason,
                                  actor_id=actor.id if actor else None))
    notifications.queue_many(_outgoing(path, stage, before, after, reason,
                                       _members([path.id]).get(path.id, [])))
    db.session.commit()
    notifications.dispatch()


def _extension_row(path: Path, stage: str) -> DeadlineExtension | None:
    return db.session.scalar(select(DeadlineExtension).where(
        DeadlineExtension.path_id == path.id, DeadlineExtension.stage == stage))


def _set_extension(path: Path, stage: str, due_at: datetime, reason: str, actor: User | None,
                   *, later: bool) -> None:
    reason = " ".join((reason or "").split())
    before = current_due(path, stage)
    _check(reason, before, due_at, later=later)
    row = _extension_row(path, stage)
    audit.record("extension_granted" if later else "extension_shortened", actor=actor,
                 object_type="path", object_id=path.id, programme_id=path.programme_id,
                 detail={"stage": stage, "due_at": due_at.isoformat(), "reason": reason,
                         "before": before.isoformat() if before else None,
                         "reason_before": row.reason if row is not None else None})
    if row is None:
        db.session.add(DeadlineExtension(path_id=path.id, stage=stage, due_at=due_at, reason=reason,
                                         granted_by_id=actor.id if actor else None))
    else:
        row.due_at, row.reason = due_at, reason
        row.granted_by_id = actor.id if actor else None
    _record(path, stage, before, due_at, reason, actor)


def extend(path: Path, stage: str, due_at: datetime, reason: str, actor: User | None) -> None:
    """Move a town's deadline of `stage` later (only later), with a reason; tells the town."""
    _set_extension(path, stage, due_at, reason, actor, later=True)


def shorten(path: Path, stage: str, due_at: datetime, reason: str, actor: User | None) -> None:
    """Move a town's deadline of `stage` earlier (only earlier), with a reason; tells the
    town. The page asks for a confirmation first."""
    _set_extension(path, stage, due_at, reason, actor, later=False)


def check_change(path: Path, stage: str, due_at: datetime, reason: str, *, later: bool) -> datetime | None:
    """Refuse (DeadlineRefused) what `extend`/`shorten` would refuse, changing nothing; the
    deadline it would replace. For the confirmation page."""
    before = current_due(path, stage)
    _check(" ".join((reason or "").split()), before, due_at, later=later)
    return before


def revoke_extension(path: Path, stage: str, reason: str, actor: User | None = None) -> None:
    """Take back a town's extension: the programme's deadline holds for it again."""
    reason = " ".join((reason or "").split())
    row = _extension_row(path, stage)
    if row is None:
        raise DeadlineRefused([NO_EXTENSION], status=409)
    after = programme_deadlines(path.programme_id).get(stage)
    if after is None:
        raise DeadlineRefused([NO_PROGRAMME_DEADLINE], status=409)
    if not is_sentence(reason):
        raise DeadlineRefused(errors={"reason": [NO_REASON]})
    audit.record("extension_revoked", actor=actor, object_type="path", object_id=path.id,
                 programme_id=path.programme_id,
                 detail={"stage": stage, "before": row.due_at.isoformat(), "due_at": after.isoformat(),
                         "reason": reason, "reason_before": row.reason})
    before = row.due_at
    db.session.delete(row)
    if before == after:  # the extension had the programme's own date: nothing moves
        db.session.commit()
        return
    _record(path, stage, before, after, reason, actor)


def check_programme_change(programme: Programme, stage: str, due_at: datetime,
                           reason: str) -> datetime | None:
    """Refuse a programme deadline change without a reason or changing nothing; the
    deadline it would replace."""
    before = programme_deadlines(programme.id).get(stage)
    _check(" ".join((reason or "").split()), before, due_at, later=None)
    return before


def affected_paths(programme: Programme, stage: str) -> list[Path]:
    """The paths a change of the programme's `stage` deadline moves: not finished, the stage
    not behind them, and no extension of their own for it (one query)."""
    definition = states.get_definition(programme.path_code)
    open_states = [s.code for s in definition.states
                   if not s.final and definition.stage_status(stage, s.code) != StageStatus.DONE]
    extended = select(DeadlineExtension.path_id).where(DeadlineExtension.stage == stage)
    return list(db.session.scalars(
        select(Path).options(joinedload(Path.applicant), joinedload(Path.programme))
        .where(Path.programme_id == programme.id, Path.state.in_(open_states),
               Path.id.not_in(extended)).order_by(Path.id)))


def set_programme_deadline(programme: Programme, stage: str, due_at: datetime, reason: str,
                           actor: User | None = None) -> int:
    """Set a stage's deadline for the whole programme, with a reason; the audit log and the
    towns' histories keep the earlier one, and every town it moves is told. How many towns."""
    reason = " ".join((reason or "").split())
    before = check_programme_change(programme, stage, due_at, reason)
    row = db.session.scalar(select(StageDeadline).where(
        StageDeadline.programme_id == programme.id, StageDeadline.stage == stage))
    if row is None:
        db.session.add(StageDeadline(programme_id=programme.id, stage=stage, due_at=due_at))
    else:
        row.due_at = due_at
    audit.record("deadline_set", actor=actor, programme_id=programme.id,
                 detail={"stage": stage, "due_at": due_at.isoformat(), "reason": reason,
                         "before": before.isoformat() if before else None})
    db.session.add(DeadlineChange(programme_id=programme.id, path_id=None, stage=stage,
                                  due_before=before, due_after=due_at, reason=reason,
                                  actor_id=actor.id if actor else None))
    paths = affected_paths(programme, stage)
    members = _members([p.id for p in paths])
    notifications.queue_many(m for p in paths for m in _outgoing(
        p, stage, before, due_at, reason, members.get(p.id, [])))
    db.session.commit()
    notifications.dispatch()
    return len(paths)


def changes_of(path: Path) -> list[DeadlineChange]:
    """The deadline changes that concern `path`: its own and its programme's, newest first
    (one query)."""
    return list(db.session.scalars(
        select(DeadlineChange).options(joinedload(DeadlineChange.actor))
        .where(DeadlineChange.programme_id == path.programme_id,
               or_(DeadlineChange.path_id == path.id, DeadlineChange.path_id.is_(None)))
        .order_by(DeadlineChange.created_at.desc(), DeadlineChange.id.desc())))

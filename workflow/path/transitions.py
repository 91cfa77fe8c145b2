"""The transition engine: the only code that moves a path from one state to another.

`fire` checks the actor's role and every guard, refuses a stale version, and writes the
new state and one append-only PathTransition in a single database transaction. The
rules come from the path definition in states/; nothing here knows a programme.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

import states
from states.definition import Label, PathDefinition, Transition
from states.guards import GuardFacts, failing
from workflow.audit import log as audit
from workflow.extensions import db
from workflow.models import Path, PathTransition, User
from workflow.models.types import utcnow
from workflow.path import access, deadlines, documents
from workflow.refusal import Message, Refused, _l, localized

WRONG_STATE = _l("Tej czynności nie można wykonać na obecnym etapie ścieżki.")
WRONG_ROLE = _l("Nie masz uprawnień do tej czynności.")
STALE = _l("Ktoś inny zmienił w międzyczasie stan tej ścieżki. Odśwież stronę i sprawdź, "
           "czy czynność jest nadal potrzebna.")
COMMENT_REQUIRED = _l("Ta czynność wymaga komentarza z uzasadnieniem.")
UNKNOWN_EVENT = _l("Nieznana czynność.")


class TransitionRefused(Refused):
    """The transition may not happen; `reasons` say why (a guard's Label becomes a message)."""

    def __init__(self, reasons: list[Label | Message], *, stale: bool = False) -> None:
        super().__init__([localized(r) if isinstance(r, Label) else r for r in reasons], stale=stale)


# Called after a successful commit with the new record; the notification service of a
# later issue hooks in here without the engine importing it.
after_commit_hooks: list[Callable[[Path, PathTransition], None]] = []


def definition_of(path: Path) -> PathDefinition:
    return states.get_definition(path.programme.path_code)


def gather_facts(
    path: Path,
    definition: PathDefinition,
    now: datetime,
    effective: dict[str, deadlines.EffectiveDeadline] | None = None,
) -> GuardFacts:
    """Read from the database what the guards of the current stage need to know.

    `effective` is the path's deadlines if the caller has already read them.
    """
    stage = definition.state(path.state).stage
    latest = documents.latest_document(path, stage)
    if effective is None:
        effective = deadlines.effective_deadlines(path)
    found = effective.get(stage)
    return GuardFacts(
        now=now,
        deadline=found.due_at if found else None,
        has_document=latest is not None,
        signed_off=documents.is_signed_off(latest),
        amount_requested=path.requested_amount is not None,
    )


@dataclass(frozen=True)
class Action:
    """A transition `user` may fire now, with the guards that would refuse it."""

    transition: Transition
    unmet: list[Label]


def available_actions(
    path: Path,
    user: User,
    now: datetime | None = None,
    effective: dict[str, deadlines.EffectiveDeadline] | None = None,
) -> list[Action]:
    """Transitions from the current state that `user`'s role allows, with unmet guards."""
    definition = definition_of(path)
    roles = access.roles_for(user, path)
    candidates = [t for t in definition.transitions_from(path.state) if t.roles & roles]
    if not candidates:
        return []
    facts = gather_facts(path, definition, now or utcnow(), effective)
    return [Action(t, [g.refusal for g in failing(t.guards, facts)]) for t in candidates]


def fire(
    path: Path,
    event: str,
    actor: User | None,
    comment: str = "",
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
    as_system: bool = False,
    commit: bool = True,
) -> PathTransition:
    """Fire `event` on `path` as `actor`; raise TransitionRefused with the reasons.

    `expected_version` is the version the actor saw on their page: if the path moved
    since, the transition is refused as stale rather than applied to a state the actor
    never saw. Concurrent writers are stopped by the version check in the UPDATE and by
    the unique (path_id, seq) of the transition record.

    With `commit=False` the transition is only added to the session: the caller commits it
    with its own changes (one transaction), handles a failed commit, and then runs
    `after_commit_hooks` itself.
    """
    now = now or utcnow()
    comment = (comment or "").strip()
    definition = definition_of(path)
    if expected_version is not None and expected_version != path.version:
        raise TransitionRefused([STALE], stale=True)
    if definition.transition(event) is None:
        raise TransitionRefused([UNKNOWN_EVENT])
    transition = definition.transition_from(path.state, event)
    if transition is None:
        raise TransitionRefused([WRONG_STATE])
    roles = frozenset({"system"}) if as_system else access.roles_for(actor, path) if actor else frozenset()
    if not (transition.roles & roles):
        raise TransitionRefused([WRONG_ROLE])
    reasons: list[Label] = []
    if transition.comment_required and not comment:
        reasons.append(COMMENT_REQUIRED)
    if transition.guards:
        facts = gather_facts(path, definition, now)
        reasons += [g.refusal for g in failing(transition.guards, facts)]
    if reasons:
        raise TransitionRefused(reasons)

    record = PathTransition(
        path_id=path.id,
        seq=path.version,
        event=event,
        from_state=path.state,
        to_state=transition.target,
        actor_id=actor.id if actor else None,
        comment=comment,
        created_at=now,
    )
    path.state = transition.target
    path.updated_at = now
    db.session.add(record)
    audit.record("transition", actor=actor, object_type="path", object_id=path.id,
                 programme_id=path.programme_id,
                 detail={"event": event, "from": record.from_state, "to": record.to_state,
                         "seq": record.seq})
    if not commit:
        return record
    try:
        db.session.commit()
    except (StaleDataError, IntegrityError) as exc:
        db.session.rollback()
        raise TransitionRefused([STALE], stale=True) from exc
    for hook in after_commit_hooks:
        hook(path, record)
    return record

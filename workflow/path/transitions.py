"""The transition engine: the only code that moves a path from one state to another.

`fire` checks the actor's role and every guard, refuses a stale version, and writes the
new state, one append-only PathTransition, its audit record and the messages the transition
declares (`Transition.notify`, queued in the outbox) in a single database transaction; the
messages leave after the commit. The rules come from the path definition in states/;
nothing here knows a programme. The system's moves (the announcement of results, the demo
seed) are fired here too, under a named system actor, through the same checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

import states
from states.definition import APPROVALS_GUARD, PathDefinition, Transition
from states.guards import GuardFacts, failing
from states.label import Label
from workflow.audit import log as audit
from workflow.extensions import db
from workflow.messaging import links, notifications
from workflow.models import AdvisorAssignment, AdvisorKind, Path, PathTransition, Role, User
from workflow.models.types import utcnow
from workflow.path import access, approvals, deadlines, documents
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


def definition_of(path: Path) -> PathDefinition:
    return states.get_definition(path.programme.path_code)


def gather_facts(
    path: Path,
    definition: PathDefinition,
    now: datetime,
    effective: dict[str, deadlines.EffectiveDeadline] | None = None,
    guards: frozenset[str] | tuple[str, ...] = (),
    known: documents.KnownDocuments | None = None,
) -> GuardFacts:
    """Read from the database what the guards of the current stage need to know.

    `effective` is the path's deadlines if the caller has already read them; `guards` the
    guards about to be checked (the members' approvals are read only when one asks for them);
    `known` the path's documents and sign-offs, if the caller has read them (the path's page
    does: two statements fewer).
    """
    stage = definition.state(path.state).stage
    if known is None:
        latest = documents.latest_document(path, stage)
        signed_off = documents.is_signed_off(latest)
    else:
        latest = known.latest(stage)
        signed_off = latest is not None and latest.id in known.signed_ids
    if effective is None:
        effective = deadlines.effective_deadlines(path)
    found = effective.get(stage)
    return GuardFacts(
        now=now,
        deadline=found.due_at if found else None,
        has_document=latest is not None,
        signed_off=signed_off,
        amount_requested=path.requested_amount is not None,
        parties_approved=APPROVALS_GUARD in guards and approvals.parties_approved(path, latest),
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
    roles: frozenset[str] | None = None,
    known: documents.KnownDocuments | None = None,
) -> list[Action]:
    """Transitions from the current state that `user`'s role allows, with unmet guards
    (`roles`: the user's roles towards the path, if the caller has read them)."""
    definition = definition_of(path)
    if roles is None:
        roles = access.roles_for(user, path)
    candidates = [t for t in definition.transitions_from(path.state) if t.roles & roles]
    if not candidates:
        return []
    wanted = frozenset(g for t in candidates for g in t.guards)
    facts = gather_facts(path, definition, now or utcnow(), effective, wanted, known)
    return [Action(t, [g.refusal for g in failing(t.guards, facts)]) for t in candidates]


def fire(
    path: Path,
    event: str,
    actor: User | None,
    comment: str = "",
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
    as_system: str | None = None,
    commit: bool = True,
) -> PathTransition:
    """Fire `event` on `path` as `actor`; raise TransitionRefused with the reasons.

    `expected_version` is the version the actor saw on their page: if the path moved
    since, the transition is refused as stale rather than applied to a state the actor
    never saw. Concurrent writers are stopped by the version check in the UPDATE and by
    the unique (path_id, seq) of the transition record.

    `as_system` names the system actor of a move the programme makes itself ("announcement",
    "demo"): the definition's 'system' role is checked instead of the actor's roles, and
    the audit record says which system moved the path; `actor`, if given, is the person who
    set it off (the coordinator who announced), recorded as the transition's actor.

    The messages the transition declares are queued in the same transaction. With
    `commit=False` the move is only added to the session: the caller flushes before firing
    again on the same path (each move is one version), commits with its own changes (one
    transaction), handles a failed commit, and then calls `notifications.dispatch()`.
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
    if as_system:
        roles = frozenset({"system"})
    else:
        roles = access.roles_for(actor, path) if actor else frozenset()
    if not (transition.roles & roles):
        raise TransitionRefused([WRONG_ROLE])
    reasons: list[Label] = []
    if transition.comment_required and not comment:
        reasons.append(COMMENT_REQUIRED)
    if transition.guards:
        facts = gather_facts(path, definition, now, guards=transition.guards)
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
    detail = {"event": event, "from": record.from_state, "to": record.to_state, "seq": record.seq}
    if as_system:
        detail["system"] = as_system
    # The path's guarded UPDATE (its version) must reach the database at the commit below,
    # where a lost race is told as "stale": the queries that find the messages' recipients
    # must not flush it earlier.
    with db.session.no_autoflush:
        audit.record("transition", actor=actor, object_type="path", object_id=path.id,
                     programme_id=path.programme_id, detail=detail)
        _queue_messages(path, definition, transition, record)
    if not commit:
        return record
    try:
        db.session.commit()
    except (StaleDataError, IntegrityError) as exc:
        db.session.rollback()
        raise TransitionRefused([STALE], stale=True) from exc
    notifications.dispatch()
    return record


def recipients(path: Path, role: str) -> list[User]:
    """The active people who hold `role` (states.definition.RECIPIENTS) towards `path`."""
    if role == "applicant":
        query = select(User).where(User.applicant_id == path.applicant_id, User.role == Role.TOWN)
    elif role == "advisor":
        query = (select(User).join(AdvisorAssignment, AdvisorAssignment.advisor_id == User.id)
                 .where(AdvisorAssignment.path_id == path.id, AdvisorAssignment.kind == AdvisorKind.LEAD))
    else:
        raise ValueError(f"no recipients for role {role!r}")
    return list(db.session.scalars(query.where(User.active.is_(True)).order_by(User.id)))


def _queue_messages(path: Path, definition: PathDefinition, transition: Transition,
                    record: PathTransition) -> None:
    """Queue the messages `transition` declares, in the caller's transaction: each to the
    people of its role, naming the town, the stage the move left, and the comment."""
    if not transition.notify:
        return
    stage = definition.stage(definition.state(record.from_state).stage).label
    for note in transition.notify:
        for user in recipients(path, note.to):
            notifications.queue(user, notifications.Kind(note.kind), programme=path.programme,
                                town=path.applicant.name, stage=stage.get(user.locale or "pl"),
                                comment=record.comment or "—", link=links.path_page(user, path.id))

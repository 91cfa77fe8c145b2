"""Publishing and closing a consultation together with the path's own move, in one commit.

A path definition may give a stage a "public consultation" step (`in_consultation`): then
publishing the stage's draft is the move into that state (`opens_consultation`) and closing
the consultation the move out of it (`closes_consultation`, a withdrawal aside), fired by the
engine (`fire`, with its roles and guards) in the same transaction as the consultation's row,
so the two never disagree. A path whose stage has no such state (Rozwój Lokalny) keeps its
consultations by their rows alone. The path page offers these moves as links to the
consultation page (templates/path/partials/actions.html), and the generic route refuses them
(workflow/path/views/paths.py): they need a period and end with a report.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from states.definition import PathDefinition
from workflow.consultation.operations import (
    ConsultationRefused,
    check_can_close,
    close_consultation,
    open_consultation,
)
from workflow.extensions import db
from workflow.messaging import notifications
from workflow.models import Document, Path, PublicConsultation, User
from workflow.models.types import utcnow
from workflow.path import access
from workflow.path.transitions import STALE, WRONG_ROLE, WRONG_STATE, TransitionRefused, definition_of, fire


def has_consultation_step(definition: PathDefinition, stage: str) -> bool:
    """The path gives `stage` a public-consultation state."""
    return any(s.stage == stage and definition.in_consultation(s.code) for s in definition.states)


def consultation_move(path: Path, stage: str, user: User | None, *, opening: bool,
                      any_role: bool = False) -> str | None:
    """The event `user` (None: the system; `any_role`: anyone) may fire now that publishes
    (`opening`) or closes the public consultation of `stage`: from the path's state (of that
    stage) into a consultation state, or out of one into a state that is not (a withdrawal
    aside). None when there is none."""
    definition = definition_of(path)
    if definition.state(path.state).stage != stage or definition.in_consultation(path.state) == opening:
        return None
    roles = access.roles_for(user, path) if user is not None else frozenset({"system"})
    for transition in definition.transitions_from(path.state):
        if (not any_role and not transition.roles & roles) or transition.style == "danger":
            continue
        if definition.state(transition.target).stage != stage:
            continue
        if (definition.opens_consultation(transition) if opening
                else definition.closes_consultation(path.state, transition)):
            return transition.event
    return None


def _no_move(path: Path, stage: str, *, opening: bool) -> TransitionRefused:
    """Why there is no move for the user: the move exists now but for another role (a
    partnership's leader alone publishes), or not from the path's state at all."""
    anyone = consultation_move(path, stage, None, opening=opening, any_role=True)
    return TransitionRefused([WRONG_ROLE if anyone is not None else WRONG_STATE])


def _commit_both() -> None:
    try:
        db.session.commit()
    except (StaleDataError, IntegrityError) as exc:
        db.session.rollback()
        raise ConsultationRefused([STALE], stale=True) from exc
    notifications.dispatch()


def publish(path: Path, document: Document, starts: date | datetime, ends: date | datetime,
            actor: User, *, now: datetime | None = None,
            expected_version: int | None = None) -> PublicConsultation:
    """Open the consultation of `document` and, where the path has a consultation state for
    its stage, make the move into it (refused as the engine refuses it: the actor's role, the
    guards); one commit for both."""
    now = now or utcnow()
    definition = definition_of(path)
    event = consultation_move(path, document.stage, actor, opening=True)
    if event is None and has_consultation_step(definition, document.stage):
        raise _no_move(path, document.stage, opening=True)
    consultation = open_consultation(path, document, starts, ends, actor=actor, now=now, commit=False)
    if event is not None:
        fire(path, event, actor, now=now, expected_version=expected_version, commit=False)
    _commit_both()
    return consultation


def close(consultation: PublicConsultation, actor: User | None, *, now: datetime | None = None,
          early: bool = False) -> PublicConsultation:
    """Close `consultation` (see check_can_close) and, where the path is in the consultation
    state of its stage, make the move out of it; one commit for both. `actor` None: the
    system (the definition's 'system' role)."""
    now = now or utcnow()
    path = consultation.path
    check_can_close(consultation, now, early=early)
    definition = definition_of(path)
    event = consultation_move(path, consultation.stage, actor, opening=False)
    if event is None and _in_consultation_of(definition, path.state, consultation.stage):
        raise _no_move(path, consultation.stage, opening=False)
    close_consultation(consultation, actor=actor, now=now, early=early, commit=False)
    if event is not None:
        fire(path, event, actor, now=now, as_system="consultation" if actor is None else None, commit=False)
    _commit_both()
    return consultation



def can_close(consultation: PublicConsultation, user: User, now: datetime) -> bool:
    """`user` could close the consultation now (its period over, every comment answered, and
    the path's move out of its consultation state open to them where it has one)."""
    try:
        check_can_close(consultation, now)
    except ConsultationRefused:
        return False
    path = consultation.path
    if _in_consultation_of(definition_of(path), path.state, consultation.stage):
        return consultation_move(path, consultation.stage, user, opening=False) is not None
    return True


def _in_consultation_of(definition: PathDefinition, state: str, stage: str) -> bool:
    return definition.state(state).stage == stage and definition.in_consultation(state)

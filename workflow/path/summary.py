"""What a page shows about one path: its steps, deadlines, documents, history, actions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from states.definition import PathDefinition, Stage, StageStatus, State
from states.label import Label
from workflow.extensions import db
from workflow.models import DeadlineChange, Document, Path, PathTransition, Role, StageSignoff, User
from workflow.models.types import utcnow
from workflow.path import deadlines, documents
from workflow.path.transitions import Action, available_actions, definition_of


@dataclass(frozen=True)
class StepView:
    stage: Stage
    status: StageStatus
    deadline: deadlines.EffectiveDeadline | None
    days_left: int | None
    overdue: bool


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a path's history: a move of the path, or a change of its deadline."""

    at: datetime
    transition: PathTransition | None = None
    deadline_change: DeadlineChange | None = None


@dataclass(frozen=True)
class PathSummary:
    path: Path
    definition: PathDefinition
    state: State
    steps: list[StepView]
    current_deadline: deadlines.EffectiveDeadline | None
    current_days_left: int | None
    current_overdue: bool
    documents: list[Document]
    signed_document_ids: set[int]
    timeline: list[PathTransition]
    actions: list[Action]
    can_upload: bool
    missing: list[Label]  # what the current stage still needs, for "what to do next"
    history: list[HistoryEntry]  # transitions and deadline changes, newest first
    reached: set[str]  # the stages the path has been in

    @property
    def return_reason(self) -> PathTransition | None:
        """The move that returned the current stage for correction, when it is returned
        (its comment is what the applicant has to fix)."""
        if self.state.step != "returned" or not self.timeline:
            return None
        latest = self.timeline[0]
        return latest if latest.to_state == self.path.state else None

    @property
    def waiting_for(self) -> str | None:
        """Whose decision the path waits for when the viewer has nothing to do but wait:
        'advisor', 'coordinator' or 'system' (the first role of a move out of the state
        that is not a withdrawal), None if the path is finished."""
        if self.state.final or self.state.step == "final":  # a result (an appeal aside)
            return None
        for t in self.definition.transitions_from(self.state.code):
            if t.style == "danger":
                continue
            for role in ("advisor", "coordinator", "system"):
                if role in t.roles:
                    return role
        return None


def can_upload(path: Path, definition: PathDefinition, roles_applicant: bool) -> bool:
    state = definition.state(path.state)
    stage = definition.stage(state.stage)
    return roles_applicant and stage.document_required and state.step in ("draft", "returned")


def accepted_document_ids(definition: PathDefinition, docs: list[Document],
                          timeline: list[PathTransition]) -> set[int]:
    """The documents an advisor signed off by accepting a submitted stage (a plan's sign-off
    is the acceptance itself, not a separate StageSignoff row): for each such move, the
    stage's newest document uploaded before it. No query: the history and documents are loaded."""
    accepted: set[int] = set()
    for t in timeline:
        transition = definition.transition(t.event)
        if not (definition.has_state(t.from_state) and definition.has_state(t.to_state)):
            continue
        source, target = definition.state(t.from_state), definition.state(t.to_state)
        if (transition is None or "advisor" not in transition.roles or source.step != "submitted"
                or target.step == "returned"):
            continue
        before = [d for d in docs if d.stage == source.stage and d.uploaded_at <= t.created_at]
        if before:
            accepted.add(max(before, key=lambda d: (d.uploaded_at, d.id)).id)
    return accepted


def summary(path: Path, user: User, now: datetime | None = None) -> PathSummary:
    now = now or utcnow()
    definition = definition_of(path)
    state = definition.state(path.state)
    tz = path.programme.timezone
    effective = deadlines.effective_deadlines(path)
    timeline = list(
        db.session.scalars(
            select(PathTransition)
            .options(joinedload(PathTransition.actor))
            .where(PathTransition.path_id == path.id)
            .order_by(PathTransition.seq.desc())
        )
    )
    reached = {definition.state(code).stage for t in timeline for code in (t.from_state, t.to_state)
               if definition.has_state(code)} | {state.stage}
    steps = []
    for stage in definition.stages:
        dl = effective.get(stage.code)
        steps.append(
            StepView(
                stage=stage,
                status=step_status(definition, stage.code, path.state, reached),
                deadline=dl,
                days_left=deadlines.days_left(dl.due_at, now, tz) if dl else None,
                overdue=bool(dl and now > dl.due_at),
            )
        )
    docs = documents.documents_of(path)
    signed = set(
        db.session.scalars(select(StageSignoff.document_id).where(StageSignoff.path_id == path.id))
    )
    signed |= accepted_document_ids(definition, docs, timeline)
    changes = deadlines.changes_of(path)
    history = sorted([*(HistoryEntry(t.created_at, transition=t) for t in timeline),
                      *(HistoryEntry(c.created_at, deadline_change=c) for c in changes)],
                     key=lambda e: e.at, reverse=True)
    actions = available_actions(path, user, now, effective)
    is_applicant = user.role == Role.TOWN and user.applicant_id == path.applicant_id
    current = effective.get(state.stage)
    missing = list(dict.fromkeys(reason for a in actions for reason in a.unmet))
    return PathSummary(
        path=path,
        definition=definition,
        state=state,
        steps=steps,
        current_deadline=current,
        current_days_left=deadlines.days_left(current.due_at, now, tz) if current else None,
        current_overdue=bool(current and now > current.due_at),
        documents=docs,
        signed_document_ids=signed,
        timeline=timeline,
        actions=actions,
        can_upload=can_upload(path, definition, is_applicant),
        missing=missing,
        history=history,
        reached=reached,
    )


def step_status(definition: PathDefinition, stage: str, state: str, reached: set[str]) -> StageStatus:
    """The stage's status, NOT_REACHED for a stage a finished path never got to (after a
    withdrawal or a rejection nothing it skipped is DONE)."""
    status = definition.stage_status(stage, state)
    if not definition.state(state).final or status == StageStatus.CURRENT or stage in reached:
        return status
    # A finished path: what it never got to was not reached. (A path put in its state
    # without any history, as tests and imports do, is taken as having gone the whole way.)
    if status == StageStatus.DONE and len(reached) <= 1:
        return StageStatus.DONE
    return StageStatus.NOT_REACHED

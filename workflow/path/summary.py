"""What a page shows about one path: its steps, deadlines, documents, history, actions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from states.definition import PathDefinition, Stage, StageStatus, State
from states.label import Label
from workflow.extensions import db
from workflow.models import DeadlineChange, Document, Path, PathTransition, StageSignoff, User
from workflow.models.types import utcnow
from workflow.path import access, approvals, deadlines, documents
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
    # The members' approvals of the current stage's latest document, while the definition
    # collects them (a partnership's municipalities), and the member the viewer acts for.
    approvals: approvals.Approvals | None = None
    acting_municipality_id: int | None = None

    @property
    def may_approve(self) -> bool:
        """The viewer acts for a member that has not yet approved the latest version."""
        if self.approvals is None or self.approvals.document is None:
            return False
        return any(p.member.municipality_id == self.acting_municipality_id
                   for p in self.approvals.pending)

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
        that is not a withdrawal; 'leader': the partnership's leader), None if the path is
        finished or only the applicant's own team acts next."""
        if self.state.final or self.state.step == "final":  # a result (an appeal aside)
            return None
        for t in self.definition.transitions_from(self.state.code):
            if t.style == "danger":
                continue
            for role in ("advisor", "coordinator", "leader", "system"):
                if role in t.roles:
                    return role
        return None


def can_upload(path: Path, definition: PathDefinition, roles: frozenset[str]) -> bool:
    """The stage takes a document now, and `roles` may make a move out of the current state
    that needs it (whoever submits it uploads it: a town's team, a partnership's leader)."""
    state = definition.state(path.state)
    stage = definition.stage(state.stage)
    if not (stage.document_required and state.step in ("draft", "returned")):
        return False
    return any(t.roles & roles for t in definition.transitions_from(path.state)
               if "document_attached" in t.guards)


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
    docs = documents.documents_of(path, (s.code for s in definition.stages))
    signoffs = set(
        db.session.scalars(select(StageSignoff.document_id).where(StageSignoff.path_id == path.id))
    )
    signed = signoffs | accepted_document_ids(definition, docs, timeline)
    changes = deadlines.changes_of(path)
    history = sorted([*(HistoryEntry(t.created_at, transition=t) for t in timeline),
                      *(HistoryEntry(c.created_at, deadline_change=c) for c in changes)],
                     key=lambda e: e.at, reverse=True)
    roles = access.roles_for(user, path)
    # The guards' documents and sign-offs are the ones just read: no query of their own.
    actions = available_actions(path, user, now, effective, roles, documents.KnownDocuments(docs, signoffs))
    collected = None
    acting = None
    if definition.collects_approvals(path.state):
        latest = next((d for d in docs if d.stage == state.stage), None)  # docs: newest first
        collected = approvals.approvals_of(path, state.stage, latest)
        member = (access.member_acted_for(user, [p.member for p in collected.parties])
                  if "applicant" in roles else None)
        acting = member.municipality_id if member is not None else None
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
        can_upload=can_upload(path, definition, roles),
        missing=missing,
        history=history,
        reached=reached,
        approvals=collected,
        acting_municipality_id=acting,
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

"""The vocabulary a path definition is written in."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field

from states.guards import GUARDS
from states.label import Label
from states.sheet import SheetTemplate

# Roles a person can hold towards one path. "applicant" is a person of the applying town or
# of any municipality of an applying partnership; "leader" a person of the applicant's
# leading municipality (a town's own team; a partnership's leader, who alone submits);
# "advisor" is the path's city advisor (lead); "expert" a field expert assigned to it, who
# sees the path but signs nothing off.
ROLES = frozenset({"applicant", "leader", "advisor", "expert", "coordinator", "system"})

# Steps a stage can be in. A stage is "accepted" once the path has moved past it.
# "consultation": the stage's draft is published for public comment.
STEPS = ("draft", "consultation", "submitted", "returned", "in_progress", "final")
# The steps in which the applicant holds the stage (its deadline runs for them, they are
# reminded of it).
OPEN_STEPS = ("draft", "consultation", "returned")


class StageStatus(enum.StrEnum):
    """Where a path stands towards one of its stages, for drawing the path as steps."""

    DONE = "done"
    CURRENT = "current"
    TODO = "todo"
    NOT_REACHED = "not_reached"  # a finished path never got there (withdrawn, rejected)


# The guard that asks every member of the applicant to approve a stage's document first.
APPROVALS_GUARD = "all_parties_approved"

# Whom a transition's message can go to: the applicant's members, or the path's lead advisor.
RECIPIENTS = frozenset({"applicant", "advisor"})


@dataclass(frozen=True)
class Stage:
    """A stage of the path, e.g. the diagnosis, with its own deadline and document."""

    code: str
    label: Label
    has_deadline: bool = False
    document_required: bool = False


@dataclass(frozen=True)
class State:
    """A state: a stage and the step within it, named for staff and for the applicant."""

    code: str
    stage: str
    step: str
    staff: Label
    applicant: Label
    final: bool = False


@dataclass(frozen=True)
class Notify:
    """A message a transition sends: a notification kind (a value of
    workflow.messaging.texts.Kind, e.g. "stage_returned") to the people of a role towards the
    path ("applicant": the applicant's members; "advisor": its lead advisor). The engine
    queues it in the transition's own database transaction; it leaves after the commit."""

    kind: str
    to: str = "applicant"


@dataclass(frozen=True)
class Transition:
    """An event that moves a path from one of `sources` to `target`."""

    event: str
    sources: tuple[str, ...]
    target: str
    roles: frozenset[str]
    staff: Label
    applicant: Label
    guards: tuple[str, ...] = ()
    comment_required: bool = False
    style: str = "primary"  # "primary", "secondary" or "danger": how a button looks
    history: Label | None = None  # what happened, in the past tense, for the timeline
    notify: tuple[Notify, ...] = ()  # what the move causes besides itself: messages to people
    # What the move means for the applicant, said on the confirmation page of an
    # irreversible ("danger") move before it is made.
    consequence: Label | None = None

    @property
    def done(self) -> Label:
        """The timeline's sentence for this transition (the staff name if none is given)."""
        return self.history or self.staff


@dataclass(frozen=True)
class Phases:
    """Which states play which part in a programme that ranks applications, so that the code
    asks the definition ("is this state the merit evaluation?") instead of naming states.
    A path without a formal check, evaluation or ranking leaves those parts empty."""

    application: tuple[str, ...] = ()  # the applicant prepares or corrects the application
    formal_check: tuple[str, ...] = ()  # submitted; the formal check is pending
    rejected: tuple[str, ...] = ()  # rejected at the formal check
    evaluation: tuple[str, ...] = ()  # in merit evaluation: evaluators score it
    ranked: tuple[str, ...] = ()  # on the ranking; the result is not announced yet
    # (the ranking's outcome, the state it puts a path in): see workflow/ranking/rule.OUTCOMES
    outcomes: tuple[tuple[str, str], ...] = ()

    def named(self) -> list[tuple[str, str]]:
        """(part, state) for every state named, outcomes as part 'outcome'."""
        named = [(part, code) for part in ("application", "formal_check", "rejected", "evaluation", "ranked")
                 for code in getattr(self, part)]
        return named + [("outcome", code) for _outcome, code in self.outcomes]


@dataclass(frozen=True)
class PathDefinition:
    """A programme's whole path. Validated on construction, so a typo fails at import.

    Besides its states and transitions, a definition carries the programme's own words:
    `phases` (which states are the application, the formal check, the evaluation, the
    ranking and its outcomes), `submit_event` (the event that submits the application; its
    moment is the submission time the ranking reads), `reopen_event` (an upheld appeal takes
    the application back to evaluation), `sheet`, the score-sheet template a programme
    of this path starts with (None: it has no score sheet), and `project_stage`, the stage
    whose documents are the feasibility analyses of the project package's projects (None:
    the path has no such stage, and a project gets no analysis).
    """

    code: str
    title: Label
    applicant_kinds: frozenset[str]
    stages: tuple[Stage, ...]
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]
    initial: str
    phases: Phases = Phases()
    submit_event: str | None = None
    reopen_event: str | None = None
    sheet: SheetTemplate | None = None
    project_stage: str | None = None
    _states: dict[str, State] = field(init=False, repr=False, compare=False)
    _stages: dict[str, Stage] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_states", {s.code: s for s in self.states})
        object.__setattr__(self, "_stages", {s.code: s for s in self.stages})
        self._validate()

    def _validate(self) -> None:
        problems: list[str] = []
        if len(self._states) != len(self.states):
            problems.append("duplicate state codes")
        if self.initial not in self._states:
            problems.append(f"initial state {self.initial!r} is not defined")
        for state in self.states:
            if state.stage not in self._stages:
                problems.append(f"state {state.code!r} names unknown stage {state.stage!r}")
            if state.step not in STEPS:
                problems.append(f"state {state.code!r} has unknown step {state.step!r}")
        seen: set[tuple[str, str]] = set()
        for t in self.transitions:
            for src in t.sources:
                if src not in self._states:
                    problems.append(f"{t.event}: unknown source {src!r}")
                elif self._states[src].final:
                    problems.append(f"{t.event}: leaves final state {src!r}")
                if (t.event, src) in seen:
                    problems.append(f"{t.event}: defined twice from {src!r}")
                seen.add((t.event, src))
            if t.target not in self._states:
                problems.append(f"{t.event}: unknown target {t.target!r}")
            if not t.roles or not t.roles <= ROLES:
                problems.append(f"{t.event}: roles {sorted(t.roles)} not in {sorted(ROLES)}")
            for guard in t.guards:
                if guard not in GUARDS:
                    problems.append(f"{t.event}: unknown guard {guard!r}")
            for note in t.notify:
                if note.to not in RECIPIENTS:
                    problems.append(f"{t.event}: notifies unknown recipients {note.to!r}")
                if not note.kind:
                    problems.append(f"{t.event}: a message without a kind")
        problems += self._validate_words()
        reachable = self._reachable()
        for state in self.states:
            if state.code not in reachable:
                problems.append(f"state {state.code!r} cannot be reached")
        if problems:
            raise ValueError(f"path {self.code}: " + "; ".join(problems))

    def _validate_words(self) -> list[str]:
        problems: list[str] = []
        seen: dict[str, str] = {}
        for part, code in self.phases.named():
            if code not in self._states:
                problems.append(f"phases.{part}: unknown state {code!r}")
            elif seen.setdefault(code, part) != part:
                problems.append(f"phases: state {code!r} is both {seen[code]} and {part}")
        outcomes = [outcome for outcome, _code in self.phases.outcomes]
        if len(set(outcomes)) != len(outcomes):
            problems.append("phases.outcomes: an outcome named twice")
        if self.project_stage is not None and self.project_stage not in self._stages:
            problems.append(f"project_stage: unknown stage {self.project_stage!r}")
        for name in ("submit_event", "reopen_event"):
            event = getattr(self, name)
            if event is not None and self.transition(event) is None:
                problems.append(f"{name}: unknown event {event!r}")
        if self.reopen_event is not None and self.transition(self.reopen_event):
            target = self.transition(self.reopen_event).target  # type: ignore[union-attr]
            if target not in self.phases.evaluation:
                problems.append(f"reopen_event: leads to {target!r}, not to an evaluation state")
        return problems

    def _reachable(self) -> set[str]:
        seen = {self.initial}
        todo = [self.initial]
        while todo:
            current = todo.pop()
            for t in self.transitions_from(current):
                if t.target not in seen:
                    seen.add(t.target)
                    todo.append(t.target)
        return seen

    @property
    def roles_used(self) -> frozenset[str]:
        """Every role some transition of the path is open to."""
        return frozenset(role for t in self.transitions for role in t.roles)

    def state(self, code: str) -> State:
        return self._states[code]

    def stage(self, code: str) -> Stage:
        return self._stages[code]

    def has_state(self, code: str) -> bool:
        return code in self._states

    def has_stage(self, code: str) -> bool:
        return code in self._stages

    def transitions_from(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if state in t.sources]

    def transition(self, event: str) -> Transition | None:
        """The transition named `event` (events may share a name across sources)."""
        for t in self.transitions:
            if t.event == event:
                return t
        return None

    def transition_from(self, state: str, event: str) -> Transition | None:
        for t in self.transitions_from(state):
            if t.event == event:
                return t
        return None

    def stage_index(self, stage: str) -> int:
        return [s.code for s in self.stages].index(stage)

    def stage_status(self, stage: str, current_state: str) -> StageStatus:
        """DONE, CURRENT or TODO: the stage's place relative to `current_state` on the path
        (what the path went through is for the caller: see StageStatus.NOT_REACHED)."""
        here = self.state(current_state)
        if here.stage == stage:
            return StageStatus.CURRENT
        behind = self.stage_index(stage) < self.stage_index(here.stage)
        return StageStatus.DONE if behind else StageStatus.TODO

    def states_of(self, stages: Iterable[str]) -> list[str]:
        wanted = set(stages)
        return [s.code for s in self.states if s.stage in wanted]

    # --- the programme's words: questions the code asks instead of naming states ---------------

    def is_application_open(self, state: str) -> bool:
        """The applicant is preparing or correcting the application (and may state the amount)."""
        return state in self.phases.application

    def is_formal_check(self, state: str) -> bool:
        return state in self.phases.formal_check

    def is_rejected(self, state: str) -> bool:
        """Rejected at the formal check."""
        return state in self.phases.rejected

    def in_evaluation(self, state: str) -> bool:
        """Under merit evaluation: evaluators may score the application now."""
        return state in self.phases.evaluation

    @property
    def evaluation_states(self) -> tuple[str, ...]:
        return self.phases.evaluation

    @property
    def outcome_states(self) -> tuple[str, ...]:
        return tuple(code for _outcome, code in self.phases.outcomes)

    def evaluated_states(self) -> tuple[str, ...]:
        """States of an application that passed the formal check: in evaluation, ranked, or
        with an outcome."""
        return (*self.phases.evaluation, *self.phases.ranked, *self.outcome_states)

    def submitted_states(self) -> tuple[str, ...]:
        """States of a submitted application (a withdrawn one is no application)."""
        return (*self.phases.formal_check, *self.phases.rejected, *self.evaluated_states())

    def formal_check_result(self, state: str) -> str:
        """'passed', 'failed' or 'pending': where the application stands at the formal check."""
        if state in self.evaluated_states():
            return "passed"
        return "failed" if state in self.phases.rejected else "pending"

    def outcome_state(self, outcome: str) -> str | None:
        """The state a ranking outcome ('awarded', 'reserve', 'not_eligible') puts a path in."""
        return dict(self.phases.outcomes).get(outcome)

    @property
    def awarded_state(self) -> str | None:
        """The state of an application that was awarded the grant."""
        return self.outcome_state("awarded")

    def in_consultation(self, state: str) -> bool:
        """The stage's draft is published for public comment (a 'consultation' step)."""
        return self.state(state).step == "consultation"

    def opens_consultation(self, transition: Transition) -> bool:
        """The move publishes the stage's draft for public comment."""
        return self.state(transition.target).step == "consultation"

    def closes_consultation(self, source: str, transition: Transition) -> bool:
        """The move from `source` ends a public consultation (by its outcome or a withdrawal)."""
        return self.in_consultation(source) and not self.opens_consultation(transition)

    def collects_approvals(self, state: str) -> bool:
        """The applicant's members approve the stage's document now: a move out of `state`
        needs every one of them to have approved its latest version (all_parties_approved)."""
        return any(APPROVALS_GUARD in t.guards for t in self.transitions_from(state))

    def can_reopen(self, state: str) -> bool:
        """An upheld appeal can take an application in `state` back to evaluation."""
        return self.reopen_event is not None and self.transition_from(state, self.reopen_event) is not None

    def result_route(self, state: str, target: str) -> list[str] | None:
        """The events the system fires to give a path in `state` its announced result `target`:
        [] when it is there; the one move to it; or, from evaluation, onto the ranking first
        and then to it. None when the result cannot be reached from `state` that way."""
        if state == target:
            return []

        def system_move(source: str, to: tuple[str, ...]) -> Transition | None:
            return next((t for t in self.transitions_from(source)
                         if t.target in to and "system" in t.roles), None)

        direct = system_move(state, (target,))
        if direct is not None:
            return [direct.event]
        if state in self.phases.evaluation:
            onto = system_move(state, self.phases.ranked)
            then = system_move(onto.target, (target,)) if onto is not None else None
            if onto is not None and then is not None:
                return [onto.event, then.event]
        return None

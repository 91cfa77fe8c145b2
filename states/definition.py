"""The vocabulary a path definition is written in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

# Roles a person can hold towards one path. "applicant" is a member of the applying town
# (or of a partnership's municipalities); "advisor" is the path's city advisor (lead);
# "expert" a field expert assigned to it, who sees the path but signs nothing off.
ROLES = frozenset({"applicant", "advisor", "expert", "coordinator", "system"})

# Steps a stage can be in. A stage is "accepted" once the path has moved past it.
STEPS = ("draft", "submitted", "returned", "in_progress", "final")


@dataclass(frozen=True)
class Label:
    """A text in Polish and English."""

    pl: str
    en: str

    def get(self, locale: str | None) -> str:
        return self.en if (locale or "pl").startswith("en") else self.pl


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

    @property
    def done(self) -> Label:
        """The timeline's sentence for this transition (the staff name if none is given)."""
        return self.history or self.staff


@dataclass(frozen=True)
class PathDefinition:
    """A programme's whole path. Validated on construction, so a typo fails at import."""

    code: str
    title: Label
    applicant_kinds: frozenset[str]
    stages: tuple[Stage, ...]
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]
    initial: str
    _states: dict[str, State] = field(init=False, repr=False, compare=False)
    _stages: dict[str, Stage] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_states", {s.code: s for s in self.states})
        object.__setattr__(self, "_stages", {s.code: s for s in self.stages})
        self._validate()

    def _validate(self) -> None:
        from states.guards import GUARDS

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
        reachable = self._reachable()
        for state in self.states:
            if state.code not in reachable:
                problems.append(f"state {state.code!r} cannot be reached")
        if problems:
            raise ValueError(f"path {self.code}: " + "; ".join(problems))

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

    def state(self, code: str) -> State:
        return self._states[code]

    def stage(self, code: str) -> Stage:
        return self._stages[code]

    def has_state(self, code: str) -> bool:
        return code in self._states

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

    def stage_status(self, stage: str, current_state: str) -> str:
        """'done', 'current' or 'todo' for drawing the path as steps."""
        here = self.state(current_state)
        if here.stage == stage:
            return "current"
        return "done" if self.stage_index(stage) < self.stage_index(here.stage) else "todo"

    def states_of(self, stages: Iterable[str]) -> list[str]:
        wanted = set(stages)
        return [s.code for s in self.states if s.stage in wanted]

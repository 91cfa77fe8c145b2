"""What the coordinator's overview says first: which towns are late, and which paths wait
for a decision only the coordinator can take. Two queries whatever the number of towns, each
reading only the paths it names (decision 0035); the programme's deadlines come from the
caller."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, select, union_all
from sqlalchemy.orm import aliased

from states.definition import PathDefinition
from workflow.extensions import db
from workflow.models import Applicant, DeadlineExtension, Path, Programme
from workflow.models.types import UTCDateTime

# The steps in which the town itself still has to hand something in.
TOWN_STEPS = ("draft", "returned")


@dataclass(frozen=True)
class Item:
    path_id: int
    town: str
    state: str
    due_at: datetime | None = None


@dataclass(frozen=True)
class Attention:
    late: list[Item]  # the stage deadline passed and the town has not submitted: the first SHOWN
    decisions: list[Item]  # the next step is the coordinator's: the first SHOWN
    late_count: int = 0
    decisions_count: int = 0

    @property
    def empty(self) -> bool:
        return not self.late_count and not self.decisions_count


SHOWN = 10  # the overview names the first ten of each, and says how many more


def coordinator_states(definition: PathDefinition) -> set[str]:
    """States that only a coordinator can move on (the formal check): the advisors sign off
    documents, and the ranking page settles the evaluated applications."""
    only = frozenset({"coordinator"})
    return {source for t in definition.transitions if t.roles == only for source in t.sources}


def attention(programme: Programme, definition: PathDefinition, base: dict[str, datetime],
              now: datetime | None = None) -> Attention:
    """`base` is the programme's deadlines by stage (the overview has read them already).

    Two queries whatever the number of towns, each reading only the paths it names: per stage,
    the paths in the town's own steps of that stage (through the index on programme and state)
    whose deadline (their extension, else the programme's) has passed, the earliest first; and
    the paths waiting for the coordinator. Each returns its first SHOWN rows and how many there
    are (a window count), in Polish order of the town's sort key (decision 0035)."""
    now = now or datetime.now(UTC)
    late_query, decisions_query = _statements(programme.path_code, definition,
                                              frozenset(s for s, due in base.items() if due is not None))
    params: dict[str, Any] = {"programme_id": programme.id, "now": now}
    late: list[Item] = []
    late_count = 0
    if late_query is not None:
        stages = _town_stages(definition)
        params.update({f"fallback_{i}": base[stage] for i, stage in enumerate(sorted(stages)) if stage in base
                       and base[stage] is not None})
        for path_id, town, code, due_at, n in db.session.execute(late_query, params):
            late.append(Item(path_id, town, code, due_at))
            late_count = n
    decisions: list[Item] = []
    decisions_count = 0
    for path_id, town, code, n in db.session.execute(decisions_query, {"programme_id": programme.id}):
        decisions.append(Item(path_id, town, code))
        decisions_count = n
    return Attention(late, decisions, late_count, decisions_count)


def _town_stages(definition: PathDefinition) -> dict[str, list[str]]:
    """The states of each stage in which the town still has to hand something in."""
    by_stage: dict[str, list[str]] = {}
    for state in definition.states:
        if not state.final and state.step in TOWN_STEPS:
            by_stage.setdefault(state.stage, []).append(state.code)
    return by_stage


# Both statements per path definition and the stages that have a programme deadline, built once per
# process (their parameters: the programme, now, each stage's deadline): building them anew took
# most of the overview's request (issue 17).
_BUILT: dict[tuple[str, frozenset[str]], tuple[Select[Any] | None, Select[Any]]] = {}


def _statements(code: str, definition: PathDefinition, dated: frozenset[str],
                ) -> tuple[Select[Any] | None, Select[Any]]:
    key = (code, dated)
    found = _BUILT.get(key)
    if found is not None:
        return found
    programme_id = bindparam("programme_id")
    branches = []
    for i, (stage, codes) in enumerate(sorted(_town_stages(definition).items())):
        extension = aliased(DeadlineExtension)
        due = func.coalesce(extension.due_at, bindparam(f"fallback_{i}", type_=UTCDateTime())) \
            if stage in dated else extension.due_at
        branches.append(
            select(Path.id.label("path_id"), Applicant.name.label("town"), Applicant.sort_key.label("key"),
                   Path.state.label("state"), due.label("due_at"))
            .join(Applicant, Applicant.id == Path.applicant_id)
            .outerjoin(extension, and_(extension.path_id == Path.id, extension.stage == stage))
            .where(Path.programme_id == programme_id, Path.state.in_(codes),
                   due < bindparam("now", type_=UTCDateTime())))
    late = None
    if branches:
        union = union_all(*branches).subquery()
        late = (select(union.c.path_id, union.c.town, union.c.state, union.c.due_at, func.count().over())
                .order_by(union.c.due_at, union.c.key, union.c.path_id).limit(SHOWN))
    deciding = sorted(coordinator_states(definition) - {s.code for s in definition.states if s.final})
    decisions = (select(Path.id, Applicant.name, Path.state, func.count().over())
                 .join(Applicant, Applicant.id == Path.applicant_id)
                 .where(Path.programme_id == programme_id, Path.state.in_(deciding))
                 .order_by(Applicant.sort_key, Path.id).limit(SHOWN))
    _BUILT[key] = late, decisions
    return late, decisions

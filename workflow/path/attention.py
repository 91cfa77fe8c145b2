"""What the coordinator's overview says first: which towns are late, and which paths wait
for a decision only the coordinator can take. Two queries whatever the number of towns
(paths, extensions), as the programme's deadlines come from the caller."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from states.definition import PathDefinition
from workflow.extensions import db
from workflow.models import Applicant, DeadlineExtension, Path, Programme
from workflow.text import polish_key

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
    late: list[Item]  # the stage deadline passed and the town has not submitted
    decisions: list[Item]  # the next step is the coordinator's

    @property
    def empty(self) -> bool:
        return not self.late and not self.decisions


def coordinator_states(definition: PathDefinition) -> set[str]:
    """States that only a coordinator can move on (the formal check): the advisors sign off
    documents, and the ranking page settles the evaluated applications."""
    only = frozenset({"coordinator"})
    return {source for t in definition.transitions if t.roles == only for source in t.sources}


def attention(programme: Programme, definition: PathDefinition, base: dict[str, datetime],
              now: datetime | None = None) -> Attention:
    """`base` is the programme's deadlines by stage (the overview has read them already)."""
    now = now or datetime.now(UTC)
    rows = db.session.execute(
        select(Path.id, Applicant.name, Path.state).join(Applicant, Applicant.id == Path.applicant_id)
        .where(Path.programme_id == programme.id)).all()
    extended = {(path_id, stage): due for path_id, stage, due in db.session.execute(
        select(DeadlineExtension.path_id, DeadlineExtension.stage, DeadlineExtension.due_at)
        .join(Path, Path.id == DeadlineExtension.path_id)
        .where(Path.programme_id == programme.id)
        .order_by(DeadlineExtension.created_at))}  # the latest extension wins
    deciding = coordinator_states(definition)
    late, decisions = [], []
    for path_id, town, code in rows:
        state = definition.state(code)
        if state.final:
            continue
        due = extended.get((path_id, state.stage), base.get(state.stage))
        if state.step in TOWN_STEPS and due is not None and due < now:
            late.append(Item(path_id, town, code, due))
        if code in deciding:
            decisions.append(Item(path_id, town, code))
    late.sort(key=lambda i: (i.due_at, polish_key(i.town)))
    decisions.sort(key=lambda i: polish_key(i.town))
    return Attention(late, decisions)


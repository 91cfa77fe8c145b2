"""Five towns with submitted applications and sheets, ready for a ranking run: TOWNS says
who is funded, who is a reserve, who fails a threshold and who the formal check. The path
moves and sheets are written straight into the tables (`move` records a transition the way
the engine does, without its guards), so a test starts at the ranking."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

import states
from factories.accounts import make_user
from factories.path import make_programme, make_town
from workflow.extensions import db
from workflow.models import (
    Criterion,
    EvaluatorAssignment,
    Path,
    PathTransition,
    Programme,
    Score,
    ScoreSheet,
    SheetPart,
    User,
)

RL = states.get_definition("rozwoj-lokalny")
T0 = datetime(2020, 10, 30, 9, 0, tzinfo=UTC)
CRITERIA = {"PRL": (("I.1", 50), ("I.2", 60)), "PRI": (("II.1", 60), ("II.2", 60))}


@dataclass(frozen=True)
class TownSpec:
    name: str
    requested: str
    sheets: tuple[tuple[int, int], ...]  # (PRL, PRI) per submitted sheet
    formal: str = "passed"  # passed | failed
    drafts: int = 0  # sheets assigned but still drafts


# Budget 100 mln zł, cap 2: Ostrzeszów and Wałcz are awarded, Łobez reserve (cap),
# Żnin below the PRL threshold, Ćmielów rejected at the formal check.
TOWNS = (
    TownSpec("Ostrzeszów", "38000000.00", ((91, 97), (90, 95))),
    TownSpec("Wałcz", "30000000.00", ((80, 90), (82, 92))),
    TownSpec("Łobez", "20000000.00", ((70, 80), (72, 84))),
    TownSpec("Żnin", "25000000.00", ((60, 90), (62, 90))),
    TownSpec("Ćmielów", "15000000.00", (), formal="failed"),
)


@dataclass
class Built:
    programme: Programme
    paths: dict[str, Path] = field(default_factory=dict)
    members: dict[str, User] = field(default_factory=dict)
    evaluators: list[User] = field(default_factory=list)
    coordinator: User | None = None

    def path(self, name: str) -> Path:
        return db.session.get(Path, self.paths[name].id)


def add_sheet_parts(programme: Programme) -> None:
    for position, (code, criteria) in enumerate(CRITERIA.items()):
        part = SheetPart(programme_id=programme.id, code=code, title_pl=code, title_en=code,
                         position=position)
        for i, (ccode, maximum) in enumerate(criteria):
            part.criteria.append(Criterion(code=ccode, title_pl=ccode, title_en=ccode, max_points=maximum,
                                           position=i))
        db.session.add(part)


def move(path: Path, event: str, when: datetime, actor: User | None = None) -> None:
    """Fire `event` the way the engine records it (seq = version before), without its guards."""
    transition = RL.transition_from(path.state, event)
    db.session.add(PathTransition(path_id=path.id, seq=path.version, event=event, from_state=path.state,
                                  to_state=transition.target, actor_id=actor.id if actor else None,
                                  created_at=when))
    path.state = transition.target
    db.session.flush()


def split(points: int, criteria: tuple[tuple[str, int], ...]) -> list[int]:
    first = min(points, criteria[0][1])
    return [first, points - first]


def add_sheet(path: Path, evaluator: User, parts: tuple[int, int] | None, role: str = "regular",
              when: datetime = T0) -> EvaluatorAssignment:
    """An impartial assignment with a submitted sheet of these part totals (None: a draft)."""
    assignment = EvaluatorAssignment(path_id=path.id, evaluator_id=evaluator.id, role=role,
                                     declaration="impartial", declared_at=when)
    db.session.add(assignment)
    db.session.flush()
    submitted = parts is not None
    sheet = ScoreSheet(assignment_id=assignment.id, status="submitted" if submitted else "draft",
                       submitted_at=when if submitted else None)
    criteria = db.session.execute(
        sa.select(Criterion.id, SheetPart.code).join(SheetPart)
        .where(SheetPart.programme_id == path.programme_id).order_by(SheetPart.position, Criterion.position)
    ).all()
    by_part: dict[str, list[int]] = {}
    for cid, code in criteria:
        by_part.setdefault(code, []).append(cid)
    for code, total in zip(("PRL", "PRI"), parts or (None, None), strict=True):
        values = split(total, CRITERIA[code]) if total is not None else [None, None]
        for cid, value in zip(by_part[code], values, strict=True):
            sheet.scores.append(Score(criterion_id=cid, points=value, justification="Uzasadnienie oceny."))
    db.session.add(sheet)
    db.session.flush()
    return assignment


def user(email: str, role: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email)) or make_user(email, role)


def build(towns: tuple[TownSpec, ...] = TOWNS, code: str = "RL-RANK", cap: int | None = 2,
          budget: str | None = "100000000.00") -> Built:
    programme = make_programme(code)
    programme.winners_cap = cap
    programme.budget = Decimal(budget) if budget is not None else None
    add_sheet_parts(programme)
    built = Built(programme)
    built.coordinator = user("coordinator@example.pl", "coordinator")
    built.evaluators = [user(f"oceniajacy{i}@example.pl", "evaluator") for i in range(3)]
    db.session.flush()
    for n, spec in enumerate(towns):
        add_town(built, spec, n)
    db.session.commit()
    return built


def add_town(built: Built, spec: TownSpec, n: int) -> Path:
    path = make_town(built.programme, spec.name, state="application.draft")
    path.requested_amount = Decimal(spec.requested)
    db.session.flush()
    member = make_user(f"miasto{n}-{built.programme.code.lower()}@example.pl", "town", path.applicant)
    built.paths[spec.name], built.members[spec.name] = path, member
    move(path, "submit_application", T0 + timedelta(minutes=n), member)
    move(path, "pass_formal_check" if spec.formal == "passed" else "reject_formal",
         T0 + timedelta(days=1), built.coordinator)
    for i, parts in enumerate(spec.sheets):
        add_sheet(path, built.evaluators[i], parts, role="third" if i == 2 else "regular")
    for i in range(spec.drafts):
        add_sheet(path, built.evaluators[len(spec.sheets) + i], None)
    return path

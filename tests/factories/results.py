"""An announced result of towns A and B, through the real ranking runs on real sheets:
town A (Ostrzeszów) is funded, town B (Wałcz) fails part I and may appeal. The sheets are
written straight into the tables, spread over the programme's real criteria."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from factories.accounts import make_user
from factories.path import World
from workflow.evaluation import criteria
from workflow.extensions import db
from workflow.models import EvaluatorAssignment, Path, RankingSnapshot, Score, ScoreSheet, User
from workflow.ranking import runs as ranking_runs

WARSAW = ZoneInfo("Europe/Warsaw")
# Half past midnight in Warsaw is still the previous day in UTC: day 0 is 21 March.
ANNOUNCED = datetime(2026, 3, 21, 0, 30, tzinfo=WARSAW)
LONG_ENOUGH = "Ocena kryterium I.3 pomija projekty opisane w rozdziale 4 planu, a kryterium I.5 budżet."
EVALUATOR_NAMES = ("Bożena Tajemnicza", "Cezary Ukryty", "Dorota Niejawna")


def spread(total: int, maxima: list[int]) -> list[int]:
    """`total` points over criteria in proportion to their maxima (largest remainders)."""
    raw = [total * m / sum(maxima) for m in maxima]
    points = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: points[i] - raw[i])[: total - sum(points)]:
        points[i] += 1
    return points


def add_sheet(path: Path, evaluator: User, totals: dict[str, int], role: str = "regular",
              when: datetime = ANNOUNCED - timedelta(days=20)) -> None:
    parts = criteria.parts_of(path.programme)
    assignment = EvaluatorAssignment(path_id=path.id, evaluator_id=evaluator.id, role=role, source="manual",
                                     declaration="impartial", declared_at=when)
    sheet = ScoreSheet(assignment=assignment, status="submitted", submitted_at=when)
    for part in parts:
        points = spread(totals[part.code], [c.max_points for c in part.criteria])
        for c, p in zip(part.criteria, points, strict=True):
            why = f"Uzasadnienie {c.code}: {p} pkt za {c.title_pl.lower()}."
            sheet.scores.append(Score(criterion_id=c.id, points=p, justification=why))
    db.session.add_all([assignment, sheet])


def evaluators() -> list[User]:
    people = []
    for n, name in enumerate(EVALUATOR_NAMES, start=1):
        user = make_user(f"oceniajacy{n}@example.pl", "evaluator")
        user.name = name
        people.append(user)
    db.session.flush()
    return people


def scored_world(world: World) -> World:
    """Both applications in evaluation with two sheets each; nothing announced yet."""
    programme = world.programme
    programme.budget, programme.winners_cap, programme.appeal_days = Decimal("100000000.00"), 15, 14
    criteria.ensure_sheet(programme)
    people = evaluators()
    for key, amount in (("a", "30000000.00"), ("b", "25000000.00")):
        path = world.paths[key]
        path.state, path.requested_amount = "evaluation", Decimal(amount)
    add_sheet(world.paths["a"], people[0], {"PRL": 100, "PRI": 110})
    add_sheet(world.paths["a"], people[1], {"PRL": 98, "PRI": 108})
    add_sheet(world.paths["b"], people[1], {"PRL": 60, "PRI": 70})
    add_sheet(world.paths["b"], people[2], {"PRL": 62, "PRI": 74})
    db.session.commit()
    return world


def announce(world: World, at: datetime = ANNOUNCED) -> RankingSnapshot:
    coordinator = world.user("coordinator")
    official = ranking_runs.run(world.programme, coordinator, kind="official", now=at - timedelta(hours=1))
    return ranking_runs.announce(official, coordinator, now=at)

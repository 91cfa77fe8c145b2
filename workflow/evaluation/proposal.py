"""Evaluator assignment, part 4: the proposal computed as a min-cost flow and saving an
approved one; pure solver plus its loading.

The proposal (same approach as the advisors', docs/decisions/0007): every application in
evaluation needs `evaluators_per_application` regular evaluators who did not declare a
conflict; the missing ones are filled by

    source ──slot k──> evaluator ──1──> application ──missing──> sink
    source ────────── uncovered, cost Instance.uncovered_cost ──> application

The k-th new application of an evaluator costs LOAD_WEIGHT * (load + k), so the optimum
spreads the work (a convex cost); an evaluator is at most once on an application; pairs
with a conflict have no arc. The uncovered cost exceeds the most that covering every slot
can cost, so the optimum fills as many slots as possible and only then balances the load.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import select

from workflow.advice.assignment import AssignmentRefused, one_transaction
from workflow.evaluation.conflicts import (
    ALREADY_ON,
    LOAD_WEIGHT,
    NOT_IN_PROGRAMME,
    UNKNOWN_EVALUATOR,
    EvaluatorLoad,
    conflicts_found,
    conflicts_where,
    evaluation_states,
    evaluator_loads,
    too_few,
)
from workflow.evaluation.manual_assignment import (
    assignment_problem,
    check_role_and_source,
    lock_paths,
    write_assignment,
)
from workflow.evaluation.scores import ApplicationScore, _scores, application_scores
from workflow.extensions import db
from workflow.models import EvaluatorAssignment, EvaluatorRole, EvaluatorSource, Path, Programme, User
from workflow.models.types import row_id
from workflow.refusal import Message, _l

# --- the proposal ------------------------------------------------------------------------------


class ProposedPair(NamedTuple):
    path_id: int
    evaluator_id: int


@dataclass(frozen=True)
class Shortfall:
    path_id: int
    missing: int
    reason: Message


@dataclass(frozen=True)
class Instance:
    """What a proposal is computed from: plain data, no database."""

    slots: dict[int, int]  # path_id -> regular evaluators still needed (> 0)
    loads: dict[int, int]  # active evaluator id -> current load
    excluded: frozenset[tuple[int, int]]  # (path_id, evaluator_id) never paired: on it or a conflict

    def candidates(self, path_id: int) -> list[int]:
        return [e for e in sorted(self.loads) if (path_id, e) not in self.excluded]

    @property
    def uncovered_cost(self) -> int:
        """More than covering every slot can cost, so the optimum fills the most slots."""
        demand = sum(self.slots.values())
        top = max(self.loads.values(), default=0) + demand
        return LOAD_WEIGHT * top * demand + 1


@dataclass(frozen=True)
class Proposal:
    programme_id: int
    pairs: list[ProposedPair]
    uncovered: list[Shortfall]
    cost: int
    loads: dict[int, int]  # active evaluator id -> load once the proposal is applied
    new: dict[int, int]  # active evaluator id -> applications the proposal adds
    towns: dict[int, str]  # path id -> town, every application in evaluation
    evaluators: dict[int, EvaluatorLoad]  # every evaluator account, current load


def load_instance(programme: Programme) -> tuple[Instance, list[ApplicationScore], dict[int, EvaluatorLoad]]:
    """What the proposal is computed from, and what it was read from (nine queries at most)."""
    scores = application_scores(programme, evaluation_states(programme))
    evaluators = evaluator_loads(programme)
    loads = {e.id: e.load for e in evaluators.values() if e.active}
    excluded = set(conflicts_found(programme))
    for s in scores:
        excluded |= {(s.path_id, e) for e in s.evaluator_ids}
    slots = {s.path_id: s.missing_regular for s in scores if s.missing_regular > 0}
    return Instance(slots, loads, frozenset(excluded)), scores, evaluators


def cost_of(instance: Instance, pairs: Iterable[Sequence[int]]) -> int:
    """The proposal's cost of `pairs` ((path_id, evaluator_id)), unfilled slots included;
    it does not check feasibility."""
    pairs = [(int(p[0]), int(p[1])) for p in pairs]
    new = Counter(e for _, e in pairs)
    load_cost = sum(LOAD_WEIGHT * (x * instance.loads[e] + x * (x + 1) // 2) for e, x in new.items())
    return load_cost + instance.uncovered_cost * (sum(instance.slots.values()) - len(pairs))


def solve(instance: Instance) -> tuple[list[ProposedPair], int]:
    """The min-cost flow of the module docstring: (pairs sorted, cost)."""
    import networkx as nx  # here, not at the top: ~0.25 s of CPU for every process starting the app

    demand = sum(instance.slots.values())
    graph = nx.MultiDiGraph()
    graph.add_node("source", demand=-demand)
    graph.add_node("sink", demand=demand)
    paths_of: dict[int, list[int]] = {}
    for path_id, slots in sorted(instance.slots.items()):
        graph.add_edge("source", ("path", path_id), capacity=slots, weight=instance.uncovered_cost)
        graph.add_edge(("path", path_id), "sink", capacity=slots, weight=0)
        for e in instance.candidates(path_id):
            paths_of.setdefault(e, []).append(path_id)
            graph.add_edge(("evaluator", e), ("path", path_id), capacity=1, weight=0)
    for e, paths in sorted(paths_of.items()):
        for k in range(1, min(len(paths), demand) + 1):
            graph.add_edge("source", ("evaluator", e), capacity=1,
                           weight=LOAD_WEIGHT * (instance.loads[e] + k))
    cost, flow = nx.network_simplex(graph)
    pairs = sorted(ProposedPair(target[1], node[1])
                   for node, targets in flow.items() if isinstance(node, tuple) and node[0] == "evaluator"
                   for target, by_key in targets.items() if sum(by_key.values()))
    assert cost == cost_of(instance, pairs), "the flow's cost and cost_of disagree"
    return pairs, cost


def propose(programme: Programme) -> Proposal:
    """Regular evaluators for every application in evaluation that lacks some. Saves nothing."""
    instance, scores, evaluators = load_instance(programme)
    pairs, cost = solve(instance)
    new = Counter(p.evaluator_id for p in pairs)
    got = Counter(p.path_id for p in pairs)
    uncovered = [Shortfall(p, slots - got[p], too_few(len(instance.candidates(p)), slots - got[p]))
                 for p, slots in sorted(instance.slots.items()) if got[p] < slots]
    return Proposal(programme.id, pairs, uncovered, cost,
                    {e: load + new[e] for e, load in instance.loads.items()},
                    {e: new[e] for e in instance.loads}, {s.path_id: s.town for s in scores}, evaluators)


def apply(programme: Programme, pairs: Iterable[Sequence[Any]], actor: User | None,
          source: EvaluatorSource = EvaluatorSource.PROPOSAL) -> list[EvaluatorAssignment]:
    """Save an approved proposal: every (path_id, evaluator_id) is checked again now; if any is
    invalid, nothing is saved and every reason is raised. One transaction, then notifications."""
    check_role_and_source(EvaluatorRole.REGULAR, source)
    wanted = [(row_id(p[0]), row_id(p[1])) for p in pairs]  # posted ids, guarded before any query
    if not wanted:
        return []
    path_ids = {p for p, _ in wanted}
    lock_paths(path_ids)
    paths = {p.id: p for p in db.session.scalars(
        select(Path).where(Path.id.in_(path_ids), Path.programme_id == programme.id))}
    scores = {s.path_id: s for s in _scores(programme, path_ids=path_ids)}
    evaluators = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_({e for _, e in wanted})))}
    conflicts = conflicts_where(Path.id.in_(path_ids), list(evaluators))
    reasons: list[Message] = []
    accepted: list[tuple[Path, User]] = []
    taken: Counter[int] = Counter()
    seen: set[tuple[int, int]] = set()
    for path_id, evaluator_id in wanted:
        path, evaluator = paths.get(path_id), evaluators.get(evaluator_id)
        if path is None:
            problem: Message | None = NOT_IN_PROGRAMME
        elif evaluator is None:
            problem = UNKNOWN_EVALUATOR
        elif (path_id, evaluator_id) in seen:
            problem = ALREADY_ON
        else:
            problem = assignment_problem(scores[path_id], evaluator, EvaluatorRole.REGULAR, conflicts,
                                         taken[path_id])
        if problem is not None:
            reasons.append(_about(problem, scores.get(path_id), evaluator))
            continue
        seen.add((path_id, evaluator_id))
        taken[path_id] += 1
        accepted.append((path, evaluator))
    if reasons:
        db.session.rollback()
        raise AssignmentRefused(reasons)
    with one_transaction():
        rows = [write_assignment(path, evaluator, EvaluatorRole.REGULAR, source, actor)
                for path, evaluator in accepted]
    return rows


def _about(problem: Message, score: ApplicationScore | None, evaluator: User | None) -> Message:
    return _l("%(town)s, %(evaluator)s: %(problem)s", town=score.town if score else "?",
              evaluator=evaluator.name if evaluator else "?", problem=problem)

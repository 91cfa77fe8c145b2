"""Who advises which town: manual assignment, and a proposal computed as a min-cost flow.

Every change writes the assignment row, an AssignmentEvent (who, when, from where) and a
notification to the advisor in one transaction; mail leaves after the commit.

The proposal (docs/decisions/0007-assignment-as-min-cost-flow.md). A need is a
(town, field) pair from path_need that no expert of that field covers yet. The network:

    source ──slot k──> advisor ──1──> (advisor, town) ──1──> need (town, field) ──1──> sink
    source ─────────────── uncovered, cost UNCOVERED_COST ──────────> need

- slot k (k = 1 .. remaining capacity) costs LOAD_WEIGHT * (current load + k): the k-th
  new town of an advisor costs more than the (k-1)-th, so the optimum spreads the work
  (a convex cost, exact as a row of unit arcs); leads count in the load.
- (advisor, town) has capacity 1: an advisor is at most once on a town.
- (advisor, town) -> need costs REGION_PENALTY when the advisor's region is not the
  town's voivodeship (an advisor without a region is "elsewhere"), 0 when it is.
- each need takes one unit, through an advisor or through the uncovered arc. The flow is
  always feasible, and UNCOVERED_COST exceeds the most that covering every need can cost
  (needs * (LOAD_WEIGHT * MAX_CAPACITY + REGION_PENALTY)), so the optimum covers as many
  needs as can be covered, and only among those prefers the same region and balance.

All costs are integers; networkx's network simplex solves the flow exactly. `cost_of`
is the same cost function on any set of pairs, for tests that brute-force small cases.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, contains_eager, joinedload

from workflow.advice.profiles import DEFAULT_CAPACITY, MAX_CAPACITY
from workflow.audit import log as audit
from workflow.extensions import db
from workflow.messaging import links, notifications
from workflow.messaging.texts import Kind
from workflow.models import (
    AdvisorAssignment,
    AdvisorKind,
    AdvisorProfile,
    AdvisorSource,
    Applicant,
    AssignmentAction,
    AssignmentEvent,
    ExpertiseField,
    Path,
    Programme,
    Role,
    User,
    advisor_expertise,
    path_need,
)
from workflow.models.types import row_id
from workflow.refusal import Message, Refused, _l, either, in_language
from workflow.web import listing

LOAD_WEIGHT = 10  # per town already held: the k-th new town costs 10 * (load + k)
REGION_PENALTY = 30  # an expert from another voivodeship; worth a load difference of 3
UNCOVERED_COST = 1_000_000_000  # a need left without an expert; see the module docstring
KINDS = tuple(AdvisorKind)
SOURCES = tuple(AdvisorSource)


class AssignmentRefused(Refused):
    """An assignment change that may not happen; `reasons` say why."""

    def __init__(self, reasons: list[Message]) -> None:
        super().__init__(reasons)


NOT_ADVISOR = _l("Wybrana osoba nie jest doradcą.")
UNAVAILABLE = _l("Doradca jest obecnie niedostępny.")
KIND_UNKNOWN = _l("Nieznany rodzaj przydziału.")
LEAD_HAS_NO_FIELD = _l("Doradca miasta nie ma dziedziny.")
EXPERT_NEEDS_FIELD = _l("Wybierz dziedzinę eksperta.")
LEAD_TAKEN = _l("Miasto ma już doradcę miasta.")
EXPERT_TAKEN = _l("Miasto ma już eksperta w tej dziedzinie.")
ALREADY_ON_TOWN = _l("Ten doradca jest już przydzielony do tego miasta.")
NOT_IN_PROFILE = _l("Doradca nie ma tej dziedziny w swoim profilu.")
FIELD_INACTIVE = _l("Dziedzina została wycofana.")
NOT_NEEDED = _l("Miasto nie potrzebuje już eksperta w tej dziedzinie.")
NOT_IN_PROGRAMME = _l("Tego miasta nie ma w programie.")
UNKNOWN_ADVISOR = _l("Nie ma takiego doradcy.")
UNKNOWN_FIELD = _l("Nie ma takiej dziedziny.")
CHANGED = _l("Przydziały zmieniły się w międzyczasie. Odśwież stronę i spróbuj ponownie.")


def capacity_full(load: int, capacity: int) -> Message:
    return _l("Doradca ma już pełny limit miast (%(load)d z %(capacity)d).", load=load, capacity=capacity)


# Why a need stays uncovered in a proposal.
WHY_FIELD_INACTIVE = FIELD_INACTIVE
WHY_NOBODY = _l("Żaden dostępny doradca nie ma tej dziedziny w profilu.")
WHY_FULL = _l("Każdy doradca z tą dziedziną ma pełny limit miast albo już pracuje z tym miastem.")
WHY_SHORT = _l("Doradcy z tą dziedziną mają za mało wolnych miejsc dla wszystkich miast.")


def role_label(kind: str, field: ExpertiseField | None) -> Message:
    if kind == AdvisorKind.LEAD or field is None:
        return _l("doradca miasta")
    return _l("ekspert – %(field)s", field=either(field.name_pl, field.name_en))


# --- what the checks read, loaded in bulk ------------------------------------------------------


@dataclass
class _Facts:
    """The current assignments around some towns and advisors; updated as a batch is checked."""

    advisors: dict[int, User]
    profiles: dict[int, AdvisorProfile]
    profile_fields: dict[int, set[int]]
    loads: Counter[int]
    on_town: set[tuple[int, int]]  # (path_id, advisor_id)
    experts: set[tuple[int, int]]  # (path_id, field_id)
    leads: set[int]  # path ids that have a lead
    needs: set[tuple[int, int]]  # (path_id, field_id)

    def capacity(self, advisor_id: int) -> int:
        profile = self.profiles.get(advisor_id)
        return profile.capacity if profile else DEFAULT_CAPACITY

    def available(self, advisor_id: int) -> bool:
        profile = self.profiles.get(advisor_id)
        return self.advisors[advisor_id].active and (profile.available if profile else True)

    def problem(self, path_id: int, advisor_id: int, kind: str,
                field: ExpertiseField | None) -> Message | None:
        """The first reason the assignment may not be made, or None."""
        advisor = self.advisors.get(advisor_id)
        if advisor is None or advisor.role != Role.ADVISOR:
            return NOT_ADVISOR
        if kind not in KINDS:
            return KIND_UNKNOWN
        if kind == AdvisorKind.LEAD and field is not None:
            return LEAD_HAS_NO_FIELD
        if kind == AdvisorKind.EXPERT and field is None:
            return EXPERT_NEEDS_FIELD
        if not self.available(advisor_id):
            return UNAVAILABLE
        if (path_id, advisor_id) in self.on_town:
            return ALREADY_ON_TOWN
        if kind == AdvisorKind.LEAD and path_id in self.leads:
            return LEAD_TAKEN
        if field is not None:
            if not field.active:
                return FIELD_INACTIVE
            if (path_id, field.id) in self.experts:
                return EXPERT_TAKEN
            if field.id not in self.profile_fields.get(advisor_id, set()):
                return NOT_IN_PROFILE
        load, capacity = self.loads[advisor_id], self.capacity(advisor_id)
        if load >= capacity:
            return capacity_full(load, capacity)
        return None

    def record(self, path_id: int, advisor_id: int, kind: str, field_id: int | None) -> None:
        self.loads[advisor_id] += 1
        self.on_town.add((path_id, advisor_id))
        if kind == AdvisorKind.LEAD:
            self.leads.add(path_id)
        elif field_id is not None:
            self.experts.add((path_id, field_id))


def _lock_advisors(advisor_ids: Iterable[int]) -> None:
    """Serialise changes per advisor (PostgreSQL row locks, in id order against deadlocks), so
    two coordinators cannot both fill an advisor's last place. SQLite writes one at a time."""
    ids = sorted(set(advisor_ids))
    if ids:
        db.session.execute(select(User.id).where(User.id.in_(ids)).order_by(User.id).with_for_update())


def _facts(path_ids: set[int], advisor_ids: set[int]) -> _Facts:
    advisors = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(advisor_ids)))}
    profiles = {p.user_id: p for p in db.session.scalars(
        select(AdvisorProfile).where(AdvisorProfile.user_id.in_(advisor_ids)))}
    profile_fields: dict[int, set[int]] = {}
    for advisor_id, field_id in db.session.execute(
            select(advisor_expertise.c.advisor_id, advisor_expertise.c.field_id)
            .where(advisor_expertise.c.advisor_id.in_(advisor_ids))):
        profile_fields.setdefault(advisor_id, set()).add(field_id)
    loads = Counter(dict(db.session.execute(
        select(AdvisorAssignment.advisor_id, func.count())
        .where(AdvisorAssignment.advisor_id.in_(advisor_ids))
        .group_by(AdvisorAssignment.advisor_id)).all()))
    facts = _Facts(advisors, profiles, profile_fields, loads, set(), set(), set(), set())
    for path_id, advisor_id, kind, field_id in db.session.execute(
            select(AdvisorAssignment.path_id, AdvisorAssignment.advisor_id, AdvisorAssignment.kind,
                   AdvisorAssignment.field_id).where(AdvisorAssignment.path_id.in_(path_ids))):
        facts.on_town.add((path_id, advisor_id))
        if kind == AdvisorKind.LEAD:
            facts.leads.add(path_id)
        else:
            facts.experts.add((path_id, field_id))
    facts.needs = {(p, f) for p, f in db.session.execute(
        select(path_need.c.path_id, path_need.c.field_id).where(path_need.c.path_id.in_(path_ids)))}
    return facts


# --- manual changes ----------------------------------------------------------------------------


def _write(path: Path, advisor: User, kind: str, field: ExpertiseField | None, actor: User | None,
           source: str) -> AdvisorAssignment:
    """Add the assignment, its event and the advisor's notification to the session."""
    actor_id = actor.id if actor else None
    row = AdvisorAssignment(path_id=path.id, advisor_id=advisor.id, kind=kind,
                            field_id=field.id if field else None, created_by_id=actor_id)
    db.session.add(row)
    db.session.add(AssignmentEvent(path_id=path.id, advisor_id=advisor.id, kind=kind,
                                   field_id=field.id if field else None, action=AssignmentAction.ASSIGNED,
                                   source=source, actor_id=actor_id))
    _notify(advisor, Kind.ADVISOR_ASSIGNED, path, kind, field)
    audit.record("advisor_assigned", actor=actor, object_type="path", object_id=path.id,
                 programme_id=path.programme_id,
                 detail={"advisor": advisor.email, "kind": kind,
                         "field": field.code if field else None, "source": source})
    return row


def _notify(advisor: User, kind: Kind, path: Path, role: str, field: ExpertiseField | None) -> None:
    locale = advisor.locale or "pl"
    link = (links.path_page(advisor, path.id) if kind == Kind.ADVISOR_ASSIGNED
            else links.absolute("advisor.index"))
    notifications.queue(advisor, kind, town=path.applicant.name, link=link,
                        programme=path.programme, role=in_language(role_label(role, field), locale))


@contextmanager
def one_transaction() -> Iterator[None]:
    """Write, then commit; a unique index refusing a change made meanwhile becomes a refusal.
    Mail leaves only after the commit (the outbox rows were written with the change)."""
    try:
        yield
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise AssignmentRefused([CHANGED]) from exc
    notifications.dispatch()


def assign(path: Path, advisor: User, kind: str, field: ExpertiseField | None, actor: User | None,
           source: AdvisorSource = AdvisorSource.MANUAL) -> AdvisorAssignment:
    """Assign `advisor` to `path` as lead or as the expert of `field`; commit, then notify."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    _lock_advisors([advisor.id])
    facts = _facts({path.id}, {advisor.id})
    problem = facts.problem(path.id, advisor.id, kind, field)
    if problem is not None:
        db.session.rollback()
        raise AssignmentRefused([problem])
    with one_transaction():
        row = _write(path, advisor, kind, field, actor, source)
    return row


def unassign(assignment: AdvisorAssignment, actor: User | None,
             source: AdvisorSource = AdvisorSource.MANUAL) -> None:
    """End an assignment: the row goes, an 'unassigned' event stays; commit, then notify."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    with one_transaction():
        db.session.add(AssignmentEvent(path_id=assignment.path_id, advisor_id=assignment.advisor_id,
                                       kind=assignment.kind, field_id=assignment.field_id,
                                       action=AssignmentAction.UNASSIGNED, source=source,
                                       actor_id=actor.id if actor else None))
        _notify(assignment.advisor, Kind.ADVISOR_UNASSIGNED, assignment.path, assignment.kind,
                assignment.field)
        audit.record("advisor_unassigned", actor=actor, object_type="path",
                     object_id=assignment.path_id, programme_id=assignment.path.programme_id,
                     detail={"advisor": assignment.advisor.email, "kind": assignment.kind,
                             "field": assignment.field.code if assignment.field else None,
                             "source": source})
        db.session.delete(assignment)


# --- the proposal ------------------------------------------------------------------------------


class ProposedPair(NamedTuple):
    path_id: int
    field_id: int
    advisor_id: int
    same_region: bool


@dataclass(frozen=True)
class UncoveredNeed:
    path_id: int
    field_id: int
    reason: Message


@dataclass(frozen=True)
class Proposal:
    programme_id: int
    pairs: list[ProposedPair]
    uncovered: list[UncoveredNeed]
    cost: int
    loads: dict[int, int]  # advisor id -> towns after the proposal is applied (available advisors)


@dataclass(frozen=True)
class AdvisorFacts:
    region: str | None
    capacity: int
    load: int
    fields: frozenset[int]  # active fields of the profile only

    @property
    def remaining(self) -> int:
        return max(self.capacity - self.load, 0)


@dataclass(frozen=True)
class Instance:
    """What a proposal is computed from: plain data, no database."""

    needs: tuple[tuple[int, int], ...]  # (path_id, field_id) not yet covered, sorted
    town_region: dict[int, str]  # path_id -> voivodeship
    advisors: dict[int, AdvisorFacts]  # available advisors only
    on_town: frozenset[tuple[int, int]]  # (path_id, advisor_id) assigned already
    inactive_fields: frozenset[int] = dataclasses.field(default_factory=frozenset)

    def candidates(self, path_id: int, field_id: int) -> list[int]:
        """Advisors who could take this need now (ignoring the rest of the proposal)."""
        if field_id in self.inactive_fields:
            return []
        return [a for a, facts in sorted(self.advisors.items())
                if field_id in facts.fields and facts.remaining > 0 and (path_id, a) not in self.on_town]

    def region_cost(self, path_id: int, advisor_id: int) -> int:
        same = self.advisors[advisor_id].region == self.town_region.get(path_id)
        return 0 if same else REGION_PENALTY


def load_instance(programme: Programme) -> Instance:
    """Read a programme's uncovered needs and the available advisors (five queries)."""
    town_region = dict(db.session.execute(
        select(Path.id, Applicant.voivodeship).join(Applicant, Applicant.id == Path.applicant_id)
        .where(Path.programme_id == programme.id)).all())
    covered: set[tuple[int, int]] = set()
    on_town: set[tuple[int, int]] = set()
    for path_id, advisor_id, field_id in db.session.execute(
            select(AdvisorAssignment.path_id, AdvisorAssignment.advisor_id, AdvisorAssignment.field_id)
            .join(Path, Path.id == AdvisorAssignment.path_id).where(Path.programme_id == programme.id)):
        on_town.add((path_id, advisor_id))
        if field_id is not None:
            covered.add((path_id, field_id))
    needs_rows = db.session.execute(
        select(path_need.c.path_id, path_need.c.field_id, ExpertiseField.active)
        .join(Path, Path.id == path_need.c.path_id)
        .join(ExpertiseField, ExpertiseField.id == path_need.c.field_id)
        .where(Path.programme_id == programme.id)).all()
    needs = tuple(sorted((p, f) for p, f, _ in needs_rows if (p, f) not in covered))
    inactive = frozenset(f for _, f, active in needs_rows if not active)
    load = (select(AdvisorAssignment.advisor_id, func.count().label("n"))
            .group_by(AdvisorAssignment.advisor_id).subquery())
    advisors_rows = db.session.execute(
        select(AdvisorProfile.user_id, AdvisorProfile.region, AdvisorProfile.capacity,
               func.coalesce(load.c.n, 0))
        .join(User, User.id == AdvisorProfile.user_id)
        .outerjoin(load, load.c.advisor_id == AdvisorProfile.user_id)
        .where(User.role == Role.ADVISOR.value, User.active.is_(True), AdvisorProfile.available.is_(True))
    ).all()
    fields: dict[int, set[int]] = {}
    for advisor_id, field_id in db.session.execute(
            select(advisor_expertise.c.advisor_id, advisor_expertise.c.field_id)
            .join(ExpertiseField, ExpertiseField.id == advisor_expertise.c.field_id)
            .where(ExpertiseField.active.is_(True))):
        fields.setdefault(advisor_id, set()).add(field_id)
    advisors = {a: AdvisorFacts(region, capacity, int(n), frozenset(fields.get(a, ())))
                for a, region, capacity, n in advisors_rows}
    return Instance(needs, town_region, advisors, frozenset(on_town), inactive)


def cost_of(instance: Instance, pairs: Iterable[Sequence[Any]]) -> int:
    """The proposal's cost of `pairs` ((path_id, field_id, advisor_id, ...)), uncovered
    needs included. It does not check feasibility."""
    pairs = [(int(p[0]), int(p[1]), int(p[2])) for p in pairs]
    new = Counter(a for _, _, a in pairs)
    load_cost = sum(LOAD_WEIGHT * (x * instance.advisors[a].load + x * (x + 1) // 2) for a, x in new.items())
    region_cost = sum(instance.region_cost(p, a) for p, _, a in pairs)
    uncovered = len(set(instance.needs) - {(p, f) for p, f, _ in pairs})
    return load_cost + region_cost + UNCOVERED_COST * uncovered


def solve(instance: Instance) -> tuple[list[ProposedPair], list[UncoveredNeed], int]:
    """The min-cost flow of the module docstring: (pairs, uncovered needs, cost)."""
    import networkx as nx  # here, not at the top: ~0.25 s of CPU for every process starting the app

    n = len(instance.needs)
    if n * (LOAD_WEIGHT * MAX_CAPACITY + REGION_PENALTY) >= UNCOVERED_COST:
        raise ValueError("too many needs for UNCOVERED_COST to dominate")
    graph = nx.MultiDiGraph()
    graph.add_node("source", demand=-n)
    graph.add_node("sink", demand=n)
    towns_of: dict[int, set[int]] = {}
    for path_id, field_id in instance.needs:
        need = ("need", path_id, field_id)
        graph.add_edge("source", need, capacity=1, weight=UNCOVERED_COST)
        graph.add_edge(need, "sink", capacity=1, weight=0)
        for a in instance.candidates(path_id, field_id):
            towns_of.setdefault(a, set()).add(path_id)
            graph.add_edge(("town", a, path_id), need, capacity=1, weight=instance.region_cost(path_id, a))
    for a, towns in sorted(towns_of.items()):
        facts = instance.advisors[a]
        for k in range(1, min(facts.remaining, len(towns)) + 1):
            graph.add_edge("source", ("advisor", a), capacity=1, weight=LOAD_WEIGHT * (facts.load + k))
        for path_id in sorted(towns):
            graph.add_edge(("advisor", a), ("town", a, path_id), capacity=1, weight=0)
    cost, flow = nx.network_simplex(graph)
    pairs: list[ProposedPair] = []
    for node, targets in flow.items():
        if isinstance(node, tuple) and node[0] == "town":
            _, advisor_id, path_id = node
            for need, by_key in targets.items():
                if sum(by_key.values()):
                    pairs.append(ProposedPair(path_id, need[2], advisor_id,
                                              instance.region_cost(path_id, advisor_id) == 0))
    pairs.sort()
    covered = {(p.path_id, p.field_id) for p in pairs}
    uncovered = [UncoveredNeed(p, f, _why(instance, p, f))
                 for p, f in instance.needs if (p, f) not in covered]
    assert cost == cost_of(instance, pairs), "the flow's cost and cost_of disagree"
    return pairs, uncovered, cost


def _why(instance: Instance, path_id: int, field_id: int) -> Message:
    if field_id in instance.inactive_fields:
        return WHY_FIELD_INACTIVE
    if not any(field_id in f.fields for f in instance.advisors.values()):
        return WHY_NOBODY
    if not instance.candidates(path_id, field_id):
        return WHY_FULL
    return WHY_SHORT


def propose(programme: Programme) -> Proposal:
    """An assignment of experts to the programme's uncovered needs. Saves nothing."""
    instance = load_instance(programme)
    pairs, uncovered, cost = solve(instance)
    new = Counter(p.advisor_id for p in pairs)
    loads = {a: facts.load + new[a] for a, facts in instance.advisors.items()}
    return Proposal(programme.id, pairs, uncovered, cost, loads)


def apply(programme: Programme, pairs: Iterable[Sequence[Any]], actor: User | None,
          source: AdvisorSource = AdvisorSource.PROPOSAL) -> list[AdvisorAssignment]:
    """Save an approved proposal: every (path_id, field_id, advisor_id, ...) is checked again
    now; if any became invalid, nothing is saved and every reason is raised."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    triples = [(row_id(p[0]), row_id(p[1]), row_id(p[2])) for p in pairs]  # guarded before any query
    if not triples:
        return []
    path_ids = {p for p, _, _ in triples}
    advisor_ids = {a for _, _, a in triples}
    _lock_advisors(advisor_ids)
    paths = {p.id: p for p in db.session.scalars(
        select(Path).options(joinedload(Path.applicant))
        .where(Path.id.in_(path_ids), Path.programme_id == programme.id))}
    fields = {f.id: f for f in db.session.scalars(
        select(ExpertiseField).where(ExpertiseField.id.in_({f for _, f, _ in triples})))}
    facts = _facts(set(paths), advisor_ids)
    reasons: list[Message] = []
    accepted: list[tuple[Path, User, ExpertiseField]] = []
    for path_id, field_id, advisor_id in triples:
        path, field_row = paths.get(path_id), fields.get(field_id)
        if path is None:
            problem: Message | None = NOT_IN_PROGRAMME
        elif field_row is None:
            problem = UNKNOWN_FIELD
        elif advisor_id not in facts.advisors:
            problem = UNKNOWN_ADVISOR
        elif (path_id, field_id) not in facts.needs:
            problem = NOT_NEEDED
        else:
            problem = facts.problem(path_id, advisor_id, AdvisorKind.EXPERT, field_row)
        if problem is not None:
            reasons.append(_about(problem, path, field_row, facts.advisors.get(advisor_id)))
            continue
        facts.record(path_id, advisor_id, AdvisorKind.EXPERT, field_id)
        accepted.append((path, facts.advisors[advisor_id], field_row))  # type: ignore[arg-type]
    if reasons:
        db.session.rollback()
        raise AssignmentRefused(reasons)
    with one_transaction():
        rows = [_write(path, advisor, AdvisorKind.EXPERT, field_row, actor, source)
                for path, advisor, field_row in accepted]
    return rows


def _about(problem: Message, path: Path | None, field_row: ExpertiseField | None,
           advisor: User | None) -> Message:
    """The reason prefixed with the town, field and advisor it is about."""
    field_name = either(field_row.name_pl, field_row.name_en) if field_row else "?"
    return _l("%(town)s, %(field)s, %(advisor)s: %(problem)s", town=path.applicant.name if path else "?",
              field=field_name, advisor=advisor.name if advisor else "?", problem=problem)


# --- what the coordinator's pages show ------------------------------------------------------------


@dataclass
class TownRow:
    path: Path
    lead: AdvisorAssignment | None = None
    needs: list[ExpertiseField] = dataclasses.field(default_factory=list)
    experts: dict[int, AdvisorAssignment] = dataclasses.field(default_factory=dict)  # field id -> assignment

    @property
    def unneeded_experts(self) -> list[AdvisorAssignment]:
        """Experts for fields the town no longer marks as needed."""
        needed = {f.id for f in self.needs}
        return [a for f, a in sorted(self.experts.items()) if f not in needed]

    @property
    def missing(self) -> list[ExpertiseField]:
        return [f for f in self.needs if f.id not in self.experts]


def board(programme: Programme, path: Path | None = None) -> list[TownRow]:
    """Every town of the programme (or one) with its lead, needs and experts: three queries."""
    query = (select(Path).join(Applicant, Applicant.id == Path.applicant_id)
             .options(joinedload(Path.applicant)).where(Path.programme_id == programme.id))
    if path is not None:
        query = query.where(Path.id == path.id)
    return _filled([TownRow(p) for p in db.session.scalars(query)])


def _filled(towns: list[TownRow]) -> list[TownRow]:
    """The towns' leads, experts and needs: two queries, whatever the number of towns."""
    rows = {r.path.id: r for r in towns}
    for a in db.session.scalars(
            select(AdvisorAssignment).join(Path, Path.id == AdvisorAssignment.path_id)
            .options(joinedload(AdvisorAssignment.advisor), joinedload(AdvisorAssignment.field))
            .where(AdvisorAssignment.path_id.in_(list(rows)))
            .order_by(AdvisorAssignment.id)):
        if a.kind == AdvisorKind.LEAD:
            rows[a.path_id].lead = a
        elif a.field_id is not None:
            rows[a.path_id].experts[a.field_id] = a
    for path_id, f in db.session.execute(
            select(path_need.c.path_id, ExpertiseField)
            .join(ExpertiseField, ExpertiseField.id == path_need.c.field_id)
            .where(path_need.c.path_id.in_(list(rows))).order_by(ExpertiseField.id)):
        rows[path_id].needs.append(f)
    return towns


_LEAD = aliased(AdvisorAssignment)
_LEAD_ADVISOR = aliased(User)

BOARD = listing.Spec(
    columns=(
        listing.Column("town", Applicant.sort_key),
        listing.Column("voivodeship", Applicant.voivodeship, text=True),
        listing.Column("lead", _LEAD_ADVISOR.sort_key),
    ),
    default="town", search=(Applicant.name, Applicant.voivodeship, _LEAD_ADVISOR.name),
    tiebreak=Path.id,
)


def board_page(programme: Programme, params: listing.Params,
               keep: dict[str, str] | None = None) -> listing.Page[TownRow]:
    """A page of the programme's towns (BOARD) with leads, needs and experts: four queries."""
    query = (select(Path).join(Applicant, Applicant.id == Path.applicant_id)
             .outerjoin(_LEAD, and_(_LEAD.path_id == Path.id, _LEAD.kind == AdvisorKind.LEAD))
             .outerjoin(_LEAD_ADVISOR, _LEAD_ADVISOR.id == _LEAD.advisor_id)
             .options(contains_eager(Path.applicant)).where(Path.programme_id == programme.id))
    page = listing.paged(query, BOARD, params, keep=keep)
    return dataclasses.replace(page, rows=_filled([TownRow(p) for p in page.rows]))


@dataclass(frozen=True)
class BoardCounts:
    towns: int
    without_lead: int
    needs_without_expert: int


def board_counts(programme: Programme) -> BoardCounts:
    """The programme's towns, those without a lead advisor, and needs without an expert (one
    query)."""
    in_programme = Path.programme_id == programme.id
    lead = select(AdvisorAssignment.id).where(AdvisorAssignment.path_id == Path.id,
                                              AdvisorAssignment.kind == AdvisorKind.LEAD)
    expert = select(AdvisorAssignment.id).where(AdvisorAssignment.path_id == path_need.c.path_id,
                                                AdvisorAssignment.field_id == path_need.c.field_id,
                                                AdvisorAssignment.kind == AdvisorKind.EXPERT)
    towns = select(func.count()).select_from(Path).where(in_programme).scalar_subquery()
    leadless = (select(func.count()).select_from(Path).where(in_programme, ~lead.exists())
                .scalar_subquery())
    missing = (select(func.count()).select_from(path_need).join(Path, Path.id == path_need.c.path_id)
               .where(in_programme, ~expert.exists()).scalar_subquery())
    n, without, needs = db.session.execute(select(towns, leadless, missing)).one()
    return BoardCounts(int(n), int(without), int(needs))


def eligible(rows: Sequence[Any], path_id: int, kind: str, field_id: int | None,
             on_town: set[int]) -> list[Any]:
    """Of profiles.advisor_rows(), those who may be assigned to the town as `kind` now.

    `on_town` holds the ids of advisors already on the town. Mirrors _Facts.problem."""
    found = []
    for r in rows:
        if not (r.user.active and r.available) or r.user.id in on_town or r.load >= r.capacity:
            continue
        if kind == AdvisorKind.EXPERT and not any(f.id == field_id and f.active for f in r.fields):
            continue
        found.append(r)
    return found


def history(path: Path) -> list[AssignmentEvent]:
    """The town's assignment changes, newest first (one query)."""
    return list(db.session.scalars(
        select(AssignmentEvent)
        .options(joinedload(AssignmentEvent.advisor), joinedload(AssignmentEvent.actor),
                 joinedload(AssignmentEvent.field))
        .where(AssignmentEvent.path_id == path.id)
        .order_by(AssignmentEvent.created_at.desc(), AssignmentEvent.id.desc())))


def get_assignment(assignment_id: int) -> AdvisorAssignment | None:
    return db.session.get(AdvisorAssignment, assignment_id)

"""Evaluators on applications (services): automatic conflicts, manual rules, the
min-cost-flow proposal against a brute force, the third evaluator rule, the scores."""

from __future__ import annotations

import itertools
import random
import threading
from datetime import date

import pytest
from factories.evaluation import NOW, add_sheet, make_evaluator, make_parts, put
from factories.path import make_programme, make_town
from sqlalchemy import func, select
from support import count
from support.querycount import count_queries

from workflow.advice.assignment import AssignmentRefused
from workflow.evaluation.conflicts import LOAD_WEIGHT, NO_THIRD_CANDIDATE, auto_conflict, conflicts_found
from workflow.evaluation.manual_assignment import (
    ThirdResult,
    assign,
    ensure_third,
    on_sheet_submitted,
    unassign,
)
from workflow.evaluation.proposal import Instance, apply, load_instance, propose, solve
from workflow.evaluation.scores import application_score, application_scores, counted_sheets
from workflow.extensions import db
from workflow.models import (
    AssignmentEvent,
    EvaluatorAssignment,
    EvaluatorProfile,
    ExpertiseField,
    Notification,
    Path,
    PathTransition,
    Score,
    ScoreSheet,
    Service,
    User,
)
from workflow.ranking import runs as ranking_runs
from workflow.refusal import in_language


@pytest.fixture
def setup(world):
    for key in ("a", "b"):
        world.paths[key].state = "evaluation"
    make_parts(world.programme)
    evaluators = [world.users["evaluator"]] + [
        make_evaluator(f"oceniajacy{i}@example.pl", f"Oceniający {i}") for i in range(1, 4)]
    db.session.commit()
    return world, evaluators


# --- conflicts ---------------------------------------------------------------------------------


def test_conflicts_are_found_from_advising_and_the_municipality(setup):
    world, (e0, e1, e2, e3) = setup
    a, b = world.paths["a"], world.paths["b"]
    # e1 is advisor-a (the lead of town a); e2 is advisor-none, who logged a service for b;
    # e3 lives in Wałcz (b); e0 is advisor-b's twin only through an unassignment in the past.
    db.session.add_all([
        EvaluatorProfile(user_id=e1.id, advisor_account_id=world.users["advisor_a"].id),
        EvaluatorProfile(user_id=e2.id, advisor_account_id=world.users["advisor_none"].id),
        EvaluatorProfile(user_id=e3.id, municipality_name="  wałcz "),
        EvaluatorProfile(user_id=e0.id, advisor_account_id=world.users["advisor_b"].id,
                         municipality_name="Poznań"),
    ])
    field = ExpertiseField(code="finance", name_pl="Finanse", name_en="Finance")
    db.session.add(field)
    db.session.flush()
    db.session.add(Service(path_id=b.id, advisor_id=world.users["advisor_none"].id, kind="consultation",
                           held_on=date(2020, 5, 4), duration_minutes=60, field_id=field.id, topic="Budżet"))
    db.session.commit()
    assert conflicts_found(world.programme) == {
        (a.id, e1.id): "advised_town",
        (b.id, e2.id): "advised_town",
        (b.id, e3.id): "municipality",
        (b.id, e0.id): "advised_town",  # advisor-b is the lead of b
    }
    assert auto_conflict(e1, a) == "advised_town" and auto_conflict(e1, b) is None
    assert auto_conflict(e3, b) == "municipality" and auto_conflict(e3, a) is None
    # An advisor who was assigned once and then unassigned still advised the town.
    db.session.add(AssignmentEvent(path_id=a.id, advisor_id=world.users["advisor_none"].id, kind="lead",
                                   action="assigned", source="manual"))
    db.session.commit()
    assert auto_conflict(e2, a) == "advised_town"


# --- manual assignment -------------------------------------------------------------------------


def test_assign_writes_the_row_and_notifies_in_the_same_transaction(setup):
    world, (e0, e1, *_) = setup
    row = assign(world.path("a"), e1, world.users["coordinator"])
    assert (row.role, row.source, row.created_by_id) == ("regular", "manual", world.users["coordinator"].id)
    note = db.session.scalars(select(Notification)).one()
    assert note.recipient_id == e1.id and note.kind == "evaluator_assigned"
    assert "Ostrzeszów" in note.subject and note.status == "sent"


CASES = ["advisor", "inactive", "twice", "declared", "not_in_evaluation", "full", "advised", "third"]


@pytest.mark.parametrize("case", CASES)
def test_assign_refuses_what_breaks_a_rule_and_saves_nothing(setup, case):
    world, (e0, e1, e2, e3) = setup
    a = world.path("a")
    who, role, expected = e3, "regular", ""
    if case == "advisor":
        who, expected = world.users["advisor_none"], "nie jest aktywnym oceniającym"
    elif case == "inactive":
        e3.active = False
        expected = "nie jest aktywnym oceniającym"
    elif case == "twice":
        put(a, e3)
        expected = "już przydzielona"
    elif case == "declared":
        put(a, e3, declaration="conflict", conflict_type="family")
        expected = "zgłosiła konflikt interesów z tym wnioskiem (rodzaj: powiązania rodzinne)"
    elif case == "not_in_evaluation":
        a.state = "formal_check"
        expected = "nie jest na etapie oceny merytorycznej"
    elif case == "full":
        put(a, e0)
        put(a, e1)
        expected = "tylu oceniających, ilu przewiduje program (2)"
    elif case == "advised":
        db.session.add(EvaluatorProfile(user_id=e3.id, advisor_account_id=world.users["advisor_a"].id))
        expected = "ta osoba doradzała temu miastu"
    elif case == "third":
        role, expected = "third", "Trzecia ocena nie jest potrzebna"
    db.session.commit()
    before = (count(EvaluatorAssignment), count(Notification))
    with pytest.raises(AssignmentRefused) as refused:
        assign(world.path("a"), db.session.get(User, who.id), world.users["coordinator"], role=role)
    assert expected in in_language(refused.value.reasons[0], "pl")
    assert (count(EvaluatorAssignment), count(Notification)) == before


def test_a_declared_conflict_frees_the_place_and_stays_on_record(setup):
    world, (e0, e1, e2, e3) = setup
    a = world.path("a")
    put(a, e0)
    conflicted = put(a, e1, declaration="conflict", conflict_type="other")
    assign(world.path("a"), e2, None)  # the conflicted one does not count towards the two
    with pytest.raises(AssignmentRefused) as kept:
        unassign(db.session.get(EvaluatorAssignment, conflicted.id), None)
    assert "zostaje w dokumentacji" in in_language(kept.value.reasons[0], "pl")
    assert db.session.get(EvaluatorAssignment, conflicted.id) is not None


def test_unassign_takes_a_draft_with_it_but_never_a_submitted_sheet(setup):
    world, (e0, e1, *_) = setup
    a = world.path("a")
    drafted, submitted = put(a, e0), put(a, e1)
    add_sheet(drafted, 50, 50, status="draft")
    add_sheet(submitted, 60, 70)
    unassign(db.session.get(EvaluatorAssignment, drafted.id), None)
    assert db.session.get(EvaluatorAssignment, drafted.id) is None
    assert count(ScoreSheet) == 1 and count(Score) == 4
    with pytest.raises(AssignmentRefused) as refused:
        unassign(db.session.get(EvaluatorAssignment, submitted.id), None)
    assert "złożył już kartę oceny" in in_language(refused.value.reasons[0], "pl")
    assert count(EvaluatorAssignment) == 1 and count(ScoreSheet) == 1
    late = put(world.path("b"), e0)
    world.path("b").state = "ranked"
    db.session.commit()
    with pytest.raises(AssignmentRefused) as over:
        unassign(db.session.get(EvaluatorAssignment, late.id), None)
    assert "nie jest na etapie oceny merytorycznej" in in_language(over.value.reasons[0], "pl")
    assert count(EvaluatorAssignment) == 2


# --- the proposal ------------------------------------------------------------------------------


def test_proposal_balances_the_load_and_avoids_conflicts(setup):
    world, (e0, e1, e2, e3) = setup
    for i in range(4):
        make_town(world.programme, f"Miasto {i}", state="evaluation")
    make_town(world.programme, "Jeszcze w naborze")  # not in evaluation: not proposed
    db.session.add(EvaluatorProfile(user_id=e3.id, advisor_account_id=world.users["advisor_a"].id))
    put(world.path("b"), e2, declaration="conflict", conflict_type="family")
    db.session.commit()
    proposal = propose(world.programme)
    by_path: dict[int, set[int]] = {}
    for p in proposal.pairs:
        by_path.setdefault(p.path_id, set()).add(p.evaluator_id)
    in_evaluation = set(db.session.scalars(select(Path.id).where(Path.state == "evaluation")))
    assert set(by_path) == in_evaluation and all(len(v) == 2 for v in by_path.values())
    assert e3.id not in by_path[world.paths["a"].id]  # advised the town
    assert e2.id not in by_path[world.paths["b"].id]  # declared a conflict
    assert proposal.uncovered == []
    loads = proposal.loads
    assert sum(proposal.new.values()) == 12 and max(loads.values()) - min(loads.values()) <= 1
    # Nothing is saved until the proposal is applied.
    assert count(EvaluatorAssignment) == 1 and count(Notification) == 0
    saved = apply(world.programme, proposal.pairs, world.users["coordinator"])
    assert len(saved) == 12 and {r.source for r in saved} == {"proposal"}
    assert count(Notification) == 12
    assert propose(world.programme).pairs == []  # everything is covered now


def test_proposal_says_why_an_application_stays_short(setup):
    world, (e0, e1, e2, e3) = setup
    db.session.add_all([EvaluatorProfile(user_id=e.id, municipality_name="Ostrzeszów") for e in (e0, e1, e2)])
    db.session.commit()
    proposal = propose(world.programme)
    short = {u.path_id: u for u in proposal.uncovered}
    assert set(short) == {world.paths["a"].id}
    assert short[world.paths["a"].id].missing == 1
    assert "dostępnych: 1, brakuje: 1" in in_language(short[world.paths["a"].id].reason, "pl")
    assert (world.paths["a"].id, e3.id) in proposal.pairs


def own_cost(instance: Instance, pairs) -> int:
    """The documented cost model, written out independently of the service."""
    total = 0
    for e, load in instance.loads.items():
        for k in range(1, sum(1 for _, x in pairs if x == e) + 1):
            total += LOAD_WEIGHT * (load + k)
    return total + instance.uncovered_cost * (sum(instance.slots.values()) - len(pairs))


def brute_force(instance: Instance) -> tuple[int, int]:
    """(least cost, most pairs) over every feasible choice: for each application any subset of
    its candidates of at most the missing size."""
    options = []
    for p, slots in sorted(instance.slots.items()):
        cands = instance.candidates(p)
        options.append([[(p, e) for e in combo] for k in range(min(slots, len(cands)) + 1)
                        for combo in itertools.combinations(cands, k)])
    best, most = None, 0
    for choice in itertools.product(*options):
        pairs = [pair for part in choice for pair in part]
        cost = own_cost(instance, pairs)
        best = cost if best is None else min(best, cost)
        most = max(most, len(pairs))
    return best, most


def random_instance(rng: random.Random) -> Instance:
    paths = list(range(1, rng.randint(2, 4) + 1))
    evaluators = list(range(100, 100 + rng.randint(2, 4)))
    slots = {p: rng.randint(1, 2) for p in paths}
    loads = {e: rng.randint(0, 3) for e in evaluators}
    excluded = frozenset((p, e) for p in paths for e in evaluators if rng.random() < 0.3)
    return Instance(slots, loads, excluded)


def test_proposal_cost_is_the_brute_force_optimum():
    seen_short = seen_full = 0
    for seed in range(60):
        instance = random_instance(random.Random(seed))
        pairs, cost = solve(instance)
        optimum, most = brute_force(instance)
        assert cost == optimum == own_cost(instance, pairs), seed
        assert len(pairs) == most, seed  # as many places filled as can be
        assert len(set(pairs)) == len(pairs) and not set(pairs) & instance.excluded, seed
        for p, slots in instance.slots.items():
            assert sum(1 for q, _ in pairs if q == p) <= slots, seed
        if most < sum(instance.slots.values()):
            seen_short += 1
        else:
            seen_full += 1
    assert seen_short and seen_full  # both kinds of instance were tried


def test_proposal_from_the_database_matches_the_brute_force(ctx):
    """The instance read from rows is the one the rules describe: loads from the programme,
    conflicts automatic and declared, people already on an application."""
    programme = make_programme("RL-BRUTE")
    make_parts(programme)
    towns = [make_town(programme, f"Gmina {i}", state="evaluation") for i in range(3)]
    evaluators = [make_evaluator(f"o{i}@example.pl", municipality="Gmina 1" if i == 0 else "")
                  for i in range(3)]
    db.session.commit()
    put(towns[0], evaluators[1])
    put(towns[2], evaluators[2], declaration="conflict", conflict_type="other")
    instance, _, _ = load_instance(programme)
    ids = [e.id for e in evaluators]
    assert instance.slots == {towns[0].id: 1, towns[1].id: 2, towns[2].id: 2}
    assert instance.loads == dict.fromkeys(ids, 0) | {ids[1]: 1}
    assert instance.excluded == {(towns[1].id, ids[0]), (towns[0].id, ids[1]), (towns[2].id, ids[2])}
    proposal = propose(programme)
    assert proposal.cost == brute_force(instance)[0]
    # Filling every place forces it: o1 is the only one left for both Gmina 1 and Gmina 2.
    assert proposal.uncovered == [] and len(proposal.pairs) == 5
    assert proposal.loads[ids[1]] == 3 and sorted(proposal.loads.values()) == [1, 2, 3]


def test_apply_checks_every_pair_again_and_saves_nothing_if_one_is_invalid(setup):
    world, (e0, e1, e2, e3) = setup
    a, b = world.paths["a"].id, world.paths["b"].id
    db.session.add(EvaluatorProfile(user_id=e3.id, municipality_name="Wałcz"))
    other = make_town(make_programme("RL-OTHER"), "Gdzie indziej", state="evaluation")
    db.session.commit()
    pairs = [(a, e0.id), (a, e1.id), (b, e3.id), (a, e2.id), (a, e0.id), (other.id, e0.id), (b, 99999)]
    with pytest.raises(AssignmentRefused) as refused:
        apply(world.programme, pairs, world.users["coordinator"])
    reasons = [in_language(r, "pl") for r in refused.value.reasons]
    assert reasons == [
        "Wałcz, Oceniający 3: Konflikt interesów: ta osoba mieszka lub pracuje w gminie wnioskodawcy.",
        "Ostrzeszów, Oceniający 2: Wniosek ma już tylu oceniających, ilu przewiduje program (2).",
        "Ostrzeszów, evaluator: Ta osoba jest już przydzielona do oceny tego wniosku.",
        "?, evaluator: Tego wniosku nie ma w programie.",
        "Wałcz, ?: Nie ma takiego oceniającego.",
    ]
    assert count(EvaluatorAssignment) == 0 and count(Notification) == 0


# --- the third evaluator -----------------------------------------------------------------------


def two_sheets(path: Path, first: User, second: User, t1: tuple[int, int], t2: tuple[int, int]):
    r1, r2 = put(path, first), put(path, second)
    add_sheet(r1, *t1)
    sheet = add_sheet(r2, *t2)
    return r1, r2, sheet


def thirds() -> list[EvaluatorAssignment]:
    db.session.expire_all()
    return list(db.session.scalars(select(EvaluatorAssignment).where(EvaluatorAssignment.role == "third")))


@pytest.mark.parametrize(("t1", "t2"), [((50, 50), (45, 45)), ((50, 50), (35, 35))],
                         ids=["close", "exactly 30 %"])
def test_no_third_while_the_totals_are_close_enough(setup, t1, t2):
    world, (e0, e1, *_) = setup
    *_, sheet = two_sheets(world.path("a"), e0, e1, t1, t2)
    assert on_sheet_submitted(sheet) == ThirdResult(None, None)
    assert thirds() == [] and count(Notification) == 0


def test_no_third_before_both_sheets_are_in(setup):
    world, (e0, e1, *_) = setup
    a = world.path("a")
    first = put(a, e0)
    put(a, e1)
    sheet = add_sheet(first, 100, 100)
    assert on_sheet_submitted(sheet) == ThirdResult(None, None)
    assert thirds() == []


def test_a_third_is_assigned_once_to_the_least_loaded_evaluator_without_conflict(setup):
    world, (e0, e1, e2, e3) = setup
    a, b = world.path("a"), world.path("b")
    # Every one of these would win on load and id if a rule were forgotten:
    put(a, e2, declaration="conflict", conflict_type="family")  # on the application (declared): load 0
    put(b, e3)  # load 1
    make_evaluator("oceniajacy4@example.pl", "Oceniający 4", municipality="Ostrzeszów")  # load 0, conflict
    make_evaluator("oceniajacy5@example.pl", "Oceniający 5").active = False  # load 0, inactive
    e6 = make_evaluator("oceniajacy6@example.pl", "Oceniający 6")  # load 0: the one
    make_evaluator("oceniajacy7@example.pl", "Oceniający 7")  # load 0 too, but a higher id
    db.session.commit()
    *_, sheet = two_sheets(a, e0, e1, (50, 50), (35, 34))
    result = on_sheet_submitted(sheet)
    assert result.reason is None and result.assignment is not None
    [third] = thirds()
    assert (third.evaluator_id, third.path_id, third.source) == (e6.id, a.id, "third_rule")
    note = db.session.scalars(select(Notification).where(Notification.recipient_id == e6.id)).one()
    assert note.kind == "third_evaluator_needed" and "Ostrzeszów" in note.subject
    # Idempotent: a second call, or the other sheet's call, adds nobody.
    assert on_sheet_submitted(sheet) == ThirdResult(None, None)
    assert len(thirds()) == 1 and count(Notification) == 1
    score = application_score(world.path("a"))
    assert score.third == "assigned" and not score.complete and score.sheets_missing == 1


def test_without_anyone_available_nothing_is_recorded_and_the_reason_is_returned(setup):
    world, (e0, e1, e2, e3) = setup
    for e in (e2, e3):
        db.session.add(EvaluatorProfile(user_id=e.id, municipality_name="Ostrzeszów"))
    db.session.commit()
    *_, sheet = two_sheets(world.path("a"), e0, e1, (100, 100), (10, 10))
    result = on_sheet_submitted(sheet)
    assert result.assignment is None
    assert result.reason == NO_THIRD_CANDIDATE
    assert thirds() == [] and count(Notification) == 0
    assert application_score(world.path("a")).third == "needed"


def test_a_third_who_declares_a_conflict_is_replaced_by_another(setup):
    world, (e0, e1, e2, e3) = setup
    *_, sheet = two_sheets(world.path("a"), e0, e1, (100, 100), (10, 10))
    first = on_sheet_submitted(sheet).assignment
    assert first.evaluator_id == e2.id  # loads 0 and 0: the lower id
    first.declaration, first.conflict_type = "conflict", "family"
    db.session.commit()
    assert application_score(world.path("a")).third == "needed"
    second = ensure_third(world.path("a")).assignment
    assert second is not None and second.evaluator_id == e3.id
    assert len(thirds()) == 2
    assert ensure_third(world.path("a")) == ThirdResult(None, None)


# --- the scores --------------------------------------------------------------------------------


def test_application_scores_show_every_step(setup):
    world, (e0, e1, e2, e3) = setup
    a, b = world.path("a"), world.path("b")
    r1, r2, _ = two_sheets(a, e0, e1, (100, 100), (40, 40))  # 200 vs 80: a third is needed
    third = put(a, e2, role="third")
    add_sheet(third, 90, 95)  # 185: closest to 200
    put(a, e3, declaration="conflict", conflict_type="other")
    two_sheets(b, e2, e3, (91, 97), (90, 95))
    db.session.add(PathTransition(path_id=a.id, seq=1, event="submit_application", from_state="x",
                                  to_state="formal_check", created_at=NOW))
    db.session.add(PathTransition(path_id=a.id, seq=2, event="pass_formal_check", from_state="formal_check",
                                  to_state="evaluation", created_at=NOW))
    db.session.commit()
    scores = {s.path_id: s for s in application_scores(world.programme)}
    sa, sb = scores[a.id], scores[b.id]
    assert [(r.evaluator_id, r.role, r.position, r.counted) for r in sa.rows] == [
        (e0.id, "regular", 0, True), (e1.id, "regular", 1, False), (e3.id, "regular", None, False),
        (e2.id, "third", 2, True)]
    assert [s.total for s in sa.sheets] == [200, 80, 185]
    assert sa.final.counted == (0, 2) and sa.final.total == 192.5
    assert sa.final.parts == {"PRL": 95, "PRI": 97.5} and sa.final.spread == 120
    assert sa.third == "submitted" and sa.complete and sa.sheets_missing == 0
    assert sa.submitted_at == NOW and sa.formal_check_passed
    assert sb.third == "not_needed" and sb.final.counted == (0, 1) and sb.final.total == 186.5
    assert sb.rows[0].parts == {"PRL": 91, "PRI": 97} and not sb.formal_check_passed


def test_one_reader_gives_the_ranking_and_the_scores_the_same_sheets(setup):
    """counted_sheets: submitted, current round, no declared conflict; regular ones by
    assignment id, then the third; the ranking's inputs and the scores both read it."""
    world, (e0, e1, e2, e3) = setup
    a, b = world.path("a"), world.path("b")
    add_sheet(put(a, e0), 100, 100)
    add_sheet(put(a, e2, role="third"), 90, 95)  # assigned before the second regular: still last
    add_sheet(put(a, e1), 40, 40)
    add_sheet(put(a, e3), 50, 50, status="draft")  # a draft does not count
    add_sheet(put(b, e0, declaration="impartial"), 110, 120)  # round 1
    b.evaluation_round = 2  # an upheld appeal re-opened b: round 1 is history
    current = put(b, e1, declaration="impartial")
    conflicted = put(b, e2)  # a sheet in, then a conflict on record: it does not count
    current.round = conflicted.round = 2
    db.session.commit()
    add_sheet(current, 91, 97)
    add_sheet(conflicted, 60, 60)
    conflicted.declaration, conflicted.conflict_type = "conflict", "family"
    db.session.commit()

    counted = counted_sheets(world.programme.id)
    assert counted.part_codes == ("PRL", "PRI")
    assert [(s.evaluator_email, s.role, s.parts, s.total) for s in counted.of(a.id)] == [
        (e0.email, "regular", {"PRL": 100, "PRI": 100}, 200),
        (e1.email, "regular", {"PRL": 40, "PRI": 40}, 80),
        (e2.email, "third", {"PRL": 90, "PRI": 95}, 185)]
    assert [(s.evaluator_email, s.total) for s in counted.of(b.id)] == [(e1.email, 188)]
    assert [s.path_id for s in counted_sheets(world.programme.id, path_ids=[b.id]).of(b.id)] == [b.id]
    assert counted_sheets(world.programme.id, path_ids=[b.id]).of(a.id) == ()
    assert counted_sheets(world.programme.id, states=["ranked"]).by_path == {}

    inputs = {app.path_id: app.sheets for app in ranking_runs.load_inputs(world.programme)}
    scores = {s.path_id: s.sheets for s in application_scores(world.programme)}
    for path in (a, b):
        expected = tuple(s.totals for s in counted.of(path.id))
        assert inputs[path.id] == scores[path.id] == expected
        assert application_score(path).sheets == expected
    rows = {r.evaluator_id: r for r in application_score(b).rows}
    assert rows[e2.id].submitted and rows[e2.id].parts is None and rows[e2.id].position is None
    assert rows[e1.id].position == 0 and rows[e1.id].total == 188


def test_application_scores_read_in_a_fixed_number_of_queries(setup):
    world, evaluators = setup

    def grow(n: int) -> None:
        for i in range(n):
            path = make_town(world.programme, f"Gmina {n}-{i}", state="evaluation")
            db.session.flush()
            first, second = evaluators[i % 4], evaluators[(i + 1) % 4]
            r1, r2 = put(path, first), put(path, second)
            add_sheet(r1, 50 + i % 7, 60)
            add_sheet(r2, 40, 70 - i % 5)

    grow(3)
    programme_id = world.programme.id  # loads the expired programme outside the count
    with count_queries(db.engine) as few:
        small = application_scores(world.programme)
    grow(27)
    assert world.programme.id == programme_id
    with count_queries(db.engine) as many:
        large = application_scores(world.programme)
    assert (len(small), len(large)) == (5, 32)
    assert many.count == few.count <= 5, many


# --- at the same moment (PostgreSQL, where requests really run in parallel) ----------------------

THREADS = 6


def race(app, calls) -> list[str]:
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(call) -> None:
        with app.app_context():
            try:
                barrier.wait()
                result = call()
            except AssignmentRefused as refused:
                result = in_language(refused.reasons[0], "pl")
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return outcomes


def test_parallel_requests_add_one_third_and_no_more_than_two_regulars(app, setup, is_postgres):
    if not is_postgres:
        pytest.skip("needs PostgreSQL (set TEST_DATABASE_URL); make test runs it there")
    world, (e0, e1, e2, e3) = setup
    others = [make_evaluator(f"rownolegly{i}@example.pl") for i in range(THREADS)]
    db.session.commit()
    two_sheets(world.path("a"), e0, e1, (100, 100), (10, 10))
    ids = {"a": world.paths["a"].id, "b": world.paths["b"].id, "others": [o.id for o in others]}
    db.session.remove()

    def third() -> str:
        result = ensure_third(db.session.get(Path, ids["a"]))
        return "ok" if result.assignment is not None else "none"

    outcomes = race(app, [third] * THREADS)
    assert sorted(outcomes) == ["none"] * (THREADS - 1) + ["ok"], outcomes

    def regular(evaluator_id: int):
        return lambda: assign(db.session.get(Path, ids["b"]), db.session.get(User, evaluator_id),
                                 None) and "ok"

    outcomes = race(app, [regular(e) for e in ids["others"]])
    assert outcomes.count("ok") == 2, outcomes
    assert all("ilu przewiduje program" in o for o in outcomes if o != "ok"), outcomes
    with app.app_context():
        assert len(thirds()) == 1
        assert db.session.scalar(select(func.count()).select_from(EvaluatorAssignment)
                                 .where(EvaluatorAssignment.path_id == ids["b"])) == 2

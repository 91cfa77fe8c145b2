"""Advisor profiles, fields, manual assignment and the min-cost-flow proposal (services)."""

from __future__ import annotations

import random
import threading

import pytest
from factories.advice import make_advisor
from factories.path import make_programme, make_town
from sqlalchemy import func, select
from support import count

from workflow.advice import assignment, profiles
from workflow.advice.assignment import LOAD_WEIGHT, REGION_PENALTY, UNCOVERED_COST, AssignmentRefused
from workflow.advice.profiles import ProfileError
from workflow.extensions import db
from workflow.models import (
    AdvisorAssignment,
    AdvisorProfile,
    AssignmentEvent,
    ExpertiseField,
    Notification,
    User,
)
from workflow.refusal import in_language


@pytest.fixture
def fields(world) -> dict[str, ExpertiseField]:
    return profiles.ensure_default_fields()


# --- fields and profiles -----------------------------------------------------------------------


def test_default_fields_are_created_once(ctx):
    first = profiles.ensure_default_fields()
    codes = [f.code for f in sorted(first.values(), key=lambda f: f.id)]
    assert codes == [c for c, _, _ in profiles.DEFAULT_FIELDS]
    assert first["public_finance"].name_pl == "Finanse publiczne"
    assert first["institutional_development"].name_en == "Institutional development"
    again = profiles.ensure_default_fields()
    assert count(ExpertiseField) == 8
    assert {c: f.id for c, f in again.items()} == {c: f.id for c, f in first.items()}


def test_field_add_rename_and_withdraw(world, fields):
    culture = profiles.add_field("culture", "Kultura", "Culture")
    assert culture.active
    with pytest.raises(ProfileError) as taken:
        profiles.add_field("culture", "Kultura 2", "Culture 2")
    assert taken.value.field == "code" and "już istnieje" in in_language(taken.value.message, "pl")
    with pytest.raises(ProfileError) as bad:
        profiles.add_field("Kultura!", "Coś", "Something")
    assert bad.value.field == "code"
    with pytest.raises(ProfileError) as same_name:
        profiles.add_field("culture2", "kultura", "Culture")
    assert same_name.value.field == "name_pl"
    profiles.rename_field(culture, "Kultura i sport", "Culture and sport")
    assert db.session.get(ExpertiseField, culture.id).name_pl == "Kultura i sport"
    assert db.session.get(ExpertiseField, culture.id).code == "culture"

    advisor = make_advisor("kultura@example.pl", fields=[culture])
    db.session.commit()
    profiles.deactivate_field(culture)
    assert culture not in profiles.active_fields()
    # Kept where it already is...
    profiles.update_profile(advisor, field_ids=[culture.id, fields["transport"].id], region=None,
                            capacity=2, available=True)
    assert {f.code for f in profiles.get_profile(advisor).fields} == {"culture", "transport"}
    # ...but not added anew, to a profile or to a town's needs.
    other = make_advisor("inna@example.pl")
    db.session.commit()
    with pytest.raises(ProfileError) as withdrawn:
        profiles.update_profile(other, field_ids=[culture.id], region=None, capacity=2, available=True)
    assert "wycofana" in in_language(withdrawn.value.message, "pl")
    with pytest.raises(ProfileError):
        profiles.set_path_needs(world.path("a"), [culture.id])


def test_profile_is_checked(world, fields):
    advisor = world.user("advisor_none")
    saved = profiles.update_profile(advisor, field_ids=[fields["transport"].id], region="pomorskie",
                                    capacity=60, available=False, note="  urlop  ")
    assert (saved.region, saved.capacity, saved.available, saved.note) == ("pomorskie", 60, False, "urlop")
    for kwargs, field in (({"capacity": 61}, "capacity"), ({"capacity": -1}, "capacity"),
                          ({"region": "Bawaria"}, "region"), ({"field_ids": [999999]}, "fields")):
        args = {"field_ids": [], "region": None, "capacity": 3, "available": True, **kwargs}
        with pytest.raises(ProfileError) as refused:
            profiles.update_profile(advisor, **args)
        assert refused.value.field == field
    with pytest.raises(ProfileError):
        profiles.get_profile(world.user("town_a"))
    db.session.rollback()
    assert db.session.get(AdvisorProfile, advisor.id).capacity == 60


def test_path_needs_are_set_and_unset(world, fields):
    path = world.path("a")
    profiles.set_path_needs(path, [fields["transport"].id, fields["environment"].id])
    assert [f.code for f in profiles.needs_of(path)] == ["environment", "transport"]
    profiles.set_path_needs(path, [fields["transport"].id])
    assert [f.code for f in profiles.needs_of(path)] == ["transport"]
    profiles.set_path_needs(path, [])
    assert profiles.needs_of(path) == []


def test_advisor_rows_show_fields_and_load(world, fields):
    make_advisor("ekspert@example.pl", region="pomorskie", capacity=5, fields=[fields["transport"]])
    db.session.commit()
    rows = {r.user.email: r for r in profiles.advisor_rows()}
    assert rows["advisor-a@example.pl"].load == 1 and rows["advisor-a@example.pl"].profile is None
    assert rows["advisor-a@example.pl"].capacity == profiles.DEFAULT_CAPACITY
    expert = rows["ekspert@example.pl"]
    assert [f.code for f in expert.fields] == ["transport"] and expert.load == 0 and expert.capacity == 5
    assert "coordinator@example.pl" not in rows


# --- manual assignment -------------------------------------------------------------------------


def test_assign_writes_the_row_the_event_and_a_notification(world, fields):
    expert = make_advisor("ekspert@example.pl", fields=[fields["transport"]])
    db.session.commit()
    coordinator = world.user("coordinator")
    row = assignment.assign(world.path("a"), expert, "expert", fields["transport"], coordinator)
    assert (row.kind, row.field_id, row.created_by_id) == ("expert", fields["transport"].id, coordinator.id)
    event = db.session.scalar(select(AssignmentEvent))
    assert (event.action, event.kind, event.source, event.actor_id, event.advisor_id, event.field_id) == (
        "assigned", "expert", "manual", coordinator.id, expert.id, fields["transport"].id)
    assert event.created_at is not None
    note = db.session.scalar(select(Notification).where(Notification.recipient_id == expert.id))
    assert note.kind == "advisor_assigned" and note.status == "sent"  # delivered after the commit
    assert note.subject == "Przydzielono Ci miasto: Ostrzeszów"
    assert "ekspert – Transport" in note.body and "Rozwój Lokalny test" in note.body


def test_unassign_keeps_the_history_and_notifies(world, fields):
    lead = db.session.scalar(select(AdvisorAssignment).where(AdvisorAssignment.kind == "lead"))
    advisor_id = lead.advisor_id
    assignment.unassign(lead, world.user("coordinator"))
    assert count(AdvisorAssignment) == 1
    event = db.session.scalar(select(AssignmentEvent))
    assert (event.action, event.kind, event.advisor_id) == ("unassigned", "lead", advisor_id)
    note = db.session.scalar(select(Notification).where(Notification.recipient_id == advisor_id))
    assert note.kind == "advisor_unassigned" and "doradca miasta" in note.body


def refusal(call) -> str:
    before = (count(AdvisorAssignment), count(AssignmentEvent), count(Notification))
    with pytest.raises(AssignmentRefused) as refused:
        call()
    assert (count(AdvisorAssignment), count(AssignmentEvent), count(Notification)) == before
    return in_language(refused.value.reasons[0], "pl")


def test_assign_refuses_what_breaks_a_rule(world, fields):
    transport, environment = fields["transport"], fields["environment"]
    expert = make_advisor("ekspert@example.pl", capacity=2, fields=[transport, environment])
    other = make_advisor("drugi@example.pl", fields=[transport])
    away = make_advisor("urlop@example.pl", fields=[transport], available=False)
    db.session.commit()
    a, b = world.path("a"), world.path("b")
    coordinator = world.user("coordinator")
    assignment.assign(a, expert, "expert", transport, coordinator)

    assert "nie jest doradcą" in refusal(lambda: assignment.assign(b, coordinator, "lead", None, coordinator))
    assert "ma już doradcę miasta" in refusal(
        lambda: assignment.assign(a, world.user("advisor_none"), "lead", None, coordinator))
    assert "ma już eksperta w tej dziedzinie" in refusal(
        lambda: assignment.assign(a, other, "expert", transport, coordinator))
    assert "już przydzielony do tego miasta" in refusal(
        lambda: assignment.assign(a, expert, "expert", environment, coordinator))
    assert "nie ma tej dziedziny w swoim profilu" in refusal(
        lambda: assignment.assign(b, other, "expert", environment, coordinator))
    assert "niedostępny" in refusal(lambda: assignment.assign(b, away, "expert", transport, coordinator))
    assignment.assign(b, expert, "expert", transport, coordinator)
    third = make_town(world.programme, "Żnin")
    db.session.commit()
    assert "pełny limit miast (2 z 2)" in refusal(
        lambda: assignment.assign(third, expert, "expert", environment, coordinator))
    profiles.deactivate_field(transport)
    assert "wycofana" in refusal(lambda: assignment.assign(third, other, "expert", transport, coordinator))
    assert "Wybierz dziedzinę" in refusal(
        lambda: assignment.assign(third, other, "expert", None, coordinator))


# --- the proposal --------------------------------------------------------------------------------


def test_proposal_prefers_the_region_and_balances_the_load(ctx):
    fields = profiles.ensure_default_fields()
    transport = fields["transport"]
    programme = make_programme()
    waw = make_town(programme, "Sochaczew", "mazowieckie")
    gda = make_town(programme, "Lębork", "pomorskie")
    busy = make_advisor("zajety@example.pl", region="mazowieckie", capacity=5, fields=[transport])
    idle = make_advisor("wolny@example.pl", region="mazowieckie", capacity=5, fields=[transport])
    north = make_advisor("polnoc@example.pl", region="pomorskie", capacity=5, fields=[transport])
    for n in range(2):  # busy already advises two other towns
        db.session.add(AdvisorAssignment(path=make_town(make_programme(f"X{n}"), f"X{n}"), advisor=busy,
                                         kind="lead"))
    db.session.flush()
    profiles.set_path_needs(waw, [transport.id])
    profiles.set_path_needs(gda, [transport.id])
    proposal = assignment.propose(programme)
    assert set(proposal.pairs) == {(waw.id, transport.id, idle.id, True),
                                   (gda.id, transport.id, north.id, True)}
    assert proposal.uncovered == []
    assert proposal.cost == 2 * LOAD_WEIGHT * 1
    assert proposal.loads[busy.id] == 2 and proposal.loads[idle.id] == 1 and proposal.loads[north.id] == 1
    assert count(AdvisorAssignment) == 2  # nothing saved


def test_each_further_town_costs_more_so_work_is_spread(ctx):
    """X is free, Y already has a town; three towns need the field. Giving X all three costs
    10 + 20 + 30 = 60; X two and Y one costs 10 + 20 + 20 = 50: the proposal spreads."""
    fields = profiles.ensure_default_fields()
    f = fields["economic_development"]
    programme = make_programme()
    towns = [make_town(programme, name, "opolskie") for name in ("Olesno", "Brzeg", "Nysa")]
    x = make_advisor("x@example.pl", region="opolskie", capacity=5, fields=[f])
    y = make_advisor("y@example.pl", region="opolskie", capacity=5, fields=[f])
    db.session.add(AdvisorAssignment(path=make_town(make_programme("X"), "X"), advisor=y, kind="lead"))
    db.session.flush()
    for t in towns:
        profiles.set_path_needs(t, [f.id])
    proposal = assignment.propose(programme)
    assert proposal.cost == 50
    assert sorted(p.advisor_id for p in proposal.pairs) == sorted([x.id, x.id, y.id])
    assert proposal.loads == {x.id: 2, y.id: 2}


def test_proposal_covers_what_a_greedy_choice_would_miss(ctx):
    """X is the same-region expert of A; Y already leads B, so Y can only take A. Taking the
    nearest expert first would leave B without one; the optimum sends Y to A and X to B."""
    fields = profiles.ensure_default_fields()
    f1 = fields["public_finance"]
    programme = make_programme()
    a = make_town(programme, "Ostrzeszów", "wielkopolskie")
    b = make_town(programme, "Wałcz", "zachodniopomorskie")
    x = make_advisor("x@example.pl", region="wielkopolskie", capacity=1, fields=[f1])
    y = make_advisor("y@example.pl", region="śląskie", capacity=2, fields=[f1])
    db.session.add(AdvisorAssignment(path=b, advisor=y, kind="lead"))
    db.session.flush()
    profiles.set_path_needs(a, [f1.id])
    profiles.set_path_needs(b, [f1.id])
    proposal = assignment.propose(programme)
    assert set(proposal.pairs) == {(a.id, f1.id, y.id, False), (b.id, f1.id, x.id, False)}
    # x takes a first town (10 * 1), y a second (10 * 2), both from another region (2 * 30).
    assert proposal.cost == 10 * 1 + 10 * 2 + 2 * REGION_PENALTY == 90
    instance = assignment.load_instance(programme)
    assert assignment.cost_of(instance, proposal.pairs) == 90
    assert assignment.cost_of(instance, [(a.id, f1.id, x.id)]) == 10 + UNCOVERED_COST


def test_uncovered_needs_say_why(ctx):
    fields = profiles.ensure_default_fields()
    programme = make_programme()
    towns = [make_town(programme, name) for name in ("Kolno", "Śrem", "Olesno")]
    full = make_advisor("pelny@example.pl", capacity=1, fields=[fields["transport"]])
    db.session.add(AdvisorAssignment(path=make_town(make_programme("X"), "X"), advisor=full, kind="lead"))
    short = make_advisor("jeden@example.pl", capacity=1, fields=[fields["environment"]])
    db.session.flush()
    profiles.set_path_needs(towns[0], [fields["transport"].id, fields["city_marketing"].id,
                                       fields["environment"].id])
    profiles.set_path_needs(towns[1], [fields["environment"].id, fields["spatial_planning"].id])
    profiles.deactivate_field(fields["spatial_planning"])
    proposal = assignment.propose(programme)
    assert len(proposal.pairs) == 1 and proposal.pairs[0].advisor_id == short.id
    reasons = {(u.path_id, fields_code(u.field_id)): in_language(u.reason, "pl") for u in proposal.uncovered}
    assert "pełny limit" in reasons[(towns[0].id, "transport")]
    assert "Żaden dostępny doradca" in reasons[(towns[0].id, "city_marketing")]
    assert "wycofana" in reasons[(towns[1].id, "spatial_planning")]
    env_town = towns[1].id if proposal.pairs[0].path_id == towns[0].id else towns[0].id
    assert "za mało wolnych miejsc" in reasons[(env_town, "environment")]
    assert proposal.cost >= 4 * UNCOVERED_COST


def fields_code(field_id: int) -> str:
    return db.session.get(ExpertiseField, field_id).code


# --- brute force on small random instances ----------------------------------------------------

REGIONS = ("mazowieckie", "pomorskie", "śląskie")


def build_random(rng: random.Random, fields: list[ExpertiseField], code: str):
    """A random programme; returns what the brute force needs, from the test's own data."""
    programme = make_programme(code)
    towns = [make_town(programme, f"{code} miasto {i}", rng.choice(REGIONS))
             for i in range(rng.randint(3, 5))]
    advisors = []
    for i in range(rng.randint(2, 4)):
        own = rng.sample(fields, rng.randint(1, 3))
        advisors.append(make_advisor(f"{code.lower()}-{i}@example.pl", rng.choice((*REGIONS, None)),
                                     rng.randint(1, 3), own, available=rng.random() > 0.1))
    db.session.flush()
    load = {a.id: 0 for a in advisors}
    on_town: set[tuple[int, int]] = set()
    for t in towns:  # some towns already have a lead among them, which takes a place
        if rng.random() < 0.4:
            a = rng.choice(advisors)
            db.session.add(AdvisorAssignment(path_id=t.id, advisor_id=a.id, kind="lead"))
            load[a.id] += 1
            on_town.add((t.id, a.id))
    needs = []
    for t in towns:
        for f in rng.sample(fields, rng.randint(1, 2)):
            needs.append((t.id, f.id))
    by_town: dict[int, list[int]] = {}
    for t, f in needs:
        by_town.setdefault(t, []).append(f)
    for t in towns:
        profiles.set_path_needs(t, by_town.get(t.id, []), commit=False)
    db.session.commit()
    info = {a.id: {"region": db.session.get(AdvisorProfile, a.id).region,
                   "capacity": db.session.get(AdvisorProfile, a.id).capacity,
                   "available": db.session.get(AdvisorProfile, a.id).available,
                   "fields": {f.id for f in db.session.get(AdvisorProfile, a.id).fields},
                   "load": load[a.id]} for a in advisors}
    region_of = {t.id: t.applicant.voivodeship for t in towns}
    return programme, sorted(needs), info, on_town, region_of


def own_cost(pairs, needs, info, region_of) -> int:
    """The documented cost model, written out independently of the service."""
    new: dict[int, int] = {}
    total = 0
    for pair in pairs:
        p, a = pair[0], pair[2]
        new[a] = new.get(a, 0) + 1
        total += LOAD_WEIGHT * (info[a]["load"] + new[a])
        total += 0 if info[a]["region"] == region_of[p] else REGION_PENALTY
    return total + UNCOVERED_COST * (len(needs) - len(pairs))


def brute_force(needs, info, on_town, region_of) -> tuple[int, int]:
    """(the least cost, the most needs covered) over every feasible assignment."""
    best = [None, 0]
    chosen: list[tuple[int, int, int]] = []
    used = {a: 0 for a in info}
    busy = set(on_town)

    def go(i: int) -> None:
        if i == len(needs):
            cost = own_cost(chosen, needs, info, region_of)
            if best[0] is None or cost < best[0]:
                best[0] = cost
            best[1] = max(best[1], len(chosen))
            return
        go(i + 1)  # leave the need uncovered
        p, f = needs[i]
        for a, d in info.items():
            if (d["available"] and f in d["fields"] and (p, a) not in busy
                    and d["load"] + used[a] < d["capacity"]):
                chosen.append((p, f, a))
                used[a] += 1
                busy.add((p, a))
                go(i + 1)
                busy.discard((p, a))
                used[a] -= 1
                chosen.pop()

    go(0)
    return best[0], best[1]


SEEDS = range(40)


@pytest.mark.slow  # a brute force over many instances
def test_proposal_cost_is_the_brute_force_optimum(ctx):
    """40 seeded random instances, each a programme with advisors of its own (one test: the
    tables are emptied once, which on PostgreSQL is what costs time)."""
    all_fields = profiles.ensure_default_fields()
    fields = [all_fields[c] for c in ("spatial_planning", "public_finance", "transport")]
    uncovered_somewhere = fully_covered = 0
    for seed in SEEDS:
        rng = random.Random(seed)
        programme, needs, info, on_town, region_of = build_random(rng, fields, f"BF{seed}")
        optimum, most_covered = brute_force(needs, info, on_town, region_of)

        proposal = assignment.propose(programme)
        assert proposal.cost == optimum, seed
        assert own_cost(proposal.pairs, needs, info, region_of) == proposal.cost, seed
        assert assignment.cost_of(assignment.load_instance(programme), proposal.pairs) == proposal.cost
        # Feasible: capacity, profile fields, availability, once per town, once per need.
        new: dict[int, int] = {}
        for p, f, a, same in proposal.pairs:
            new[a] = new.get(a, 0) + 1
            assert info[a]["available"] and f in info[a]["fields"] and (p, a) not in on_town, seed
            assert same == (info[a]["region"] == region_of[p]), seed
        assert all(info[a]["load"] + n <= info[a]["capacity"] for a, n in new.items()), seed
        assert len({(p, a) for p, _, a, _ in proposal.pairs}) == len(proposal.pairs), seed
        assert len({(p, f) for p, f, _, _ in proposal.pairs}) == len(proposal.pairs), seed
        assert len(proposal.pairs) == most_covered, seed
        if most_covered == len(needs):
            assert proposal.uncovered == [], seed
            fully_covered += 1
        else:
            uncovered_somewhere += 1
        assert len(proposal.pairs) + len(proposal.uncovered) == len(needs), seed
        # Advisors serve every programme: take this instance's out of the next one.
        for profile in db.session.scalars(select(AdvisorProfile).where(AdvisorProfile.user_id.in_(info))):
            profile.available = False
        db.session.commit()
    assert fully_covered >= 5 and uncovered_somewhere >= 5  # the instances try both cases


# --- applying an approved proposal -----------------------------------------------------------------


def two_needs(world, fields):
    transport = fields["transport"]
    expert = make_advisor("ekspert@example.pl", capacity=2, fields=[transport])
    db.session.commit()
    profiles.set_path_needs(world.path("a"), [transport.id])
    profiles.set_path_needs(world.path("b"), [transport.id])
    return expert, transport


def test_apply_saves_the_proposal_with_events_and_notifications(world, fields):
    expert, transport = two_needs(world, fields)
    proposal = assignment.propose(world.programme)
    assert len(proposal.pairs) == 2
    rows = assignment.apply(world.programme, proposal.pairs, actor=world.user("coordinator"))
    assert len(rows) == 2 and count(AdvisorAssignment) == 4
    events = list(db.session.scalars(select(AssignmentEvent)))
    assert {(e.source, e.action, e.actor_id) for e in events} == {("proposal", "assigned",
                                                                   world.users["coordinator"].id)}
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.recipient_id == expert.id)) == 2
    assert assignment.propose(world.programme).pairs == []  # everything is covered now


def test_apply_as_the_demo_without_an_actor(world, fields):
    two_needs(world, fields)
    proposal = assignment.propose(world.programme)
    assignment.apply(world.programme, proposal.pairs, actor=None, source="demo")
    assert {(e.source, e.actor_id) for e in db.session.scalars(select(AssignmentEvent))} == {("demo", None)}


def test_apply_checks_every_pair_again_and_saves_nothing_if_one_is_invalid(world, fields):
    expert, transport = two_needs(world, fields)
    proposal = assignment.propose(world.programme)
    # Meanwhile the expert took another town by hand, which fills their limit of 2.
    elsewhere = make_town(world.programme, "Żnin")
    db.session.commit()
    assignment.assign(elsewhere, expert, "expert", transport, world.user("coordinator"))
    before = (count(AdvisorAssignment), count(AssignmentEvent), count(Notification))
    with pytest.raises(AssignmentRefused) as refused:
        assignment.apply(world.programme, proposal.pairs, actor=world.user("coordinator"))
    assert any("pełny limit miast (2 z 2)" in in_language(r, "pl") for r in refused.value.reasons)
    assert any(in_language(r, "pl").startswith(("Wałcz, Transport, ekspert:", "Ostrzeszów, Transport"))
               for r in refused.value.reasons)
    assert (count(AdvisorAssignment), count(AssignmentEvent), count(Notification)) == before


@pytest.mark.parametrize("case", ["profile", "covered", "duplicate", "programme", "unknown", "need"])
def test_apply_refuses_pairs_that_became_invalid(world, fields, case):
    expert, transport = two_needs(world, fields)
    a, b = world.paths["a"].id, world.paths["b"].id
    pairs = [(a, transport.id, expert.id), (b, transport.id, expert.id)]
    if case == "profile":
        profiles.update_profile(expert, field_ids=[], region=None, capacity=2, available=True)
        expected = "nie ma tej dziedziny"
    elif case == "covered":
        other = make_advisor("inny@example.pl", fields=[transport])
        db.session.commit()
        assignment.assign(world.path("a"), other, "expert", transport, None)
        expected = "ma już eksperta"
    elif case == "duplicate":
        pairs = [(a, transport.id, expert.id), (a, transport.id, expert.id)]
        expected = "już przydzielony do tego miasta"
    elif case == "programme":
        foreign = make_town(make_programme("INNY"), "Łobez")
        db.session.commit()
        pairs.append((foreign.id, transport.id, expert.id))
        expected = "nie ma w programie"
    elif case == "unknown":
        pairs.append((a, transport.id, 999999))
        expected = "Nie ma takiego doradcy"
    else:
        profiles.set_path_needs(world.path("b"), [])
        expected = "nie potrzebuje"
    before = (count(AdvisorAssignment), count(AssignmentEvent), count(Notification))
    with pytest.raises(AssignmentRefused) as refused:
        assignment.apply(world.programme, pairs, actor=world.user("coordinator"))
    assert any(expected in in_language(r, "pl") for r in refused.value.reasons), refused.value.reasons
    assert (count(AdvisorAssignment), count(AssignmentEvent), count(Notification)) == before


# --- two coordinators at once (PostgreSQL, where requests really run in parallel) -----------------

THREADS = 6


def race(app, calls) -> list[str]:
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(call) -> None:
        with app.app_context():
            try:
                barrier.wait()
                call()
                result = "ok"
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


def test_parallel_assignments_keep_the_limit_and_one_expert_per_field(app, world, fields, is_postgres):
    if not is_postgres:
        pytest.skip("needs PostgreSQL (set TEST_DATABASE_URL); make test runs it there")
    transport = fields["transport"]
    last_place = make_advisor("ostatnie@example.pl", capacity=1, fields=[transport])
    experts = [make_advisor(f"e{i}@example.pl", fields=[transport]) for i in range(THREADS)]
    towns = [make_town(world.programme, f"Miasto {i}") for i in range(THREADS)]
    db.session.commit()
    ids = {"one": last_place.id, "experts": [e.id for e in experts], "towns": [t.id for t in towns],
           "field": transport.id, "a": world.paths["a"].id}
    db.session.remove()

    def assign_ids(path_id: int, advisor_id: int):
        from workflow.models import Path
        return lambda: assignment.assign(db.session.get(Path, path_id), db.session.get(User, advisor_id),
                                         "expert", db.session.get(ExpertiseField, ids["field"]), None)

    # One advisor with one free place, six towns at once: exactly one gets them.
    outcomes = race(app, [assign_ids(t, ids["one"]) for t in ids["towns"]])
    assert outcomes.count("ok") == 1, outcomes
    assert all("pełny limit" in o for o in outcomes if o != "ok"), outcomes
    # Six experts for the same field of one town at once: exactly one is assigned.
    outcomes = race(app, [assign_ids(ids["a"], e) for e in ids["experts"]])
    assert outcomes.count("ok") == 1, outcomes
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AdvisorAssignment).where(
            AdvisorAssignment.path_id == ids["a"], AdvisorAssignment.field_id == ids["field"])) == 1
        assert db.session.scalar(select(func.count()).select_from(AdvisorAssignment).where(
            AdvisorAssignment.advisor_id == ids["one"])) == 1
        assert db.session.scalar(select(func.count()).select_from(AssignmentEvent)) == 2

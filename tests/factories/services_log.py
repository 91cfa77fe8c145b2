"""A consultation log generated from a seed, for the services report and its exports: four
towns (two of them sort differently in Polish than by code point), four advisors, three
fields, drafts that must count nowhere, a person who attends services in several towns, a
person seen only in drafts, studies, months on both sides of a new year with an empty
month between them. `expected` and `expected_by` compute the report's numbers again from
the generator's own lists (never from the database)."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import insert

from factories.accounts import make_user
from factories.path import make_town
from workflow.advice import service_totals
from workflow.extensions import db
from workflow.models import ExpertiseField, Person, Programme, Service, Study, service_participant

TOWNS = {"a": "Ostrzeszów", "b": "Wałcz", "c": "Łobez", "d": "Zduny"}
ADVISORS = {"lech": "Lech Nowak", "lucja": "Łucja Zielińska", "zbigniew": "Zbigniew Adamski",
            "zaneta": "Żaneta Ćwik"}
FIELDS = {"planning": "Planowanie przestrzenne", "finance": "Finanse publiczne", "env": "Środowisko"}
MONTHS = ((2019, 11), (2019, 12), (2020, 2))  # January 2020: no services at all
KINDS = ("consultation",) * 5 + ("workshop",) * 3 + ("study",) * 2 + ("other",)
PEOPLE_PER_TOWN = 6
SHARED = ("a", 0)  # Janina Wspólna of Ostrzeszów, who also attends in the other towns
DRAFT_ONLY = ("d", PEOPLE_PER_TOWN)  # seen only in drafts: no one counts her
SHARED_NAME, DRAFT_ONLY_NAME = "Janina Wspólna", "Dorota Szkicowa"


def person_name(person: tuple[str, int]) -> str:
    if person == SHARED:
        return SHARED_NAME
    if person == DRAFT_ONLY:
        return DRAFT_ONLY_NAME
    return f"Uczestnik {TOWNS[person[0]]} {person[1]}"


@dataclass
class Gen:
    """One service as the generator made it."""

    town: str
    advisor: str
    field: str
    kind: str
    held_on: date
    minutes: int
    status: str
    topic: str
    people: list[tuple[str, int]] = field(default_factory=list)
    studies: int = 0


def generate(n: int, seed: int = 2020) -> list[Gen]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        town = "abcd"[i % 4]
        kind = rnd.choice(KINDS)
        year, month = rnd.choice(MONTHS)
        draft = i % 9 == 4
        own = [(town, j) for j in range(PEOPLE_PER_TOWN)]
        people = rnd.sample(own, rnd.randint(0, 5))
        if i % 5 == 0 and SHARED not in people:
            people.append(SHARED)
        if draft and town == "d":
            people.append(DRAFT_ONLY)
        out.append(Gen(
            town=town, advisor=rnd.choice(list(ADVISORS)), field=rnd.choice(list(FIELDS)), kind=kind,
            held_on=date(year, month, rnd.randint(1, 28)), minutes=rnd.choice((30, 45, 60, 90, 180)),
            status="draft" if draft else "logged", topic=f"Temat {i}", people=people,
            studies=rnd.randint(0, 2) if kind in ("consultation", "study") else 0,
        ))
    return out


@dataclass
class Log:
    """The rows the generator's services were written to: ids by the generator's keys."""

    programme: Programme
    paths: dict[str, int]
    advisors: dict[str, int]
    fields: dict[str, int]
    persons: dict[tuple[str, int], int]
    services: list[Gen] = field(default_factory=list)


def build_log(world, services: list[Gen]) -> Log:  # noqa: ANN001
    """Towns, advisors, fields and people for the generator, then its services."""
    world.users["advisor_a"].name = ADVISORS["lech"]
    world.users["advisor_b"].name = ADVISORS["lucja"]
    others = {"zbigniew": make_user("zbigniew@example.pl", "advisor"),
              "zaneta": make_user("zaneta@example.pl", "advisor")}
    others["zbigniew"].name, others["zaneta"].name = ADVISORS["zbigniew"], ADVISORS["zaneta"]
    world.paths["c"] = make_town(world.programme, TOWNS["c"])
    world.paths["d"] = make_town(world.programme, TOWNS["d"])
    fields = {code: ExpertiseField(code=code, name_pl=name, name_en=code.title())
              for code, name in FIELDS.items()}
    db.session.add_all(fields.values())
    db.session.flush()
    persons = {}
    for town in TOWNS:
        for j in range(PEOPLE_PER_TOWN + (1 if town == "d" else 0)):
            person = Person(applicant_id=world.paths[town].applicant_id, name=person_name((town, j)))
            db.session.add(person)
            persons[(town, j)] = person
    db.session.flush()
    log = Log(
        programme=world.programme,
        paths={k: p.id for k, p in world.paths.items()},
        advisors={"lech": world.users["advisor_a"].id, "lucja": world.users["advisor_b"].id,
                  **{k: u.id for k, u in others.items()}},
        fields={k: f.id for k, f in fields.items()},
        persons={k: p.id for k, p in persons.items()},
    )
    db.session.commit()
    add_services(log, services)
    return log


def add_services(log: Log, services: list[Gen]) -> None:
    """Bulk inserts: services, then their participants and studies."""
    logged_at = datetime(2020, 3, 1, tzinfo=UTC)
    rows = [{"path_id": log.paths[s.town], "advisor_id": log.advisors[s.advisor],
             "field_id": log.fields[s.field], "kind": s.kind, "held_on": s.held_on,
             "duration_minutes": s.minutes, "topic": s.topic, "format": "on_site", "status": s.status,
             "logged_at": logged_at if s.status == "logged" else None} for s in services]
    ids = list(db.session.scalars(
        insert(Service).returning(Service.id, sort_by_parameter_order=True), rows))
    participants = [{"service_id": sid, "person_id": log.persons[p]}
                    for sid, s in zip(ids, services, strict=True) for p in s.people]
    studies = [{"service_id": sid, "title": f"Opracowanie {sid}.{k}", "kind": "analysis"}
               for sid, s in zip(ids, services, strict=True) for k in range(s.studies)]
    if participants:
        db.session.execute(insert(service_participant), participants)
    if studies:
        db.session.execute(insert(Study), studies)
    service_totals.rebuild(log.programme.id)  # bulk INSERTs pass beside the ORM, as the demo's do
    db.session.commit()
    log.services.extend(services)


# --- the numbers, computed again from the generator's lists ------------------------------------

def expected(services: list[Gen]) -> dict[str, int]:
    logged = [s for s in services if s.status == "logged"]
    return {
        "services": len(logged),
        "consultations": sum(s.kind == "consultation" for s in logged),
        "workshops": sum(s.kind == "workshop" for s in logged),
        "study_services": sum(s.kind == "study" for s in logged),
        "other": sum(s.kind == "other" for s in logged),
        "studies": sum(s.studies for s in logged),
        "participations": sum(len(s.people) for s in logged),
        "people": len({p for s in logged for p in s.people}),
        "minutes": sum(s.minutes for s in logged),
    }


def expected_by(services: list[Gen], key: Callable[[Gen], str]) -> dict[str, dict[str, int]]:
    groups: dict[str, list[Gen]] = defaultdict(list)
    for s in services:
        if s.status == "logged":
            groups[key(s)].append(s)
    return {k: expected(v) for k, v in groups.items()}

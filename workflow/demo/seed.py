"""The demo programme RL-2020: 54 real towns spread over the path, 74 advisors,
12 evaluators and a coordinator. Deterministic: the same towns, people, states and
history every time; only the calendar is anchored to the day of seeding (or --today),
so that the demo's deadlines lie ahead of whoever starts it.

The history is made by firing transitions through the engine, with documents stored
through the upload service, so the demo obeys the same rules as real use.
"""

from __future__ import annotations

import io
import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path as FsPath
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import select
from werkzeug.security import generate_password_hash

import states
from states.definition import PathDefinition
from workflow.demo import advisory as demo_advisory
from workflow.demo import evaluation as demo_evaluation
from workflow.demo import monitoring as demo_monitoring
from workflow.demo import partnerships as demo_partnerships
from workflow.demo import results as demo_results
from workflow.demo.parts import Town, delivered, load_all_towns, pdf_bytes, route_to
from workflow.evaluation import criteria
from workflow.evaluation import summary as evaluation_summary
from workflow.extensions import db
from workflow.messaging import notifications
from workflow.models import (
    AdvisorAssignment,
    Applicant,
    ApplicantMember,
    AssignmentEvent,
    Document,
    Municipality,
    Path,
    Programme,
    StageDeadline,
    User,
)
from workflow.path import documents, transitions

PROGRAMME_CODE = "RL-2020"
DOMAIN = "demo.sciezka.pl"
# The ten largest cities of the source list are not "medium and small towns"; the other
# 54 of its 64 names make the programme's 54 (docs/decisions/0003-demo-towns.md).
LARGE_CITIES = frozenset({
    "Kraków", "Gdańsk", "Lublin", "Bydgoszcz", "Gdynia", "Częstochowa", "Radom", "Toruń",
    "Rzeszów", "Gliwice",
})
N_TOWNS, N_ADVISORS, N_EVALUATORS = 54, 74, 12
DEFAULT_PASSWORD = "demo"  # noqa: S105  (the documented demo password)

PATH = states.get_definition("rozwoj-lokalny")
# How many of the 54 towns stand in each state of the path, in the definition's order of
# states (town01 always at the very start, the initial state): the three steps of each plan,
# the application's draft and return, the formal check, evaluation, the ranking, no results
# yet (reserve, awarded, not awarded), one rejected at the formal check, one withdrawn.
TOWNS_PER_STATE = (6, 4, 2, 5, 4, 2, 5, 3, 2, 5, 1, 4, 7, 2, 0, 0, 0, 1, 1)
SPREAD = tuple((state.code, n) for state, n in zip(PATH.states, TOWNS_PER_STATE, strict=True) if n)
DEADLINE_DAYS = {"diagnosis": 14, "prl": 45, "pri": 75, "application": 105}

FIRST = ("Anna", "Piotr", "Katarzyna", "Tomasz", "Magdalena", "Paweł", "Agnieszka", "Marcin",
         "Joanna", "Michał", "Ewa", "Krzysztof", "Małgorzata", "Andrzej", "Barbara", "Jakub",
         "Monika", "Łukasz", "Aleksandra", "Grzegorz")
LAST_F = ("Nowak", "Kowalska", "Wiśniewska", "Wójcik", "Kowalczyk", "Kamińska", "Lewandowska",
          "Zielińska", "Szymańska", "Woźniak", "Dąbrowska", "Kozłowska", "Jankowska")
LAST_M = ("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski",
          "Zieliński", "Szymański", "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski")


def load_towns(csv_path: FsPath | None = None) -> list[Town]:
    """The 54 demo towns, in the order of the source list."""
    return [t for t in load_all_towns(csv_path) if t.name not in LARGE_CITIES][:N_TOWNS]


def person_name(i: int) -> str:
    first = FIRST[i % len(FIRST)]
    female = first.endswith("a") and first != "Jakub"
    last = (LAST_F if female else LAST_M)[(i * 7) % len(LAST_F)]
    return f"{first} {last}"


def email(kind: str, n: int | None = None) -> str:
    return f"{kind}{n:02d}@{DOMAIN}" if n is not None else f"{kind}@{DOMAIN}"


def erase_database() -> None:
    """Drop every table of the database, the migrations' own included (`flask demo reset`)."""
    db.session.remove()
    everything = sa.MetaData()
    everything.reflect(bind=db.engine)
    everything.drop_all(bind=db.engine)
    db.engine.dispose()


def seed(password: str, today: date | None = None) -> tuple[bool, list[str]]:
    """Create the demo once. Returns (created, login lines to print)."""
    logins = [
        f"koordynator / coordinator: {email('coordinator')}",
        f"miasta / towns:            {email('town', 1)} … {email('town', N_TOWNS)}",
        f"doradcy / advisors:        {email('advisor', 1)} … {email('advisor', N_ADVISORS)}",
        f"oceniający / evaluators:   {email('evaluator', 1)} … {email('evaluator', N_EVALUATORS)}",
        *demo_monitoring.logins(),
        f"partnerstwa / partnerships: {demo_partnerships.email(1)} … "
        f"{demo_partnerships.email(demo_partnerships.N_PARTNERSHIPS)} (członkowie / members: "
        f"{demo_partnerships.email(1, 2)} …)",
        "hasło / password:          " + ("demo" if password == DEFAULT_PASSWORD else "(DEMO_PASSWORD)"),
    ]
    if db.session.scalar(select(Programme.id).where(Programme.code == PROGRAMME_CODE)):
        return False, logins
    # The overview's lines are recomputed once at the end (part of the scores are written with
    # bulk INSERTs anyway), not for the touched paths at each of the seed's thousand commits.
    with evaluation_summary.held():
        _create(password, today)
    evaluation_summary.rebuild()
    db.session.commit()
    return True, logins


def _create(password: str, today: date | None) -> None:
    """Every row of the demo (`seed` checks that there is none yet)."""
    definition = PATH
    zone = ZoneInfo("Europe/Warsaw")
    today = today or datetime.now(zone).date()
    hashed = generate_password_hash(password)  # one hash for every demo account: fast

    programme = Programme(code=PROGRAMME_CODE, title_pl="Rozwój Lokalny 2020",
                          title_en="Local Development 2020", path_code=definition.code,
                          timezone="Europe/Warsaw")
    # The advisory period opens with the demo's history (today - 200 days).
    programme.advice_starts_on, programme.advice_ends_on = demo_advisory.advice_period(today)
    db.session.add(programme)
    db.session.flush()
    for stage, days in DEADLINE_DAYS.items():
        due = datetime.combine(today + timedelta(days=days), time(23, 59), tzinfo=zone)
        db.session.add(StageDeadline(programme_id=programme.id, stage=stage, due_at=due))

    coordinator = User(email=email("coordinator"), name="Koordynator Programu",
                       password_hash=hashed, role="coordinator")
    advisors = [User(email=email("advisor", n), name=person_name(n - 1), password_hash=hashed,
                     role="advisor") for n in range(1, N_ADVISORS + 1)]
    evaluators = [User(email=email("evaluator", n), name=person_name(n + 40),
                       password_hash=hashed, role="evaluator")
                  for n in range(1, N_EVALUATORS + 1)]
    db.session.add_all([coordinator, *advisors, *evaluators])

    towns = load_towns()
    paths: list[Path] = []
    town_users: list[User] = []
    start = datetime.combine(today - timedelta(days=200), time(10, 0), tzinfo=zone)
    for n, town in enumerate(towns, start=1):
        municipality = Municipality(name=town.name, voivodeship=town.voivodeship, teryt=town.teryt)
        applicant = Applicant(kind="town", name=town.name, voivodeship=town.voivodeship)
        applicant.memberships.append(ApplicantMember(municipality=municipality, is_leader=True))
        user = User(email=email("town", n), name=f"Zespół Miejski {town.name}",
                    password_hash=hashed, role="town", applicant=applicant)
        created = start + timedelta(hours=n - 1)
        path = Path(programme=programme, applicant=applicant, state=definition.initial,
                    created_at=created, updated_at=created)
        db.session.add_all([municipality, applicant, user, path])
        paths.append(path)
        town_users.append(user)
    db.session.flush()
    for path, advisor in zip(paths, advisors, strict=False):
        db.session.add(AdvisorAssignment(path_id=path.id, advisor_id=advisor.id, kind="lead",
                                         created_at=start))
        db.session.add(AssignmentEvent(path_id=path.id, advisor_id=advisor.id, kind="lead",
                                       action="assigned", source="demo", created_at=start))
    db.session.commit()
    criteria.ensure_sheet(programme)  # the score sheet its path starts with
    # From here on the seed holds ids, not rows: every commit of the engine (about 2,800)
    # expires each row the session still holds, and 200 held rows made that a fifth of the
    # seed's time. Each step loads the few rows it works on.
    path_ids, town_user_ids = [p.id for p in paths], [u.id for u in town_users]
    advisor_ids, coordinator_id = [a.id for a in advisors], coordinator.id
    del paths, town_users, advisors, evaluators, coordinator, path, advisor, user, municipality, applicant

    targets = [state for state, count in SPREAD for _ in range(count)]
    rest = targets[1:]
    random.Random(2020).shuffle(rest)  # noqa: S311  (a fixed demo order, not security)
    targets = [targets[0], *rest]
    programme_id = programme.id
    # The histories' messages (RL-2020's moves, its advisory and open sheets, RL-2019's
    # evaluation) are held, then recorded as delivered when they were made, at once.
    with notifications.held():
        for i, (path_id, target) in enumerate(zip(path_ids, targets, strict=True)):
            _walk(db.session.get_one(Path, path_id), definition, target,
                  db.session.get_one(User, town_user_ids[i]), db.session.get_one(User, advisor_ids[i]),
                  db.session.get_one(User, coordinator_id), start + timedelta(hours=i))
        by_id = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(advisor_ids)))}
        demo_advisory.seed_advisory(programme, [by_id[i] for i in advisor_ids], today)
        del by_id
        # The second programme, RL-2019: the same towns, scored and ready to rank (issue 4).
        earlier = demo_evaluation.seed_evaluation(today)
        earlier_id = earlier.id if earlier is not None else None
        # RL-2020's applications in evaluation: sheets still to fill, for the evaluator's journey.
        coordinator = db.session.get_one(User, coordinator_id)
        demo_evaluation.seed_open_sheets(programme, coordinator, today)
    delivered(programme_id)
    if earlier_id is not None:
        delivered(earlier_id)
    # The public-services monitoring: the 32 cities in exchange groups (issue 16 item 7).
    demo_monitoring.seed_monitoring(hashed, coordinator, today)
    # RL-2019's projects name result indicators of the base (decision 0040), followed once awarded.
    demo_results.seed_result_indicators()
    # The partnerships' programme, CWD-2020 (issue 14): its leads are the towns' advisors.
    by_id = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(advisor_ids)))}
    demo_partnerships.seed_partnerships({t.name: by_id[a] for t, a in zip(towns, advisor_ids, strict=False)},
                                        coordinator, hashed, today)


def _walk(path: Path, definition: PathDefinition, target: str, town_user: User,
          advisor: User, coordinator: User, start: datetime) -> None:
    """Move one path to `target` through the engine, at moments spread over the past."""
    moment = start
    for event in route_to(definition, target):
        moment += timedelta(days=9)
        transition = definition.transition_from(path.state, event)
        assert transition is not None  # noqa: S101  (route_to only yields legal events)
        stage = definition.state(path.state).stage
        if "document_attached" in transition.guards:
            _document(path, stage, town_user, moment - timedelta(days=2))
        if "amount_requested" in transition.guards:
            path.requested_amount = requested_amount(path.id)
        if "advisor_signed_off" in transition.guards:
            signoff = documents.sign_off(path, stage, advisor)
            signoff.created_at = moment - timedelta(days=1)
            db.session.commit()
        if "applicant" in transition.roles:
            actor = town_user
        elif "advisor" in transition.roles:
            actor = advisor
        else:
            actor = coordinator
        comment = ""
        if transition.comment_required:
            comment = "Proszę uzupełnić analizę danych demograficznych i załączniki."
        transitions.fire(path, event, actor, comment, now=moment)


def requested_amount(path_id: int) -> Decimal:
    """A deterministic request between 10 and 40 mln zł, in whole thousands."""
    return Decimal(10_000_000 + (path_id * 7_919_000) % 30_000_000).quantize(Decimal("0.01"))


def _document(path: Path, stage: str, user: User, when: datetime) -> Document:
    name = {"diagnosis": "diagnoza", "prl": "plan-rozwoju-lokalnego",
            "pri": "plan-rozwoju-instytucjonalnego", "application": "wniosek"}[stage]
    content = pdf_bytes(f"{path.applicant.name} - {name} (demo, path {path.id})")
    document = documents.store_upload(path, stage, f"{name}.pdf", io.BytesIO(content), user)
    document.uploaded_at = when
    db.session.commit()
    return document

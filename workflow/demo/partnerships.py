"""The demo programme CWD-2020 ("Centrum Wsparcia Doradczego – pilotaż", 2020–2022,
10 mln zł): 33 small-town partnerships, one per town of the source list's "small-town
partnerships" (data/seed_towns.csv `seed_list`), in the list's order.

Each partnership's leader is the town's gmina, its members the other gminas of its powiat
from the TERYT register (data/teryt/, in code order, at most MAX_GMINAS in all: 3 to 11
gminas), and every third one also has the powiat (then an association of local
governments). Logins: cwd01@ … cwd33@ for the leaders, cwd01-02@ … for the members in that
order (the powiat last), password as the rest of the demo.

The partnerships are spread over the CWD path by firing its transitions through the engine
(states/partnership.py), with documents uploaded, every member's approval, public
consultations published and closed with comments and answers, and a project package with
the key project's schedule: the demo obeys the rules real use does. A few consultations are
open today. Each partnership's lead advisor is the RL-2020 advisor of the same town; its
sector expert comes from the min-cost assignment (workflow/advice/assignment.py) over one
need per partnership; a small consultation log follows. Deterministic: one seeded
random.Random, ordered queries; only the calendar follows `today`.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, inspect, select, update

import states
from workflow.advice import assignment, profiles, service_totals
from workflow.consultation import moves
from workflow.consultation import operations as consultations
from workflow.consultation.public import CommentInput, check_comment
from workflow.demo.parts import Town, delivered, load_all_towns, pdf_bytes, route_to
from workflow.extensions import db
from workflow.messaging import notifications
from workflow.models import (
    AdvisorAssignment,
    AdvisorKind,
    AdvisorProfile,
    AdvisorSource,
    AssignmentEvent,
    ConsultationComment,
    Document,
    DocumentApproval,
    LegalForm,
    Path,
    Person,
    Programme,
    ProjectStatus,
    Service,
    ServiceRate,
    StageDeadline,
    Study,
    User,
    path_need,
    service_participant,
)
from workflow.monitoring import units
from workflow.partnership import setup
from workflow.partnership.setup import MemberSpec
from workflow.path import documents, transitions
from workflow.projects import operations as projects

PROGRAMME_CODE = "CWD-2020"
SEED_LIST = "small-town partnerships"
N_PARTNERSHIPS = 33
MAX_GMINAS = 11
SEED = 2020_09
ZONE = ZoneInfo("Europe/Warsaw")
DEADLINE_DAYS = {"work_plan": 30, "diagnosis": 60, "strategy": 120, "feasibility": 180,
                 "preliminary_application": 240}
CWD = states.get_definition("partnerstwa")
# How many partnerships stand in each state, in the definition's order of states: the work
# plan's three, the diagnosis's five (draft, consultation, after it, submitted, returned), the
# strategy's five, the feasibility stage's three, the preliminary application's three,
# completed, withdrawn. cwd01 stands at the first state of the diagnosis (the stage after the
# work plan), for the journey of the guide: upload, publish, comments, approvals, submission.
PER_STATE = (2, 1, 0, 5, 3, 2, 2, 1, 4, 2, 1, 1, 1, 2, 1, 0, 2, 1, 0, 1, 1)
SPREAD = tuple((state.code, n) for state, n in zip(CWD.states, PER_STATE, strict=True) if n)
FIRST_TARGET = next(state.code for state in CWD.states if state.stage == CWD.stages[1].code)
STEP = timedelta(days=9)  # between two moves of the demo's history
CONSULTATION_DAYS = 21
DOCUMENT_NAMES = {"work_plan": "plan-pracy", "diagnosis": "diagnoza-partnerstwa",
                  "strategy": "strategia-partnerstwa", "feasibility": "analizy-wykonalnosci",
                  "preliminary_application": "wstepny-wniosek"}
COMMENTS = (
    ("Proszę uwzględnić dojazdy uczniów do szkół ponadpodstawowych.", "Uzupełniliśmy rozdział o dojazdach."),
    ("Brakuje danych o jakości powietrza w sezonie grzewczym.", "Dodaliśmy dane WIOŚ za dwa ostatnie lata."),
    ("Ścieżka rowerowa powinna łączyć wszystkie gminy partnerstwa.",
     "Projekt obejmie odcinki we wszystkich gminach."),
    ("Warto pokazać, ilu młodych wyjeżdża na studia i nie wraca.",
     "Dodaliśmy wyniki ankiety wśród młodzieży."),
)
PROJECTS = (
    ("Zintegrowany system transportu publicznego partnerstwa", "iit", 12_000_000),
    ("Szlak rowerowy łączący gminy partnerstwa", "zit", 6_000_000),
    ("Centrum usług społecznych", "national", 3_000_000),
)
OFFICE = {"1": "Burmistrz", "2": "Wójt", "3": "Burmistrz"}  # by the TERYT code's kind digit
FIRST = ("Anna", "Piotr", "Katarzyna", "Tomasz", "Magdalena", "Paweł", "Agnieszka", "Marcin",
         "Joanna", "Michał", "Ewa", "Krzysztof", "Małgorzata", "Andrzej", "Barbara", "Jakub")
LAST = ("Nowak", "Wójcik", "Kowalczyk", "Woźniak", "Mazur", "Krawczyk", "Kaczmarek", "Zając",
        "Król", "Wróbel", "Dudek", "Pawlak", "Walczak", "Sikora", "Baran", "Wilk", "Lis")
INSTITUTIONAL = "institutional_development"
STUDY_TITLE = "Portret partnerstwa – diagnoza obszaru funkcjonalnego"
SERVICE_KINDS = ("consultation", "consultation", "workshop", "consultation", "study", "other")
DURATIONS = {"consultation": 120, "workshop": 360, "study": 240, "other": 90}
RATES_FROM = date(2000, 1, 1)  # the demo's rates are in force for every service of the log
RATES = {"consultation": 350, "workshop": 300, "study": 400, "other": 250}  # zł an hour


@dataclass
class Seeded:
    path: Path
    leader: User
    members: list[User]  # every member's account, the leader first
    lead: User
    n: int


def small_towns() -> list[Town]:
    """The source list's small towns of the partnerships programme, in its order."""
    return [t for t in load_all_towns() if SEED_LIST in t.seed_list][:N_PARTNERSHIPS]


def email(n: int, member: int | None = None) -> str:
    return f"cwd{n:02d}@demo.sciezka.pl" if member is None else f"cwd{n:02d}-{member:02d}@demo.sciezka.pl"


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def seed_partnerships(leads: dict[str, User], coordinator: User, password_hash: str,
                      today: date) -> list[Seeded]:
    """The programme, its partnerships, their paths, team and log; commits. `leads`: the
    RL-2020 advisor of each town, by the town's name."""
    rng = random.Random(SEED)  # noqa: S311  (a fixed demo, not security)
    programme = Programme(code=PROGRAMME_CODE, title_pl="Centrum Wsparcia Doradczego – pilotaż",
                          title_en="Advisory Support Centre – pilot", path_code=CWD.code,
                          timezone="Europe/Warsaw", budget=Decimal("10000000.00"))
    programme.advice_starts_on = today - timedelta(days=400)
    programme.advice_ends_on = today + timedelta(days=300)
    db.session.add(programme)
    db.session.flush()
    for stage, days in DEADLINE_DAYS.items():
        due = datetime.combine(today + timedelta(days=days), time(23, 59), tzinfo=ZONE)
        db.session.add(StageDeadline(programme_id=programme.id, stage=stage, due_at=due))
    towns = small_towns()
    groups = []
    for n, town in enumerate(towns, start=1):
        codes = [town.teryt, *setup.neighbours_in_powiat(town.teryt)[: MAX_GMINAS - 1]]
        if n % 3 == 0:
            codes.append(town.powiat)
        groups.append(codes)
    units.ensure([c for codes in groups for c in codes])  # the register read once
    # The history's moments in UTC: a later --today moves every one of them by exactly as much.
    start = datetime.combine(today - timedelta(days=400), time(8, 0), tzinfo=UTC)
    seeded: list[Seeded] = []
    for n, (town, codes) in enumerate(zip(towns, groups, strict=True), start=1):
        specs = [MemberSpec(code, email=email(n) if i == 0 else email(n, i + 1), person=person(rng),
                            office="Starosta" if len(code) == 4 else OFFICE.get(code[-1], "Wójt"))
                 for i, code in enumerate(codes)]
        form = (LegalForm.ASSOCIATION if n % 3 == 0 else
                LegalForm.MUNICIPAL_UNION if n % 5 == 0 else LegalForm.AGREEMENT)
        made = setup.create(specs[0], specs[1:], legal_form=form, programme=programme,
                            name=f"Partnerstwo {town.name}", password_hash=password_hash,
                            created_at=start + timedelta(hours=n), commit=False)
        assert made.path is not None  # noqa: S101  (a programme was given)
        lead = leads[town.name]
        db.session.add(AdvisorAssignment(path_id=made.path.id, advisor_id=lead.id, kind="lead",
                                         created_at=start))
        db.session.add(AssignmentEvent(path_id=made.path.id, advisor_id=lead.id, kind="lead",
                                       action="assigned", source="demo", created_at=start))
        seeded.append(Seeded(made.path, made.users[codes[0]], [made.users[c] for c in codes], lead, n))
    db.session.commit()
    rest = [state for state, count in SPREAD for _ in range(count)]
    rest.remove(FIRST_TARGET)
    rng.shuffle(rest)
    coordinator_id, programme_id = _id(coordinator), _id(programme)
    with notifications.held():
        _team(programme, seeded, rng, start)
        for s, target in zip(seeded, [FIRST_TARGET, *rest], strict=True):
            _reload([s])
            _walk(s, target, coordinator_id, start + timedelta(hours=s.n), today)
    _reload(seeded)
    programme = db.session.get(Programme, programme_id)
    delivered(programme.id)
    _log(programme, seeded, rng, today)
    return seeded


def _reload(seeded: list[Seeded]) -> None:
    """These partnerships' rows afresh in an emptied session: a commit expires every object
    the session holds, so a session that kept every partnership's rows would spend the
    seed's time expiring them."""
    ids = [(_id(s.path), _id(s.leader), _id(s.lead), [_id(u) for u in s.members]) for s in seeded]
    db.session.expunge_all()
    for s, (path_id, leader_id, lead_id, member_ids) in zip(seeded, ids, strict=True):
        s.path, s.leader, s.lead = (db.session.get(Path, path_id), db.session.get(User, leader_id),
                                    db.session.get(User, lead_id))
        s.members = [db.session.get(User, i) for i in member_ids]


def _id(row: object) -> int:
    """The primary key of a row the session holds (even expired)."""
    return int(inspect(row).identity[0])


# --- the advisor team -------------------------------------------------------------------------


def _team(programme: Programme, seeded: list[Seeded], rng: random.Random, start: datetime) -> None:
    """The lead advisors take a second path (their profile's capacity grows by one); one
    sector need per partnership, covered by the min-cost assignment's proposal (offered two
    more places per sector expert; each keeps as many more as partnerships it took)."""
    fields = profiles.ensure_default_fields(commit=False)
    leads = sorted({s.lead.id for s in seeded})
    db.session.execute(update(AdvisorProfile).where(AdvisorProfile.user_id.in_(leads))
                       .values(capacity=AdvisorProfile.capacity + 1))
    db.session.execute(update(AdvisorProfile).where(AdvisorProfile.note == "Ekspert sektorowy ZMP")
                       .values(capacity=AdvisorProfile.capacity + 2))
    sectors = sorted(code for code in fields if code != INSTITUTIONAL)
    db.session.execute(insert(path_need), [{"path_id": s.path.id, "field_id": fields[rng.choice(sectors)].id}
                                           for s in seeded])
    db.session.flush()
    proposal = assignment.propose(programme)
    assignment.apply(programme, proposal.pairs, actor=None, source=AdvisorSource.DEMO)
    # the experts keep one more place for each partnership they took, not two each
    taken = (select(func.count()).select_from(AdvisorAssignment)
             .join(Path, Path.id == AdvisorAssignment.path_id)
             .where(AdvisorAssignment.advisor_id == AdvisorProfile.user_id, Path.programme_id == programme.id)
             .correlate(AdvisorProfile).scalar_subquery())
    db.session.execute(update(AdvisorProfile).where(AdvisorProfile.note == "Ekspert sektorowy ZMP")
                       .values(capacity=AdvisorProfile.capacity - 2 + taken))
    path_ids = [s.path.id for s in seeded]
    db.session.execute(update(AdvisorAssignment).values(created_at=start).where(
        AdvisorAssignment.path_id.in_(path_ids), AdvisorAssignment.kind == AdvisorKind.EXPERT))
    db.session.execute(update(AssignmentEvent).values(created_at=start).where(
        AssignmentEvent.path_id.in_(path_ids), AssignmentEvent.source == AdvisorSource.DEMO))
    db.session.commit()


# --- the path -------------------------------------------------------------------------------------


def _upload(s: Seeded, stage: str, when: datetime) -> Document:
    name = DOCUMENT_NAMES[stage]
    content = pdf_bytes(f"{s.path.applicant.name} - {name} (demo CWD, path {s.path.id})")
    document = documents.store_upload(s.path, stage, f"{name}.pdf", io.BytesIO(content), s.leader)
    document.uploaded_at = when
    db.session.commit()
    return document


def _approve_all(s: Seeded, document: Document, when: datetime) -> None:
    """Every member's approval of the version to submit (as workflow/path/approvals.py
    records one, without a commit each)."""
    for user in s.members:
        db.session.add(DocumentApproval(document_id=document.id, path_id=s.path.id,
                                        applicant_id=s.path.applicant_id,
                                        municipality_id=user.municipality_id, approved_by_id=user.id,
                                        created_at=when))
    db.session.commit()


def _package(s: Seeded, when: datetime) -> None:
    """Three projects shared by the leader and the first partner; the first is the key one."""
    members = projects.members_of(s.path)
    for i, (title, route, cost) in enumerate(PROJECTS):
        amount = Decimal(cost)
        shares = {members[0].id: (True, amount * 2 / 3), members[1].id: (i == 1, amount / 3)}
        shares = {k: (leads, v.quantize(Decimal("0.01"))) for k, (leads, v) in shares.items()}
        rounding = amount - sum(v for _, v in shares.values())
        shares[members[0].id] = (True, shares[members[0].id][1] + rounding)
        data = projects.ProjectInput(title=title, scope="", estimated_cost=amount, funding_route=route,
                                     funding_note="", status=ProjectStatus.CHOSEN.value, is_key=i == 0,
                                     shares=shares)
        project = projects.create(s.path, data, s.leader)
        project.created_at = when
        if i == 0:
            first = when.date().replace(day=1)
            projects.add_task(project, "Dokumentacja projektowa", first, first + timedelta(days=180),
                              s.leader)
            projects.add_task(project, "Roboty budowlane", first + timedelta(days=181),
                              first + timedelta(days=540), s.leader)
    db.session.commit()


def _walk(s: Seeded, target: str, coordinator_id: int, start: datetime, today: date) -> None:
    moment = start
    open_now = CWD.in_consultation(target)
    events = route_to(CWD, target)
    for i, event in enumerate(events):
        path = s.path
        transition = CWD.transition_from(path.state, event)
        assert transition is not None  # noqa: S101  (route_to only yields legal events)
        stage = CWD.state(path.state).stage
        last = i == len(events) - 1
        if CWD.opens_consultation(transition):
            document = documents.latest_document(path, stage) or _upload(s, stage, moment)
            if last and open_now:  # open today, for a visitor of the demo
                moment = datetime.combine(today - timedelta(days=3), time(8, 0), tzinfo=UTC)
            consultation = moves.publish(path, document, moment.date(),
                                         moment.date() + timedelta(days=CONSULTATION_DAYS), s.leader,
                                         now=moment)
            # the residents' comments, as the public form keeps them (check_comment), one commit
            db.session.add_all([ConsultationComment(consultation_id=consultation.id, number=k + 1,
                                                    body=check_comment(CommentInput(comment)).body,
                                                    created_at=moment + timedelta(days=k + 1))
                                for k, (comment, _) in enumerate(COMMENTS[: 2 + s.n % 3])])
            db.session.commit()
            continue
        if CWD.closes_consultation(path.state, transition):
            consultation = consultations.not_closed(path, stage)
            assert consultation is not None  # noqa: S101
            answered = moment + timedelta(days=CONSULTATION_DAYS - 2)
            for comment in consultations.comments_of(consultation):  # each by a member, one commit
                comment.answer = COMMENTS[comment.number - 1][1]
                comment.answered_at = answered
                comment.answered_by_id = s.members[(comment.number - 1) % len(s.members)].id
            db.session.commit()
            moment += timedelta(days=CONSULTATION_DAYS + 1)
            moves.close(consultation, s.leader, now=moment)
            continue
        moment += STEP
        if stage == "strategy" and event.startswith("submit_") and not projects.package(path):
            _package(s, moment - timedelta(days=4))
        if stage == CWD.project_stage and event.startswith("submit_"):
            for project in projects.package(path):
                if project.is_key and project.feasibility_document_id is None:
                    content = pdf_bytes(f"{project.title} - analiza wykonalnosci (demo CWD)")
                    analysis = projects.attach_feasibility(project, "analiza-wykonalnosci.pdf",
                                                           io.BytesIO(content), s.leader)
                    analysis.uploaded_at = moment - timedelta(days=3)
        if "document_attached" in transition.guards:
            document = documents.latest_document(path, stage)
            if document is None or path.state.endswith(".returned"):
                document = _upload(s, stage, moment - timedelta(days=3))
            _approve_all(s, document, moment - timedelta(days=1))
        if "leader" in transition.roles:
            actor = s.leader
        elif "advisor" in transition.roles:
            actor = s.lead
        else:
            actor = db.session.get(User, coordinator_id)
        comment = ""
        if transition.comment_required:
            comment = ("Uchwała Rady Partnerstwa nr 5/2021 z 14 czerwca 2021 r." if event == "withdraw"
                       else "Proszę uzupełnić analizę danych i wyniki ankiet mieszkańców.")
        transitions.fire(path, event, actor, comment, now=moment)


# --- the consultation log -----------------------------------------------------------------------


def _log(programme: Programme, seeded: list[Seeded], rng: random.Random, today: date) -> None:
    """Six logged services per partnership, by its lead advisor (institutional development)
    and its sector expert, with people of its member municipalities."""
    fields = profiles.ensure_default_fields(commit=False)
    experts = {p: (a, f) for p, a, f in db.session.execute(
        select(AdvisorAssignment.path_id, AdvisorAssignment.advisor_id, AdvisorAssignment.field_id)
        .where(AdvisorAssignment.kind == AdvisorKind.EXPERT,
               AdvisorAssignment.path_id.in_([s.path.id for s in seeded]))
        .order_by(AdvisorAssignment.path_id, AdvisorAssignment.advisor_id))}
    people, services, participants = [], [], []
    first = programme.advice_starts_on or today
    span = (today - timedelta(days=3) - first).days
    for s in seeded:
        names = [m.municipality.name for m in s.members]
        mine = []
        for k, user in enumerate(s.members):
            for _ in range(2):
                mine.append({"applicant_id": s.path.applicant_id, "name": person(rng),
                             "institution": f"Urząd – {names[k]}", "email": None,
                             "municipality_id": user.municipality_id,
                             "created_at": datetime.combine(first, time(9), tzinfo=ZONE)})
        unique = {(p["name"], p["institution"]): p for p in mine}
        mine = list(unique.values())
        start_at = len(people)
        people += mine
        for k, kind in enumerate(SERVICE_KINDS):
            if s.path.id in experts and k % 2 == 1:
                advisor_id, field_id = experts[s.path.id]
            else:
                advisor_id, field_id = s.lead.id, fields[INSTITUTIONAL].id
            day = first + timedelta(days=span * (k + 1) // (len(SERVICE_KINDS) + 1) + rng.randint(0, 9))
            logged = datetime.combine(day + timedelta(days=1), time(16, 0), tzinfo=ZONE).astimezone(UTC)
            services.append({"path_id": s.path.id, "advisor_id": advisor_id, "kind": kind, "held_on": day,
                             "duration_minutes": DURATIONS[kind], "field_id": field_id,
                             "topic": f"Partnerstwo {names[0]}: {_TOPICS[kind]}",
                             "format": "online" if k % 3 == 2 else "on_site", "status": "logged",
                             "client_token": None, "created_at": logged, "logged_at": logged,
                             "updated_at": logged, "version": 1})
            chosen = sorted(rng.sample(range(len(mine)), min(len(mine), 4 if kind != "workshop" else 10)))
            participants.append([start_at + c for c in chosen])
    person_ids = list(db.session.scalars(insert(Person.__table__).returning(
        Person.__table__.c.id, sort_by_parameter_order=True), people))
    service_ids = list(db.session.scalars(insert(Service.__table__).returning(
        Service.__table__.c.id, sort_by_parameter_order=True), services))
    db.session.execute(insert(Study.__table__), [
        {"service_id": sid, "title": STUDY_TITLE, "kind": "analysis"}
        for sid, row in zip(service_ids, services, strict=True) if row["kind"] == "study"])
    db.session.execute(insert(service_participant), [
        {"service_id": sid, "person_id": person_ids[p]}
        for sid, chosen in zip(service_ids, participants, strict=True) for p in chosen])
    db.session.flush()
    service_totals.rebuild(programme.id)
    db.session.add_all([ServiceRate(programme_id=programme.id, kind=kind, valid_from=RATES_FROM,
                                    hourly_rate=Decimal(rate))
                        for kind, rate in RATES.items()])
    db.session.commit()


_TOPICS = {"consultation": "plan pracy i podział zadań między gminy",
           "workshop": "warsztat diagnostyczny z mieszkańcami i młodzieżą",
           "study": "wsparcie w przygotowaniu portretu partnerstwa",
           "other": "spotkanie Rady Partnerstwa"}

"""A programme of many towns, built fast (one commit), for tests/test_query_counts.py and
bench/: every town stands somewhere on the path, town 0 has a history. Call the builders
inside an app context."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from io import BytesIO

import states
from workflow.demo.parts import pdf_bytes
from workflow.extensions import db
from workflow.models import (
    AdvisorAssignment,
    Applicant,
    ApplicantMember,
    AuditEvent,
    Criterion,
    EvaluatorAssignment,
    ExpertiseField,
    Municipality,
    Path,
    Person,
    Programme,
    Score,
    ScoreSheet,
    Service,
    SheetPart,
    StageDeadline,
    User,
)
from workflow.path import documents, transitions

VOIVODESHIPS = (
    "dolnośląskie", "kujawsko-pomorskie", "lubelskie", "lubuskie", "łódzkie", "małopolskie",
    "mazowieckie", "opolskie", "podkarpackie", "podlaskie", "pomorskie", "śląskie",
    "świętokrzyskie", "warmińsko-mazurskie", "wielkopolskie", "zachodniopomorskie",
)
NAMES = ("Łobez", "Ostrzeszów", "Wałcz", "Żnin", "Ćmielów", "Szczecinek", "Kolno", "Śrem",
         "Limanowa", "Ełk", "Olesno", "Brzozów")
RL = states.get_definition("rozwoj-lokalny")
# Every town stands somewhere on the path: all states of the definition, in turn.
SPREAD = tuple(s.code for s in RL.states)
BUSY_EVERY = 10  # the "busy" expert advisor is assigned to every tenth town


@dataclass(frozen=True)
class Built:
    """Logins of the people whose pages are measured, and the size of the programme."""

    programme_id: int
    towns: int
    coordinator: str = "coordinator@bench.example"
    town: str = "town00000@bench.example"  # town 0, with documents and a history
    lead: str = "advisor00000@bench.example"  # the lead advisor of town 0 (one town)
    busy: str = "busy@bench.example"  # an expert assigned to every tenth town


def build_programme(n: int, password_hash: str, code: str = "RL-BENCH") -> Built:
    """A programme of `n` towns, each with a town user and a lead advisor; town 0 has a
    diagnosis uploaded, submitted and returned by its advisor."""
    programme = Programme(code=code, title_pl="Rozwój Lokalny – pomiar",
                          title_en="Local Development – benchmark", path_code=RL.code)
    db.session.add(programme)
    due = datetime.now(UTC) + timedelta(days=60)
    for stage in RL.stages:
        if stage.has_deadline:
            db.session.add(StageDeadline(programme=programme, stage=stage.code, due_at=due))
    db.session.add_all([
        User(email=Built.coordinator, name="Koordynator", password_hash=password_hash,
             role="coordinator"),
        User(email=Built.busy, name="Ekspert Zajęty", password_hash=password_hash, role="advisor"),
    ])
    db.session.flush()
    add_towns(programme.id, 0, n, password_hash)
    _history_of_town0(programme.id)
    return Built(programme.id, n)


def add_towns(programme_id: int, start: int, stop: int, password_hash: str) -> Built:
    """Towns number `start` to `stop - 1` for the programme; one commit."""
    programme = db.session.get(Programme, programme_id)
    busy = db.session.scalar(db.select(User).where(User.email == Built.busy))
    field = db.session.scalar(db.select(ExpertiseField).where(ExpertiseField.code == "bench"))
    if field is None:
        field = ExpertiseField(code="bench", name_pl="Finanse publiczne", name_en="Public finance")
        db.session.add(field)
    rows: list[object] = []
    for i in range(start, stop):
        name = f"{NAMES[i % len(NAMES)]} {i:05d}"
        voivodeship = VOIVODESHIPS[i % len(VOIVODESHIPS)]
        municipality = Municipality(name=name, voivodeship=voivodeship)
        applicant = Applicant(kind="town", name=name, voivodeship=voivodeship)
        applicant.memberships.append(ApplicantMember(municipality=municipality, is_leader=True))
        state = RL.initial if i == 0 else SPREAD[i % len(SPREAD)]
        path = Path(programme=programme, applicant=applicant, state=state)
        town_user = User(email=f"town{i:05d}@bench.example", name=f"Zespół {name}",
                         password_hash=password_hash, role="town", applicant=applicant)
        advisor = User(email=f"advisor{i:05d}@bench.example", name=f"Doradca {i:05d}",
                       password_hash=password_hash, role="advisor")
        rows += [municipality, applicant, path, town_user, advisor,
                 AdvisorAssignment(path=path, advisor=advisor, kind="lead")]
        if i % BUSY_EVERY == 0:
            rows.append(AdvisorAssignment(path=path, advisor=busy, kind="expert", field=field))
    db.session.add_all(rows)
    db.session.commit()
    return Built(programme_id, stop)


def _history_of_town0(programme_id: int) -> None:
    town = db.session.scalar(db.select(User).where(User.email == Built.town))
    lead = db.session.scalar(db.select(User).where(User.email == Built.lead))
    path = db.session.scalar(db.select(Path).where(Path.programme_id == programme_id,
                                                   Path.applicant_id == town.applicant_id))
    documents.store_upload(path, "diagnosis", "diagnoza.pdf", BytesIO(pdf_bytes("diagnoza")), town)
    transitions.fire(path, "submit_diagnosis", town)
    transitions.fire(path, "return_diagnosis", lead, "Proszę uzupełnić dane demograficzne.")
    documents.store_upload(path, "diagnosis", "diagnoza-v2.pdf", BytesIO(pdf_bytes("diagnoza 2")), town)


EVALUATORS = 4  # evaluators of the applications past the formal check, two per application


def add_list_rows(programme_id: int, start: int, stop: int, password_hash: str) -> None:
    """What the paged lists show, for towns `start` to `stop - 1` (tests/test_query_counts.py):
    an audit event per town; a logged service by the busy expert, with one participant, in
    each of their towns; two evaluators on each application past the formal check, the first
    with a submitted sheet. One commit."""
    evaluated = set(RL.evaluated_states())
    busy = db.session.scalar(db.select(User).where(User.email == Built.busy))
    field = db.session.scalar(db.select(ExpertiseField).where(ExpertiseField.code == "bench"))
    evaluators = list(db.session.scalars(db.select(User).where(User.role == "evaluator").order_by(User.id)))
    for n in range(len(evaluators), EVALUATORS):
        evaluators.append(User(email=f"evaluator{n}@bench.example", name=f"Oceniający {n}",
                               password_hash=password_hash, role="evaluator"))
    db.session.add_all(evaluators)
    db.session.flush()
    parts = list(db.session.scalars(db.select(SheetPart).where(SheetPart.programme_id == programme_id)))
    if not parts:
        parts = [SheetPart(programme_id=programme_id, code="PRL", title_pl="Część L", title_en="Part L",
                           position=1)]
        db.session.add_all(parts)
        db.session.flush()
        db.session.add(Criterion(part_id=parts[0].id, code="L1", title_pl="Kryterium", title_en="Criterion",
                                 max_points=100, position=1))
        db.session.flush()
    criterion = db.session.scalar(db.select(Criterion).where(Criterion.part_id == parts[0].id))
    paths = db.session.execute(
        db.select(Path, Applicant.name).join(Applicant, Applicant.id == Path.applicant_id)
        .where(Path.programme_id == programme_id)).all()
    number = {name: int(name.rsplit(" ", 1)[1]) for _p, name in paths}
    for path, name in paths:
        i = number[name]
        if not start <= i < stop:
            continue
        db.session.add(AuditEvent(action="export", actor_label=Built.coordinator, object_type="path",
                                  object_id=path.id, ip="10.0.0.1", detail=""))
        if i % BUSY_EVERY == 0:
            service = Service(path_id=path.id, advisor_id=busy.id, kind="consultation",
                              held_on=date(2026, 1, 1) + timedelta(days=i % 300), duration_minutes=60,
                              field_id=field.id, topic=f"Budżet {name}", status="logged",
                              logged_at=datetime.now(UTC))
            service.participants.append(Person(applicant_id=path.applicant_id, name=f"Osoba {name}"))
            db.session.add(service)
        if path.state in evaluated:
            first, second = evaluators[i % EVALUATORS], evaluators[(i + 1) % EVALUATORS]
            scored = EvaluatorAssignment(path_id=path.id, evaluator_id=first.id, source="demo",
                                         declaration="impartial", declared_at=datetime.now(UTC))
            sheet = ScoreSheet(assignment=scored, status="submitted", submitted_at=datetime.now(UTC))
            db.session.add_all([scored, EvaluatorAssignment(path_id=path.id, evaluator_id=second.id,
                                                            source="demo"),
                                sheet, Score(sheet=sheet, criterion=criterion, points=50 + i % 50,
                                             justification="Uzasadnienie oceny kryterium.")])
    db.session.commit()

"""A programme of many towns, built fast (one commit), for tests/test_query_counts.py and
bench/: every town stands somewhere on the path, town 0 has a history. Call the builders
inside an app context."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO

import states
from workflow.demo.parts import pdf_bytes
from workflow.extensions import db
from workflow.models import (
    AdvisorAssignment,
    Applicant,
    ApplicantMember,
    ExpertiseField,
    Municipality,
    Path,
    Programme,
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

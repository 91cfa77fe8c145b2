"""A programme, towns with their paths, the small two-town `World` most tests start from,
documents (a PDF, a .docx built with zipfile), a stage submitted through the pages, and
deadlines."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from support import Browser, version_on

import states
from factories.accounts import make_user
from workflow.demo.parts import pdf_bytes
from workflow.extensions import db
from workflow.models import (
    AdvisorAssignment,
    Applicant,
    ApplicantMember,
    Municipality,
    Path,
    Programme,
    StageDeadline,
    User,
)
from workflow.path import documents

NOW = datetime.now(UTC)
PDF = pdf_bytes("test document")
RL = states.get_definition("rozwoj-lokalny")


def make_town(programme: Programme, name: str, voivodeship: str = "mazowieckie",
              state: str = "diagnosis.draft", kind: str = "town") -> Path:
    municipality = Municipality(name=name, voivodeship=voivodeship)
    applicant = Applicant(kind=kind, name=name, voivodeship=voivodeship)
    applicant.memberships.append(ApplicantMember(municipality=municipality, is_leader=True))
    path = Path(programme=programme, applicant=applicant, state=state)
    db.session.add_all([municipality, applicant, path])
    return path


def make_programme(code: str = "RL-TEST", path_code: str = "rozwoj-lokalny",
                   deadline: datetime | None = None) -> Programme:
    programme = Programme(code=code, title_pl="Rozwój Lokalny test", title_en="Local Development test",
                          path_code=path_code)
    db.session.add(programme)
    db.session.flush()
    due = deadline or NOW + timedelta(days=30)
    for stage in ("diagnosis", "prl", "pri", "application", "strategy", "key_project"):
        db.session.add(StageDeadline(programme_id=programme.id, stage=stage, due_at=due))
    return programme


# --- the world of towns A and B ------------------------------------------------------------------

@dataclass
class World:
    """A small programme: towns A and B with members and advisors, a coordinator, an
    evaluator, and an advisor assigned to nobody."""

    programme: Programme
    paths: dict[str, Path] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    def path(self, key: str) -> Path:
        """The path as the database has it now (requests write in sessions of their own)."""
        db.session.expire_all()
        return db.session.get(Path, self.paths[key].id)

    def user(self, key: str) -> User:
        db.session.expire_all()
        return db.session.get(User, self.users[key].id)


def build_world() -> World:
    """Towns A (Ostrzeszów) and B (Wałcz), each with a member (town-a@, town-b@) and a lead
    advisor (advisor-a@, advisor-b@); advisor-none@, coordinator@ and evaluator@ (all
    @example.pl) assigned to nothing. Commits."""
    programme = make_programme()
    world = World(programme=programme)
    for key, name in (("a", "Ostrzeszów"), ("b", "Wałcz")):
        path = make_town(programme, name)
        world.paths[key] = path
    db.session.flush()
    for key in ("a", "b"):
        world.users[f"town_{key}"] = make_user(f"town-{key}@example.pl", "town",
                                               world.paths[key].applicant)
        advisor = make_user(f"advisor-{key}@example.pl", "advisor")
        world.users[f"advisor_{key}"] = advisor
    world.users["advisor_none"] = make_user("advisor-none@example.pl", "advisor")
    world.users["coordinator"] = make_user("coordinator@example.pl", "coordinator")
    world.users["evaluator"] = make_user("evaluator@example.pl", "evaluator")
    db.session.flush()
    for key in ("a", "b"):
        db.session.add(AdvisorAssignment(path_id=world.paths[key].id,
                                         advisor_id=world.users[f"advisor_{key}"].id, kind="lead"))
    db.session.commit()
    return world


# --- documents and deadlines ---------------------------------------------------------------------

def attach(path: Path, user, stage: str | None = None) -> None:
    stage = stage or RL.state(path.state).stage
    documents.store_upload(path, stage, f"{stage}.pdf", io.BytesIO(PDF + stage.encode()), user)


DOCX_TYPES = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
              'content-types"><Override PartName="/word/document.xml" ContentType="application/'
              'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')


def zip_bytes(members: dict[str, bytes | str], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            kind = zipfile.ZIP_STORED if name == "mimetype" else compression
            archive.writestr(name, data, compress_type=kind)
    return buffer.getvalue()


def docx(**extra: bytes | str) -> bytes:
    members: dict[str, bytes | str] = {"[Content_Types].xml": DOCX_TYPES,
                                       "word/document.xml": "<w:document>Plan rozwoju</w:document>"}
    members.update({k.replace("__", "/").replace("_dot_", "."): v for k, v in extra.items()})
    return zip_bytes(members)


def submit_diagnosis(world: World, login) -> Browser:  # noqa: ANN001
    """Town A uploads its diagnosis and submits it, through its pages; its browser."""
    town = login("town-a@example.pl")
    town.upload(world.paths["a"].id, "diagnoza.pdf", PDF)
    assert town.fire(world.paths["a"].id, "submit_diagnosis",
                     version_on(town.get("/town/"))).status_code == 302
    return town


def set_deadline(programme: Programme, due: datetime, stage: str = "diagnosis") -> None:
    row = db.session.scalar(select(StageDeadline).where(StageDeadline.programme_id == programme.id,
                                                        StageDeadline.stage == stage))
    row.due_at = due.astimezone(UTC)
    db.session.commit()

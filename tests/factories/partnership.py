"""Two small CWD partnerships, A and B, made through workflow.partnership.setup from real
TERYT codes, each in the same CWD programme with its path, its people and its lead advisor.

A: Dąbrowa Tarnowska (leader, 1204023) with Bolesław (1204012) and Gręboszów (1204032);
   people lider-a@, partner-a2@, partner-a3@ (each acting for their own gmina); the council
   chaired by the leader's mayor; lead advisor doradca-a@.
B: Wałcz (leader, 3217011) with Człopa (3217023); people lider-b@, partner-b2@; lead
   advisor doradca-b@. And koordynator@ (all @example.pl).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import states
from factories.accounts import PASSWORD_HASH, make_user
from factories.path import PDF
from workflow.extensions import db
from workflow.models import AdvisorAssignment, LegalForm, Path, Programme, StageDeadline, User
from workflow.partnership import setup
from workflow.partnership.setup import MemberSpec
from workflow.path import documents

CWD = states.get_definition("partnerstwa")
NOW = datetime.now(UTC)
CODES = {
    "a": ("1204023", "1204012", "1204032"),
    "b": ("3217011", "3217023"),
}
LOGINS = {
    "a": ("lider-a@example.pl", "partner-a2@example.pl", "partner-a3@example.pl"),
    "b": ("lider-b@example.pl", "partner-b2@example.pl"),
}


@dataclass
class Partnerships:
    programme: Programme
    paths: dict[str, Path] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)  # by e-mail

    def path(self, key: str) -> Path:
        db.session.expire_all()
        return db.session.get(Path, self.paths[key].id)

    def user(self, email: str) -> User:
        db.session.expire_all()
        return db.session.get(User, self.users[email].id)


def cwd_programme(code: str = "CWD-TEST", due: datetime | None = None) -> Programme:
    programme = Programme(code=code, title_pl="Centrum Wsparcia Doradczego test",
                          title_en="Advisory Support Centre test", path_code=CWD.code)
    db.session.add(programme)
    db.session.flush()
    for stage in CWD.stages:
        if stage.has_deadline:
            db.session.add(StageDeadline(programme_id=programme.id, stage=stage.code,
                                         due_at=due or NOW + timedelta(days=30)))
    return programme


def build_partnerships() -> Partnerships:
    programme = cwd_programme()
    built = Partnerships(programme)
    people = {"a": ("Anna Nowak", "Piotr Wójcik", "Ewa Zielińska"), "b": ("Jan Kowalski", "Maria Lis")}
    offices = ("Burmistrz", "Wójt", "Wójt")
    for key in ("a", "b"):
        specs = [MemberSpec(code, email=email, person=person, office=office)
                 for code, email, person, office in zip(CODES[key], LOGINS[key], people[key], offices,
                                                        strict=False)]
        made = setup.create(specs[0], specs[1:], programme=programme, password_hash=PASSWORD_HASH,
                            legal_form=LegalForm.AGREEMENT, commit=False)
        built.paths[key] = made.path
        built.users.update({u.email: u for u in made.users.values()})
        advisor = make_user(f"doradca-{key}@example.pl", "advisor")
        built.users[advisor.email] = advisor
    built.users["koordynator@example.pl"] = make_user("koordynator@example.pl", "coordinator")
    db.session.flush()
    for key in ("a", "b"):
        db.session.add(AdvisorAssignment(path_id=built.paths[key].id,
                                         advisor_id=built.users[f"doradca-{key}@example.pl"].id, kind="lead"))
    db.session.commit()
    return built


def upload(path: Path, user: User, content: bytes = PDF, name: str | None = None) -> int:
    """The leader's upload of the current stage's document; its id."""
    stage = CWD.state(path.state).stage
    document = documents.store_upload(path, stage, name or f"{stage}.pdf", io.BytesIO(content), user)
    return document.id

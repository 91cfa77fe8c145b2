"""Public consultations and project packages on the `World` of towns A and B: a published
draft with comments, more member municipalities for an applicant, a project with shares."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from factories.path import PDF, World
from workflow.consultation import public
from workflow.extensions import db
from workflow.models import ApplicantMember, Document, Municipality, Path, Project, PublicConsultation
from workflow.path import documents
from workflow.projects import operations as projects

NOW = datetime.now(UTC)


def draft(world: World, key: str = "a", name: str | None = None) -> Document:
    """Town `key` uploads its diagnosis draft (a PDF); commits."""
    path = world.path(key)
    town = "ostrzeszow" if key == "a" else "walcz"
    return documents.store_upload(path, "diagnosis", name or f"diagnoza-{town}.pdf",
                                  io.BytesIO(PDF + key.encode()), world.user(f"town_{key}"))


def published(world: World, key: str = "a", *, days: int = 30, comments: int = 0,
              started_days_ago: int = 1) -> PublicConsultation:
    """Town `key`'s diagnosis open for comment since `started_days_ago` days for `days` days
    (rows written directly: opening through the operation refuses a start in the past), with
    `comments` comments; commits."""
    document = draft(world, key)
    start = NOW - timedelta(days=started_days_ago)
    consultation = PublicConsultation(path_id=document.path_id, document_id=document.id, stage=document.stage,
                                      starts_at=start, ends_at=start + timedelta(days=days),
                                      opened_by_id=world.users[f"town_{key}"].id)
    db.session.add(consultation)
    db.session.commit()
    for n in range(comments):
        public.add_comment(consultation, public.CommentInput(
            f"Uwaga {n + 1} do diagnozy {key.upper()}", f"Mieszkaniec-{key.upper()} {n + 1}",
            f"mieszkaniec{n + 1}@{key}.example.pl"))
    return consultation


def ended(consultation: PublicConsultation) -> None:
    """Move the consultation's period into the past (as if its last day had gone by)."""
    row = db.session.get(PublicConsultation, consultation.id)
    row.starts_at, row.ends_at = NOW - timedelta(days=40), NOW - timedelta(days=5)
    db.session.commit()


def add_members(path: Path, names: list[str]) -> list[Municipality]:
    """More member municipalities for `path`'s applicant (a partnership); commits."""
    added = []
    for i, name in enumerate(names):
        municipality = Municipality(name=name, voivodeship="wielkopolskie", teryt=f"30{path.id:02d}{i:03d}")
        db.session.add(ApplicantMember(applicant_id=path.applicant_id, municipality=municipality))
        added.append(municipality)
    db.session.commit()
    return added


def leader_of(path: Path) -> Municipality:
    return projects.members_of(path)[0]


def project(world: World, key: str = "a", *, title: str | None = None, cost: str = "1000000.00",
            status: str = "chosen", is_key: bool = False) -> Project:
    """A project of town `key`'s package, paid and led by its leader municipality; commits."""
    path = world.path(key)
    leader = leader_of(path)
    return projects.create(path, projects.ProjectInput(
        title=title or f"Projekt-{key.upper()}-poufny", scope="Rewitalizacja rynku",
        estimated_cost=Decimal(cost),
        funding_route="zit", funding_note="", status=status, is_key=is_key,
        shares={leader.id: (True, Decimal(cost))}), world.user(f"town_{key}"))

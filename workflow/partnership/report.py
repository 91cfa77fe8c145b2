"""The partnerships programme's report: its totals and their breakdown per voivodeship.

What it counts, over the paths of the programmes whose path has an applicant of kind
'partnership' (or of one programme): partnerships, their member municipalities (the leader
included), strategies accepted (paths that moved out of the strategy stage by the advisor's
sign-off), projects chosen for the packages, feasibility analyses (chosen projects with
their analysis), preliminary applications submitted, public consultations published and the
comments they received. Which moves are a sign-off or a submission is read from the path
definition (its transitions between stages), never from state names. One query per measure,
each grouped by voivodeship, whatever the number of partnerships.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields

import sqlalchemy as sa
from sqlalchemy import func, select

import states
from states.definition import PathDefinition
from workflow.extensions import db
from workflow.models import (
    Applicant,
    ApplicantKind,
    ApplicantMember,
    ConsultationComment,
    Path,
    PathTransition,
    Programme,
    Project,
    ProjectStatus,
    PublicConsultation,
)
from workflow.text import polish_key

STRATEGY = "strategy"  # the stage whose sign-off makes an accepted strategy
APPLICATION = "preliminary_application"  # the stage whose submission is a preliminary application


@dataclass
class Totals:
    partnerships: int = 0
    member_municipalities: int = 0
    strategies_accepted: int = 0
    projects_in_packages: int = 0
    feasibility_analyses: int = 0
    preliminary_applications: int = 0
    consultations_held: int = 0
    comments_received: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass
class Row:
    voivodeship: str
    totals: Totals


@dataclass
class Report:
    totals: Totals
    rows: list[Row]  # per voivodeship, in Polish alphabetical order


KEYS = tuple(f.name for f in fields(Totals))


def partnership_definitions() -> list[PathDefinition]:
    return [d for d in states.REGISTRY.values() if "partnership" in d.applicant_kinds]


def accepted_events(definition: PathDefinition, stage: str) -> set[str]:
    """The moves that sign a stage off: out of one of its states into another stage's, not a
    withdrawal."""
    return {t.event for t in definition.transitions
            if t.style != "danger" and definition.state(t.target).stage != stage
            and any(definition.state(s).stage == stage for s in t.sources)}


def submitted_events(definition: PathDefinition, stage: str) -> set[str]:
    """The moves that submit a stage's document: into the state whose sign-off moves are
    open (the advisor's), from another state of the stage."""
    accepting = {s for t in definition.transitions if t.event in accepted_events(definition, stage)
                 for s in t.sources}
    return {t.event for t in definition.transitions
            if t.target in accepting and t.style != "danger"}


def _events(kind: str, stage: str) -> list[str]:
    found: set[str] = set()
    for definition in partnership_definitions():
        found |= (accepted_events if kind == "accepted" else submitted_events)(definition, stage)
    return sorted(found)


def _paths(programme: Programme | None) -> sa.Select:
    """(path id, voivodeship) of the partnerships' paths."""
    codes = sorted(d.code for d in partnership_definitions())
    query = (select(Path.id.label("path_id"), Applicant.id.label("applicant_id"),
                    func.coalesce(Applicant.voivodeship, "").label("voivodeship"))
             .join(Applicant, Applicant.id == Path.applicant_id)
             .join(Programme, Programme.id == Path.programme_id)
             .where(Applicant.kind == ApplicantKind.PARTNERSHIP, Programme.path_code.in_(codes)))
    if programme is not None:
        query = query.where(Path.programme_id == programme.id)
    return query


def report(programme: Programme | None = None) -> Report:
    """The totals and the rows per voivodeship (eight queries)."""
    paths = _paths(programme).subquery()
    by = paths.c.voivodeship
    counts: dict[str, dict[str, int]] = {}

    def add(key: str, query: sa.Select) -> None:
        for voivodeship, n in db.session.execute(query.group_by(by)):
            counts.setdefault(voivodeship, {})[key] = int(n or 0)

    add("partnerships", select(by, func.count()).select_from(paths))
    add("member_municipalities", select(by, func.count()).select_from(paths).join(
        ApplicantMember, ApplicantMember.applicant_id == paths.c.applicant_id))
    for key, kind, stage in (("strategies_accepted", "accepted", STRATEGY),
                             ("preliminary_applications", "submitted", APPLICATION)):
        add(key, select(by, func.count(PathTransition.path_id.distinct())).select_from(paths).join(
            PathTransition, PathTransition.path_id == paths.c.path_id).where(
            PathTransition.event.in_(_events(kind, stage))))
    chosen = select(by, func.count()).select_from(paths).join(
        Project, Project.path_id == paths.c.path_id).where(Project.status == ProjectStatus.CHOSEN)
    add("projects_in_packages", chosen)
    add("feasibility_analyses", chosen.where(Project.feasibility_document_id.is_not(None)))
    add("consultations_held", select(by, func.count()).select_from(paths).join(
        PublicConsultation, PublicConsultation.path_id == paths.c.path_id))
    add("comments_received", select(by, func.count()).select_from(paths).join(
        PublicConsultation, PublicConsultation.path_id == paths.c.path_id).join(
        ConsultationComment, ConsultationComment.consultation_id == PublicConsultation.id))
    rows = [Row(v, Totals(**c)) for v, c in counts.items()]
    rows.sort(key=lambda r: polish_key(r.voivodeship))
    return Report(_sum(r.totals for r in rows), rows)


def _sum(items: Iterable[Totals]) -> Totals:
    total = Totals()
    for t in items:
        for key in KEYS:
            setattr(total, key, getattr(total, key) + getattr(t, key))
    return total


def accepted_strategies(programme: Programme | None = None) -> list[tuple[int, str]]:
    """(path id, applicant name) of the partnerships whose strategy was signed off."""
    paths = _paths(programme).subquery()
    return [(p, n) for p, n in db.session.execute(
        select(paths.c.path_id, Applicant.name).join(Applicant, Applicant.id == paths.c.applicant_id)
        .where(select(PathTransition.id).where(PathTransition.path_id == paths.c.path_id,
                                               PathTransition.event.in_(_events("accepted", STRATEGY)))
               .exists()))]


def cwd_programmes() -> list[Programme]:
    codes = sorted(d.code for d in partnership_definitions())
    return list(db.session.scalars(select(Programme).where(Programme.path_code.in_(codes))
                                   .order_by(Programme.id)))

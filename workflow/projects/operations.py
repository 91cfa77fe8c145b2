"""The project package of a path: projects with their cost split between the applicant's
member municipalities, their funding route, status and key mark; a chosen project's
feasibility analysis (a document of the path definition's `project_stage`) and schedule.

The applicant's team edits the package; the path's advisors and the coordinator read it
(workflow/path/access.py decides who sees which path). `key_project_summary` is what the
preliminary application draws on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import BinaryIO

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from states.definition import StageStatus
from workflow.audit import log as audit
from workflow.extensions import db
from workflow.models import (
    ApplicantMember,
    Document,
    FundingRoute,
    Municipality,
    Path,
    Project,
    ProjectShare,
    ProjectStatus,
    ProjectTask,
    User,
)
from workflow.models.types import MAX_ROW_ID, utcnow
from workflow.path import access, documents
from workflow.path.transitions import definition_of
from workflow.refusal import Message, NotFound, Refused, _l, fill

MAX_PROJECTS = 100  # per path: a package of integrated projects, not a catalogue
MAX_TASKS = 60  # per project's schedule
MAX_MONTHS = 120  # the longest task, and the longest schedule shown

SAME_TITLE = _l("Ten pakiet ma już projekt o takim tytule.")
KEY_NOT_CHOSEN = _l("Projektem kluczowym może być tylko projekt wybrany do pakietu.")
NO_LEADER = _l("Zaznacz co najmniej jednego członka, który prowadzi projekt.")
SHARES_SUM = _l("Udziały członków (razem %(total)s zł) muszą dać razem szacowany koszt projektu "
                "(%(cost)s zł).")
NOT_A_MEMBER = _l("Projekt może dzielić tylko członek tego wnioskodawcy.")
STALE = _l("Ktoś inny zmienił w międzyczasie ten projekt. Sprawdź jego obecne dane i zapisz zmiany ponownie.")
TOO_MANY = _l("Pakiet może mieć najwyżej %(max)d projektów.", max=MAX_PROJECTS)
TOO_MANY_TASKS = _l("Harmonogram może mieć najwyżej %(max)d zadań.", max=MAX_TASKS)
TASK_TOO_LONG = _l("Zadanie może trwać najwyżej %(max)d miesięcy.", max=MAX_MONTHS)
NO_STAGE = _l("Ścieżka tego programu nie przewiduje analiz wykonalności projektów.")
STAGE_SUBMITTED = _l("Etap analiz wykonalności został już złożony – nie można dodać analizy.")
ONLY_CHOSEN = _l("Analizę wykonalności i harmonogram ma projekt wybrany do pakietu.")


class ProjectRefused(Refused):
    """A change of the package that may not be made as asked."""


class ProjectNotFound(NotFound):
    """Not a project (or a task) the user may see."""


@dataclass(frozen=True)
class ProjectInput:
    """A project as the form gives it: the cost already a Decimal, the shares by municipality
    id as (leads, amount)."""

    title: str
    scope: str
    estimated_cost: Decimal
    funding_route: str
    funding_note: str
    status: str
    is_key: bool
    shares: Mapping[int, tuple[bool, Decimal]] = field(default_factory=dict)


# --- reading ---------------------------------------------------------------------------------------

def members_of(path: Path) -> list[Municipality]:
    """The applicant's member municipalities: the leader first, then by name (one query)."""
    return list(db.session.scalars(
        select(Municipality).join(ApplicantMember, ApplicantMember.municipality_id == Municipality.id)
        .where(ApplicantMember.applicant_id == path.applicant_id)
        .order_by(ApplicantMember.is_leader.desc(), Municipality.name, Municipality.id)))


def package(path: Path) -> list[Project]:
    """The path's projects, key ones first, then chosen, proposed, dropped; each with its shares
    (and their municipalities) and tasks: three queries, however many projects."""
    order = {ProjectStatus.CHOSEN: 0, ProjectStatus.PROPOSED: 1, ProjectStatus.DROPPED: 2}
    projects = list(db.session.scalars(
        select(Project).where(Project.path_id == path.id)
        .options(selectinload(Project.shares).joinedload(ProjectShare.municipality),
                 selectinload(Project.tasks), joinedload(Project.feasibility_document))
        .order_by(Project.id)))
    return sorted(projects, key=lambda p: (not p.is_key, order[p.status], p.id))


def get_for(user: User, project_id: int) -> Project:
    """The project if `user` may see its path; ProjectNotFound (404) otherwise."""
    if not 0 < project_id <= MAX_ROW_ID:
        raise ProjectNotFound(project_id)
    found = db.session.scalar(
        select(Project).join(Path, Path.id == Project.path_id)
        .options(contains_eager(Project.path),
                 selectinload(Project.shares).joinedload(ProjectShare.municipality),
                 selectinload(Project.tasks), joinedload(Project.feasibility_document))
        .where(Project.id == project_id, access.path_filter(user)))
    if found is None:
        raise ProjectNotFound(project_id)
    return found


def is_team(user: User, path: Path) -> bool:
    """`user` is one of the applicant's people: they edit the package."""
    return "applicant" in access.roles_for(user, path)


# --- writing the package -----------------------------------------------------------------------------

def check(path: Path, data: ProjectInput, members: list[Municipality],
          project: Project | None = None) -> None:
    """Refuse (400, by field) what the form alone cannot tell: a title the package has, a key
    project not chosen, a share of someone who is not a member, no leading member, shares that
    do not add up to the cost."""
    errors: dict[str, list[Message]] = {}
    same = db.session.scalar(select(Project.id).where(
        Project.path_id == path.id, Project.title == data.title.strip(),
        *([Project.id != project.id] if project is not None else [])))
    if same is not None:
        errors["title"] = [SAME_TITLE]
    if data.is_key and data.status != ProjectStatus.CHOSEN:
        errors["is_key"] = [KEY_NOT_CHOSEN]
    member_ids = {m.id for m in members}
    if set(data.shares) - member_ids:
        errors["estimated_cost"] = [NOT_A_MEMBER]
    elif not any(leads for leads, _amount in data.shares.values()):
        errors["leaders"] = [NO_LEADER]
    total = sum((amount for _leads, amount in data.shares.values()), Decimal("0.00"))
    if not set(data.shares) - member_ids and total != data.estimated_cost:
        errors["shares"] = [fill(SHARES_SUM, total=_pl(total), cost=_pl(data.estimated_cost))]
    if errors:
        raise ProjectRefused(errors=errors, status=400)


def _pl(amount: Decimal) -> str:
    """An amount as the message shows it: digits, a decimal comma, spaces between thousands."""
    whole, _dot, grosze = f"{amount:.2f}".partition(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return "\u00a0".join(groups) + "," + grosze


def _apply(project: Project, data: ProjectInput) -> None:
    project.title = data.title.strip()
    project.scope = data.scope.strip()
    project.estimated_cost = data.estimated_cost
    project.funding_route = FundingRoute(data.funding_route)
    project.funding_note = data.funding_note.strip()
    project.status = ProjectStatus(data.status)
    project.is_key = data.is_key
    project.updated_at = utcnow()
    kept = {s.municipality_id: s for s in project.shares}
    for municipality_id, share in list(kept.items()):
        if municipality_id not in data.shares:
            project.shares.remove(share)
    for municipality_id, (leads, amount) in data.shares.items():
        share = kept.get(municipality_id)
        if share is None:
            project.shares.append(ProjectShare(municipality_id=municipality_id, leads=leads, amount=amount))
        else:
            share.leads, share.amount = leads, amount


def create(path: Path, data: ProjectInput, actor: User) -> Project:
    """A new project of `path`'s package."""
    members = members_of(path)
    check(path, data, members)
    count = db.session.scalar(
        select(func.count()).select_from(Project).where(Project.path_id == path.id)) or 0
    if count >= MAX_PROJECTS:
        raise ProjectRefused([TOO_MANY])
    project = Project(path_id=path.id, created_at=utcnow())
    _apply(project, data)
    db.session.add(project)
    _commit(lambda: audit.record("project_created", actor=actor, object_type="project", object_id=project.id,
                                 programme_id=path.programme_id,
                                 detail={"path_id": path.id, "title": project.title}))
    return project


def update(project: Project, data: ProjectInput, actor: User, expected_version: int | None) -> Project:
    """The project as edited; refused as stale when someone saved it since the page was read."""
    if expected_version is not None and expected_version != project.version:
        raise ProjectRefused([STALE], stale=True)
    check(project.path, data, members_of(project.path), project)
    _apply(project, data)
    _commit(lambda: audit.record("project_updated", actor=actor, object_type="project", object_id=project.id,
                                 programme_id=project.path.programme_id,
                                 detail={"path_id": project.path_id, "title": project.title,
                                         "status": project.status.value, "key": project.is_key}))
    return project


def delete(project: Project, actor: User, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != project.version:
        raise ProjectRefused([STALE], stale=True)
    audit.record("project_deleted", actor=actor, object_type="project", object_id=project.id,
                 programme_id=project.path.programme_id,
                 detail={"path_id": project.path_id, "title": project.title})
    db.session.delete(project)
    _commit(lambda: None)


def _commit(before: object) -> None:
    """Flush, record (`before()`), commit; a lost race is told as stale or as the same title."""
    try:
        db.session.flush()
        before()  # type: ignore[operator]
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise ProjectRefused([STALE], stale=True) from exc
    except IntegrityError as exc:
        db.session.rollback()
        raise ProjectRefused(errors={"title": [SAME_TITLE]}, status=400) from exc


# --- the schedule -----------------------------------------------------------------------------------

def months_between(first: date, last: date) -> int:
    """How many months a task from `first`'s month to `last`'s month takes (both included)."""
    return (last.year - first.year) * 12 + last.month - first.month + 1


def add_task(project: Project, name: str, starts: date, ends: date, actor: User) -> ProjectTask:
    starts, ends = starts.replace(day=1), ends.replace(day=1)
    if project.status != ProjectStatus.CHOSEN:
        raise ProjectRefused([ONLY_CHOSEN])
    if ends < starts:
        raise ProjectRefused(errors={"ends": [_l("Zadanie nie może skończyć się przed miesiącem, "
                                                 "w którym się zaczyna.")]}, status=400)
    if months_between(starts, ends) > MAX_MONTHS:
        raise ProjectRefused(errors={"ends": [TASK_TOO_LONG]}, status=400)
    if len(project.tasks) >= MAX_TASKS:
        raise ProjectRefused([TOO_MANY_TASKS])
    task = ProjectTask(name=name.strip(), starts_on=starts, ends_on=ends)
    project.tasks.append(task)
    project.updated_at = utcnow()
    db.session.flush()
    audit.record("project_task_added", actor=actor, object_type="project", object_id=project.id,
                 programme_id=project.path.programme_id,
                 detail={"task": task.id, "name": task.name, "from": starts.isoformat(),
                         "to": ends.isoformat()})
    db.session.commit()
    return task


def delete_task(project: Project, task_id: int, actor: User) -> None:
    task = next((t for t in project.tasks if t.id == task_id), None)
    if task is None:
        raise ProjectNotFound((project.id, task_id))
    project.tasks.remove(task)
    audit.record("project_task_deleted", actor=actor, object_type="project", object_id=project.id,
                 programme_id=project.path.programme_id, detail={"task": task_id, "name": task.name})
    db.session.commit()


# --- the feasibility analysis -------------------------------------------------------------------------

def feasibility_stage(path: Path) -> str | None:
    """The stage a feasibility analysis is filed under, if the path may take one now: the
    definition's `project_stage`, while that stage is still ahead or open for documents."""
    definition = definition_of(path)
    stage = definition.project_stage
    if stage is None:
        return None
    status = definition.stage_status(stage, path.state)
    if status == StageStatus.TODO:
        return stage
    if status == StageStatus.CURRENT and definition.state(path.state).step in ("draft", "returned"):
        return stage
    return None


def why_no_feasibility(path: Path) -> Message | None:
    """Why a feasibility analysis cannot be added to `path` now (None: it can)."""
    if definition_of(path).project_stage is None:
        return NO_STAGE
    return None if feasibility_stage(path) else STAGE_SUBMITTED


def attach_feasibility(project: Project, filename: str, stream: BinaryIO, actor: User) -> Document:
    """Store the feasibility analysis of a chosen project as a document of the path's project
    stage, and link it to the project (a new file replaces the link; the old document stays
    in the path's documents)."""
    if project.status != ProjectStatus.CHOSEN:
        raise ProjectRefused([ONLY_CHOSEN])
    reason = why_no_feasibility(project.path)
    if reason is not None:
        raise ProjectRefused([reason])
    stage = feasibility_stage(project.path)
    document = documents.store_upload(project.path, stage or "", filename, stream, actor, same_file_ok=True)
    project.feasibility_document_id = document.id
    project.updated_at = utcnow()
    audit.record("project_feasibility", actor=actor, object_type="project", object_id=project.id,
                 programme_id=project.path.programme_id, detail={"document": document.id})
    db.session.commit()
    return document


# --- what the preliminary application draws on ---------------------------------------------------------

@dataclass(frozen=True)
class ShareSummary:
    municipality: str
    teryt: str | None
    leads: bool
    amount: Decimal


@dataclass(frozen=True)
class ProjectSummary:
    """A key project's data, as the preliminary application uses it."""

    id: int
    title: str
    scope: str
    estimated_cost: Decimal
    funding_route: FundingRoute
    funding_note: str
    leaders: list[str]
    shares: list[ShareSummary]
    feasibility_document_id: int | None
    feasibility_name: str | None
    tasks: list[tuple[str, date, date]]
    starts: date | None
    ends: date | None
    updated_at: datetime

    @property
    def months(self) -> int:
        return months_between(self.starts, self.ends) if self.starts and self.ends else 0


def summary_of(project: Project) -> ProjectSummary:
    shares = [ShareSummary(s.municipality.name, s.municipality.teryt, s.leads, s.amount)
              for s in project.shares]
    tasks = [(t.name, t.starts_on, t.ends_on) for t in project.tasks]
    doc = project.feasibility_document
    return ProjectSummary(
        id=project.id, title=project.title, scope=project.scope, estimated_cost=project.estimated_cost,
        funding_route=project.funding_route, funding_note=project.funding_note,
        leaders=[s.municipality for s in shares if s.leads], shares=shares,
        feasibility_document_id=doc.id if doc else None, feasibility_name=doc.original_name if doc else None,
        tasks=tasks, starts=min((t[1] for t in tasks), default=None),
        ends=max((t[2] for t in tasks), default=None),
        updated_at=project.updated_at)


def key_projects(path: Path) -> list[ProjectSummary]:
    """Every key project of `path`'s package (chosen and marked key), oldest first."""
    return [summary_of(p) for p in sorted(package(path), key=lambda p: p.id) if p.is_key]


def key_project_summary(path: Path) -> ProjectSummary | None:
    """The key project the preliminary application draws on: the first one marked key (a
    package may mark more than one; the application is of one), or None."""
    found = key_projects(path)
    return found[0] if found else None

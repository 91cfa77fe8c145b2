"""Who sees which services, and the queries behind the log's lists and pickers; split from
consultations.py so reading the log is apart from writing it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select
from sqlalchemy.orm import aliased, contains_eager, joinedload, selectinload

from workflow.advice.consultation_terms import ServiceNotFound
from workflow.extensions import db
from workflow.models import (
    Applicant,
    ApplicantMember,
    ExpertiseField,
    Municipality,
    Path,
    Person,
    Role,
    Service,
    ServiceStatus,
    User,
    service_participant,
)
from workflow.path import access
from workflow.web import listing

# --- who sees what ----------------------------------------------------------------------------

def service_filter(user: User) -> ColumnElement[bool]:
    """A WHERE clause on Service: the services `user` may read.

    Drafts belong to their author alone. Otherwise a service is visible with its path:
    the town its own, an advisor the towns assigned to them, the coordinator every one.
    """
    if user.role == Role.EVALUATOR:
        return false()
    paths = select(Path.id).where(access.path_filter(user))
    readable = Service.status == ServiceStatus.LOGGED
    if user.role == Role.ADVISOR:
        readable = or_(readable, Service.advisor_id == user.id)
    return and_(Service.path_id.in_(paths), readable)


def find(user: User, service_id: int) -> Service:
    service = db.session.scalar(
        select(Service).where(Service.id == service_id, service_filter(user)).options(
            joinedload(Service.path).joinedload(Path.applicant),
            joinedload(Service.path).joinedload(Path.programme),
            joinedload(Service.field), joinedload(Service.advisor),
            selectinload(Service.participants).joinedload(Person.municipality),
            selectinload(Service.studies),
        )
    )
    if service is None:
        raise ServiceNotFound(service_id)
    return service


_PARTICIPANTS = (select(func.count()).select_from(service_participant)
                 .where(service_participant.c.service_id == Service.id).scalar_subquery())
_PATH = aliased(Path)  # not Path itself: service_filter's subquery reads Path uncorrelated
_TOWN = aliased(Applicant)

SERVICES = listing.Spec(
    columns=(
        listing.Column("held_on", Service.held_on, first=listing.DESC),
        listing.Column("town", _TOWN.sort_key),
        listing.Column("kind", Service.kind),
        listing.Column("topic", Service.topic, text=True),
        listing.Column("advisor", User.sort_key),
        listing.Column("duration", Service.duration_minutes, first=listing.DESC),
        listing.Column("participants", _PARTICIPANTS, first=listing.DESC),
    ),
    default="held_on", default_dir=listing.DESC, search=(Service.topic, _TOWN.name, User.name),
    tiebreak=Service.id,
)


def _services(user: User, *, own: bool, path_id: int | None) -> Select[tuple[Service, int]]:
    query = (
        select(Service, _PARTICIPANTS.label("participants"))
        .join(_PATH, _PATH.id == Service.path_id).join(_TOWN, _TOWN.id == _PATH.applicant_id)
        .join(User, User.id == Service.advisor_id)
        .where(service_filter(user))
        .options(contains_eager(Service.path.of_type(_PATH)).contains_eager(_PATH.applicant.of_type(_TOWN)),
                 contains_eager(Service.advisor), joinedload(Service.field),
                 selectinload(Service.studies))
    )
    if own:
        query = query.where(Service.advisor_id == user.id)
    if path_id is not None:
        query = query.where(Service.path_id == path_id)
    return query


def drafts(user: User, *, path_id: int | None = None) -> list[Any]:
    """The advisor's own drafts with their participant counts, newest first (a short list:
    a draft is finished or deleted within days)."""
    query = _services(user, own=True, path_id=path_id).where(Service.status == ServiceStatus.DRAFT)
    return list(db.session.execute(query.order_by(Service.held_on.desc(), Service.id.desc())))


def logged_page(user: User, params: listing.Params, *, own: bool = False, path_id: int | None = None,
                keep: dict[str, str] | None = None) -> listing.Page[Any]:
    """A page of the logged services `user` may read (SERVICES): three queries whatever the
    page (count, rows, their studies)."""
    query = _services(user, own=own, path_id=path_id).where(Service.status == ServiceStatus.LOGGED)
    return listing.paged(query, SERVICES, params, keep=keep)


def totals(user: User) -> tuple[int, int]:
    """The logged services `user` may read, and the participations in them (one person at
    two workshops counts twice): one query."""
    per_service = (select(service_participant.c.service_id, func.count().label("n"))
                   .group_by(service_participant.c.service_id).subquery())
    services, people = db.session.execute(
        select(func.count(Service.id), func.coalesce(func.sum(per_service.c.n), 0))
        .outerjoin(per_service, per_service.c.service_id == Service.id)
        .where(service_filter(user), Service.status == ServiceStatus.LOGGED)).one()
    return int(services or 0), int(people or 0)


@dataclass(frozen=True)
class LogStatus:
    """What an advisor's landing page says about the log: drafts to finish, last entry."""

    drafts: int
    logged: int
    last_held_on: date | None


def log_status(user: User) -> LogStatus:
    """One query: the advisor's drafts, logged services and the day of the latest one."""
    mine = Service.advisor_id == user.id
    drafts, logged, last = db.session.execute(select(
        func.count().filter(Service.status == ServiceStatus.DRAFT),
        func.count().filter(Service.status == ServiceStatus.LOGGED),
        func.max(Service.held_on).filter(Service.status == ServiceStatus.LOGGED)).where(mine)).one()
    return LogStatus(drafts or 0, logged or 0, last)


def advisor_towns(user: User) -> list[Path]:
    """The paths assigned to an advisor, with their applicants loaded."""
    return list(db.session.scalars(
        access.visible_paths(user).options(joinedload(Path.applicant)).order_by(Path.id)))


def town_people(applicant_id: int) -> list[Person]:
    return list(db.session.scalars(select(Person).where(Person.applicant_id == applicant_id)))


def member_names(applicant_id: int) -> list[tuple[int, str]]:
    """(municipality id, name) of the applicant's members: one for a town, several for a
    partnership."""
    return [(mid, name) for mid, name in db.session.execute(
        select(Municipality.id, Municipality.name).join(
            ApplicantMember, ApplicantMember.municipality_id == Municipality.id)
        .where(ApplicantMember.applicant_id == applicant_id).order_by(Municipality.id))]


def active_fields(keep: int | None = None) -> list[ExpertiseField]:
    """Active fields, and the field `keep` (a service's own) even if no longer active."""
    query = select(ExpertiseField).where(
        or_(ExpertiseField.active.is_(True), ExpertiseField.id == (keep or -1)))
    return list(db.session.scalars(query.order_by(ExpertiseField.id)))

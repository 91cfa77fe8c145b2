"""Who sees which services, and the queries behind the log's lists and pickers; split from
consultations.py so reading the log is apart from writing it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from workflow.advice.consultation_terms import ServiceNotFound
from workflow.extensions import db
from workflow.models import (
    ExpertiseField,
    Path,
    Person,
    Role,
    Service,
    ServiceStatus,
    User,
    service_participant,
)
from workflow.path import access

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
            selectinload(Service.participants), selectinload(Service.studies),
        )
    )
    if service is None:
        raise ServiceNotFound(service_id)
    return service


def listing(user: User, *, own: bool = False, path_id: int | None = None) -> Select[tuple[Service, int]]:
    """Services `user` may read with their participant counts; drafts first, newest first."""
    count = (select(func.count()).select_from(service_participant)
             .where(service_participant.c.service_id == Service.id).scalar_subquery())
    query = (
        select(Service, count.label("participants"))
        .where(service_filter(user))
        .options(joinedload(Service.path).joinedload(Path.applicant), joinedload(Service.field),
                 joinedload(Service.advisor), selectinload(Service.studies))
        .order_by((Service.status == ServiceStatus.LOGGED), Service.held_on.desc(), Service.id.desc())
    )
    if own:
        query = query.where(Service.advisor_id == user.id)
    if path_id is not None:
        query = query.where(Service.path_id == path_id)
    return query


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


def active_fields(keep: int | None = None) -> list[ExpertiseField]:
    """Active fields, and the field `keep` (a service's own) even if no longer active."""
    query = select(ExpertiseField).where(
        or_(ExpertiseField.active.is_(True), ExpertiseField.id == (keep or -1)))
    return list(db.session.scalars(query.order_by(ExpertiseField.id)))

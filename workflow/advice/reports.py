"""The programme's services report: the seed's table computed from the consultation log.

Everything is counted in SQL with GROUP BY; the log never travels into Python, except
the raw log export, which streams it row by row. A report (the programme's totals or a
breakdown by town, advisor, field or month) costs three queries whatever the log's size,
one per family of metrics, joined in Python by the group key:

- services: how many, of each kind, and their minutes (from `service`);
- participation: participations counting repeats, and distinct people (from
  `service_participant`); a person is counted once per group and once in the total;
- studies: Study rows attached to the services (from `study`).

Only logged services count: a draft counts nowhere. `Scope` limits what a caller may
count (a coordinator sees everything; an advisor only their own services).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, distinct, false, func, select, true

from workflow import keyset
from workflow.advice.service_totals import month_expr
from workflow.extensions import db
from workflow.models import (
    Applicant,
    ExpertiseField,
    Path,
    Programme,
    Role,
    Service,
    ServiceStatus,
    ServiceTotal,
    Study,
    User,
    service_participant,
)
from workflow.models.advisory import SERVICE_KINDS
from workflow.text import polish_key

BREAKDOWNS = ("town", "advisor", "field", "month")


@dataclass(frozen=True)
class Filters:
    """What the report counts; every filter is optional and they combine with AND."""

    date_from: date | None = None
    date_to: date | None = None
    path_ids: tuple[int, ...] = ()  # towns (their paths in the programme)
    advisor_id: int | None = None
    field_id: int | None = None
    kind: str | None = None


@dataclass(frozen=True)
class Scope:
    """Which services a caller may count at all: everything (the coordinator), the
    services an advisor delivered, or the services a town received."""

    advisor_id: int | None = None
    applicant_id: int | None = None
    nothing: bool = False

    def clause(self) -> ColumnElement[bool]:
        if self.nothing:
            return false()
        conditions: list[ColumnElement[bool]] = []
        if self.advisor_id is not None:
            conditions.append(Service.advisor_id == self.advisor_id)
        if self.applicant_id is not None:
            conditions.append(Path.applicant_id == self.applicant_id)
        return and_(true(), *conditions)


FULL_SCOPE = Scope()


def scope_for(user: User) -> Scope:
    if user.role == Role.COORDINATOR:
        return FULL_SCOPE
    if user.role == Role.ADVISOR:
        return Scope(advisor_id=user.id)
    if user.role == Role.TOWN and user.applicant_id is not None:
        return Scope(applicant_id=user.applicant_id)
    return Scope(nothing=True)


@dataclass(frozen=True)
class Metrics:
    """One line of the seed's table, plus the split of the services and their time."""

    services: int = 0
    consultations: int = 0
    workshops: int = 0
    study_services: int = 0  # services of the kind 'study' (support in preparing one)
    other: int = 0
    studies: int = 0  # Study rows: the documents the teams were helped to prepare
    participations: int = 0  # service_participant rows: a person at 10 workshops counts 10 times
    people: int = 0  # distinct persons
    minutes: int = 0
    consultation_minutes: int = 0  # the minutes of each kind (the support's value at the rates)
    workshop_minutes: int = 0
    study_minutes: int = 0
    other_minutes: int = 0

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.minutes) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    def minutes_of(self, kind: str) -> int:
        return int(getattr(self, f"{kind}_minutes"))

    def seed_table(self) -> dict[str, int]:
        """The funders' table: exactly these keys (and `report services --json` prints it)."""
        return {"services": self.services, "consultations": self.consultations,
                "workshops": self.workshops, "studies": self.studies,
                "participations": self.participations, "people": self.people}


@dataclass(frozen=True, kw_only=True)
class GroupRow(Metrics):
    """A breakdown's row: the group's key (path id, user id, field id or 'YYYY-MM')."""

    key: Any
    label: str


@dataclass(frozen=True)
class MonthKinds:
    month: str  # 'YYYY-MM'
    counts: dict[str, int] = field(default_factory=dict)  # kind -> services

    @property
    def total(self) -> int:
        return sum(self.counts.values())


# --- SQL pieces -------------------------------------------------------------------------------

def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _where(programme: Programme, filters: Filters, scope: Scope) -> list[ColumnElement[bool]]:
    conditions = [Service.status == ServiceStatus.LOGGED, Path.programme_id == programme.id, scope.clause()]
    if filters.date_from is not None:
        conditions.append(Service.held_on >= filters.date_from)
    if filters.date_to is not None:
        conditions.append(Service.held_on <= filters.date_to)
    if filters.path_ids:
        conditions.append(Service.path_id.in_(filters.path_ids))
    if filters.advisor_id is not None:
        conditions.append(Service.advisor_id == filters.advisor_id)
    if filters.field_id is not None:
        conditions.append(Service.field_id == filters.field_id)
    if filters.kind is not None:
        conditions.append(Service.kind == filters.kind)
    return conditions


def _kind_count(kind: str) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((Service.kind == kind, 1), else_=0)), 0)


def _kind_minutes(kind: str) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((Service.kind == kind, Service.duration_minutes), else_=0)), 0)


def _families(programme: Programme, filters: Filters, scope: Scope, key: ColumnElement[Any] | None,
              label: ColumnElement[Any] | None = None,
              joins: Sequence[tuple[Any, ColumnElement[bool]]] = ()) -> dict[Any, dict[str, Any]]:
    """Three GROUP BY queries (services, participation, studies), merged by group key."""
    where = _where(programme, filters, scope)
    keys = [] if key is None else [key.label("k")]
    labels = [] if label is None else [label.label("l")]

    services: Select[Any] = (
        select(*keys, *labels, func.count(Service.id), *(_kind_count(k) for k in SERVICE_KINDS),
               func.coalesce(func.sum(Service.duration_minutes), 0),
               *(_kind_minutes(k) for k in SERVICE_KINDS))
        .select_from(Service).join(Path, Path.id == Service.path_id)
    )
    for target, on in joins:
        services = services.join(target, on)
    participation = (
        select(*keys, func.count(), func.count(distinct(service_participant.c.person_id)))
        .select_from(service_participant)
        .join(Service, Service.id == service_participant.c.service_id)
        .join(Path, Path.id == Service.path_id)
    )
    studies = (select(*keys, func.count(Study.id)).select_from(Study)
               .join(Service, Service.id == Study.service_id).join(Path, Path.id == Service.path_id))
    if key is not None:
        services = services.group_by(key, *([label] if label is not None else []))
        participation = participation.group_by(key)
        studies = studies.group_by(key)

    width = len(keys)
    out: dict[Any, dict[str, Any]] = {}
    for row in db.session.execute(services.where(*where)):
        k = row[0] if width else None
        name = row[width] if labels else k
        total, consultations, workshops, study_services, other, minutes, *by_kind = (
            int(v or 0) for v in row[width + len(labels):])
        out[k] = {"label": name, "services": total, "consultations": consultations,
                  "workshops": workshops, "study_services": study_services, "other": other,
                  "minutes": minutes,
                  **{f"{kind}_minutes": m for kind, m in zip(SERVICE_KINDS, by_kind, strict=True)}}
    for row in db.session.execute(participation.where(*where)):
        k = row[0] if width else None
        if k in out:
            out[k]["participations"], out[k]["people"] = int(row[width]), int(row[width + 1])
    for row in db.session.execute(studies.where(*where)):
        k = row[0] if width else None
        if k in out:
            out[k]["studies"] = int(row[width])
    return out


def minutes_by_day(programme: Programme, filters: Filters | None, scope: Scope,
                   months: Sequence[str]) -> dict[tuple[str, date], int]:
    """The minutes of each kind and day within `months` ('YYYY-MM'), one query of the log: the
    days of the months in which a rate changes (workflow/advice/rates.py)."""
    where = _where(programme, filters or Filters(), scope)
    first = date(int(min(months)[:4]), int(min(months)[5:7]), 1)
    last = max(months)
    out: dict[tuple[str, date], int] = {}
    for kind, day, minutes in db.session.execute(
        select(Service.kind, Service.held_on, func.sum(Service.duration_minutes))
        .join(Path, Path.id == Service.path_id)
        .where(*where, Service.held_on >= first,
               Service.held_on < date(int(last[:4]) + int(last[5:7]) // 12, int(last[5:7]) % 12 + 1, 1))
        .group_by(Service.kind, Service.held_on)
    ):
        if day.strftime("%Y-%m") in months:
            out[(str(getattr(kind, "value", kind)), day)] = int(minutes or 0)
    return out


_METRIC_NAMES = tuple(f.name for f in fields(Metrics))


def _metrics(values: dict[str, Any]) -> dict[str, int]:
    return {name: values.get(name, 0) for name in _METRIC_NAMES}


# --- the maintained totals (decision 0029) ---------------------------------------------------

def maintained(filters: Filters | None, scope: Scope) -> bool:
    """The unfiltered report of the whole programme reads the maintained totals (one small
    query per table); a filtered or scoped one counts the log."""
    return scope == FULL_SCOPE and (filters is None or filters == Filters())


def _stored_report(programme: Programme, locale: str,
                   dims: Sequence[str] | None = None) -> dict[str, dict[Any, dict[str, Any]]]:
    """Every stored line of the programme's report (of the group kinds `dims` only, when
    given) in ONE query: each line's name comes from the table its group kind points at
    (outer joins that match for that kind only)."""
    field_name = ExpertiseField.name_en if locale.startswith("en") else ExpertiseField.name_pl
    dim = ServiceTotal.dim
    label = func.coalesce(Applicant.name, User.name, field_name)
    columns = [dim, ServiceTotal.ref, ServiceTotal.month, *(getattr(ServiceTotal, n) for n in _METRIC_NAMES)]
    query = (select(*columns, label)
             .outerjoin(Path, and_(dim == "town", Path.id == ServiceTotal.ref))
             .outerjoin(Applicant, Applicant.id == Path.applicant_id)
             .outerjoin(User, and_(dim == "advisor", User.id == ServiceTotal.ref))
             .outerjoin(ExpertiseField, and_(dim == "field", ExpertiseField.id == ServiceTotal.ref))
             .where(ServiceTotal.programme_id == programme.id, ServiceTotal.services > 0))
    if dims is not None:
        query = query.where(dim.in_(list(dims)))
    out: dict[str, dict[Any, dict[str, Any]]] = {d: {} for d in ("all", *BREAKDOWNS)}
    for row in db.session.execute(query):
        kind = row[0]
        key = None if kind == "all" else row[2] if kind == "month" else row[1]
        out[kind][key] = {"label": key if kind in ("all", "month") else row[-1],
                          **dict(zip(_METRIC_NAMES, map(int, row[3:]), strict=False))}
    return out


def report(programme: Programme, filters: Filters | None = None, scope: Scope = FULL_SCOPE,
           locale: str = "pl", tables: Sequence[str] = BREAKDOWNS) -> dict[str, Any]:
    """The whole report: {"totals": Metrics, "town"|"advisor"|"field"|"month": [GroupRow]}
    (of the breakdowns in `tables` only, when fewer are wanted, as /public/ does).
    One query of the maintained totals when unfiltered; otherwise three per table."""
    if not maintained(filters, scope):
        return {"totals": totals(programme, filters, scope),
                **{name: breakdown(name, programme, filters, scope, locale) for name in tables}}
    found = _stored_report(programme, locale, ("all", *tables))
    out: dict[str, Any] = {"totals": Metrics(**_metrics(found["all"].get(None, {})))}
    for name in tables:
        rows = _rows(found[name])
        out[name] = sorted(rows, key=lambda r: r.key) if name == "month" else \
            sorted(rows, key=lambda r: (polish_key(r.label), r.key))
    return out


# --- the report -------------------------------------------------------------------------------

def totals(programme: Programme, filters: Filters | None = None, scope: Scope = FULL_SCOPE) -> Metrics:
    """The programme's table: one query of the maintained totals, or three of the log."""
    if maintained(filters, scope):
        found = _stored_report(programme, "pl", ("all",))["all"]
    else:
        found = _families(programme, filters or Filters(), scope, None)
    return Metrics(**_metrics(found.get(None, {})))


def _rows(found: dict[Any, dict[str, Any]]) -> list[GroupRow]:
    return [GroupRow(key=k, label=str(v["label"] if v["label"] is not None else ""), **_metrics(v))
            for k, v in found.items()]


def by_town(programme: Programme, filters: Filters | None = None,
            scope: Scope = FULL_SCOPE) -> list[GroupRow]:
    """Per town (its path in the programme), in Polish alphabetical order."""
    if maintained(filters, scope):
        found = _stored_report(programme, "pl", ("town",))["town"]
    else:
        found = _families(programme, filters or Filters(), scope, Service.path_id, Applicant.name,
                          [(Applicant, Applicant.id == Path.applicant_id)])
    return sorted(_rows(found), key=lambda r: (polish_key(r.label), r.key))


def by_advisor(programme: Programme, filters: Filters | None = None,
               scope: Scope = FULL_SCOPE) -> list[GroupRow]:
    """Per advisor who delivered the services, in Polish alphabetical order of names."""
    if maintained(filters, scope):
        found = _stored_report(programme, "pl", ("advisor",))["advisor"]
    else:
        found = _families(programme, filters or Filters(), scope, Service.advisor_id, User.name,
                          [(User, User.id == Service.advisor_id)])
    return sorted(_rows(found), key=lambda r: (polish_key(r.label), r.key))


def by_field(programme: Programme, filters: Filters | None = None, scope: Scope = FULL_SCOPE,
             locale: str = "pl") -> list[GroupRow]:
    """Per field of expertise, named in `locale`, in alphabetical order."""
    name = ExpertiseField.name_en if locale.startswith("en") else ExpertiseField.name_pl
    if maintained(filters, scope):
        found = _stored_report(programme, locale, ("field",))["field"]
    else:
        found = _families(programme, filters or Filters(), scope, Service.field_id, name,
                          [(ExpertiseField, ExpertiseField.id == Service.field_id)])
    return sorted(_rows(found), key=lambda r: (polish_key(r.label), r.key))


def by_month(programme: Programme, filters: Filters | None = None,
             scope: Scope = FULL_SCOPE) -> list[GroupRow]:
    """Per calendar month of the service's date ('YYYY-MM'), chronologically."""
    if maintained(filters, scope):
        found = _stored_report(programme, "pl", ("month",))["month"]
    else:
        found = _families(programme, filters or Filters(), scope, month_expr(Service.held_on, _dialect()))
    return sorted(_rows(found), key=lambda r: r.key)


def breakdown(name: str, programme: Programme, filters: Filters | None = None,
              scope: Scope = FULL_SCOPE, locale: str = "pl") -> list[GroupRow]:
    if name == "field":
        return by_field(programme, filters, scope, locale)
    return {"town": by_town, "advisor": by_advisor, "month": by_month}[name](programme, filters, scope)


def month_range(first: str, last: str) -> list[str]:
    """Every 'YYYY-MM' from `first` to `last`, both included."""
    year, month = int(first[:4]), int(first[5:7])
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def services_per_month_by_kind(programme: Programme, filters: Filters | None = None,
                               scope: Scope = FULL_SCOPE) -> list[MonthKinds]:
    """Services per month and kind, for the chart; months without services are kept (as
    zeros) between the first and the last one. One query (of the maintained totals when
    unfiltered)."""
    if maintained(filters, scope):
        return month_kinds(by_month(programme))
    month = month_expr(Service.held_on, _dialect()).label("m")
    query = (select(month, Service.kind, func.count(Service.id))
             .select_from(Service).join(Path, Path.id == Service.path_id)
             .where(*_where(programme, filters or Filters(), scope))
             .group_by(month, Service.kind))
    counts: dict[str, dict[str, int]] = {}
    for m, kind, n in db.session.execute(query):
        counts.setdefault(m, dict.fromkeys(SERVICE_KINDS, 0))[kind] = int(n)
    return _every_month(counts)


def month_kinds(rows: Sequence[GroupRow]) -> list[MonthKinds]:
    """The chart's data from by_month()'s rows, which hold it already: no query."""
    return _every_month({r.key: {"consultation": r.consultations, "workshop": r.workshops,
                                 "study": r.study_services, "other": r.other} for r in rows})


def _every_month(counts: dict[str, dict[str, int]]) -> list[MonthKinds]:
    if not counts:
        return []
    return [MonthKinds(m, counts.get(m, dict.fromkeys(SERVICE_KINDS, 0)))
            for m in month_range(min(counts), max(counts))]


# --- the raw log ------------------------------------------------------------------------------

@dataclass(frozen=True)
class LogRow:
    held_on: date
    town: str
    advisor: str
    field: str
    kind: str
    format: str
    duration_minutes: int
    topic: str
    participants: int
    studies: int


def log_rows(programme: Programme, filters: Filters | None = None, scope: Scope = FULL_SCOPE,
             locale: str = "pl", batch: int = keyset.PAGE_SIZE) -> Iterator[LogRow]:
    """Every logged service matching the filters, oldest first, read in keyset pages of
    `batch` rows (held_on, id): never the whole log in memory, and no cursor outlives a
    page, so a streamed download may read them after the request's session is gone."""
    name = ExpertiseField.name_en if locale.startswith("en") else ExpertiseField.name_pl
    participants = (select(func.count()).select_from(service_participant)
                    .where(service_participant.c.service_id == Service.id).scalar_subquery())
    studies = select(func.count(Study.id)).where(Study.service_id == Service.id).scalar_subquery()
    query = (
        select(Service.held_on, Applicant.name, User.name, name, Service.kind, Service.format,
               Service.duration_minutes, Service.topic, participants, studies, Service.id)
        .select_from(Service)
        .join(Path, Path.id == Service.path_id)
        .join(Applicant, Applicant.id == Path.applicant_id)
        .join(User, User.id == Service.advisor_id)
        .join(ExpertiseField, ExpertiseField.id == Service.field_id)
        .where(*_where(programme, filters or Filters(), scope))
    )
    # The query is built now, in the request; only the pages are read later.
    pages = keyset.pages(query, [Service.held_on, Service.id], lambda r: (r[0], r[-1]), size=batch)
    return (LogRow(*row[:-1]) for row in pages)


# --- what the filters offer -------------------------------------------------------------------

@dataclass(frozen=True)
class Choices:
    towns: list[tuple[int, str]]
    advisors: list[tuple[int, str]]
    fields: list[tuple[int, str]]


def filter_choices(programme: Programme, locale: str = "pl") -> Choices:
    """The towns of the programme, the advisors and the fields, each in alphabetical order:
    three queries."""
    name = ExpertiseField.name_en if locale.startswith("en") else ExpertiseField.name_pl

    def ordered(query: Select[Any]) -> list[tuple[int, str]]:
        return sorted(((i, n) for i, n in db.session.execute(query)), key=lambda r: (polish_key(r[1]), r[0]))

    return Choices(
        towns=ordered(select(Path.id, Applicant.name).join(Applicant, Applicant.id == Path.applicant_id)
                      .where(Path.programme_id == programme.id)),
        advisors=ordered(select(User.id, User.name).where(User.role == Role.ADVISOR.value)),
        fields=ordered(select(ExpertiseField.id, name)),
    )

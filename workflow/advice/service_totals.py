"""The services report's maintained totals (decision 0029): kept in the transaction that
changes the log, so the report and the public statistics read a few small rows.

What a logged service adds to the totals (its *contribution*) is read from the database:
its programme, town (path), advisor, field, month, kind, minutes, participants and
studies. A draft adds nothing. Every ORM flush that touches a service (a new, changed or
deleted Service, a change of its participants or studies) reads the contributions of the
services it touches just before the flush and again just after it, and adds the difference
to the totals:

    totals = the sum of every logged service's contribution

holds before the flush, and the flush changes only the services it touches, so it holds
after. The additions are single statements (INSERT ... ON CONFLICT DO UPDATE SET n = n + d),
never a read followed by a write, so two transactions logging services for the same town
at once both count: PostgreSQL makes the second wait for the first's row.

People are counted per group through ServiceTotalPerson: the upsert returns the person's
new count in the group, and a count that rises from zero adds one to the group's `people`,
one that falls to zero takes one away (and the row goes).

Writes that bypass the ORM (the demo's bulk insert) run inside `paused()` and call
`rebuild()` afterwards; `flask report rebuild-totals` does the same for every programme
and `flask report rebuild-totals --check` only compares.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from itertools import chain
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    ScalarSelect,
    String,
    case,
    delete,
    event,
    func,
    inspect,
    literal,
    literal_column,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from workflow import revisions
from workflow.extensions import db
from workflow.models import (
    Applicant,
    ExpertiseField,
    Path,
    Programme,
    Service,
    ServiceStatus,
    ServiceTotal,
    ServiceTotalPerson,
    ServiceTotalRevision,
    Study,
    User,
    service_participant,
)

DIMS = ("all", "town", "advisor", "field", "month")
KIND_COLUMNS = {"consultation": "consultations", "workshop": "workshops", "study": "study_services",
                "other": "other"}
KIND_MINUTES = {kind: f"{kind}_minutes" for kind in KIND_COLUMNS}  # migration 0022
COUNTS = ("services", "consultations", "workshops", "study_services", "other", "studies",
          "participations", "people", "minutes", *KIND_MINUTES.values())
KEY_COLUMNS = ("programme_id", "dim", "ref", "month")
CHUNK = 500  # ids per IN (...) when reading contributions

Key = tuple[int, str, int, str]  # programme_id, dim, ref, month


def month_expr(column: Any, dialect: str) -> ColumnElement[str]:
    """'YYYY-MM' of a date column: strftime on SQLite, to_char on PostgreSQL.

    The format is written into the SQL text (not bound), so the same expression in SELECT
    and GROUP BY is one expression to PostgreSQL.
    """
    if dialect == "postgresql":
        return func.to_char(column, literal_column("'YYYY-MM'"))
    return func.strftime(literal_column("'%Y-%m'"), column)


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


@dataclass(frozen=True)
class Contribution:
    """What one logged service adds to the totals."""

    programme_id: int
    path_id: int
    advisor_id: int
    field_id: int
    month: str
    kind: str
    minutes: int
    people: tuple[int, ...]
    studies: int

    def keys(self) -> list[Key]:
        p = self.programme_id
        return [(p, "all", 0, ""), (p, "town", self.path_id, ""), (p, "advisor", self.advisor_id, ""),
                (p, "field", self.field_id, ""), (p, "month", 0, self.month)]

    def counts(self) -> dict[str, int]:
        return {"services": 1, KIND_COLUMNS[str(self.kind)]: 1, "studies": self.studies,
                "participations": len(self.people), "minutes": self.minutes,
                KIND_MINUTES[str(self.kind)]: self.minutes}


def _text(kind: Any) -> str:
    return str(getattr(kind, "value", kind))


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start:start + CHUNK]


def contributions(conn: Connection, ids: Iterable[int]) -> list[Contribution]:
    """The contributions of these services as the database holds them now: three queries
    per CHUNK ids."""
    out: list[Contribution] = []
    for part in _chunks(ids):
        rows = conn.execute(
            select(Service.id, Path.programme_id, Service.path_id, Service.advisor_id, Service.field_id,
                   Service.held_on, Service.kind, Service.duration_minutes)
            .join(Path, Path.id == Service.path_id)
            .where(Service.id.in_(part), Service.status == ServiceStatus.LOGGED)).all()
        if not rows:
            continue
        logged = [r[0] for r in rows]
        people: dict[int, list[int]] = defaultdict(list)
        for service_id, person_id in conn.execute(
                select(service_participant.c.service_id, service_participant.c.person_id)
                .where(service_participant.c.service_id.in_(logged))):
            people[service_id].append(person_id)
        studies = dict(conn.execute(select(Study.service_id, func.count(Study.id))
                                    .where(Study.service_id.in_(logged)).group_by(Study.service_id)).all())
        out.extend(Contribution(programme_id=r[1], path_id=r[2], advisor_id=r[3], field_id=r[4],
                                month=month_of(r[5]), kind=_text(r[6]),
                                minutes=int(r[7] or 0), people=tuple(sorted(people.get(r[0], ()))),
                                studies=int(studies.get(r[0], 0)))
                   for r in rows)
    return out


def difference(before: Iterable[Contribution], after: Iterable[Contribution]
               ) -> tuple[dict[Key, Counter[str]], dict[tuple[Key, int], int]]:
    """What to add to the totals and to the per-person counts: after minus before, zeros dropped."""
    totals: dict[Key, Counter[str]] = defaultdict(Counter)
    persons: Counter[tuple[Key, int]] = Counter()
    for sign, side in ((-1, before), (1, after)):
        for c in side:
            counts = c.counts()
            for key in c.keys():
                for name, value in counts.items():
                    totals[key][name] += sign * value
                for person in c.people:
                    persons[(key, person)] += sign
    return ({k: v for k, v in totals.items() if any(v.values())},
            {k: v for k, v in persons.items() if v})


def _insert(conn: Connection, table: Any) -> Any:
    return (postgresql.insert(table) if conn.dialect.name == "postgresql" else sqlite.insert(table))


def advance(conn: Connection, programme_ids: Iterable[int] | None = None) -> None:
    """One more on the report's revision of each programme (its row made at 1 if it has none;
    None: of every programme, and the names' revision after them), in `conn`'s transaction, in
    the programmes' order (decisions 0046, 0047)."""
    every = programme_ids is None
    if programme_ids is None:
        programme_ids = conn.scalars(select(Programme.id))
    revisions.advance(conn, ServiceTotalRevision.__table__, "programme_id", programme_ids)  # type: ignore[arg-type]
    if every:  # bulk writes beside the ORM (the demo) may have added towns or accounts too
        revisions.advance_names(conn)


def revision_columns() -> tuple[ScalarSelect[Any], ...]:
    """What the programme's report is kept under, as columns correlated with Programme.id, to
    read with the programme itself (decisions 0046, 0047): the revision and token of its totals
    (None: never written) and of the names it shows."""
    def of(column: Any) -> ScalarSelect[Any]:
        return (select(column).where(ServiceTotalRevision.programme_id == Programme.id)
                .correlate(Programme).scalar_subquery())
    return (of(ServiceTotalRevision.revision), of(ServiceTotalRevision.token), *revisions.names_columns())


def apply(conn: Connection, totals: dict[Key, Counter[str]], persons: dict[tuple[Key, int], int]) -> None:
    """Add the difference: at most three statements, each an atomic addition, after the
    revision of the programmes it touches is raised (one more)."""
    advance(conn, {key[0] for key in totals} | {key[0] for key, _person in persons})  # type: ignore[index]
    people: Counter[Key] = Counter()
    if persons:
        rows = [dict(zip(KEY_COLUMNS, key, strict=True), person_id=person, n=d)
                for (key, person), d in sorted(persons.items())]
        stmt = _insert(conn, ServiceTotalPerson.__table__).values(rows)
        stmt = stmt.on_conflict_do_update(
            index_elements=[*KEY_COLUMNS, "person_id"],
            set_={"n": ServiceTotalPerson.__table__.c.n + stmt.excluded.n},
        ).returning(*(ServiceTotalPerson.__table__.c[c] for c in (*KEY_COLUMNS, "person_id", "n")))
        gone = []
        for *key_values, person, n in conn.execute(stmt):
            key = tuple(key_values)
            old = n - persons[(key, person)]  # type: ignore[index]
            if old <= 0 < n:
                people[key] += 1  # type: ignore[index]
            elif n <= 0 < old:
                people[key] -= 1  # type: ignore[index]
            if n <= 0:
                gone.append((*key, person))
        if gone:
            t = ServiceTotalPerson.__table__.c
            conn.execute(delete(ServiceTotalPerson).where(
                tuple_(t.programme_id, t.dim, t.ref, t.month, t.person_id).in_(gone)))
    for key, d in people.items():
        if d:
            totals.setdefault(key, Counter())["people"] += d
    rows = [dict(zip(KEY_COLUMNS, key, strict=True), **{c: counts.get(c, 0) for c in COUNTS})
            for key, counts in sorted(totals.items()) if any(counts.values())]
    if rows:
        table = ServiceTotal.__table__
        stmt = _insert(conn, table).values(rows)
        stmt = stmt.on_conflict_do_update(index_elements=list(KEY_COLUMNS),
                                          set_={c: table.c[c] + stmt.excluded[c] for c in COUNTS})
        conn.execute(stmt)


# --- keeping them: the session's flushes -------------------------------------------------------

_PENDING = "service_totals.pending"
_PAUSED = "service_totals.paused"


def _touched(session: Session) -> tuple[set[Service], set[int]]:
    services: set[Service] = set()
    ids: set[int] = set()
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Service):
            services.add(obj)
            if obj.id is not None:
                ids.add(obj.id)
        elif isinstance(obj, Study):
            history = inspect(obj).attrs.service_id.history
            ids.update(i for i in chain(history.added or (), history.unchanged or (), history.deleted or ())
                       if i is not None)
            if obj.service is not None:
                services.add(obj.service)
                if obj.service.id is not None:
                    ids.add(obj.service.id)
    return services, ids


# What the report shows besides its totals: the names of towns, advisors and fields in its tables,
# and the towns, advisors and fields its filters offer. A new, deleted or changed one raises the
# names' revision when the transaction commits, and no programme's (decision 0047).
_NAMED = {Applicant: ("name",), User: ("name", "role"), ExpertiseField: ("name_pl", "name_en"),
          Path: ("applicant_id", "programme_id")}


def _renamed(session: Session) -> bool:
    for obj in chain(session.new, session.dirty, session.deleted):
        names = _NAMED.get(type(obj))
        if names is None:
            continue
        if obj in session.new or obj in session.deleted:
            return True
        state = inspect(obj)
        if any(state.attrs[name].history.has_changes() for name in names):
            return True
    return False


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get(_PAUSED):
        return
    if _renamed(session):
        revisions.mark_names(session)
    services, ids = _touched(session)
    if not services and not ids:
        return
    before = contributions(session.connection(), ids) if ids else []
    session.info.setdefault(_PENDING, []).append((services, ids, before))


def _after_flush(session: Session, _context: Any) -> None:
    pending = session.info.pop(_PENDING, [])
    if not pending:
        return
    conn = session.connection()
    for services, ids, before in pending:
        now = ids | {s.id for s in services if s.id is not None}
        totals, persons = difference(before, contributions(conn, now))
        if totals or persons:
            apply(conn, totals, persons)


def _forget(session: Session, *_args: Any) -> None:
    session.info.pop(_PENDING, None)


def install() -> None:
    """Keep the totals on every ORM session (the app calls this once)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush_postexec", _after_flush)
        event.listen(Session, "after_rollback", _forget)


@contextmanager
def paused(session: Session | None = None) -> Iterator[None]:
    """Bulk writes that call rebuild() when they are done."""
    session = session or db.session()
    session.info[_PAUSED] = True
    try:
        yield
    finally:
        session.info.pop(_PAUSED, None)


# --- recomputing them from the log -------------------------------------------------------------

def _dim_columns(dim: str, dialect: str) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    ref: ColumnElement[Any] = {"town": Service.path_id, "advisor": Service.advisor_id,
                               "field": Service.field_id}.get(dim, literal(0, Integer))
    month = month_expr(Service.held_on, dialect) if dim == "month" else literal("", String)
    return ref, month


def rebuild(programme_id: int | None = None, conn: Connection | None = None) -> int:
    """Recompute the totals of one programme (or of all) from the log, in the caller's
    transaction (the session's, or `conn`, the migration's): a scan of the log per group
    kind. Returns the number of total rows."""
    conn = conn or db.session.connection()
    dialect = conn.dialect.name
    where = [Service.status == ServiceStatus.LOGGED]
    totals_t, persons_t = ServiceTotal.__table__, ServiceTotalPerson.__table__
    if programme_id is not None:
        where.append(Path.programme_id == programme_id)
        conn.execute(delete(persons_t).where(persons_t.c.programme_id == programme_id))
        conn.execute(delete(totals_t).where(totals_t.c.programme_id == programme_id))
    else:
        conn.execute(delete(persons_t))
        conn.execute(delete(totals_t))
    participants = (select(func.count()).select_from(service_participant)
                    .where(service_participant.c.service_id == Service.id).scalar_subquery())
    studies = select(func.count(Study.id)).where(Study.service_id == Service.id).scalar_subquery()
    for dim in DIMS:
        ref, month = _dim_columns(dim, dialect)
        kinds = [func.coalesce(func.sum(case((Service.kind == kind, 1), else_=0)), 0)
                 for kind in KIND_COLUMNS]
        kind_minutes = [func.coalesce(func.sum(case((Service.kind == kind, Service.duration_minutes),
                                                    else_=0)), 0) for kind in KIND_MINUTES]
        groups = [Path.programme_id, *([ref] if dim in ("town", "advisor", "field") else []),
                  *([month] if dim == "month" else [])]
        conn.execute(totals_t.insert().from_select(
            [*KEY_COLUMNS, "services", *KIND_COLUMNS.values(), "studies", "participations", "people",
             "minutes", *KIND_MINUTES.values()],
            select(Path.programme_id, literal(dim, String), ref, month, func.count(Service.id), *kinds,
                   func.coalesce(func.sum(studies), 0), func.coalesce(func.sum(participants), 0),
                   literal(0, Integer), func.coalesce(func.sum(Service.duration_minutes), 0),
                   *kind_minutes)
            .select_from(Service).join(Path, Path.id == Service.path_id).where(*where)
            .group_by(*groups)))
        conn.execute(persons_t.insert().from_select(
            [*KEY_COLUMNS, "person_id", "n"],
            select(Path.programme_id, literal(dim, String), ref, month, service_participant.c.person_id,
                   func.count())
            .select_from(service_participant)
            .join(Service, Service.id == service_participant.c.service_id)
            .join(Path, Path.id == Service.path_id).where(*where)
            .group_by(*groups, service_participant.c.person_id)))
    p = persons_t.c
    counted = (select(func.count()).select_from(persons_t)
               .where(p.programme_id == totals_t.c.programme_id, p.dim == totals_t.c.dim,
                      p.ref == totals_t.c.ref, p.month == totals_t.c.month).scalar_subquery())
    scope = [] if programme_id is None else [totals_t.c.programme_id == programme_id]
    conn.execute(update(totals_t).where(*scope).values(people=counted))
    advance(conn, None if programme_id is None else [programme_id])
    return int(conn.execute(select(func.count()).select_from(totals_t).where(*scope)).scalar_one())


def stored(programme_id: int | None = None) -> dict[tuple[Any, ...], tuple[int, ...]]:
    """Every non-zero line of both tables, for comparing the kept totals with a rebuild:
    {(programme, dim, ref, month[, person]): counts}."""
    totals_t, persons_t = ServiceTotal.__table__, ServiceTotalPerson.__table__
    out: dict[tuple[Any, ...], tuple[int, ...]] = {}
    t_where = [] if programme_id is None else [totals_t.c.programme_id == programme_id]
    p_where = [] if programme_id is None else [persons_t.c.programme_id == programme_id]
    for row in db.session.execute(select(*(totals_t.c[c] for c in (*KEY_COLUMNS, *COUNTS))).where(*t_where)):
        if any(row[len(KEY_COLUMNS):]):
            out[tuple(row[:len(KEY_COLUMNS)])] = tuple(int(v) for v in row[len(KEY_COLUMNS):])
    for row in db.session.execute(select(*(persons_t.c[c] for c in (*KEY_COLUMNS, "person_id", "n")))
                                  .where(*p_where)):
        if row[-1]:
            out[tuple(row[:-1])] = (int(row[-1]),)
    return out

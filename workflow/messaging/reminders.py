"""Deadline and score-sheet reminders, found by a sweep (beat: every 15 minutes).

What "due" means. A programme has reminder offsets (days, default 14, 7, 3, 1). For a
deadline D, offset k opens its window at D minus k calendar days *on the programme's
wall clock* (Europe/Warsaw): D = 30 Oct 23:59 CET gives 23 Oct 23:59 CEST for k = 7, so
the Warsaw DST change does not move a reminder by an hour. At a sweep's moment `now`,
with `now < D`, the due offset is the smallest k whose window has opened; a reminder is
sent for (D, that k) unless one was already claimed. So a sweep after a long outage sends
one reminder (the latest window's), not four; a deadline moved by an extension is a new D
and starts its reminders again.

Who. A town's active members (every municipality's people of a partnership), for a path
whose state is an open step (draft, public consultation, returned) of a stage with a
deadline (the town's extension, if any, replaces the programme's deadline);
and an evaluator whose sheet for the current evaluation round is not submitted (and who
declared no conflict), while the path is in merit evaluation (its definition says which
states those are), before the programme's evaluation deadline.

Once. Each reminder is claimed by INSERT … ON CONFLICT DO NOTHING on the unique key
(kind, path or assignment, D, k) in the same transaction that queues its messages: two
sweeps at once, or one run twice, queue it once. The number of statements does not grow
with the number of paths (executemany sends the claims and messages in batches).
"""

from __future__ import annotations

import logging
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from itertools import islice
from operator import itemgetter
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    Values,
    and_,
    bindparam,
    cast,
    column,
    false,
    literal_column,
    null,
    or_,
    select,
    union_all,
    values,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import OperationalError
from sqlalchemy.types import Text

import states
from states.definition import OPEN_STEPS
from workflow.collector import no_cycle_collection
from workflow.extensions import db
from workflow.messaging import links, notifications
from workflow.messaging.notifications import Outgoing
from workflow.messaging.texts import Kind
from workflow.models import (
    Applicant,
    DeadlineExtension,
    Declaration,
    EvaluatorAssignment,
    Path,
    Programme,
    Role,
    ScoreSheet,
    SheetStatus,
    StageDeadline,
    User,
)
from workflow.models.notification import ReminderClaim, ReminderKind
from workflow.models.types import UTCDateTime, utcnow

log = logging.getLogger("sciezka.reminders")

DEFAULT_OFFSETS = (14, 7, 3, 1)

# The first column of the due statement: a town's row, or a sheet's.
TOWN, SHEET = literal_column("0").label("kind"), literal_column("1").label("kind")


class Due(NamedTuple):
    """A reminder that is due: its claim key (a tuple, so it is its own key)."""

    kind: ReminderKind
    subject_id: int  # the path's or the evaluator assignment's id
    due_at: datetime
    offset_days: int

    @property
    def key(self) -> tuple[ReminderKind, int, datetime, int]:
        return self


class Pending(NamedTuple):
    """A message a due reminder would send, kept as plain values: the sweep makes the
    Outgoing message (`message`) only for the reminders it has just claimed, so a sweep
    that claims nothing new builds no message at all."""

    reminder: Due
    kind: Kind
    recipient_id: int
    locale: str
    programme: Programme
    context: dict[str, str]
    path_id: int


def message(pending: Pending, link: Callable[[int], str]) -> Outgoing:
    return Outgoing(pending.recipient_id, pending.locale, pending.kind, pending.programme,
                    pending.context, link=link(pending.path_id))


@dataclass
class Swept:
    reminders: int = 0
    messages: int = 0


def offsets(programme: Programme) -> list[int]:
    """The programme's offsets in days, largest first (bad entries are ignored)."""
    out = set()
    for part in (programme.reminder_offsets or "").split(","):
        part = part.strip()
        if part.isdigit() and int(part) > 0:
            out.add(int(part))
    return sorted(out or DEFAULT_OFFSETS, reverse=True)


def window_opens(due_at: datetime, days: int, tz: str) -> datetime:
    """D minus `days` calendar days on the wall clock of `tz`, as a UTC moment."""
    zone = ZoneInfo(tz)
    local = due_at.astimezone(zone)
    earlier = (local.replace(tzinfo=None) - timedelta(days=days)).replace(tzinfo=zone)
    return earlier.astimezone(due_at.tzinfo)


def due_offset(due_at: datetime, now: datetime, days: list[int], tz: str) -> int | None:
    """The smallest offset whose window has opened at `now` (None: none, or too late)."""
    if now >= due_at:
        return None
    opened = [k for k in days if window_opens(due_at, k, tz) <= now]
    return min(opened) if opened else None


def _stage_of_state() -> dict[str, str]:
    """Each open (draft, consultation, returned) state's stage, over every registered path definition."""
    return {s.code: s.stage for d in states.REGISTRY.values() for s in d.states
            if s.step in OPEN_STEPS}


def _in_evaluation() -> ColumnElement[bool]:
    """The path is in a merit-evaluation state of its own programme's definition."""
    return or_(false(), *(and_(Programme.path_code == code, Path.state.in_(d.evaluation_states))
                          for code, d in states.REGISTRY.items() if d.evaluation_states))


def _horizon(programmes: dict[int, Programme], now: datetime) -> datetime:
    """No window opens earlier than the largest offset (plus a day for the clock change)."""
    longest = max((offsets(p)[0] for p in programmes.values()), default=DEFAULT_OFFSETS[0])
    return now + timedelta(days=longest + 1)


def _due_rows(now: datetime, horizon: datetime) -> list:
    """The town rows, then the sheet rows, in one statement (`_due_query`, built once for each
    kind of database; `now` and `horizon` are its parameters): one round trip to the database
    instead of two.

    Each row: (0 for a town, path id, programme id, state, town name, deadline as text, member
    id, locale, path id) or (1 for a sheet, assignment id, programme id, NULL, town name,
    evaluation deadline as text, evaluator id, locale, path id)."""
    connection = db.session.connection()
    return connection.execute(_due_query(connection.dialect.name), {"now": now, "horizon": horizon}).all()


def _raw(deadline: ColumnElement[datetime]) -> ColumnElement[Any]:
    """A deadline column read as text: thousands of rows share a handful of deadlines, so
    each distinct value becomes a moment once (_Deadlines), not once per row. On PostgreSQL
    the text is what the server writes for the timestamptz anyway; the driver then makes a
    string instead of a datetime in the connection's zone (that was half the client's time
    to read the rows, measured). SQLite stores the text: the cast changes nothing there."""
    return cast(deadline, Text)


def _open_states() -> Values:
    """Each open state with its stage, as a small table of constants written into the
    statement: `(VALUES ('diagnosis.draft', 'diagnosis'), …) AS open_state (state, stage)`."""
    return values(column("state", String), column("stage", String), name="open_state",
                  literal_binds=True).data(sorted(_stage_of_state().items()))


def _town_parts(dialect: str) -> list[Select[Any]]:
    """Two parts per stage, each starting from the few deadlines inside the window: the
    programme's stage deadline (with the paths of that programme in an open state of the
    stage, through the index on programme and state, that have no extension of the stage),
    and the extensions (through the index on their due date). A scan of every path is never
    needed.

    On PostgreSQL the stages are not written out one by one: a deadline's stage is joined to
    its open states through `_open_states`, one pair of parts for all the stages (the planner
    took 8 ms and more, on every run, for the seventeen branches of a pair per stage; measured
    on the bench's 54,000 paths, where planning the three takes 2–4 ms). SQLite
    plans in-process at no such cost, but with the joined table its planner starts from the
    states and reads every open path (3.3 times one plain SELECT instead of 1.9, measured), so
    there each stage keeps its pair, its states written in the statement."""
    member = and_(User.applicant_id == Path.applicant_id, User.role == Role.TOWN, User.active.is_(True))
    now, horizon = bindparam("now", type_=UTCDateTime()), bindparam("horizon", type_=UTCDateTime())
    if dialect == "postgresql":
        stages: list[tuple[str | None, list[str]]] = [(None, [])]
    else:
        by_stage: dict[str, list[str]] = {}
        for code, stage_code in sorted(_stage_of_state().items()):
            by_stage.setdefault(stage_code, []).append(code)
        stages = sorted(by_stage.items())
    parts = []
    for stage_code, codes in stages:
        for table in (StageDeadline, DeadlineExtension):
            part = select(TOWN, Path.id, Path.programme_id, Path.state, Applicant.name, _raw(table.due_at),
                          User.id, User.locale, Path.id.label("path_id")).select_from(table)
            if stage_code is None:
                open_state = _open_states()
                part = part.join(open_state, open_state.c.stage == table.stage)
                in_stage = Path.state == open_state.c.state
            else:
                part = part.where(table.stage == stage_code)
                in_stage = Path.state.in_(codes)
            if table is StageDeadline:
                extended = (select(DeadlineExtension.id)
                            .where(DeadlineExtension.path_id == Path.id,
                                   DeadlineExtension.stage == StageDeadline.stage)
                            .correlate(Path, StageDeadline).exists())
                part = (part.join(Path, and_(Path.programme_id == StageDeadline.programme_id, in_stage))
                        .where(~extended))
            else:
                part = part.join(Path, and_(Path.id == DeadlineExtension.path_id, in_stage))
            parts.append(part.join(Applicant, Applicant.id == Path.applicant_id).outerjoin(User, member)
                         .where(table.due_at > now, table.due_at <= horizon))
    return parts


def _sheet_part() -> Select[Any]:
    """The unsubmitted sheets of the current round (no conflict declared) of paths in merit
    evaluation, before the programme's evaluation deadline."""
    now, horizon = bindparam("now", type_=UTCDateTime()), bindparam("horizon", type_=UTCDateTime())
    return (
        select(SHEET, EvaluatorAssignment.id, Path.programme_id, cast(null(), String), Applicant.name,
               _raw(Programme.evaluation_deadline), User.id, User.locale, Path.id.label("path_id"))
        .join(Path, and_(Path.id == EvaluatorAssignment.path_id,
                         Path.evaluation_round == EvaluatorAssignment.round))
        .join(Programme, Programme.id == Path.programme_id)
        .join(Applicant, Applicant.id == Path.applicant_id)
        .join(User, User.id == EvaluatorAssignment.evaluator_id)
        .outerjoin(ScoreSheet, ScoreSheet.assignment_id == EvaluatorAssignment.id)
        .where(_in_evaluation(), User.active.is_(True),
               or_(EvaluatorAssignment.declaration.is_(None),
                   EvaluatorAssignment.declaration != Declaration.CONFLICT),
               or_(ScoreSheet.id.is_(None), ScoreSheet.status != SheetStatus.SUBMITTED),
               Programme.evaluation_deadline > now, Programme.evaluation_deadline <= horizon)
    )


@lru_cache(maxsize=2)
def _due_query(dialect: str) -> Select[Any]:
    both = union_all(*_town_parts(dialect), _sheet_part()).subquery()
    kind, subject_id, member_id = list(both.c)[0], list(both.c)[1], list(both.c)[6]
    # Towns first, by path, a path's row without a member first; then the sheets by
    # assignment (the database sorts: a sort in Python with a key function cost a fifth of
    # the query).
    return select(both).order_by(kind, subject_id, member_id.nulls_first())


def _moment_of_text(dialect: Dialect) -> Callable[[str], datetime]:
    """The moment of a deadline read as text (`_raw`). PostgreSQL writes a timestamptz in ISO
    8601 with its offset (DateStyle ISO, the one psycopg reads too); SQLite holds the naive
    UTC text that UTCDateTime's own reading turns into a moment."""
    if dialect.name == "postgresql":
        return lambda text: datetime.fromisoformat(text).astimezone(UTC)
    return (UTCDateTime().dialect_impl(dialect).result_processor(dialect, None)
            or (lambda value: value))


class _Deadlines:
    """Per (programme, deadline as text): the moment, its due offset and the texts of the
    moment, worked out once. Thousands of paths share a handful of deadlines, so this is most
    of the work."""

    def __init__(self, programmes: dict[int, Programme], now: datetime) -> None:
        self.programmes, self.now = programmes, now
        self.offsets = {pid: offsets(p) for pid, p in programmes.items()}
        self.cache: dict[tuple[int, Any], tuple[int | None, dict[str, str], datetime]] = {}
        self.moment_of = _moment_of_text(db.session.get_bind().dialect)

    def __call__(self, programme_id: int, raw: Any) -> tuple[int | None, dict[str, str], datetime]:
        key = (programme_id, raw)
        if key not in self.cache:
            due_at = self.moment_of(raw)
            programme = self.programmes[programme_id]
            zone = ZoneInfo(programme.timezone)
            k = due_offset(due_at, self.now, self.offsets[programme_id], programme.timezone)
            days = (due_at.astimezone(zone).date() - self.now.astimezone(zone).date()).days
            self.cache[key] = (k, {"days": str(days),
                                   "deadline": due_at.astimezone(zone).strftime("%d.%m.%Y %H:%M")}, due_at)
        return self.cache[key]


@no_cycle_collection
def find_due(now: datetime) -> tuple[dict[tuple, Due], list[Pending]]:
    """Every due reminder and what its messages would be, claimed or not (two queries, no
    writes). Per row only plain values are kept (see Pending), and the cyclic garbage
    collector is paused meanwhile (tens of thousands of small objects in no cycle; its full
    passes over the loaded app were most of the time, measured). The aim at 54,000 paths: at
    most twice one plain SELECT of the same rows (bench/reminders.py prints the ratio)."""
    programmes = {p.id: p for p in db.session.scalars(select(Programme))}
    horizon = _horizon(programmes, now)
    moment = _Deadlines(programmes, now)
    due: dict[tuple, Due] = {}
    out: list[Pending] = []
    stages: dict[tuple[int, str, str], str] = {}
    deadline, sheet = Kind.DEADLINE_REMINDER, Kind.SHEET_REMINDER
    # Read as Core rows through the session's connection (the ORM's result layer cost about
    # as much as the rows), the moment of each deadline looked up in its cache first. Due and
    # Pending are made with tuple.__new__: a NamedTuple's own constructor is a Python function
    # around it (a sixth of the loop's time at 54,000 paths, measured).
    known, new = moment.cache.get, tuple.__new__
    rows = _due_rows(now, horizon)
    sheets_from = bisect_left(rows, 1, key=itemgetter(0))  # the towns' rows come first
    for _, path_id, programme_id, state, town, raw, user_id, locale, _ in islice(rows, sheets_from):
        k, when, due_at = known((programme_id, raw)) or moment(programme_id, raw)
        if k is None:
            continue
        key = new(Due, (ReminderKind.DEADLINE, path_id, due_at, k))
        reminder = due.setdefault(key, key)
        if user_id is None:
            continue
        locale = locale or "pl"
        label = stages.get((programme_id, state, locale))
        if label is None:
            definition = states.get_definition(programmes[programme_id].path_code)
            label = stages[programme_id, state, locale] = definition.stage(
                definition.state(state).stage).label.get(locale)
        out.append(new(Pending, (reminder, deadline, user_id, locale, programmes[programme_id],
                                 {"town": town, "stage": label, **when}, path_id)))
    for _, assignment_id, programme_id, _, town, raw, user_id, locale, path_id in islice(
            rows, sheets_from, None):
        k, when, due_at = known((programme_id, raw)) or moment(programme_id, raw)
        if k is None:
            continue
        key = new(Due, (ReminderKind.SHEET, assignment_id, due_at, k))
        reminder = due.setdefault(key, key)
        out.append(new(Pending, (reminder, sheet, user_id, locale or "pl", programmes[programme_id],
                                 {"town": town, **when}, path_id)))
    return due, out


def _claim(reminders: list[Due], now: datetime) -> set[tuple]:
    """Insert the claims; the keys of those actually inserted (not claimed before).

    The claims already made for deadlines still ahead are read first (one query), so a
    sweep with nothing new writes nothing; ON CONFLICT DO NOTHING settles the race with a
    sweep running at the same moment."""
    if not reminders:
        return set()
    made = {tuple(row) for row in db.session.execute(
        select(ReminderClaim.kind, ReminderClaim.subject_id, ReminderClaim.due_at,
               ReminderClaim.offset_days).where(ReminderClaim.due_at > now))}
    reminders = [r for r in reminders if r.key not in made]
    if not reminders:
        return set()
    dialect = db.session.get_bind().dialect.name
    dialect_insert = pg_insert if dialect == "postgresql" else sqlite_insert
    created = utcnow()
    # A Core insert on the table: the ORM's bulk insert with RETURNING is ten times slower.
    table = ReminderClaim.__table__
    statement = (dialect_insert(table).on_conflict_do_nothing()
                 .returning(table.c.kind, table.c.subject_id, table.c.due_at, table.c.offset_days))
    rows = [{"kind": r.kind, "subject_id": r.subject_id, "due_at": r.due_at,
             "offset_days": r.offset_days, "created_at": created} for r in reminders]
    inserted = db.session.execute(statement, rows)
    return {tuple(row) for row in inserted}


def sweep_detail(now: datetime | None = None) -> Swept:
    """Claim and queue the reminders due at `now`, in one transaction; commit."""
    now = now or utcnow()
    for attempt in range(3):
        try:
            due, pending = find_due(now)
            claimed = _claim(list(due.values()), now)
            link = {Kind.DEADLINE_REMINDER: links.by_id("town.path", "path_id"),
                    Kind.SHEET_REMINDER: links.by_id("evaluator.sheet", "path_id")}
            queued = notifications.queue_many(message(p, link[p.kind])
                                              for p in pending if p.reminder in claimed)
            db.session.commit()
            return Swept(len(claimed), queued)
        except OperationalError:  # SQLite: another sweep held the write lock too long
            db.session.rollback()
            if attempt == 2:
                raise
            log.warning("reminder sweep: database busy, trying again")
    raise AssertionError("unreachable")


def sweep(now: datetime | None = None) -> int:
    """The number of reminders queued (each to every member of a town, or one evaluator)."""
    return sweep_detail(now).reminders


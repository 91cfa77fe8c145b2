"""Ranking runs on the database: load the inputs, run the rule, keep snapshots, approve,
announce, compare, export.

A snapshot is written once: a queued row is filled by its run (status running, then done
or failed) and never changes afterwards, except the approval and announcement stamps.
The inputs are read with a fixed number of queries (three, whatever the number of
applications): the sheet's parts, the applications with their towns and submission
times, and the submitted sheets' points summed per part in SQL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import false, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

import states
from workflow.audit import log as audit
from workflow.collector import no_cycle_collection
from workflow.evaluation.scores import counted_sheet_rows, sheet_part_ids
from workflow.evaluation.scoring import SheetTotals
from workflow.extensions import db
from workflow.messaging import links, notifications
from workflow.messaging.notifications import Kind
from workflow.models import (
    Appeal,
    AppealStatus,
    Applicant,
    Criterion,
    Path,
    PathTransition,
    Programme,
    RankingKind,
    RankingSnapshot,
    RankingStatus,
    Role,
    SheetPart,
    User,
)
from workflow.models.types import utcnow
from workflow.path import transitions
from workflow.ranking import rule as ranking
from workflow.ranking.rule import Application, Result, Settings
from workflow.refusal import Message, Refused, _l, in_language, localized
from workflow.refusal import fill as _fill
from workflow.text import polish_key

KINDS = tuple(RankingKind)
OVERRIDES = ("cap", "budget", "threshold", "policy")
FUNDER = {"id": "PL-SCIEZKA-MFIPR", "name": "Ministerstwo Funduszy i Polityki Regionalnej"}

NOT_A_PREVIEW = _l("Zatwierdzić można tylko gotowy podgląd rankingu.")
INPUTS_CHANGED = _l("dane zmieniły się od podglądu – uruchom podgląd ponownie")
RULE_CHANGED = _l("reguła rankingu zmieniła się od podglądu – uruchom podgląd ponownie")
# Filled by _fill with their %(name)s values.
SHEETS_MISSING = _l("Brak wymaganych kart oceny: %(towns)s.")
FORMAL_PENDING = _l("Ocena formalna niezakończona: %(towns)s.")
NOT_OFFICIAL = _l("Ogłosić można tylko gotowy oficjalny ranking.")
ALREADY_ANNOUNCED = _l("Wyniki programu zostały już ogłoszone (ranking #%(id)s).")
NO_UPHELD_APPEAL = _l(
    "Poprawione ogłoszenie jest możliwe tylko wtedy, gdy po ogłoszeniu wyników uwzględniono protest.")
CHANGED_SINCE = _l("Dane zmieniły się od zatwierdzenia rankingu – uruchom podgląd i zatwierdź go "
                   "ponownie.")
WRONG_STATE = _l("Ścieżka miasta %(town)s jest na etapie, który nie pozwala ogłosić wyniku (%(state)s).")
CONFLICT = _l("Ktoś inny zmienił w międzyczasie ścieżki miast albo ogłosił wyniki. Odśwież stronę.")
FAILED = _l("Nieoczekiwany błąd podczas liczenia rankingu.")
NOT_QUEUED = _l("Nie udało się zlecić obliczenia rankingu. Spróbuj ponownie za chwilę.")


class RankingRefused(Refused):
    """The ranking run, approval or announcement may not happen; `reasons` say why."""

    def __init__(self, reasons: list[Message]) -> None:
        super().__init__(reasons)



# --- inputs --------------------------------------------------------------------------------------

def sheet_parts(programme: Programme) -> tuple[tuple[str, int], ...]:
    """The programme's score-sheet parts and their maximum points, in order: one query."""
    rows = db.session.execute(
        select(SheetPart.code, func.coalesce(func.sum(Criterion.max_points), 0))
        .outerjoin(Criterion, Criterion.part_id == SheetPart.id)
        .where(SheetPart.programme_id == programme.id)
        .group_by(SheetPart.id, SheetPart.code, SheetPart.position)
        .order_by(SheetPart.position, SheetPart.id)
    )
    return tuple((code, int(maximum)) for code, maximum in rows)


def _cap(value: Any) -> int | None:
    return None if value is None or value == "" else int(value)


def _budget(value: Any) -> Decimal | None:
    return None if value is None or value == "" else Decimal(str(value)).quantize(ranking.CENT)


def settings_of(programme: Programme, parts: tuple[tuple[str, int], ...] | None = None,
                **overrides: Any) -> Settings:
    """The programme's ranking settings; any of cap, budget, threshold, policy overridden
    (a key present with None means 'no limit' for cap and budget)."""
    unknown = set(overrides) - set(OVERRIDES)
    if unknown:
        raise ValueError(f"unknown settings: {sorted(unknown)}")
    return Settings(
        cap=_cap(overrides["cap"]) if "cap" in overrides else programme.winners_cap,
        budget=_budget(overrides["budget"]) if "budget" in overrides else _budget(programme.budget),
        threshold_pct=int(overrides.get("threshold", programme.threshold_pct)),
        policy=overrides.get("policy", programme.policy),
        discrepancy_pct=programme.discrepancy_pct,
        parts=parts if parts is not None else sheet_parts(programme),
        evaluators=programme.evaluators_per_application,
    )


@no_cycle_collection
def load_inputs(programme: Programme) -> list[Application]:
    """Every application of the programme with the sheets that count: three queries.

    The sheets are read by `scores.counted_sheet_rows`, the reader `counted_sheets` and so
    the evaluation pages use too, so the ranking and the coordinator's final scores always
    count the same sheets. The database sums the points, one row per sheet with a column
    per part; each row becomes one SheetTotals, nothing else is made per sheet.
    """
    parts = sheet_part_ids(programme.id)
    codes = tuple(code for _id, code in parts)
    definition = states.get_definition(programme.path_code)
    submitted = (
        select(PathTransition.path_id, func.max(PathTransition.created_at).label("at"))
        .join(Path, Path.id == PathTransition.path_id)
        .where(Path.programme_id == programme.id, PathTransition.event == definition.submit_event)
        .group_by(PathTransition.path_id)
        .subquery()
    )
    # Core rows through the session's connection (no ORM result layer: at 54,000 rows it
    # cost as much as the query), and the formal check's result looked up once per state.
    paths = db.session.connection().execute(
        select(Path.id, Applicant.name, Path.requested_amount, Path.state, submitted.c.at)
        .join(Applicant, Applicant.id == Path.applicant_id)
        .outerjoin(submitted, submitted.c.path_id == Path.id)
        .where(Path.programme_id == programme.id, Path.state.in_(definition.submitted_states()))
        .order_by(Path.id)
    ).all()
    sheets: dict[int, list[SheetTotals]] = {}
    for path_id, _assignment, email, _third, *points in counted_sheet_rows(programme.id, parts):
        totals = SheetTotals(email, dict(zip(codes, map(int, points), strict=True)))
        of_path = sheets.get(path_id)
        if of_path is None:
            sheets[path_id] = [totals]
        else:
            of_path.append(totals)
    formal = {state: definition.formal_check_result(state) for state in definition.submitted_states()}
    cent, none = ranking.CENT, ()
    return [
        Application(path_id, town, Decimal(requested).quantize(cent) if requested is not None else None, at,
                    formal.get(state) or definition.formal_check_result(state),
                    tuple(sheets.get(path_id, none)))
        for path_id, town, requested, state, at in paths
    ]


def preview(programme: Programme, **overrides: Any) -> dict[str, Any]:
    """The ranking document of the current inputs; writes nothing (the CLI's preview)."""
    settings = settings_of(programme, **overrides)
    return ranking.to_document(ranking.rank(load_inputs(programme), settings), programme.code)


def official_problems(result: Result) -> list[Message]:
    """Why `result` may not become an official ranking (names the towns)."""
    problems = []
    if result.missing_sheets:
        problems.append(_fill(SHEETS_MISSING, towns=", ".join(result.missing_sheets)))
    pending = sorted((r.application.town for r in result.rows if r.application.formal_check == "pending"),
                     key=polish_key)
    if pending:
        problems.append(_fill(FORMAL_PENDING, towns=", ".join(pending)))
    return problems


# --- runs ----------------------------------------------------------------------------------------

def queue_run(programme: Programme, actor: User | None, overrides: dict[str, Any] | None = None,
              kind: RankingKind = RankingKind.PREVIEW) -> RankingSnapshot:
    """A snapshot row waiting for its run (status 'queued'), committed, so a page can show it."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    settings = settings_of(programme, **(overrides or {}))
    snapshot = RankingSnapshot(programme_id=programme.id, kind=kind, status=RankingStatus.QUEUED,
                               settings=ranking.settings_json(settings),
                               created_by_id=actor.id if actor else None)
    db.session.add(snapshot)
    db.session.commit()
    return snapshot


def mark_failed(snapshot: RankingSnapshot, reason: Message = FAILED) -> None:
    """A queued run that will never happen (e.g. the broker refused the task)."""
    db.session.rollback()
    if snapshot.status in (RankingStatus.QUEUED, RankingStatus.RUNNING):
        snapshot.status = RankingStatus.FAILED
        snapshot.error = in_language(reason, "pl")
        db.session.commit()


def _fill_snapshot(snapshot: RankingSnapshot, applications: list[Application], result: Result,
                   programme: Programme) -> None:
    snapshot.settings = ranking.settings_json(result.settings)
    snapshot.inputs = ranking.inputs_json(applications)
    snapshot.inputs_digest = ranking.digest(applications)
    snapshot.rule_version = result.rule_version
    snapshot.result = ranking.to_document(result, programme.code)
    snapshot.status = RankingStatus.DONE


def run(programme: Programme, actor: User | None, overrides: dict[str, Any] | None = None,
        kind: RankingKind = RankingKind.PREVIEW, snapshot: RankingSnapshot | None = None,
        now: datetime | None = None) -> RankingSnapshot:
    """Rank the programme's current inputs and keep the result as a snapshot.

    A preview runs whatever is missing (those applications are not eligible); an official
    snapshot is refused (RankingRefused) while sheets or formal checks are missing. With
    `snapshot` (a queued row) the run fills it, and a refusal marks it failed.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    now = now or utcnow()
    settings = settings_of(programme, **(overrides or {}))
    if snapshot is not None:
        snapshot.status = RankingStatus.RUNNING
        db.session.commit()
    try:
        applications = load_inputs(programme)
        result = ranking.rank(applications, settings)
        problems = official_problems(result) if kind == RankingKind.OFFICIAL else []
        if problems:
            raise RankingRefused(problems)
    except RankingRefused as refused:
        if snapshot is not None:
            snapshot.status = RankingStatus.FAILED
            snapshot.error = "\n".join(in_language(r, "pl") for r in refused.reasons)
            db.session.commit()
        raise
    except Exception:
        db.session.rollback()
        if snapshot is not None:
            snapshot.status = RankingStatus.FAILED
            snapshot.error = in_language(FAILED, "pl")
            db.session.commit()
        raise
    if snapshot is None:
        snapshot = RankingSnapshot(programme_id=programme.id, kind=kind,
                                   created_by_id=actor.id if actor else None, created_at=now)
        db.session.add(snapshot)
    _fill_snapshot(snapshot, applications, result, programme)
    if kind == RankingKind.OFFICIAL:  # running an official ranking is approving it
        snapshot.approved_at, snapshot.approved_by_id = now, actor.id if actor else None
    db.session.flush()
    audit.record("ranking_run", actor=actor, object_type="ranking_snapshot", object_id=snapshot.id,
                 programme_id=programme.id, detail={"kind": kind, "applications": len(applications)})
    db.session.commit()
    return snapshot


def approve(preview_snapshot: RankingSnapshot, actor: User, now: datetime | None = None) -> RankingSnapshot:
    """A new official snapshot of the preview's settings, on the current inputs, which must be
    the preview's inputs (same digest); the preview itself is left as it was. A preview approved
    before gives back its official snapshot (see approve_once)."""
    return approve_once(preview_snapshot, actor, now)[0]


def approval_of(preview_id: int) -> RankingSnapshot | None:
    """The official snapshot approved from the preview `preview_id`, if any (the first one)."""
    return db.session.scalar(select(RankingSnapshot)
                             .where(RankingSnapshot.based_on_id == preview_id,
                                    RankingSnapshot.kind == RankingKind.OFFICIAL)
                             .order_by(RankingSnapshot.id).limit(1))


def approve_once(preview_snapshot: RankingSnapshot, actor: User,
                 now: datetime | None = None) -> tuple[RankingSnapshot, bool]:
    """approve(), idempotent: (official, True) when this call made it, (official, False) when the
    preview was approved already (a double click, ten tabs): the one official snapshot, no second.

    The preview is read again under a row lock (SELECT ... FOR UPDATE on PostgreSQL): a second
    approval of the same preview waits here until the first commits, then finds its official
    snapshot. (SQLite serialises writers on its own.)"""
    locked = db.session.scalar(select(RankingSnapshot).where(RankingSnapshot.id == preview_snapshot.id)
                               .with_for_update().execution_options(populate_existing=True))
    if locked is None:
        raise RankingRefused([NOT_A_PREVIEW])
    preview_snapshot = locked
    earlier = approval_of(preview_snapshot.id)
    if earlier is not None and preview_snapshot.kind == RankingKind.PREVIEW:
        db.session.commit()  # ends the transaction, releasing the lock
        return earlier, False
    if preview_snapshot.kind != RankingKind.PREVIEW or preview_snapshot.status != RankingStatus.DONE:
        raise RankingRefused([NOT_A_PREVIEW])
    if preview_snapshot.rule_version != ranking.FULL_RULE_VERSION:
        raise RankingRefused([RULE_CHANGED])
    programme = preview_snapshot.programme
    now = now or utcnow()
    settings = ranking.settings_from_json(preview_snapshot.settings)
    applications = load_inputs(programme)
    if ranking.digest(applications) != preview_snapshot.inputs_digest:
        raise RankingRefused([INPUTS_CHANGED])
    result = ranking.rank(applications, settings)
    problems = official_problems(result)
    if problems:
        raise RankingRefused(problems)
    official = RankingSnapshot(programme_id=programme.id, kind=RankingKind.OFFICIAL, created_at=now,
                               created_by_id=actor.id, based_on_id=preview_snapshot.id,
                               approved_at=now, approved_by_id=actor.id)
    _fill_snapshot(official, applications, result, programme)
    db.session.add(official)
    db.session.flush()
    audit.record("ranking_approved", actor=actor, object_type="ranking_snapshot", object_id=official.id,
                 programme_id=programme.id, detail={"preview": preview_snapshot.id})
    db.session.commit()
    return official, True


# --- the announcement ------------------------------------------------------------------------------

def announced_snapshot(programme_id: int) -> RankingSnapshot | None:
    """The announced snapshot in force (not superseded by a corrected announcement)."""
    return db.session.scalar(select(RankingSnapshot).where(RankingSnapshot.programme_id == programme_id,
                                                           RankingSnapshot.announced_at.is_not(None),
                                                           RankingSnapshot.superseded_at.is_(None)))


def announce(official: RankingSnapshot, actor: User, now: datetime | None = None) -> RankingSnapshot:
    """Announce `official`: in one transaction every application path moves to awarded,
    reserve or not awarded (through the ranking), the snapshot is stamped, and each town's
    members are notified. Refused, changing nothing, if anything stands in the way.

    With results already announced, only a corrected announcement is possible, and only
    after an appeal was upheld since (see _announce_correction)."""
    # The snapshot read again under a row lock: a second announcement of the same snapshot
    # waits here for the first to commit, then sees it announced. (Without it, the second
    # found every path already moved, moved none, and stamped the snapshot a second time.)
    official = db.session.scalar(select(RankingSnapshot).where(RankingSnapshot.id == official.id)
                                 .with_for_update().execution_options(populate_existing=True))
    if (official is None or official.kind != RankingKind.OFFICIAL or official.status != RankingStatus.DONE
            or not official.result):
        raise RankingRefused([NOT_OFFICIAL])
    earlier = announced_snapshot(official.programme_id)
    if earlier is not None:
        if official.announced_at is not None:
            raise RankingRefused([_fill(ALREADY_ANNOUNCED, id=earlier.id)])
        if not upheld_since(earlier):
            raise RankingRefused([_fill(ALREADY_ANNOUNCED, id=earlier.id), NO_UPHELD_APPEAL])
        return _announce_correction(official, earlier, actor, now)
    if official.announced_at is not None:  # announced once, superseded since
        raise RankingRefused([_fill(ALREADY_ANNOUNCED, id=official.id)])
    programme = official.programme
    if ranking.digest(load_inputs(programme)) != official.inputs_digest:
        raise RankingRefused([CHANGED_SINCE])
    now = now or utcnow()
    comment = f"Ogłoszenie wyników – ranking #{official.id}"
    definition = states.get_definition(programme.path_code)
    rows = list(zip(path_ids(official), official.result["applications"], strict=True))
    paths = {p.id: p for p in db.session.scalars(
        select(Path).where(Path.programme_id == programme.id, Path.id.in_([pid for pid, _a in rows])))}
    with _announcement():
        moves: list[Move] = []
        for path_id, a in rows:
            path = paths[path_id]
            target = definition.outcome_state(a["outcome"])
            if path.state == target or _stays_rejected(definition, path.state, a["outcome"]):
                continue
            moves.append(_move(path, definition, target, a["town"]))
        _fire_all(moves, actor, comment, now)
        official.announced_at, official.announced_by_id = now, actor.id
        audit.record("ranking_announced", actor=actor, object_type="ranking_snapshot",
                     object_id=official.id, programme_id=programme.id, detail={"moved": len(moves)})
        db.session.flush()
        _notify_towns(programme, definition, [(m.path, m.town) for m in moves])
    return official


def _stays_rejected(definition: states.PathDefinition, state: str, outcome: str) -> bool:
    """An application rejected at the formal check that the ranking finds not eligible keeps
    its state."""
    return definition.is_rejected(state) and outcome == "not_eligible"


@dataclass(frozen=True)
class Move:
    """One path's way to its announced result: the events the system fires, in order."""

    path: Path
    events: list[str]
    town: str


def _move(path: Path, definition: states.PathDefinition, target: str | None, town: str) -> Move:
    """The path's way to `target` (the definition's result route); refused when there is none."""
    events = definition.result_route(path.state, target) if target is not None else None
    if events is None:
        name = definition.state(path.state).staff if definition.has_state(path.state) else None
        raise RankingRefused([_fill(WRONG_STATE, town=town, state=localized(name) if name else path.state)])
    return Move(path, events, town)


def _fire_all(moves: list[Move], actor: User, comment: str, now: datetime) -> None:
    """Fire every move through the engine as the announcement, step by step: the first event
    of every path, a flush, the second of those that have one, ... (each transition is one
    version of its path, so seq stays unique). Nothing is committed here."""
    for step in range(max((len(m.events) for m in moves), default=0)):
        for move in moves:
            if step < len(move.events):
                try:
                    transitions.fire(move.path, move.events[step], actor, comment, now=now,
                                     as_system="announcement", commit=False)
                except transitions.TransitionRefused as refused:
                    raise RankingRefused(refused.reasons) from refused
        db.session.flush()


@contextmanager
def _announcement() -> Iterator[None]:
    """One announcement, one transaction: the body fires the path moves (uncommitted) and
    queues the messages; on leaving, the whole is committed, and only then are the queued
    messages dispatched. A refusal or a concurrent change rolls everything back."""
    try:
        yield
        db.session.commit()
    except RankingRefused:
        db.session.rollback()
        raise
    except (IntegrityError, StaleDataError) as exc:
        db.session.rollback()
        raise RankingRefused([CONFLICT]) from exc
    notifications.dispatch()


def upheld_since(announced: RankingSnapshot) -> bool:
    """Whether an appeal of the programme was upheld after `announced` was announced."""
    return bool(db.session.scalar(select(
        select(Appeal.id).join(Path, Path.id == Appeal.path_id)
        .where(Path.programme_id == announced.programme_id, Appeal.status == AppealStatus.UPHELD,
               Appeal.decided_at > announced.announced_at).exists())))


def _announce_correction(official: RankingSnapshot, earlier: RankingSnapshot, actor: User,
                         now: datetime | None) -> RankingSnapshot:
    """The corrected announcement after an upheld appeal: in one transaction `earlier` is
    stamped superseded and `official` announced, and ONLY the paths back in evaluation (the
    re-evaluated ones) move to their outcome in `official`; every other path keeps its
    announced state (a grant once announced is never withdrawn). Their towns are notified."""
    programme = official.programme
    if ranking.digest(load_inputs(programme)) != official.inputs_digest:
        raise RankingRefused([CHANGED_SINCE])
    now = now or utcnow()
    comment = f"Poprawione ogłoszenie wyników – ranking #{official.id} (zamiast #{earlier.id})"
    definition = states.get_definition(programme.path_code)
    rows = list(zip(path_ids(official), official.result["applications"], strict=True))
    paths = {p.id: p for p in db.session.scalars(
        select(Path).where(Path.programme_id == programme.id, Path.id.in_([pid for pid, _a in rows]),
                           _in(Path.state, definition.evaluation_states)))}
    with _announcement():
        moves = [_move(paths[path_id], definition, definition.outcome_state(a["outcome"]), a["town"])
                 for path_id, a in rows if path_id in paths]  # the others keep their announced state
        _fire_all(moves, actor, comment, now)
        earlier.superseded_at = now
        db.session.flush()  # the old one out of the way of the one-announced index first
        official.announced_at, official.announced_by_id = now, actor.id
        audit.record("ranking_announced", actor=actor, object_type="ranking_snapshot",
                     object_id=official.id, programme_id=programme.id,
                     detail={"moved": len(moves), "replaces": earlier.id})
        db.session.flush()
        _notify_towns(programme, definition, [(m.path, m.town) for m in moves])
    return official


def _in(column: Any, values: tuple[str, ...]) -> Any:
    """`column IN values`, false for none (a path definition without those states)."""
    return column.in_(values) if values else false()


def _notify_towns(programme: Programme, definition: states.PathDefinition,
                  paths: list[tuple[Path, str]]) -> None:
    """Queue one RESULTS_ANNOUNCED per member of each town (one query for the members)."""
    by_applicant = {p.applicant_id: (p, town) for p, town in paths}
    if not by_applicant:
        return
    members = db.session.scalars(
        select(User).where(User.applicant_id.in_(list(by_applicant)), User.role == Role.TOWN,
                           User.active.is_(True)).order_by(User.id))
    for user in members:
        path, town = by_applicant[user.applicant_id]
        locale = user.locale or "pl"
        notifications.queue(user, Kind.RESULTS_ANNOUNCED, programme=programme, town=town,
                            outcome=definition.state(path.state).applicant.get(locale),
                            link=links.absolute("results.town_path", path_id=path.id))


# --- reading snapshots ---------------------------------------------------------------------------

def _row_key(town: str, requested: str | None, submitted_at: str | None, formal: str,
             sheets: list[dict[str, Any]]) -> tuple[Any, ...]:
    return (town, requested, submitted_at, formal,
            tuple((s["evaluator"], sum(s["parts"].values())) for s in sheets))


def path_ids(snapshot: RankingSnapshot) -> list[int]:
    """The path id of each application of the snapshot's document, in its order.

    The document names towns, not paths; its rows are matched to the stored inputs by
    everything the rule reads. Inputs that agree on all of that are ranked by path id,
    so taking the candidates in path-id order gives each row its own path.
    """
    return document_path_ids(snapshot.inputs, snapshot.result)


def document_path_ids(inputs: dict[str, Any] | None, result: dict[str, Any] | None) -> list[int]:
    """path_ids() of a snapshot's two documents, read without the snapshot row."""
    candidates: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for a in (inputs or {}).get("applications", []):
        key = _row_key(a["town"], a["requested"], a["submitted_at"], a["formal_check"], a["sheets"])
        candidates[key].append(a["path_id"])
    out = []
    for a in (result or {}).get("applications", []):
        key = _row_key(a["town"], a["requested"], a["submitted_at"], a["formal_check"], a["sheets"])
        out.append(candidates[key].pop(0))
    return out


@dataclass(frozen=True)
class Placing:
    rank: int | None
    outcome: str
    total: float | None


@dataclass(frozen=True)
class Change:
    """One town in two snapshots: where it stood in each (None: not in that snapshot)."""

    path_id: int
    town: str
    before: Placing | None
    after: Placing | None

    @property
    def changes(self) -> tuple[str, ...]:
        if self.before is None:
            return ("added",)
        if self.after is None:
            return ("removed",)
        return tuple(name for name in ("outcome", "rank", "total")
                     if getattr(self.before, name) != getattr(self.after, name))


def _placings(snapshot: RankingSnapshot) -> Iterator[tuple[int, str, Placing]]:
    for path_id, a in zip(path_ids(snapshot), snapshot.result["applications"], strict=True):
        yield path_id, a["town"], Placing(a["rank"], a["outcome"], a["total"])


def compare(a: RankingSnapshot, b: RankingSnapshot) -> list[Change]:
    """Per town: rank, outcome and total in `a` and in `b`, in `b`'s order (then the towns
    only `a` has, in its order)."""
    before = {pid: (town, p) for pid, town, p in _placings(a)}
    out = []
    for pid, town, placing in _placings(b):
        out.append(Change(pid, town, before.pop(pid, (town, None))[1], placing))
    out += [Change(pid, town, placing, None) for pid, (town, placing) in before.items()]
    return out


# --- exports -----------------------------------------------------------------------------------------

def award_moment(snapshot: RankingSnapshot) -> datetime:
    return snapshot.announced_at or snapshot.approved_at or snapshot.created_at


def grants_360(snapshot: RankingSnapshot) -> dict[str, Any]:
    """The awarded grants of `snapshot` as a 360Giving package: two queries."""
    programme = snapshot.programme
    rows = list(zip(path_ids(snapshot), snapshot.result["applications"], strict=True))
    awarded = [(pid, a) for pid, a in rows if a["outcome"] == "awarded"]
    applicant_of = dict(db.session.execute(
        select(Path.id, Path.applicant_id).where(Path.id.in_([pid for pid, _a in awarded] or [-1]))).all())
    day = award_moment(snapshot).astimezone(ZoneInfo(programme.timezone)).date().isoformat()
    grants = []
    for pid, a in awarded:
        amount = Decimal(a["requested"])
        grants.append({
            "id": f"PL-SCIEZKA-{programme.code}-{pid}",
            "title": f"{programme.title_pl}: {a['town']}",
            "description": (f"Dofinansowanie w programie {programme.title_pl} ({programme.code}), "
                            f"miejsce {a['rank']} na liście rankingowej #{snapshot.id}."),
            "currency": "PLN",
            "amountAwarded": int(amount) if amount == amount.to_integral_value() else float(amount),
            "awardDate": day,
            "recipientOrganization": [{"id": f"PL-SCIEZKA-APPLICANT-{applicant_of.get(pid, pid)}",
                                       "name": a["town"]}],
            "fundingOrganization": [dict(FUNDER)],
        })
    return {"grants": grants}


def snapshots_of(programme: Programme) -> list[tuple[RankingSnapshot, str | None]]:
    """The programme's snapshots, newest first, each with its author's name: one query."""
    return [(s, name) for s, name in db.session.execute(
        select(RankingSnapshot, User.name)
        .outerjoin(User, User.id == RankingSnapshot.created_by_id)
        .where(RankingSnapshot.programme_id == programme.id)
        .order_by(RankingSnapshot.created_at.desc(), RankingSnapshot.id.desc()))]

"""Evaluator assignment, part 2: the read-only queries (the sheets that count, application
scores, sheet lines, earlier rounds, the evaluators table); kept apart from the writes.

`counted_sheet_rows` is the one reader of which score sheets count for an application: the
ranking's inputs (ranking.runs.load_inputs) read its rows, and the evaluation pages
(application_scores, the evaluator assignment's third-evaluator rule and proposal) take their
sheets from `counted_sheets`, built on it."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, aliased

from workflow.evaluation import scoring
from workflow.evaluation.conflicts import (
    EvaluatorLoad,
    conflicts_found,
    current_round,
    evaluation_states,
    evaluator_loads,
    not_conflicted,
)
from workflow.extensions import db
from workflow.models import (
    Applicant,
    ConflictType,
    Criterion,
    Declaration,
    EvaluatorAssignment,
    EvaluatorProfile,
    EvaluatorRole,
    EvaluatorSource,
    Path,
    PathTransition,
    Programme,
    Score,
    ScoreSheet,
    SheetPart,
    SheetStatus,
    User,
)

# --- the sheets that count ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CountedSheet:
    """A score sheet that counts for its application: submitted, of the path's current
    evaluation round, by an evaluator who declared no conflict of interest. The final score
    (scoring.final_score) is computed from an application's counted sheets, in their order."""

    path_id: int
    assignment_id: int
    role: EvaluatorRole
    totals: scoring.SheetTotals  # what the final score rule and the ranking read of the sheet

    @property
    def evaluator_email(self) -> str:
        return self.totals.evaluator

    @property
    def parts(self) -> dict[str, int]:
        """Points per part: every part of the programme's sheet, in its order."""
        return self.totals.parts

    @property
    def total(self) -> int:
        return self.totals.total


@dataclass(frozen=True)
class CountedSheets:
    """The counted sheets of a programme's applications, by path id."""

    part_codes: tuple[str, ...]  # the programme's sheet parts, in order
    by_path: dict[int, tuple[CountedSheet, ...]]

    def of(self, path_id: int) -> tuple[CountedSheet, ...]:
        """The path's counted sheets in scoring order: the regular ones by assignment id, then
        the third."""
        return self.by_path.get(path_id, ())


def sheet_part_ids(programme_id: int, session: Session | None = None) -> tuple[tuple[int, str], ...]:
    """The programme's sheet parts as (id, code), in the sheet's order: one query."""
    session = session or db.session()
    return tuple((part_id, code) for part_id, code in session.execute(
        select(SheetPart.id, SheetPart.code).where(SheetPart.programme_id == programme_id)
        .order_by(SheetPart.position, SheetPart.id)))


def counted_sheet_rows(programme_id: int, parts: Sequence[tuple[int, str]],
                       path_ids: Collection[int] | None = None, states: Collection[str] | None = None,
                       *, session: Session | None = None) -> Sequence[Any]:
    """One row per counted sheet, in scoring order (path id, the regular sheets by assignment
    id, then the third): (path id, assignment id, evaluator's email, third (0/1), then the
    sheet's points in each of `parts`, 0 for a part without points). One query.

    The points are summed per part in SQL, one column per part (`parts` from
    sheet_part_ids), so the database returns one row per sheet, not one per sheet and part.
    Read as Core rows at once: no ORM result layer, no fetch per row."""
    session = session or db.session()
    scope = [Path.programme_id == programme_id, current_round(), not_conflicted(),
             ScoreSheet.status == SheetStatus.SUBMITTED]
    if path_ids is not None:
        scope.append(Path.id.in_(list(path_ids)))
    if states is not None:
        scope.append(Path.state.in_(list(states)))
    third_last = case((EvaluatorAssignment.role == EvaluatorRole.THIRD, 1), else_=0)
    per_part = [func.coalesce(func.sum(case((Criterion.part_id == part_id, Score.points), else_=0)), 0)
                for part_id, _code in parts]
    return session.connection().execute(
        select(EvaluatorAssignment.path_id, EvaluatorAssignment.id, User.email, third_last, *per_part)
        .join(Path, Path.id == EvaluatorAssignment.path_id)
        .join(User, User.id == EvaluatorAssignment.evaluator_id)
        .join(ScoreSheet, ScoreSheet.assignment_id == EvaluatorAssignment.id)
        .join(Score, Score.sheet_id == ScoreSheet.id)
        .join(Criterion, Criterion.id == Score.criterion_id)
        .where(*scope)
        .group_by(EvaluatorAssignment.id, User.email)
        .order_by(EvaluatorAssignment.path_id, third_last, EvaluatorAssignment.id)).all()


def counted_sheets(programme_id: int, path_ids: Collection[int] | None = None,
                   states: Collection[str] | None = None, *, session: Session | None = None) -> CountedSheets:
    """The sheets that count for the programme's applications (only the paths of `path_ids`,
    or in `states`, when given). The one reader of them: the ranking's inputs and the
    evaluation pages both read their sheets here (the ranking through counted_sheet_rows).
    Two queries whatever the number of applications: the sheet's parts, and every counted
    sheet with its points summed per part in SQL."""
    session = session or db.session()
    parts = sheet_part_ids(programme_id, session)
    codes = tuple(code for _id, code in parts)
    by_path: dict[int, list[CountedSheet]] = {}
    regular, third_role, totals_of = EvaluatorRole.REGULAR, EvaluatorRole.THIRD, scoring.SheetTotals
    for path_id, assignment_id, email, third, *points in counted_sheet_rows(
            programme_id, parts, path_ids, states, session=session):
        sheet = CountedSheet(path_id, assignment_id, third_role if third else regular,
                             totals_of(email, dict(zip(codes, map(int, points), strict=True))))
        sheets = by_path.get(path_id)
        if sheets is None:
            by_path[path_id] = [sheet]
        else:
            sheets.append(sheet)
    return CountedSheets(codes, {path_id: tuple(sheets) for path_id, sheets in by_path.items()})


# --- the scores of applications ----------------------------------------------------------------


@dataclass(frozen=True)
class EvaluationRow:
    """One evaluator on one application: the declaration, the sheet and its totals."""

    assignment_id: int
    evaluator_id: int
    evaluator_name: str
    evaluator_email: str
    role: EvaluatorRole
    source: EvaluatorSource
    declaration: Declaration | None  # None until declared
    conflict_type: ConflictType | None
    conflict_note: str
    declared_at: datetime | None
    sheet_id: int | None
    sheet_status: str  # 'none' | 'draft' | 'submitted'
    submitted_at: datetime | None
    parts: dict[str, int] | None  # per part, counted sheets only (see counted_sheets)
    position: int | None = None  # index of the sheet in ApplicationScore.sheets
    counted: bool = False  # one of the pair that counted in the final score

    @property
    def active(self) -> bool:
        """Evaluates the application (no declared conflict)."""
        return self.declaration != Declaration.CONFLICT

    @property
    def submitted(self) -> bool:
        return self.sheet_status == SheetStatus.SUBMITTED

    @property
    def total(self) -> int | None:
        return sum(self.parts.values()) if self.parts is not None else None


@dataclass(frozen=True)
class ApplicationScore:
    """An application's evaluation as far as it goes, every step kept for display.

    `sheets` is exactly what scoring.final_score was given (the counted sheets, in the order
    of counted_sheets: the regular ones by assignment id, then the third), `final` its answer."""

    path_id: int
    programme_id: int
    town: str
    voivodeship: str
    state: str
    requested_amount: Decimal | None
    submitted_at: datetime | None  # the last time the town submitted the application
    formal_check_passed: bool
    part_codes: tuple[str, ...]
    required: int  # regular evaluators per application (programme setting)
    discrepancy_pct: int
    rows: tuple[EvaluationRow, ...]  # regular ones by assignment id, then third ones
    sheets: tuple[scoring.SheetTotals, ...]
    final: scoring.FinalScore
    third: str  # 'not_needed' | 'needed' | 'assigned' | 'submitted'
    evaluation_states: tuple[str, ...] = ()  # the states of its path's merit evaluation

    @property
    def evaluator_ids(self) -> set[int]:
        """Everyone with a row on the application, declared conflicts included."""
        return {r.evaluator_id for r in self.rows}

    @property
    def active_regular(self) -> list[EvaluationRow]:
        return [r for r in self.rows if r.role == EvaluatorRole.REGULAR and r.active]

    @property
    def missing_regular(self) -> int:
        return max(self.required - len(self.active_regular), 0)

    @property
    def sheets_missing(self) -> int:
        """Sheets still required before the final score: regular ones, and the third."""
        submitted = sum(1 for r in self.active_regular if r.submitted)
        return max(self.required - submitted, 0) + (1 if self.third in ("needed", "assigned") else 0)

    @property
    def complete(self) -> bool:
        return self.final.complete and self.sheets_missing == 0

    @property
    def counted_rows(self) -> list[EvaluationRow]:
        return [r for r in self.rows if r.counted]

    @property
    def in_evaluation(self) -> bool:
        return self.state in self.evaluation_states

    @property
    def spread_pct(self) -> Decimal | None:
        """The spread of the counted sheets' totals in % of the highest (the rule: more than
        `discrepancy_pct` between the first two calls a third); None below two sheets."""
        totals = [s.total for s in self.sheets]
        if len(totals) < 2:
            return None
        high = max(totals)
        if high <= 0:
            return Decimal(0)
        return (Decimal(100) * (high - min(totals)) / high).quantize(Decimal("0.1"))

    @property
    def over_rule(self) -> bool:
        """The first two totals differ by more than the programme allows."""
        return self.final.needs_third


def _third_status(rows: list[EvaluationRow], sheets: list[EvaluationRow], pct: int) -> str:
    """Whether a further sheet is needed and where it stands (see the module docstring)."""
    regular = [r for r in sheets if r.role == EvaluatorRole.REGULAR]
    if len(regular) < 2 or not scoring.differ_too_much(regular[0].total or 0, regular[1].total or 0, pct):
        return "not_needed"
    first_two = {regular[0].assignment_id, regular[1].assignment_id}
    others = [r for r in rows if r.active and r.assignment_id not in first_two]
    if any(r.submitted for r in others):
        return "submitted"
    return "assigned" if others else "needed"


def _scores(programme: Programme, states: Collection[str] | None = None,
            path_ids: Collection[int] | None = None,
            session: Session | None = None, with_events: bool = True) -> list[ApplicationScore]:
    """The scores of the programme's paths (only those in `states`, or of `path_ids`, when
    given), in five queries: the sheets that count (two), the paths, their submission and
    formal check, and every assignment of the current round with its sheet."""
    scope = Path.programme_id == programme.id
    if states is not None:
        scope = scope & Path.state.in_(list(states))
    if path_ids is not None:
        scope = scope & Path.id.in_(list(path_ids))
    session = session or db.session()
    counted = counted_sheets(programme.id, path_ids, states, session=session)
    paths = session.execute(
        select(Path.id, Path.state, Path.requested_amount, Applicant.name.label("town"),
               Applicant.voivodeship)
        .join(Applicant, Applicant.id == Path.applicant_id).where(scope).order_by(Path.id)).all()
    events: dict[int, dict[str, datetime]] = {}
    for path_id, event, at in [] if not with_events else session.execute(
            select(PathTransition.path_id, PathTransition.event, func.max(PathTransition.created_at))
            .join(Path, Path.id == PathTransition.path_id)
            .where(scope, PathTransition.event.in_(("submit_application", "pass_formal_check")))
            .group_by(PathTransition.path_id, PathTransition.event)):
        events.setdefault(path_id, {})[event] = at
    parts_of = {s.assignment_id: s.parts for sheets in counted.by_path.values() for s in sheets}
    rows_of: dict[int, list[EvaluationRow]] = {}
    for r in session.execute(
            select(EvaluatorAssignment.id, EvaluatorAssignment.path_id, EvaluatorAssignment.evaluator_id,
                   User.name, User.email, EvaluatorAssignment.role, EvaluatorAssignment.source,
                   EvaluatorAssignment.declaration, EvaluatorAssignment.conflict_type,
                   EvaluatorAssignment.conflict_note, EvaluatorAssignment.declared_at,
                   ScoreSheet.id.label("sheet_id"), ScoreSheet.status, ScoreSheet.submitted_at)
            .join(Path, Path.id == EvaluatorAssignment.path_id)
            .join(User, User.id == EvaluatorAssignment.evaluator_id)
            .outerjoin(ScoreSheet, ScoreSheet.assignment_id == EvaluatorAssignment.id)
            .where(scope, current_round()).order_by(EvaluatorAssignment.id)):
        parts = parts_of.get(r.id)
        rows_of.setdefault(r.path_id, []).append(EvaluationRow(
            assignment_id=r.id, evaluator_id=r.evaluator_id, evaluator_name=r.name,
            evaluator_email=r.email, role=r.role, source=r.source, declaration=r.declaration,
            conflict_type=r.conflict_type, conflict_note=r.conflict_note or "",
            declared_at=r.declared_at, sheet_id=r.sheet_id, sheet_status=r.status or "none",
            submitted_at=r.submitted_at, parts=dict(parts) if parts is not None else None))
    return [_score_one(programme, counted.part_codes, p, events.get(p.id, {}), rows_of.get(p.id, []),
                       counted.of(p.id))
            for p in paths]


def _score_one(programme: Programme, codes: tuple[str, ...], path: Any, events: dict[str, datetime],
               rows: list[EvaluationRow], counted: tuple[CountedSheet, ...]) -> ApplicationScore:
    rows = sorted(rows, key=lambda r: (r.role != EvaluatorRole.REGULAR, r.assignment_id))
    sheets = [s.totals for s in counted]
    final = scoring.final_score(sheets, programme.discrepancy_pct)
    position = {s.assignment_id: i for i, s in enumerate(counted)}
    pair = {counted[i].assignment_id for i in final.counted} if final.counted else set()
    rows = [dataclasses.replace(r, position=position.get(r.assignment_id), counted=r.assignment_id in pair)
            for r in rows]
    in_order = [r for r in rows if r.position is not None]  # the counted sheets' order too
    return ApplicationScore(
        path.id, programme.id, path.town, path.voivodeship, path.state, path.requested_amount,
        events.get("submit_application"), "pass_formal_check" in events, codes,
        programme.evaluators_per_application, programme.discrepancy_pct, tuple(rows), tuple(sheets), final,
        _third_status(rows, in_order, programme.discrepancy_pct), evaluation_states(programme))


def application_scores(programme: Programme, states: Sequence[str] | None = None) -> list[ApplicationScore]:
    """Every application of the programme (or those in `states`), by path id, with its
    evaluators, declarations, sheets, totals, spread, third evaluator and final score.
    Five queries whatever the number of applications."""
    return _scores(programme, states=states)


def scores_of(programme: Programme, path_ids: Collection[int], *,
              session: Session | None = None) -> list[ApplicationScore]:
    """The applications `path_ids` of the programme (a page of the overview, or the paths a
    transaction changed), by path id: four queries whatever their number. Without the
    submission and formal check moments (`submitted_at` None, `formal_check_passed` False),
    which neither the overview nor its kept lines show."""
    return _scores(programme, path_ids=path_ids, session=session, with_events=False)


def application_score(path: Path) -> ApplicationScore:
    return _scores(path.programme, path_ids=[path.id])[0]


@dataclass(frozen=True)
class ScoreLine:
    criterion_id: int
    points: int | None
    justification: str


def sheet_lines(path: Path) -> dict[int, dict[int, ScoreLine]]:
    """The points and justifications of the path's submitted sheets: assignment id ->
    criterion id -> line (one query)."""
    lines: dict[int, dict[int, ScoreLine]] = {}
    for assignment_id, criterion_id, points, justification in db.session.execute(
            select(ScoreSheet.assignment_id, Score.criterion_id, Score.points, Score.justification)
            .join(Score, Score.sheet_id == ScoreSheet.id)
            .join(EvaluatorAssignment, EvaluatorAssignment.id == ScoreSheet.assignment_id)
            .join(Path, Path.id == EvaluatorAssignment.path_id)
            .where(EvaluatorAssignment.path_id == path.id, current_round(),
                   ScoreSheet.status == SheetStatus.SUBMITTED)):
        lines.setdefault(assignment_id, {})[criterion_id] = ScoreLine(criterion_id, points, justification)
    return lines


@dataclass(frozen=True)
class EarlierSheet:
    """An evaluator of an earlier evaluation round (before an upheld appeal): history only."""

    round: int
    evaluator_name: str
    role: EvaluatorRole
    declaration: Declaration | None
    sheet_status: str  # 'none' | 'draft' | 'submitted'
    total: int | None


def earlier_rounds(path: Path) -> list[EarlierSheet]:
    """The assignments of the path's earlier evaluation rounds with their sheets' totals,
    newest round first (one query; none in round 1)."""
    if path.evaluation_round <= 1:
        return []
    points = (select(func.sum(Score.points)).where(Score.sheet_id == ScoreSheet.id)
              .correlate(ScoreSheet).scalar_subquery())
    total = func.coalesce(points, 0).label("total")
    return [EarlierSheet(r.round, r.name, r.role, r.declaration, r.status or "none",
                         int(r.total) if r.status == SheetStatus.SUBMITTED else None)
            for r in db.session.execute(
                select(EvaluatorAssignment.round, User.name, EvaluatorAssignment.role,
                       EvaluatorAssignment.declaration, ScoreSheet.status, total)
                .join(User, User.id == EvaluatorAssignment.evaluator_id)
                .outerjoin(ScoreSheet, ScoreSheet.assignment_id == EvaluatorAssignment.id)
                .where(EvaluatorAssignment.path_id == path.id,
                       EvaluatorAssignment.round < path.evaluation_round)
                .order_by(EvaluatorAssignment.round.desc(), EvaluatorAssignment.id))]


def eligible(score: ApplicationScore, evaluators: dict[int, EvaluatorLoad],
             conflicts: dict[tuple[int, int], str]) -> list[EvaluatorLoad]:
    """Active evaluators who may be assigned to the application now: not on it yet and without
    an automatic conflict; by load, then id (the first is the one the third rule picks)."""
    on = score.evaluator_ids
    return sorted((e for e in evaluators.values()
                   if e.active and e.id not in on and (score.path_id, e.id) not in conflicts),
                  key=lambda e: (e.load, e.id))


# --- the evaluators table ----------------------------------------------------------------------


@dataclass
class EvaluatorRow:
    evaluator: EvaluatorLoad
    municipality_name: str = ""
    advisor_name: str | None = None  # the linked advisor account of the same person
    regular: int = 0
    third: int = 0
    submitted: int = 0
    auto_conflicts: list[tuple[int, str, str]] = dataclasses.field(default_factory=list)  # path, town, type
    declared: list[tuple[int, str, str, str]] = dataclasses.field(default_factory=list)  # + note


def evaluator_rows(programme: Programme) -> list[EvaluatorRow]:
    """Every evaluator with their load, sheets and conflicts in the programme (fixed queries)."""
    rows = {e.id: EvaluatorRow(e) for e in evaluator_loads(programme).values()}
    advisor = aliased(User)
    for user_id, municipality, advisor_name in db.session.execute(
            select(EvaluatorProfile.user_id, EvaluatorProfile.municipality_name, advisor.name)
            .outerjoin(advisor, advisor.id == EvaluatorProfile.advisor_account_id)):
        if user_id in rows:
            rows[user_id].municipality_name, rows[user_id].advisor_name = municipality or "", advisor_name
    towns = dict(db.session.execute(
        select(Path.id, Applicant.name).join(Applicant, Applicant.id == Path.applicant_id)
        .where(Path.programme_id == programme.id)).all())
    for evaluator_id, path_id, role, declaration, kind, note, status in db.session.execute(
            select(EvaluatorAssignment.evaluator_id, EvaluatorAssignment.path_id, EvaluatorAssignment.role,
                   EvaluatorAssignment.declaration, EvaluatorAssignment.conflict_type,
                   EvaluatorAssignment.conflict_note, ScoreSheet.status)
            .join(Path, Path.id == EvaluatorAssignment.path_id)
            .outerjoin(ScoreSheet, ScoreSheet.assignment_id == EvaluatorAssignment.id)
            .where(Path.programme_id == programme.id, current_round()).order_by(EvaluatorAssignment.id)):
        row = rows.get(evaluator_id)
        if row is None:
            continue
        if declaration == Declaration.CONFLICT:
            row.declared.append((path_id, towns.get(path_id, "?"), kind or ConflictType.OTHER, note or ""))
            continue
        if role == EvaluatorRole.THIRD:
            row.third += 1
        else:
            row.regular += 1
        if status == SheetStatus.SUBMITTED:
            row.submitted += 1
    for (path_id, evaluator_id), kind in sorted(conflicts_found(programme).items()):
        if evaluator_id in rows:
            rows[evaluator_id].auto_conflicts.append((path_id, towns.get(path_id, "?"), kind))
    return list(rows.values())

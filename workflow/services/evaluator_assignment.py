"""Who evaluates which application: conflicts of interest, manual assignment, a proposal
computed as a min-cost flow, the third evaluator rule, and the scores the coordinator sees.

Conflicts. An evaluator has a conflict with an application when they declared one on
their assignment (typed: family, other, ...), or automatically:
- 'advised_town': their EvaluatorProfile links the advisor account of the same person,
  and that advisor is (or was, per AssignmentEvent) assigned to the town or logged a
  Service for it;
- 'municipality': the profile's municipality_name is the name of one of the applicant's
  municipalities (compared without case and surrounding spaces).
Such pairs are never proposed, never chosen as the third evaluator, and refused by hand.

Load. An evaluator's load is the number of their assignments in the programme, except the
ones where they declared a conflict (they do not evaluate those). Only evaluators whose
account is active are assigned.

The proposal (same approach as the advisors', docs/decisions/0007): every application in
evaluation needs `evaluators_per_application` regular evaluators who did not declare a
conflict; the missing ones are filled by

    source ──slot k──> evaluator ──1──> application ──missing──> sink
    source ────────── uncovered, cost Instance.uncovered_cost ──> application

The k-th new application of an evaluator costs LOAD_WEIGHT * (load + k), so the optimum
spreads the work (a convex cost); an evaluator is at most once on an application; pairs
with a conflict have no arc. The uncovered cost exceeds the most that covering every slot
can cost, so the optimum fills as many slots as possible and only then balances the load.

The third evaluator. When the first two submitted regular sheets (by assignment id) differ
by more than programme.discrepancy_pct % of the higher total (scoring.differ_too_much) and
no other evaluator without a conflict is on the application, `ensure_third` assigns the
active evaluator with the lowest load, without any conflict and not yet on the
application (ties: the lower id), and notifies them. It is idempotent.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

import networkx as nx
from sqlalchemy import ColumnElement, func, or_, select, union
from sqlalchemy.orm import aliased
from sqlalchemy.orm.exc import StaleDataError

from states.definition import Label
from workflow.extensions import db
from workflow.models import (
    AdvisorAssignment,
    Applicant,
    ApplicantMember,
    AssignmentEvent,
    Criterion,
    EvaluatorAssignment,
    EvaluatorProfile,
    Municipality,
    Path,
    PathTransition,
    Programme,
    Role,
    Score,
    ScoreSheet,
    Service,
    SheetPart,
    User,
)
from workflow.services import audit, notifications, scoring
from workflow.services.assignment import CHANGED, AssignmentRefused, one_transaction
from workflow.services.notifications import Kind

EVALUATION = "evaluation"
# States whose applications were (or are being) evaluated: the coordinator's page lists them.
EVALUATED_STATES = (EVALUATION, "ranked", "reserve", "awarded", "not_awarded")
ROLES = ("regular", "third")
SOURCES = ("manual", "proposal", "third_rule", "demo")
LOAD_WEIGHT = 10

# The kinds of conflict, as a table shows them.
CONFLICT_LABELS = {
    "advised_town": Label("doradztwo dla miasta", "advised the town"),
    "municipality": Label("mieszka lub pracuje w gminie wnioskodawcy",
                          "lives or works in the applicant's municipality"),
    "family": Label("powiązania rodzinne", "family ties"),
    "other": Label("inny konflikt", "another conflict"),
}
ADVISED = Label("Konflikt interesów: ta osoba doradzała temu miastu.",
                "Conflict of interest: this person advised the town.")
LIVES_THERE = Label("Konflikt interesów: ta osoba mieszka lub pracuje w gminie wnioskodawcy.",
                    "Conflict of interest: this person lives or works in the applicant's municipality.")

NOT_EVALUATOR = Label("Wybrana osoba nie jest aktywnym oceniającym.",
                      "The person chosen is not an active evaluator.")
UNKNOWN_EVALUATOR = Label("Nie ma takiego oceniającego.", "There is no such evaluator.")
NOT_IN_PROGRAMME = Label("Tego wniosku nie ma w programie.", "This application is not in the programme.")
NOT_IN_EVALUATION = Label("Wniosek nie jest na etapie oceny merytorycznej.",
                          "The application is not in merit evaluation.")
ALREADY_ON = Label("Ta osoba jest już przydzielona do oceny tego wniosku.",
                   "This person is already assigned to evaluate this application.")
THIRD_NOT_NEEDED = Label(
    "Trzecia ocena nie jest potrzebna: nie złożono jeszcze dwóch ocen albo ich sumy nie różnią się "
    "bardziej, niż pozwalają zasady programu.",
    "A third evaluation is not needed: two sheets are not in yet or their totals do not differ by "
    "more than the programme's rules allow.")
THIRD_TAKEN = Label("Wniosek ma już trzeciego oceniającego.",
                    "The application already has a third evaluator.")
SUBMITTED = Label("Nie można zakończyć przydziału: oceniający złożył już kartę oceny.",
                  "The assignment cannot end: the evaluator has already submitted the score sheet.")
CONFLICT_KEPT = Label(
    "Zgłoszony konflikt interesów zostaje w dokumentacji oceny; ta osoba i tak nie liczy się już "
    "do oceniających wniosku.",
    "A declared conflict of interest stays on the record; this person no longer counts as an "
    "evaluator of the application anyway.")
NO_THIRD_CANDIDATE = Label(
    "Nie ma kogo przydzielić jako trzeciego oceniającego: każdy aktywny oceniający ma konflikt "
    "interesów z tym wnioskiem albo już go ocenia.",
    "Nobody can be assigned as the third evaluator: every active evaluator has a conflict of "
    "interest with this application or already evaluates it.")


def conflict_refusal(kind: str, declared: bool = False) -> Label:
    """Why a pair with a conflict is refused: found automatically, or declared by the evaluator."""
    if not declared and kind == "advised_town":
        return ADVISED
    if not declared and kind == "municipality":
        return LIVES_THERE
    what = CONFLICT_LABELS.get(kind, CONFLICT_LABELS["other"])
    return Label(f"Ta osoba zgłosiła konflikt interesów z tym wnioskiem (rodzaj: {what.pl}).",
                 f"This person declared a conflict of interest with this application (kind: {what.en}).")


def regular_full(n: int) -> Label:
    return Label(f"Wniosek ma już tylu oceniających, ilu przewiduje program ({n}).",
                 f"The application already has as many evaluators as the programme sets ({n}).")


def too_few(candidates: int, missing: int) -> Label:
    return Label(f"Za mało oceniających bez konfliktu interesów, którzy jeszcze nie oceniają tego wniosku "
                 f"(dostępnych: {candidates}, brakuje: {missing}).",
                 f"Too few evaluators without a conflict of interest who do not evaluate it yet "
                 f"(available: {candidates}, missing: {missing}).")


# --- conflicts found automatically ------------------------------------------------------------


def _norm(name: str | None) -> str:
    return " ".join((name or "").split()).casefold()


def _auto_conflicts(scope: ColumnElement[bool], evaluator_ids: Iterable[int] | None = None
                    ) -> dict[tuple[int, int], str]:
    """(path_id, evaluator_id) -> conflict type for the paths matching `scope` (a condition
    on Path); at most three queries whatever the number of paths and evaluators."""
    query = select(EvaluatorProfile.user_id, EvaluatorProfile.advisor_account_id,
                   EvaluatorProfile.municipality_name)
    if evaluator_ids is not None:
        query = query.where(EvaluatorProfile.user_id.in_(list(evaluator_ids)))
    profiles = db.session.execute(query).all()
    found: dict[tuple[int, int], str] = {}
    by_advisor: dict[int, list[int]] = {}
    by_municipality: dict[str, list[int]] = {}
    for user_id, advisor_id, municipality in profiles:
        if advisor_id is not None:
            by_advisor.setdefault(advisor_id, []).append(user_id)
        if _norm(municipality):
            by_municipality.setdefault(_norm(municipality), []).append(user_id)
    if by_municipality:
        for path_id, name in db.session.execute(
                select(Path.id, Municipality.name)
                .join(ApplicantMember, ApplicantMember.applicant_id == Path.applicant_id)
                .join(Municipality, Municipality.id == ApplicantMember.municipality_id).where(scope)):
            for evaluator_id in by_municipality.get(_norm(name), ()):
                found[(path_id, evaluator_id)] = "municipality"
    if by_advisor:
        advisors = list(by_advisor)
        advised = union(*(
            select(model.path_id, model.advisor_id).join(Path, Path.id == model.path_id)
            .where(scope, model.advisor_id.in_(advisors))
            for model in (AdvisorAssignment, AssignmentEvent, Service)))
        for path_id, advisor_id in db.session.execute(advised):
            for evaluator_id in by_advisor[advisor_id]:
                found[(path_id, evaluator_id)] = "advised_town"
    return found


def conflicts_found(programme: Programme) -> dict[tuple[int, int], str]:
    """Every automatic conflict in the programme: (path_id, evaluator_id) -> type."""
    return _auto_conflicts(Path.programme_id == programme.id)


def conflicts_of(path: Path) -> dict[tuple[int, int], str]:
    """The automatic conflicts of every evaluator with one application."""
    return _auto_conflicts(Path.id == path.id)


def auto_conflict(evaluator: User, path: Path) -> str | None:
    """The automatic conflict of `evaluator` with `path` ('advised_town', 'municipality') or None."""
    return _auto_conflicts(Path.id == path.id, [evaluator.id]).get((path.id, evaluator.id))


# --- evaluators and their load ----------------------------------------------------------------


@dataclass(frozen=True)
class EvaluatorLoad:
    id: int
    name: str
    email: str
    active: bool
    load: int  # assignments in the programme without a declared conflict


def current_round() -> ColumnElement[bool]:
    """The assignment belongs to its path's evaluation round now (the query joins Path).
    Earlier rounds, before an upheld appeal re-opened the evaluation, are history."""
    return EvaluatorAssignment.round == Path.evaluation_round


def _not_conflict() -> ColumnElement[bool]:
    return or_(EvaluatorAssignment.declaration.is_(None), EvaluatorAssignment.declaration != "conflict")


def evaluator_loads(programme: Programme) -> dict[int, EvaluatorLoad]:
    """Every evaluator account with their load in the programme (one query), by id."""
    load = (select(EvaluatorAssignment.evaluator_id, func.count().label("n"))
            .join(Path, Path.id == EvaluatorAssignment.path_id)
            .where(Path.programme_id == programme.id, _not_conflict(), current_round())
            .group_by(EvaluatorAssignment.evaluator_id).subquery())
    rows = db.session.execute(
        select(User.id, User.name, User.email, User.active, func.coalesce(load.c.n, 0))
        .outerjoin(load, load.c.evaluator_id == User.id)
        .where(User.role == Role.EVALUATOR.value).order_by(User.id))
    return {r[0]: EvaluatorLoad(r[0], r[1], r[2], bool(r[3]), int(r[4])) for r in rows}


# --- the scores of applications ----------------------------------------------------------------


@dataclass(frozen=True)
class EvaluationRow:
    """One evaluator on one application: the declaration, the sheet and its totals."""

    assignment_id: int
    evaluator_id: int
    evaluator_name: str
    evaluator_email: str
    role: str  # 'regular' | 'third'
    source: str
    declaration: str | None  # None | 'impartial' | 'conflict'
    conflict_type: str | None
    conflict_note: str
    declared_at: datetime | None
    sheet_id: int | None
    sheet_status: str  # 'none' | 'draft' | 'submitted'
    submitted_at: datetime | None
    parts: dict[str, int] | None  # per part, submitted sheets only
    position: int | None = None  # index of the sheet in ApplicationScore.sheets
    counted: bool = False  # one of the pair that counted

    @property
    def active(self) -> bool:
        """Evaluates the application (no declared conflict)."""
        return self.declaration != "conflict"

    @property
    def submitted(self) -> bool:
        return self.sheet_status == "submitted"

    @property
    def total(self) -> int | None:
        return sum(self.parts.values()) if self.parts is not None else None


@dataclass(frozen=True)
class ApplicationScore:
    """An application's evaluation as far as it goes, every step kept for display.

    `sheets` is exactly what scoring.final_score was given (submitted sheets without a
    declared conflict: the regular ones by assignment id, then the third), `final` its answer."""

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

    @property
    def evaluator_ids(self) -> set[int]:
        """Everyone with a row on the application, declared conflicts included."""
        return {r.evaluator_id for r in self.rows}

    @property
    def active_regular(self) -> list[EvaluationRow]:
        return [r for r in self.rows if r.role == "regular" and r.active]

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
        return self.state == EVALUATION


def _third_status(rows: list[EvaluationRow], sheets: list[EvaluationRow], pct: int) -> str:
    """Whether a further sheet is needed and where it stands (see the module docstring)."""
    regular = [r for r in sheets if r.role == "regular"]
    if len(regular) < 2 or not scoring.differ_too_much(regular[0].total or 0, regular[1].total or 0, pct):
        return "not_needed"
    first_two = {regular[0].assignment_id, regular[1].assignment_id}
    others = [r for r in rows if r.active and r.assignment_id not in first_two]
    if any(r.submitted for r in others):
        return "submitted"
    return "assigned" if others else "needed"


def _scores(programme: Programme, where: ColumnElement[bool] | None) -> list[ApplicationScore]:
    """The scores of the programme's paths (those matching `where`), in five queries."""
    scope = Path.programme_id == programme.id
    if where is not None:
        scope = scope & where
    codes = tuple(db.session.scalars(select(SheetPart.code).where(SheetPart.programme_id == programme.id)
                                     .order_by(SheetPart.position, SheetPart.id)))
    paths = db.session.execute(
        select(Path.id, Path.state, Path.requested_amount, Applicant.name, Applicant.voivodeship)
        .join(Applicant, Applicant.id == Path.applicant_id).where(scope).order_by(Path.id)).all()
    events: dict[int, dict[str, datetime]] = {}
    for path_id, event, at in db.session.execute(
            select(PathTransition.path_id, PathTransition.event, func.max(PathTransition.created_at))
            .join(Path, Path.id == PathTransition.path_id)
            .where(scope, PathTransition.event.in_(("submit_application", "pass_formal_check")))
            .group_by(PathTransition.path_id, PathTransition.event)):
        events.setdefault(path_id, {})[event] = at
    totals: dict[int, dict[str, int]] = {}
    for assignment_id, code, points in db.session.execute(
            select(EvaluatorAssignment.id, SheetPart.code, func.coalesce(func.sum(Score.points), 0))
            .join(Path, Path.id == EvaluatorAssignment.path_id)
            .join(ScoreSheet, ScoreSheet.assignment_id == EvaluatorAssignment.id)
            .join(Score, Score.sheet_id == ScoreSheet.id)
            .join(Criterion, Criterion.id == Score.criterion_id)
            .join(SheetPart, SheetPart.id == Criterion.part_id)
            .where(scope, current_round(), ScoreSheet.status == "submitted")
            .group_by(EvaluatorAssignment.id, SheetPart.code)):
        totals.setdefault(assignment_id, {})[code] = int(points)
    rows_of: dict[int, list[EvaluationRow]] = {}
    for r in db.session.execute(
            select(EvaluatorAssignment.id, EvaluatorAssignment.path_id, EvaluatorAssignment.evaluator_id,
                   User.name, User.email, EvaluatorAssignment.role, EvaluatorAssignment.source,
                   EvaluatorAssignment.declaration, EvaluatorAssignment.conflict_type,
                   EvaluatorAssignment.conflict_note, EvaluatorAssignment.declared_at,
                   ScoreSheet.id, ScoreSheet.status, ScoreSheet.submitted_at)
            .join(Path, Path.id == EvaluatorAssignment.path_id)
            .join(User, User.id == EvaluatorAssignment.evaluator_id)
            .outerjoin(ScoreSheet, ScoreSheet.assignment_id == EvaluatorAssignment.id)
            .where(scope, current_round()).order_by(EvaluatorAssignment.id)):
        status = r[12] or "none"
        parts = None
        if status == "submitted":
            found = totals.get(r[0], {})
            parts = {code: found.get(code, 0) for code in codes} | found
        rows_of.setdefault(r[1], []).append(EvaluationRow(
            r[0], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9] or "", r[10], r[11], status, r[13], parts))
    return [_score_one(programme, codes, p, events.get(p[0], {}), rows_of.get(p[0], [])) for p in paths]


def _score_one(programme: Programme, codes: tuple[str, ...], path: Any, events: dict[str, datetime],
               rows: list[EvaluationRow]) -> ApplicationScore:
    path_id, state, amount, town, voivodeship = path
    rows = sorted(rows, key=lambda r: (r.role != "regular", r.assignment_id))
    in_order = [r for r in rows if r.active and r.submitted]
    sheets = [scoring.SheetTotals(r.evaluator_email, dict(r.parts or {})) for r in in_order]
    final = scoring.final_score(sheets, programme.discrepancy_pct)
    position = {r.assignment_id: i for i, r in enumerate(in_order)}
    counted = {in_order[i].assignment_id for i in final.counted} if final.counted else set()
    rows = [dataclasses.replace(r, position=position.get(r.assignment_id), counted=r.assignment_id in counted)
            for r in rows]
    in_order = [r for r in rows if r.position is not None]
    return ApplicationScore(
        path_id, programme.id, town, voivodeship, state, amount, events.get("submit_application"),
        "pass_formal_check" in events, codes, programme.evaluators_per_application,
        programme.discrepancy_pct, tuple(rows), tuple(sheets), final,
        _third_status(rows, in_order, programme.discrepancy_pct))


def application_scores(programme: Programme, states: Sequence[str] | None = None) -> list[ApplicationScore]:
    """Every application of the programme (or those in `states`), by path id, with its
    evaluators, declarations, sheets, totals, spread, third evaluator and final score.
    Five queries whatever the number of applications."""
    return _scores(programme, Path.state.in_(list(states)) if states is not None else None)


def application_score(path: Path) -> ApplicationScore:
    return _scores(path.programme, Path.id == path.id)[0]


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
                   ScoreSheet.status == "submitted")):
        lines.setdefault(assignment_id, {})[criterion_id] = ScoreLine(criterion_id, points, justification)
    return lines


@dataclass(frozen=True)
class EarlierSheet:
    """An evaluator of an earlier evaluation round (before an upheld appeal): history only."""

    round: int
    evaluator_name: str
    role: str
    declaration: str | None
    sheet_status: str  # 'none' | 'draft' | 'submitted'
    total: int | None


def earlier_rounds(path: Path) -> list[EarlierSheet]:
    """The assignments of the path's earlier evaluation rounds with their sheets' totals,
    newest round first (one query; none in round 1)."""
    if path.evaluation_round <= 1:
        return []
    total = (select(func.sum(Score.points)).where(Score.sheet_id == ScoreSheet.id)
             .correlate(ScoreSheet).scalar_subquery())
    return [EarlierSheet(r[0], r[1], r[2], r[3], r[4] or "none", int(r[5]) if r[4] == "submitted" else None)
            for r in db.session.execute(
                select(EvaluatorAssignment.round, User.name, EvaluatorAssignment.role,
                       EvaluatorAssignment.declaration, ScoreSheet.status, func.coalesce(total, 0))
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


# --- manual changes ----------------------------------------------------------------------------


def _lock_paths(path_ids: Iterable[int]) -> None:
    """Serialise evaluator changes per application (PostgreSQL row locks in id order), so two
    requests cannot both fill its last place or both add a third. SQLite writes one at a time."""
    ids = sorted(set(path_ids))
    if ids:
        db.session.execute(select(Path.id).where(Path.id.in_(ids)).order_by(Path.id).with_for_update())


def _problem(score: ApplicationScore, evaluator: User | None, role: str,
             conflicts: dict[tuple[int, int], str], taken_regular: int = 0) -> Label | None:
    """The first reason `evaluator` may not be assigned to the application as `role`, or None."""
    if evaluator is None or evaluator.role != Role.EVALUATOR or not evaluator.active:
        return NOT_EVALUATOR
    if not score.in_evaluation:
        return NOT_IN_EVALUATION
    declared = next((r for r in score.rows if r.evaluator_id == evaluator.id), None)
    if declared is not None:
        if declared.active:
            return ALREADY_ON
        return conflict_refusal(declared.conflict_type or "other", declared=True)
    kind = conflicts.get((score.path_id, evaluator.id))
    if kind is not None:
        return conflict_refusal(kind)
    if role == "regular" and len(score.active_regular) + taken_regular >= score.required:
        return regular_full(score.required)
    if role == "third" and score.third != "needed":
        return THIRD_NOT_NEEDED if score.third == "not_needed" else THIRD_TAKEN
    return None


def _write(path: Path, evaluator: User, role: str, source: str, actor: User | None) -> EvaluatorAssignment:
    """Add the assignment and the evaluator's notification to the session."""
    row = EvaluatorAssignment(path_id=path.id, evaluator_id=evaluator.id, round=path.evaluation_round,
                              role=role, source=source, created_by_id=actor.id if actor else None)
    db.session.add(row)
    kind = Kind.THIRD_EVALUATOR_NEEDED if role == "third" else Kind.EVALUATOR_ASSIGNED
    notifications.queue(evaluator, kind, town=path.applicant.name, programme=path.programme)
    audit.record("evaluator_assigned", actor=actor, object_type="path", object_id=path.id,
                 programme_id=path.programme_id,
                 detail={"evaluator": evaluator.email, "role": role, "source": source,
                         "round": path.evaluation_round})
    return row


def _check(role: str, source: str) -> None:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")


def assign(path: Path, evaluator: User, actor: User | None, role: str = "regular",
           source: str = "manual") -> EvaluatorAssignment:
    """Assign `evaluator` to evaluate `path`; commit, then notify. Refused with the reason."""
    _check(role, source)
    _lock_paths([path.id])
    score = application_score(path)
    problem = _problem(score, evaluator, role, _auto_conflicts(Path.id == path.id, [evaluator.id]))
    if problem is not None:
        db.session.rollback()
        raise AssignmentRefused([problem])
    with one_transaction():
        row = _write(path, evaluator, role, source, actor)
    return row


def unassign(assignment: EvaluatorAssignment, actor: User | None) -> None:
    """End an assignment while the application is in evaluation and before the sheet is
    submitted (a draft goes with it). A declared conflict stays on the record. There is no
    notification kind for it yet."""
    locked = db.session.scalar(select(EvaluatorAssignment).where(EvaluatorAssignment.id == assignment.id)
                               .with_for_update())
    if locked is None:
        db.session.rollback()
        raise AssignmentRefused([CHANGED])
    if locked.sheet is not None and locked.sheet.status == "submitted":
        problem: Label | None = SUBMITTED
    elif locked.declaration == "conflict":
        problem = CONFLICT_KEPT
    elif locked.path.state != EVALUATION or locked.round != locked.path.evaluation_round:
        problem = NOT_IN_EVALUATION  # an earlier round's assignment is history
    else:
        problem = None
    if problem is not None:
        db.session.rollback()
        raise AssignmentRefused([problem])
    try:
        with one_transaction():
            if locked.sheet is not None:
                db.session.delete(locked.sheet)
                db.session.flush()
            audit.record("evaluator_unassigned", actor=actor, object_type="path",
                         object_id=locked.path_id, programme_id=locked.path.programme_id,
                         detail={"evaluator": locked.evaluator.email, "role": locked.role,
                                 "round": locked.round})
            db.session.delete(locked)
    except StaleDataError as exc:  # the evaluator saved or submitted the sheet meanwhile
        db.session.rollback()
        raise AssignmentRefused([CHANGED]) from exc


def get_assignment(assignment_id: int) -> EvaluatorAssignment | None:
    return db.session.get(EvaluatorAssignment, assignment_id)


# --- the third evaluator -----------------------------------------------------------------------


@dataclass(frozen=True)
class ThirdResult:
    assignment: EvaluatorAssignment | None  # the third assigned now, if any
    reason: Label | None  # why none was assigned although one is needed


def ensure_third(path: Path, actor: User | None = None) -> ThirdResult:
    """Assign the third evaluator if the rule asks for one and none is on the application."""
    _lock_paths([path.id])
    score = application_score(path)
    if score.third != "needed":
        db.session.rollback()
        return ThirdResult(None, None)
    if not score.in_evaluation:
        db.session.rollback()
        return ThirdResult(None, NOT_IN_EVALUATION)
    candidates = eligible(score, evaluator_loads(path.programme), conflicts_of(path))
    if not candidates:
        db.session.rollback()
        return ThirdResult(None, NO_THIRD_CANDIDATE)
    evaluator = db.session.get(User, candidates[0].id)
    assert evaluator is not None
    with one_transaction():
        row = _write(path, evaluator, "third", "third_rule", actor)
    return ThirdResult(row, None)


def on_sheet_submitted(sheet: ScoreSheet) -> ThirdResult:
    """Called by the sheets service after a sheet was submitted and committed."""
    path = db.session.get(Path, sheet.assignment.path_id)
    assert path is not None
    return ensure_third(path)


# --- the proposal ------------------------------------------------------------------------------


class ProposedPair(NamedTuple):
    path_id: int
    evaluator_id: int


@dataclass(frozen=True)
class Shortfall:
    path_id: int
    missing: int
    reason: Label


@dataclass(frozen=True)
class Instance:
    """What a proposal is computed from: plain data, no database."""

    slots: dict[int, int]  # path_id -> regular evaluators still needed (> 0)
    loads: dict[int, int]  # active evaluator id -> current load
    excluded: frozenset[tuple[int, int]]  # (path_id, evaluator_id) never paired: on it or a conflict

    def candidates(self, path_id: int) -> list[int]:
        return [e for e in sorted(self.loads) if (path_id, e) not in self.excluded]

    @property
    def uncovered_cost(self) -> int:
        """More than covering every slot can cost, so the optimum fills the most slots."""
        demand = sum(self.slots.values())
        top = max(self.loads.values(), default=0) + demand
        return LOAD_WEIGHT * top * demand + 1


@dataclass(frozen=True)
class Proposal:
    programme_id: int
    pairs: list[ProposedPair]
    uncovered: list[Shortfall]
    cost: int
    loads: dict[int, int]  # active evaluator id -> load once the proposal is applied
    new: dict[int, int]  # active evaluator id -> applications the proposal adds
    towns: dict[int, str]  # path id -> town, every application in evaluation
    evaluators: dict[int, EvaluatorLoad]  # every evaluator account, current load


def load_instance(programme: Programme) -> tuple[Instance, list[ApplicationScore], dict[int, EvaluatorLoad]]:
    """What the proposal is computed from, and what it was read from (nine queries at most)."""
    scores = application_scores(programme, [EVALUATION])
    evaluators = evaluator_loads(programme)
    loads = {e.id: e.load for e in evaluators.values() if e.active}
    excluded = set(conflicts_found(programme))
    for s in scores:
        excluded |= {(s.path_id, e) for e in s.evaluator_ids}
    slots = {s.path_id: s.missing_regular for s in scores if s.missing_regular > 0}
    return Instance(slots, loads, frozenset(excluded)), scores, evaluators


def cost_of(instance: Instance, pairs: Iterable[Sequence[int]]) -> int:
    """The proposal's cost of `pairs` ((path_id, evaluator_id)), unfilled slots included;
    it does not check feasibility."""
    pairs = [(int(p[0]), int(p[1])) for p in pairs]
    new = Counter(e for _, e in pairs)
    load_cost = sum(LOAD_WEIGHT * (x * instance.loads[e] + x * (x + 1) // 2) for e, x in new.items())
    return load_cost + instance.uncovered_cost * (sum(instance.slots.values()) - len(pairs))


def solve(instance: Instance) -> tuple[list[ProposedPair], int]:
    """The min-cost flow of the module docstring: (pairs sorted, cost)."""
    demand = sum(instance.slots.values())
    graph = nx.MultiDiGraph()
    graph.add_node("source", demand=-demand)
    graph.add_node("sink", demand=demand)
    paths_of: dict[int, list[int]] = {}
    for path_id, slots in sorted(instance.slots.items()):
        graph.add_edge("source", ("path", path_id), capacity=slots, weight=instance.uncovered_cost)
        graph.add_edge(("path", path_id), "sink", capacity=slots, weight=0)
        for e in instance.candidates(path_id):
            paths_of.setdefault(e, []).append(path_id)
            graph.add_edge(("evaluator", e), ("path", path_id), capacity=1, weight=0)
    for e, paths in sorted(paths_of.items()):
        for k in range(1, min(len(paths), demand) + 1):
            graph.add_edge("source", ("evaluator", e), capacity=1,
                           weight=LOAD_WEIGHT * (instance.loads[e] + k))
    cost, flow = nx.network_simplex(graph)
    pairs = sorted(ProposedPair(target[1], node[1])
                   for node, targets in flow.items() if isinstance(node, tuple) and node[0] == "evaluator"
                   for target, by_key in targets.items() if sum(by_key.values()))
    assert cost == cost_of(instance, pairs), "the flow's cost and cost_of disagree"
    return pairs, cost


def propose(programme: Programme) -> Proposal:
    """Regular evaluators for every application in evaluation that lacks some. Saves nothing."""
    instance, scores, evaluators = load_instance(programme)
    pairs, cost = solve(instance)
    new = Counter(p.evaluator_id for p in pairs)
    got = Counter(p.path_id for p in pairs)
    uncovered = [Shortfall(p, slots - got[p], too_few(len(instance.candidates(p)), slots - got[p]))
                 for p, slots in sorted(instance.slots.items()) if got[p] < slots]
    return Proposal(programme.id, pairs, uncovered, cost,
                    {e: load + new[e] for e, load in instance.loads.items()},
                    {e: new[e] for e in instance.loads}, {s.path_id: s.town for s in scores}, evaluators)


def apply(programme: Programme, pairs: Iterable[Sequence[Any]], actor: User | None,
          source: str = "proposal") -> list[EvaluatorAssignment]:
    """Save an approved proposal: every (path_id, evaluator_id) is checked again now; if any is
    invalid, nothing is saved and every reason is raised. One transaction, then notifications."""
    _check("regular", source)
    wanted = [(int(p[0]), int(p[1])) for p in pairs]
    if not wanted:
        return []
    path_ids = {p for p, _ in wanted}
    _lock_paths(path_ids)
    paths = {p.id: p for p in db.session.scalars(
        select(Path).where(Path.id.in_(path_ids), Path.programme_id == programme.id))}
    scores = {s.path_id: s for s in _scores(programme, Path.id.in_(path_ids))}
    evaluators = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_({e for _, e in wanted})))}
    conflicts = _auto_conflicts(Path.id.in_(path_ids), list(evaluators))
    reasons: list[Label] = []
    accepted: list[tuple[Path, User]] = []
    taken: Counter[int] = Counter()
    seen: set[tuple[int, int]] = set()
    for path_id, evaluator_id in wanted:
        path, evaluator = paths.get(path_id), evaluators.get(evaluator_id)
        if path is None:
            problem: Label | None = NOT_IN_PROGRAMME
        elif evaluator is None:
            problem = UNKNOWN_EVALUATOR
        elif (path_id, evaluator_id) in seen:
            problem = ALREADY_ON
        else:
            problem = _problem(scores[path_id], evaluator, "regular", conflicts, taken[path_id])
        if problem is not None:
            reasons.append(_about(problem, scores.get(path_id), evaluator))
            continue
        seen.add((path_id, evaluator_id))
        taken[path_id] += 1
        accepted.append((path, evaluator))
    if reasons:
        db.session.rollback()
        raise AssignmentRefused(reasons)
    with one_transaction():
        rows = [_write(path, evaluator, "regular", source, actor) for path, evaluator in accepted]
    return rows


def _about(problem: Label, score: ApplicationScore | None, evaluator: User | None) -> Label:
    town = score.town if score else "?"
    who = evaluator.name if evaluator else "?"
    return Label(f"{town}, {who}: {problem.pl}", f"{town}, {who}: {problem.en}")


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
        if declaration == "conflict":
            row.declared.append((path_id, towns.get(path_id, "?"), kind or "other", note or ""))
            continue
        if role == "third":
            row.third += 1
        else:
            row.regular += 1
        if status == "submitted":
            row.submitted += 1
    for (path_id, evaluator_id), kind in sorted(conflicts_found(programme).items()):
        if evaluator_id in rows:
            rows[evaluator_id].auto_conflicts.append((path_id, towns.get(path_id, "?"), kind))
    return list(rows.values())

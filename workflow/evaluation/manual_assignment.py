"""Evaluator assignment, part 3: the writes by hand (assign, unassign) and the third evaluator
rule, with the checks and locking the proposal's `apply` reuses.

The third evaluator. When the first two submitted regular sheets (by assignment id) differ
by more than programme.discrepancy_pct % of the higher total (scoring.differ_too_much) and
no other evaluator without a conflict is on the application, `ensure_third` assigns the
active evaluator with the lowest load, without any conflict and not yet on the
application (ties: the lower id), and notifies them. It is idempotent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from workflow.advice.assignment import CHANGED, AssignmentRefused, one_transaction
from workflow.audit import log as audit
from workflow.evaluation.conflicts import (
    ALREADY_ON,
    CONFLICT_KEPT,
    NO_THIRD_CANDIDATE,
    NOT_EVALUATOR,
    NOT_IN_EVALUATION,
    ROLES,
    SOURCES,
    SUBMITTED,
    THIRD_NOT_NEEDED,
    THIRD_TAKEN,
    conflict_refusal,
    conflicts_of,
    conflicts_where,
    evaluator_loads,
    in_evaluation,
    regular_full,
)
from workflow.evaluation.scores import ApplicationScore, application_score, eligible
from workflow.extensions import db
from workflow.messaging import links, notifications
from workflow.messaging.texts import Kind
from workflow.models import (
    ConflictType,
    Declaration,
    EvaluatorAssignment,
    EvaluatorRole,
    EvaluatorSource,
    Path,
    Role,
    ScoreSheet,
    SheetStatus,
    User,
)
from workflow.refusal import Message

# --- manual changes ----------------------------------------------------------------------------


def lock_paths(path_ids: Iterable[int]) -> None:
    """Serialise evaluator changes per application (PostgreSQL row locks in id order), so two
    requests cannot both fill its last place or both add a third. SQLite writes one at a time."""
    ids = sorted(set(path_ids))
    if ids:
        db.session.execute(select(Path.id).where(Path.id.in_(ids)).order_by(Path.id).with_for_update())


def assignment_problem(score: ApplicationScore, evaluator: User | None, role: EvaluatorRole,
                       conflicts: dict[tuple[int, int], ConflictType],
                       taken_regular: int = 0) -> Message | None:
    """The first reason `evaluator` may not be assigned to the application as `role`, or None."""
    if evaluator is None or evaluator.role != Role.EVALUATOR or not evaluator.active:
        return NOT_EVALUATOR
    if not score.in_evaluation:
        return NOT_IN_EVALUATION
    declared = next((r for r in score.rows if r.evaluator_id == evaluator.id), None)
    if declared is not None:
        if declared.active:
            return ALREADY_ON
        return conflict_refusal(declared.conflict_type or ConflictType.OTHER, declared=True)
    kind = conflicts.get((score.path_id, evaluator.id))
    if kind is not None:
        return conflict_refusal(kind)
    if role == EvaluatorRole.REGULAR and len(score.active_regular) + taken_regular >= score.required:
        return regular_full(score.required)
    if role == EvaluatorRole.THIRD and score.third != "needed":
        return THIRD_NOT_NEEDED if score.third == "not_needed" else THIRD_TAKEN
    return None


def write_assignment(path: Path, evaluator: User, role: EvaluatorRole, source: EvaluatorSource,
                     actor: User | None) -> EvaluatorAssignment:
    """Add the assignment and the evaluator's notification to the session."""
    row = EvaluatorAssignment(path_id=path.id, evaluator_id=evaluator.id, round=path.evaluation_round,
                              role=role, source=source, created_by_id=actor.id if actor else None)
    db.session.add(row)
    kind = Kind.THIRD_EVALUATOR_NEEDED if role == EvaluatorRole.THIRD else Kind.EVALUATOR_ASSIGNED
    notifications.queue(evaluator, kind, town=path.applicant.name, programme=path.programme,
                        link=links.absolute("evaluator.declaration", path_id=path.id))
    audit.record("evaluator_assigned", actor=actor, object_type="path", object_id=path.id,
                 programme_id=path.programme_id,
                 detail={"evaluator": evaluator.email, "role": role, "source": source,
                         "round": path.evaluation_round})
    return row


def check_role_and_source(role: EvaluatorRole, source: EvaluatorSource) -> None:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")


def assign(path: Path, evaluator: User, actor: User | None, role: EvaluatorRole = EvaluatorRole.REGULAR,
           source: EvaluatorSource = EvaluatorSource.MANUAL) -> EvaluatorAssignment:
    """Assign `evaluator` to evaluate `path`; commit, then notify. Refused with the reason."""
    check_role_and_source(role, source)
    lock_paths([path.id])
    score = application_score(path)
    problem = assignment_problem(score, evaluator, role, conflicts_where(Path.id == path.id, [evaluator.id]))
    if problem is not None:
        db.session.rollback()
        raise AssignmentRefused([problem])
    with one_transaction():
        row = write_assignment(path, evaluator, role, source, actor)
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
    if locked.sheet is not None and locked.sheet.status == SheetStatus.SUBMITTED:
        problem: Message | None = SUBMITTED
    elif locked.declaration == Declaration.CONFLICT:
        problem = CONFLICT_KEPT
    elif not in_evaluation(locked.path) or locked.round != locked.path.evaluation_round:
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
    reason: Message | None  # why none was assigned although one is needed


def ensure_third(path: Path, actor: User | None = None) -> ThirdResult:
    """Assign the third evaluator if the rule asks for one and none is on the application."""
    lock_paths([path.id])
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
        row = write_assignment(path, evaluator, EvaluatorRole.THIRD, EvaluatorSource.THIRD_RULE, actor)
    return ThirdResult(row, None)


def on_sheet_submitted(sheet: ScoreSheet) -> ThirdResult:
    """Called by the sheets service after a sheet was submitted and committed."""
    path = db.session.get(Path, sheet.assignment.path_id)
    assert path is not None
    return ensure_third(path)

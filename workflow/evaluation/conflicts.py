"""Evaluator assignment, part 1: the constants and refusal messages, the conflicts of interest
found automatically and each evaluator's load.

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
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_, select, union

from states import get_definition
from workflow.extensions import db
from workflow.models import (
    AdvisorAssignment,
    ApplicantMember,
    AssignmentEvent,
    ConflictType,
    Declaration,
    EvaluatorAssignment,
    EvaluatorProfile,
    EvaluatorRole,
    EvaluatorSource,
    Municipality,
    Path,
    Programme,
    Role,
    Service,
    User,
)
from workflow.refusal import Message, _l

ROLES = tuple(EvaluatorRole)
SOURCES = tuple(EvaluatorSource)
LOAD_WEIGHT = 10


def evaluation_states(programme: Programme) -> tuple[str, ...]:
    """The states of the programme's path in which evaluators score an application."""
    return get_definition(programme.path_code).evaluation_states


def evaluated_states(programme: Programme) -> tuple[str, ...]:
    """States whose applications were (or are being) evaluated: the coordinator's page lists them."""
    return get_definition(programme.path_code).evaluated_states()


def in_evaluation(path: Path) -> bool:
    """The application is under merit evaluation now."""
    return get_definition(path.programme.path_code).in_evaluation(path.state)

# The kinds of conflict, as a table shows them.
CONFLICT_LABELS = {
    "advised_town": _l("doradztwo dla miasta"),
    "municipality": _l("mieszka lub pracuje w gminie wnioskodawcy"),
    "family": _l("powiązania rodzinne"),
    "other": _l("inny konflikt"),
}
ADVISED = _l("Konflikt interesów: ta osoba doradzała temu miastu.")
LIVES_THERE = _l("Konflikt interesów: ta osoba mieszka lub pracuje w gminie wnioskodawcy.")

NOT_EVALUATOR = _l("Wybrana osoba nie jest aktywnym oceniającym.")
UNKNOWN_EVALUATOR = _l("Nie ma takiego oceniającego.")
NOT_IN_PROGRAMME = _l("Tego wniosku nie ma w programie.")
NOT_IN_EVALUATION = _l("Wniosek nie jest na etapie oceny merytorycznej.")
ALREADY_ON = _l("Ta osoba jest już przydzielona do oceny tego wniosku.")
THIRD_NOT_NEEDED = _l(
    "Trzecia ocena nie jest potrzebna: nie złożono jeszcze dwóch ocen albo ich sumy nie różnią się "
    "bardziej, niż pozwalają zasady programu.")
THIRD_TAKEN = _l("Wniosek ma już trzeciego oceniającego.")
SUBMITTED = _l("Nie można zakończyć przydziału: oceniający złożył już kartę oceny.")
CONFLICT_KEPT = _l(
    "Zgłoszony konflikt interesów zostaje w dokumentacji oceny; ta osoba i tak nie liczy się już "
    "do oceniających wniosku.")
NO_THIRD_CANDIDATE = _l(
    "Nie ma kogo przydzielić jako trzeciego oceniającego: każdy aktywny oceniający ma konflikt "
    "interesów z tym wnioskiem albo już go ocenia.")


def conflict_refusal(kind: str, declared: bool = False) -> Message:
    """Why a pair with a conflict is refused: found automatically, or declared by the evaluator."""
    if not declared and kind == ConflictType.ADVISED_TOWN:
        return ADVISED
    if not declared and kind == ConflictType.MUNICIPALITY:
        return LIVES_THERE
    what = CONFLICT_LABELS.get(kind, CONFLICT_LABELS[ConflictType.OTHER])
    return _l("Ta osoba zgłosiła konflikt interesów z tym wnioskiem (rodzaj: %(kind)s).", kind=what)


def regular_full(n: int) -> Message:
    return _l("Wniosek ma już tylu oceniających, ilu przewiduje program (%(n)d).", n=n)


def too_few(candidates: int, missing: int) -> Message:
    return _l("Za mało oceniających bez konfliktu interesów, którzy jeszcze nie oceniają tego wniosku "
              "(dostępnych: %(candidates)d, brakuje: %(missing)d).", candidates=candidates, missing=missing)


# --- conflicts found automatically ------------------------------------------------------------


def _norm(name: str | None) -> str:
    return " ".join((name or "").split()).casefold()


def conflicts_where(scope: ColumnElement[bool], evaluator_ids: Iterable[int] | None = None
                    ) -> dict[tuple[int, int], ConflictType]:
    """(path_id, evaluator_id) -> conflict type for the paths matching `scope` (a condition
    on Path); at most three queries whatever the number of paths and evaluators."""
    query = select(EvaluatorProfile.user_id, EvaluatorProfile.advisor_account_id,
                   EvaluatorProfile.municipality_name)
    if evaluator_ids is not None:
        query = query.where(EvaluatorProfile.user_id.in_(list(evaluator_ids)))
    profiles = db.session.execute(query).all()
    found: dict[tuple[int, int], ConflictType] = {}
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
                found[(path_id, evaluator_id)] = ConflictType.MUNICIPALITY
    if by_advisor:
        advisors = list(by_advisor)
        advised = union(*(
            select(model.path_id, model.advisor_id).join(Path, Path.id == model.path_id)
            .where(scope, model.advisor_id.in_(advisors))
            for model in (AdvisorAssignment, AssignmentEvent, Service)))
        for path_id, advisor_id in db.session.execute(advised):
            for evaluator_id in by_advisor[advisor_id]:
                found[(path_id, evaluator_id)] = ConflictType.ADVISED_TOWN
    return found


def conflicts_found(programme: Programme) -> dict[tuple[int, int], ConflictType]:
    """Every automatic conflict in the programme: (path_id, evaluator_id) -> type."""
    return conflicts_where(Path.programme_id == programme.id)


def conflicts_of(path: Path) -> dict[tuple[int, int], ConflictType]:
    """The automatic conflicts of every evaluator with one application."""
    return conflicts_where(Path.id == path.id)


def auto_conflict(evaluator: User, path: Path) -> ConflictType | None:
    """The automatic conflict of `evaluator` with `path` ('advised_town', 'municipality') or None."""
    return conflicts_where(Path.id == path.id, [evaluator.id]).get((path.id, evaluator.id))


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


def not_conflicted() -> ColumnElement[bool]:
    """The evaluator declared no conflict of interest (impartial, or not declared yet)."""
    return or_(EvaluatorAssignment.declaration.is_(None),
               EvaluatorAssignment.declaration != Declaration.CONFLICT)


def evaluator_loads(programme: Programme) -> dict[int, EvaluatorLoad]:
    """Every evaluator account with their load in the programme (one query), by id."""
    load = (select(EvaluatorAssignment.evaluator_id, func.count().label("n"))
            .join(Path, Path.id == EvaluatorAssignment.path_id)
            .where(Path.programme_id == programme.id, not_conflicted(), current_round())
            .group_by(EvaluatorAssignment.evaluator_id).subquery())
    rows = db.session.execute(
        select(User.id, User.name, User.email, User.active, func.coalesce(load.c.n, 0))
        .outerjoin(load, load.c.evaluator_id == User.id)
        .where(User.role == Role.EVALUATOR.value).order_by(User.id))
    return {r[0]: EvaluatorLoad(r[0], r[1], r[2], bool(r[3]), int(r[4])) for r in rows}

"""The evaluator's side of the merit evaluation: declarations, score sheets, others' scores.

An evaluator first signs a declaration of impartiality for an application, or declares a
conflict of interest (typed). Only an impartial evaluator sees the application and scores
it. An impartial evaluator who later finds a conflict may still declare it, until their
sheet is submitted; a conflict is final and ends their access to the application.

A sheet is one per assignment (a unique constraint). A draft may be saved any number of
times, incomplete; submitting needs whole points 0..max and a justification of at least
MIN_JUSTIFICATION characters for every criterion, and happens once: a submitted sheet is
never changed. `ScoreSheet.version` is the optimistic lock: a form carries the version it
showed, and a save from a stale page (another tab, another device) is refused.

Messages (lazy gettext) are keyed by the form field they belong to:
'declaration', 'conflict_type', 'note', and points_key(id) / justification_key(id) for
each criterion.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

import states
from workflow.audit import log as audit
from workflow.evaluation import criteria as criteria_service
from workflow.evaluation import manual_assignment
from workflow.evaluation.conflicts import in_evaluation
from workflow.extensions import db
from workflow.models import (
    Applicant,
    Document,
    EvaluatorAssignment,
    HideScoresUntil,
    Path,
    Programme,
    RankingSnapshot,
    Score,
    ScoreSheet,
    SheetPart,
    User,
)
from workflow.models.evaluation import CONFLICT_TYPES, ConflictType, Declaration, SheetStatus
from workflow.models.types import utcnow
from workflow.refusal import Message, Refused, _l, fill

log = logging.getLogger("sciezka.sheets")

MIN_JUSTIFICATION = 30
JUSTIFICATION_MAX = 5000
NOTE_MAX = 2000
DECLARATIONS = tuple(Declaration)

CONFLICT_LABELS = {
    "advised_town": _l("doradzałem/doradzałam temu miastu"),
    "municipality": _l("pracuję w tej gminie albo w niej mieszkam"),
    "family": _l("łączą mnie więzi rodzinne lub osobiste z osobami przygotowującymi wniosek"),
    "other": _l("inny konflikt interesów (opisz go)"),
}

ALREADY_SUBMITTED = _l("Karta została już złożona i nie można jej zmienić.")
STALE = _l("Karta została w międzyczasie zapisana w innym oknie lub na innym urządzeniu. "
           "Otwórz ją ponownie, sprawdź zapisane wartości i wprowadź zmiany jeszcze raz.")
NOT_IN_EVALUATION = _l("Wniosek nie jest już na etapie oceny merytorycznej, więc karty nie można "
                       "zapisać ani złożyć.")
NO_SHEET = _l("Ten program nie ma jeszcze karty oceny. Koordynator musi ją najpierw utworzyć.")
EARLIER_ROUND = _l("Ta ocena należy do wcześniejszej rundy oceny wniosku i nie można jej już zmienić.")
NOT_DECLARED = _l("Zanim ocenisz wniosek, złóż deklarację bezstronności.")
CONFLICT = _l("Zgłoszono konflikt interesów dla tego wniosku, więc nie masz do niego dostępu "
              "i nie możesz go oceniać.")
ALREADY_IMPARTIAL = _l("Deklarację bezstronności dla tego wniosku już złożono.")
CONFLICT_AFTER_SUBMIT = _l("Karta oceny tego wniosku została już złożona, więc nie można już zgłosić "
                           "konfliktu interesów. Skontaktuj się z koordynatorem.")
PAST_DEADLINE = _l("Termin oceny w tym programie minął %(when)s, więc karty nie można już złożyć. "
                   "Szkic zostaje zapisany; jeśli potrzebujesz więcej czasu, skontaktuj się z "
                   "koordynatorem, który może przesunąć termin oceny.")
HIDDEN_UNTIL_OWN = _l("Oceny pozostałych ekspertów zobaczysz po złożeniu własnej karty.")
HIDDEN_UNTIL_ANNOUNCEMENT = _l("W tym programie oceny pozostałych ekspertów są widoczne dopiero po "
                               "ogłoszeniu wyników.")


class SheetRefused(Refused):
    """Allowed to see, not allowed to do this now; `status` is the HTTP answer."""

    def __init__(self, reason: Message, status: int = 409) -> None:
        super().__init__([reason], status=status, stale=reason is STALE)

    @property
    def reason(self) -> Message:
        return self.reasons[0]


class SheetInvalid(Refused):
    """Bad input: `errors` maps a form field name to its messages (HTTP 400)."""

    status = 400

    def __init__(self, errors: dict[str, list[Message]]) -> None:
        super().__init__(errors=errors)


def points_key(criterion_id: int) -> str:
    return f"points_{criterion_id}"


def justification_key(criterion_id: int) -> str:
    return f"justification_{criterion_id}"


@dataclass(frozen=True)
class ScoreInput:
    points: int | None
    justification: str = ""


@dataclass(frozen=True)
class AssignmentRow:
    """One line of the evaluator's list."""

    assignment: EvaluatorAssignment
    path: Path
    town: str
    programme: Programme
    sheet: ScoreSheet | None

    @property
    def sheet_status(self) -> SheetStatus | None:
        return self.sheet.status if self.sheet else None

    @property
    def deadline(self) -> datetime | None:
        return self.programme.evaluation_deadline


# --- who sees what ----------------------------------------------------------------------------

def assignments_of(evaluator: User) -> list[AssignmentRow]:
    """Every assignment of `evaluator` with its town, programme and sheet: one query."""
    query = (
        select(EvaluatorAssignment)
        .join(EvaluatorAssignment.path)
        .join(Path.applicant)
        .join(Path.programme)
        .outerjoin(ScoreSheet, ScoreSheet.assignment_id == EvaluatorAssignment.id)
        .options(
            contains_eager(EvaluatorAssignment.path).contains_eager(Path.applicant),
            contains_eager(EvaluatorAssignment.path).contains_eager(Path.programme),
            contains_eager(EvaluatorAssignment.sheet),
        )
        .where(EvaluatorAssignment.evaluator_id == evaluator.id)
        .order_by(Programme.id, Applicant.name, EvaluatorAssignment.id)
    )
    return [AssignmentRow(a, a.path, a.path.applicant.name, a.path.programme, a.sheet)
            for a in db.session.scalars(query).unique()]


def assignment_for(evaluator: User, path_id: int) -> EvaluatorAssignment | None:
    """The evaluator's assignment to the application, or None (then: 404): the one of the
    latest evaluation round they were on (an earlier round's is history, read-only)."""
    return db.session.scalar(
        select(EvaluatorAssignment)
        .options(joinedload(EvaluatorAssignment.path).joinedload(Path.applicant),
                 joinedload(EvaluatorAssignment.path).joinedload(Path.programme),
                 joinedload(EvaluatorAssignment.sheet))
        .where(EvaluatorAssignment.evaluator_id == evaluator.id, EvaluatorAssignment.path_id == path_id)
        .order_by(EvaluatorAssignment.round.desc()).limit(1)
    )


def is_current(assignment: EvaluatorAssignment) -> bool:
    """The assignment belongs to the application's evaluation round now."""
    return assignment.round == assignment.path.evaluation_round


def application_documents(path: Path) -> list[Document]:
    """The newest version of each document the town submitted (diagnosis, PRL, PRI,
    application), in the order of the path's stages: what the evaluator scores."""
    definition = states.get_definition(path.programme.path_code)
    order = [s.code for s in definition.stages if s.document_required]
    latest: dict[str, Document] = {}
    for doc in db.session.scalars(
        select(Document).where(Document.path_id == path.id, Document.stage.in_(order))
        .order_by(Document.uploaded_at.desc(), Document.id.desc())
    ):
        latest.setdefault(doc.stage, doc)
    return [latest[stage] for stage in order if stage in latest]


def results_announced(programme_id: int) -> bool:
    return bool(db.session.scalar(select(exists().where(
        RankingSnapshot.programme_id == programme_id, RankingSnapshot.announced_at.is_not(None)))))


def others_hidden_because(assignment: EvaluatorAssignment) -> Message | None:
    """Why the other evaluators' sheets are hidden from this evaluator, or None."""
    if assignment.declaration != Declaration.IMPARTIAL:
        return CONFLICT if assignment.declaration == Declaration.CONFLICT else NOT_DECLARED
    if assignment.sheet is None or assignment.sheet.status != SheetStatus.SUBMITTED:
        return HIDDEN_UNTIL_OWN
    programme = assignment.path.programme
    if programme.hide_scores_until == HideScoresUntil.ANNOUNCEMENT and not results_announced(programme.id):
        return HIDDEN_UNTIL_ANNOUNCEMENT
    return None


def visible_other_sheets(assignment: EvaluatorAssignment) -> list[ScoreSheet]:
    """The other evaluators' submitted sheets of the same application, with their scores,
    once this evaluator may see them (empty otherwise)."""
    if others_hidden_because(assignment) is not None:
        return []
    return list(db.session.scalars(
        select(ScoreSheet)
        .join(ScoreSheet.assignment)
        .options(selectinload(ScoreSheet.scores), contains_eager(ScoreSheet.assignment))
        .where(EvaluatorAssignment.path_id == assignment.path_id,
               EvaluatorAssignment.round == assignment.round,
               EvaluatorAssignment.id != assignment.id,
               ScoreSheet.status == SheetStatus.SUBMITTED)
        .order_by(ScoreSheet.submitted_at, ScoreSheet.id)
    ))


# --- the declaration --------------------------------------------------------------------------

def _locked(assignment: EvaluatorAssignment) -> EvaluatorAssignment:
    """The assignment read again under a row lock (PostgreSQL; SQLite serialises writes),
    so that a declaration and a submission of the same assignment never interleave."""
    fresh = db.session.scalar(
        select(EvaluatorAssignment).where(EvaluatorAssignment.id == assignment.id)
        .with_for_update().execution_options(populate_existing=True)
    )
    assert fresh is not None
    return fresh


def _submitted_sheet_exists(assignment_id: int) -> bool:
    return bool(db.session.scalar(select(exists().where(
        ScoreSheet.assignment_id == assignment_id, ScoreSheet.status == SheetStatus.SUBMITTED))))


def declare(assignment: EvaluatorAssignment, declaration: str, conflict_type: str | None = None,
            note: str = "", now: datetime | None = None) -> EvaluatorAssignment:
    """Sign the declaration of impartiality, or declare a (typed) conflict of interest."""
    note = (note or "").strip()
    errors: dict[str, list[Message]] = {}
    if declaration not in DECLARATIONS:
        errors["declaration"] = [
            _l("Wybierz: deklaracja bezstronności albo zgłoszenie konfliktu interesów.")]
    elif declaration == Declaration.IMPARTIAL and (conflict_type or note):
        # One declaration says one thing: impartial, or a conflict with its kind and note.
        errors["declaration"] = [
            _l("Deklaracja bezstronności nie może jednocześnie wskazywać konfliktu interesów. "
               "Wybierz „Zgłaszam konflikt interesów” albo usuń rodzaj i opis konfliktu.")]
    elif declaration == Declaration.CONFLICT:
        if conflict_type not in CONFLICT_TYPES:
            errors["conflict_type"] = [_l("Wybierz rodzaj konfliktu interesów.")]
        elif conflict_type == ConflictType.OTHER and not note:
            errors["note"] = [_l("Opisz krótko konflikt interesów.")]
    if len(note) > NOTE_MAX:
        errors.setdefault("note", []).append(
            _l("Opis może mieć najwyżej %(max)d znaków.", max=NOTE_MAX))
    if errors:
        raise SheetInvalid(errors)

    row = _locked(assignment)
    if not is_current(row):
        db.session.rollback()
        raise SheetRefused(EARLIER_ROUND)
    if row.declaration == Declaration.CONFLICT:
        db.session.rollback()
        raise SheetRefused(CONFLICT, 403)
    if row.declaration == Declaration.IMPARTIAL:
        if declaration == Declaration.IMPARTIAL:
            db.session.rollback()
            raise SheetRefused(ALREADY_IMPARTIAL)
        if _submitted_sheet_exists(row.id):
            db.session.rollback()
            raise SheetRefused(CONFLICT_AFTER_SUBMIT)
    row.declaration = Declaration(declaration)
    row.conflict_type = ConflictType(conflict_type) if row.declaration == Declaration.CONFLICT else None
    row.conflict_note = note if row.declaration == Declaration.CONFLICT else ""
    row.declared_at = now or utcnow()
    audit.record("declaration", actor=row.evaluator, object_type="path", object_id=row.path_id,
                 programme_id=row.path.programme_id,
                 detail={"declaration": declaration, "conflict_type": row.conflict_type})
    db.session.commit()
    return row


# --- the sheet --------------------------------------------------------------------------------

def _check_can_score(assignment: EvaluatorAssignment) -> None:
    if not is_current(assignment):
        raise SheetRefused(EARLIER_ROUND)
    if assignment.declaration == Declaration.CONFLICT:
        raise SheetRefused(CONFLICT, 403)
    if assignment.declaration != Declaration.IMPARTIAL:
        raise SheetRefused(NOT_DECLARED, 403)
    if not in_evaluation(assignment.path):
        raise SheetRefused(NOT_IN_EVALUATION)


def past_deadline(programme: Programme, now: datetime) -> bool:
    """The programme's evaluation deadline has passed: no sheet may be submitted."""
    return programme.evaluation_deadline is not None and now > programme.evaluation_deadline


def _check_deadline(programme: Programme, now: datetime) -> None:
    if past_deadline(programme, now):
        assert programme.evaluation_deadline is not None
        when = programme.evaluation_deadline.astimezone(ZoneInfo(programme.timezone))
        raise SheetRefused(fill(PAST_DEADLINE, when=when.strftime("%Y-%m-%d %H:%M")))


def get_or_create_draft(assignment: EvaluatorAssignment) -> ScoreSheet:
    """The assignment's one sheet; a new draft the first time. Two requests at once: the
    unique assignment_id lets one insert, and the other reads the row it wrote."""
    existing = db.session.scalar(select(ScoreSheet).where(ScoreSheet.assignment_id == assignment.id))
    if existing is not None:
        return existing
    _check_can_score(assignment)
    sheet = ScoreSheet(assignment_id=assignment.id, status=SheetStatus.DRAFT)
    db.session.add(sheet)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        sheet = db.session.scalar(select(ScoreSheet).where(ScoreSheet.assignment_id == assignment.id))
        assert sheet is not None
    return sheet


def check_values(parts: Sequence[SheetPart], values: Mapping[int, ScoreInput],
                 submit: bool) -> dict[str, list[Message]]:
    """Every rule of a sheet's values, as messages keyed by field; {} when fine.

    A draft may leave points and justifications empty; what is typed must still fit.
    """
    errors: dict[str, list[Message]] = {}
    for part in parts:
        for c in part.criteria:
            value = values.get(c.id, ScoreInput(None, ""))
            points = value.points
            if points is None:
                if submit:
                    errors[points_key(c.id)] = [_l(
                        "Kryterium %(code)s: podaj liczbę punktów od 0 do %(max)d.",
                        code=c.code, max=c.max_points)]
            elif isinstance(points, bool) or not isinstance(points, int) or not 0 <= points <= c.max_points:
                errors[points_key(c.id)] = [_l(
                    "Kryterium %(code)s: wpisz liczbę całkowitą od 0 do %(max)d punktów.",
                    code=c.code, max=c.max_points)]
            text = (value.justification or "").strip()
            if len(text) > JUSTIFICATION_MAX:
                errors[justification_key(c.id)] = [_l(
                    "Kryterium %(code)s: uzasadnienie może mieć najwyżej %(max)d znaków.",
                    code=c.code, max=JUSTIFICATION_MAX)]
            elif submit and not text:
                errors[justification_key(c.id)] = [_l(
                    "Kryterium %(code)s: wpisz uzasadnienie oceny (co najmniej %(min)d znaków).",
                    code=c.code, min=MIN_JUSTIFICATION)]
            elif submit and len(text) < MIN_JUSTIFICATION:
                errors[justification_key(c.id)] = [_l(
                    "Kryterium %(code)s: uzasadnienie jest za krótkie – ma %(n)d znaków, "
                    "a wymagane jest co najmniej %(min)d.",
                    code=c.code, n=len(text), min=MIN_JUSTIFICATION)]
    return errors


def save(sheet: ScoreSheet, values: Mapping[int, ScoreInput], submit: bool, expected_version: int,
         now: datetime | None = None) -> ScoreSheet:
    """Save the draft, or submit the sheet (once). Nothing is written when anything is wrong."""
    now = now or utcnow()
    assignment = _locked(sheet.assignment)
    try:
        _check_can_score(assignment)
        fresh = db.session.scalar(select(ScoreSheet).where(ScoreSheet.id == sheet.id)
                                  .execution_options(populate_existing=True))
        assert fresh is not None
        if fresh.status == SheetStatus.SUBMITTED:
            raise SheetRefused(ALREADY_SUBMITTED)
        if fresh.version != expected_version:
            raise SheetRefused(STALE)
        if submit:
            _check_deadline(assignment.path.programme, now)
        parts = criteria_service.parts_of(assignment.path.programme)
        errors = check_values(parts, values, submit)
        if errors:
            raise SheetInvalid(errors)
    except (SheetRefused, SheetInvalid):
        db.session.rollback()
        raise
    existing = {s.criterion_id: s for s in fresh.scores}
    for part in parts:
        for c in part.criteria:
            value = values.get(c.id, ScoreInput(None, ""))
            score = existing.get(c.id)
            if score is None:
                score = Score(criterion_id=c.id)
                fresh.scores.append(score)
            score.points = value.points
            score.justification = (value.justification or "").strip()
    fresh.updated_at = now
    if submit:
        fresh.status = SheetStatus.SUBMITTED
        fresh.submitted_at = now
        audit.record("sheet_submitted", actor=assignment.evaluator, object_type="score_sheet",
                     object_id=fresh.id, programme_id=assignment.path.programme_id,
                     detail={"path_id": assignment.path_id, "round": assignment.round,
                             "total": sum(v.points or 0 for v in values.values())})
    try:
        db.session.commit()
    except (StaleDataError, IntegrityError) as exc:
        db.session.rollback()
        raise SheetRefused(STALE) from exc
    if submit:
        _after_submit(fresh)
    return fresh


def _after_submit(sheet: ScoreSheet) -> None:
    """Tell the assignment service a sheet is in (the third-evaluator rule), after the commit.

    The sheet is already saved: a failure here is logged for the coordinator, never shown to
    the evaluator as if their submission had failed.
    """
    try:
        manual_assignment.on_sheet_submitted(sheet)
    except Exception:
        db.session.rollback()
        log.exception("the third-evaluator rule failed after sheet %s was submitted", sheet.id)

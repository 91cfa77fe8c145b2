"""A programme's score sheet: its parts and criteria, and the coordinator's edits of them.

A programme starts with the sheet its path definition names (`PathDefinition.sheet`, e.g.
the RL-2020 sheet in states/rozwoj_lokalny_sheet.py): written when the programme is created
or seeded, or when the coordinator asks for it, never as a side effect of reading a page.
A path without a template gives its programmes no sheet. The coordinator may change the
criteria until the first sheet of the programme is submitted; from then on the sheet is
locked, so that every submitted sheet was scored against the same criteria.

Messages (lazy gettext) are keyed by the form field they belong to.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from states import get_definition
from states.sheet import SheetTemplate
from workflow.extensions import db
from workflow.models import (
    Criterion,
    EvaluatorAssignment,
    Path,
    Programme,
    Score,
    ScoreSheet,
    SheetPart,
    SheetStatus,
)
from workflow.refusal import Message, Refused, _l

CODE_MAX, TITLE_MAX, DESCRIPTION_MAX, POINTS_MAX = 20, 300, 2000, 1000

LOCKED = _l("Kryteria są zablokowane – złożono już pierwszą kartę oceny w tym programie. "
            "Zmiana kryteriów po złożeniu karty zmieniłaby zasady oceny w trakcie naboru.")
LAST_ONE = _l("Część karty musi mieć co najmniej jedno kryterium.")


class CriteriaLocked(Refused):
    """The sheet may no longer be changed (HTTP 409)."""

    def __init__(self, reason: Message = LOCKED) -> None:
        super().__init__([reason])

    @property
    def reason(self) -> Message:
        return self.reasons[0]


class CriterionInvalid(Refused):
    """Bad input: `errors` maps a form field name to its messages (HTTP 400)."""

    status = 400

    def __init__(self, errors: dict[str, list[Message]]) -> None:
        super().__init__(errors=errors)


@dataclass
class CriterionInput:
    """What the coordinator typed; checked here, so every rule lives in one place."""

    code: str = ""
    title_pl: str = ""
    title_en: str = ""
    description_pl: str = ""
    description_en: str = ""
    max_points: int | None = None


# --- reading -----------------------------------------------------------------------------------

def parts_of(programme: Programme) -> list[SheetPart]:
    """The programme's parts, each with its criteria, in order (two queries)."""
    return list(db.session.scalars(
        select(SheetPart).options(selectinload(SheetPart.criteria))
        .where(SheetPart.programme_id == programme.id)
        .order_by(SheetPart.position, SheetPart.id)
    ))


def part_maxima(programme: Programme) -> dict[str, int]:
    """{"PRL": 110, "PRI": 120}: each part's maximum, the sum of its criteria (one query)."""
    rows = db.session.execute(
        select(SheetPart.code, func.coalesce(func.sum(Criterion.max_points), 0))
        .outerjoin(Criterion, Criterion.part_id == SheetPart.id)
        .where(SheetPart.programme_id == programme.id)
        .group_by(SheetPart.id, SheetPart.code, SheetPart.position)
        .order_by(SheetPart.position, SheetPart.id)
    )
    return {code: int(total) for code, total in rows}


def is_locked(programme: Programme) -> bool:
    """True once any sheet of the programme has been submitted."""
    return bool(db.session.scalar(select(exists().where(
        ScoreSheet.status == SheetStatus.SUBMITTED,
        ScoreSheet.assignment_id == EvaluatorAssignment.id,
        EvaluatorAssignment.path_id == Path.id,
        Path.programme_id == programme.id,
    ))))


# --- creating the sheet from the template ---------------------------------------------------

def template_of(programme: Programme) -> SheetTemplate | None:
    """The score-sheet template the programme's path definition starts it with, if any."""
    return get_definition(programme.path_code).sheet


def ensure_sheet(programme: Programme) -> list[SheetPart]:
    """Give the programme its definition's sheet template if it has no parts yet, and
    return its parts (none when the definition has no template); idempotent. Called when
    a programme is created or seeded, and by the coordinator's explicit action.

    Two requests doing this at once: the unique (programme, code) of a part lets one win,
    and the other reads what the winner wrote.
    """
    template = template_of(programme)
    if template is not None and not db.session.scalar(
            select(exists().where(SheetPart.programme_id == programme.id))):
        for p_pos, part_spec in enumerate(template.parts, 1):
            part = SheetPart(programme_id=programme.id, code=part_spec.code, title_pl=part_spec.title_pl,
                             title_en=part_spec.title_en, position=p_pos)
            part.criteria = [
                Criterion(code=c.code, title_pl=c.title_pl, title_en=c.title_en,
                          description_pl=c.description_pl, description_en=c.description_en,
                          max_points=c.max_points, position=c_pos)
                for c_pos, c in enumerate(part_spec.criteria, 1)
            ]
            db.session.add(part)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
    return parts_of(programme)


# --- the coordinator's edits -------------------------------------------------------------------

def _require_unlocked(programme: Programme) -> None:
    if is_locked(programme):
        raise CriteriaLocked()


def _check(data: CriterionInput, part: SheetPart, criterion: Criterion | None) -> dict[str, list[Message]]:
    errors: dict[str, list[Message]] = {}

    def add(key: str, message: Message) -> None:
        errors.setdefault(key, []).append(message)

    data.code = data.code.strip()
    data.title_pl, data.title_en = data.title_pl.strip(), data.title_en.strip()
    data.description_pl, data.description_en = data.description_pl.strip(), data.description_en.strip()
    if not data.code:
        add("code", _l("Podaj oznaczenie kryterium, np. I.7."))
    elif len(data.code) > CODE_MAX:
        add("code", _l("Oznaczenie może mieć najwyżej %(max)d znaków.", max=CODE_MAX))
    else:
        taken = db.session.scalar(select(Criterion.code).where(
            Criterion.part_id == part.id, func.lower(Criterion.code) == data.code.lower(),
            Criterion.id != (criterion.id if criterion else -1)))
        if taken is not None:
            add("code", _l("Ta część karty ma już kryterium %(code)s.", code=taken))
    for key, value, missing in (("title_pl", data.title_pl, _l("Podaj nazwę kryterium po polsku.")),
                                ("title_en", data.title_en, _l("Podaj nazwę kryterium po angielsku."))):
        if not value:
            add(key, missing)
        elif len(value) > TITLE_MAX:
            add(key, _l("Nazwa może mieć najwyżej %(max)d znaków.", max=TITLE_MAX))
    for key, value in (("description_pl", data.description_pl), ("description_en", data.description_en)):
        if len(value) > DESCRIPTION_MAX:
            add(key, _l("Opis może mieć najwyżej %(max)d znaków.", max=DESCRIPTION_MAX))
    if data.max_points is None:
        add("max_points", _l("Podaj maksymalną liczbę punktów (liczba całkowita)."))
    elif not 1 <= data.max_points <= POINTS_MAX:
        add("max_points", _l("Maksymalna liczba punktów musi być liczbą całkowitą od 1 do %(max)d.",
                             max=POINTS_MAX))
    return errors


def _commit_or_invalid(errors_key: str = "code") -> None:
    try:
        db.session.commit()
    except IntegrityError as exc:  # the same code typed twice at the same moment
        db.session.rollback()
        raise CriterionInvalid({errors_key: [
            _l("Ktoś w tym samym czasie zapisał kryterium o tym oznaczeniu. Wybierz inne.")]}) from exc


def add_criterion(part: SheetPart, data: CriterionInput) -> Criterion:
    _require_unlocked(part_programme(part))
    errors = _check(data, part, None)
    if errors:
        raise CriterionInvalid(errors)
    position = (db.session.scalar(select(func.max(Criterion.position))
                                  .where(Criterion.part_id == part.id)) or 0) + 1
    criterion = Criterion(part_id=part.id, code=data.code, title_pl=data.title_pl, title_en=data.title_en,
                          description_pl=data.description_pl, description_en=data.description_en,
                          max_points=data.max_points, position=position)
    db.session.add(criterion)
    _commit_or_invalid()
    return criterion


def update_criterion(criterion: Criterion, data: CriterionInput) -> Criterion:
    _require_unlocked(part_programme(criterion.part))
    errors = _check(data, criterion.part, criterion)
    if errors:
        raise CriterionInvalid(errors)
    criterion.code, criterion.title_pl, criterion.title_en = data.code, data.title_pl, data.title_en
    criterion.description_pl, criterion.description_en = data.description_pl, data.description_en
    criterion.max_points = data.max_points  # type: ignore[assignment]  (checked above)
    _commit_or_invalid()
    return criterion


def remove_criterion(criterion: Criterion) -> None:
    """Remove a criterion, and the points draft sheets gave it (no sheet is submitted yet)."""
    _require_unlocked(part_programme(criterion.part))
    others = db.session.scalar(select(func.count()).select_from(Criterion).where(
        Criterion.part_id == criterion.part_id, Criterion.id != criterion.id))
    if not others:
        raise CriteriaLocked(LAST_ONE)
    db.session.execute(delete(Score).where(Score.criterion_id == criterion.id))
    db.session.delete(criterion)
    db.session.commit()


def part_programme(part: SheetPart) -> Programme:
    programme = db.session.get(Programme, part.programme_id)
    assert programme is not None
    return programme

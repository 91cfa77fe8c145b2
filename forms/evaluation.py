"""Forms of the evaluation area: evaluator assignment and the score sheet.

The coordinator's forms for evaluators: one evaluator for an application, and the
approval of a proposal.

Evaluation forms: the score sheet generated from a programme's criteria, the declaration
of impartiality or conflict, and the coordinator's criterion editor.

The score sheet has, per criterion, whole points 0..max and a justification. The rules
that depend on the button (a submitted sheet needs everything, a draft may be partial) live
in workflow.evaluation.sheets; the form parses what was typed and keeps it for re-display.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, StopValidation, ValidationError
from wtforms.widgets import TextInput

from forms import RowIdField, RowIdSelectField, row_ids_of
from workflow.models import Criterion, SheetPart


class AssignEvaluatorForm(FlaskForm):
    """One evaluator for an application (regular or third: the URL says which).

    The select lists only eligible evaluators, but a typed id is checked by the view and
    the service, so the choice is not validated against the list here."""

    evaluator = RowIdSelectField(_l("Oceniający"), message=_l("Wybierz oceniającego z listy."),
                                 validators=[InputRequired(_l("Wybierz oceniającego z listy."))])
    submit = SubmitField(_l("Przydziel"))


class PairsField(Field):
    """The pairs of a proposal as hidden inputs 'path_id:evaluator_id'."""

    widget = HiddenField.widget

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = []
        self.data = [row_ids_of(value, 2, _l("Propozycja jest niepoprawna. Przygotuj ją ponownie."))
                     for value in valuelist]


class ApproveEvaluatorsForm(FlaskForm):
    pair = PairsField(_l("Przydziały"))
    submit = SubmitField(_l("Zatwierdź"))

    def validate_pair(self, field: PairsField) -> None:
        if not field.data:
            raise ValidationError(_l("Propozycja nie zawiera żadnego przydziału."))


WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,9}")
JUSTIFICATION_MAX = 5000  # the same limit as workflow.evaluation.sheets.JUSTIFICATION_MAX


class WholeNumberField(IntegerField):
    """A whole number typed as text: "abc", "2.5" or "2,5" are kept and explained, not lost.

    A text input (inputmode numeric), not type=number, so that the browser shows back
    exactly what was typed next to the message.
    """

    widget = TextInput()

    def __init__(self, label: Any = None, validators: Any = None, message: Any = None, **kw: Any) -> None:
        render_kw = {"inputmode": "numeric", "autocomplete": "off", "size": 5, **kw.pop("render_kw", {})}
        super().__init__(label, validators, render_kw=render_kw, **kw)
        self.message = message or _l("Wpisz liczbę całkowitą.")

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        raw = str(valuelist[0]).strip()
        if not raw:
            self.data = None
            return
        if not WHOLE_NUMBER.fullmatch(raw):
            self.data = None
            raise ValueError(str(self.message))
        self.data = int(raw)

    def pre_validate(self, form: Any) -> None:
        if self.process_errors:  # one message for a value that is not a number, not two
            raise StopValidation()


# --- the score sheet -----------------------------------------------------------------------------

@dataclass(frozen=True)
class CriterionRow:
    criterion: Criterion
    points: Field
    justification: Field


@dataclass(frozen=True)
class PartRow:
    part: SheetPart
    rows: list[CriterionRow]
    subtotal: int
    maximum: int


class ScoreSheetForm(FlaskForm):
    """The fixed fields; `sheet_form_class` adds two fields per criterion."""

    version = RowIdField(validators=[InputRequired()])
    confirm = BooleanField(_l("Rozumiem, że złożonej karty nie można zmienić"))
    save_draft = SubmitField(_l("Zapisz szkic"))
    submit_sheet = SubmitField(_l("Złóż kartę oceny"))

    parts_spec: Sequence[SheetPart] = ()

    def validate_confirm(self, field: BooleanField) -> None:
        if self.submit_sheet.data and not field.data:
            raise ValidationError(_("Zaznacz, że rozumiesz, że złożonej karty nie można zmienić."))

    @property
    def submitting(self) -> bool:
        return bool(self.submit_sheet.data)

    def criterion_fields(self) -> Iterable[tuple[Criterion, Field, Field]]:
        for part in self.parts_spec:
            for c in part.criteria:
                yield c, self[points_name(c.id)], self[justification_name(c.id)]

    def values(self) -> dict[int, tuple[int | None, str]]:
        """Per criterion id: the points (None when empty or not a number) and the text."""
        return {c.id: (points.data if not points.process_errors else None, justification.data or "")
                for c, points, justification in self.criterion_fields()}

    def layout(self) -> list[PartRow]:
        """The parts with their criteria and the subtotal of the points typed so far."""
        out = []
        for part in self.parts_spec:
            rows = [CriterionRow(c, self[points_name(c.id)], self[justification_name(c.id)])
                    for c in part.criteria]
            subtotal = sum(r.points.data for r in rows
                           if isinstance(r.points.data, int) and not r.points.errors
                           and 0 <= r.points.data <= r.criterion.max_points)
            out.append(PartRow(part, rows, subtotal, sum(c.max_points for c in part.criteria)))
        return out

    def add_errors(self, errors: dict[str, list[str]]) -> None:
        """Messages from the service, next to their fields (a field that already explains
        what is wrong with it keeps only its own message)."""
        for name, messages in errors.items():
            if name in self and not self[name].errors:
                self[name].errors = list(self[name].errors) + messages


def points_name(criterion_id: int) -> str:
    return f"points_{criterion_id}"


def justification_name(criterion_id: int) -> str:
    return f"justification_{criterion_id}"


def sheet_form_class(parts: Sequence[SheetPart]) -> type[ScoreSheetForm]:
    """A form class with one points field (whole numbers 0..max) and one justification
    per criterion of `parts`, labelled in the user's language (call it in a request)."""
    attrs: dict[str, Any] = {"parts_spec": tuple(parts)}
    for part in parts:
        for c in part.criteria:
            out_of_range = _("Kryterium %(code)s: wpisz liczbę całkowitą od 0 do %(max)d punktów.",
                             code=c.code, max=c.max_points)
            attrs[points_name(c.id)] = WholeNumberField(
                _("Punkty za kryterium %(code)s (od 0 do %(max)d)", code=c.code, max=c.max_points),
                validators=[Optional(), NumberRange(min=0, max=c.max_points, message=out_of_range)],
                message=out_of_range,
            )
            attrs[justification_name(c.id)] = TextAreaField(
                _("Uzasadnienie oceny kryterium %(code)s", code=c.code),
                validators=[Length(max=JUSTIFICATION_MAX, message=_(
                    "Kryterium %(code)s: uzasadnienie może mieć najwyżej %(max)d znaków.",
                    code=c.code, max=JUSTIFICATION_MAX))],
                render_kw={"rows": 4},
            )
    return type("GeneratedScoreSheetForm", (ScoreSheetForm,), attrs)


# --- the declaration -------------------------------------------------------------------------------

class DeclarationForm(FlaskForm):
    """Impartial, or a conflict with its kind; the conflict kinds' texts come from the view."""

    declaration = RadioField(
        _l("Twoja deklaracja"),
        choices=[SelectChoice("impartial", _l("Składam deklarację bezstronności")),
                 SelectChoice("conflict", _l("Zgłaszam konflikt interesów"))],
        validate_choice=False,
    )
    conflict_type = RadioField(_l("Rodzaj konfliktu interesów"), validate_choice=False)
    note = TextAreaField(_l("Opis konfliktu interesów"),
                         validators=[Length(max=2000, message=_l("Opis może mieć najwyżej 2000 znaków."))],
                         render_kw={"rows": 3})
    submit = SubmitField(_l("Zapisz deklarację"))


# --- the coordinator's criteria ----------------------------------------------------------------

class CriterionForm(FlaskForm):
    code = StringField(_l("Oznaczenie (np. I.7)"), render_kw={"size": 8})
    title_pl = StringField(_l("Nazwa po polsku"))
    title_en = StringField(_l("Nazwa po angielsku"))
    description_pl = TextAreaField(_l("Opis po polsku (jedno zdanie dla oceniających)"),
                                   render_kw={"rows": 2})
    description_en = TextAreaField(_l("Opis po angielsku"), render_kw={"rows": 2})
    max_points = WholeNumberField(
        _l("Maksymalna liczba punktów"),
        message=_l("Wpisz maksymalną liczbę punktów jako liczbę całkowitą, np. 15."))
    submit = SubmitField(_l("Zapisz kryterium"))


class ConfirmForm(FlaskForm):
    """A button that only needs the CSRF token (create the sheet, remove a criterion)."""

    submit = SubmitField(_l("Potwierdź"))

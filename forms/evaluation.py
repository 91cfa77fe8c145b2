"""The coordinator's forms for evaluators: one evaluator for an application, and the
approval of a proposal."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, SelectField, SubmitField
from wtforms.validators import InputRequired, ValidationError


def id_or_none(value: Any) -> int | None:
    """An id typed into a form; anything else is None (the view says what to do)."""
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit() and len(value) < 10:
        return int(value)
    return None


class AssignEvaluatorForm(FlaskForm):
    """One evaluator for an application (regular or third: the URL says which).

    The select lists only eligible evaluators, but a typed id is checked by the view and
    the service, so the choice is not validated against the list here."""

    evaluator = SelectField(_l("Oceniający"), coerce=id_or_none, validate_choice=False,
                            validators=[InputRequired(_l("Wybierz oceniającego z listy."))])
    submit = SubmitField(_l("Przydziel"))


class PairsField(Field):
    """The pairs of a proposal as hidden inputs 'path_id:evaluator_id'."""

    widget = HiddenField.widget

    def process_formdata(self, valuelist: list[str]) -> None:
        pairs: list[tuple[int, int]] = []
        for value in valuelist:
            parts = value.split(":")
            if len(parts) != 2 or not all(p.isdigit() and len(p) < 10 for p in parts):
                self.data = []
                raise ValueError(_l("Propozycja jest niepoprawna. Przygotuj ją ponownie."))
            pairs.append((int(parts[0]), int(parts[1])))
        self.data = pairs


class ApproveEvaluatorsForm(FlaskForm):
    pair = PairsField(_l("Przydziały"))
    submit = SubmitField(_l("Zatwierdź"))

    def validate_pair(self, field: PairsField) -> None:
        if not field.data:
            raise ValidationError(_l("Propozycja nie zawiera żadnego przydziału."))

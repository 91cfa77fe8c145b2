"""The form of a project's result indicator: an indicator of the base, its baseline year and
value, its target year and value (docs/decisions/0040). Numbers are typed the Polish way
("1 250,5"); the operation checks what only the data can tell (the indicator exists, not
named twice, the target on the good side of the baseline)."""

from __future__ import annotations

import math
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, ValidationError
from wtforms.validators import InputRequired

from forms.advice import ChoiceField
from workflow.monitoring.targets import ResultInput

EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


def parse_number(raw: str | None) -> float | None:
    """A number as typed ("1 250,5", "-3.2"), None when it is none."""
    text = (raw or "").strip().replace("\xa0", "").replace(" ", "").replace(",", ".")
    if not text or len(text) > 30:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


class YearField(StringField):
    year: int | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "numeric"})
        super().__init__(*args, **kwargs)

    def pre_validate(self, form: Any) -> None:
        self.year = None
        text = (self.data or "").strip()
        if text.isdigit() and EARLIEST_YEAR <= int(text) <= LATEST_YEAR:
            self.year = int(text)
        elif text:
            raise ValidationError(_l("Podaj rok od %(low)d do %(high)d, np. 2019.",
                                     low=EARLIEST_YEAR, high=LATEST_YEAR))


class NumberField(StringField):
    number: float | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "decimal"})
        super().__init__(*args, **kwargs)

    def pre_validate(self, form: Any) -> None:
        self.number = parse_number(self.data)
        if self.number is None and (self.data or "").strip():
            raise ValidationError(_l("To nie jest liczba. Wpisz np. 1250,5."))


class ResultIndicatorForm(FlaskForm):
    indicator = ChoiceField(_l("Wskaźnik z bazy wskaźników"), message=_l("Wybierz wskaźnik z listy."),
                            validators=[InputRequired(_l("Wybierz wskaźnik."))])
    baseline_year = YearField(_l("Rok bazowy"), validators=[InputRequired(_l("Podaj rok bazowy."))])
    baseline_value = NumberField(_l("Wartość bazowa"),
                                 validators=[InputRequired(_l("Podaj wartość bazową."))])
    target_year = YearField(_l("Rok docelowy"), validators=[InputRequired(_l("Podaj rok docelowy."))])
    target_value = NumberField(_l("Wartość docelowa"),
                               validators=[InputRequired(_l("Podaj wartość docelową."))])
    submit = SubmitField(_l("Dodaj wskaźnik rezultatu"))

    def set_choices(self, choices: list[tuple[str, str]]) -> None:
        self.indicator.choices = [("", _("– wybierz –")), *choices]

    def result(self) -> ResultInput:
        """What was typed, for the operation's rule (a year or number not typed is 0)."""
        return ResultInput(self.indicator.data or "", self.baseline_year.year or 0,
                           self.baseline_value.number or 0.0, self.target_year.year or 0,
                           self.target_value.number or 0.0)


class RemoveForm(FlaskForm):
    submit = SubmitField(_l("Usuń"))

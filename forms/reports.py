"""The filters of the services report: a GET form (nothing is changed, so no CSRF token,
which would only end up in bookmarked URLs). Every bad value gets a Polish message next
to its field, and the value typed is kept on the page."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, ValidationError
from wtforms.widgets import TextInput

EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


class PolishDateField(DateField):
    """A date typed as RRRR-MM-DD, with our own Polish complaint. A text input, not a
    date picker: a browser empties a date input holding an impossible date, and the
    person would not see what they typed."""

    widget = TextInput()

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        raw = " ".join(valuelist).strip()
        if not raw:
            return
        try:
            value = date.fromisoformat(raw)
        except ValueError:
            raise ValueError(_l("Podaj datę w formacie RRRR-MM-DD, np. 2020-02-01.")) from None
        if not EARLIEST <= value <= LATEST:
            raise ValueError(_l("Podaj datę z lat 2000–2100."))
        self.data = value


class ChoiceField(SelectField):
    """A select of string values where '' means 'all'; an unknown value is refused with a
    Polish message and shown back as it was typed."""

    def __init__(self, *args: Any, message: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, validate_choice=False, **kwargs)
        self.message = message or _l("Wybierz wartość z listy.")

    def pre_validate(self, form: Any) -> None:
        value = self.data or ""
        if value and value not in {str(v) for v, _label in self.choices}:
            self.choices = [*self.choices, (value, value)]  # keep what was typed, selected
            raise ValidationError(self.message)


class ReportFilterForm(FlaskForm):
    """The programme travels as a plain hidden `programme` argument, read by the view."""

    class Meta:
        csrf = False

    date_from = PolishDateField(_l("Od dnia"))
    date_to = PolishDateField(_l("Do dnia"))
    town = ChoiceField(_l("Miasto"), message=_l("Wybierz miasto z listy."))
    advisor = ChoiceField(_l("Doradca"), message=_l("Wybierz doradcę z listy."))
    field = ChoiceField(_l("Dziedzina"), message=_l("Wybierz dziedzinę z listy."))
    kind = ChoiceField(_l("Rodzaj usługi"), message=_l("Wybierz rodzaj usługi z listy."))

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("Data końcowa nie może być wcześniejsza niż początkowa."))

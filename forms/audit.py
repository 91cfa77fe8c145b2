"""Forms of the audit area: the audit log's filters.

The audit page's filters: a GET form like the services report's (no CSRF token, which
would only end up in bookmarked URLs); every bad value gets a Polish message next to its
field and is shown back as typed.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, StringField, ValidationError
from wtforms.validators import Length, NumberRange, Optional

from forms.advice import ChoiceField, PolishDateField
from workflow.models.types import MAX_ROW_ID


class WholeNumberField(IntegerField):
    """An integer field that complains in Polish about what is not a whole number."""

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        raw = " ".join(valuelist).strip()
        if not raw:
            return
        try:
            self.data = int(raw)
        except ValueError:
            raise ValueError(_l("Wpisz liczbę całkowitą, np. 12.")) from None


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    action = ChoiceField(_l("Czynność"), message=_l("Wybierz czynność z listy."))
    actor = StringField(_l("Kto (adres e-mail lub jego część)"),
                        validators=[Optional(), Length(max=254, message=_l("Wpisz najwyżej 254 znaki."))])
    date_from = PolishDateField(_l("Od dnia"))
    date_to = PolishDateField(_l("Do dnia"))
    object_type = ChoiceField(_l("Rodzaj obiektu"), message=_l("Wybierz rodzaj obiektu z listy."))
    object_id = WholeNumberField(_l("Numer obiektu"), validators=[
        Optional(),
        NumberRange(min=1, max=MAX_ROW_ID, message=_l("Podaj numer – liczbę całkowitą od 1."))])

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("Data końcowa nie może być wcześniejsza niż początkowa."))

"""Forms of the path area: transitions, uploads, sign-offs, the requested amount; deadlines and extensions.

Forms that act on a path: firing a transition, uploading a stage's document.

The coordinator's forms: stage deadlines and per-town extensions.
"""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateTimeLocalField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length

from forms import RowIdField
from workflow.text import parse_amount

COMMENT_MAX = 4000


class TransitionForm(FlaskForm):
    """One button of the path. `version` is the path version the page showed."""

    version = RowIdField(validators=[InputRequired()])
    comment = TextAreaField(
        _l("Komentarz"),
        validators=[Length(max=COMMENT_MAX, message=_l("Komentarz może mieć najwyżej %(max)d znaków."))],
    )


class UploadForm(FlaskForm):
    document = FileField(
        _l("Plik dokumentu (PDF, DOCX, ODT, XLSX lub ODS)"),
        validators=[FileRequired(_l("Wybierz plik do wysłania."))],
    )
    submit = SubmitField(_l("Wyślij dokument"))


class SignoffForm(FlaskForm):
    document_id = RowIdField(validators=[InputRequired()])
    submit = SubmitField(_l("Zatwierdź najnowszą wersję dokumentu"))


MAX_GRANT = Decimal("40000000.00")  # Rozwój Lokalny: up to 40 mln zł per town


class AmountForm(FlaskForm):
    amount = StringField(
        _l("Wnioskowana kwota dofinansowania (zł)"),
        validators=[DataRequired(_l("Podaj kwotę w złotych, np. 38 000 000,00."))],
    )
    submit = SubmitField(_l("Zapisz kwotę"))

    def validate_amount(self, field: StringField) -> None:
        value = parse_amount(field.data)
        if value is None:
            raise ValidationError(_l("To nie jest kwota w złotych. Wpisz np. 38 000 000,00."))
        if value <= 0 or value > MAX_GRANT:
            raise ValidationError(_l("Kwota musi być większa od zera i nie większa niż 40 000 000,00 zł."))
        self.parsed = value


DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DeadlineForm(FlaskForm):
    """One stage's deadline, typed as a Warsaw wall-clock time."""

    stage = SelectField(_l("Etap"), validators=[InputRequired()])
    due_at = DateTimeLocalField(
        _l("Termin (czas warszawski)"),
        format=DATETIME_FORMAT,
        validators=[DataRequired(_l("Podaj datę i godzinę w formacie RRRR-MM-DD GG:MM."))],
    )
    submit = SubmitField(_l("Zapisz termin"))


class ExtensionForm(FlaskForm):
    stage = SelectField(_l("Etap"), validators=[InputRequired()])
    due_at = DateTimeLocalField(
        _l("Nowy termin (czas warszawski)"),
        format=DATETIME_FORMAT,
        validators=[DataRequired(_l("Podaj datę i godzinę w formacie RRRR-MM-DD GG:MM."))],
    )
    reason = TextAreaField(
        _l("Uzasadnienie"),
        validators=[DataRequired(_l("Podaj uzasadnienie przedłużenia.")), Length(max=2000)],
    )
    submit = SubmitField(_l("Przedłuż termin"))

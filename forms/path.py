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
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length

from forms import RowIdField
from workflow.text import is_sentence, parse_amount

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
    # Offered after the same file as the current version was sent (documents: "unchanged").
    same_file = BooleanField(_l("Wiem, że to ten sam plik – dodaj go mimo to jako nową wersję"))
    submit = SubmitField(_l("Wyślij dokument"))
    offer_same_file = False


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


REASON_HINT = _l("Jedno zdanie, które miasto zrozumie: dlaczego termin się zmienia. Zobaczy je "
                 "w historii ścieżki i w powiadomieniu.")


def reason_field(label: str | None = None) -> TextAreaField:
    return TextAreaField(
        label or _l("Uzasadnienie zmiany terminu"),
        validators=[Sentence(), Length(max=2000, message=_l("Uzasadnienie może mieć najwyżej 2000 znaków."))],
        render_kw={"rows": 2},
    )


class Sentence:
    """A reason a person wrote: at least ten characters, with letters (workflow.text.is_sentence)."""

    def __call__(self, form: FlaskForm, field: TextAreaField) -> None:
        if not is_sentence(field.data):
            raise ValidationError(_l("Podaj uzasadnienie zmiany terminu: zdanie, które miasto "
                                     "zrozumie (co najmniej 10 znaków, nie same spacje ani znaki)."))


def due_field(label: str) -> DateTimeLocalField:
    return DateTimeLocalField(
        label, format=DATETIME_FORMAT,
        validators=[DataRequired(_l("Podaj datę i godzinę w formacie RRRR-MM-DD GG:MM."))],
    )


class DeadlineForm(FlaskForm):
    """One stage's deadline for the whole programme, typed as a Warsaw wall-clock time, with
    the reason; `confirmed` is set by the confirmation page of a deadline moved earlier."""

    stage = SelectField(_l("Etap"), validators=[InputRequired()])
    due_at = due_field(_l("Termin (czas warszawski)"))
    reason = reason_field()
    confirmed = HiddenField()
    submit = SubmitField(_l("Zapisz termin"))


class ExtensionForm(FlaskForm):
    """A town's deadline moved later."""

    stage = SelectField(_l("Etap"), validators=[InputRequired()])
    due_at = due_field(_l("Nowy, późniejszy termin (czas warszawski)"))
    reason = reason_field(_l("Uzasadnienie przedłużenia"))
    submit = SubmitField(_l("Przedłuż termin"))


class ShortenForm(FlaskForm):
    """A town's deadline moved earlier: shown once, then confirmed on a page of its own."""

    stage = SelectField(_l("Etap"), validators=[InputRequired()])
    due_at = due_field(_l("Nowy, wcześniejszy termin (czas warszawski)"))
    reason = reason_field(_l("Uzasadnienie skrócenia"))
    confirmed = HiddenField()
    submit = SubmitField(_l("Dalej: sprawdź skrócenie"))


class RevokeForm(FlaskForm):
    """Taking back a town's extension, with the reason."""

    reason = reason_field(_l("Uzasadnienie cofnięcia przedłużenia"))
    submit = SubmitField(_l("Cofnij przedłużenie"))

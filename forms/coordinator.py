"""The coordinator's forms: stage deadlines and per-town extensions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

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

"""Forms of the messaging area: notification preferences and message texts.

Forms of the inbox, notification settings, message templates and the outbox page.

The preferences table has one checkbox per kind and channel, named `email-<kind>` and
`inbox-<kind>`; the set of kinds is the notification service's, so the form reads them
from the posted data instead of declaring a field for each.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import StringField, SubmitField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, Length

from workflow.messaging.settings import Choice


class PreferencesForm(FlaskForm):
    submit = SubmitField(_l("Zapisz ustawienia"))

    @staticmethod
    def choices(formdata: MultiDict, kinds: list[str]) -> dict[str, Choice]:
        """A checkbox left unticked is not posted at all: that is "off"."""
        return {kind: Choice(email=f"email-{kind}" in formdata, inbox=f"inbox-{kind}" in formdata)
                for kind in kinds}


SUBJECT_MAX = 300
BODY_MAX = 10_000


def single_line(form: FlaskForm, field: StringField) -> None:
    """A subject is one line: a line break in an e-mail header would end the header."""
    if any(c in (field.data or "") for c in "\r\n"):
        raise ValidationError(_l("Temat musi mieścić się w jednym wierszu."))


def _subject(label: str) -> StringField:
    return StringField(label, validators=[
        DataRequired(_l("Podaj temat wiadomości.")), single_line,
        Length(max=SUBJECT_MAX, message=_l("Temat może mieć najwyżej %(max)d znaków.")),
    ])


def _body(label: str) -> TextAreaField:
    return TextAreaField(label, validators=[
        DataRequired(_l("Podaj treść wiadomości.")),
        Length(max=BODY_MAX, message=_l("Treść może mieć najwyżej %(max)d znaków.")),
    ], render_kw={"rows": 8})


class TemplateForm(FlaskForm):
    """A kind's subject and body in Polish and English; save or only preview."""

    subject_pl = _subject(_l("Temat (polski)"))
    body_pl = _body(_l("Treść (polski)"))
    subject_en = _subject(_l("Temat (angielski)"))
    body_en = _body(_l("Treść (angielski)"))
    preview = SubmitField(_l("Podgląd"))
    save = SubmitField(_l("Zapisz"))

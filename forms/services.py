"""The consultation log's forms: one service (new, draft, correction) and deleting a draft.

The fields keep what was typed as text; workflow.advice.consultations parses and checks
it, so every rule and its message lives in one place and all errors show at once.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, DateInput, HiddenInput, ListWidget

TEXT_MAX = 20000


def int_or_none(value: Any) -> int | None:
    """A posted id as an int; anything else (empty, garbage) as None, for a clear message."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes, each with its own label."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _too_long(limit: int) -> Length:
    return Length(max=limit, message=_l("Ten tekst jest za długi (najwyżej %(max)d znaków).", max=limit))


class ServiceForm(FlaskForm):
    kind = RadioField(_l("Rodzaj usługi"), default="consultation", validate_choice=False)
    held_on = StringField(_l("Data usługi"), widget=DateInput(), validators=[_too_long(40)])
    duration = StringField(_l("Czas trwania w minutach"), validators=[_too_long(40)],
                           render_kw={"inputmode": "numeric", "size": 8})
    field_id = SelectField(_l("Dziedzina"), coerce=int_or_none, validate_choice=False)
    topic = TextAreaField(_l("Temat"), validators=[_too_long(TEXT_MAX)], render_kw={"rows": 2})
    format = RadioField(_l("Forma"), default="on_site", validate_choice=False)
    participants = MultiCheckboxField(_l("Uczestnicy z listy osób miasta"), coerce=int,
                                      validate_choice=False)
    new_people = TextAreaField(_l("Nowi uczestnicy (jedna osoba w wierszu)"),
                               validators=[_too_long(TEXT_MAX)], render_kw={"rows": 5})
    studies = TextAreaField(_l("Opracowania (jedno w wierszu)"), validators=[_too_long(TEXT_MAX)],
                            render_kw={"rows": 3})
    client_token = HiddenField(validators=[Length(max=64)])
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    reason = TextAreaField(_l("Powód poprawki"), validators=[_too_long(TEXT_MAX)], render_kw={"rows": 3})
    save_draft = SubmitField(_l("Zapisz szkic"))
    log = SubmitField(_l("Zapisz w dzienniku"))
    correct = SubmitField(_l("Zapisz poprawkę"))


class DeleteDraftForm(FlaskForm):
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    submit = SubmitField(_l("Usuń szkic"))

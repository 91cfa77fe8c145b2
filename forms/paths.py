"""Forms that act on a path: firing a transition, uploading a stage's document."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, IntegerField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange

COMMENT_MAX = 4000


class TransitionForm(FlaskForm):
    """One button of the path. `version` is the path version the page showed."""

    version = IntegerField(widget=HiddenField.widget, validators=[InputRequired(), NumberRange(min=1)])
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
    document_id = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])
    submit = SubmitField(_l("Zatwierdź najnowszą wersję dokumentu"))

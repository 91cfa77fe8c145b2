"""Forms of public consultations: publishing a draft, a comment from anyone, an answer.

The comment form is the only form of the app that a person without an account sends: it
carries no id of anything (the open consultation is named by its URL), and a field no person
sees (`website`, the honeypot) that a spam robot fills in. Its length limits are checked by
the operation (workflow/consultation/operations.check_comment), which reports them by field.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired

from forms import RowIdSelectField
from forms.advice import PolishDateField

DATE_HINT = _l("RRRR-MM-DD, np. 2027-03-01")


class OpenConsultationForm(FlaskForm):
    document_id = RowIdSelectField(_l("Dokument do konsultacji"), validators=[
        InputRequired(_l("Wybierz dokument, który chcesz wyłożyć do konsultacji."))])
    starts = PolishDateField(_l("Pierwszy dzień konsultacji"), validators=[
        InputRequired(_l("Podaj pierwszy dzień konsultacji."))])
    ends = PolishDateField(_l("Ostatni dzień konsultacji"), validators=[
        InputRequired(_l("Podaj ostatni dzień konsultacji."))])
    submit = SubmitField(_l("Opublikuj do konsultacji"))


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Treść uwagi"))
    name = StringField(_l("Imię i nazwisko lub nazwa organizacji (nieobowiązkowe)"))
    email = StringField(_l("Adres e-mail (nieobowiązkowy)"))
    # The honeypot: hidden from people (off screen, out of the tab order, hidden from screen
    # readers); a robot that fills every field fills it too.
    website = StringField(_l("Nie wypełniaj tego pola"))
    submit = SubmitField(_l("Wyślij uwagę"))


class AnswerForm(FlaskForm):
    answer = TextAreaField(_l("Odpowiedź"))
    submit = SubmitField(_l("Zapisz odpowiedź"))


class CloseForm(FlaskForm):
    submit = SubmitField(_l("Zamknij konsultacje"))

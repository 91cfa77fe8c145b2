"""Forms of the results pages: a town's appeal, the coordinator's decision on it.

The service (workflow/services/appeals.py) checks the same rules again; these give the
message next to the field before anything is written.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from workflow.ranking.appeals import MAX_TEXT, MIN_JUSTIFICATION


class AppealForm(FlaskForm):
    justification = TextAreaField(
        _l("Uzasadnienie protestu"),
        validators=[
            DataRequired(_l("Napisz uzasadnienie protestu.")),
            Length(min=MIN_JUSTIFICATION, max=MAX_TEXT,
                   message=_l("Uzasadnienie musi mieć od %(min)d do %(max)d znaków.")),
        ],
    )
    submit = SubmitField(_l("Złóż protest"))


class DecisionForm(FlaskForm):
    decision = RadioField(
        _l("Rozstrzygnięcie"),
        choices=[("upheld", _l("Uwzględnij protest")),
                 ("rejected", _l("Odrzuć protest"))],
        validators=[InputRequired(_l("Wybierz rozstrzygnięcie."))],
    )
    note = TextAreaField(
        _l("Uzasadnienie rozstrzygnięcia"),
        validators=[DataRequired(_l("Podaj uzasadnienie rozstrzygnięcia.")),
                    Length(max=MAX_TEXT, message=_l("Uzasadnienie może mieć najwyżej %(max)d znaków."))],
    )
    submit = SubmitField(_l("Zapisz rozstrzygnięcie"))

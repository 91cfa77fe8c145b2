"""Forms of the indicator base: a person's list of gminas, saving a "most similar" group.

The operations (workflow/monitoring/groups.py) check the same rules again and say which codes
they do not know; these give the message next to the field before anything is read.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from workflow.monitoring.groups import NAME_MAX


class GroupListForm(FlaskForm):
    name = StringField(_l("Nazwa grupy"), validators=[
        DataRequired(_l("Podaj nazwę grupy.")),
        Length(max=NAME_MAX, message=_l("Nazwa może mieć najwyżej %(max)d znaków."))])
    units = TextAreaField(_l("Kody TERYT gmin"), validators=[
        DataRequired(_l("Podaj co najmniej jeden kod TERYT gminy.")),
        Length(max=10000, message=_l("Lista jest za długa (najwyżej %(max)d znaków)."))],
        render_kw={"rows": 8})
    submit = SubmitField(_l("Zapisz grupę"))


class SaveSimilarForm(FlaskForm):
    """The definition travels in the page's own fields (the same as the GET that computed
    it); this form carries the CSRF token and the button."""

    submit = SubmitField(_l("Zapisz jako grupę"))

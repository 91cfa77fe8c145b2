"""Forms of the privacy area: finding a person, and confirming the erasure of their data."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from workflow.privacy.erasure import REASON_MAX


class FindPersonForm(FlaskForm):
    """A GET form (no CSRF token, which would only end up in the address)."""

    class Meta:
        csrf = False

    q = StringField(_l("Adres e-mail albo imię i nazwisko"), validators=[
        InputRequired(_l("Wpisz adres e-mail albo imię i nazwisko.")),
        Length(min=2, max=254, message=_l("Wpisz od %(min)d do %(max)d znaków."))])


class EraseForm(FlaskForm):
    reason = TextAreaField(_l("Powód"), validators=[
        DataRequired(_l("Podaj powód usunięcia danych (np. „wniosek osoby z 3 grudnia 2026 r.”).")),
        Length(max=REASON_MAX, message=_l("Powód może mieć najwyżej %(max)d znaków."))],
        render_kw={"rows": 3})
    confirm = BooleanField(_l("Rozumiem, że tego nie można cofnąć"), validators=[
        DataRequired(_l("Zaznacz, że rozumiesz, że tego nie można cofnąć."))])
    submit = SubmitField(_l("Usuń dane osobowe (zastąp pseudonimem)"))

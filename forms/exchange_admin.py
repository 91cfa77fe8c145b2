"""Forms of the analyst's page of the experience-exchange groups (decision 0043): a new group,
its moderator, a city added or removed, a delegate sent or withdrawn.

The operations (workflow/monitoring/exchange_admin.py) check the group's rules again (5-12
cities, one group of an area per cohort, three delegates per city) and name the field."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from forms import RowIdField, RowIdSelectField
from workflow.monitoring.exchange_admin import COHORT_MAX, COHORT_MIN, NAME_MAX

TERYT = _l("Kod TERYT gminy")
NAME_NEEDED, NAME_LONG = _l("Podaj nazwę grupy."), _l("Nazwa może mieć najwyżej %(max)d znaków.")
EXPIRED = _l("Formularz wygasł. Odśwież stronę i spróbuj ponownie.")


class GroupForm(FlaskForm):
    code = StringField(_l("Kod grupy"), validators=[
        DataRequired(_l("Podaj kod grupy.")),
        Length(max=80, message=_l("Kod może mieć najwyżej %(max)d znaków."))])
    area = SelectField(_l("Obszar usług"), validators=[DataRequired(_l("Wybierz obszar usług."))])
    cohort = IntegerField(_l("Edycja (rok rozpoczęcia)"), validators=[
        InputRequired(_l("Podaj rok rozpoczęcia edycji.")),
        NumberRange(COHORT_MIN, COHORT_MAX, message=_l("Podaj rok od %(min)s do %(max)s."))])
    name_pl = StringField(_l("Nazwa (po polsku)"),
                          validators=[DataRequired(NAME_NEEDED), Length(max=NAME_MAX, message=NAME_LONG)])
    name_en = StringField(_l("Nazwa (po angielsku)"),
                          validators=[DataRequired(NAME_NEEDED), Length(max=NAME_MAX, message=NAME_LONG)])
    moderator = RowIdSelectField(_l("Moderator"))
    cities = TextAreaField(_l("Miasta: kody TERYT gmin (5–12)"), validators=[
        DataRequired(_l("Podaj kody TERYT miast grupy.")),
        Length(max=2000, message=_l("Lista jest za długa (najwyżej %(max)d znaków)."))],
        render_kw={"rows": 4})
    submit = SubmitField(_l("Utwórz grupę"))


class ModeratorForm(FlaskForm):
    moderator = RowIdSelectField(_l("Moderator"))
    submit = SubmitField(_l("Zapisz moderatora"))


class CityForm(FlaskForm):
    code = StringField(TERYT, validators=[DataRequired(_l("Podaj kod TERYT gminy.")),
                                          Length(min=7, max=7, message=_l("Kod TERYT gminy ma 7 cyfr."))])
    submit = SubmitField(_l("Dodaj miasto"))


class RemoveCityForm(FlaskForm):
    unit = RowIdField(validators=[InputRequired(EXPIRED)])
    submit = SubmitField(_l("Usuń z grupy"))


class DelegateForm(FlaskForm):
    user = RowIdSelectField(_l("Konto zespołu miasta"), validators=[InputRequired(_l("Wybierz konto."))])
    submit = SubmitField(_l("Dodaj delegata"))


class RemoveDelegateForm(FlaskForm):
    user = RowIdField(validators=[InputRequired(EXPIRED)])
    submit = SubmitField(_l("Usuń delegata"))

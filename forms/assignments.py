"""The coordinator's forms for advisors: fields of expertise, profiles, town needs,
assignments and the approval of a proposal."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

NAME_MAX = 120


class CheckboxesField(SelectMultipleField):
    """A list of checkboxes; a value outside the choices is an error, not a crash."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def process_formdata(self, valuelist: list[str]) -> None:
        if not all(v.isdigit() and len(v) < 10 for v in valuelist):
            self.data = []
            raise ValueError(_l("Wybierz dziedziny z listy."))
        self.data = [int(v) for v in valuelist]

    def pre_validate(self, form: Any) -> None:
        allowed = {value for value, _ in (self.choices or [])}
        if any(value not in allowed for value in self.data or []):
            raise ValidationError(_l("Wybierz dziedziny z listy."))


class ListSelectField(SelectField):
    """A select whose value must be one of its choices, refused with our own message."""

    def __init__(self, *args: Any, message: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.message = message

    def pre_validate(self, form: Any) -> None:
        if self.data not in {value for value, _ in (self.choices or [])}:
            raise ValidationError(self.message)


def _id_or_none(value: Any) -> int | None:
    """An id typed into a form; anything else is None (the view says what to do)."""
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit() and len(value) < 10:
        return int(value)
    return None


def _name(label: str) -> StringField:
    return StringField(label, validators=[
        DataRequired(_l("Podaj nazwę dziedziny.")),
        Length(max=NAME_MAX, message=_l("Nazwa może mieć najwyżej %(max)d znaków."))])


class FieldForm(FlaskForm):
    """A new field of expertise."""

    code = StringField(
        _l("Kod (do eksportów, bez polskich znaków)"),
        validators=[
            DataRequired(_l("Podaj kod dziedziny.")),
            Regexp(r"^[a-z][a-z0-9_]{1,39}$",
                   message=_l("Kod to od 2 do 40 małych liter łacińskich, cyfr lub podkreśleń, "
                              "zaczynający się od litery.")),
        ],
    )
    name_pl = _name(_l("Nazwa po polsku"))
    name_en = _name(_l("Nazwa po angielsku"))
    submit = SubmitField(_l("Dodaj dziedzinę"))


class RenameFieldForm(FlaskForm):
    name_pl = _name(_l("Nazwa po polsku"))
    name_en = _name(_l("Nazwa po angielsku"))
    submit = SubmitField(_l("Zapisz nazwę"))


class ProfileForm(FlaskForm):
    """An advisor's profile: fields as checkboxes, a voivodeship, a town limit, availability."""

    fields = CheckboxesField(_l("Dziedziny"), coerce=int)
    region = ListSelectField(_l("Województwo, w którym pracuje"),
                             message=_l("Wybierz województwo z listy."))
    capacity = IntegerField(
        _l("Limit miast (ile miast najwyżej)"),
        validators=[InputRequired(_l("Podaj limit miast.")),
                    NumberRange(min=0, max=60, message=_l("Limit miast to liczba od 0 do 60."))],
    )
    available = BooleanField(_l("Dostępny do nowych przydziałów"))
    note = TextAreaField(_l("Uwagi"), validators=[
        Optional(), Length(max=2000, message=_l("Uwagi mogą mieć najwyżej %(max)d znaków."))])
    submit = SubmitField(_l("Zapisz profil"))


class NeedsForm(FlaskForm):
    """The fields a town needs experts in."""

    fields = CheckboxesField(_l("Dziedziny, w których miasto potrzebuje eksperta"), coerce=int)
    submit = SubmitField(_l("Zapisz potrzeby miasta"))


class AssignForm(FlaskForm):
    """One advisor for a town: the lead, or the expert of the field in the URL.

    The select lists only eligible advisors, but a typed id is checked by the view and the
    service, so the choice is not validated against the list here."""

    advisor = SelectField(_l("Doradca"), coerce=_id_or_none, validate_choice=False,
                          validators=[InputRequired(_l("Wybierz doradcę z listy."))])
    submit = SubmitField(_l("Przydziel"))


class PairsField(Field):
    """The pairs of a proposal as hidden inputs 'path_id:field_id:advisor_id'."""

    widget = HiddenField.widget

    def process_formdata(self, valuelist: list[str]) -> None:
        pairs: list[tuple[int, int, int]] = []
        for value in valuelist:
            parts = value.split(":")
            if len(parts) != 3 or not all(p.isdigit() and len(p) < 10 for p in parts):
                self.data = []
                raise ValueError(_l("Propozycja jest niepoprawna. Przygotuj ją ponownie."))
            pairs.append((int(parts[0]), int(parts[1]), int(parts[2])))
        self.data = pairs


class ApproveForm(FlaskForm):
    pair = PairsField(_l("Przydziały"))
    submit = SubmitField(_l("Zatwierdź propozycję"))

    def validate_pair(self, field: PairsField) -> None:
        if not field.data:
            raise ValidationError(_l("Propozycja nie zawiera żadnego przydziału."))

"""Forms of the advice area: expertise fields, profiles and assignment; the consultation
log; the consultation report's filters.

The coordinator's forms for advisors: fields of expertise, profiles, town needs,
assignments and the approval of a proposal.

The consultation log's forms: one service (new, draft, correction) and deleting a draft.

The fields keep what was typed as text; workflow.advice.consultations parses and checks
it, so every rule and its message lives in one place and all errors show at once.

The filters of the services report: a GET form (nothing is changed, so no CSRF token,
which would only end up in bookmarked URLs). Every bad value gets a Polish message next
to its field, and the value typed is kept on the page.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    Field,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    StopValidation,
)
from wtforms.widgets import DateInput, TextInput

from forms import LongSelect, RowIdField, RowIdSelectField, RowIdsField, row_ids_of
from workflow.advice import report_tables, reports
from workflow.advice.reports import Filters
from workflow.models import Programme
from workflow.models.advisory import SERVICE_KINDS
from workflow.text import parse_amount

MAX_RATE = Decimal("99999.99")

NAME_MAX = 120


class CheckboxesField(RowIdsField):
    """A list of checkboxes of fields; a value outside the choices is an error, not a crash."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, message=_l("Wybierz dziedziny z listy."), **kwargs)

    def pre_validate(self, form: Any) -> None:
        if self.process_errors:
            raise StopValidation()
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

    fields = CheckboxesField(_l("Dziedziny"))
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

    fields = CheckboxesField(_l("Dziedziny, w których miasto potrzebuje eksperta"))
    submit = SubmitField(_l("Zapisz potrzeby miasta"))


class AssignForm(FlaskForm):
    """One advisor for a town: the lead, or the expert of the field in the URL.

    The select lists only eligible advisors, but a typed id is checked by the view and the
    service, so the choice is not validated against the list here."""

    advisor = RowIdSelectField(_l("Doradca"), message=_l("Wybierz doradcę z listy."),
                               validators=[InputRequired(_l("Wybierz doradcę z listy."))])
    submit = SubmitField(_l("Przydziel"))


class PairsField(Field):
    """The pairs of a proposal as hidden inputs 'path_id:field_id:advisor_id'."""

    widget = HiddenField.widget

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = []
        self.data = [row_ids_of(value, 3, _l("Propozycja jest niepoprawna. Przygotuj ją ponownie."))
                     for value in valuelist]


class ApproveForm(FlaskForm):
    pair = PairsField(_l("Przydziały"))
    submit = SubmitField(_l("Zatwierdź propozycję"))

    def validate_pair(self, field: PairsField) -> None:
        if not field.data:
            raise ValidationError(_l("Propozycja nie zawiera żadnego przydziału."))


TEXT_MAX = 20000


def _too_long(limit: int) -> Length:
    return Length(max=limit, message=_l("Ten tekst jest za długi (najwyżej %(max)d znaków).", max=limit))


class ServiceForm(FlaskForm):
    kind = RadioField(_l("Rodzaj usługi"), default="consultation", validate_choice=False)
    held_on = StringField(_l("Data usługi"), widget=DateInput(), validators=[_too_long(40)])
    duration = StringField(_l("Czas trwania w minutach"), validators=[_too_long(40)],
                           render_kw={"inputmode": "numeric", "size": 8})
    field_id = RowIdSelectField(_l("Dziedzina"), message=_l("Wybierz dziedzinę z listy."))
    topic = TextAreaField(_l("Temat"), validators=[_too_long(TEXT_MAX)], render_kw={"rows": 2})
    format = RadioField(_l("Forma"), default="on_site", validate_choice=False)
    participants = RowIdsField(_l("Uczestnicy z listy osób miasta"),
                               message=_l("Zaznacz uczestników z listy osób miasta."))
    new_people = TextAreaField(_l("Nowi uczestnicy (jedna osoba w wierszu)"),
                               validators=[_too_long(TEXT_MAX)], render_kw={"rows": 5})
    studies = TextAreaField(_l("Opracowania (jedno w wierszu)"), validators=[_too_long(TEXT_MAX)],
                            render_kw={"rows": 3})
    client_token = HiddenField(validators=[Length(max=64)])
    version = RowIdField()
    reason = TextAreaField(_l("Powód poprawki"), validators=[_too_long(TEXT_MAX)], render_kw={"rows": 3})
    save_draft = SubmitField(_l("Zapisz szkic"))
    log = SubmitField(_l("Zapisz w dzienniku"))
    correct = SubmitField(_l("Zapisz poprawkę"))


class DeleteDraftForm(FlaskForm):
    version = RowIdField()
    submit = SubmitField(_l("Usuń szkic"))


EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


class PolishDateField(DateField):
    """A date typed as RRRR-MM-DD, with our own Polish complaint. A text input, not a
    date picker: a browser empties a date input holding an impossible date, and the
    person would not see what they typed."""

    widget = TextInput()

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        raw = " ".join(valuelist).strip()
        if not raw:
            return
        try:
            value = date.fromisoformat(raw)
        except ValueError:
            raise ValueError(_l("Podaj datę w formacie RRRR-MM-DD, np. 2020-02-01.")) from None
        if not EARLIEST <= value <= LATEST:
            raise ValueError(_l("Podaj datę z lat 2000–2100."))
        self.data = value


class ChoiceField(SelectField):
    """A select of string values where '' means 'all'; an unknown value is refused with a
    Polish message and shown back as it was typed. Lists of every town or advisor: LongSelect."""

    widget = LongSelect()

    def __init__(self, *args: Any, message: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, validate_choice=False, **kwargs)
        self.message = message or _l("Wybierz wartość z listy.")

    def has_groups(self) -> bool:
        """Its choices are (value, label) pairs, never in groups: WTForms need not read them all
        once more to find out before writing them."""
        return False

    def pre_validate(self, form: Any) -> None:
        value = self.data or ""
        if value and value not in {str(v) for v, _label in self.choices}:
            self.choices = [*self.choices, (value, value)]  # keep what was typed, selected
            raise ValidationError(self.message)


class ReportFilterForm(FlaskForm):
    """The programme travels as a plain hidden `programme` argument, read by the view."""

    class Meta:
        csrf = False

    date_from = PolishDateField(_l("Od dnia"))
    date_to = PolishDateField(_l("Do dnia"))
    town = ChoiceField(_l("Miasto"), message=_l("Wybierz miasto z listy."))
    advisor = ChoiceField(_l("Doradca"), message=_l("Wybierz doradcę z listy."))
    field = ChoiceField(_l("Dziedzina"), message=_l("Wybierz dziedzinę z listy."))
    kind = ChoiceField(_l("Rodzaj usługi"), message=_l("Wybierz rodzaj usługi z listy."))

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("Data końcowa nie może być wcześniejsza niż początkowa."))

    @classmethod
    def for_programme(cls, programme: Programme, locale: str, formdata: Any) -> ReportFilterForm:
        """The filters as typed (`formdata`: the URL's arguments), offering the programme's
        towns, the advisors and the fields, named in `locale`."""
        choices = reports.filter_choices(programme, locale)
        form = cls(formdata=formdata)
        everything = [("", _("wszystkie"))]
        form.town.choices = everything + [(str(i), n) for i, n in choices.towns]
        form.advisor.choices = everything + [(str(i), n) for i, n in choices.advisors]
        form.field.choices = everything + [(str(i), n) for i, n in choices.fields]
        form.kind.choices = everything + [(k, report_tables.kind_name_one()[k]) for k in SERVICE_KINDS]
        return form

    def report_filters(self) -> Filters:
        """What the report is narrowed to (a validated form)."""
        def number_or_none(value: str | None) -> int | None:
            return int(value) if value else None

        return Filters(
            date_from=self.date_from.data, date_to=self.date_to.data,
            path_ids=(int(self.town.data),) if self.town.data else (),
            advisor_id=number_or_none(self.advisor.data), field_id=number_or_none(self.field.data),
            kind=self.kind.data or None,
        )


class RatesForm(FlaskForm):
    """The coordinator's market rate of an hour of each kind of service (złoty; empty: none), in
    force from a day on (decision 0036): the rates before that day stay for the services before it."""

    valid_from = PolishDateField(_l("Stawki obowiązują od dnia"),
                                 validators=[InputRequired(_l("Podaj datę, od której obowiązują stawki."))])

    consultation = StringField(_l("Konsultacje eksperckie – stawka za godzinę (zł)"), widget=TextInput())
    workshop = StringField(_l("Warsztaty szkoleniowe – stawka za godzinę (zł)"), widget=TextInput())
    study = StringField(_l("Wsparcie opracowań – stawka za godzinę (zł)"), widget=TextInput())
    other = StringField(_l("Inne usługi – stawka za godzinę (zł)"), widget=TextInput())
    submit = SubmitField(_l("Zapisz stawki"))

    def rates(self) -> dict[str, Any]:
        """The rates as Decimals (None for an empty field); errors go next to their fields."""
        out: dict[str, Any] = {}
        for kind in SERVICE_KINDS:
            field = self[kind]
            text = (field.data or "").strip()
            value = parse_amount(text) if text else None
            if text and (value is None or value < 0 or value > MAX_RATE):
                field.errors = [*list(field.errors or []), RATE_INVALID]
                continue
            out[kind] = value
        return out


RATE_INVALID = _l("Wpisz stawkę w złotych, np. 350 albo 412,50 (od 0 do 99 999,99 zł), albo zostaw "
                  "pole puste.")

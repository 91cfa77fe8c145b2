"""Forms of the project package: a project (with a pair of fields per member municipality:
whether it leads the project and its share of the cost), a task of the schedule, the
feasibility analysis's file.

`project_form_class(members)` adds the member fields; the view builds it in the request, as
the score sheet's form is built (forms/evaluation.py). The operation checks what only the
data can tell (the shares add up to the cost, a member of this applicant), by field name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, Field, StringField, SubmitField, TextAreaField, ValidationError
from wtforms.validators import InputRequired, Length
from wtforms.widgets import TextInput

from forms import RowIdField
from forms.advice import ChoiceField
from workflow.models import FundingRoute, Municipality, ProjectStatus
from workflow.models.project import NOTE_MAX, SCOPE_MAX, TASK_MAX, TITLE_MAX
from workflow.text import parse_amount

MAX_COST = Decimal("9999999999.99")  # ten billion złoty less a grosz: no project of a town costs more
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


def route_names() -> dict[str, str]:
    return {FundingRoute.ZIT: _("ZIT – zintegrowane inwestycje terytorialne"),
            FundingRoute.IIT: _("IIT – inny instrument terytorialny"),
            FundingRoute.NATIONAL: _("program krajowy"), FundingRoute.OTHER: _("inne źródło")}


def status_names() -> dict[str, str]:
    return {ProjectStatus.PROPOSED: _("zgłoszony"), ProjectStatus.CHOSEN: _("wybrany do pakietu"),
            ProjectStatus.DROPPED: _("odrzucony")}


def amount_or_error(raw: str | None, message: Any) -> Decimal | None:
    """A sum in złoty as typed ("1 250 000,50"), None when empty; ValueError(message) when it
    is no amount or is negative or beyond MAX_COST."""
    text = (raw or "").strip()
    if not text:
        return None
    value = parse_amount(text)
    if value is None or value < 0 or value > MAX_COST:
        raise ValueError(str(message))
    return value


class ProjectForm(FlaskForm):
    """The fixed fields; `project_form_class` adds the members' fields."""

    version = RowIdField()
    title = StringField(_l("Tytuł projektu"), validators=[
        InputRequired(_l("Podaj tytuł projektu.")),
        Length(max=TITLE_MAX, message=_l("Tytuł może mieć najwyżej %(max)d znaków."))])
    scope = TextAreaField(_l("Zakres projektu"), validators=[
        Length(max=SCOPE_MAX, message=_l("Opis zakresu może mieć najwyżej %(max)d znaków."))],
        render_kw={"rows": 5})
    estimated_cost = StringField(_l("Szacowany koszt (zł)"), validators=[
        InputRequired(_l("Podaj szacowany koszt projektu w złotych, np. 2 500 000,00."))])
    funding_route = ChoiceField(_l("Źródło finansowania"), message=_l("Wybierz źródło finansowania z listy."),
                                validators=[InputRequired(_l("Wybierz źródło finansowania."))])
    funding_note = StringField(_l("Nazwa programu lub źródła (nieobowiązkowe)"), validators=[
        Length(max=NOTE_MAX, message=_l("Nazwa może mieć najwyżej %(max)d znaków."))])
    status = ChoiceField(_l("Stan w pakiecie"), message=_l("Wybierz stan projektu z listy."),
                         validators=[InputRequired(_l("Wybierz stan projektu."))])
    is_key = BooleanField(_l("Projekt kluczowy (tylko projekt wybrany do pakietu)"))
    submit = SubmitField(_l("Zapisz projekt"))

    members_spec: Sequence[Municipality] = ()
    cost: Decimal | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.funding_route.choices = [("", _("– wybierz –")), *route_names().items()]
        self.status.choices = list(status_names().items())

    def validate_estimated_cost(self, field: StringField) -> None:
        try:
            value = amount_or_error(field.data, _l("To nie jest kwota w złotych. Wpisz np. 2 500 000,00."))
        except ValueError as error:
            raise ValidationError(str(error)) from None
        if value is None or value <= 0:
            raise ValidationError(_l("Koszt projektu musi być większy od zera."))
        self.cost = value

    def member_fields(self) -> Iterable[tuple[Municipality, Field, Field]]:
        for m in self.members_spec:
            yield m, self[leads_name(m.id)], self[share_name(m.id)]

    def shares(self) -> dict[int, tuple[bool, Decimal]]:
        """Per member municipality that leads or pays: (leads, its share; 0 when empty).
        Only after validation: a field that failed to read is left out (its error is shown)."""
        out: dict[int, tuple[bool, Decimal]] = {}
        for m, leads, share in self.member_fields():
            amount = getattr(share, "amount", None) or Decimal("0.00")
            if leads.data or amount > 0:
                out[m.id] = (bool(leads.data), amount)
        return out

    def fill_members(self, shares: dict[int, tuple[bool, Decimal]]) -> None:
        """Show a project's shares in the members' fields."""
        for m, leads, share in self.member_fields():
            found = shares.get(m.id)
            leads.data = bool(found and found[0])
            share.data = (f"{found[1]:.2f}".replace(".", ",") if found and found[1] else "")


class ShareField(StringField):
    """A member's share of the cost, in złoty; empty is none. `amount` holds the value read."""

    amount: Decimal | None = None

    def pre_validate(self, form: Any) -> None:
        self.amount = None
        try:
            self.amount = amount_or_error(self.data, _l("To nie jest kwota w złotych. Wpisz np. 250 000,00 "
                                                        "albo zostaw pole puste."))
        except ValueError as error:
            raise ValidationError(str(error)) from None


def leads_name(municipality_id: int) -> str:
    return f"leads_{municipality_id}"


def share_name(municipality_id: int) -> str:
    return f"share_{municipality_id}"


def project_form_class(members: Sequence[Municipality]) -> type[ProjectForm]:
    """A project form with, per member municipality, "leads the project" and "its share"
    (call it in a request: the labels are in the reader's language)."""
    attrs: dict[str, Any] = {"members_spec": tuple(members)}
    for m in members:
        attrs[leads_name(m.id)] = BooleanField(_("%(name)s prowadzi projekt", name=m.name))
        attrs[share_name(m.id)] = ShareField(_("Udział %(name)s w koszcie (zł)", name=m.name))
    return type("GeneratedProjectForm", (ProjectForm,), attrs)


class DeleteProjectForm(FlaskForm):
    version = RowIdField(validators=[InputRequired()])
    submit = SubmitField(_l("Usuń projekt"))


class MonthField(StringField):
    """A month typed as RRRR-MM (a text input: see forms.advice.PolishDateField); the data is
    the first day of that month."""

    widget = TextInput()

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        raw = " ".join(str(v) for v in valuelist).strip()
        if not raw:
            return
        year, dash, month = raw.partition("-")
        if not (dash and year.isascii() and year.isdigit() and len(year) == 4 and month.isascii()
                and month.isdigit() and len(month) in (1, 2) and 1 <= int(month) <= 12):
            raise ValueError(_l("Podaj miesiąc w formacie RRRR-MM, np. 2027-03."))
        if not EARLIEST_YEAR <= int(year) <= LATEST_YEAR:
            raise ValueError(_l("Podaj miesiąc z lat 2000–2100."))
        self.data = date(int(year), int(month), 1)

    def _value(self) -> str:
        if isinstance(self.data, date):
            return self.data.strftime("%Y-%m")
        return self.raw_data[0] if self.raw_data else ""


class TaskForm(FlaskForm):
    name = StringField(_l("Zadanie"), validators=[
        InputRequired(_l("Podaj nazwę zadania.")),
        Length(max=TASK_MAX, message=_l("Nazwa zadania może mieć najwyżej %(max)d znaków."))])
    starts = MonthField(_l("Miesiąc rozpoczęcia"),
                        validators=[InputRequired(_l("Podaj miesiąc rozpoczęcia."))])
    ends = MonthField(_l("Miesiąc zakończenia"),
                      validators=[InputRequired(_l("Podaj miesiąc zakończenia."))])
    submit = SubmitField(_l("Dodaj zadanie"))

    def validate_ends(self, field: MonthField) -> None:
        starts = self.starts.data
        if isinstance(field.data, date) and isinstance(starts, date) and field.data < starts:
            raise ValidationError(_l("Zadanie nie może skończyć się przed miesiącem, w którym się zaczyna."))


class DeleteTaskForm(FlaskForm):
    submit = SubmitField(_l("Usuń zadanie"))


class FeasibilityForm(FlaskForm):
    document = FileField(_l("Plik analizy wykonalności (PDF, DOCX, ODT, XLSX lub ODS)"),
                         validators=[FileRequired(_l("Wybierz plik do wysłania."))])
    submit = SubmitField(_l("Wyślij analizę"))

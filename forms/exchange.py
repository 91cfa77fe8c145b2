"""Forms of the experience-exchange groups (docs/decisions/0038) and the cities' improvement
plans (docs/decisions/0042): a meeting, a city's delegates, the residents' satisfaction survey,
a meeting's minutes and attendance; a plan's goals, an action and a target on an indicator.

The operations (workflow/monitoring/exchange.py, plans.py) check the rules and say which field
each message belongs to (the view puts it there, forms.add_reasons); these forms read what was
typed, keep it for the page shown again, and carry the CSRF token. Labels and field ids are
those the pages had when they were written by hand.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FileField, StringField, SubmitField, TextAreaField

from forms import RowIdsField
from forms.diagnosis import ResultIndicatorForm
from workflow.models.improvement import GOALS_MAX, OWNER_MAX, TITLE_MAX
from workflow.monitoring.exchange import AGENDA_MAX, PLACE_MAX


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _text(label: Any, field_id: str, size: int | None = None, **kw: Any) -> StringField:
    """A line of text, of at most `size` characters if given (the browser's maxlength)."""
    return StringField(label, id=field_id, filters=[_strip],
                       render_kw={**({"maxlength": size} if size else {}), **kw})


# --- the group's page --------------------------------------------------------------------------

class MeetingForm(FlaskForm):
    date = StringField(_l("Data (RRRR-MM-DD)"), id="m-date", filters=[_strip], render_kw={"type": "date"})
    time = StringField(_l("Godzina (GG:MM)"), id="m-time", default="10:00", filters=[_strip],
                       render_kw={"type": "time"})
    place = _text(_l("Miejsce"), "m-place", PLACE_MAX)
    agenda = TextAreaField(_l("Program spotkania"), id="m-agenda", filters=[_strip], render_kw={"rows": 5})
    submit = SubmitField(_l("Zaplanuj spotkanie"), id="m-submit")

    def moment(self, timezone: str) -> datetime | None:
        """The meeting's moment typed in `timezone` (the programme's), as UTC; None if the date
        and time are not one (the operation says so next to the date)."""
        try:
            local = datetime.strptime(f"{self.date.data or ''} {self.time.data or '10:00'}", "%Y-%m-%d %H:%M")
        except ValueError:
            return None
        return local.replace(tzinfo=ZoneInfo(timezone)).astimezone(ZoneInfo("UTC"))

    def texts(self) -> tuple[str, str]:
        """The place and the agenda as typed, cut where no rule could accept them anyway."""
        return (self.place.data or "")[: PLACE_MAX + 1], (self.agenda.data or "")[: AGENDA_MAX + 1]


class DelegatesForm(FlaskForm):
    """The city's accounts (the view gives them as choices) it sends to the group."""

    user = RowIdsField(_l("Wybierz najwyżej trzy osoby z zespołu miasta"), id="d-user")
    submit = SubmitField(_l("Zapisz delegatów"), id="d-submit")


class SurveyForm(FlaskForm):
    """The survey's three whole numbers; exchange.parse_survey says what is wrong with them."""

    year = _text(_l("Rok"), "s-year", inputmode="numeric")
    respondents = _text(_l("Liczba odpowiadających"), "s-respondents", inputmode="numeric")
    satisfied = _text(_l("W tym zadowolonych"), "s-satisfied", inputmode="numeric")
    submit = SubmitField(_l("Zapisz wynik badania"), id="s-submit")

    def figures(self) -> tuple[str, str, str]:
        """The three as typed (exchange.parse_survey reads them)."""
        year, respondents, satisfied = ((f.data or "")[:12]
                                        for f in (self.year, self.respondents, self.satisfied))
        return year, respondents, satisfied


# --- a meeting's page --------------------------------------------------------------------------

class MinutesForm(FlaskForm):
    file = FileField(_l("Plik protokołu (PDF, DOCX, ODT)"), id="minutes-file")
    submit = SubmitField(_l("Dodaj protokół"), id="minutes-submit")


class AttendanceForm(FlaskForm):
    """The group's delegates (the view gives them as choices), the present ones checked."""

    present = RowIdsField(_l("Zaznacz obecnych delegatów"), id="present")
    submit = SubmitField(_l("Zapisz obecność"), id="present-submit")


# --- a city's improvement plan -----------------------------------------------------------------

class GoalsForm(FlaskForm):
    goals = TextAreaField(_l("Cele"), id="p-goals", render_kw={"rows": 5})
    submit = SubmitField(_l("Zapisz cele"), id="p-goals-submit")

    def text(self) -> str:
        return (self.goals.data or "")[: GOALS_MAX + 1]


class ActionForm(FlaskForm):
    title = _text(_l("Działanie"), "p-title", TITLE_MAX)
    owner = _text(_l("Kto odpowiada"), "p-owner", OWNER_MAX)
    due_on = StringField(_l("Termin (RRRR-MM-DD)"), id="p-due", filters=[_strip], render_kw={"type": "date"})
    submit = SubmitField(_l("Dodaj działanie"), id="p-action-submit")

    def due(self) -> date | None:
        """The date typed, None if it is none (the operation says so next to the field)."""
        try:
            return date.fromisoformat(self.due_on.data or "")
        except ValueError:
            return None


class PlanTargetForm(ResultIndicatorForm):
    """A target on an indicator: the fields of a project's result indicator, another button."""

    submit = SubmitField(_l("Dodaj cel"), id="p-target-submit")

"""Forms of the ranking area: what-if settings, approval, announcement, comparison; appeals.

The ranking forms: what-if settings for a preview, approval, announcement, comparison.

Every bad value gets a Polish message next to its field, and what was typed is shown
back as it was typed.

Forms of the results pages: a town's appeal, the coordinator's decision on it.

The service (workflow/services/appeals.py) checks the same rules again; these give the
message next to the field before anything is written.
"""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    Field,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from workflow.models import HideScoresUntil, RankingPolicy
from workflow.ranking.appeals import MAX_TEXT, MIN_JUSTIFICATION
from workflow.ranking.programme_settings import OFFSETS_MAX_CHARS, offsets_text, parse_offsets
from workflow.ranking.rule import pl_money
from workflow.text import parse_amount

MAX_CAP = 100_000
MAX_BUDGET = Decimal("999999999999.99")  # what Numeric(14, 2) holds


class WholeNumberField(StringField):
    """A whole number in a range, typed as text; empty is None (or an error if required)."""

    def __init__(self, label: Any = None, *, minimum: int, maximum: int, required: bool = False,
                 message: Any = None, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.minimum, self.maximum, self.required = minimum, maximum, required
        self.message = message
        self.number: int | None = None

    def pre_validate(self, form: Any) -> None:
        raw = (self.data or "").strip().replace("\xa0", "").replace(" ", "")
        self.number = None
        if not raw:
            if self.required:
                raise ValidationError(_l("Podaj liczbę."))
            return
        try:
            value = int(raw, 10)
        except ValueError:
            raise ValidationError(self.message or _l("Podaj liczbę całkowitą.")) from None
        if not self.minimum <= value <= self.maximum:
            raise ValidationError(self.message or _l("Podaj liczbę od %(min)d do %(max)d.",
                                                     min=self.minimum, max=self.maximum))
        self.number = value


class BudgetField(StringField):
    """Złoty typed the Polish way ('450 000 000,00') or plainly; empty is no limit."""

    amount: Decimal | None = None

    def pre_validate(self, form: Any) -> None:
        self.amount = None
        if not (self.data or "").strip():
            return
        value = parse_amount(self.data)
        if value is None:
            raise ValidationError(_l("To nie jest kwota w złotych. Wpisz np. 450 000 000,00."))
        if value < 0 or value > MAX_BUDGET:
            raise ValidationError(_l("Budżet musi być kwotą od 0 do 999 999 999 999,99 zł."))
        self.amount = value


class PolicyField(SelectField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, validate_choice=False, **kwargs)

    def pre_validate(self, form: Any) -> None:
        if self.data not in {value for value, _label in self.choices}:
            if self.data:
                self.choices = [*self.choices, (self.data, self.data)]  # keep what was sent, selected
            raise ValidationError(_l("Wybierz zasadę z listy."))


def policy_choices() -> list[tuple[str, Any]]:
    return plain_policy_choices()


class WhatIfForm(FlaskForm):
    """The settings of a preview; the page fills them with the programme's settings."""

    cap = WholeNumberField(_l("Limit liczby dofinansowań"), minimum=0, maximum=MAX_CAP,
                           message=_l("Limit musi być liczbą całkowitą od 0 do 100 000."))
    budget = BudgetField(_l("Budżet (zł)"))
    threshold = WholeNumberField(_l("Próg dla każdej części oceny (%)"), minimum=0, maximum=100,
                                 required=True, message=_l("Próg musi być liczbą całkowitą od 0 do 100."))
    policy = PolicyField(_l("Zasada, gdy wniosek nie mieści się w budżecie"))
    submit = SubmitField(_l("Uruchom podgląd rankingu"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.policy.choices = policy_choices()

    def overrides(self) -> dict[str, Any]:
        """The validated settings, as JSON values for the ranking task."""
        budget = self.budget.amount
        return {"cap": self.cap.number, "budget": str(budget) if budget is not None else None,
                "threshold": self.threshold.number, "policy": self.policy.data}


class ApproveForm(FlaskForm):
    submit = SubmitField(_l("Zatwierdź jako ranking oficjalny"))


class AnnounceForm(FlaskForm):
    confirm = BooleanField(
        _l("Potwierdzam: ogłoszenie zmieni etap ścieżki każdego miasta i wyśle powiadomienia; "
           "nie można go cofnąć."),
        validators=[DataRequired(_l("Zaznacz potwierdzenie, aby ogłosić wyniki."))],
    )
    submit = SubmitField(_l("Ogłoś wyniki"))


class SnapshotChoiceField(SelectField):
    """A snapshot id from the list; anything else is refused with a Polish message."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, validate_choice=False, **kwargs)

    def pre_validate(self, form: Any) -> None:
        if str(self.data or "") not in {str(value) for value, _label in self.choices}:
            raise ValidationError(_l("Wybierz ranking z listy."))


class CompareForm(FlaskForm):
    """Two snapshots of the programme to compare (a GET form: it changes nothing)."""

    class Meta:
        csrf = False

    a = SnapshotChoiceField(_l("Ranking wcześniejszy"))
    b = SnapshotChoiceField(_l("Ranking późniejszy"))
    submit = SubmitField(_l("Porównaj"))

    def validate_b(self, field: Field) -> None:
        if field.data and field.data == self.a.data:
            raise ValidationError(_l("Wybierz dwa różne rankingi."))


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
        choices=[SelectChoice("upheld", _l("Uwzględnij protest")),
                 SelectChoice("rejected", _l("Odrzuć protest"))],
        validators=[InputRequired(_l("Wybierz rozstrzygnięcie."))],
    )
    note = TextAreaField(
        _l("Uzasadnienie rozstrzygnięcia"),
        validators=[DataRequired(_l("Podaj uzasadnienie rozstrzygnięcia.")),
                    Length(max=MAX_TEXT, message=_l("Uzasadnienie może mieć najwyżej %(max)d znaków."))],
    )
    submit = SubmitField(_l("Zapisz rozstrzygnięcie"))


# --- the programme's settings (workflow/ranking/programme_settings.py) -------------------------

def plain_policy_choices() -> list[tuple[str, Any]]:
    """The budget policy in plain words (the values stay 'strict' and 'skip')."""
    return [("strict", _l("Zatrzymaj przyznawanie")),
            ("skip", _l("Pomiń ten wniosek i przyznaj kolejnym, które się mieszczą"))]


POLICY_HINT = _l("„Zatrzymaj przyznawanie”: pierwszy wniosek, na który nie starcza budżetu, i wszystkie "
                 "niżej trafiają na listę rezerwową. „Pomiń ten wniosek”: trafia on na listę rezerwową, "
                 "a dofinansowanie dostają kolejne wnioski, które mieszczą się w budżecie.")


def visibility_choices() -> list[tuple[str, Any]]:
    return [("own_submission", _l("Po złożeniu własnej karty oceny")),
            ("announcement", _l("Dopiero po ogłoszeniu wyników"))]


class OffsetsField(StringField):
    """Days before a deadline, typed as '14, 7, 3, 1'; `days` holds them once checked."""

    days: list[int] | None = None

    def pre_validate(self, form: Any) -> None:
        self.days = parse_offsets(self.data)
        if self.days is None:
            raise ValidationError(_l("Wpisz liczby dni od 1 do 365 oddzielone przecinkami, np. 14, 7, 3, 1."))
        if len(offsets_text(self.days)) > OFFSETS_MAX_CHARS:
            raise ValidationError(_l("Podaj mniej dni przypomnień."))


class MomentField(DateTimeLocalField):
    """A wall-clock date and time, optional; a clear Polish message when it is not one."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(str(_l("Podaj datę i godzinę w formacie RRRR-MM-DD GG:MM."))) from None


class ProgrammeSettingsForm(FlaskForm):
    """Every setting of a programme the coordinator may change (empty means 'no limit' or
    'none' where the hint says so)."""

    budget = BudgetField(_l("Budżet programu (zł)"))
    winners_cap = WholeNumberField(_l("Limit liczby dofinansowań"), minimum=0, maximum=MAX_CAP,
                                   message=_l("Limit musi być liczbą całkowitą od 0 do 100 000."))
    threshold_pct = WholeNumberField(_l("Próg dla każdej części oceny (%)"), minimum=0, maximum=100,
                                     required=True,
                                     message=_l("Próg musi być liczbą całkowitą od 0 do 100."))
    policy = PolicyField(_l("Gdy na kolejny wniosek nie starcza budżetu"))
    evaluators_per_application = WholeNumberField(
        _l("Liczba oceniających na wniosek"), minimum=1, maximum=5, required=True,
        message=_l("Liczba oceniających musi być liczbą całkowitą od 1 do 5."))
    discrepancy_pct = WholeNumberField(
        _l("Rozbieżność ocen, od której potrzebna jest trzecia ocena (%)"), minimum=0, maximum=100,
        required=True, message=_l("Rozbieżność musi być liczbą całkowitą od 0 do 100."))
    hide_scores_until = PolicyField(_l("Kiedy oceniający widzi karty pozostałych oceniających"))
    evaluation_deadline = MomentField(_l("Termin oceny (czas warszawski)"), format="%Y-%m-%dT%H:%M",
                                      validators=[Optional()])
    appeal_days = WholeNumberField(_l("Dni na złożenie protestu"), minimum=1, maximum=365,
                                   message=_l("Podaj liczbę dni od 1 do 365 albo zostaw puste pole."))
    appeal_decision_days = WholeNumberField(
        _l("Dni na rozpatrzenie protestu"), minimum=1, maximum=365,
        message=_l("Podaj liczbę dni od 1 do 365 albo zostaw puste pole."))
    reminder_offsets = OffsetsField(_l("Przypomnienia przed terminem (dni)"))
    submit = SubmitField(_l("Zapisz ustawienia"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.policy.choices = plain_policy_choices()
        self.hide_scores_until.choices = visibility_choices()

    def values(self, timezone: str) -> dict[str, Any]:
        """The checked settings, by the Programme's column names (the deadline in UTC)."""
        deadline = self.evaluation_deadline.data
        return {
            "budget": self.budget.amount,
            "winners_cap": self.winners_cap.number,
            "threshold_pct": self.threshold_pct.number,
            "policy": RankingPolicy(self.policy.data),
            "evaluators_per_application": self.evaluators_per_application.number,
            "discrepancy_pct": self.discrepancy_pct.number,
            "hide_scores_until": HideScoresUntil(self.hide_scores_until.data),
            "evaluation_deadline": deadline.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)
            if deadline is not None else None,
            "appeal_days": self.appeal_days.number,
            "appeal_decision_days": self.appeal_decision_days.number,
            "reminder_offsets": offsets_text(self.days_or_empty()),
        }

    def days_or_empty(self) -> list[int]:
        return self.reminder_offsets.days or []

    @classmethod
    def of(cls, programme: Any) -> ProgrammeSettingsForm:
        """The form filled with the programme's settings, as the coordinator would type them."""
        deadline = programme.evaluation_deadline
        return cls(data={
            "budget": "" if programme.budget is None else pl_money(programme.budget),
            "winners_cap": "" if programme.winners_cap is None else str(programme.winners_cap),
            "threshold_pct": str(programme.threshold_pct),
            "policy": str(programme.policy),
            "evaluators_per_application": str(programme.evaluators_per_application),
            "discrepancy_pct": str(programme.discrepancy_pct),
            "hide_scores_until": str(programme.hide_scores_until),
            "evaluation_deadline": deadline.astimezone(ZoneInfo(programme.timezone)).replace(tzinfo=None)
            if deadline is not None else None,
            "appeal_days": "" if programme.appeal_days is None else str(programme.appeal_days),
            "appeal_decision_days": "" if programme.appeal_decision_days is None
            else str(programme.appeal_decision_days),
            "reminder_offsets": ", ".join((programme.reminder_offsets or "").split(",")),
        })

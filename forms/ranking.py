"""Forms of the ranking area: what-if settings, approval, announcement, comparison; appeals.

The ranking forms: what-if settings for a preview, approval, announcement, comparison.

Every bad value gets a Polish message next to its field, and what was typed is shown
back as it was typed.

Forms of the results pages: a town's appeal, the coordinator's decision on it.

The service (workflow/services/appeals.py) checks the same rules again; these give the
message next to the field before anything is written.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length

from workflow.ranking.appeals import MAX_TEXT, MIN_JUSTIFICATION
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
    return [("strict", _l("strict – pierwszy wniosek, który się nie mieści, i wszystkie niżej "
                          "trafiają na listę rezerwową")),
            ("skip", _l("skip – pomiń wniosek, który się nie mieści, i przejdź do następnego"))]


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

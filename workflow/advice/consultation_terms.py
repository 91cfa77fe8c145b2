"""The consultation log's vocabulary: labels, limits, messages, errors and the form's input,
kept apart so every consultation_* module can share them without importing each other."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from workflow.models import Person
from workflow.refusal import Message, NotFound, Refused, _l

KIND_LABELS = {
    "consultation": _l("konsultacja ekspercka"),
    "workshop": _l("warsztat szkoleniowy"),
    "study": _l("opracowanie (analiza lub dokument planistyczny)"),
    "other": _l("inna usługa"),
}
FORMAT_LABELS = {"on_site": _l("stacjonarnie"), "online": _l("online")}
STUDY_KIND_LABELS = {"analysis": _l("analiza"), "planning": _l("dokument planistyczny")}
# The word written after the last ';' of a study line, as the form shows it and as typed.
STUDY_WORD = {"analysis": "analiza", "planning": "plan"}
STUDY_WORDS = {"analiza": "analysis", "analysis": "analysis", "plan": "planning",
               "planning": "planning", "planistyczny": "planning",
               "dokument planistyczny": "planning"}

TOPIC_MAX, TITLE_MAX, REASON_MAX, NAME_MAX, EMAIL_MAX = 300, 300, 2000, 200, 254
EMAIL_RE = re.compile(r"^[^@\s;]+@[^@\s;]+\.[^@\s;]+$")

NOT_DRAFT = _l("Ten wpis jest już zapisany w dzienniku; można go tylko poprawić.")
NOT_LOGGED = _l("Poprawiać można tylko wpisy zapisane w dzienniku.")
LOGGED_NOT_DELETED = _l("Wpisu zapisanego w dzienniku nie można usunąć; można go poprawić.")
STALE = _l("Ktoś inny zmienił ten wpis w międzyczasie. Odśwież stronę, sprawdź aktualne dane "
           "i wprowadź zmiany ponownie.")
CONFLICT = _l("Ktoś w tym samym czasie zapisał dane tego miasta (np. dodał tę samą osobę). "
              "Wyślij formularz jeszcze raz.")
TOKEN_USED = _l("Ten formularz został już użyty. Otwórz formularz nowej usługi jeszcze raz.")


def window_closed(days: int) -> Message:
    return _l("Upłynął czas, w którym autor może poprawić wpis (dni od zapisania w dzienniku: "
              "%(days)d). Poprawić go może teraz tylko koordynator programu.", days=days)


class ServiceNotFound(NotFound):
    """Not the user's to see or touch: the view answers 404."""


class ServiceRefused(Refused):
    """Allowed to see, not allowed to do this now; `status` is the HTTP answer."""

    def __init__(self, reason: Message, status: int = 409) -> None:
        super().__init__([reason], status=status, stale=reason is STALE)

    @property
    def reason(self) -> Message:
        return self.reasons[0]


class ServiceInvalid(Refused):
    """Bad input: `errors` maps a form field name to its messages."""

    status = 400

    def __init__(self, errors: dict[str, list[Message]]) -> None:
        super().__init__(errors=errors)


@dataclass
class ServiceInput:
    """What the form sent, as typed (strings are parsed and checked here)."""

    kind: str = ""
    held_on: date | str | None = None
    duration: int | str | None = None
    field_id: int | None = None
    topic: str = ""
    format: str = "on_site"
    person_ids: Sequence[int] = ()
    new_people: str = ""  # one per line: "Imię Nazwisko; Instytucja; e-mail (opcjonalnie)"
    studies: str = ""  # one per line: "Tytuł; analiza|plan" (a bare title is an analysis)


@dataclass
class CleanInput:
    kind: str
    held_on: date
    duration: int
    field_id: int
    topic: str
    format: str
    people: list[Person]
    studies: list[tuple[str, str]]


class FieldErrors(dict[str, list[Message]]):
    def add(self, key: str, message: Message) -> None:
        self.setdefault(key, []).append(message)

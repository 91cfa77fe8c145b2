"""The consultation log's vocabulary: labels, limits, messages, errors and the form's input,
kept apart so every consultation_* module can share them without importing each other."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from states.definition import Label
from workflow.models import Person

KIND_LABELS = {
    "consultation": Label("konsultacja ekspercka", "expert consultation"),
    "workshop": Label("warsztat szkoleniowy", "training workshop"),
    "study": Label("opracowanie (analiza lub dokument planistyczny)",
                   "study (analysis or planning document)"),
    "other": Label("inna usługa", "other service"),
}
FORMAT_LABELS = {"on_site": Label("stacjonarnie", "on site"), "online": Label("online", "online")}
STUDY_KIND_LABELS = {"analysis": Label("analiza", "analysis"),
                     "planning": Label("dokument planistyczny", "planning document")}
# The word written after the last ';' of a study line, as the form shows it and as typed.
STUDY_WORD = {"analysis": "analiza", "planning": "plan"}
STUDY_WORDS = {"analiza": "analysis", "analysis": "analysis", "plan": "planning",
               "planning": "planning", "planistyczny": "planning",
               "dokument planistyczny": "planning"}

TOPIC_MAX, TITLE_MAX, REASON_MAX, NAME_MAX, EMAIL_MAX = 300, 300, 2000, 200, 254
EMAIL_RE = re.compile(r"^[^@\s;]+@[^@\s;]+\.[^@\s;]+$")

NOT_DRAFT = Label("Ten wpis jest już zapisany w dzienniku; można go tylko poprawić.",
                  "This entry is already in the log; it can only be corrected.")
NOT_LOGGED = Label("Poprawiać można tylko wpisy zapisane w dzienniku.",
                   "Only entries in the log can be corrected.")
LOGGED_NOT_DELETED = Label("Wpisu zapisanego w dzienniku nie można usunąć; można go poprawić.",
                           "An entry in the log cannot be deleted; it can be corrected.")
STALE = Label("Ktoś inny zmienił ten wpis w międzyczasie. Odśwież stronę, sprawdź aktualne dane "
              "i wprowadź zmiany ponownie.",
              "Someone else changed this entry in the meantime. Reload the page, check the "
              "current values and make your changes again.")
CONFLICT = Label("Ktoś w tym samym czasie zapisał dane tego miasta (np. dodał tę samą osobę). "
                 "Wyślij formularz jeszcze raz.",
                 "Someone saved this town's data at the same moment (e.g. added the same "
                 "person). Send the form again.")
TOKEN_USED = Label("Ten formularz został już użyty. Otwórz formularz nowej usługi jeszcze raz.",
                   "This form has already been used. Open the new service form again.")


def window_closed(days: int) -> Label:
    return Label(f"Upłynął czas, w którym autor może poprawić wpis (dni od zapisania w dzienniku: "
                 f"{days}). Poprawić go może teraz tylko koordynator programu.",
                 f"The time in which the author may correct the entry has passed (days since it "
                 f"was logged: {days}). Only the programme coordinator can correct it now.")


class ServiceNotFound(LookupError):
    """Not the user's to see or touch: the view answers 404."""


class ServiceRefused(Exception):
    """Allowed to see, not allowed to do this now; `status` is the HTTP answer."""

    def __init__(self, reason: Label, status: int = 409) -> None:
        super().__init__(reason.en)
        self.reason = reason
        self.status = status


class ServiceInvalid(Exception):
    """Bad input: `errors` maps a form field name to its messages."""

    def __init__(self, errors: dict[str, list[Label]]) -> None:
        super().__init__("; ".join(m.en for ms in errors.values() for m in ms))
        self.errors = errors


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


class FieldErrors(dict[str, list[Label]]):
    def add(self, key: str, pl: str, en: str) -> None:
        self.setdefault(key, []).append(Label(pl, en))

"""The kinds of message Ścieżka sends, and their default texts in Polish and English.

A text is a `str.format` template with `{name}` placeholders only (no attributes, no
indexes): the coordinator may replace a programme's texts (see notifications.render), and
the placeholders a kind offers are exactly the keys of its SAMPLE_CONTEXT, plus
`{programme}` and `{link}`, which every message has.
"""

from __future__ import annotations

import enum

from states.definition import Label


class Kind(enum.StrEnum):
    ADVISOR_ASSIGNED = "advisor_assigned"
    ADVISOR_UNASSIGNED = "advisor_unassigned"
    EVALUATOR_ASSIGNED = "evaluator_assigned"
    THIRD_EVALUATOR_NEEDED = "third_evaluator_needed"
    STAGE_RETURNED = "stage_returned"
    STAGE_ACCEPTED = "stage_accepted"
    DEADLINE_REMINDER = "deadline_reminder"
    SHEET_REMINDER = "sheet_reminder"
    RESULTS_ANNOUNCED = "results_announced"
    APPEAL_DECIDED = "appeal_decided"
    PASSWORD_RESET = "password_reset"  # noqa: S105  (a kind, not a password)


# Messages a person cannot switch off: official decisions of the call, and the password
# reset they asked for themselves.
MANDATORY: frozenset[Kind] = frozenset({Kind.RESULTS_ANNOUNCED, Kind.APPEAL_DECIDED,
                                        Kind.PASSWORD_RESET})

HELLO = ("Dzień dobry,\n\n", "Hello,\n\n")


def _t(subject_pl: str, subject_en: str, body_pl: str, body_en: str) -> tuple[Label, Label]:
    return Label(subject_pl, subject_en), Label(HELLO[0] + body_pl, HELLO[1] + body_en)


TEXTS: dict[Kind, tuple[Label, Label]] = {
    Kind.ADVISOR_ASSIGNED: _t(
        "Przydzielono Ci miasto: {town}", "You have been assigned a town: {town}",
        "koordynator programu {programme} przydzielił Cię do miasta {town} jako: {role}.\n"
        "Zaloguj się do Ścieżki, aby zobaczyć etap miasta i zapisywać udzielone usługi.\n",
        "the coordinator of {programme} has assigned you to the town of {town} as: {role}.\n"
        "Log in to Ścieżka to see the town's stage and log your services.\n",
    ),
    Kind.ADVISOR_UNASSIGNED: _t(
        "Zakończono Twoje przydzielenie: {town}", "Your assignment has ended: {town}",
        "koordynator programu {programme} zakończył Twoje przydzielenie do miasta {town} "
        "({role}).\n",
        "the coordinator of {programme} has ended your assignment to the town of {town} "
        "({role}).\n",
    ),
    Kind.EVALUATOR_ASSIGNED: _t(
        "Wniosek do oceny: {town}", "An application to evaluate: {town}",
        "koordynator programu {programme} przydzielił Ci do oceny wniosek miasta {town}.\n"
        "Zanim zobaczysz wniosek, złóż w Ścieżce deklarację bezstronności albo zgłoś konflikt "
        "interesów.\n",
        "the coordinator of {programme} has assigned you the application of the town of "
        "{town} to evaluate.\nBefore you see it, sign the declaration of impartiality in "
        "Ścieżka or declare a conflict of interest.\n",
    ),
    Kind.THIRD_EVALUATOR_NEEDED: _t(
        "Potrzebna trzecia ocena: {town}", "A third evaluation is needed: {town}",
        "oceny wniosku miasta {town} w programie {programme} różnią się bardziej, niż "
        "pozwalają zasady, więc przydzielono Ci go jako trzeciemu oceniającemu.\n"
        "Złóż w Ścieżce deklarację bezstronności i ocenę.\n",
        "the two evaluations of the application of {town} in {programme} differ by more than "
        "the rules allow, so you have been assigned as its third evaluator.\n"
        "Sign the declaration of impartiality in Ścieżka and score it.\n",
    ),
    Kind.STAGE_RETURNED: _t(
        "Zwrócono do poprawy: {stage} ({town})", "Returned for correction: {stage} ({town})",
        "w programie {programme} zwrócono do poprawy: {stage} (miasto {town}).\n"
        "Uwagi: {comment}\nPopraw dokument w Ścieżce i złóż go ponownie.\n",
        "in {programme}, the {stage} of {town} was returned for correction.\n"
        "Comments: {comment}\nCorrect the document in Ścieżka and submit it again.\n",
    ),
    Kind.STAGE_ACCEPTED: _t(
        "Zatwierdzono: {stage} ({town})", "Signed off: {stage} ({town})",
        "w programie {programme} zatwierdzono: {stage} (miasto {town}).\n"
        "Kolejny krok jest widoczny w Ścieżce.\n",
        "in {programme}, the {stage} of {town} was signed off.\n"
        "The next step is shown in Ścieżka.\n",
    ),
    Kind.DEADLINE_REMINDER: _t(
        "Termin za {days} dni: {stage} ({town})", "Due in {days} days: {stage} ({town})",
        "przypominamy, że termin złożenia etapu „{stage}” miasta {town} w programie "
        "{programme} mija {deadline} (za {days} dni).\n{link}\n",
        "a reminder: the {stage} of {town} in {programme} is due on {deadline} "
        "(in {days} days).\n{link}\n",
    ),
    Kind.SHEET_REMINDER: _t(
        "Karta oceny czeka: {town}", "A score sheet is waiting: {town}",
        "Twoja karta oceny wniosku miasta {town} w programie {programme} nie jest jeszcze "
        "złożona. Termin oceny mija {deadline} (za {days} dni).\n{link}\n",
        "your score sheet for the application of {town} in {programme} has not been "
        "submitted yet. Evaluation closes on {deadline} (in {days} days).\n{link}\n",
    ),
    Kind.RESULTS_ANNOUNCED: _t(
        "Wyniki naboru: {programme}", "Results of the call: {programme}",
        "ogłoszono wyniki programu {programme}. Wynik miasta {town}: {outcome}.\n"
        "Szczegóły i karty oceny są w Ścieżce.\n",
        "the results of {programme} have been announced. The result for {town}: "
        "{outcome}.\nThe details and score sheets are in Ścieżka.\n",
    ),
    Kind.APPEAL_DECIDED: _t(
        "Rozpatrzono protest: {town}", "Your appeal has been decided: {town}",
        "koordynator programu {programme} rozpatrzył protest miasta {town}: {decision}.\n"
        "{note}\n",
        "the coordinator of {programme} has decided the appeal of {town}: {decision}.\n"
        "{note}\n",
    ),
    Kind.PASSWORD_RESET: _t(
        "Ustawienie nowego hasła w Ścieżce", "Setting a new password in Ścieżka",
        "ktoś (zapewne Ty) poprosił o ustawienie nowego hasła do Ścieżki. Otwórz ten odnośnik "
        "w ciągu godziny:\n{link}\nJeśli to nie Ty, zignoruj tę wiadomość.\n",
        "someone (probably you) asked to set a new password for Ścieżka. Open this link "
        "within an hour:\n{link}\nIf it was not you, ignore this message.\n",
    ),
}

# Example values for a preview of each kind (and the placeholders it offers, besides
# {programme} and {link}).
SAMPLE_CONTEXT: dict[Kind, dict[str, str]] = {
    Kind.ADVISOR_ASSIGNED: {"town": "Ostrzeszów", "role": "doradca prowadzący"},
    Kind.ADVISOR_UNASSIGNED: {"town": "Ostrzeszów", "role": "doradca prowadzący"},
    Kind.EVALUATOR_ASSIGNED: {"town": "Ostrzeszów"},
    Kind.THIRD_EVALUATOR_NEEDED: {"town": "Ostrzeszów"},
    Kind.STAGE_RETURNED: {"town": "Ostrzeszów", "stage": "Diagnoza",
                          "comment": "Uzupełnij dane o ludności."},
    Kind.STAGE_ACCEPTED: {"town": "Ostrzeszów", "stage": "Diagnoza"},
    Kind.DEADLINE_REMINDER: {"town": "Ostrzeszów", "stage": "Diagnoza", "days": "7",
                             "deadline": "15.03.2027 23:59"},
    Kind.SHEET_REMINDER: {"town": "Ostrzeszów", "days": "3", "deadline": "15.03.2027 23:59"},
    Kind.RESULTS_ANNOUNCED: {"town": "Ostrzeszów", "outcome": "Dofinansowany"},
    Kind.APPEAL_DECIDED: {"town": "Ostrzeszów", "decision": "protest uwzględniony",
                          "note": "Wniosek wraca do oceny merytorycznej."},
    Kind.PASSWORD_RESET: {},
}
COMMON_PLACEHOLDERS = {"programme": "Rozwój Lokalny 2027", "link": "https://sciezka.example/…"}

"""The kinds of message Ścieżka sends, and their default texts: Polish msgids, translated in
translations/en like any other text, read in the recipient's language (in_language).

A text is a `str.format` template with `{name}` placeholders only (no attributes, no
indexes): the coordinator may replace a programme's texts (see notifications.render), and
the placeholders a kind offers are exactly the keys of its SAMPLE_CONTEXT, plus
`{programme}` and `{link}`, which every message has.
"""

from __future__ import annotations

import enum

from workflow.refusal import LazyText, _l


class Kind(enum.StrEnum):
    ADVISOR_ASSIGNED = "advisor_assigned"
    ADVISOR_UNASSIGNED = "advisor_unassigned"
    EVALUATOR_ASSIGNED = "evaluator_assigned"
    THIRD_EVALUATOR_NEEDED = "third_evaluator_needed"
    STAGE_RETURNED = "stage_returned"
    STAGE_ACCEPTED = "stage_accepted"
    STAGE_SUBMITTED = "stage_submitted"
    DEADLINE_CHANGED = "deadline_changed"
    DEADLINE_REMINDER = "deadline_reminder"
    SHEET_REMINDER = "sheet_reminder"
    RESULTS_ANNOUNCED = "results_announced"
    APPEAL_DECIDED = "appeal_decided"
    PASSWORD_RESET = "password_reset"  # noqa: S105  (a kind, not a password)
    INVITATION = "invitation"


# Messages a person cannot switch off: official decisions of the call, the password
# reset they asked for themselves, and the invitation to their account.
MANDATORY: frozenset[Kind] = frozenset({Kind.RESULTS_ANNOUNCED, Kind.APPEAL_DECIDED,
                                        Kind.PASSWORD_RESET, Kind.INVITATION})

HELLO = _l("Dzień dobry,\n\n")


def _t(subject: LazyText, body: LazyText) -> tuple[LazyText, LazyText]:
    """A kind's subject, and its body after the greeting (each a msgid of its own)."""
    return subject, LazyText(lambda: str(HELLO) + str(body))


# Read in a recipient's language with workflow.refusal.in_language(text, locale).
TEXTS: dict[Kind, tuple[LazyText, LazyText]] = {
    Kind.ADVISOR_ASSIGNED: _t(
        _l("Przydzielono Ci miasto: {town}"),
        _l("koordynator programu {programme} przydzielił Cię do miasta {town} jako: {role}.\n"
           "Zaloguj się do Ścieżki, aby zobaczyć etap miasta i zapisywać udzielone usługi.\n"),
    ),
    Kind.ADVISOR_UNASSIGNED: _t(
        _l("Zakończono Twoje przydzielenie: {town}"),
        _l("koordynator programu {programme} zakończył Twoje przydzielenie do miasta {town} "
           "({role}).\n"),
    ),
    Kind.EVALUATOR_ASSIGNED: _t(
        _l("Wniosek do oceny: {town}"),
        _l("koordynator programu {programme} przydzielił Ci do oceny wniosek miasta {town}.\n"
           "Zanim zobaczysz wniosek, złóż w Ścieżce deklarację bezstronności albo zgłoś konflikt "
           "interesów.\n"),
    ),
    Kind.THIRD_EVALUATOR_NEEDED: _t(
        _l("Potrzebna trzecia ocena: {town}"),
        _l("oceny wniosku miasta {town} w programie {programme} różnią się bardziej, niż "
           "pozwalają zasady, więc przydzielono Ci go jako trzeciemu oceniającemu.\n"
           "Złóż w Ścieżce deklarację bezstronności i ocenę.\n"),
    ),
    Kind.STAGE_RETURNED: _t(
        _l("Zwrócono do poprawy: {stage} ({town})"),
        _l("w programie {programme} zwrócono do poprawy: {stage} (miasto {town}).\n"
           "Uwagi: {comment}\nPopraw dokument w Ścieżce i złóż go ponownie.\n"),
    ),
    Kind.STAGE_ACCEPTED: _t(
        _l("Zatwierdzono: {stage} ({town})"),
        _l("w programie {programme} zatwierdzono: {stage} (miasto {town}).\n"
           "Kolejny krok jest widoczny w Ścieżce.\n"),
    ),
    Kind.STAGE_SUBMITTED: _t(
        _l("Miasto złożyło dokument: {stage} ({town})"),
        _l("miasto {town} złożyło w programie {programme}: {stage}.\n"
           "Dokument czeka na Twoją decyzję: zatwierdź go albo zwróć do poprawy z uwagami.\n"),
    ),
    Kind.DEADLINE_CHANGED: _t(
        _l("Zmiana terminu: {stage} ({town})"),
        _l("koordynator programu {programme} zmienił termin etapu „{stage}” miasta {town}.\n"
           "Dotychczasowy termin: {before}\nNowy termin: {deadline}\nUzasadnienie: {reason}\n"),
    ),
    Kind.DEADLINE_REMINDER: _t(
        _l("Termin za {days} dni: {stage} ({town})"),
        _l("przypominamy, że termin złożenia etapu „{stage}” miasta {town} w programie "
           "{programme} mija {deadline} (za {days} dni).\n{link}\n"),
    ),
    Kind.SHEET_REMINDER: _t(
        _l("Karta oceny czeka: {town}"),
        _l("Twoja karta oceny wniosku miasta {town} w programie {programme} nie jest jeszcze "
           "złożona. Termin oceny mija {deadline} (za {days} dni).\n{link}\n"),
    ),
    Kind.RESULTS_ANNOUNCED: _t(
        _l("Wyniki naboru: {programme}"),
        _l("ogłoszono wyniki programu {programme}. Wynik miasta {town}: {outcome}.\n"
           "Szczegóły i karty oceny są w Ścieżce.\n"),
    ),
    Kind.APPEAL_DECIDED: _t(
        _l("Rozpatrzono protest: {town}"),
        _l("koordynator programu {programme} rozpatrzył protest miasta {town}: {decision}.\n"
           "{note}\n"),
    ),
    Kind.PASSWORD_RESET: _t(
        _l("Ustawienie nowego hasła w Ścieżce"),
        _l("ktoś (zapewne Ty) poprosił o ustawienie nowego hasła do Ścieżki. Otwórz ten odnośnik "
           "w ciągu godziny:\n{link}\nJeśli to nie Ty, zignoruj tę wiadomość.\n"),
    ),
    Kind.INVITATION: _t(
        _l("Zaproszenie do Ścieżki"),
        _l("zapraszamy Cię do Ścieżki – systemu programu, w którym będziesz pracować jako: {role}.\n"
           "Otwórz ten odnośnik i ustaw własne hasło (odnośnik działa raz, przez {days} dni):\n"
           "{link}\nJeśli nie spodziewasz się tego zaproszenia, zignoruj tę wiadomość.\n"),
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
    Kind.STAGE_SUBMITTED: {"town": "Ostrzeszów", "stage": "Diagnoza", "comment": "—"},
    Kind.DEADLINE_CHANGED: {"town": "Ostrzeszów", "stage": "Diagnoza", "before": "15.03.2027 23:59",
                            "deadline": "31.03.2027 23:59",
                            "reason": "Powódź w urzędzie miasta utrudniła pracę zespołu."},
    Kind.DEADLINE_REMINDER: {"town": "Ostrzeszów", "stage": "Diagnoza", "days": "7",
                             "deadline": "15.03.2027 23:59"},
    Kind.SHEET_REMINDER: {"town": "Ostrzeszów", "days": "3", "deadline": "15.03.2027 23:59"},
    Kind.RESULTS_ANNOUNCED: {"town": "Ostrzeszów", "outcome": "Dofinansowany"},
    Kind.APPEAL_DECIDED: {"town": "Ostrzeszów", "decision": "protest uwzględniony",
                          "note": "Wniosek wraca do oceny merytorycznej."},
    Kind.PASSWORD_RESET: {},
    Kind.INVITATION: {"role": "doradca", "days": "7"},
}
COMMON_PLACEHOLDERS = {"programme": "Rozwój Lokalny 2027", "link": "https://sciezka.example/…"}

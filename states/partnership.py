"""The path of the small-town partnerships programme (CWD, Centrum Wsparcia Doradczego).

The applicant is a partnership: a leading town and its neighbouring municipalities (often
the powiat too). Its path, as the programme ran it (2020–2022):

work plan → diagnosis of the partnership area (draft → public consultation → submitted →
accepted / returned) → strategy with its project package (the same, with a public
consultation) → feasibility analyses and schedules of the chosen projects → preliminary
application of the key project → completed; withdrawal by the partnership council's decision.

Only the leader ("leader") publishes, closes a consultation, submits and withdraws; every
member municipality approves a stage's document before the leader may submit it
(the guard all_parties_approved: a new version needs new approvals). The lead advisor (or
the coordinator) accepts or returns each submitted stage. A consultation may also be closed
by the system when its period ends.

Of the programme's words (see PathDefinition) it has only the messages its transitions
send: no formal check, merit evaluation or ranking, so no phases, and no score sheet.
"""

from __future__ import annotations

from states.definition import Notify, PathDefinition, Stage, State, Transition
from states.label import Label as L

LEADER = frozenset({"leader"})
LEADER_OR_SYSTEM = frozenset({"leader", "system"})
ADVISOR = frozenset({"advisor", "coordinator"})
ACCEPTED = (Notify("stage_accepted", to="applicant"),)
RETURNED = (Notify("stage_returned", to="applicant"),)
SUBMITTED = (Notify("stage_submitted", to="advisor"),)
APPROVED_BY_ALL = ("deadline_open", "document_attached", "all_parties_approved")


def _stage(code: str, pl: str, en: str) -> Stage:
    return Stage(code, L(pl, en), has_deadline=True, document_required=True)


STAGES = (
    _stage("work_plan", "Plan pracy", "Work plan"),
    _stage("diagnosis", "Diagnoza obszaru partnerstwa", "Diagnosis of the partnership area"),
    _stage("strategy", "Strategia z pakietem projektów", "Strategy with its project package"),
    _stage("feasibility", "Analizy wykonalności i harmonogramy", "Feasibility analyses and schedules"),
    _stage("preliminary_application", "Wstępny wniosek projektu kluczowego",
           "Preliminary application of the key project"),
    Stage("completed", L("Zakończenie", "Completion")),
)

# (stage, Polish genitive, accusative, English name, English plural, consulted publicly,
#  the next stage's first state)
DOCUMENTS = (
    ("work_plan", "planu pracy", "plan pracy", "work plan", False, False, "diagnosis.draft"),
    ("diagnosis", "diagnozy", "diagnozę", "diagnosis", False, True, "strategy.draft"),
    ("strategy", "strategii", "strategię", "strategy", False, True, "feasibility.draft"),
    ("feasibility", "analiz wykonalności i harmonogramów", "analizy wykonalności i harmonogramy",
     "feasibility analyses and schedules", True, False, "preliminary_application.draft"),
    ("preliminary_application", "wstępnego wniosku", "wstępny wniosek", "preliminary application",
     False, False, "completed"),
)


def _states() -> list[State]:
    out: list[State] = []
    for stage, gen, acc, en, plural, consulted, _next in DOCUMENTS:
        was, awaits = ("were", "await") if plural else ("was", "awaits")
        if consulted:
            out += [
                State(f"{stage}.draft", stage, "draft",
                      L(f"Przygotowanie {gen}", f"Preparing the {en}"),
                      L(f"Przygotuj {acc} i opublikuj do konsultacji społecznych",
                        f"Prepare the {en} and publish it for public consultation")),
                State(f"{stage}.consultation", stage, "consultation",
                      L(f"Konsultacje społeczne {gen}", f"Public consultation of the {en}"),
                      L(f"Trwają konsultacje społeczne {gen} – zamknij je po upływie terminu uwag",
                        f"The {en} is in public consultation – close it when the period for "
                        "comments ends")),
                State(f"{stage}.consulted", stage, "draft",
                      L(f"Po konsultacjach – ostateczna wersja {gen}",
                        f"After the consultation – the final {en}"),
                      L(f"Uwzględnij uwagi z konsultacji, uzyskaj zatwierdzenie każdej gminy "
                        f"i złóż {acc}",
                        f"Take in the consultation's comments, get every municipality's "
                        f"approval and submit the {en}")),
            ]
        else:
            out.append(State(f"{stage}.draft", stage, "draft",
                             L(f"Przygotowanie {gen}", f"Preparing the {en}"),
                             L(f"Przygotuj {acc}, uzyskaj zatwierdzenie każdej gminy i złóż",
                               f"Prepare the {en}, get every municipality's approval and "
                               "submit it")))
        out += [
            State(f"{stage}.submitted", stage, "submitted",
                  L(f"Złożono {acc} – do zatwierdzenia przez doradcę",
                    f"The {en} {awaits} the advisor's sign-off"),
                  L(f"Złożono {acc} – czeka na doradcę", f"The {en} {was} sent to your advisor")),
            State(f"{stage}.returned", stage, "returned",
                  L(f"Zwrócono {acc} do poprawy", f"The {en} {was} returned for correction"),
                  L(f"Popraw {acc}, uzyskaj ponownie zatwierdzenie gmin i złóż",
                    f"Correct the {en}, get the municipalities' approval again and submit")),
        ]
    return out


STATES = (
    *_states(),
    State("completed", "completed", "final", L("Ścieżka zakończona", "Path completed"),
          L("Ścieżka partnerstwa zakończona", "The partnership's path is completed"), final=True),
    State("withdrawn", "completed", "final", L("Wycofane", "Withdrawn"),
          L("Partnerstwo wycofało się z programu", "The partnership withdrew from the programme"),
          final=True),
)


def _transitions() -> list[Transition]:
    out: list[Transition] = []
    for stage, gen, acc, en, plural, consulted, following in DOCUMENTS:
        was = "were" if plural else "was"
        if consulted:
            out += [
                Transition(
                    f"publish_{stage}", (f"{stage}.draft", f"{stage}.consulted", f"{stage}.returned"),
                    f"{stage}.consultation", LEADER,
                    L(f"Publikacja {gen} do konsultacji", f"Publication of the {en} for consultation"),
                    L(f"Opublikuj {acc} do konsultacji społecznych",
                      f"Publish the {en} for public consultation"),
                    guards=("deadline_open", "document_attached"),
                    style="secondary",
                    history=L(f"Partnerstwo opublikowało {acc} do konsultacji społecznych",
                              f"The partnership published the {en} for public consultation"),
                ),
                Transition(
                    f"close_{stage}_consultation", (f"{stage}.consultation",), f"{stage}.consulted",
                    LEADER_OR_SYSTEM,
                    L(f"Zamknięcie konsultacji {gen}", f"Closing the consultation of the {en}"),
                    L("Zamknij konsultacje społeczne", "Close the public consultation"),
                    history=L(f"Zamknięto konsultacje społeczne {gen}",
                              f"The public consultation of the {en} was closed"),
                ),
            ]
            submit_from = (f"{stage}.consulted", f"{stage}.returned")
        else:
            submit_from = (f"{stage}.draft", f"{stage}.returned")
        out += [
            Transition(
                f"submit_{stage}", submit_from, f"{stage}.submitted", LEADER,
                L(f"Złożenie {gen}", f"Submission of the {en}"),
                L(f"Złóż {acc} do doradcy", f"Submit the {en} to your advisor"),
                guards=APPROVED_BY_ALL,
                history=L(f"Lider partnerstwa złożył {acc}",
                          f"The partnership's leader submitted the {en}"),
                notify=SUBMITTED,
            ),
            Transition(
                f"accept_{stage}", (f"{stage}.submitted",), following, ADVISOR,
                L(f"Zatwierdź {acc}", f"Sign off the {en}"),
                L(f"Doradca zatwierdził {acc}", f"Your advisor signed off the {en}"),
                history=L(f"Zatwierdzono {acc}", f"The {en} {was} signed off"),
                notify=ACCEPTED,
            ),
            Transition(
                f"return_{stage}", (f"{stage}.submitted",), f"{stage}.returned", ADVISOR,
                L(f"Zwróć {acc} do poprawy", f"Return the {en} for correction"),
                L(f"Doradca zwrócił {acc} do poprawy", f"Your advisor returned the {en}"),
                comment_required=True,
                style="secondary",
                history=L(f"Zwrócono {acc} do poprawy", f"The {en} {was} returned for correction"),
                notify=RETURNED,
            ),
        ]
    return out


TRANSITIONS = (
    *_transitions(),
    Transition(
        "withdraw",
        tuple(s.code for s in STATES if not s.final),
        "withdrawn",
        LEADER,
        L("Partnerstwo wycofało się z programu", "The partnership withdrew"),
        L("Wycofaj partnerstwo z programu (uchwała Rady Partnerstwa)",
          "Withdraw the partnership from the programme (council resolution)"),
        comment_required=True,
        style="danger",
        history=L("Partnerstwo wycofało się z programu decyzją Rady Partnerstwa",
                  "The partnership withdrew from the programme by its council's decision"),
        consequence=L("Partnerstwo kończy udział w programie: nie złoży już żadnego dokumentu. "
                      "Wycofanie wymaga uchwały Rady Partnerstwa – podaj w komentarzu jej numer "
                      "i datę, a uchwałę dodaj do dokumentów partnerstwa. Etapy, do których "
                      "partnerstwo nie doszło, pozostaną nieosiągnięte.",
                      "The partnership leaves the programme: it will submit no further document. "
                      "A withdrawal needs a resolution of the partnership council – give its "
                      "number and date in the comment and add the resolution to the "
                      "partnership's documents. The stages it did not reach stay not reached."),
    ),
)

PARTNERSHIP = PathDefinition(
    code="partnerstwa",
    title=L("Partnerstwa małych miast (CWD)", "Small-town partnerships (CWD)"),
    applicant_kinds=frozenset({"partnership"}),
    stages=STAGES,
    states=STATES,
    transitions=TRANSITIONS,
    initial="work_plan.draft",
    # A chosen project's feasibility analysis is a document of this stage (workflow/projects).
    project_stage="feasibility",
)

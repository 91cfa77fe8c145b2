"""A second, smaller path: the small-town partnerships programme (CWD).

The applicant is a partnership of a town and its neighbouring municipalities. It exists
to prove that a programme with another path needs no change to the engine; the tests
drive it through the same `fire` as the Rozwój Lokalny path.

Of the programme's words (see PathDefinition) it has only the messages its transitions
send: no formal check, merit evaluation or ranking, so no phases, and no score sheet.
"""

from __future__ import annotations

from states.definition import Notify, PathDefinition, Stage, State, Transition
from states.label import Label as L

APPLICANT = frozenset({"applicant"})
ADVISOR = frozenset({"advisor", "coordinator"})

PARTNERSHIP = PathDefinition(
    code="partnerstwa",
    title=L("Partnerstwa małych miast (CWD)", "Small-town partnerships (CWD)"),
    applicant_kinds=frozenset({"partnership"}),
    stages=(
        Stage("strategy", L("Strategia partnerstwa", "Partnership strategy"),
              has_deadline=True, document_required=True),
        Stage("key_project", L("Wstępny wniosek projektu kluczowego",
                               "Preliminary application for the key project"),
              has_deadline=True, document_required=True),
        Stage("done", L("Zakończono", "Completed")),
    ),
    states=(
        State("strategy.draft", "strategy", "draft",
              L("Przygotowanie strategii", "Preparing the strategy"),
              L("Przygotuj strategię partnerstwa", "Prepare the partnership strategy")),
        State("strategy.submitted", "strategy", "submitted",
              L("Strategia do zatwierdzenia", "Strategy awaits sign-off"),
              L("Strategia złożona", "Strategy submitted")),
        State("key_project.draft", "key_project", "draft",
              L("Przygotowanie wniosku wstępnego", "Preparing the preliminary application"),
              L("Przygotuj wniosek wstępny", "Prepare the preliminary application")),
        State("done", "done", "final", L("Zakończono", "Completed"),
              L("Ścieżka zakończona", "Path completed"), final=True),
    ),
    transitions=(
        Transition("submit_strategy", ("strategy.draft",), "strategy.submitted", APPLICANT,
                   L("Złożenie strategii", "Strategy submitted"),
                   L("Złóż strategię", "Submit the strategy"),
                   guards=("document_attached",),
                   notify=(Notify("stage_submitted", to="advisor"),)),
        Transition("accept_strategy", ("strategy.submitted",), "key_project.draft", ADVISOR,
                   L("Zatwierdź strategię", "Sign off the strategy"),
                   L("Doradca zatwierdził strategię", "The advisor signed off the strategy"),
                   notify=(Notify("stage_accepted", to="applicant"),)),
        Transition("submit_key_project", ("key_project.draft",), "done", APPLICANT,
                   L("Złożenie wniosku wstępnego", "Preliminary application submitted"),
                   L("Złóż wniosek wstępny", "Submit the preliminary application"),
                   guards=("deadline_open", "document_attached", "advisor_signed_off")),
    ),
    initial="strategy.draft",
)

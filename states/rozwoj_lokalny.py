"""The path of the "Rozwój Lokalny" (Local Development) programme, call RL-2020.

diagnosis → local development plan (PRL) → institutional development plan (PRI) →
application → formal check → evaluation → ranked → awarded / reserve / not awarded,
with return-for-correction loops, rejection at the formal check, and withdrawal.
The advisor reviews the three plans; the town submits the application itself once the
advisor has signed it off; the coordinator runs the formal check and the results.
"""

from __future__ import annotations

from states.definition import Notify, PathDefinition, Phases, Stage, State, Transition
from states.label import Label as L
from states.rozwoj_lokalny_sheet import RL_2020_SHEET

A = frozenset({"applicant"})
ADV = frozenset({"advisor", "coordinator"})
CO = frozenset({"coordinator"})
CO_SYS = frozenset({"coordinator", "system"})
# What a stage's verdict tells the town's members (workflow/messaging/texts.py has the texts).
ACCEPTED = (Notify("stage_accepted", to="applicant"),)
RETURNED = (Notify("stage_returned", to="applicant"),)
# A submission tells the town's advisor that a decision waits for them.
SUBMITTED = (Notify("stage_submitted", to="advisor"),)

STAGES = (
    Stage("diagnosis", L("Diagnoza", "Diagnosis"), has_deadline=True, document_required=True),
    Stage(
        "prl",
        L("Plan Rozwoju Lokalnego", "Local development plan"),
        has_deadline=True,
        document_required=True,
    ),
    Stage(
        "pri",
        L("Plan Rozwoju Instytucjonalnego", "Institutional development plan"),
        has_deadline=True,
        document_required=True,
    ),
    Stage(
        "application",
        L("Wniosek o dofinansowanie", "Application"),
        has_deadline=True,
        document_required=True,
    ),
    Stage("formal_check", L("Ocena formalna", "Formal check")),
    Stage("evaluation", L("Ocena merytoryczna", "Merit evaluation")),
    Stage("ranking", L("Lista rankingowa", "Ranking")),
    Stage("result", L("Wynik", "Result")),
)

# (stage, Polish nominative, genitive, accusative, English name, next stage's draft)
PLANS = (
    ("diagnosis", "diagnoza", "diagnozy", "diagnozę", "diagnosis", "prl.draft"),
    ("prl", "PRL", "PRL", "PRL", "local development plan", "pri.draft"),
    ("pri", "PRI", "PRI", "PRI", "institutional development plan", "application.draft"),
)


def _plan_states() -> list[State]:
    out: list[State] = []
    for stage, _nom, gen, acc, en, _next in PLANS:
        out += [
            State(
                f"{stage}.draft",
                stage,
                "draft",
                L(f"Przygotowanie {gen}", f"Preparing the {en}"),
                L(f"Przygotuj i złóż {acc}", f"Prepare and submit the {en}"),
            ),
            State(
                f"{stage}.submitted",
                stage,
                "submitted",
                L(f"Złożono {acc} – do zatwierdzenia przez doradcę",
                  f"The {en} awaits the advisor's sign-off"),
                L(f"Złożono {acc} – czeka na doradcę", f"The {en} is with your advisor"),
            ),
            State(
                f"{stage}.returned",
                stage,
                "returned",
                L(f"Zwrócono {acc} do poprawy", f"The {en} was returned for correction"),
                L(f"Popraw {acc} i złóż ponownie", f"Correct the {en} and submit it again"),
            ),
        ]
    return out


STATES = (
    *_plan_states(),
    State(
        "application.draft",
        "application",
        "draft",
        L("Przygotowanie wniosku", "Preparing the application"),
        L("Przygotuj wniosek i uzyskaj akceptację doradcy",
          "Prepare the application and get your advisor's sign-off"),
    ),
    State(
        "application.returned",
        "application",
        "returned",
        L("Wniosek zwrócony do uzupełnienia", "Application returned for correction"),
        L("Wniosek do uzupełnienia", "Application to correct"),
    ),
    State(
        "formal_check",
        "formal_check",
        "in_progress",
        L("Ocena formalna", "Formal check"),
        L("Wniosek złożony – trwa ocena formalna", "Application submitted – formal check"),
    ),
    State(
        "evaluation",
        "evaluation",
        "in_progress",
        L("Ocena merytoryczna", "Merit evaluation"),
        L("Trwa ocena merytoryczna", "Merit evaluation in progress"),
    ),
    State(
        "ranked",
        "ranking",
        "in_progress",
        L("Na liście rankingowej", "Ranked"),
        L("Oceniono – czeka na ogłoszenie wyników", "Scored – awaiting the results"),
    ),
    State(
        "reserve",
        "result",
        "in_progress",
        L("Lista rezerwowa", "Reserve list"),
        L("Na liście rezerwowej", "On the reserve list"),
    ),
    State("awarded", "result", "final", L("Dofinansowany", "Awarded"),
          L("Otrzymano dofinansowanie", "Grant awarded"), final=True),
    # Not final: an upheld appeal takes the application back to evaluation (reopen_evaluation).
    State("not_awarded", "result", "final", L("Bez dofinansowania", "Not awarded"),
          L("Bez dofinansowania", "Not awarded")),
    State("rejected", "formal_check", "final", L("Odrzucony formalnie", "Rejected at formal check"),
          L("Wniosek odrzucony na ocenie formalnej", "Application rejected at the formal check"),
          final=True),
    State("withdrawn", "result", "final", L("Wycofany", "Withdrawn"),
          L("Wycofano udział", "Withdrawn"), final=True),
)


def _plan_transitions() -> list[Transition]:
    out: list[Transition] = []
    for stage, _nom, gen, acc, en, next_draft in PLANS:
        out += [
            Transition(
                f"submit_{stage}",
                (f"{stage}.draft", f"{stage}.returned"),
                f"{stage}.submitted",
                A,
                L(f"Złożenie {gen}", f"Submission of the {en}"),
                L(f"Złóż {acc} do doradcy", f"Submit the {en} to your advisor"),
                guards=("deadline_open", "document_attached"),
                history=L(f"Miasto złożyło {acc}", f"The town submitted the {en}"),
                notify=SUBMITTED,
            ),
            Transition(
                f"accept_{stage}",
                (f"{stage}.submitted",),
                next_draft,
                ADV,
                L(f"Zatwierdź {acc}", f"Sign off the {en}"),
                L(f"Doradca zatwierdził {acc}", f"Your advisor signed off the {en}"),
                history=L(f"Zatwierdzono {acc}", f"The {en} was signed off"),
                notify=ACCEPTED,
            ),
            Transition(
                f"return_{stage}",
                (f"{stage}.submitted",),
                f"{stage}.returned",
                ADV,
                L(f"Zwróć {acc} do poprawy", f"Return the {en} for correction"),
                L(f"Doradca zwrócił {acc} do poprawy", f"Your advisor returned the {en}"),
                comment_required=True,
                style="secondary",
                history=L(f"Zwrócono {acc} do poprawy", f"The {en} was returned for correction"),
                notify=RETURNED,
            ),
        ]
    return out


# Withdrawal is open to every unfinished state except the results (ranked, reserve, not awarded).
NOT_FINAL = tuple(s.code for s in STATES if not s.final)

TRANSITIONS = (
    *_plan_transitions(),
    Transition(
        "submit_application",
        ("application.draft", "application.returned"),
        "formal_check",
        A,
        L("Miasto złożyło wniosek", "Town submitted the application"),
        L("Złóż wniosek o dofinansowanie", "Submit the application"),
        guards=("deadline_open", "document_attached", "advisor_signed_off", "amount_requested"),
        history=L("Miasto złożyło wniosek", "The town submitted the application"),
        notify=SUBMITTED,
    ),
    Transition(
        "pass_formal_check",
        ("formal_check",),
        "evaluation",
        CO,
        L("Ocena formalna pozytywna – do oceny merytorycznej",
          "Formal check passed – to merit evaluation"),
        L("Wniosek przeszedł ocenę formalną", "The application passed the formal check"),
        history=L("Wniosek przeszedł ocenę formalną", "The application passed the formal check"),
    ),
    Transition(
        "return_application",
        ("formal_check",),
        "application.returned",
        CO,
        L("Zwróć wniosek do uzupełnienia", "Return the application for correction"),
        L("Wniosek zwrócono do uzupełnienia", "The application was returned for correction"),
        comment_required=True,
        style="secondary",
        history=L("Wniosek zwrócono do uzupełnienia", "The application was returned for correction"),
        notify=RETURNED,
    ),
    Transition(
        "reject_formal",
        ("formal_check",),
        "rejected",
        CO,
        L("Odrzuć na ocenie formalnej", "Reject at the formal check"),
        L("Wniosek odrzucono na ocenie formalnej", "The application was rejected at the formal check"),
        comment_required=True,
        style="danger",
        history=L("Wniosek odrzucono na ocenie formalnej",
                  "The application was rejected at the formal check"),
        consequence=L("Wniosek nie przejdzie do oceny merytorycznej i nie otrzyma dofinansowania "
                      "w tym naborze.",
                      "The application will not go on to the merit evaluation and will not be "
                      "funded in this call."),
    ),
    Transition(
        "rank",
        ("evaluation",),
        "ranked",
        CO_SYS,
        L("Umieść na liście rankingowej", "Put on the ranking"),
        L("Ocena merytoryczna zakończona", "Merit evaluation finished"),
        history=L("Wniosek umieszczono na liście rankingowej", "The application was put on the ranking"),
    ),
    Transition(
        "award",
        ("ranked", "reserve"),
        "awarded",
        CO_SYS,
        L("Przyznaj dofinansowanie", "Award the grant"),
        L("Przyznano dofinansowanie", "The grant was awarded"),
        history=L("Przyznano dofinansowanie", "The grant was awarded"),
    ),
    Transition(
        "place_on_reserve",
        ("ranked",),
        "reserve",
        CO_SYS,
        L("Umieść na liście rezerwowej", "Place on the reserve list"),
        L("Umieszczono na liście rezerwowej", "Placed on the reserve list"),
        style="secondary",
        history=L("Umieszczono na liście rezerwowej", "Placed on the reserve list"),
    ),
    Transition(
        "not_award",
        ("ranked", "reserve"),
        "not_awarded",
        CO_SYS,
        L("Nie przyznawaj dofinansowania", "Do not award"),
        L("Nie przyznano dofinansowania", "No grant awarded"),
        style="danger",
        history=L("Nie przyznano dofinansowania", "No grant was awarded"),
        consequence=L("Miasto nie otrzyma dofinansowania; zmienić to może tylko uwzględniony protest.",
                      "The town will not be funded; only an upheld appeal can change that."),
    ),
    Transition(
        "reopen_evaluation",
        ("reserve", "not_awarded"),
        "evaluation",
        CO_SYS,
        L("Przywróć do oceny (protest uwzględniony)", "Return to evaluation (appeal upheld)"),
        L("Wniosek wrócił do oceny po uwzględnieniu protestu",
          "Your application is back in evaluation after your appeal was upheld"),
        comment_required=True,
        style="secondary",
        history=L("Wniosek wrócił do oceny po uwzględnieniu protestu",
                  "The application is back in evaluation after the appeal was upheld"),
    ),
    Transition(
        "withdraw",
        tuple(s for s in NOT_FINAL if s not in {"ranked", "reserve", "not_awarded"}),
        "withdrawn",
        A,
        L("Miasto wycofało się z programu", "Town withdrew"),
        L("Wycofaj się z programu", "Withdraw from the programme"),
        comment_required=True,
        style="danger",
        history=L("Miasto wycofało się z programu", "The town withdrew from the programme"),
        consequence=L("Miasto kończy udział w programie: nie złoży już żadnego dokumentu ani "
                      "wniosku i nie otrzyma dofinansowania w tym naborze. Etapy, do których "
                      "miasto nie doszło, pozostaną nieosiągnięte.",
                      "The town leaves the programme: it will submit no further document or "
                      "application and will not be funded in this call. The stages it did not "
                      "reach stay not reached."),
    ),
)

ROZWOJ_LOKALNY = PathDefinition(
    code="rozwoj-lokalny",
    title=L("Rozwój Lokalny", "Local Development"),
    applicant_kinds=frozenset({"town"}),
    stages=STAGES,
    states=STATES,
    transitions=TRANSITIONS,
    initial="diagnosis.draft",
    phases=Phases(
        application=("application.draft", "application.returned"),
        formal_check=("formal_check",),
        rejected=("rejected",),
        evaluation=("evaluation",),
        ranked=("ranked",),
        outcomes=(("awarded", "awarded"), ("reserve", "reserve"), ("not_eligible", "not_awarded")),
    ),
    submit_event="submit_application",
    reopen_event="reopen_evaluation",
    sheet=RL_2020_SHEET,
)

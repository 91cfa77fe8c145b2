"""Who evaluates which application: conflicts of interest, manual assignment, a proposal
computed as a min-cost flow, the third evaluator rule, and the scores the coordinator sees.

Conflicts. An evaluator has a conflict with an application when they declared one on
their assignment (typed: family, other, ...), or automatically:
- 'advised_town': their EvaluatorProfile links the advisor account of the same person,
  and that advisor is (or was, per AssignmentEvent) assigned to the town or logged a
  Service for it;
- 'municipality': the profile's municipality_name is the name of one of the applicant's
  municipalities (compared without case and surrounding spaces).
Such pairs are never proposed, never chosen as the third evaluator, and refused by hand.

Load. An evaluator's load is the number of their assignments in the programme, except the
ones where they declared a conflict (they do not evaluate those). Only evaluators whose
account is active are assigned.

The proposal (same approach as the advisors', docs/decisions/0007): every application in
evaluation needs `evaluators_per_application` regular evaluators who did not declare a
conflict; the missing ones are filled by

    source ──slot k──> evaluator ──1──> application ──missing──> sink
    source ────────── uncovered, cost Instance.uncovered_cost ──> application

The k-th new application of an evaluator costs LOAD_WEIGHT * (load + k), so the optimum
spreads the work (a convex cost); an evaluator is at most once on an application; pairs
with a conflict have no arc. The uncovered cost exceeds the most that covering every slot
can cost, so the optimum fills as many slots as possible and only then balances the load.

The third evaluator. When the first two submitted regular sheets (by assignment id) differ
by more than programme.discrepancy_pct % of the higher total (scoring.differ_too_much) and
no other evaluator without a conflict is on the application, `ensure_third` assigns the
active evaluator with the lowest load, without any conflict and not yet on the
application (ties: the lower id), and notifies them. It is idempotent.
"""

# The code lives in four modules, each under the project's ~400 lines; this module re-exports
# their public names so callers keep importing from here. They never import this module.

from __future__ import annotations

from workflow.advice.assignment import CHANGED, AssignmentRefused
from workflow.evaluation.conflicts import (
    ADVISED,
    ALREADY_ON,
    CONFLICT_KEPT,
    CONFLICT_LABELS,
    EVALUATED_STATES,
    EVALUATION,
    LIVES_THERE,
    LOAD_WEIGHT,
    NO_THIRD_CANDIDATE,
    NOT_EVALUATOR,
    NOT_IN_EVALUATION,
    NOT_IN_PROGRAMME,
    ROLES,
    SOURCES,
    SUBMITTED,
    THIRD_NOT_NEEDED,
    THIRD_TAKEN,
    UNKNOWN_EVALUATOR,
    EvaluatorLoad,
    auto_conflict,
    conflict_refusal,
    conflicts_found,
    conflicts_of,
    current_round,
    evaluator_loads,
    regular_full,
    too_few,
)
from workflow.evaluation.manual_assignment import (
    ThirdResult,
    assign,
    ensure_third,
    get_assignment,
    on_sheet_submitted,
    unassign,
)
from workflow.evaluation.proposal import (
    Instance,
    Proposal,
    ProposedPair,
    Shortfall,
    apply,
    cost_of,
    load_instance,
    propose,
    solve,
)
from workflow.evaluation.scores import (
    ApplicationScore,
    EarlierSheet,
    EvaluationRow,
    EvaluatorRow,
    ScoreLine,
    application_score,
    application_scores,
    earlier_rounds,
    eligible,
    evaluator_rows,
    sheet_lines,
)

__all__ = [
    "AssignmentRefused",
    "CHANGED",
    "EVALUATION",
    "EVALUATED_STATES",
    "ROLES",
    "SOURCES",
    "LOAD_WEIGHT",
    "CONFLICT_LABELS",
    "ADVISED",
    "LIVES_THERE",
    "NOT_EVALUATOR",
    "UNKNOWN_EVALUATOR",
    "NOT_IN_PROGRAMME",
    "NOT_IN_EVALUATION",
    "ALREADY_ON",
    "THIRD_NOT_NEEDED",
    "THIRD_TAKEN",
    "SUBMITTED",
    "CONFLICT_KEPT",
    "NO_THIRD_CANDIDATE",
    "conflict_refusal",
    "regular_full",
    "too_few",
    "conflicts_found",
    "conflicts_of",
    "auto_conflict",
    "EvaluatorLoad",
    "current_round",
    "evaluator_loads",
    "EvaluationRow",
    "ApplicationScore",
    "application_scores",
    "application_score",
    "ScoreLine",
    "sheet_lines",
    "EarlierSheet",
    "earlier_rounds",
    "eligible",
    "EvaluatorRow",
    "evaluator_rows",
    "assign",
    "unassign",
    "get_assignment",
    "ThirdResult",
    "ensure_third",
    "on_sheet_submitted",
    "ProposedPair",
    "Shortfall",
    "Instance",
    "Proposal",
    "load_instance",
    "cost_of",
    "solve",
    "propose",
    "apply",
]

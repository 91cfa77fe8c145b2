"""Each programme's path as data: states, transitions, who may fire them, guards, what a
transition causes, and the programme's own words (which states are the application, the
evaluation and the outcomes; the score-sheet template its programmes start with).

Pure Python: this package imports nothing of the project, no Flask and no database.
The engine in workflow/path/transitions.py reads these definitions; a new programme
is a new module here, registered in REGISTRY, with no change to the engine.
"""

from states.definition import (
    Notify,
    PathDefinition,
    Phases,
    Stage,
    State,
    Transition,
)
from states.guards import GUARDS, Guard, GuardFacts
from states.label import Label
from states.mermaid import to_mermaid
from states.partnership import PARTNERSHIP
from states.rozwoj_lokalny import ROZWOJ_LOKALNY
from states.sheet import CriterionSpec, PartSpec, SheetTemplate

REGISTRY: dict[str, PathDefinition] = {
    ROZWOJ_LOKALNY.code: ROZWOJ_LOKALNY,
    PARTNERSHIP.code: PARTNERSHIP,
}


def get_definition(code: str) -> PathDefinition:
    """The path definition registered under `code` (KeyError for an unknown one)."""
    return REGISTRY[code]


__all__ = [
    "GUARDS",
    "REGISTRY",
    "CriterionSpec",
    "Guard",
    "GuardFacts",
    "Label",
    "Notify",
    "PartSpec",
    "PathDefinition",
    "Phases",
    "SheetTemplate",
    "Stage",
    "State",
    "Transition",
    "get_definition",
    "to_mermaid",
]

"""Each programme's path as data: states, transitions, who may fire them, guards.

Pure Python: this package imports nothing of the project, no Flask and no database.
The engine in workflow/services/transitions.py reads these definitions; a new programme
is a new module here, registered in REGISTRY, with no change to the engine.
"""

from states.definition import (
    Label,
    PathDefinition,
    Stage,
    State,
    Transition,
)
from states.guards import GUARDS, Guard, GuardFacts
from states.mermaid import to_mermaid
from states.partnership import PARTNERSHIP
from states.rozwoj_lokalny import ROZWOJ_LOKALNY

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
    "Guard",
    "GuardFacts",
    "Label",
    "PathDefinition",
    "Stage",
    "State",
    "Transition",
    "get_definition",
    "to_mermaid",
]

"""Render a path definition as a Mermaid state diagram (for docs and the coordinator)."""

from __future__ import annotations

from states.definition import PathDefinition


def _node(code: str) -> str:
    return code.replace(".", "_")


def to_mermaid(definition: PathDefinition, locale: str = "pl") -> str:
    """A `stateDiagram-v2` with one node per state and one arrow per transition."""
    lines = ["stateDiagram-v2", f"    %% {definition.title.get(locale)}"]
    for state in definition.states:
        lines.append(f'    state "{state.staff.get(locale)}" as {_node(state.code)}')
    lines.append(f"    [*] --> {_node(definition.initial)}")
    for t in definition.transitions:
        label = t.staff.get(locale).replace(":", " -")
        for src in t.sources:
            lines.append(f"    {_node(src)} --> {_node(t.target)}: {label}")
    for state in definition.states:
        if state.final:
            lines.append(f"    {_node(state.code)} --> [*]")
    return "\n".join(lines) + "\n"

"""The vocabulary of a score-sheet template: the parts and criteria a programme starts with.

A path definition names its template (`PathDefinition.sheet`); the programme's sheet is
written from it when the programme is created or seeded, or when the coordinator asks for
it, and the coordinator may then change it until the first sheet is submitted.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CriterionSpec:
    code: str
    title_pl: str
    title_en: str
    description_pl: str
    description_en: str
    max_points: int


@dataclass(frozen=True)
class PartSpec:
    code: str
    title_pl: str
    title_en: str
    criteria: tuple[CriterionSpec, ...]

    @property
    def max_points(self) -> int:
        return sum(c.max_points for c in self.criteria)


@dataclass(frozen=True)
class SheetTemplate:
    """A named score sheet: its parts in order, each with its criteria."""

    code: str
    parts: tuple[PartSpec, ...]

    def __post_init__(self) -> None:
        problems: list[str] = []
        if not self.parts:
            problems.append("no parts")
        if len({p.code for p in self.parts}) != len(self.parts):
            problems.append("duplicate part codes")
        for part in self.parts:
            if not part.criteria:
                problems.append(f"part {part.code!r} has no criteria")
            if len({c.code for c in part.criteria}) != len(part.criteria):
                problems.append(f"part {part.code!r} has duplicate criterion codes")
            problems += [f"criterion {c.code!r}: max_points must be positive"
                         for c in part.criteria if c.max_points < 1]
        if problems:
            raise ValueError(f"sheet template {self.code}: " + "; ".join(problems))

    @property
    def max_points(self) -> int:
        return sum(p.max_points for p in self.parts)

"""The one algorithm that computes indicators from variables: pure, no database.

An indicator's formula is a ratio of two linear combinations of variables, times a scale:

    value = scale × Σ cᵢ·vᵢ[yᵢ] / Σ dⱼ·wⱼ[yⱼ]

where each term names a variable, a coefficient (1 unless said) and either the year being
computed (`year` None) or a fixed base year (`year` 2010: "population change since 2010" is
(pop[y] − pop[2010]) / pop[2010] × 100). Per capita, per 1,000 residents, a share in %, a density
and a dependency ratio are all of this shape. An empty denominator means 1: the value is the
numerator (population is the sum of the three economic age groups).

A unit's value exists when every term has a value and the denominator is not zero. A group's
aggregate is the RATIO OF SUMS over the units that have a value (Σ numerators / Σ denominators ×
scale; with no denominator, the group's total), beside the distribution of the units' own values:
count, minimum, first quartile, median, third quartile, maximum. Quartiles interpolate linearly
between order statistics (the "type 7" rule of R and numpy, PostgreSQL's percentile_cont).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# The values one unit has: (variable code, year) -> value.
UnitData = Mapping[tuple[str, int], float]


@dataclass(frozen=True)
class Term:
    variable: str
    coefficient: float = 1.0
    year: int | None = None  # None: the year computed; a number: that fixed year

    def year_for(self, year: int) -> int:
        return year if self.year is None else self.year


@dataclass(frozen=True)
class Formula:
    numerator: tuple[Term, ...]
    denominator: tuple[Term, ...] = ()
    scale: float = 1.0

    def __post_init__(self) -> None:
        if not self.numerator:
            raise ValueError("a formula needs at least one term in its numerator")
        if not math.isfinite(self.scale) or self.scale == 0:
            raise ValueError("the scale must be a finite number other than zero")

    @property
    def variables(self) -> frozenset[str]:
        return frozenset(t.variable for t in (*self.numerator, *self.denominator))

    def years_needed(self, year: int) -> frozenset[int]:
        return frozenset(t.year_for(year) for t in (*self.numerator, *self.denominator))

    def parts(self, data: UnitData, year: int) -> tuple[float, float] | None:
        """(numerator, denominator) of one unit in `year`, or None when a term is missing or
        the denominator is zero."""
        numerator = _combine(self.numerator, data, year)
        if numerator is None:
            return None
        if not self.denominator:
            return numerator, 1.0
        denominator = _combine(self.denominator, data, year)
        if denominator is None or denominator == 0:
            return None
        return numerator, denominator

    def value(self, data: UnitData, year: int) -> float | None:
        parts = self.parts(data, year)
        return None if parts is None else self.scale * parts[0] / parts[1]

    def evaluator(self, year: int) -> Callable[[UnitData], float | None]:
        """`value(data, year)` as a function of the data alone, its keys worked out once: the
        same sums in the same order, for computing one year over thousands of units."""
        numerator = [((t.variable, t.year_for(year)), t.coefficient) for t in self.numerator]
        denominator = [((t.variable, t.year_for(year)), t.coefficient) for t in self.denominator]
        scale = self.scale

        def value(data: UnitData) -> float | None:
            top = 0.0
            for key, coefficient in numerator:
                v = data.get(key)
                if v is None:
                    return None
                top += coefficient * v
            if not denominator:
                return scale * top / 1.0
            bottom = 0.0
            for key, coefficient in denominator:
                v = data.get(key)
                if v is None:
                    return None
                bottom += coefficient * v
            if bottom == 0:
                return None
            return scale * top / bottom

        return value

    def to_json(self) -> dict[str, Any]:
        return {"numerator": [_term_json(t) for t in self.numerator],
                "denominator": [_term_json(t) for t in self.denominator],
                "scale": self.scale}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Formula:
        return cls(numerator=tuple(_term(t) for t in data["numerator"]),
                   denominator=tuple(_term(t) for t in data.get("denominator", ())),
                   scale=float(data.get("scale", 1.0)))


def _combine(terms: tuple[Term, ...], data: UnitData, year: int) -> float | None:
    total = 0.0
    for term in terms:
        value = data.get((term.variable, term.year_for(year)))
        if value is None:
            return None
        total += term.coefficient * value
    return total


def _term_json(term: Term) -> dict[str, Any]:
    out: dict[str, Any] = {"variable": term.variable}
    if term.coefficient != 1.0:
        out["coefficient"] = term.coefficient
    if term.year is not None:
        out["year"] = term.year
    return out


def _term(data: Mapping[str, Any]) -> Term:
    year = data.get("year")
    return Term(variable=str(data["variable"]), coefficient=float(data.get("coefficient", 1.0)),
                year=None if year is None else int(year))


# --- units and groups ---------------------------------------------------------------------------

def unit_values(formula: Formula, data: Mapping[Any, UnitData], year: int) -> dict[Any, float]:
    """Each unit's value in `year` (units without one are left out)."""
    out: dict[Any, float] = {}
    compute = formula.evaluator(year)
    for unit, values in data.items():
        value = compute(values)
        if value is not None:
            out[unit] = value
    return out


@dataclass(frozen=True)
class Aggregate:
    """A group's figures for one indicator and year."""

    value: float | None  # ratio of sums (with no denominator: the total)
    count: int  # units that contributed (had a value)
    members: int  # units in the group
    minimum: float | None
    q1: float | None
    median: float | None
    q3: float | None
    maximum: float | None


def aggregate(formula: Formula, data: Mapping[Any, UnitData], year: int,
              members: Iterable[Any] | None = None) -> Aggregate:
    """The group of `members` (every unit of `data` when None): ratio of sums over the units
    that have a value, and the distribution of those units' values."""
    units = list(data) if members is None else list(dict.fromkeys(members))
    numerator = denominator = 0.0
    values: list[float] = []
    empty: Mapping[tuple[str, int], float] = {}
    for unit in units:
        parts = formula.parts(data.get(unit, empty), year)
        if parts is None:
            continue
        numerator += parts[0]
        denominator += parts[1]
        values.append(formula.scale * parts[0] / parts[1])
    if not values:
        return Aggregate(None, 0, len(units), None, None, None, None, None)
    values.sort()
    if formula.denominator:
        ratio = formula.scale * numerator / denominator if denominator else None
    else:
        ratio = formula.scale * numerator
    return Aggregate(value=ratio, count=len(values), members=len(units),
                     minimum=values[0], q1=quantile(values, 0.25), median=quantile(values, 0.5),
                     q3=quantile(values, 0.75), maximum=values[-1])


def quantile(ordered: list[float], p: float) -> float:
    """The p-quantile of sorted values, interpolated linearly (type 7, percentile_cont)."""
    if not ordered:
        raise ValueError("no values")
    if not 0 <= p <= 1:
        raise ValueError("p must be between 0 and 1")
    position = p * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)

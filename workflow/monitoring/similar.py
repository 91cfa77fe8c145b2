"""The gminas most similar to one gmina in chosen indicators, with weights (as Kolada's tool):
a "most similar" group (docs/decisions/0032).

Each indicator is standardised over the gminas compared (those of the `among` group that have a
value of every chosen indicator in the year): z = (x − mean) / standard deviation (of the
population). The distance of a gmina from the anchor is the weighted root mean square of the
differences of their z-scores,

    d = √( Σ (wᵢ / Σ w) (zᵢ − zᵢ*)² ),

so 1.0 means "one standard deviation apart on average". The group is the anchor and its `size`
nearest gminas, ties broken by TERYT code, so the same definition always gives the same group.
The definition pins each indicator's version: a later change of a formula does not change a
saved group, which `compute()` makes again from its definition alone.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from workflow.extensions import db
from workflow.models import Indicator, IndicatorVersion
from workflow.monitoring import cache, groups, readings
from workflow.refusal import _l

DEFAULT_SIZE = 20
MAX_SIZE = 100
MAX_INDICATORS = 10
MAX_WEIGHT = 10.0
METHOD = "z-score over the gminas compared; weighted root mean square of the differences"


@dataclass(frozen=True)
class Criterion:
    indicator: str
    weight: float = 1.0
    version: int | None = None  # None: the current version (pinned when computed)


@dataclass(frozen=True)
class Definition:
    anchor: str  # TERYT code of a gmina
    criteria: tuple[Criterion, ...]
    year: int
    size: int = DEFAULT_SIZE
    among: str = groups.ALL  # the code of the group compared within

    def to_json(self) -> dict[str, Any]:
        return {"anchor": self.anchor, "year": self.year, "size": self.size, "among": self.among,
                "indicators": [{"code": c.indicator, "version": c.version, "weight": c.weight}
                               for c in self.criteria],
                "method": METHOD}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Definition:
        return cls(anchor=str(data["anchor"]), year=int(data["year"]),
                   size=int(data.get("size", DEFAULT_SIZE)), among=str(data.get("among", groups.ALL)),
                   criteria=tuple(Criterion(str(c["code"]), float(c.get("weight", 1.0)),
                                            None if c.get("version") is None else int(c["version"]))
                                  for c in data["indicators"]))


# --- the pure part ------------------------------------------------------------------------------

def standardise(column: Sequence[float]) -> list[float]:
    """z-scores of a column (all zero when every value is the same)."""
    mean = math.fsum(column) / len(column)
    sd = math.sqrt(math.fsum((x - mean) ** 2 for x in column) / len(column))
    if sd == 0 or not math.isfinite(sd):
        return [0.0] * len(column)
    return [(x - mean) / sd for x in column]


def nearest(points: Mapping[str, Sequence[float]], anchor: str, weights: Sequence[float],
            size: int) -> list[tuple[str, float]]:
    """The anchor (distance 0) and the `size` points nearest to it: (key, distance), nearest
    first, ties by key. `points` hold one value per weight; every point is complete."""
    keys = sorted(points)
    columns = [standardise([points[k][i] for k in keys]) for i in range(len(weights))]
    total = math.fsum(weights)
    at = keys.index(anchor)
    terms = [(w / total, column, column[at]) for w, column in zip(weights, columns, strict=True)]
    found: list[tuple[float, str]] = []
    for n, key in enumerate(keys):
        if n == at:
            continue
        square = 0.0
        for share, column, centre in terms:
            difference = column[n] - centre
            square += share * difference * difference
        found.append((math.sqrt(square), key))
    found.sort()
    return [(anchor, 0.0)] + [(key, distance) for distance, key in found[:size]]


# --- reading and checking -----------------------------------------------------------------------

@dataclass(frozen=True)
class Result:
    definition: Definition  # with every version pinned
    found: list[tuple[str, float]]  # (TERYT code, distance), the anchor first
    compared: int  # gminas with a value of every indicator
    versions: list[IndicatorVersion]
    values: dict[str, list[float]]  # per code, the indicators' values (in the criteria's order)
    names: dict[str, str]  # per code of the found, the gmina's name


def versions_of(codes: Sequence[str]) -> dict[str, dict[int, IndicatorVersion]]:
    """Every version of the indicators named (one statement)."""
    out: dict[str, dict[int, IndicatorVersion]] = {}
    for version in db.session.scalars(
            sa.select(IndicatorVersion).join(Indicator).options(contains_eager(IndicatorVersion.indicator))
            .where(Indicator.code.in_(sorted(set(codes))))):
        out.setdefault(version.indicator.code, {})[version.version] = version
    return out


def check(definition: Definition, known: Mapping[str, Mapping[int, IndicatorVersion]]) -> Definition:
    """The definition with its versions pinned; refused (400) when it cannot be computed."""
    errors: dict[str, list[Any]] = {}
    if not definition.criteria:
        errors["indicators"] = [_l("Wybierz co najmniej jeden wskaźnik.")]
    elif len(definition.criteria) > MAX_INDICATORS:
        errors["indicators"] = [_l("Wybierz najwyżej %(n)d wskaźników.", n=MAX_INDICATORS)]
    elif len({c.indicator for c in definition.criteria}) < len(definition.criteria):
        errors["indicators"] = [_l("Każdy wskaźnik można wybrać tylko raz.")]
    pinned = []
    for c in definition.criteria:
        versions = known.get(c.indicator)
        if not versions or (c.version is not None and c.version not in versions):
            errors.setdefault("indicators", []).append(_l("Nie ma wskaźnika %(code)s.", code=c.indicator))
            continue
        if not (0 < c.weight <= MAX_WEIGHT) or not math.isfinite(c.weight):
            errors.setdefault("weights", []).append(
                _l("Waga musi być liczbą większą od 0 i nie większą niż %(max)s.", max="10"))
        pinned.append(Criterion(c.indicator, c.weight, c.version or max(versions)))
    if not 1 <= definition.size <= MAX_SIZE:
        errors["size"] = [_l("Liczba gmin musi być od 1 do %(n)d.", n=MAX_SIZE)]
    if errors:
        raise groups.GroupRefused(errors=errors)
    return Definition(definition.anchor, tuple(pinned), definition.year, definition.size,
                      definition.among)


class Points(NamedTuple):
    """Every gmina with a value of each of some indicators in a year."""

    units: dict[int, readings.Gmina]
    ids: dict[str, int]  # the variables' ids
    points: dict[str, list[float]]  # by TERYT code, the values in the indicators' order
    id_of: dict[str, int]  # unit id by TERYT code


def _points(versions: Sequence[IndicatorVersion], year: int) -> Points:
    """The gminas and the variables' ids (2 statements), and each indicator's values in the
    year: kept per indicator version and data version (decision 0041), so that a search with
    other anchors, weights or indicators reads only the indicators not read yet (1 statement)."""
    stamp = cache.stamp()
    units, ids, id_of = cache.cached(("gminas", stamp), _gminas)
    columns: dict[int, dict[str, float]] = {}
    missing = []
    for v in versions:
        found = cache.peek(("similar-column", stamp, v.id, year))
        if found is None:
            missing.append(v)
        else:
            columns[v.id] = found
    if missing:
        formulas = [readings.formula(v) for v in missing]
        data = readings.values(formulas, [year], ids=ids)
        for v, f in zip(missing, formulas, strict=True):
            evaluate = f.evaluator(year)
            column = {units[uid].code: value for uid, d in data.items()
                      if uid in units and (value := evaluate(d)) is not None}
            cache.put(("similar-column", stamp, v.id, year), column)
            columns[v.id] = column
    chosen = [columns[v.id] for v in versions]
    first, rest = chosen[0], chosen[1:]
    points = {code: [value, *(c[code] for c in rest)] for code, value in first.items()
              if all(code in c for c in rest)}
    return Points(units, ids, points, id_of)


def _gminas() -> tuple[dict[int, readings.Gmina], dict[str, int], dict[str, int]]:
    units = readings.gminas()
    return units, readings.variable_ids(), {u.code: u.id for u in units.values()}


@readings.no_cycle_collection
def compute(definition: Definition) -> Result:
    """The group a definition describes, read and computed: the indicators' versions, the
    data's version, and when not cached (decision 0041) the gminas, the variables' ids, the
    values (2 statements, 5 when not cached; 3 or 4 more for a group compared within)."""
    known = versions_of([c.indicator for c in definition.criteria])
    definition = check(definition, known)
    chosen = [known[c.indicator][c.version or 0] for c in definition.criteria]
    table = _points(chosen, definition.year)
    units, ids = table.units, table.ids
    anchor = table.id_of.get(definition.anchor)
    if anchor is None:
        raise groups.GroupRefused(errors={"anchor": [_l("Nie ma gminy o kodzie TERYT %(code)s.",
                                                        code=definition.anchor)]})
    points: Mapping[str, list[float]] = table.points
    if definition.among != groups.ALL:
        group = groups.get(definition.among)
        if group is None:
            raise groups.GroupRefused(errors={"among": [_l("Nie ma takiej grupy.")]})
        current = readings.current_by_code()
        extra = groups.population_formula([group], current)
        data_for_group = readings.values([extra], [definition.year], ids=ids) if extra else None
        among = set(groups.members([group], definition.year, units, data_for_group, current)[group.id])
        among.add(anchor)
        points = {code: row for code, row in points.items() if table.id_of[code] in among}
    if definition.anchor not in points:
        raise groups.GroupRefused(errors={"anchor": [_l(
            "Gmina nie ma w roku %(year)d wartości każdego z wybranych wskaźników.",
            year=definition.year)]})
    found = nearest(points, definition.anchor, [c.weight for c in definition.criteria], definition.size)
    return Result(definition=definition, found=found, compared=len(points), versions=chosen,
                  values={code: list(points[code]) for code, _d in found},
                  names={code: units[table.id_of[code]].name for code, _d in found})


def names(result: Result) -> tuple[str, str]:
    """The group's names in Polish and English."""
    year, anchor = result.definition.year, result.names[result.definition.anchor]
    return (f"Najbardziej podobne do: {anchor} ({year})", f"Most similar to {anchor} ({year})")

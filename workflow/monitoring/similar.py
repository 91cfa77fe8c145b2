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

import heapq
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from workflow.extensions import db
from workflow.models import GroupKind, Indicator, IndicatorVersion, UnitGroup
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
    return nearest_in(standardised(points, len(weights)), anchor, weights, size)


class Standardised(NamedTuple):
    """Points with each indicator standardised over all of them: what a search needs that
    depends neither on the anchor nor on the weights (kept per version of the data, decision 0048)."""

    keys: list[str]  # sorted
    columns: list[list[float]]  # per indicator, the z-scores in the order of `keys`
    at: dict[str, int]  # a key's place in `keys`
    points: Mapping[str, Sequence[float]]


def standardised(points: Mapping[str, Sequence[float]], count: int) -> Standardised:
    keys = sorted(points)
    columns = [standardise([points[k][i] for k in keys]) if keys else [] for i in range(count)]
    return Standardised(keys, columns, {k: n for n, k in enumerate(keys)}, points)


def nearest_in(table: Standardised, anchor: str, weights: Sequence[float],
               size: int) -> list[tuple[str, float]]:
    """nearest() on points standardised already: the same sums in the same order (so the same
    distances to the last bit), a column at a time."""
    total = math.fsum(weights)
    at = table.at[anchor]
    squares = [0.0] * len(table.keys)
    for w, column in zip(weights, table.columns, strict=True):
        share, centre = w / total, column[at]
        squares = [square + share * (z - centre) * (z - centre)
                   for square, z in zip(squares, column, strict=True)]
    found = [(math.sqrt(square), key) for n, (square, key) in enumerate(zip(squares, table.keys, strict=True))
             if n != at]
    return [(anchor, 0.0)] + [(key, distance) for distance, key in heapq.nsmallest(size, found)]


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


def versions_at(stamp: tuple[Any, ...], codes: Sequence[str]) -> dict[str, dict[int, IndicatorVersion]]:
    """versions_of(codes), kept per version of the data (`stamp` holds the newest indicator
    version: a definition is never changed in place, decision 0028), taken out of the session
    like readings.current_indicators_at. Shared: never change one."""
    wanted = tuple(sorted(set(codes)))

    def read() -> dict[str, dict[int, IndicatorVersion]]:
        found = versions_of(wanted)
        for versions in found.values():
            for version in versions.values():
                for row in (version.indicator, version):
                    if row in db.session:  # an indicator's versions share it
                        db.session.expunge(row)
        return found

    found: dict[str, dict[int, IndicatorVersion]] = cache.cached(("versions", stamp, wanted), read,
                                                                 lambda _found: 0.02)
    return found


def _points(versions: Sequence[IndicatorVersion], year: int,
            stamp: tuple[Any, ...]) -> dict[str, list[float]]:
    """Every gmina with a value of each indicator in the year (by TERYT code, the values in the
    indicators' order): each indicator's values kept per indicator version and data version
    (decision 0041), so that a search with other indicators reads only the indicators not read
    yet (1 statement; 2 more for the gminas and the variables' ids when not kept)."""
    register = readings.register_at(stamp)
    units, ids = register.units, register.ids
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
    return {code: [value, *(c[code] for c in rest)] for code, value in first.items()
            if all(code in c for c in rest)}


@readings.no_cycle_collection
def compute(definition: Definition, stamp: tuple[Any, ...] | None = None) -> Result:
    """The group a definition describes: 1 statement when its result is kept (the data's
    version; none when the caller read it: `stamp`), 5 when nothing is kept (+ the indicators'
    versions, the gminas, the variables' ids, the values; decisions 0041 and 0048); 1 more for
    a group compared within (and 2 or 3 to find its members when not kept). What depends only
    on the data, the indicators, the year and the group compared within (the points,
    standardised) is kept apart from the result, so another anchor or other weights compute
    only the distances; a programme's group is never kept (its members follow the applications)."""
    stamp = stamp if stamp is not None else cache.stamp()
    known = versions_at(stamp, [c.indicator for c in definition.criteria])
    definition = check(definition, known)
    chosen = [known[c.indicator][c.version or 0] for c in definition.criteria]
    if definition.anchor not in readings.register_at(stamp).id_of:
        raise groups.GroupRefused(errors={"anchor": [_l("Nie ma gminy o kodzie TERYT %(code)s.",
                                                        code=definition.anchor)]})
    group = None
    if definition.among != groups.ALL:
        group = groups.get(definition.among)
        if group is None:
            raise groups.GroupRefused(errors={"among": [_l("Nie ma takiej grupy.")]})
    if group is not None and group.kind is GroupKind.PROGRAMME:  # its members follow the applications
        return _result(definition, chosen, _standardised(definition, chosen, group, stamp), stamp)
    among = None if group is None else (group.id, group.code, json.dumps(group.definition, sort_keys=True))
    table_key = ("similar-points", stamp, tuple(v.id for v in chosen), definition.year, among)

    def points() -> Standardised:  # weighed at ~100 KB a unit: Python floats in lists
        return cache.cached(table_key, lambda: _standardised(definition, chosen, group, stamp),
                            lambda t: 0.1 + len(t.keys) * len(t.columns) / 3000)

    return cache.cached(("similar", definition, table_key),
                        lambda: _result(definition, chosen, points(), stamp), lambda _r: 0.02)


def _standardised(definition: Definition, chosen: Sequence[IndicatorVersion], group: UnitGroup | None,
                  stamp: tuple[Any, ...]) -> Standardised:
    """The points of the gminas compared (those of the group, when one is given, and the
    anchor, a gmina of the register), standardised."""
    register = readings.register_at(stamp)
    points: Mapping[str, list[float]] = _points(chosen, definition.year, stamp)
    if group is not None:
        current = readings.current_by_code()
        extra = groups.population_formula([group], current)
        data_for_group = readings.values([extra], [definition.year], ids=register.ids) if extra else None
        among = set(groups.members([group], definition.year, register.units, data_for_group,
                                   current)[group.id])
        among.add(register.id_of[definition.anchor])
        points = {code: row for code, row in points.items() if register.id_of[code] in among}
    return standardised(points, len(chosen))


def _result(definition: Definition, chosen: list[IndicatorVersion], table: Standardised,
            stamp: tuple[Any, ...]) -> Result:
    if definition.anchor not in table.at:
        raise groups.GroupRefused(errors={"anchor": [_l(
            "Gmina nie ma w roku %(year)d wartości każdego z wybranych wskaźników.",
            year=definition.year)]})
    register = readings.register_at(stamp)
    found = nearest_in(table, definition.anchor, [c.weight for c in definition.criteria], definition.size)
    return Result(definition=definition, found=found, compared=len(table.keys), versions=chosen,
                  values={code: list(table.points[code]) for code, _d in found},
                  names={code: register.units[register.id_of[code]].name for code, _d in found})


def names(result: Result) -> tuple[str, str]:
    """The group's names in Polish and English."""
    year, anchor = result.definition.year, result.names[result.definition.anchor]
    return (f"Najbardziej podobne do: {anchor} ({year})", f"Most similar to {anchor} ({year})")

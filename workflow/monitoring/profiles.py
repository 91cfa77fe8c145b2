"""A gmina's profile (every indicator: its value, its trend over the years, its place in each
of the gmina's groups) and the comparison of up to ten gminas side by side, each read in a
fixed number of statements (docs/decisions/0032). Reused by the open API.
"""

from __future__ import annotations

import bisect
import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from workflow.extensions import db
from workflow.models import (
    GroupKind,
    IndicatorVersion,
    TerritorialUnit,
    UnitGroup,
    UnitLevel,
    Variable,
    VariableValue,
)
from workflow.monitoring import cache, charts, compute, groups, readings
from workflow.monitoring.distribution import NotAvailable, choose_year
from workflow.text import folded

COMPARE_MAX = 10


def unit_series(unit_id: int, formulas: Sequence[compute.Formula]) -> dict[tuple[str, int], float]:
    """Every value of the formulas' variables for one unit, all years (one statement)."""
    codes = sorted({v for f in formulas for v in f.variables})
    return {(code, year): value for code, year, value in db.session.execute(
        _series_query(), {"unit": unit_id, "codes": codes})}


@functools.cache
def _series_query() -> sa.Select[tuple[str, int, float]]:
    """unit_series()' statement, built once (every profile reads it)."""
    return (sa.select(Variable.code, VariableValue.year, VariableValue.value)
            .join(Variable, Variable.id == VariableValue.variable_id)
            .where(VariableValue.unit_id == sa.bindparam("unit"),
                   Variable.code.in_(sa.bindparam("codes", expanding=True))))


@dataclass(frozen=True)
class Place:
    rank: int | None
    count: int  # members with a value
    members: int


@dataclass(frozen=True)
class ProfileRow:
    version: IndicatorVersion
    code: str
    value: float | None
    series: list[tuple[int, float]]  # (year, value), oldest first
    trend: charts.Trend | None
    places: dict[int, Place]  # group id -> the unit's place in it
    fmt: charts.Formatter


@dataclass(frozen=True)
class Profile:
    unit: TerritorialUnit
    powiat: TerritorialUnit | None
    voivodeship: TerritorialUnit | None
    years: list[int]
    year: int | None
    rows: list[ProfileRow]
    groups: list[UnitGroup]  # the groups the gmina belongs to in the year
    sizes: dict[int, int] = field(default_factory=dict)  # group id -> members


class YearTable:
    """Every current indicator's value for every gmina in a year, and, as profiles ask for
    them, groups' members and each group's values in order: what places in groups are counted
    from, cached per data version (decision 0041). Filled, never changed."""

    def __init__(self, units: dict[int, readings.Gmina], data: readings.Data,
                 values: dict[int, dict[int, float]]) -> None:
        self.units = units
        self.data = data
        self.values = values  # indicator version id -> unit id -> value
        self.members: dict[tuple[int, str, str], tuple[list[int], frozenset[int]]] = {}
        self.ordered: dict[tuple[int, int, str], list[float]] = {}

    @staticmethod
    def group_key(group: UnitGroup) -> tuple[int, str, str]:
        return (group.id, group.code, json.dumps(group.definition, sort_keys=True))

    def place(self, version_id: int, unit_id: int, group: UnitGroup, member_ids: Sequence[int]) -> Place:
        """A unit's place among the members (1 + the members with a higher value)."""
        values = self.values[version_id]
        key = (version_id, group.id, group.code)
        ordered = self.ordered.get(key) if group.kind is not GroupKind.PROGRAMME else None
        if ordered is None:
            ordered = sorted(v for i in member_ids if (v := values.get(i)) is not None)
            if group.kind is not GroupKind.PROGRAMME:
                self.ordered[key] = ordered
        mine = values.get(unit_id)
        rank = None if mine is None else len(ordered) - bisect.bisect_right(ordered, mine) + 1
        return Place(rank, len(ordered), len(member_ids))


def year_table(indicators: Sequence[IndicatorVersion], formulas: Sequence[compute.Formula],
               year: int) -> YearTable:
    """Every indicator's value for every gmina in `year`: 3 statements."""
    units = readings.gminas()
    data = readings.values(formulas, [year])
    values = {}
    for version, f in zip(indicators, formulas, strict=True):
        evaluate = f.evaluator(year)
        values[version.id] = {uid: v for uid, d in data.items() if (v := evaluate(d)) is not None}
    return YearTable(units, data, values)


@readings.no_cycle_collection
def unit_profile(code: str, year: object = None, locale: str = "pl") -> Profile:
    """A gmina's profile: 5 statements when the year's figures are cached (6 with a
    programme's group; decision 0041), 10 at most when they are computed (the units, the
    indicators, the gmina's values, its groups, the data's version, every gmina, the
    variables' ids, their values in the year, a programme's towns, lists' members)."""
    found = readings.units_by_code([code, code[:4], code[:2]])
    unit = found.get(code)
    if unit is None or unit.level is not UnitLevel.GMINA:
        raise NotAvailable()
    indicators = readings.current_indicators()
    by_code = {v.indicator.code: v for v in indicators}
    formulas = [readings.formula(v) for v in indicators]
    own = unit_series(unit.id, formulas)
    years = sorted({y for _c, y in own}, reverse=True)
    evaluators = {y: [f.evaluator(y) for f in formulas] for y in years}
    computed = {y: [e(own) for e in evaluators[y]] for y in years}
    years = [y for y in years if any(v is not None for v in computed[y])]
    chosen = choose_year(years, year)
    candidates = groups.containing(unit)
    members: dict[int, list[int]] = {}
    mine: list[UnitGroup] = []
    table = None
    if chosen is not None:
        table = cache.cached(("year", cache.stamp(), chosen, tuple(v.id for v in indicators)),
                             lambda: year_table(indicators, formulas, chosen),
                             lambda t: 1 + sum(len(d) for d in t.data.values()) // 1000)
        keys = {g.id: YearTable.group_key(g) for g in candidates}
        missing = [g for g in candidates if g.kind is GroupKind.PROGRAMME or keys[g.id] not in table.members]
        if missing:
            members.update(groups.members(missing, chosen, table.units, table.data, by_code))
            for g in missing:
                if g.kind is not GroupKind.PROGRAMME:
                    table.members[keys[g.id]] = (members[g.id], frozenset(members[g.id]))
        for g in candidates:
            if g.id not in members:
                members[g.id] = table.members[keys[g.id]][0]
            if unit.id in (table.members[keys[g.id]][1] if keys[g.id] in table.members
                           else set(members[g.id])):
                mine.append(g)
    rows = []
    for n, (version, _f) in enumerate(zip(indicators, formulas, strict=True)):
        series = [(y, computed[y][n]) for y in sorted(years) if computed[y][n] is not None]
        places: dict[int, Place] = {}
        if table is not None:
            for g in mine:
                places[g.id] = table.place(version.id, unit.id, g, members[g.id])
        rows.append(ProfileRow(version, version.indicator.code,
                               computed[chosen][n] if chosen is not None else None, series,
                               charts.trend(series), places, charts.formatter(version.decimals, locale)))
    return Profile(unit=unit, powiat=found.get(code[:4]), voivodeship=found.get(code[:2]), years=years,
                   year=chosen, rows=rows, groups=mine,
                   sizes={g.id: len(members.get(g.id, ())) for g in mine})


# --- comparison ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Compared:
    version: IndicatorVersion
    code: str
    values: list[float | None]  # in the order of the units
    bars: charts.Bars
    fmt: charts.Formatter


@dataclass(frozen=True)
class Comparison:
    units: list[TerritorialUnit]
    unknown: list[str]  # codes asked for that are no gmina
    years: list[int]
    year: int | None
    rows: list[Compared]


@readings.no_cycle_collection
def comparison(codes: Sequence[str], year: object = None, locale: str = "pl") -> Comparison:
    """Up to COMPARE_MAX gminas side by side, every indicator in a year: 5 statements."""
    wanted = list(dict.fromkeys(c.strip() for c in codes if c.strip()))[:COMPARE_MAX]
    found = readings.units_by_code(wanted)
    units = [found[c] for c in wanted if c in found and found[c].level is UnitLevel.GMINA]
    unknown = [c for c in wanted if c not in found or found[c].level is not UnitLevel.GMINA]
    indicators = readings.current_indicators()
    by_code = {v.indicator.code: v for v in indicators}
    anchor = by_code.get(groups.POPULATION_INDICATOR) or (indicators[0] if indicators else None)
    years = readings.years(anchor) if anchor is not None and units else []
    chosen = choose_year(years, year)
    formulas = [readings.formula(v) for v in indicators]
    data = readings.values(formulas, [chosen], [u.id for u in units]) if chosen is not None and units else {}
    rows = []
    for version, f in zip(indicators, formulas, strict=True):
        fmt = charts.formatter(version.decimals, locale)
        evaluate = f.evaluator(chosen or 0)
        values = [evaluate(data.get(u.id, {})) if chosen is not None else None for u in units]
        rows.append(Compared(version, version.indicator.code, values,
                             charts.bars([(u.name, v, fmt(v)) for u, v in zip(units, values, strict=True)]),
                             fmt))
    return Comparison(units=units, unknown=unknown, years=years, year=chosen, rows=rows)


def search_gminas(text: str, limit: int = 20) -> list[TerritorialUnit]:
    """Gminas whose name contains `text` (case ignored) or whose code starts with it."""
    words = text.lower().split()
    if not words:
        return []
    query = sa.select(TerritorialUnit).where(TerritorialUnit.level == UnitLevel.GMINA)
    for word in words[:5]:
        query = query.where(sa.or_(folded(TerritorialUnit.name).contains(word, autoescape=True),
                                   TerritorialUnit.code.startswith(word, autoescape=True)))
    return list(db.session.scalars(query.order_by(TerritorialUnit.name, TerritorialUnit.code).limit(limit)))

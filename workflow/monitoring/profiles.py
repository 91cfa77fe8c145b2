"""A gmina's profile (every indicator: its value, its trend over the years, its place in each
of the gmina's groups) and the comparison of up to ten gminas side by side, each read in a
fixed number of statements (docs/decisions/0032). Reused by the open API.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from workflow.extensions import db
from workflow.models import IndicatorVersion, TerritorialUnit, UnitGroup, UnitLevel, Variable, VariableValue
from workflow.monitoring import charts, compute, groups, quality, readings
from workflow.monitoring.distribution import NotAvailable, choose_year
from workflow.text import folded

COMPARE_MAX = 10


def unit_series(unit_id: int, formulas: Sequence[compute.Formula]) -> dict[tuple[str, int], float]:
    """Every published value of the formulas' variables for one unit, all years (one
    statement; a provisional value is not public, decision 0039)."""
    codes = sorted({v for f in formulas for v in f.variables})
    return {(code, year): value for code, year, value in db.session.execute(
        sa.select(Variable.code, VariableValue.year, VariableValue.value)
        .join(Variable, Variable.id == VariableValue.variable_id)
        .where(VariableValue.unit_id == unit_id, Variable.code.in_(codes),
               VariableValue.status != readings.PROVISIONAL))}


@dataclass(frozen=True)
class Place:
    rank: int | None
    count: int  # members with a value
    members: int
    outlier: float | None = None  # MADs from the group's median, when the unit is an outlier in it


def place_of(unit_id: int, member_ids: Sequence[int], values: dict[int, float]) -> Place:
    """A unit's place among the members (as distribution.rank counts it: 1 + the members with
    a higher value), without ranking them all."""
    mine = values.get(unit_id)
    higher = 0
    present = []
    for i in member_ids:
        v = values.get(i)
        if v is None:
            continue
        present.append(v)
        if mine is not None and v > mine:
            higher += 1
    spread = quality.Spread.of(present) if mine is not None else None
    return Place(None if mine is None else higher + 1, len(present), len(member_ids),
                 spread.deviations(mine) if spread is not None and mine is not None else None)


@dataclass(frozen=True)
class ProfileRow:
    version: IndicatorVersion
    code: str
    value: float | None
    series: list[tuple[int, float]]  # (year, value), oldest first
    trend: charts.Trend | None
    places: dict[int, Place]  # group id -> the unit's place in it
    fmt: charts.Formatter
    mark: quality.Mark = quality.NO_MARK  # the revision note and the comments beside the value


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


@readings.no_cycle_collection
def unit_profile(code: str, year: object = None, locale: str = "pl") -> Profile:
    """A gmina's profile: 10 statements at most (the units, the indicators, the gmina's values,
    its groups, every gmina, the variables' ids, their values in the year, a programme's towns,
    lists' members, the revision notes with the comments)."""
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
    units = readings.gminas()
    data = readings.values(formulas, [chosen]) if chosen is not None else {}
    members = groups.members(candidates, chosen or 0, units, data, by_code) if chosen is not None else {}
    mine = [g for g in candidates if unit.id in members.get(g.id, ())]
    notes, said = quality.notes_and_comments(
        {v for f in formulas for v in f.variables}, quality.years_needed(formulas, chosen),
        [v.indicator_id for v in indicators], chosen, [unit.id]) if chosen is not None else ({}, {})
    rows = []
    for n, (version, f) in enumerate(zip(indicators, formulas, strict=True)):
        series = [(y, computed[y][n]) for y in sorted(years) if computed[y][n] is not None]
        places: dict[int, Place] = {}
        if chosen is not None:
            evaluate = f.evaluator(chosen)
            values = {uid: v for uid, d in data.items() if (v := evaluate(d)) is not None}
            for g in mine:
                places[g.id] = place_of(unit.id, members[g.id], values)
        rows.append(ProfileRow(version, version.indicator.code,
                               computed[chosen][n] if chosen is not None else None, series,
                               charts.trend(series), places, charts.formatter(version.decimals, locale),
                               quality.mark(unit.id, version.indicator_id, f, chosen, notes, said)
                               if chosen is not None else quality.NO_MARK))
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
    marks: list[quality.Mark] = field(default_factory=list)  # in the order of the units


@dataclass(frozen=True)
class Comparison:
    units: list[TerritorialUnit]
    unknown: list[str]  # codes asked for that are no gmina
    years: list[int]
    year: int | None
    rows: list[Compared]


@readings.no_cycle_collection
def comparison(codes: Sequence[str], year: object = None, locale: str = "pl") -> Comparison:
    """Up to COMPARE_MAX gminas side by side, every indicator in a year: 6 statements (one for
    the revision notes and comments)."""
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
    ids = [u.id for u in units]
    notes, said = quality.notes_and_comments(
        {v for f in formulas for v in f.variables}, quality.years_needed(formulas, chosen),
        [v.indicator_id for v in indicators], chosen, ids) if chosen is not None else ({}, {})
    rows = []
    for version, f in zip(indicators, formulas, strict=True):
        fmt = charts.formatter(version.decimals, locale)
        evaluate = f.evaluator(chosen or 0)
        values = [evaluate(data.get(u.id, {})) if chosen is not None else None for u in units]
        rows.append(Compared(version, version.indicator.code, values,
                             charts.bars([(u.name, v, fmt(v)) for u, v in zip(units, values, strict=True)]),
                             fmt, [quality.mark(u.id, version.indicator_id, f, chosen, notes, said)
                                   if chosen is not None else quality.NO_MARK for u in units]))
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

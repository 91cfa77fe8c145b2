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


SeriesByUnit = dict[int, dict[tuple[str, int], float]]  # unit id -> (variable, year) -> value


def units_series(unit_ids: Sequence[int], formulas: Sequence[compute.Formula]) -> SeriesByUnit:
    """Every published value of the formulas' variables for some units, all years (one
    statement; a provisional value is not public, decision 0039)."""
    codes = sorted({v for f in formulas for v in f.variables})
    out: SeriesByUnit = {i: {} for i in unit_ids}
    if not unit_ids:
        return out
    for unit_id, code, year, value in db.session.execute(
            sa.select(VariableValue.unit_id, Variable.code, VariableValue.year, VariableValue.value)
            .join(Variable, Variable.id == VariableValue.variable_id)
            .where(VariableValue.unit_id.in_(sorted(set(unit_ids))), Variable.code.in_(codes),
                   VariableValue.status != readings.PROVISIONAL)):
        out[unit_id][(code, year)] = value
    return out


def unit_series(unit_id: int, formulas: Sequence[compute.Formula]) -> dict[tuple[str, int], float]:
    """Every published value of the formulas' variables for one unit, all years (one statement)."""
    return units_series([unit_id], formulas)[unit_id]


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


@dataclass(frozen=True)
class Profiles:
    """Several gminas' profiles read together in one year, with what computing more from them
    needs (a partnership's diagnosis: each member against its groups, and the whole area)."""

    profiles: list[Profile]  # the gminas asked for, in that order
    unknown: list[str]  # codes asked for that are no gmina (a powiat, a code not in the register)
    indicators: list[IndicatorVersion]
    formulas: list[compute.Formula]
    year: int | None
    data: readings.Data  # every gmina's values of the formulas' variables in the year
    members: dict[int, list[int]]  # group id -> its gminas' ids in the year
    values: list[dict[int, float]]  # per indicator (in the order of `indicators`): each gmina's value


def unit_profile(code: str, year: object = None, locale: str = "pl") -> Profile:
    """A gmina's profile: 10 statements at most (the units, the indicators, the gmina's values,
    its groups, every gmina, the variables' ids, their values in the year, a programme's towns,
    lists' members, the revision notes with the comments)."""
    found = unit_profiles([code], year, locale)
    if not found.profiles:
        raise NotAvailable()
    return found.profiles[0]


@readings.no_cycle_collection
def unit_profiles(codes: Sequence[str], year: object = None, locale: str = "pl",
                  units: Sequence[TerritorialUnit] | None = None, marks: bool = True) -> Profiles:
    """The profiles of several gminas in ONE year (the year asked for if any of them has data
    for it, else the newest), in the same statements as one gmina's, however many. A caller
    that has read the `units` already passes them (one statement fewer; the profiles then
    name no powiat or voivodeship). With `marks` (the public pages) a tenth statement reads the
    revision notes and comments shown beside the values."""
    wanted = list(dict.fromkeys(codes))
    if units is None:
        found = readings.units_by_code([*wanted, *(c[:4] for c in wanted), *(c[:2] for c in wanted)])
    else:
        found = {u.code: u for u in units}
    units = [found[c] for c in wanted if c in found and found[c].level is UnitLevel.GMINA]
    unknown = [c for c in wanted if c not in found or found[c].level is not UnitLevel.GMINA]
    if not units:
        return Profiles([], unknown, [], [], None, {}, {}, [])
    indicators = readings.current_indicators()
    by_code = {v.indicator.code: v for v in indicators}
    formulas = [readings.formula(v) for v in indicators]
    series_of = units_series([u.id for u in units], formulas)
    computed: dict[int, dict[int, list[float | None]]] = {}
    own_years: dict[int, list[int]] = {}
    for u in units:
        own = series_of[u.id]
        years = sorted({y for _c, y in own}, reverse=True)
        computed[u.id] = {y: [f.evaluator(y)(own) for f in formulas] for y in years}
        own_years[u.id] = [y for y in years if any(v is not None for v in computed[u.id][y])]
    chosen = choose_year(sorted({y for ys in own_years.values() for y in ys}, reverse=True), year)
    candidates = groups.containing_any(units)
    gminas = readings.gminas()
    data = readings.values(formulas, [chosen]) if chosen is not None else {}
    members = groups.members(candidates, chosen or 0, gminas, data, by_code) if chosen is not None else {}
    in_year = ([{uid: v for uid, d in data.items() if (v := f.evaluator(chosen)(d)) is not None}
                for f in formulas] if chosen is not None else [])
    marked = marks and chosen is not None
    notes, said = quality.notes_and_comments(
        {v for f in formulas for v in f.variables}, quality.years_needed(formulas, chosen or 0),
        [v.indicator_id for v in indicators], chosen or 0, [u.id for u in units]) if marked else ({}, {})
    out = []
    for unit in units:
        years = own_years[unit.id]
        mine = [g for g in candidates if unit.id in members.get(g.id, ())]
        rows = []
        for n, version in enumerate(indicators):
            series = [(y, v) for y in sorted(years) if (v := computed[unit.id][y][n]) is not None]
            places = ({g.id: place_of(unit.id, members[g.id], in_year[n]) for g in mine}
                      if chosen is not None else {})
            value = computed[unit.id][chosen][n] if chosen in computed[unit.id] else None
            rows.append(ProfileRow(version, version.indicator.code, value, series, charts.trend(series),
                                   places, charts.formatter(version.decimals, locale),
                                   quality.mark(unit.id, version.indicator_id, formulas[n], chosen or 0,
                                                notes, said) if marked else quality.NO_MARK))
        out.append(Profile(unit=unit, powiat=found.get(unit.code[:4]), voivodeship=found.get(unit.code[:2]),
                           years=years, year=chosen, rows=rows, groups=mine,
                           sizes={g.id: len(members.get(g.id, ())) for g in mine}))
    return Profiles(out, unknown, indicators, formulas, chosen, data, members, in_year)


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

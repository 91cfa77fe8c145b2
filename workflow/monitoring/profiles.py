"""A gmina's profile (every indicator: its value, its trend over the years, its place in each
of the gmina's groups) and the comparison of up to ten gminas side by side, each read in a
fixed number of statements (docs/decisions/0032). Reused by the open API.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

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
from workflow.monitoring import cache, charts, compute, groups, quality, readings
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
            _series_query(), {"units": sorted(set(unit_ids)), "codes": codes}):
        out[unit_id][(code, year)] = value
    return out


@functools.cache
def _series_query() -> sa.Select[tuple[int, str, int, float]]:
    """units_series()' statement, built once (every profile reads it)."""
    return (sa.select(VariableValue.unit_id, Variable.code, VariableValue.year, VariableValue.value)
            .join(Variable, Variable.id == VariableValue.variable_id)
            .where(VariableValue.unit_id.in_(sa.bindparam("units", expanding=True)),
                   Variable.code.in_(sa.bindparam("codes", expanding=True)),
                   VariableValue.status != readings.PROVISIONAL))


def unit_series(unit_id: int, formulas: Sequence[compute.Formula]) -> dict[tuple[str, int], float]:
    """Every published value of the formulas' variables for one unit, all years (one statement)."""
    return units_series([unit_id], formulas)[unit_id]


@dataclass(frozen=True)
class Place:
    rank: int | None
    count: int  # members with a value
    members: int
    outlier: float | None = None  # MADs from the group's median, when the unit is an outlier in it


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
    key: tuple[object, ...] | None = None  # its tables' key in the cache (None: not kept)


class YearTable:
    """Every current indicator's value for every gmina in a year, and, as profiles ask for
    them, groups' members and each group's values in order with their median and MAD: what
    places in groups and outliers are counted from, cached per data version (decision 0041).
    Filled, never changed (a programme's group is never kept: its members follow the
    applications, which the data's version does not see)."""

    def __init__(self, units: dict[int, readings.Gmina], data: readings.Data,
                 values: dict[int, dict[int, float]]) -> None:
        self.units = units
        self.data = data
        self.values = values  # indicator version id -> unit id -> value
        self.members_kept: dict[tuple[int, str, str], tuple[list[int], frozenset[int]]] = {}
        self.ordered: dict[tuple[int, int, str, str], tuple[list[float], quality.Spread | None]] = {}

    @staticmethod
    def group_key(group: UnitGroup) -> tuple[int, str, str]:
        return (group.id, group.code, json.dumps(group.definition, sort_keys=True))

    def members(self, candidates: Sequence[UnitGroup], year: int,
                by_code: dict[str, IndicatorVersion]) -> dict[int, tuple[list[int], frozenset[int]]]:
        """The groups' members in the year (group id -> ids, and the same as a set): those not
        kept yet are read (a programme's towns, a list's members: a statement each) and kept."""
        keys = {g.id: self.group_key(g) for g in candidates}
        missing = [g for g in candidates
                   if g.kind is GroupKind.PROGRAMME or keys[g.id] not in self.members_kept]
        out: dict[int, tuple[list[int], frozenset[int]]] = {}
        if missing:
            for gid, ids in groups.members(missing, year, self.units, self.data, by_code).items():
                out[gid] = (ids, frozenset(ids))
            for g in missing:
                if g.kind is not GroupKind.PROGRAMME:
                    self.members_kept[keys[g.id]] = out[g.id]
        for g in candidates:
            if g.id not in out:
                out[g.id] = self.members_kept[keys[g.id]]
        return out

    def place(self, version_id: int, unit_id: int, group: UnitGroup, member_ids: Sequence[int]) -> Place:
        """A unit's place among the members (1 + the members with a higher value, as
        distribution.rank counts it) and how far it lies from them when it is an outlier
        (quality.Spread, the one rule), without ranking them all."""
        values = self.values[version_id]
        key = (version_id, *self.group_key(group))
        found = self.ordered.get(key) if group.kind is not GroupKind.PROGRAMME else None
        if found is None:
            ordered = sorted(v for i in member_ids if (v := values.get(i)) is not None)
            found = (ordered, quality.Spread.of(ordered))
            if group.kind is not GroupKind.PROGRAMME:
                self.ordered[key] = found
        ordered, spread = found
        mine = values.get(unit_id)
        if mine is None:
            return Place(None, len(ordered), len(member_ids))
        return Place(len(ordered) - bisect.bisect_right(ordered, mine) + 1, len(ordered), len(member_ids),
                     spread.deviations(mine) if spread is not None else None)


class Own(NamedTuple):
    """A gmina's own indicators over the years (kept per data version, decision 0041): each
    year's values (in the order of the indicators), the years with any value (newest first),
    and each indicator's series (oldest first) with its trend line."""

    computed: dict[int, list[float | None]]
    years: list[int]
    series: list[list[tuple[int, float]]]
    trends: list[charts.Trend | None]


def _own(values: dict[tuple[str, int], float], formulas: Sequence[compute.Formula]) -> Own:
    years = sorted({y for _c, y in values}, reverse=True)
    computed = {y: [f.evaluator(y)(values) for f in formulas] for y in years}
    with_values = [y for y in years if any(v is not None for v in computed[y])]
    oldest_first = sorted(with_values)
    series = [[(y, v) for y in oldest_first if (v := computed[y][n]) is not None]
              for n in range(len(formulas))]
    return Own(computed, with_values, series, [charts.trend(s) for s in series])


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


@dataclass(frozen=True)
class Profiles:
    """Several gminas' profiles read together in one year, with what computing more from them
    needs (a partnership's diagnosis: each member against its groups, and the whole area).
    Shared with the cache when it is used: never change `data`, `members` or `values`."""

    profiles: list[Profile]  # the gminas asked for, in that order
    unknown: list[str]  # codes asked for that are no gmina (a powiat, a code not in the register)
    indicators: list[IndicatorVersion]
    formulas: list[compute.Formula]
    year: int | None
    data: readings.Data  # every gmina's values of the formulas' variables in the year
    members: dict[int, list[int]]  # group id -> its gminas' ids in the year
    values: list[dict[int, float]]  # per indicator (in the order of `indicators`): each gmina's value


def unit_profile(code: str, year: object = None, locale: str = "pl") -> Profile:
    """A gmina's profile: 4 statements when its figures are kept (the units, the data's version,
    the gmina's groups, the revision notes with the comments; 5 with a programme's group;
    decisions 0041 and 0045), 9–10 when they are computed (the gmina's values, the indicators,
    every gmina, the variables' ids, their values in the year, a programme's towns, lists'
    members)."""
    found = unit_profiles([code], year, locale)
    if not found.profiles:
        raise NotAvailable()
    return found.profiles[0]


@readings.no_cycle_collection
def unit_profiles(codes: Sequence[str], year: object = None, locale: str = "pl",
                  units: Sequence[TerritorialUnit] | None = None, marks: bool = True,
                  cached: bool = True) -> Profiles:
    """The profiles of several gminas in ONE year (the year asked for if any of them has data
    for it, else the newest), in the same statements as one gmina's, however many. A caller
    that has read the `units` already passes them (one statement fewer; the profiles then
    name no powiat or voivodeship). With `marks` (the public pages) one more statement reads
    the revision notes and comments shown beside the values (never cached). `cached`: every
    gmina's values in the year, the groups' members and their order are kept per data version
    (decision 0041: one statement for the version, and three fewer when kept), and so are the
    current indicators and each gmina's own values over the years with its trends (decision
    0045: two fewer); without it they are read as they are (the diagnosis, pinned at its
    statements)."""
    wanted = list(dict.fromkeys(codes))
    if units is None:
        found = readings.units_by_code([*wanted, *(c[:4] for c in wanted), *(c[:2] for c in wanted)])
    else:
        found = {u.code: u for u in units}
    units = [found[c] for c in wanted if c in found and found[c].level is UnitLevel.GMINA]
    unknown = [c for c in wanted if c not in found or found[c].level is not UnitLevel.GMINA]
    if not units:
        return Profiles([], unknown, [], [], None, {}, {}, [])
    stamp = cache.stamp() if cached else None
    indicators = readings.current_indicators_at(stamp) if stamp is not None else readings.current_indicators()
    by_code = {v.indicator.code: v for v in indicators}
    formulas = [readings.formula(v) for v in indicators]
    versions = tuple(v.id for v in indicators)
    kept = {u.id: found_ for u in units
            if stamp is not None and (found_ := cache.peek(("unit", stamp, u.id, versions))) is not None}
    missing = [u.id for u in units if u.id not in kept]
    series_of = units_series(missing, formulas) if missing else {}
    for unit_id in missing:
        kept[unit_id] = _own(series_of[unit_id], formulas)
        if stamp is not None:
            cache.put(("unit", stamp, unit_id, versions), kept[unit_id], 0.05)
    own_years = {u.id: kept[u.id].years for u in units}
    chosen = choose_year(sorted({y for ys in own_years.values() for y in ys}, reverse=True), year)
    candidates = groups.containing_any(units)
    table: YearTable | None = None
    members: dict[int, tuple[list[int], frozenset[int]]] = {}
    if chosen is not None:
        in_chosen = chosen
        if stamp is not None:
            table = cache.cached(("year", stamp, chosen, versions),
                                 lambda: year_table(indicators, formulas, in_chosen),
                                 lambda t: 1 + sum(len(d) for d in t.data.values()) // 1000)
        else:
            table = year_table(indicators, formulas, chosen)
        members = table.members(candidates, chosen, by_code)
    in_year = [table.values[v.id] for v in indicators] if table is not None else []
    marked = marks and chosen is not None
    notes, said = quality.notes_and_comments(
        {v for f in formulas for v in f.variables}, quality.years_needed(formulas, chosen or 0),
        [v.indicator_id for v in indicators], chosen or 0, [u.id for u in units]) if marked else ({}, {})
    out = []
    for unit in units:
        own = kept[unit.id]
        mine = [g for g in candidates if g.id in members and unit.id in members[g.id][1]]
        rows = []
        for n, version in enumerate(indicators):
            places = ({g.id: table.place(version.id, unit.id, g, members[g.id][0]) for g in mine}
                      if table is not None else {})
            value = own.computed[chosen][n] if chosen in own.computed else None
            rows.append(ProfileRow(version, version.indicator.code, value, own.series[n], own.trends[n],
                                   places, charts.formatter(version.decimals, locale),
                                   quality.mark(unit.id, version.indicator_id, formulas[n], chosen or 0,
                                                notes, said) if marked else quality.NO_MARK))
        key = None
        if stamp is not None and all(g.kind is not GroupKind.PROGRAMME for g in mine):
            key = ("profile", stamp, unit.id, chosen, versions, tuple(YearTable.group_key(g) for g in mine),
                   locale)
        out.append(Profile(unit=unit, powiat=found.get(unit.code[:4]), voivodeship=found.get(unit.code[:2]),
                           years=own.years, year=chosen, rows=rows, groups=mine,
                           sizes={g.id: len(members[g.id][0]) for g in mine}, key=key))
    return Profiles(out, unknown, indicators, formulas, chosen, table.data if table is not None else {},
                    {gid: ids for gid, (ids, _s) in members.items()}, in_year)


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
    units: list[readings.Gmina]
    unknown: list[str]  # codes asked for that are no gmina
    years: list[int]
    year: int | None
    rows: list[Compared]
    key: tuple[object, ...] | None = None  # its written parts' key in the cache (decision 0045)

    def marks(self) -> list[quality.Mark]:
        """The marks beside the values shown (not "–"), row by row: the places a kept table
        leaves for them (views/indicators.with_marks)."""
        return [r.marks[i] for r in self.rows for i, v in enumerate(r.values) if v is not None]


class _Compared(NamedTuple):
    """A comparison's figures, kept per version of the data, gminas, year and language."""

    rows: list[Compared]  # without their marks (read on every request, decision 0039)
    variables: frozenset[str]  # the formulas' variables
    years: frozenset[int]  # the years the formulas read
    formulas: list[compute.Formula]


@readings.no_cycle_collection
def comparison(codes: Sequence[str], year: object = None, locale: str = "pl") -> Comparison:
    """Up to COMPARE_MAX gminas side by side, every indicator in a year: 2 statements when its
    figures are kept (the data's version and the revision notes with the comments, which are
    never kept; decisions 0041, 0045 and 0048), 8 when nothing is kept (+ the gminas, the
    variables' ids, the indicators, the years, the gminas' values)."""
    wanted = list(dict.fromkeys(c.strip() for c in codes if c.strip()))[:COMPARE_MAX]
    stamp = cache.stamp()
    register = readings.register_at(stamp) if wanted else None
    units = [register.units[register.id_of[c]] for c in wanted if c in register.id_of] if register else []
    unknown = [c for c in wanted if register is None or c not in register.id_of]
    indicators = readings.current_indicators_at(stamp)
    by_code = {v.indicator.code: v for v in indicators}
    anchor = by_code.get(groups.POPULATION_INDICATOR) or (indicators[0] if indicators else None)
    years = readings.years_at(stamp, anchor) if anchor is not None and units else []
    chosen = choose_year(years, year)
    ids = [u.id for u in units]
    key = ("comparison", stamp, tuple(ids), chosen, tuple(v.id for v in indicators), locale)
    figures = cache.cached(key, lambda: _compared(indicators, units, chosen, register, locale),
                           lambda _f: 0.05)
    rows = figures.rows
    if chosen is not None:
        notes, said = quality.notes_and_comments(figures.variables, figures.years,
                                                 [v.indicator_id for v in indicators], chosen, ids)
        if notes or said:
            rows = [dataclasses.replace(r, marks=[quality.mark(u.id, r.version.indicator_id, f, chosen, notes,
                                                               said) for u in units])
                    for r, f in zip(rows, figures.formulas, strict=True)]
    return Comparison(units=units, unknown=unknown, years=years, year=chosen, rows=rows, key=key)


def _compared(indicators: Sequence[IndicatorVersion], units: Sequence[readings.Gmina], chosen: int | None,
              register: readings.Register | None, locale: str) -> _Compared:
    """The gminas' values in the year (one statement) with their bars; no mark beside them."""
    formulas = [readings.formula(v) for v in indicators]
    data = readings.values(formulas, [chosen], [u.id for u in units], ids=register.ids) \
        if chosen is not None and units and register is not None else {}
    rows = []
    for version, f in zip(indicators, formulas, strict=True):
        fmt = charts.formatter(version.decimals, locale)
        evaluate = f.evaluator(chosen or 0)
        values = [evaluate(data.get(u.id, {})) if chosen is not None else None for u in units]
        rows.append(Compared(version, version.indicator.code, values,
                             charts.bars([(u.name, v, fmt(v)) for u, v in zip(units, values, strict=True)]),
                             fmt, [quality.NO_MARK] * len(units)))
    return _Compared(rows, frozenset(v for f in formulas for v in f.variables),
                     frozenset(quality.years_needed(formulas, chosen)) if chosen is not None else frozenset(),
                     formulas)


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

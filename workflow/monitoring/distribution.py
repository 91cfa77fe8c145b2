"""An indicator's distribution within a group (the indicator page) and a group's figures for
every indicator (the group page), each read in a fixed number of statements whatever the
number of gminas or groups (docs/decisions/0032). Reused by the open API.

A unit's place ("rank") in a group is its position among the members that have a value, the
highest value first (competition ranking: equal values share a place). Whether high is good is
the indicator's polarity, which the pages state beside it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from flask_babel import gettext as _

from workflow.models import GroupKind, IndicatorVersion, UnitGroup, UnitGroupMember
from workflow.monitoring import cache, charts, compute, groups, maps, quality, readings


class NotAvailable(groups.GroupRefused):
    status = 404


class Ranked(NamedTuple):
    unit: readings.Gmina
    value: float | None
    rank: int | None  # 1: the highest value among the members that have one


def rank(units: Sequence[readings.Gmina], values: Mapping[int, float]) -> list[Ranked]:
    """The units with their values and places, in the order of the units."""
    ordered = sorted((values[u.id] for u in units if u.id in values), reverse=True)
    place: dict[float, int] = {}
    for n, value in enumerate(ordered, start=1):
        place.setdefault(value, n)
    return [Ranked(u, values.get(u.id), place.get(values[u.id]) if u.id in values else None) for u in units]


def choose_year(years: Sequence[int], asked: object) -> int | None:
    """The year asked for if there are data for it, else the newest (None: no data at all)."""
    try:
        wanted = int(str(asked))
    except ValueError:
        wanted = None
    if wanted in years:
        return wanted
    return years[0] if years else None


def measure_unit(version: IndicatorVersion, locale: str) -> str:
    return version.measure_unit_en if locale.startswith("en") else version.measure_unit_pl


def name(version: IndicatorVersion, locale: str) -> str:
    return version.name_en if locale.startswith("en") else version.name_pl


# --- the indicator page -------------------------------------------------------------------------

@dataclass(frozen=True)
class IndicatorPage:
    version: IndicatorVersion
    code: str
    indicators: list[IndicatorVersion]
    years: list[int]
    year: int | None
    group: groups.Choice
    choices: list[groups.Choice]
    by_kind: dict[str, list[groups.Choice]]  # the choices by their kind's value
    rows: list[Ranked]  # the group's members, by TERYT code
    ordered: list[Ranked]  # the same by place, then code (the table's default order)
    aggregate: compute.Aggregate | None
    histogram: charts.Histogram | None
    classes: list[charts.ColourClass]
    map: maps.Map | None
    region: str  # PL or a voivodeship's code
    regions: list[tuple[str, str]]  # (code, name) of the voivodeships, for the map's choice
    fmt: charts.Formatter
    key: tuple[object, ...] | None = None  # the figures' key in the cache (None: not cached)
    marks: Mapping[int, quality.Mark] = field(default_factory=dict)  # unit id -> outlier, revision, comments
    outliers: Mapping[int, float] = field(default_factory=dict)  # unit id -> MADs: the outlying members


class Computed(NamedTuple):
    """What an indicator page computes from the whole register (cached, decision 0041)."""

    rows: list[Ranked]  # the group's members, by TERYT code
    ordered: list[Ranked]  # the same, in the table's default order (place, then code)
    aggregate: compute.Aggregate | None
    histogram: charts.Histogram | None
    classes: list[charts.ColourClass]
    map: maps.Map | None
    values: dict[int, float]  # unit id -> the indicator's value (every gmina with one)
    member_ids: list[int]
    spread: quality.Spread | None  # the members' median and MAD: the outliers' rule
    outliers: dict[int, float]  # unit id -> MADs from the members' median, of the members that are outliers
    members: frozenset[int]  # member_ids as a set


@readings.no_cycle_collection
def indicator_page(code: str, year: object = None, group_code: str | None = None,
                   region: str | None = None, locale: str = "pl", with_map: bool = True,
                   with_marks: bool = True) -> IndicatorPage:
    """An indicator within a group in a year, with the map of Poland or of one voivodeship:
    1 statement when its figures are cached (the data's version; the choice of groups is kept
    with them, decisions 0041, 0045 and 0049), 8 (9 for a programme's group or a list) when they
    are computed,
    whatever the number of gminas, and one for the marks beside the values (`with_marks`:
    revision notes and comments, read on every request; the outliers are kept with the figures)."""
    stamp = cache.stamp()
    indicators = readings.current_indicators_at(stamp)
    by_code = {v.indicator.code: v for v in indicators}
    version = by_code.get(code)
    if version is None:
        raise NotAvailable()
    years = readings.years_at(stamp, version)
    chosen_year = choose_year(years, year)
    choosing = _choosing(stamp, group_code or groups.ALL, locale)
    if choosing is None:
        raise NotAvailable()
    group, choices, by_kind, regions, voivodeships = choosing
    where = _region(group, region, voivodeships)

    def build() -> Computed:
        return _computed(version, by_code, chosen_year, group, where, locale, with_map)

    key: tuple[object, ...] | None = None
    if group.kind is GroupKind.PROGRAMME:  # its members follow the applications: not cached
        found = build()
    else:
        key = ("indicator", stamp, version.id, chosen_year, group.id, group.code,
               json.dumps(group.definition, sort_keys=True), where, locale, with_map)
        found = cache.cached(key, build, lambda c: 1 + (len(c.map.shapes) // 100_000 if c.map else 0))
    return IndicatorPage(version=version, code=code, indicators=indicators, years=years,
                         year=chosen_year, group=group, choices=choices, by_kind=by_kind, rows=found.rows,
                         ordered=found.ordered, aggregate=found.aggregate, histogram=found.histogram,
                         classes=found.classes, map=found.map, region=where, regions=regions,
                         fmt=charts.formatter(version.decimals, locale), key=key,
                         marks=quality.page_marks(version.indicator_id, readings.formula(version),
                                                  chosen_year, found.values, found.member_ids,
                                                  outliers=found.outliers, members=found.members)
                         if with_marks else {}, outliers=found.outliers)


class Choosing(NamedTuple):
    """The group shown and the page's choice of groups, kept per data version (decision 0049)."""

    group: groups.Choice
    choices: list[groups.Choice]
    by_kind: dict[str, list[groups.Choice]]  # the choices by their kind's value
    regions: list[tuple[str, str]]  # (code, name) of the voivodeships, for the map's choice
    voivodeships: frozenset[str]  # their codes


def _choosing(stamp: tuple[object, ...], code: str, locale: str) -> Choosing | None:
    """The group `code` among the choice of groups (groups.choices_at), with the choice by kind
    and the voivodeships named in `locale`; kept per version, group and language (none kept for
    a code that names no group). Shared: never change it."""
    key = ("choosing", stamp, code, locale)
    found: Choosing | None = cache.peek(key)
    if found is not None:
        return found
    choices = groups.choices_at(stamp, extra=code)
    group = next((g for g in choices if g.code == code), None)
    if group is None:
        return None
    by_kind: dict[str, list[groups.Choice]] = {}
    for g in choices:
        by_kind.setdefault(g.kind.value, []).append(g)
    regions = sorted(((g.definition["within"], g.name(locale)) for g in choices
                      if g.kind is GroupKind.ADMINISTRATIVE and len(g.definition["within"]) == 2),
                     key=lambda r: r[0])
    found = Choosing(group, choices, by_kind, regions, frozenset(c for c, _n in regions))
    cache.put(key, found, 0.02)
    return found


def _computed(version: IndicatorVersion, by_code: Mapping[str, IndicatorVersion], chosen_year: int | None,
              group: groups.Choice, where: str, locale: str, with_map: bool) -> Computed:
    """The indicator's values for the group's members in the year, their places, the group's
    figures, histogram, colour classes and map: 2 statements (3 for a list), 1 more with the map."""
    units = readings.gminas()
    formula = readings.formula(version)
    extra = groups.population_formula([group], by_code)
    data = readings.values([formula, *([extra] if extra else [])], [chosen_year]) \
        if chosen_year is not None else {}
    member_ids = groups.members([group], chosen_year or 0, units, data, by_code)[group.id]
    evaluate = formula.evaluator(chosen_year or 0)
    values = {uid: v for uid, d in data.items() if (v := evaluate(d)) is not None}
    members = [units[i] for i in member_ids]
    rows = rank(members, values)
    ordered = sorted(rows, key=lambda r: (r.rank is None, r.rank or 0, r.unit.code))
    present = [values[u.id] for u in members if u.id in values]
    aggregate = compute.aggregate(formula, data, chosen_year, member_ids) if chosen_year is not None else None
    fmt = charts.formatter(version.decimals, locale)
    classes = charts.colour_classes(present)
    drawn = None
    if with_map:
        unit_word, no_data, outside = measure_unit(version, locale), _("brak danych"), _("poza grupą")
        styles: dict[str, tuple[str, str]] = {}
        for r in rows:
            if r.value is None:
                styles[r.unit.code] = ("m0", f"{r.unit.name}: {no_data}")
            else:
                styles[r.unit.code] = (f"m{charts.classify(classes, r.value)}",
                                       f"{r.unit.name}: {fmt(r.value)} {unit_word}")
        names = {u.code: u.name for u in units.values()}
        drawn = maps.compose(where, maps.boundaries(where), styles,
                             lambda code: f"{names.get(code, code)}: {outside}")
    spread = quality.Spread.of(present)
    return Computed(rows=rows, ordered=ordered, aggregate=aggregate, histogram=charts.histogram(present),
                    classes=classes, map=drawn, values=values, member_ids=list(member_ids), spread=spread,
                    outliers=quality.group_outliers(values, member_ids, spread),
                    members=frozenset(member_ids))


def _region(group: groups.Choice, asked: str | None, voivodeships: frozenset[str]) -> str:
    """The map's region: the one asked for, else the group's voivodeship, else Poland."""
    if asked == maps.PL or asked in voivodeships:
        return str(asked)
    if group.kind is GroupKind.ADMINISTRATIVE and group.definition["within"][:2] in voivodeships:
        return str(group.definition["within"][:2])
    return maps.PL


# --- the group page -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Member:
    unit: readings.Gmina
    population: float | None
    position: int | None = None  # a list's order, a similar group's rank (0: its anchor)
    distance: float | None = None


@dataclass(frozen=True)
class Figures:
    version: IndicatorVersion
    aggregate: compute.Aggregate
    fmt: charts.Formatter


@dataclass(frozen=True)
class GroupPage:
    group: UnitGroup
    years: list[int]
    year: int | None
    members: list[Member]
    figures: list[Figures]
    key: tuple[object, ...] | None = None  # the figures' key in the cache (None: not cached)


SMALL_GROUP = 400  # members up to which a page reads the values of the members only


class GroupFigures(NamedTuple):
    """What a group's page computes from the register in a year (cached, decision 0041): its
    members and each indicator's aggregate, by indicator version id."""

    members: list[Member]
    aggregates: dict[int, compute.Aggregate]


@readings.no_cycle_collection
def group_page(code: str, year: object = None, locale: str = "pl") -> GroupPage:
    """A group's members and its figures for every indicator in a year: 2 statements when they
    are cached (the group, the data's version; decisions 0041 and 0045; a programme's group
    never is), 7 (8 for a population class or a programme's group) when they are computed,
    whatever the number of gminas."""
    group = groups.get(code)
    if group is None:
        raise NotAvailable()
    stamp = cache.stamp()
    indicators = readings.current_indicators_at(stamp)
    by_code = {v.indicator.code: v for v in indicators}
    anchor = by_code.get(groups.POPULATION_INDICATOR) or (indicators[0] if indicators else None)
    years = readings.years_at(stamp, anchor) \
        if anchor is not None else []
    chosen_year = choose_year(years, year)

    def build() -> GroupFigures:
        return _group_figures(group, indicators, chosen_year)

    key: tuple[object, ...] | None = None
    if group.kind is GroupKind.PROGRAMME:  # its members follow the applications: not cached
        found = build()
    else:
        key = ("group", stamp, tuple(v.id for v in indicators), chosen_year, group.id, group.code,
               json.dumps(group.definition, sort_keys=True))
        found = cache.cached(key, build, lambda f: 1 + len(f.members) // 2000)
        key = (*key, locale)
    figures = [Figures(v, found.aggregates[v.id], charts.formatter(v.decimals, locale))
               for v in indicators] if chosen_year is not None else []
    return GroupPage(group=group, years=years, year=chosen_year, members=found.members, figures=figures,
                     key=key)


def _group_figures(group: UnitGroup, indicators: Sequence[IndicatorVersion],
                   chosen_year: int | None) -> GroupFigures:
    """The group's members in the year with their population, and every indicator's aggregate
    over them: 3 statements (4 for a population class or a programme's group)."""
    by_code = {v.indicator.code: v for v in indicators}
    population = by_code.get(groups.POPULATION_INDICATOR)
    units = readings.gminas()
    formulas = [readings.formula(v) for v in indicators]
    stored: list[UnitGroupMember] = []
    ids = readings.variable_ids()
    if group.kind in (GroupKind.LIST, GroupKind.SIMILAR):
        stored = groups.stored_members(group)
        member_ids = [m.unit_id for m in stored if m.unit_id in units]
    else:
        extra = groups.population_formula([group], by_code)
        first = readings.values([extra], [chosen_year], ids=ids) \
            if extra and chosen_year is not None else None
        member_ids = groups.members([group], chosen_year or 0, units, first, by_code)[group.id]
    data: readings.Data = {}
    if chosen_year is not None and member_ids:
        data = readings.values(formulas, [chosen_year],
                               member_ids if len(member_ids) <= SMALL_GROUP else None, ids=ids)
    people = readings.formula(population).evaluator(chosen_year or 0) if population else None
    place = {m.unit_id: m for m in stored}
    members = [Member(units[i], people(data.get(i, {})) if people else None,
                      place[i].position if i in place else None,
                      place[i].distance if i in place else None) for i in member_ids]
    aggregates = {v.id: compute.aggregate(f, data, chosen_year, member_ids)
                  for v, f in zip(indicators, formulas, strict=True)} if chosen_year is not None else {}
    return GroupFigures(members, aggregates)

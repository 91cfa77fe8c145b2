"""Indicator values and group aggregates, computed on reading (compute.py, the one algorithm)
and served in keyset pages with a fixed number of statements, whatever the data's size.

A values request names a set of POSITIONS, ordered: indicator code, year, unit code. The
indicators are those asked for (each in its latest version, or the version asked for), the
years those asked for in which the indicator's variables have values, the units those of the
scope (level, codes, group) in the register. A page starts after the position its `after`
cursor names ("ludnosc:2019:1261011") and holds the next `limit` positions that have a value
(a unit without the variables it needs has none); its `next` cursor is the last position it
looked at. Positions are keys, not offsets: a page never shifts when units or values are added.

The statements of a page: the units of the scope, the indicators' versions, the years the
variables have (index probes on variable_value's primary key, never a scan; only for the
indicators the page may reach from its cursor on, so a page of 5,000 probes a few indicators
of 200, not all), and the values of the variables the page's positions need (read for `limit`
positions plus at most `limit` more, so that a page with gaps still fills up). Four
statements, for 10 units or 2,477, for 10 indicators or 200.

Aggregates are the same over positions (indicator, year, group): every position is an item
(a group with no contributing unit has count 0 and no value), and a page covers at most
AGGREGATE_SLICES indicator-years, each needing the variables of every member of every group.
"""

from __future__ import annotations

import bisect
import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import url_for
from sqlalchemy import ColumnElement

from workflow.api.catalogue import indicator_versions
from workflow.api.groups import Group
from workflow.extensions import db
from workflow.models import IndicatorVersion, TerritorialUnit, ValueStatus, Variable, VariableValue
from workflow.monitoring import compute, quality

MIN_YEAR = 1990  # the first year probed for values (the Local Data Bank starts in 1995)
END_YEAR, END_KEY = 9999, "9999999"  # a cursor after every position of an indicator
AGGREGATE_SLICES = 10  # indicator-years per page of aggregates (each reads every member's values)
MAX_CELLS = 250_000  # the largest JSON-stat cube answered at once (the whole BDL base is 247,700)
STATUS_ORDER = (ValueStatus.PROVISIONAL.value, ValueStatus.CORRECTED.value)
FINAL = ValueStatus.FINAL.value
CORRECTED = ValueStatus.CORRECTED.value
PROVISIONAL = ValueStatus.PROVISIONAL.value


def max_year() -> int:
    return datetime.date.today().year + 1


@dataclass(frozen=True)
class Definition:
    """An indicator in the version a request uses."""

    code: str
    row: IndicatorVersion
    formula: compute.Formula

    @property
    def version(self) -> int:
        return self.row.version


def definitions(codes: Sequence[str] | None, version: int | None = None,
                ) -> tuple[list[Definition], list[str]]:
    """The indicators of `codes` (every one when None), ordered by code, each in its latest
    version or in `version`; and the codes that name no indicator (or not that version)."""
    found = indicator_versions(codes)
    out: list[Definition] = []
    for code, versions in sorted(found.items()):
        chosen = (versions[-1] if version is None
                  else next((v for v in versions if v.version == version), None))
        if chosen is not None:
            out.append(Definition(code, chosen, compute.Formula.from_json(chosen.formula)))
    have = {d.code for d in out}
    return out, [c for c in dict.fromkeys(codes or ()) if c not in have]


@dataclass(frozen=True)
class Available:
    """The (variable, year) pairs that have values, and the variables' ids by code."""

    pairs: set[tuple[str, int]]
    ids: dict[str, int]


def available(variables: Iterable[str]) -> Available:
    """(variable, year) for each year from MIN_YEAR to next year in which the variable has a
    value, and the variables' ids: one statement of index probes on variable_value's key
    (variable_id, year, …); a variable without values is listed with year None."""
    names = sorted(set(variables))
    if not names:
        return Available(set(), {})
    years = sa.select(sa.literal_column(str(MIN_YEAR), sa.Integer).label("year")).cte("years", recursive=True)
    years = years.union_all(sa.select((years.c.year + 1).label("year")).where(years.c.year < max_year()))
    query = (sa.select(Variable.code, Variable.id, years.c.year).select_from(Variable)
             .outerjoin(years, sa.exists().where(VariableValue.variable_id == Variable.id,
                                                 VariableValue.year == years.c.year))
             .where(Variable.code.in_(names)))
    out = Available(set(), {})
    for code, variable_id, year in _rows(query):
        out.ids[code] = variable_id
        if year is not None:
            out.pairs.add((code, year))
    return out


def years_of(definition: Definition, have: Available, wanted: set[int] | None) -> list[int]:
    """The years (of `wanted`, or all) in which every term of the formula has some value."""
    terms = (*definition.formula.numerator, *definition.formula.denominator)
    candidates = sorted({year for _v, year in have.pairs} if wanted is None else wanted)
    return [y for y in candidates if all((t.variable, t.year_for(y)) in have.pairs for t in terms)]


def scope_units(conditions: Sequence[ColumnElement[bool]]) -> list[tuple[str, str, str, str]]:
    """(code, name, level, kind) of the units matching `conditions`, by code."""
    return [tuple(row) for row in _rows(  # type: ignore[misc]
        sa.select(TerritorialUnit.code, TerritorialUnit.name, _text(TerritorialUnit.level),
                  _text(TerritorialUnit.kind)).where(*conditions).order_by(TerritorialUnit.code))]


def _text(column: Any) -> Any:
    """An enum column read as its plain text (no conversion per row: pages read thousands)."""
    return sa.type_coerce(column, sa.String)


def _rows(query: sa.Select[Any]) -> Any:
    """Rows of a query of columns, through the session's connection without the ORM's result
    processing (a few times faster for thousands of plain rows)."""
    return db.session.connection().execute(query)


@dataclass
class Inputs:
    """The variables' values read for a page: per unit code, (variable, year) -> value; and
    the inputs that are not final, (variable, year) -> status (most units have none)."""

    values: dict[str, dict[tuple[str, int], float]] = field(default_factory=dict)
    not_final: dict[str, dict[tuple[str, int], str]] = field(default_factory=dict)


def read_inputs(needed: set[tuple[str, int]], ids: dict[str, int],
                conditions: Sequence[ColumnElement[bool]], code_range: tuple[str, str] | None = None,
                ) -> Inputs:
    """The values of the (variable, year) pairs `needed`, for the units matching `conditions`
    (and within `code_range`): one statement. The variables are named by id, so that the
    database reads variable_value by its key (variable_id, year, unit_id), never the table."""
    out = Inputs()
    by_year: dict[int, set[int]] = {}
    for variable, year in needed:
        if variable in ids:
            by_year.setdefault(year, set()).add(ids[variable])
    if not by_year:
        return out
    code_of = {i: code for code, i in ids.items()}
    query = (sa.select(TerritorialUnit.code, VariableValue.variable_id, VariableValue.year,
                       VariableValue.value, _text(VariableValue.status))
             .join(TerritorialUnit, TerritorialUnit.id == VariableValue.unit_id)
             .where(*conditions)
             .where(sa.or_(*(sa.and_(VariableValue.variable_id.in_(_inline(sorted(variables))),
                                     VariableValue.year == _inline(year))
                             for year, variables in sorted(by_year.items())))))
    if code_range:
        query = query.where(TerritorialUnit.code.between(*code_range))
    values, not_final = out.values, out.not_final
    for unit, variable_id, year, value, status in _rows(query):
        if status == PROVISIONAL:
            continue  # not public until the analyst publishes its year (decisions 0037, 0039)
        key = (code_of[variable_id], year)
        found = values.get(unit)
        if found is None:
            found = values[unit] = {}
        found[key] = value
        if status != FINAL:
            not_final.setdefault(unit, {})[key] = status
    return out


def _inline(value: int | list[int]) -> Any:
    """Whole numbers written into the statement instead of bound. psycopg prepares a statement
    run five times, and PostgreSQL then tries a plan for any parameters; for this OR of (ids,
    year) pairs that plan scans variable_value (2.7 s instead of 25 ms, from the 11th request
    on). With the numbers in the text each statement is planned for what it asks."""
    return sa.bindparam(None, value, expanding=isinstance(value, list), literal_execute=True)


def pairs(formula: compute.Formula, year: int) -> set[tuple[str, int]]:
    return {(t.variable, t.year_for(year)) for t in (*formula.numerator, *formula.denominator)}


def combined_status(keys: set[tuple[str, int]], not_final: dict[tuple[str, int], str] | None) -> str:
    """A computed value is provisional when any of its inputs (`keys`) is, else corrected when
    any input was corrected, else final."""
    if not not_final:
        return FINAL
    found = {not_final[k] for k in keys if k in not_final}
    return next((s for s in STATUS_ORDER if s in found), FINAL)


# --- values --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ValueSlice:
    definitions: list[Definition]
    years: list[int]  # every year of any indicator's positions, ascending
    units: list[tuple[str, str]]  # (code, name) of the scope
    items: list[dict[str, Any]]
    after: str | None  # the cursor of the next page, when there is one

    @property
    def credits(self) -> list[dict[str, str]]:
        seen = dict.fromkeys((d.row.credit, d.row.licence) for d in self.definitions)
        return [{"credit": c, "licence": licence} for c, licence in seen]


def cursor(*parts: object) -> str:
    return ":".join(str(p) for p in parts)


class TooLarge(Exception):
    """A slice asked for at once is larger than allowed."""

    def __init__(self, cells: int) -> None:
        super().__init__(cells)
        self.cells = cells


def _reach(defs: list[Definition], after: tuple[str, int, str] | None, slices: int | None,
           ) -> tuple[list[Definition], bool]:
    """The indicators a page may reach: from the cursor's on, as many as give `slices`
    indicator-years if each has at least one (every one when None); and whether more follow.
    So a page probes the years of a few indicators, not of all 200."""
    start = 0 if after is None else bisect.bisect_left([d.code for d in defs], after[0])
    if slices is None:
        return defs[start:], False
    return defs[start:start + slices], start + slices < len(defs)


def _next(slices: list[tuple[str, int, Definition]], ids: list[str], last: tuple[int, int] | None,
          reach: list[Definition], beyond: bool) -> str | None:
    """The cursor after a page: its last position, unless that ended the indicators it reached
    and more follow (then after every position of the last one reached); None at the end."""
    ended = last is None or (last[0] == len(slices) - 1 and last[1] == len(ids) - 1)
    if not ended:
        assert last is not None
        return cursor(slices[last[0]][0], slices[last[0]][1], ids[last[1]])
    return cursor(reach[-1].code, END_YEAR, END_KEY) if beyond and reach else None


def values(defs: list[Definition], wanted_years: set[int] | None,
           conditions: Sequence[ColumnElement[bool]], after: tuple[str, int, str] | None,
           limit: int | None, max_cells: int | None = None) -> ValueSlice:
    """A page of `limit` values after the position `after` (every value when `limit` is None;
    TooLarge before any value is read when the cube indicators × years × units holds more than
    `max_cells`)."""
    units = [(code, name) for code, name, _l, _k in scope_units(conditions)]
    codes = [code for code, _name in units]
    budget = None if limit is None else limit + min(limit, len(codes))
    reach, beyond = _reach(defs, after, None if budget is None else -(-budget // max(len(codes), 1)) + 1)
    have = available(v for d in reach for v in d.formula.variables)
    slices = [(d.code, year, d) for d in reach for year in years_of(d, have, wanted_years)]
    if max_cells is not None:
        cells = len(defs) * len({year for _c, year, _d in slices}) * len(codes)
        if cells > max_cells:
            raise TooLarge(cells)
    keys = [(code, year) for code, year, _d in slices]
    s, i = 0, 0
    if after is not None:
        s = bisect.bisect_left(keys, after[:2])
        if s < len(keys) and keys[s] == after[:2]:
            i = bisect.bisect_right(codes, after[2])
        if i >= len(codes):
            s, i = s + 1, 0
    left = len(slices) * len(codes) if budget is None else budget
    window: list[tuple[int, int, int]] = []  # (slice, first unit, last unit + 1)
    while codes and s < len(slices) and left > 0:
        take = min(len(codes) - i, left)
        window.append((s, i, i + take))
        left -= take
        s, i = s + 1, 0
    needed = {p for k, _a, _b in window for p in pairs(slices[k][2].formula, slices[k][1])}
    code_range = (codes[window[0][1]], codes[window[0][2] - 1]) if len(window) == 1 else None
    inputs = read_inputs(needed, have.ids, conditions, code_range)
    names = dict(units)
    items: list[dict[str, Any]] = []
    last: tuple[int, int] | None = None
    empty: dict[tuple[str, int], float] = {}
    for k, first, end in window:
        code, year, definition = slices[k]
        inputs_of, parts_of = pairs(definition.formula, year), definition.formula.parts
        scale, version = definition.formula.scale, definition.version
        for j in range(first, end):
            last = (k, j)
            unit = codes[j]
            parts = parts_of(inputs.values.get(unit, empty), year)
            if parts is not None:
                items.append({"indicator": code, "version": version, "unit": unit,
                              "unit_name": names[unit], "year": year, "value": scale * parts[0] / parts[1],
                              "status": combined_status(inputs_of, inputs.not_final.get(unit))})
            if limit is not None and len(items) == limit:
                break
        else:
            continue
        break
    add_revisions(items, {d.code: d for d in reach})
    years = sorted({year for _c, year, _d in slices})
    return ValueSlice(defs, years, units, items, _next(slices, codes, last, reach, beyond))


def add_revisions(items: list[dict[str, Any]], by_code: dict[str, Definition]) -> None:
    """A corrected value's revision note (decision 0039): the latest correction of any of its
    inputs, what the input was, when and why, and the value's provenance page. One statement,
    only when the page holds a corrected value (corrections are few)."""
    corrected = [item for item in items if item["status"] == CORRECTED]
    if not corrected:
        return
    wanted = {(item["indicator"], item["year"]): pairs(by_code[item["indicator"]].formula, item["year"])
              for item in corrected}
    notes = quality.corrections({v for p in wanted.values() for v, _y in p},
                                {y for p in wanted.values() for _v, y in p})
    by_unit = {(n.unit_code, n.variable, n.year): n for n in notes.values()}
    for item in corrected:
        found = [n for v, y in sorted(wanted[(item["indicator"], item["year"])])
                 if (n := by_unit.get((item["unit"], v, y))) is not None]
        if not found:
            continue
        note = max(found, key=lambda n: n.at)
        item["revision"] = {
            "variable": note.variable, "year": note.year, "previous_value": note.previous, "note": note.note,
            "corrected_at": note.at.isoformat().replace("+00:00", "Z"),
            "provenance": url_for("indicators.value", code=item["unit"], indicator=item["indicator"],
                                  year=item["year"], _external=True)}


# --- aggregates ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class AggregateSlice:
    definitions: list[Definition]
    years: list[int]
    groups: list[Group]
    items: list[dict[str, Any]]
    after: str | None

    @property
    def credits(self) -> list[dict[str, str]]:
        seen = dict.fromkeys((d.row.credit, d.row.licence) for d in self.definitions)
        return [{"credit": c, "licence": licence} for c, licence in seen]


def aggregates(defs: list[Definition], wanted_years: set[int] | None, groups: list[Group],
               after: tuple[str, int, str] | None, limit: int | None,
               max_slices: int | None = None) -> AggregateSlice:
    """A page of the groups' aggregates after `after`: at most `limit` items and at most
    AGGREGATE_SLICES indicator-years (every aggregate of the request when `limit` is None;
    TooLarge when that is more than `max_slices` indicator-years)."""
    groups = sorted(groups, key=lambda g: g.id)
    ids = [g.id for g in groups]
    reach, beyond = _reach(defs, after, None if limit is None else
                           min(AGGREGATE_SLICES, -(-limit // max(len(ids), 1))) + 1)
    have = available(v for d in reach for v in d.formula.variables)
    slices = [(d.code, year, d) for d in reach for year in years_of(d, have, wanted_years)]
    if max_slices is not None and len(slices) > max_slices:
        raise TooLarge(len(slices))
    keys = [(code, year) for code, year, _d in slices]
    s, i = 0, 0
    if after is not None:
        s = bisect.bisect_left(keys, after[:2])
        if s < len(keys) and keys[s] == after[:2]:
            i = bisect.bisect_right(ids, after[2])
        if i >= len(ids):
            s, i = s + 1, 0
    positions: list[tuple[int, int]] = []
    covered = 0
    while ids and s < len(slices) and (limit is None
                                       or (len(positions) < limit and covered < AGGREGATE_SLICES)):
        room = len(ids) - i if limit is None else min(len(ids) - i, limit - len(positions))
        positions += [(s, j) for j in range(i, i + room)]
        covered += 1
        s, i = s + 1, 0
    conditions = [sa.or_(*(g.clause() for g in groups))] if groups else [sa.false()]
    needed = {p for k in {k for k, _j in positions} for p in pairs(slices[k][2].formula, slices[k][1])}
    members: dict[str, list[str]] = {g.id: [] for g in groups}
    if positions:
        for code, _name, level, kind in scope_units(conditions):
            for g in groups:
                if g.contains(code, level, kind):
                    members[g.id].append(code)
    inputs = read_inputs(needed, have.ids, conditions)
    items = []
    for k, j in positions:
        code, year, definition = slices[k]
        group = groups[j]
        result = compute.aggregate(definition.formula, inputs.values, year, members[group.id])
        items.append({"indicator": code, "version": definition.version, "group": group.id, "year": year,
                      "value": result.value, "count": result.count, "members": result.members,
                      "min": result.minimum, "q1": result.q1, "median": result.median, "q3": result.q3,
                      "max": result.maximum})
    last = positions[-1] if positions else None
    return AggregateSlice(defs, sorted({y for _c, y, _d in slices}), groups, items,
                          _next(slices, ids, last, reach, beyond))

"""What the indicator pages and the API read, each in ONE statement whatever the number of
units, indicators or groups (docs/decisions/0032): the gminas, the indicators' current
definitions, the years with data, and the values of the variables that formulas need.

Values come back per unit id as compute.UnitData ((variable code, year) -> value), ready for
compute.py's one algorithm; nothing here computes an indicator.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from workflow.collector import no_cycle_collection
from workflow.extensions import db
from workflow.models import (
    Indicator,
    IndicatorVersion,
    TerritorialUnit,
    UnitKind,
    UnitLevel,
    Variable,
    VariableValue,
)
from workflow.monitoring import cache, compute

Data = dict[int, dict[tuple[str, int], float]]  # unit id -> (variable, year) -> value


class Gmina(NamedTuple):
    id: int
    code: str
    name: str
    kind: UnitKind

    @property
    def voivodeship(self) -> str:
        return self.code[:2]

    @property
    def powiat(self) -> str:
        return self.code[:4]


KINDS = {k.value: k for k in UnitKind}


def gminas() -> dict[int, Gmina]:
    """Every gmina of the register, by id (2,477 rows: a few milliseconds; the kind read as
    text and looked up, which is a third of the cost of the column's own conversion)."""
    rows = db.session.execute(
        sa.select(TerritorialUnit.id, TerritorialUnit.code, TerritorialUnit.name,
                  sa.type_coerce(TerritorialUnit.kind, sa.String))
        .where(TerritorialUnit.level == UnitLevel.GMINA).order_by(TerritorialUnit.code)).all()
    return {i: Gmina(i, code, name, KINDS[kind]) for i, code, name, kind in rows}


class Register(NamedTuple):
    """The gminas and the variables' ids, as every public page of the indicator base reads them."""

    units: dict[int, Gmina]  # by id
    ids: dict[str, int]  # the variables' ids by code
    id_of: dict[str, int]  # a gmina's id by TERYT code


def register_at(stamp: tuple[Any, ...]) -> Register:
    """gminas() and variable_ids(), kept per version of the data (`stamp`: cache.stamp(),
    which counts the units; decision 0041): 2 statements when not kept. Shared: never change it."""
    return cache.cached(("gminas", stamp), _register)


def _register() -> Register:
    units = gminas()
    return Register(units, variable_ids(), {u.code: u.id for u in units.values()})


def years_at(stamp: tuple[Any, ...], version: IndicatorVersion) -> list[int]:
    """years(version), kept per version of the data (decision 0041). Shared: never change it."""
    return cache.cached(("years", stamp, version.id), lambda: years(version))  # type: ignore[no-any-return]


def units_by_code(codes: Iterable[str]) -> dict[str, TerritorialUnit]:
    """Units (any level) by TERYT code."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    return {u.code: u for u in db.session.scalars(
        sa.select(TerritorialUnit).where(TerritorialUnit.code.in_(wanted)))}


def current_indicators() -> list[IndicatorVersion]:
    """The latest version of every indicator, in the order of their codes (with the indicator
    loaded: `.indicator.code`)."""
    return list(db.session.scalars(_current_query()))


def current_indicators_at(stamp: tuple[Any, ...]) -> list[IndicatorVersion]:
    """current_indicators(), kept per version of the data (`stamp`: cache.stamp(), which holds
    the newest indicator version's id; a definition is never changed in place, a change makes a
    new version, decision 0028). Read like current_indicators() when not kept, then taken out
    of the session (expunged, with their indicators) so that no commit of any request can
    expire them: every attribute a page reads is loaded. Shared between requests: never change
    one, never add one to a session."""
    return cache.cached(("indicators", stamp), _detached_indicators, lambda _found: 0.05)


def _detached_indicators() -> list[IndicatorVersion]:
    found = current_indicators()
    for version in found:
        db.session.expunge(version.indicator)
        db.session.expunge(version)
    return found


@functools.cache
def _current_query() -> sa.Select[tuple[IndicatorVersion]]:
    """current_indicators()' statement, built once (every public page reads it: building it
    cost a third of the index page's time)."""
    latest = (sa.select(IndicatorVersion.indicator_id, sa.func.max(IndicatorVersion.version).label("v"))
              .group_by(IndicatorVersion.indicator_id).subquery())
    return (sa.select(IndicatorVersion)
            .join(Indicator, Indicator.id == IndicatorVersion.indicator_id)
            .join(latest, sa.and_(latest.c.indicator_id == IndicatorVersion.indicator_id,
                                  latest.c.v == IndicatorVersion.version))
            .options(contains_eager(IndicatorVersion.indicator))
            .order_by(Indicator.code))


def current_by_code() -> dict[str, IndicatorVersion]:
    return {v.indicator.code: v for v in current_indicators()}


def formula(version: IndicatorVersion) -> compute.Formula:
    return compute.Formula.from_json(version.formula)


def years(version: IndicatorVersion) -> list[int]:
    """The years in which the first variable of the indicator's numerator has any value,
    newest first. A loose index scan (one probe of the primary key per year), so it costs the
    same at 10 or 400,000 values of the variable."""
    first = formula(version).numerator[0].variable
    variable = sa.select(Variable.id).where(Variable.code == first).scalar_subquery()
    vv = VariableValue.__table__
    found = sa.select(sa.func.min(vv.c.year).label("year")).where(vv.c.variable_id == variable) \
        .cte("found", recursive=True)
    following = sa.select(vv.c.year).where(vv.c.variable_id == variable, vv.c.year > found.c.year) \
        .order_by(vv.c.year).limit(1).scalar_subquery()
    found = found.union_all(sa.select(following).where(found.c.year.is_not(None)))
    rows = db.session.scalars(sa.select(found.c.year).where(found.c.year.is_not(None)))
    return sorted(rows, reverse=True)


def needs(formulas: Iterable[compute.Formula], years: Iterable[int]) -> dict[int, set[str]]:
    """For each year, the variables that the formulas need in order to be computed for
    `years` (a fixed-year term adds its own year)."""
    out: dict[int, set[str]] = defaultdict(set)
    chosen = list(years)
    for f in formulas:
        for year in chosen:
            for term in (*f.numerator, *f.denominator):
                out[term.year_for(year)].add(term.variable)
    return out


def variable_ids() -> dict[str, int]:
    """Every variable's id by code (a few dozen rows)."""
    return dict(db.session.execute(sa.select(Variable.code, Variable.id)).all())


PROVISIONAL = sa.literal_column("'provisional'")  # written into the statement: the partial index's


@no_cycle_collection
def values(formulas: Iterable[compute.Formula], years: Iterable[int],
           unit_ids: Sequence[int] | None = None, ids: Mapping[str, int] | None = None,
           public: bool = True) -> Data:
    """The values the formulas need for `years`, per unit id: ONE statement, one branch per
    year (UNION ALL), each reading its variables from the index that holds the values
    (ix_variable_value_reading) without visiting the table; for the units asked or for all.
    `public`: without the provisional values (a city's before the analyst publishes its year,
    decisions 0037 and 0039), which one more branch per year names from their small partial
    index (ix_variable_value_provisional) with a NULL value, so they are dropped.
    `ids` (variable_ids()) is read first when not given: one statement more."""
    wanted = needs(formulas, years)
    if not wanted or (unit_ids is not None and not unit_ids):
        return {}
    ids = ids if ids is not None else variable_ids()
    code_of = {i: c for c, i in ids.items()}
    vv = VariableValue.__table__
    branches = []
    for year, codes in sorted(wanted.items()):
        branch = sa.select(vv.c.unit_id, vv.c.variable_id, vv.c.year, vv.c.value).where(
            vv.c.year == year, vv.c.variable_id.in_(sorted(ids[c] for c in codes if c in ids)))
        if unit_ids is not None:
            branch = branch.where(vv.c.unit_id.in_(sorted(set(unit_ids))))
        branches.append(branch)
        if public:
            no_value = sa.cast(sa.null(), sa.Double())
            hidden = sa.select(vv.c.unit_id, vv.c.variable_id, vv.c.year, no_value).where(
                vv.c.status == PROVISIONAL, vv.c.year == year,
                vv.c.variable_id.in_(sorted(ids[c] for c in codes if c in ids)))
            if unit_ids is not None:
                hidden = hidden.where(vv.c.unit_id.in_(sorted(set(unit_ids))))
            branches.append(hidden)
    query = branches[0] if len(branches) == 1 else sa.union_all(*branches)
    data: Data = {}
    drop: list[tuple[int, tuple[str, int]]] = []
    for unit_id, variable_id, year, value in db.session.execute(query).all():
        if value is None:  # a provisional value: not public
            drop.append((unit_id, (code_of[variable_id], year)))
            continue
        found = data.get(unit_id)
        if found is None:
            found = data[unit_id] = {}
        found[(code_of[variable_id], year)] = value
    for unit_id, key in drop:
        data.get(unit_id, {}).pop(key, None)
    return data

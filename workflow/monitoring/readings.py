"""What the indicator pages and the API read, each in ONE statement whatever the number of
units, indicators or groups (docs/decisions/0032): the gminas, the indicators' current
definitions, the years with data, and the values of the variables that formulas need.

Values come back per unit id as compute.UnitData ((variable code, year) -> value), ready for
compute.py's one algorithm; nothing here computes an indicator.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

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
from workflow.monitoring import compute

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


def gminas() -> dict[int, Gmina]:
    """Every gmina of the register, by id (2,477 rows: a few milliseconds)."""
    rows = db.session.execute(
        sa.select(TerritorialUnit.id, TerritorialUnit.code, TerritorialUnit.name, TerritorialUnit.kind)
        .where(TerritorialUnit.level == UnitLevel.GMINA).order_by(TerritorialUnit.code)).all()
    return {r[0]: Gmina(*r) for r in rows}


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
    latest = (sa.select(IndicatorVersion.indicator_id, sa.func.max(IndicatorVersion.version).label("v"))
              .group_by(IndicatorVersion.indicator_id).subquery())
    query = (sa.select(IndicatorVersion)
             .join(Indicator, Indicator.id == IndicatorVersion.indicator_id)
             .join(latest, sa.and_(latest.c.indicator_id == IndicatorVersion.indicator_id,
                                   latest.c.v == IndicatorVersion.version))
             .options(contains_eager(IndicatorVersion.indicator))
             .order_by(Indicator.code))
    return list(db.session.scalars(query))


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


def values(formulas: Iterable[compute.Formula], years: Iterable[int],
           unit_ids: Sequence[int] | None = None) -> Data:
    """The values the formulas need for `years`, per unit id: ONE statement, one row per unit
    (the variables pivoted by the database), each year's variables read through the index
    that holds the values (ix_variable_value_reading), for the units asked or for all."""
    wanted = needs(formulas, years)
    if not wanted:
        return {}
    keys = [(code, year) for year, codes in sorted(wanted.items()) for code in sorted(codes)]
    variable = Variable.__table__
    vv = VariableValue.__table__
    columns = [sa.func.max(sa.case((sa.and_(variable.c.code == code, vv.c.year == year), vv.c.value)))
               for code, year in keys]
    query = (sa.select(vv.c.unit_id, *columns)
             .join(variable, variable.c.id == vv.c.variable_id)
             .where(sa.or_(*(sa.and_(vv.c.year == year, variable.c.code.in_(sorted(codes)))
                             for year, codes in sorted(wanted.items()))))
             .group_by(vv.c.unit_id))
    if unit_ids is not None:
        if not unit_ids:
            return {}
        query = query.where(vv.c.unit_id.in_(sorted(set(unit_ids))))
    return {row[0]: {k: v for k, v in zip(keys, row[1:], strict=True) if v is not None}
            for row in db.session.execute(query).all()}

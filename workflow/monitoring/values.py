"""Indicator values read from the database and computed by compute.py (the one algorithm).

Two statements whatever the number of units: the indicator's version, then every value of its
variables in the years the formula needs (for the units asked, or all of a level).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import sqlalchemy as sa

from workflow.extensions import db
from workflow.models import (
    IndicatorVersion,
    TerritorialUnit,
    UnitLevel,
    ValueStatus,
    Variable,
    VariableValue,
)
from workflow.monitoring import compute
from workflow.monitoring.definitions import current_version


def unit_data(formula: compute.Formula, year: int, unit_codes: Iterable[str] | None = None,
              level: UnitLevel = UnitLevel.GMINA,
              public: bool = False) -> dict[str, dict[tuple[str, int], float]]:
    """Per unit code, the values of the formula's variables in the years it needs for `year`.
    `public`: only published values (final, corrected): a provisional value (a city's
    questionnaire before the analyst publishes its year, decision 0037) is not public."""
    query = (sa.select(TerritorialUnit.code, Variable.code, VariableValue.year, VariableValue.value)
             .join(TerritorialUnit, TerritorialUnit.id == VariableValue.unit_id)
             .join(Variable, Variable.id == VariableValue.variable_id)
             .where(Variable.code.in_(sorted(formula.variables)),
                    VariableValue.year.in_(sorted(formula.years_needed(year)))))
    if public:
        query = query.where(VariableValue.status != ValueStatus.PROVISIONAL)
    if unit_codes is not None:
        query = query.where(TerritorialUnit.code.in_(sorted(set(unit_codes))))
    else:
        query = query.where(TerritorialUnit.level == level)
    data: dict[str, dict[tuple[str, int], float]] = defaultdict(dict)
    for unit, variable, y, value in db.session.execute(query):
        data[unit][(variable, y)] = value
    return dict(data)


def indicator_values(code: str, year: int, unit_codes: Iterable[str] | None = None,
                     version: int | None = None, public: bool = False) -> dict[str, float]:
    """Each unit's value of an indicator (its latest version unless one is asked for; only
    published values when `public`)."""
    definition: IndicatorVersion = current_version(code, version)
    formula = compute.Formula.from_json(definition.formula)
    return compute.unit_values(formula, unit_data(formula, year, unit_codes, public=public), year)


def group_aggregate(code: str, year: int, unit_codes: Iterable[str],
                    version: int | None = None) -> compute.Aggregate:
    """The aggregate of a group of units (by code) for an indicator and a year."""
    members = list(dict.fromkeys(unit_codes))
    definition = current_version(code, version)
    formula = compute.Formula.from_json(definition.formula)
    return compute.aggregate(formula, unit_data(formula, year, members), year, members)

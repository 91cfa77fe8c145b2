"""What the indicator base holds, as the API's items: units, variables, indicators and their
versions. Each function is one statement, whatever the number of rows; items are plain dicts
in the shapes the OpenAPI document publishes (workflow/api/schemas.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement

from workflow.api.groups import Group, groups_of
from workflow.extensions import db
from workflow.models import Indicator, IndicatorVersion, TerritorialUnit, UnitKind, UnitLevel, Variable

UNIT_FIELDS = ("code", "name", "level", "kind", "parent", "register_date")
UNIT_COLUMNS = (TerritorialUnit.code, TerritorialUnit.name, TerritorialUnit.level, TerritorialUnit.kind,
                TerritorialUnit.register_date)


def parent_code(code: str) -> str | None:
    """A unit's parent by the TERYT code alone: a gmina's powiat is its first four digits, a
    powiat's voivodeship its first two (how units.load sets parent_id)."""
    return {7: code[:4], 4: code[:2]}.get(len(code))


def unit_item(code: str, name: str, level: Any, kind: Any, register_date: Any) -> dict[str, Any]:
    return {"code": code, "name": name, "level": str(level), "kind": str(kind),
            "parent": parent_code(code), "register_date": register_date.isoformat()}


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    after: str | None  # the key to continue after, when there is more


def unit_conditions(level: str | None = None, kind: str | None = None, parent: str | None = None,
                    group: Group | None = None, codes: Sequence[str] | None = None,
                    ) -> list[ColumnElement[bool]]:
    """The conditions of a list of units: its level, kind, direct parent (by the TERYT code: a
    voivodeship's powiats have 4 digits starting with its 2, a powiat's gminas 7 starting with
    its 4) and group."""
    out: list[ColumnElement[bool]] = []
    if level:
        out.append(TerritorialUnit.level == UnitLevel(level))
    if kind:
        out.append(TerritorialUnit.kind == UnitKind(kind))
    if parent:
        out += [TerritorialUnit.code.startswith(parent, autoescape=True),
                sa.func.length(TerritorialUnit.code) == {2: 4, 4: 7}.get(len(parent), 0)]
    if group:
        out.append(group.clause())
    if codes:
        out.append(TerritorialUnit.code.in_(sorted(set(codes))))
    return out


def units(conditions: Sequence[ColumnElement[bool]], after: str | None, limit: int) -> Page:
    """Units matching `conditions`, ordered by code, `limit` after the code `after`."""
    query = sa.select(*UNIT_COLUMNS).where(*conditions).order_by(TerritorialUnit.code).limit(limit + 1)
    if after:
        query = query.where(TerritorialUnit.code > after)
    rows = db.session.execute(query).all()
    items = [unit_item(*row) for row in rows[:limit]]
    return Page(items, items[-1]["code"] if len(rows) > limit else None)


def unit(code: str) -> dict[str, Any] | None:
    """One unit with its powiat and voivodeship, and the groups it belongs to."""
    codes = {code, code[:4], code[:2]}
    rows = {row.code: row for row in db.session.execute(
        sa.select(*UNIT_COLUMNS).where(TerritorialUnit.code.in_(sorted(codes))))}
    if code not in rows:
        return None
    item = unit_item(*rows[code])
    item["parents"] = [unit_item(*rows[c]) for c in (code[:2], code[:4]) if c != code and c in rows]
    item["groups"] = groups_of(code, item["level"], item["kind"])
    return item


def variables() -> list[dict[str, Any]]:
    return [{"code": v.code, "name_pl": v.name_pl, "name_en": v.name_en, "measure_unit": v.measure_unit,
             "source_label": v.source_label, "credit": v.credit}
            for v in db.session.scalars(sa.select(Variable).order_by(Variable.code))]


def version_item(code: str, v: IndicatorVersion) -> dict[str, Any]:
    return {"indicator": code, "version": v.version, "name_pl": v.name_pl, "name_en": v.name_en,
            "description_pl": v.description_pl, "description_en": v.description_en,
            "area": str(v.area), "type": str(v.kind), "dimension": str(v.dimension),
            "measure_unit_pl": v.measure_unit_pl, "measure_unit_en": v.measure_unit_en,
            "polarity": str(v.polarity), "decimals": v.decimals, "formula": v.formula,
            "credit": v.credit, "licence": v.licence, "created_at": v.created_at.isoformat()}


def indicator_versions(codes: Sequence[str] | None = None) -> dict[str, list[IndicatorVersion]]:
    """Every version of each indicator (of `codes`, or all), oldest first, by code."""
    query = (sa.select(Indicator.code, IndicatorVersion).join(IndicatorVersion.indicator)
             .order_by(Indicator.code, IndicatorVersion.version))
    if codes is not None:
        query = query.where(Indicator.code.in_(sorted(set(codes))))
    out: dict[str, list[IndicatorVersion]] = {}
    for code, version in db.session.execute(query):
        out.setdefault(code, []).append(version)
    return out


def indicator_item(code: str, versions: list[IndicatorVersion]) -> dict[str, Any]:
    """An indicator: its current definition (the latest version) and the list of versions."""
    return {"code": code, "version": versions[-1].version,
            "definition": version_item(code, versions[-1]),
            "versions": [{"version": v.version, "created_at": v.created_at.isoformat()} for v in versions]}

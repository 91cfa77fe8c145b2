"""Variables and indicator definitions, loaded from data (data/monitoring/indicators.toml).

`load()` is idempotent. A variable is updated in place (its code is its identity and its values
do not depend on its label). An indicator whose definition differs from its latest version gets
a NEW version; the old versions stay, so their values can still be computed (compute.py).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from workflow.extensions import db
from workflow.models import (
    Dimension,
    Indicator,
    IndicatorType,
    IndicatorVersion,
    MonitoringArea,
    Polarity,
    Variable,
)
from workflow.monitoring.compute import Formula

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "data" / "monitoring" / "indicators.toml"
CREDIT = "Źródło: GUS, Bank Danych Lokalnych"

VARIABLE_FIELDS = ("name_pl", "name_en", "measure_unit", "source_label", "credit", "reporting")
VERSION_FIELDS = ("name_pl", "name_en", "description_pl", "description_en", "area", "kind",
                  "dimension", "measure_unit_pl", "measure_unit_en", "polarity", "decimals",
                  "formula", "credit", "licence")


@dataclass
class DefinitionReport:
    variables_added: int = 0
    variables_updated: int = 0
    indicators_added: int = 0
    versions_added: list[str] = field(default_factory=list)
    unchanged: int = 0


def read(path: Path = DEFAULT_FILE) -> dict[str, Any]:
    with path.open("rb") as f:
        data = tomllib.load(f)
    credit, licence = data.get("credit", CREDIT), data["licence"]
    variables = [{"credit": credit, "source_label": None, "reporting": None, **v}
                 for v in data.get("variables", [])]
    for v in variables:
        if v["reporting"] is not None:
            v["reporting"] = _reporting(v["code"], v["reporting"])
    indicators = []
    for raw in data.get("indicators", []):
        item = {"credit": credit, "licence": licence, "decimals": 1, **raw}
        # Checked here, so that a typo in the file is refused before anything is written.
        item["area"] = MonitoringArea(item["area"])
        item["kind"] = IndicatorType(item["kind"])
        item["dimension"] = Dimension(item["dimension"])
        item["polarity"] = Polarity(item["polarity"])
        item["formula"] = Formula.from_json(item["formula"]).to_json()
        indicators.append(item)
    known = {v["code"] for v in variables}
    for item in indicators:
        missing = Formula.from_json(item["formula"]).variables - known
        if missing:
            raise ValueError(f"indicator {item['code']}: unknown variables {sorted(missing)}")
    return {"variables": variables, "indicators": indicators}


REPORTING_KEYS = {"definition_pl", "definition_en", "integer", "minimum", "maximum"}


def _reporting(code: str, raw: dict[str, Any]) -> dict[str, Any]:
    """A reported variable's questionnaire item, checked: a definition in both languages, and a
    minimum not above the maximum (either may be absent)."""
    unknown = set(raw) - REPORTING_KEYS
    if unknown or not raw.get("definition_pl") or not raw.get("definition_en"):
        raise ValueError(f"variable {code}: reporting needs definition_pl and definition_en"
                         + (f", unknown keys {sorted(unknown)}" if unknown else ""))
    item = {"integer": False, "minimum": None, "maximum": None, **raw}
    if item["minimum"] is not None and item["maximum"] is not None and item["minimum"] > item["maximum"]:
        raise ValueError(f"variable {code}: minimum above maximum")
    return item


def load(path: Path = DEFAULT_FILE) -> DefinitionReport:
    data = read(path)
    report = DefinitionReport()
    existing = {v.code: v for v in db.session.scalars(sa.select(Variable))}
    for item in data["variables"]:
        variable = existing.get(item["code"])
        if variable is None:
            db.session.add(Variable(code=item["code"], **{k: item[k] for k in VARIABLE_FIELDS}))
            report.variables_added += 1
        elif any(getattr(variable, k) != item[k] for k in VARIABLE_FIELDS):
            for k in VARIABLE_FIELDS:
                setattr(variable, k, item[k])
            report.variables_updated += 1
    indicators = {i.code: i for i in db.session.scalars(sa.select(Indicator))}
    for item in data["indicators"]:
        indicator = indicators.get(item["code"])
        if indicator is None:
            indicator = Indicator(code=item["code"])
            db.session.add(indicator)
            report.indicators_added += 1
            latest = None
        else:
            latest = indicator.versions[-1] if indicator.versions else None
        wanted = {k: item[k] for k in VERSION_FIELDS}
        if latest is not None and all(getattr(latest, k) == v for k, v in wanted.items()):
            report.unchanged += 1
            continue
        number = 1 if latest is None else latest.version + 1
        indicator.versions.append(IndicatorVersion(version=number, **wanted))
        if latest is not None:
            report.versions_added.append(f"{item['code']} v{number}")
    db.session.commit()
    return report


def current_version(code: str, version: int | None = None) -> IndicatorVersion:
    """An indicator's latest version (or the one asked for); LookupError when there is none."""
    query = (sa.select(IndicatorVersion).join(Indicator).where(Indicator.code == code)
             .order_by(IndicatorVersion.version.desc()).limit(1))
    if version is not None:
        query = query.where(IndicatorVersion.version == version)
    found = db.session.scalar(query)
    if found is None:
        raise LookupError(f"no indicator {code!r}" + (f" version {version}" if version else ""))
    return found

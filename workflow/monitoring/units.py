"""Territorial units from the TERYT TERC register, and their boundaries (data/teryt/, data/geo/).

`load()` is idempotent: a unit is found by its TERYT code, its name, kind and parent brought
up to date, and nothing is deleted (values may refer to a unit a newer register dropped).
Boundaries are joined on the FIRST SIX DIGITS of a gmina's code: the boundary file is of about
2020 and 73 gminas have changed the 7th digit (their kind) since (data/geo/README.md).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from workflow.extensions import db
from workflow.models import TerritorialUnit, UnitBoundary, UnitKind, UnitLevel
from workflow.monitoring import maps

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
DEFAULT_REGISTER = DATA / "teryt" / "TERC_Urzedowy_2024-01-01.csv"
GEO_FILES = {
    UnitLevel.GMINA: DATA / "geo" / "poland.municipalities.json",
    UnitLevel.POWIAT: DATA / "geo" / "poland.counties.json",
    UnitLevel.VOIVODESHIP: DATA / "geo" / "poland.voivodeships.json",
}
GEO_ORIGIN = "jusuff/PolandGeoJson@d96c034dbd0ac545a5daddfac5a45d1807c63e09 data/{name} (The Unlicense)"
# What a load draws from each geometry for the maps (maps.py).
DRAWN = ("min_lon", "min_lat", "max_lon", "max_lat", "svg_country", "svg_region")
DECIMALS = 4  # about 10 m: far finer than any map of Poland or of a voivodeship needs

# TERYT RODZ of a gmina: 1 urban, 2 rural, 3 urban-rural. 4 and 5 are the town and the rural
# area of an urban-rural gmina, 8 and 9 districts of Warsaw and delegations of other cities:
# parts of gminas, not units of their own.
GMINA_KINDS = {"1": UnitKind.URBAN, "2": UnitKind.RURAL, "3": UnitKind.URBAN_RURAL}


@dataclass(frozen=True)
class UnitRow:
    code: str
    level: UnitLevel
    kind: UnitKind
    name: str
    parent_code: str | None
    register_date: date


def read_register(text: str) -> list[UnitRow]:
    """The voivodeships, powiats and gminas of a TERC "Urzędowy" file (its text), parents first."""
    rows = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";")
    out: list[UnitRow] = []
    for row in rows:
        woj, pow_, gmi, rodz = (row["WOJ"] or "").strip(), (row["POW"] or "").strip(), \
            (row["GMI"] or "").strip(), (row["RODZ"] or "").strip()
        name, extra = row["NAZWA"].strip(), (row["NAZWA_DOD"] or "").strip()
        stan_na = date.fromisoformat(row["STAN_NA"].strip())
        if not pow_:
            out.append(UnitRow(woj, UnitLevel.VOIVODESHIP, UnitKind.VOIVODESHIP, name, None, stan_na))
        elif not gmi:
            kind = UnitKind.CITY_POWIAT if "na prawach powiatu" in extra else UnitKind.LAND_POWIAT
            out.append(UnitRow(woj + pow_, UnitLevel.POWIAT, kind, name, woj, stan_na))
        elif rodz in GMINA_KINDS:
            out.append(UnitRow(woj + pow_ + gmi + rodz, UnitLevel.GMINA, GMINA_KINDS[rodz], name,
                               woj + pow_, stan_na))
    order = {UnitLevel.VOIVODESHIP: 0, UnitLevel.POWIAT: 1, UnitLevel.GMINA: 2}
    return sorted(out, key=lambda r: (order[r.level], r.code))


@dataclass
class LoadReport:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    boundaries: int = 0
    without_boundary: list[str] = field(default_factory=list)
    by_level: dict[str, int] = field(default_factory=dict)


def load(register: Path = DEFAULT_REGISTER, with_boundaries: bool = True) -> LoadReport:
    """Bring the units (and their boundaries) up to date with a TERC file. Idempotent."""
    rows = read_register(register.read_text(encoding="utf-8-sig"))
    report = LoadReport()
    existing = {u.code: u for u in db.session.scalars(sa.select(TerritorialUnit))}
    for level in (UnitLevel.VOIVODESHIP, UnitLevel.POWIAT, UnitLevel.GMINA):
        # One level at a time, so that every parent has its id before its children.
        for row in (r for r in rows if r.level is level):
            parent = existing[row.parent_code] if row.parent_code else None
            unit = existing.get(row.code)
            wanted = {"level": row.level, "kind": row.kind, "name": row.name,
                      "parent_id": parent.id if parent else None, "register_date": row.register_date}
            if unit is None:
                unit = TerritorialUnit(code=row.code, **wanted)
                db.session.add(unit)
                existing[row.code] = unit
                report.inserted += 1
            elif any(getattr(unit, k) != v for k, v in wanted.items()):
                for k, v in wanted.items():
                    setattr(unit, k, v)
                report.updated += 1
            else:
                report.unchanged += 1
            report.by_level[level.value] = report.by_level.get(level.value, 0) + 1
        db.session.flush()
    if with_boundaries:
        codes = {r.code for r in rows}
        _load_boundaries({c: u for c, u in existing.items() if c in codes}, report)
    db.session.commit()
    return report


def ensure(codes: Iterable[str], register: Path = DEFAULT_REGISTER) -> dict[str, TerritorialUnit]:
    """The units of `codes` (gminas' seven digits, powiats' four), with their parents, by code:
    those the register has that are not loaded yet are added from it (flushed, not
    committed; no boundaries: `units load` brings those). A code the register does not
    have is left out of the answer. Reads the register only when something is missing."""
    wanted = {c for code in codes for c in (code[:2], code[:4], code) if len(code) in (4, 7)}
    found = {u.code: u for u in db.session.scalars(
        sa.select(TerritorialUnit).where(TerritorialUnit.code.in_(sorted(wanted))))}
    if wanted - set(found):
        rows = [r for r in read_register(register.read_text(encoding="utf-8-sig"))
                if r.code in wanted and r.code not in found]  # parents first
        for row in rows:
            parent = found.get(row.parent_code) if row.parent_code else None
            unit = TerritorialUnit(code=row.code, level=row.level, kind=row.kind, name=row.name,
                                   parent=parent, register_date=row.register_date)
            db.session.add(unit)
            found[row.code] = unit
        db.session.flush()
    return found


def _load_boundaries(units: dict[str, TerritorialUnit], report: LoadReport) -> None:
    """The geometries of the boundary files, joined to the units (see the module)."""
    found: list[tuple[TerritorialUnit, dict[str, Any], str]] = []
    for level, path in GEO_FILES.items():
        by_key = {_join_key(u.code): u for u in units.values() if u.level is level}
        origin = GEO_ORIGIN.format(name=path.name)
        for key, geometry in read_boundaries(path):
            unit = by_key.pop(key, None)
            if unit is not None:
                found.append((unit, geometry, origin))
        report.without_boundary += sorted(u.code for u in by_key.values())
    report.boundaries += store_boundaries(found)


def store_boundaries(found: list[tuple[TerritorialUnit, dict[str, Any], str]]) -> int:
    """Each unit's geometry, its bounding box and its two SVG paths (maps.py), written where
    any of them differs from what is stored. The frames are the voivodeships' boxes among
    `found` (and their union: Poland's), so voivodeships must come with their gminas."""
    table = UnitBoundary.__table__
    fields = ("geojson", "origin", *DRAWN)
    have = {row.unit_id: tuple(getattr(row, f) for f in fields)
            for row in db.session.execute(sa.select(table.c.unit_id, *(table.c[f] for f in fields)))}
    regions = {unit.code: maps.bounds([geometry]) for unit, geometry, _o in found
               if unit.level is UnitLevel.VOIVODESHIP}
    country = maps.frame_for(maps.union(regions.values())) if regions else None
    frames = {code: maps.frame_for(box) for code, box in regions.items()}
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for unit, geometry, origin in found:
        west, south, east, north = maps.bounds([geometry])
        region = frames.get(unit.code[:2])
        row = {"geojson": json.dumps(geometry, separators=(",", ":")), "origin": origin,
               "min_lon": west, "min_lat": south, "max_lon": east, "max_lat": north,
               "svg_country": maps.svg_path(geometry, country) if country else None,
               "svg_region": maps.svg_path(geometry, region) if region else None}
        if unit.id not in have:
            inserts.append({"unit_id": unit.id, **row})
        elif have[unit.id] != tuple(row[f] for f in fields):
            updates.append({"b_unit_id": unit.id, **row})
    if inserts:
        db.session.execute(sa.insert(UnitBoundary), inserts)
    if updates:
        db.session.execute(table.update().where(table.c.unit_id == sa.bindparam("b_unit_id"))
                           .values({f: sa.bindparam(f) for f in fields}), updates)
    return len(found)


def _join_key(code: str) -> str:
    """A unit's key in the boundary files: a gmina's first six digits, else the whole code."""
    return code[:6] if len(code) == 7 else code


def read_boundaries(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(join key, geometry with rounded coordinates) for each feature of a GeoJSON file."""
    collection = json.loads(path.read_text(encoding="utf-8"))
    for feature in collection["features"]:
        code = str(feature["properties"]["terc"])
        geometry = feature["geometry"]
        yield _join_key(code), {"type": geometry["type"],
                                "coordinates": _round(geometry["coordinates"])}


def _round(coordinates: Any) -> Any:
    """Coordinates rounded to DECIMALS places, dropping points that fall on the one before."""
    if isinstance(coordinates[0], int | float):
        return [round(c, DECIMALS) for c in coordinates]
    if isinstance(coordinates[0][0], int | float):  # a ring
        ring: list[list[float]] = []
        for point in coordinates:
            rounded = [round(c, DECIMALS) for c in point]
            if not ring or rounded != ring[-1]:
                ring.append(rounded)
        return ring
    return [_round(c) for c in coordinates]


def counts_by_level_and_kind() -> dict[tuple[str, str], int]:
    rows: Iterable[tuple[str, str, int]] = db.session.execute(
        sa.select(TerritorialUnit.level, TerritorialUnit.kind, sa.func.count())
        .group_by(TerritorialUnit.level, TerritorialUnit.kind))
    return {(str(level), str(kind)): n for level, kind, n in rows}

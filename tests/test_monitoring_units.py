"""Territorial units from the TERYT register (data/teryt/) and their boundaries (data/geo/)."""

from __future__ import annotations

import gzip
import json

import sqlalchemy as sa

from workflow.extensions import db
from workflow.models import TerritorialUnit, UnitBoundary, UnitKind, UnitLevel
from workflow.monitoring import units


def unit(code: str) -> TerritorialUnit:
    return db.session.scalar(sa.select(TerritorialUnit).where(TerritorialUnit.code == code))


def test_the_2024_register_has_its_units_with_kinds_and_parents(ctx):
    report = units.load()
    counts = units.counts_by_level_and_kind()
    assert report.by_level == {"voivodeship": 16, "powiat": 380, "gmina": 2477}
    assert {k: v for (level, k), v in counts.items() if level == "gmina"} == {
        "urban": 302, "rural": 1464, "urban_rural": 711}
    assert sum(v for (level, _), v in counts.items() if level == "powiat") == 380
    assert counts[("voivodeship", "voivodeship")] == 16

    krakow = unit("1261011")
    assert (krakow.name, krakow.level, krakow.kind) == ("Kraków", UnitLevel.GMINA, UnitKind.URBAN)
    assert (krakow.parent.code, krakow.parent.kind) == ("1261", UnitKind.CITY_POWIAT)
    assert (krakow.parent.parent.code, krakow.parent.parent.name) == ("12", "MAŁOPOLSKIE")
    assert unit("3217011").kind is UnitKind.URBAN and unit("3217052").kind is UnitKind.RURAL
    assert unit("1204023").kind is UnitKind.URBAN_RURAL
    assert unit("1204024") is None  # the town part of Dąbrowa Tarnowska is not a gmina
    assert unit("1204").kind is UnitKind.LAND_POWIAT


def test_every_unit_gets_its_boundary_joined_on_six_digits_and_a_second_load_changes_nothing(ctx):
    first = units.load()
    assert first.inserted == 2873 and first.boundaries == 2873 and first.without_boundary == []
    # A gmina whose 7th digit changed after the boundaries were drawn still has its boundary.
    changed = {u.code for u in db.session.scalars(sa.select(TerritorialUnit).where(
        TerritorialUnit.level == UnitLevel.GMINA))}
    geo_codes = {str(f["properties"]["terc"]) for f in json.loads(
        units.GEO_FILES[UnitLevel.GMINA].read_text(encoding="utf-8"))["features"]}
    assert len(changed - geo_codes) == 73
    assert {c[:6] for c in changed} == {c[:6] for c in geo_codes}

    second = units.load()
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 2873)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UnitBoundary)) == 2873

    # The stored geometry of all 2,477 gminas fits the map's budget (400 KB compressed).
    texts = db.session.scalars(sa.select(UnitBoundary.geojson).join(TerritorialUnit).where(
        TerritorialUnit.level == UnitLevel.GMINA)).all()
    assert len(texts) == 2477
    assert len(gzip.compress(("[" + ",".join(texts) + "]").encode())) <= 400_000
    krakow = json.loads(db.session.scalar(sa.select(UnitBoundary.geojson).join(TerritorialUnit)
                                          .where(TerritorialUnit.code == "1261011")))
    assert krakow["type"] == "Polygon"
    lon, lat = krakow["coordinates"][0][0]
    assert 19.7 < lon < 20.3 and 49.9 < lat < 50.2


def test_a_renamed_unit_is_updated_in_place(ctx, tmp_path):
    units.load(with_boundaries=False)
    text = units.DEFAULT_REGISTER.read_text(encoding="utf-8-sig").replace(";Kraków;", ";Krakow;")
    renamed = tmp_path / "terc.csv"
    renamed.write_text(text, encoding="utf-8")
    report = units.load(renamed, with_boundaries=False)
    assert (report.inserted, report.updated) == (0, 2)  # the city powiat and its gmina
    assert unit("1261011").name == unit("1261").name == "Krakow"


def test_the_command_loads_the_units(app, ctx):
    result = app.test_cli_runner().invoke(args=["units", "load", "--no-boundaries"])
    assert result.exit_code == 0, result.output
    assert "gmina: 2477, powiat: 380, voivodeship: 16" in result.output

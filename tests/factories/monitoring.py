"""A small indicator base for the tests of groups and pages: real TERYT codes and names of three
voivodeships, four powiats and a handful of gminas (or more: `extra` made-up gminas), each
drawn as a square so that maps have something to draw, the real indicator definitions
(data/monitoring/indicators.toml), values made up by a rule that tests can repeat, and the
system's groups. Milliseconds, not the seconds of the whole register.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from workflow.extensions import db
from workflow.models import (
    SourceKind,
    TerritorialUnit,
    UnitKind,
    UnitLevel,
    ValueSource,
    ValueStatus,
    Variable,
    VariableValue,
)
from workflow.monitoring import definitions, groups, units

REGISTER = date(2024, 1, 1)
VOIVODESHIPS = {"12": "MAŁOPOLSKIE", "30": "WIELKOPOLSKIE", "32": "ZACHODNIOPOMORSKIE"}
POWIATS = {"1204": ("dąbrowski", UnitKind.LAND_POWIAT), "1261": ("Kraków", UnitKind.CITY_POWIAT),
           "3018": ("ostrzeszowski", UnitKind.LAND_POWIAT), "3217": ("wałecki", UnitKind.LAND_POWIAT)}
GMINAS = {
    "1204023": ("Dąbrowa Tarnowska", UnitKind.URBAN_RURAL),
    "1204032": ("Bolesław", UnitKind.RURAL),
    "1204042": ("Gręboszów", UnitKind.RURAL),
    "1261011": ("Kraków", UnitKind.URBAN),
    "3018073": ("Ostrzeszów", UnitKind.URBAN_RURAL),
    "3018012": ("Czajków", UnitKind.RURAL),
    "3217011": ("Wałcz", UnitKind.URBAN),
    "3217052": ("Wałcz (gmina wiejska)", UnitKind.RURAL),
}
YEARS = (2010, 2018, 2019)
# Own revenues and population parts are made from the gmina's number n (1, 2, …) and the year:
# the tests compute the same numbers themselves.
POP_FACTORS = {"ludnosc_przedprod": 18, "ludnosc_prod": 60, "ludnosc_poprod": 22}


def population(n: int, year: int) -> int:
    """Residents of the n-th gmina: Kraków (n=4) is large, the others from 2,000 to 40,000."""
    base = 780_000 if n == 4 else 2_000 * n * n
    return base + 10 * (year - 2010) * n


def parts(n: int, year: int) -> dict[str, float]:
    people = population(n, year)
    values = {code: people * share // 100 for code, share in POP_FACTORS.items()}
    values["ludnosc_prod"] += people - sum(values.values())  # the parts add up exactly
    values.update({
        "dw_razem": 1000.0 * people + 5000 * n, "dw_pod_nieruch": 250.0 * people,
        "dw_pod_rolny": 10.0 * n * n * 100, "dw_majatek": 30.0 * people + 1000 * year,
        "powierzchnia_km2": 50.0 + 7 * n})
    return values


@dataclass
class Base:
    codes: list[str] = field(default_factory=list)  # every gmina, in the order of n
    ids: dict[str, int] = field(default_factory=dict)


def square(lon: float, lat: float, size: float = 0.1) -> dict:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def build(extra: int = 0, values: bool = True, standard: bool = True) -> Base:
    """The units (with `extra` more gminas in powiat 3018), their squares, the definitions,
    the values of every gmina in YEARS, the system's groups; commits."""
    base = Base()
    made: dict[str, TerritorialUnit] = {}
    for code, name in VOIVODESHIPS.items():
        made[code] = TerritorialUnit(code=code, level=UnitLevel.VOIVODESHIP, kind=UnitKind.VOIVODESHIP,
                                     name=name, register_date=REGISTER)
    db.session.add_all(made.values())
    db.session.flush()
    for code, (name, kind) in POWIATS.items():
        made[code] = TerritorialUnit(code=code, level=UnitLevel.POWIAT, kind=kind, name=name,
                                     parent_id=made[code[:2]].id, register_date=REGISTER)
    db.session.add_all([made[c] for c in POWIATS])
    db.session.flush()
    gminas = dict(GMINAS)
    for i in range(extra):
        gminas[f"3018{20 + i:02d}2"] = (f"Gmina testowa {i + 1}", UnitKind.RURAL)  # up to 80
    for code, (name, kind) in gminas.items():
        made[code] = TerritorialUnit(code=code, level=UnitLevel.GMINA, kind=kind, name=name,
                                     parent_id=made[code[:4]].id, register_date=REGISTER)
        base.codes.append(code)
    db.session.add_all([made[c] for c in gminas])
    db.session.flush()
    base.ids = {c: u.id for c, u in made.items()}
    # Squares: each voivodeship a large one, its gminas small ones inside it.
    corner = {"12": (19.0, 49.5), "30": (17.0, 51.0), "32": (15.5, 53.0)}
    found = [(made[c], square(*corner[c], size=1.0), "test") for c in VOIVODESHIPS]
    for n, code in enumerate(base.codes):
        lon, lat = corner[code[:2]]
        found.append((made[code], square(lon + 0.1 * (n % 8), lat + 0.1 * (n // 8 % 8)), "test"))
    units.store_boundaries(found)
    db.session.commit()
    definitions.load()
    if values:
        add_values(base)
    if standard:
        groups.ensure_standard()
    return base


def add_values(base: Base, years: tuple[int, ...] = YEARS) -> None:
    source = ValueSource(kind=SourceKind.ENTRY, name="tests/factories/monitoring.py")
    db.session.add(source)
    db.session.flush()
    variables = dict(db.session.execute(sa.select(Variable.code, Variable.id)).all())
    rows = []
    for n, code in enumerate(base.codes, start=1):
        for year in years:
            for variable, value in parts(n, year).items():
                rows.append({"variable_id": variables[variable], "year": year, "unit_id": base.ids[code],
                             "value": float(value), "status": ValueStatus.FINAL, "source_id": source.id,
                             "revision": 1})
    db.session.execute(sa.insert(VariableValue), rows)
    db.session.commit()

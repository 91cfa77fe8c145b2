"""The indicator base of the public-services monitoring (docs/decisions/0028).

- TerritorialUnit: a voivodeship, powiat or gmina of the TERYT register, with its parent;
  UnitBoundary: its geometry (GeoJSON, kept apart so that lists of units never read it).
- Variable: a source variable as published (GUS BDL: own revenues "razem", population in
  working age, area in km²); VariableValue: one value per variable × unit × year, with its
  status and the ValueSource it came from; ValueRevision: every value it replaced.
- Indicator and IndicatorVersion: an indicator's stable code and its definitions over time
  (names, area, type, dimension, unit, polarity, the formula over variables, source and
  licence). Indicator values are computed from the variables on reading
  (workflow/monitoring/compute.py), by one algorithm for units and groups, so an old version's
  values are reproduced from its formula and the variables' history.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    Double,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.extensions import db
from workflow.models.types import UTCDateTime, str_enum, utcnow


class UnitLevel(enum.StrEnum):
    VOIVODESHIP = "voivodeship"
    POWIAT = "powiat"
    GMINA = "gmina"


class UnitKind(enum.StrEnum):
    """A gmina's kind (TERYT RODZ 1, 2, 3), a powiat's (land powiat or city with powiat
    rights), or a voivodeship."""

    URBAN = "urban"
    RURAL = "rural"
    URBAN_RURAL = "urban_rural"
    LAND_POWIAT = "land_powiat"
    CITY_POWIAT = "city_powiat"
    VOIVODESHIP = "voivodeship"


class TerritorialUnit(db.Model):
    __tablename__ = "territorial_unit"
    __table_args__ = (
        CheckConstraint("level IN ('voivodeship', 'powiat', 'gmina')", name="level_known"),
        CheckConstraint("kind IN ('urban', 'rural', 'urban_rural', 'land_powiat', 'city_powiat', "
                        "'voivodeship')", name="kind_known"),
        CheckConstraint("(level = 'voivodeship' AND length(code) = 2) OR "
                        "(level = 'powiat' AND length(code) = 4) OR "
                        "(level = 'gmina' AND length(code) = 7)", name="code_fits_level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The TERYT code: 2 digits (voivodeship), 4 (powiat) or 7 (gmina, the last one its kind).
    code: Mapped[str] = mapped_column(String(7), unique=True)
    level: Mapped[UnitLevel] = mapped_column(str_enum(UnitLevel, 20))
    kind: Mapped[UnitKind] = mapped_column(str_enum(UnitKind, 20))
    name: Mapped[str] = mapped_column(String(120))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("territorial_unit.id"), index=True)
    # STAN_NA of the register the unit was loaded from.
    register_date: Mapped[date] = mapped_column(Date)

    parent: Mapped[TerritorialUnit | None] = relationship(remote_side=[id])


class UnitBoundary(db.Model):
    """A unit's boundary: a GeoJSON geometry (Polygon or MultiPolygon, WGS84, coordinates
    rounded to 4 decimal places), from data/geo/ joined on the first six digits of the code."""

    __tablename__ = "unit_boundary"

    unit_id: Mapped[int] = mapped_column(ForeignKey("territorial_unit.id", ondelete="CASCADE"),
                                         primary_key=True)
    geojson: Mapped[str] = mapped_column(Text)
    # Where the geometry came from (file and commit), as data/geo/README.md gives it.
    origin: Mapped[str] = mapped_column(String(200))
    # The geometry's bounding box (degrees), from which a map's frame is made, and the geometry
    # drawn for a map (workflow/monitoring/maps.py, decision 0032): an SVG path projected into
    # the frame of Poland and into the frame of the unit's voivodeship, with whole relative
    # coordinates. Made by `flask units load` from the geometry above.
    min_lon: Mapped[float | None] = mapped_column(Double)
    min_lat: Mapped[float | None] = mapped_column(Double)
    max_lon: Mapped[float | None] = mapped_column(Double)
    max_lat: Mapped[float | None] = mapped_column(Double)
    svg_country: Mapped[str | None] = mapped_column(Text)
    svg_region: Mapped[str | None] = mapped_column(Text)


class Variable(db.Model):
    """A source variable as its publisher defines it, e.g. BDL "dochody własne: razem" in zł."""

    __tablename__ = "monitoring_variable"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_pl: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))
    measure_unit: Mapped[str] = mapped_column(String(20))
    # The label of the variable in the publisher's exports (BDL: "<group>;<category>"), which
    # the importer recognises in a wide file's header.
    source_label: Mapped[str | None] = mapped_column(String(400), unique=True)
    credit: Mapped[str] = mapped_column(String(200))
    # For a variable the cities report in the questionnaire (docs/decisions/0037): its definition
    # (PL/EN), whether it is a whole number, and the range a value must be in
    # ({"definition_pl", "definition_en", "integer", "minimum", "maximum"}); None otherwise.
    reporting: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))


class ValueStatus(enum.StrEnum):
    PROVISIONAL = "provisional"
    FINAL = "final"
    CORRECTED = "corrected"


class SourceKind(enum.StrEnum):
    """Where values came from: a data file loaded by the command line, an import uploaded by
    a user, values typed in by hand, or a residents' satisfaction survey of an
    experience-exchange group (docs/decisions/0038)."""

    FILE = "file"
    IMPORT = "import"
    ENTRY = "entry"
    SURVEY = "survey"


class ValueSource(db.Model):
    """One load of values: the file (name and SHA-256 of its bytes) or the entry, and when."""

    __tablename__ = "value_source"
    __table_args__ = (
        CheckConstraint("kind IN ('file', 'import', 'entry', 'survey')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[SourceKind] = mapped_column(str_enum(SourceKind, 20))
    name: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # What the load did: rows read, inserted, updated, unchanged, rejected.
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Why: the reason given for a correction of published values (decision 0037), shown as the
    # revision note beside the value.
    note: Mapped[str | None] = mapped_column(Text)


class VariableValue(db.Model):
    """The current value of a variable for a unit and a year. The key is the whole identity
    (no surrogate id): the indicator pages read one variable and one year for every unit."""

    __tablename__ = "variable_value"
    __table_args__ = (
        CheckConstraint("status IN ('provisional', 'final', 'corrected')", name="status_known"),
        CheckConstraint("revision >= 1", name="revision_positive"),
        Index("ix_variable_value_unit", "unit_id", "variable_id", "year"),
        # The key and the value: the pages read a year's values of a few variables for every
        # unit from this index alone, without visiting the table (decision 0032).
        Index("ix_variable_value_reading", "variable_id", "year", "unit_id", "value"),
        # The few provisional values (a city's before its year is published, decision 0037): the
        # public reads leave them out through this small index (decision 0039).
        Index("ix_variable_value_provisional", "variable_id", "year", "unit_id",
              sqlite_where=text("status = 'provisional'"), postgresql_where=text("status = 'provisional'")),
    )

    variable_id: Mapped[int] = mapped_column(ForeignKey("monitoring_variable.id", ondelete="CASCADE"),
                                             primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    unit_id: Mapped[int] = mapped_column(ForeignKey("territorial_unit.id", ondelete="CASCADE"),
                                         primary_key=True, autoincrement=False)
    value: Mapped[float] = mapped_column(Double)
    status: Mapped[ValueStatus] = mapped_column(str_enum(ValueStatus, 20))
    source_id: Mapped[int] = mapped_column(ForeignKey("value_source.id"), index=True)
    # 1 for the first value; each correction adds one and keeps the replaced value.
    revision: Mapped[int] = mapped_column(default=1)


class ValueRevision(db.Model):
    """A value as it was before a correction replaced it (its revision, status and source)."""

    __tablename__ = "value_revision"
    __table_args__ = (
        CheckConstraint("status IN ('provisional', 'final', 'corrected')", name="status_known"),
        UniqueConstraint("variable_id", "unit_id", "year", "revision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    variable_id: Mapped[int] = mapped_column(ForeignKey("monitoring_variable.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("territorial_unit.id", ondelete="CASCADE"))
    year: Mapped[int]
    revision: Mapped[int]
    value: Mapped[float] = mapped_column(Double)
    status: Mapped[ValueStatus] = mapped_column(str_enum(ValueStatus, 20))
    source_id: Mapped[int] = mapped_column(ForeignKey("value_source.id"))
    # The load that replaced it.
    replaced_by_id: Mapped[int] = mapped_column(ForeignKey("value_source.id"), index=True)


class MonitoringArea(enum.StrEnum):
    """The service areas of the monitoring, plus finance and demography as context."""

    LOCAL_TAXES = "local_taxes"
    PROPERTY = "property"
    ROADS_TRANSPORT = "roads_transport"
    ENVIRONMENT = "environment"
    INVESTMENT_CONSTRUCTION = "investment_construction"
    GEODESY_CARTOGRAPHY = "geodesy_cartography"
    CULTURE_RECREATION = "culture_recreation"
    EDUCATION = "education"
    SOCIAL_POLICY = "social_policy"
    FINANCE = "finance"
    DEMOGRAPHY = "demography"


class IndicatorType(enum.StrEnum):
    MONITORING = "monitoring"
    CONTEXT = "context"


class Dimension(enum.StrEnum):
    QUANTITY = "quantity"
    QUALITY = "quality"
    ACCESSIBILITY = "accessibility"
    EFFICIENCY = "efficiency"
    NONE = "none"  # context indicators describe, they do not measure a service


class Polarity(enum.StrEnum):
    HIGHER_BETTER = "higher_better"
    LOWER_BETTER = "lower_better"
    NEUTRAL = "neutral"


def _in(column: str, members: type[enum.StrEnum]) -> str:
    return f"{column} IN (" + ", ".join(f"'{m.value}'" for m in members) + ")"


class Indicator(db.Model):
    """An indicator's stable identity: its code (in URLs and the API) and its versions."""

    __tablename__ = "indicator"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)

    versions: Mapped[list[IndicatorVersion]] = relationship(
        back_populates="indicator", order_by="IndicatorVersion.version")


class IndicatorVersion(db.Model):
    """One version of an indicator's definition. A change of the formula (or of anything that
    changes values) is a new version; the old one stays, so its values can be computed again."""

    __tablename__ = "indicator_version"
    __table_args__ = (
        UniqueConstraint("indicator_id", "version"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint(_in("area", MonitoringArea), name="area_known"),
        CheckConstraint(_in("kind", IndicatorType), name="kind_known"),
        CheckConstraint(_in("dimension", Dimension), name="dimension_known"),
        CheckConstraint(_in("polarity", Polarity), name="polarity_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id", ondelete="CASCADE"))
    version: Mapped[int]
    name_pl: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))
    description_pl: Mapped[str] = mapped_column(Text)
    description_en: Mapped[str] = mapped_column(Text)
    area: Mapped[MonitoringArea] = mapped_column(str_enum(MonitoringArea, 30))
    kind: Mapped[IndicatorType] = mapped_column(str_enum(IndicatorType, 20))
    dimension: Mapped[Dimension] = mapped_column(str_enum(Dimension, 20))
    measure_unit_pl: Mapped[str] = mapped_column(String(60))
    measure_unit_en: Mapped[str] = mapped_column(String(60))
    polarity: Mapped[Polarity] = mapped_column(str_enum(Polarity, 20))
    decimals: Mapped[int] = mapped_column(default=1)
    # compute.Formula as JSON: {"numerator": [{"variable": ..., "coefficient": ..., "year": ...}],
    # "denominator": [...], "scale": ...}.
    formula: Mapped[dict[str, Any]] = mapped_column(JSON)
    credit: Mapped[str] = mapped_column(String(200))
    licence: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    indicator: Mapped[Indicator] = relationship(back_populates="versions")


# --- peer groups (docs/decisions/0032) ----------------------------------------------------------

class GroupKind(enum.StrEnum):
    """How a group's members are found. The first four are rules over the register, the values
    and the programmes, applied whenever the group is read (no member rows); a list and a
    "most similar" group keep their members (UnitGroupMember) beside the definition that made
    them, so that anyone can check them by computing them again."""

    ADMINISTRATIVE = "administrative"  # {"within": "PL" | a voivodeship's or powiat's code}
    UNIT_KIND = "unit_kind"  # {"kind": "urban" | "rural" | "urban_rural"}
    POPULATION = "population"  # {"indicator", "at_least", "below", "year" (None: the year read)}
    PROGRAMME = "programme"  # {"programme": code}: the municipalities of its applicants
    LIST = "list"  # {"units": [codes]}
    SIMILAR = "similar"  # {"anchor", "indicators": [{code, version, weight}], "year", "size", "among"}


class UnitGroup(db.Model):
    """A peer group of gminas: its stable code (in URLs and the API), names, kind and the
    definition (JSON) that rebuilds it. `standard` groups are made by the system from the
    register, the programmes and the data files (`flask groups standard`); the others by a
    person (`created_by`)."""

    __tablename__ = "unit_group"
    __table_args__ = (
        CheckConstraint(_in("kind", GroupKind), name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[GroupKind] = mapped_column(str_enum(GroupKind, 20))
    name_pl: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    standard: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    # Raised by SQLAlchemy with every UPDATE of the row (version_id_col below: a group changed
    # in place, by `flask groups standard` or any other writer, and refused if another
    # transaction changed it meanwhile). The data's version (monitoring/cache.stamp) reads the
    # sum, so what is kept per version (the choice of groups on the pages) follows every change
    # (docs/decisions/0049).
    revision: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": revision}

    def name(self, locale: str | None) -> str:
        return self.name_en if (locale or "pl").startswith("en") else self.name_pl


class UnitGroupMember(db.Model):
    """A member of a list or of a "most similar" group: its place (the order of a list; the
    rank by distance in a similar group, 0 for the unit it was computed for) and distance."""

    __tablename__ = "unit_group_member"
    __table_args__ = (
        CheckConstraint("position >= 0", name="position_positive"),
        CheckConstraint("distance IS NULL OR distance >= 0", name="distance_positive"),
    )

    group_id: Mapped[int] = mapped_column(ForeignKey("unit_group.id", ondelete="CASCADE"),
                                          primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("territorial_unit.id", ondelete="CASCADE"),
                                         primary_key=True, index=True)
    position: Mapped[int] = mapped_column(default=0)
    distance: Mapped[float | None] = mapped_column(Double)

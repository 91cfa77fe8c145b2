"""A small monitoring round: six cities of the register (gminas), each a town applicant with a
team account city<N>@…, an analyst (coordinator), and the indicator definitions loaded."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from factories.accounts import make_user
from workflow.extensions import db
from workflow.models import (
    Applicant,
    ApplicantMember,
    GroupKind,
    Municipality,
    TerritorialUnit,
    UnitGroup,
    UnitGroupMember,
    UnitKind,
    UnitLevel,
    User,
)
from workflow.monitoring import definitions

CITIES = ("Ostrzeszów", "Wałcz", "Chełm", "Sanok", "Łomża", "Kutno")


@dataclass
class Round:
    units: list[TerritorialUnit] = field(default_factory=list)
    cities: list[User] = field(default_factory=list)
    analyst: User | None = None


def build_round(n: int = len(CITIES)) -> Round:
    definitions.load()
    out = Round()
    register = date(2024, 1, 1)
    voivodeship = TerritorialUnit(code="30", level=UnitLevel.VOIVODESHIP, kind=UnitKind.VOIVODESHIP,
                                  name="wielkopolskie", register_date=register)
    powiat = TerritorialUnit(code="3001", level=UnitLevel.POWIAT, kind=UnitKind.LAND_POWIAT,
                             name="powiat", parent=voivodeship, register_date=register)
    db.session.add_all([voivodeship, powiat])
    for i, name in enumerate(CITIES[:n], start=1):
        unit = TerritorialUnit(code=f"30010{i}1", level=UnitLevel.GMINA, kind=UnitKind.URBAN,
                               name=name, parent=powiat, register_date=register)
        municipality = Municipality(name=name, voivodeship="wielkopolskie", teryt=unit.code, unit=unit)
        applicant = Applicant(kind="town", name=name, voivodeship="wielkopolskie")
        applicant.memberships.append(ApplicantMember(municipality=municipality, is_leader=True))
        db.session.add_all([unit, municipality, applicant])
        out.units.append(unit)
        out.cities.append(make_user(f"city{i:02d}@example.pl", "town", applicant))
    out.analyst = make_user("analityk@example.pl", "coordinator")
    # The cities' peer group: a system's list group (as "monitoring-cities" is), which the
    # questionnaire's plausibility check reads (questionnaire.peers).
    db.session.flush()
    group = UnitGroup(code="test-round", kind=GroupKind.LIST, name_pl="Runda testowa", name_en="Test round",
                      definition={"units": [u.code for u in out.units]}, standard=True)
    db.session.add(group)
    db.session.flush()
    db.session.add_all([UnitGroupMember(group_id=group.id, unit_id=u.id, position=n)
                        for n, u in enumerate(out.units, start=1)])
    db.session.commit()
    return out

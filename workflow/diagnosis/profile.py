"""The applicant's indicator profile against its peer groups, for the diagnosis stage.

A town's gmina, or each member gmina of a partnership, with its value of every indicator, its
place and the group's median and quartiles in each of its groups; for a partnership also the
whole area as one group, computed by the one algorithm (ratio of sums over the members,
workflow/monitoring/compute.py). Read through monitoring.profiles.unit_profiles, the same code
as the public profile, so the page costs the same statements for two members as for twenty.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, select

from workflow.extensions import db
from workflow.models import (
    ApplicantMember,
    IndicatorVersion,
    Municipality,
    Path,
    TerritorialUnit,
    UnitGroup,
    UnitLevel,
)
from workflow.monitoring import charts, compute, groups, profiles


@dataclass(frozen=True)
class Spread:
    """The distribution of a group's gminas' own values (as compute.aggregate gives it, from the
    values the profile computed already: no second pass through the formulas)."""

    count: int
    q1: float | None
    median: float | None
    q3: float | None


def spread(values: dict[int, float], member_ids: Iterable[int]) -> Spread:
    found = sorted(v for i in member_ids if (v := values.get(i)) is not None)
    if not found:
        return Spread(0, None, None, None)
    return Spread(len(found), compute.quantile(found, 0.25), compute.quantile(found, 0.5),
                  compute.quantile(found, 0.75))


@dataclass(frozen=True)
class Against:
    """A gmina's value of an indicator against one of its groups."""

    group: UnitGroup
    place: profiles.Place | None
    figures: Spread


@dataclass(frozen=True)
class MemberRow:
    version: IndicatorVersion
    value: float | None
    against: list[Against]


@dataclass(frozen=True)
class Member:
    municipality: Municipality
    profile: profiles.Profile | None  # None: no gmina of the register (a powiat, no code)
    rows: list[MemberRow]


@dataclass(frozen=True)
class AreaRow:
    version: IndicatorVersion
    area: compute.Aggregate  # the members as one group: ratio of sums, and their spread
    country: Spread | None  # every gmina of the register, for scale


@dataclass(frozen=True)
class DiagnosisProfile:
    year: int | None
    years: list[int]
    members: list[Member]
    area: list[AreaRow]  # empty for a single gmina (a town): the gmina is the area
    fmt: dict[str, charts.Formatter]  # by indicator code


def member_municipalities(path: Path) -> list[tuple[Municipality, TerritorialUnit | None]]:
    """The applicant's municipalities, the leader first, each with its gmina of the register
    found by its TERYT code (one statement)."""
    return [(m, u) for m, u in db.session.execute(
        select(Municipality, TerritorialUnit)
        .join(ApplicantMember, ApplicantMember.municipality_id == Municipality.id)
        .outerjoin(TerritorialUnit, and_(TerritorialUnit.code == Municipality.teryt,
                                         TerritorialUnit.level == UnitLevel.GMINA))
        .where(ApplicantMember.applicant_id == path.applicant_id)
        .order_by(ApplicantMember.is_leader.desc(), Municipality.name, Municipality.id))]


def of_path(path: Path, year: object = None, locale: str = "pl") -> DiagnosisProfile:
    """The diagnosis profile of the path's applicant: 9 statements at most whatever the number
    of members (the members with their gminas, then monitoring.profiles.unit_profiles' 8)."""
    return of_municipalities(member_municipalities(path), year, locale)


def of_municipalities(found: list[tuple[Municipality, TerritorialUnit | None]], year: object = None,
                      locale: str = "pl") -> DiagnosisProfile:
    municipalities = [m for m, _u in found]
    units = [u for _m, u in found if u is not None]
    codes = [m.teryt for m in municipalities if m.teryt]
    read = profiles.unit_profiles(codes, year, locale, units=units, marks=False, cached=False)
    by_code = {p.unit.code: p for p in read.profiles}
    chosen = read.year
    groups_by_id = {g.id: g for p in read.profiles for g in p.groups}
    figures: dict[tuple[int, int], Spread] = {}  # (indicator n, group id)
    if chosen is not None:
        for n, values in enumerate(read.values):
            for gid in groups_by_id:
                figures[(n, gid)] = spread(values, read.members.get(gid, ()))
    members = []
    for m in municipalities:
        p = by_code.get(m.teryt or "")
        rows = []
        if p is not None:
            for n, r in enumerate(p.rows):
                rows.append(MemberRow(r.version, r.value, [
                    Against(g, r.places.get(g.id), figures[(n, g.id)]) for g in p.groups
                    if (n, g.id) in figures]))
        members.append(Member(m, p, rows))
    area: list[AreaRow] = []
    unit_ids = [p.unit.id for p in read.profiles]
    everyone = next((g.id for g in groups_by_id.values() if g.code == groups.ALL), None)
    if len(unit_ids) > 1 and chosen is not None:
        for f, version in zip(read.formulas, read.indicators, strict=True):
            area.append(AreaRow(version, compute.aggregate(f, read.data, chosen, unit_ids),
                                spread(read.values[len(area)], read.members.get(everyone, ()))
                                if everyone is not None else None))
    fmt = {v.indicator.code: charts.formatter(v.decimals, locale) for v in read.indicators}
    years = sorted({y for p in read.profiles for y in p.years}, reverse=True)
    return DiagnosisProfile(chosen, years, members, area, fmt)

"""Peer groups of gminas (docs/decisions/0032): each a row with a stable code (its URL) and the
definition that rebuilds it.

- administrative: every gmina of Poland ("all"), of a voivodeship ("voivodeship-12") or of a
  powiat ("powiat-1261"): the gminas whose TERYT code starts with `within`;
- unit_kind: the urban, rural or urban-rural gminas ("kind-urban");
- population: the gminas whose population (the indicator "ludnosc") in the year read is at
  least `at_least` and below `below` ("population-20000-50000"; `year` fixes a year instead);
- programme: the municipalities (by TERYT code) of a programme's applicants ("programme-rl-2020");
- list: the units listed ("monitoring-cities": the 32 cities of the public-services monitoring
  groups, data/seed_towns.csv; "list-…": a person's own list);
- similar: the units nearest to an anchor in chosen indicators (similar.py, "similar-…").

Rule groups keep no member rows: their members are found when they are read, by `members()`,
in at most four statements for any number of groups. Lists and similar groups keep theirs
(UnitGroupMember), and their definition holds everything needed to make them again.
`ensure_standard()` makes the system's groups from the register, the programmes and the data
files; it is idempotent.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import flag_modified

from workflow.extensions import db
from workflow.models import (
    ApplicantMember,
    GroupKind,
    IndicatorVersion,
    Municipality,
    Path,
    Programme,
    TerritorialUnit,
    UnitGroup,
    UnitGroupMember,
    UnitKind,
    UnitLevel,
    User,
)
from workflow.monitoring import cache, compute, readings
from workflow.refusal import Refused, _l

SEED_TOWNS = FsPath(__file__).resolve().parents[2] / "data" / "seed_towns.csv"
MONITORING_LIST = "services monitoring"
POPULATION_INDICATOR = "ludnosc"
# Population classes of gminas (residents on 31 December): [at_least, below).
POPULATION_CLASSES: tuple[tuple[int, int | None], ...] = (
    (0, 5000), (5000, 10000), (10000, 20000), (20000, 50000), (50000, 100000),
    (100000, 200000), (200000, None))
KIND_NAMES = {UnitKind.URBAN: ("Gminy miejskie", "Urban gminas"),
              UnitKind.RURAL: ("Gminy wiejskie", "Rural gminas"),
              UnitKind.URBAN_RURAL: ("Gminy miejsko-wiejskie", "Urban-rural gminas")}
ALL = "all"
LIST_MAX = 500  # units in a person's list
NAME_MAX = 200


class GroupRefused(Refused):
    status = 400


# --- the system's groups -----------------------------------------------------------------------

@dataclass(frozen=True)
class Wanted:
    code: str
    kind: GroupKind
    name_pl: str
    name_en: str
    definition: dict[str, Any]
    units: tuple[str, ...] = ()  # a list's members, by code


def _thousands(n: int) -> str:
    return f"{n // 1000} tys." if n % 1000 == 0 else f"{n:,}".replace(",", " ")


def population_names(at_least: int, below: int | None) -> tuple[str, str]:
    if below is None:
        return (f"Gminy od {_thousands(at_least)} mieszkańców",
                f"Gminas of {at_least:,} residents or more")
    if at_least == 0:
        return (f"Gminy poniżej {_thousands(below)} mieszkańców", f"Gminas under {below:,} residents")
    return (f"Gminy od {_thousands(at_least)} do {_thousands(below)} mieszkańców",
            f"Gminas of {at_least:,} to {below:,} residents")


def population_code(at_least: int, below: int | None) -> str:
    return f"population-{at_least}-{below if below is not None else 'up'}"


def monitoring_cities(path: FsPath = SEED_TOWNS) -> tuple[str, ...]:
    """The TERYT codes of the source document's 32 cities of the monitoring groups."""
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return tuple(r["teryt7"].strip() for r in rows
                 if MONITORING_LIST in r["seed_list"] and (r.get("teryt7") or "").strip())


def standard_groups() -> list[Wanted]:
    """Every group the system keeps, from the register, the programmes and the data files."""
    wanted = [Wanted(ALL, GroupKind.ADMINISTRATIVE, "Wszystkie gminy", "All gminas", {"within": "PL"})]
    voivodeships: dict[str, str] = {}
    rows = db.session.execute(
        sa.select(TerritorialUnit.code, TerritorialUnit.name, TerritorialUnit.kind)
        .where(TerritorialUnit.level != UnitLevel.GMINA).order_by(TerritorialUnit.code))
    for code, name, kind in rows:
        if kind is UnitKind.VOIVODESHIP:
            voivodeships[code] = name.lower()
            wanted.append(Wanted(f"voivodeship-{code}", GroupKind.ADMINISTRATIVE,
                                 f"Województwo {name.lower()}", f"{name.capitalize()} Voivodeship",
                                 {"within": code}))
        elif kind is UnitKind.CITY_POWIAT:
            wanted.append(Wanted(f"powiat-{code}", GroupKind.ADMINISTRATIVE,
                                 f"{name} (miasto na prawach powiatu)", f"{name} (city with powiat status)",
                                 {"within": code}))
        else:
            region = voivodeships.get(code[:2], "")
            wanted.append(Wanted(f"powiat-{code}", GroupKind.ADMINISTRATIVE,
                                 f"Powiat {name} ({region})", f"Powiat {name} ({region})",
                                 {"within": code}))
    for kind, (pl, en) in KIND_NAMES.items():
        wanted.append(Wanted(f"kind-{kind.value.replace('_', '-')}", GroupKind.UNIT_KIND, pl, en,
                             {"kind": kind.value}))
    for at_least, below in POPULATION_CLASSES:
        pl, en = population_names(at_least, below)
        wanted.append(Wanted(population_code(at_least, below), GroupKind.POPULATION, pl, en,
                             {"indicator": POPULATION_INDICATOR, "at_least": at_least, "below": below,
                              "year": None}))
    for code, title_pl, title_en in db.session.execute(
            sa.select(Programme.code, Programme.title_pl, Programme.title_en).order_by(Programme.id)):
        wanted.append(Wanted(f"programme-{code.lower()}", GroupKind.PROGRAMME,
                             f"Miasta programu {title_pl}", f"Towns of the programme {title_en}",
                             {"programme": code}))
    cities = monitoring_cities()
    wanted.append(Wanted("monitoring-cities", GroupKind.LIST,
                         "Miasta grup monitorowania usług publicznych",
                         "Cities of the public-services monitoring groups",
                         {"units": list(cities), "source": "data/seed_towns.csv (services monitoring)"},
                         cities))
    return wanted


@dataclass
class StandardReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    unknown_units: list[str] = field(default_factory=list)


def ensure_standard() -> StandardReport:
    """Make or update the system's groups (idempotent; deletes nothing); commits."""
    report = StandardReport()
    existing = {g.code: g for g in db.session.scalars(sa.select(UnitGroup).where(UnitGroup.standard))}
    for want in standard_groups():
        group = existing.get(want.code)
        fields = {"kind": want.kind, "name_pl": want.name_pl, "name_en": want.name_en,
                  "definition": want.definition}
        if group is None:
            group = UnitGroup(code=want.code, standard=True, **fields)
            db.session.add(group)
            report.added += 1
        elif any(getattr(group, k) != v for k, v in fields.items()):
            for k, v in fields.items():
                setattr(group, k, v)
            report.updated += 1
        else:
            report.unchanged += 1
        if want.kind is GroupKind.LIST:
            db.session.flush()
            report.unknown_units += _set_members(group, want.units)
    db.session.commit()
    return report


def _set_members(group: UnitGroup, codes: Sequence[str],
                 distances: Sequence[float | None] | None = None) -> list[str]:
    """The group's member rows become `codes` in this order; returns the codes with no unit."""
    units = {c: i for c, i in db.session.execute(
        sa.select(TerritorialUnit.code, TerritorialUnit.id).where(TerritorialUnit.code.in_(list(codes))))}
    rows = [{"group_id": group.id, "unit_id": units[c], "position": n,
             "distance": distances[n] if distances else None}
            for n, c in enumerate(codes) if c in units]
    have = [dict(r._mapping) for r in db.session.execute(
        sa.select(UnitGroupMember.group_id, UnitGroupMember.unit_id, UnitGroupMember.position,
                  UnitGroupMember.distance).where(UnitGroupMember.group_id == group.id)
        .order_by(UnitGroupMember.position))]
    if have != rows:
        if have:  # an existing group's members changed: its revision too (cache.stamp, decision 0049)
            flag_modified(group, "definition")
        db.session.execute(sa.delete(UnitGroupMember).where(UnitGroupMember.group_id == group.id))
        if rows:
            db.session.execute(sa.insert(UnitGroupMember), rows)
    return [c for c in codes if c not in units]


# --- reading groups -----------------------------------------------------------------------------

def get(code: str) -> UnitGroup | None:
    return db.session.scalar(sa.select(UnitGroup).where(UnitGroup.code == code))


def get_or_404(code: str) -> UnitGroup:
    group = get(code)
    if group is None:
        raise GroupRefused(status=404)
    return group


def listed(extra: str | None = None) -> list[UnitGroup]:
    """The system's groups but the 380 powiats (a page's choice of groups), and `extra` (the
    group a page shows, whatever it is): one statement."""
    condition = sa.and_(UnitGroup.standard, sa.not_(UnitGroup.code.startswith("powiat-")))  # _in_choice
    if extra:
        condition = sa.or_(condition, UnitGroup.code == extra)
    return list(db.session.scalars(sa.select(UnitGroup).where(condition).order_by(UnitGroup.id)))


@dataclass(frozen=True)
class Choice:
    """A group as a page shows and reads it (its code, kind, names, definition), in plain values
    that are kept between requests (`choices_at`) and shared: never change one, nor its
    definition."""

    id: int
    code: str
    kind: GroupKind
    name_pl: str
    name_en: str
    definition: dict[str, Any]
    standard: bool

    @classmethod
    def of(cls, group: UnitGroup) -> Choice:
        return cls(group.id, group.code, group.kind, group.name_pl, group.name_en, group.definition,
                   group.standard)

    def name(self, locale: str | None) -> str:
        return self.name_en if (locale or "pl").startswith("en") else self.name_pl


def choices_at(stamp: tuple[Any, ...], extra: str | None = None) -> list[Choice]:
    """listed(extra) as plain values, kept per version of the data (`stamp`: cache.stamp(), which
    holds the groups' number, newest id and the sum of their revisions, raised by every change of
    a group in place: decision 0049): no statement when kept. An `extra` outside the system's
    choice (a powiat, a person's list, a similar group) is read once and kept with it (not when it
    does not exist: nothing is kept for a code nobody has)."""
    key = ("group-choices", stamp)
    base: list[Choice] | None = cache.peek(key)
    if base is None:  # one statement, as listed(extra)
        read = [Choice.of(g) for g in listed(extra)]
        base = [c for c in read if _in_choice(c)]
        cache.put(key, base, 0.05)
        if len(read) > len(base):
            cache.put((*key, extra), read, 0.05)
            return read
    if not extra or any(c.code == extra for c in base):
        return base
    found: list[Choice] | None = cache.peek((*key, extra))
    if found is None:
        group = get(extra)
        if group is None:
            return base
        found = sorted([*base, Choice.of(group)], key=lambda c: c.id)
        cache.put((*key, extra), found, 0.05)
    return found


def _in_choice(group: Choice) -> bool:
    """Whether listed() lists the group whatever the extra (its condition, in Python)."""
    return group.standard and not group.code.startswith("powiat-")


def standard_listing() -> list[UnitGroup]:
    """Every group of the system, powiats included, by code (one statement)."""
    return list(db.session.scalars(sa.select(UnitGroup).where(UnitGroup.standard).order_by(UnitGroup.id)))


def containing(unit: TerritorialUnit) -> list[UnitGroup]:
    """The groups a gmina may belong to, in one statement: its administrative and kind groups,
    every population class and programme group (members() decides), and the lists and similar
    groups that hold it."""
    return containing_any([unit])


def containing_any(units: Sequence[TerritorialUnit]) -> list[UnitGroup]:
    """The groups any of the gminas may belong to, in one statement however many gminas."""
    codes = {ALL}
    for unit in units:
        code = unit.code
        codes.update((f"voivodeship-{code[:2]}", f"powiat-{code[:4]}",
                      f"kind-{unit.kind.value.replace('_', '-')}"))
    held = sa.select(UnitGroupMember.group_id).where(UnitGroupMember.unit_id.in_(sorted(u.id for u in units)))
    return list(db.session.scalars(sa.select(UnitGroup).where(sa.or_(
        UnitGroup.code.in_(sorted(codes)),
        UnitGroup.kind.in_([GroupKind.POPULATION, GroupKind.PROGRAMME]),
        UnitGroup.id.in_(held))).order_by(UnitGroup.id)))


def population_formula(groups: Iterable[UnitGroup],
                       indicators: Mapping[str, IndicatorVersion]) -> compute.Formula | None:
    """The formula population groups are judged by (None when no group needs one)."""
    codes = {g.definition.get("indicator", POPULATION_INDICATOR) for g in groups
             if g.kind is GroupKind.POPULATION}
    if not codes:
        return None
    if len(codes) > 1:
        raise ValueError(f"population groups on several indicators: {sorted(codes)}")
    version = indicators.get(codes.pop())
    return readings.formula(version) if version is not None else None


def members(groups: Sequence[UnitGroup], year: int, units: Mapping[int, readings.Gmina],
            data: readings.Data | None = None,
            indicators: Mapping[str, IndicatorVersion] | None = None) -> dict[int, list[int]]:
    """Each group's members (unit ids) in `year`: the rule groups' from `units` (the gminas),
    a population class's from `data`, which must hold the values of the population formula
    (population_formula) in `year` and in its fixed year if it has one; programmes' and stored
    members in one statement each, and only if a group needs them. Sorted by code (a rule
    group) or by place (a list, a similar group)."""
    out: dict[int, list[int]] = {}
    ordered = sorted(units.values(), key=lambda u: u.code)
    population = population_formula(groups, indicators or {})
    by_programme = programme_units([g for g in groups if g.kind is GroupKind.PROGRAMME])
    stored = _stored([g for g in groups if g.kind in (GroupKind.LIST, GroupKind.SIMILAR)])
    computed: dict[int, dict[int, float]] = {}

    def residents(when: int) -> dict[int, float]:
        """Each gmina's population in `when` (computed once per year)."""
        if when not in computed:
            evaluate = population.evaluator(when) if population else None
            computed[when] = {} if evaluate is None else {
                u.id: v for u in ordered if (v := evaluate((data or {}).get(u.id, {}))) is not None}
        return computed[when]

    for group in groups:
        d = group.definition
        if group.kind is GroupKind.ADMINISTRATIVE:
            within = "" if d["within"] == "PL" else d["within"]
            out[group.id] = [u.id for u in ordered if u.code.startswith(within)]
        elif group.kind is GroupKind.UNIT_KIND:
            out[group.id] = [u.id for u in ordered if u.kind.value == d["kind"]]
        elif group.kind is GroupKind.POPULATION:
            at, below = d["at_least"], d.get("below")
            people = residents(d.get("year") or year)
            out[group.id] = [u.id for u in ordered if (v := people.get(u.id)) is not None
                             and v >= at and (below is None or v < below)]
        elif group.kind is GroupKind.PROGRAMME:
            codes = by_programme.get(d["programme"], set())
            out[group.id] = [u.id for u in ordered if u.code in codes]
        else:
            out[group.id] = [i for i in stored.get(group.id, []) if i in units]
    return out


def programme_units(groups: Sequence[UnitGroup]) -> dict[str, set[str]]:
    if not groups:
        return {}
    codes = sorted({g.definition["programme"] for g in groups})
    rows = db.session.execute(
        sa.select(Programme.code, Municipality.teryt)
        .join(Path, Path.programme_id == Programme.id)
        .join(ApplicantMember, ApplicantMember.applicant_id == Path.applicant_id)
        .join(Municipality, Municipality.id == ApplicantMember.municipality_id)
        .where(Programme.code.in_(codes), Municipality.teryt.is_not(None)))
    out: dict[str, set[str]] = defaultdict(set)
    for programme, teryt in rows:
        out[programme].add(teryt)
    return out


def _stored(groups: Sequence[UnitGroup]) -> dict[int, list[int]]:
    if not groups:
        return {}
    rows = db.session.execute(
        sa.select(UnitGroupMember.group_id, UnitGroupMember.unit_id)
        .where(UnitGroupMember.group_id.in_([g.id for g in groups]))
        .order_by(UnitGroupMember.group_id, UnitGroupMember.position))
    out: dict[int, list[int]] = defaultdict(list)
    for group_id, unit_id in rows:
        out[group_id].append(unit_id)
    return out


def stored_members(group: UnitGroup) -> list[UnitGroupMember]:
    """A list's or a similar group's member rows, by place (one statement)."""
    return list(db.session.scalars(sa.select(UnitGroupMember).where(UnitGroupMember.group_id == group.id)
                                   .order_by(UnitGroupMember.position)))


# --- a person's own groups ----------------------------------------------------------------------

def definition_code(prefix: str, definition: Mapping[str, Any]) -> str:
    """A stable code for a definition: the same definition always gets the same code."""
    text = json.dumps(definition, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return f"{prefix}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


def parse_codes(text: str) -> list[str]:
    """TERYT codes typed or pasted: separated by anything that is not a digit; a 6-digit code
    (BDL habit) and codes missing their leading zero are read as in the importer."""
    out: list[str] = []
    token = ""
    for ch in text + " ":
        if ch.isascii() and ch.isdigit():
            token += ch
            continue
        if token:
            out.append(token.zfill(7) if len(token) == 6 else token)
            token = ""
    return list(dict.fromkeys(out))


def save_list(name: str, codes_text: str, user: User | None) -> UnitGroup:
    """A person's list of gminas (by TERYT code); the same name and members give the same
    group back. Refused (400) with the codes it does not know."""
    name = " ".join(name.split())
    errors: dict[str, list[Any]] = {}
    if not name:
        errors["name"] = [_l("Podaj nazwę grupy.")]
    elif len(name) > NAME_MAX:
        errors["name"] = [_l("Nazwa może mieć najwyżej %(n)d znaków.", n=NAME_MAX)]
    codes = parse_codes(codes_text)
    if not codes:
        errors["units"] = [_l("Podaj co najmniej jeden kod TERYT gminy.")]
    elif len(codes) > LIST_MAX:
        errors["units"] = [_l("Lista może mieć najwyżej %(n)d gmin.", n=LIST_MAX)]
    else:
        known = set(db.session.scalars(sa.select(TerritorialUnit.code).where(
            TerritorialUnit.code.in_(codes), TerritorialUnit.level == UnitLevel.GMINA)))
        unknown = [c for c in codes if c not in known]
        if unknown:
            errors["units"] = [_l("Nie ma gmin o tych kodach TERYT: %(codes)s.",
                                  codes=", ".join(unknown[:20]) + (" …" if len(unknown) > 20 else ""))]
    if errors:
        raise GroupRefused(errors=errors)
    definition = {"units": codes}
    group = UnitGroup(code=definition_code("list", {"name": name, **definition}), kind=GroupKind.LIST,
                      name_pl=name, name_en=name, definition=definition, standard=False,
                      created_by_id=user.id if user is not None else None)
    return _save(group, codes, None)


def _save(group: UnitGroup, codes: Sequence[str], distances: Sequence[float | None] | None) -> UnitGroup:
    """A person's group, unless one of the same code (the same definition) exists: then that
    one, also when another request saved it a moment ago (the unique code decides)."""
    found = get(group.code)
    if found is not None:
        return found
    try:
        with db.session.begin_nested():
            db.session.add(group)
            db.session.flush()
            _set_members(group, codes, distances)
    except IntegrityError:
        found = get(group.code)
        if found is None:
            raise
        return found
    db.session.commit()
    return group


def save_similar(definition: Mapping[str, Any], names: tuple[str, str], found: Sequence[tuple[str, float]],
                 user: User | None) -> UnitGroup:
    """A "most similar" group as similar.py computed it: its definition, and the members in
    order of distance (the anchor first). Saving the same definition again gives the same group."""
    group = UnitGroup(code=definition_code("similar", definition), kind=GroupKind.SIMILAR,
                      name_pl=names[0], name_en=names[1], definition=dict(definition), standard=False,
                      created_by_id=user.id if user is not None else None)
    return _save(group, [c for c, _d in found], [d for _c, d in found])

"""The peer groups the API serves now: the ones the TERYT register defines by itself.

Every gmina of Poland (`poland`), of a voivodeship (`voivodeship-12`), of a powiat
(`powiat-1261`) and of a kind (`kind-urban`, `kind-rural`, `kind-urban_rural`). Their members
follow from the units' codes and kinds, so they need no rows of their own (decision 0028,
"Groups"): each group is a predicate on `territorial_unit`, and its `definition` says that
predicate as data, so anyone can rebuild the group from the register.

This module is the API's one seam to groups: `listing`, `find`, `find_many` and
`Group.clause`/`Group.contains`. The stored groups of the indicator pages (population
classes, programme towns, hand-made lists, "most similar"; `unit_group` and
`unit_group_member`) plug in here when they land: a stored group's clause is a membership
subquery, its definition the row's own.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement

from workflow.extensions import db
from workflow.models import TerritorialUnit, UnitKind, UnitLevel

GMINA_KINDS = (UnitKind.URBAN, UnitKind.RURAL, UnitKind.URBAN_RURAL)
KIND_NAMES = {
    UnitKind.URBAN: ("Gminy miejskie", "Urban gminas"),
    UnitKind.RURAL: ("Gminy wiejskie", "Rural gminas"),
    UnitKind.URBAN_RURAL: ("Gminy miejsko-wiejskie", "Urban-rural gminas"),
}
# The kinds of group, as the indicator base names them (decision 0028).
ADMINISTRATIVE, UNIT_KIND = "administrative", "unit_kind"
GROUP_KINDS = (ADMINISTRATIVE, UNIT_KIND)
ID_RE = re.compile(r"^(poland|voivodeship-\d{2}|powiat-\d{4}|kind-(urban|rural|urban_rural))$")


@dataclass(frozen=True)
class Group:
    id: str
    kind: str
    name_pl: str
    name_en: str
    definition: dict[str, Any]
    members: int = 0

    @property
    def within(self) -> str:
        """The TERYT prefix the members' codes start with ('' for the whole country)."""
        return self.definition.get("within", {}).get("code", "")

    @property
    def unit_kind(self) -> str | None:
        return self.definition.get("unit_kind")

    def clause(self) -> ColumnElement[bool]:
        """The group's members as a condition on territorial_unit."""
        conditions = [TerritorialUnit.level == UnitLevel.GMINA]
        if self.within:
            conditions.append(TerritorialUnit.code.startswith(self.within, autoescape=True))
        if self.unit_kind:
            conditions.append(TerritorialUnit.kind == UnitKind(self.unit_kind))
        return sa.and_(*conditions)

    def contains(self, code: str, level: str, kind: str) -> bool:
        """The same condition, on a unit already read."""
        return (level == UnitLevel.GMINA and code.startswith(self.within)
                and (self.unit_kind is None or kind == self.unit_kind))


def _definition(register: str, within: tuple[str, str] | None = None,
                unit_kind: UnitKind | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"level": UnitLevel.GMINA.value, "register": register}
    if within:
        out["within"] = {"code": within[0], "level": within[1]}
    if unit_kind:
        out["unit_kind"] = unit_kind.value
    return out


def _poland(register: str, members: int) -> Group:
    return Group("poland", ADMINISTRATIVE, "Wszystkie gminy w Polsce", "Every gmina of Poland",
                 _definition(register), members)


def _of_unit(code: str, name: str, kind: UnitKind, register: str, members: int) -> Group:
    if len(code) == 2:
        return Group(f"voivodeship-{code}", ADMINISTRATIVE, f"Gminy województwa: {name.lower()}",
                     f"Gminas of the voivodeship {name.lower()}",
                     _definition(register, (code, UnitLevel.VOIVODESHIP.value)), members)
    if kind is UnitKind.CITY_POWIAT:
        pl, en = f"Miasto na prawach powiatu {name}", f"{name}, a city with powiat rights"
    else:
        pl, en = f"Gminy powiatu {name}", f"Gminas of the powiat {name}"
    return Group(f"powiat-{code}", ADMINISTRATIVE, pl, en,
                 _definition(register, (code, UnitLevel.POWIAT.value)), members)


def _of_kind(kind: UnitKind, register: str, members: int) -> Group:
    pl, en = KIND_NAMES[kind]
    return Group(f"kind-{kind.value}", UNIT_KIND, pl, en, _definition(register, unit_kind=kind), members)


def _gmina_counts() -> tuple[Counter[str], Counter[str], str]:
    """Gminas per voivodeship and powiat code and per kind (one statement), and the date of
    the register they come from."""
    by_place: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()
    register = ""
    # The powiat's code as a label: PostgreSQL would see two bound substr() calls as different.
    powiat = sa.func.substr(TerritorialUnit.code, 1, 4).label("powiat")
    rows = db.session.execute(
        sa.select(powiat, TerritorialUnit.kind, sa.func.count(), sa.func.max(TerritorialUnit.register_date))
        .where(TerritorialUnit.level == UnitLevel.GMINA)
        .group_by(powiat, TerritorialUnit.kind))
    for powiat, kind, n, date in rows:
        by_place[powiat] += n
        by_place[powiat[:2]] += n
        by_place[""] += n
        by_kind[str(kind)] += n
        register = max(register, date.isoformat() if date else "")
    return by_place, by_kind, register


def listing(kind: str | None = None) -> list[Group]:
    """Every group (of `kind`), ordered by id: two statements."""
    by_place, by_kind, register = _gmina_counts()
    out: list[Group] = []
    if kind in (None, ADMINISTRATIVE):
        out.append(_poland(register, by_place[""]))
        rows = db.session.execute(
            sa.select(TerritorialUnit.code, TerritorialUnit.name, TerritorialUnit.kind)
            .where(TerritorialUnit.level.in_((UnitLevel.VOIVODESHIP, UnitLevel.POWIAT))))
        out += [_of_unit(code, name, k, register, by_place[code]) for code, name, k in rows]
    if kind in (None, UNIT_KIND):
        out += [_of_kind(k, register, by_kind[k.value]) for k in GMINA_KINDS]
    return sorted(out, key=lambda g: g.id)


def find_many(ids: Iterable[str]) -> tuple[list[Group], list[str]]:
    """The groups of `ids` (in that order, once each) and the ids that name none: at most
    two statements, however many ids."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return [], []
    well_formed = [i for i in wanted if ID_RE.match(i)]
    places = [i.split("-", 1)[1] for i in well_formed if i.startswith(("voivodeship-", "powiat-"))]
    by_place, by_kind, register = _gmina_counts()
    units = {code: (name, kind) for code, name, kind in db.session.execute(
        sa.select(TerritorialUnit.code, TerritorialUnit.name, TerritorialUnit.kind)
        .where(TerritorialUnit.code.in_(places)))} if places else {}
    found: dict[str, Group] = {}
    for group_id in well_formed:
        if group_id == "poland":
            found[group_id] = _poland(register, by_place[""])
        elif group_id.startswith("kind-"):
            kind = UnitKind(group_id.removeprefix("kind-"))
            found[group_id] = _of_kind(kind, register, by_kind[kind.value])
        else:
            code = group_id.split("-", 1)[1]
            if code in units:
                name, kind = units[code]
                found[group_id] = _of_unit(code, name, kind, register, by_place[code])
    return [found[i] for i in wanted if i in found], [i for i in wanted if i not in found]


def find(group_id: str) -> Group | None:
    groups, _missing = find_many([group_id])
    return groups[0] if groups else None


def groups_of(code: str, level: str, kind: str) -> list[str]:
    """The ids of the groups a unit belongs to (no statement: its code and kind say it)."""
    if level != UnitLevel.GMINA:
        return []
    return ["poland", f"voivodeship-{code[:2]}", f"powiat-{code[:4]}", f"kind-{kind}"]

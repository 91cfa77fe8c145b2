"""The peer groups the API serves now: the ones the TERYT register defines by itself.

Every gmina of Poland (`all`), of a voivodeship (`voivodeship-12`), of a powiat (`powiat-1261`)
and of a kind (`kind-urban`, `kind-rural`, `kind-urban-rural`). Their members follow from the
units' codes and kinds, so they need no rows of their own (decision 0028, "Groups"): each group
is a predicate on `territorial_unit`, and its `definition` says that predicate as data
({"within": "PL" | a voivodeship's or powiat's code}, {"kind": "urban"}), so anyone can rebuild
the group from the register. Codes, names and definitions are those the peer groups of the
indicator pages give the same groups (decision 0032, `unit_group`), so that the API keeps its
identifiers when it reads them from there.

This module is the API's one seam to groups: `listing`, `find`, `find_many`, `groups_of` and
`Group.clause`/`Group.contains`. The stored groups (population classes, programme towns, lists,
"most similar") plug in here when they land: a stored group's clause is a membership
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
from sqlalchemy.orm import aliased

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
ALL = "all"
COUNTRY = "PL"
ID_RE = re.compile(r"^(all|voivodeship-\d{2}|powiat-\d{4}|kind-(urban|rural|urban-rural))$")


def kind_code(kind: UnitKind | str) -> str:
    return "kind-" + str(kind).replace("_", "-")


@dataclass(frozen=True)
class Group:
    id: str
    kind: str
    name_pl: str
    name_en: str
    definition: dict[str, Any]
    members: int | None = 0  # None: it depends on the year (a population class)

    @property
    def within(self) -> str:
        """The TERYT prefix the members' codes start with ('' for the whole country)."""
        within = self.definition.get("within", COUNTRY)
        return "" if within == COUNTRY else within

    @property
    def unit_kind(self) -> str | None:
        return self.definition.get("kind")

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


def _all(members: int) -> Group:
    return Group(ALL, ADMINISTRATIVE, "Wszystkie gminy", "All gminas", {"within": COUNTRY}, members)


def _of_unit(code: str, name: str, kind: UnitKind, region: str, members: int) -> Group:
    if len(code) == 2:
        return Group(f"voivodeship-{code}", ADMINISTRATIVE, f"Województwo {name.lower()}",
                     f"{name.capitalize()} Voivodeship", {"within": code}, members)
    if kind is UnitKind.CITY_POWIAT:
        pl, en = f"{name} (miasto na prawach powiatu)", f"{name} (city with powiat status)"
    else:
        pl = en = f"Powiat {name} ({region.lower()})"
    return Group(f"powiat-{code}", ADMINISTRATIVE, pl, en, {"within": code}, members)


def _of_kind(kind: UnitKind, members: int) -> Group:
    pl, en = KIND_NAMES[kind]
    return Group(kind_code(kind), UNIT_KIND, pl, en, {"kind": kind.value}, members)


def _gmina_counts() -> tuple[Counter[str], Counter[str]]:
    """Gminas per voivodeship and powiat code (and '' for all) and per kind: one statement."""
    by_place: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()
    # The powiat's code as a label: PostgreSQL would see two bound substr() calls as different.
    powiat = sa.func.substr(TerritorialUnit.code, 1, 4).label("powiat")
    rows = db.session.execute(
        sa.select(powiat, TerritorialUnit.kind, sa.func.count())
        .where(TerritorialUnit.level == UnitLevel.GMINA)
        .group_by(powiat, TerritorialUnit.kind))
    for prefix, kind, n in rows:
        by_place[prefix] += n
        by_place[prefix[:2]] += n
        by_place[""] += n
        by_kind[str(kind)] += n
    return by_place, by_kind


def _places(condition: ColumnElement[bool]) -> list[Group]:
    """The voivodeship and powiat groups of the units matching `condition` (with the names of
    their voivodeships): one statement."""
    voivodeship = aliased(TerritorialUnit)
    rows = db.session.execute(
        sa.select(TerritorialUnit.code, TerritorialUnit.name, TerritorialUnit.kind, voivodeship.name)
        .outerjoin(voivodeship, voivodeship.code == sa.func.substr(TerritorialUnit.code, 1, 2))
        .where(TerritorialUnit.level.in_((UnitLevel.VOIVODESHIP, UnitLevel.POWIAT)), condition))
    return [_of_unit(code, name, kind, region or "", 0) for code, name, kind, region in rows]


def _counted(group: Group, by_place: Counter[str], by_kind: Counter[str]) -> Group:
    members = by_kind[group.unit_kind] if group.unit_kind else by_place[group.within]
    return Group(group.id, group.kind, group.name_pl, group.name_en, group.definition, members)


def listing(kind: str | None = None) -> list[Group]:
    """Every group (of `kind`), ordered by id: two statements."""
    by_place, by_kind = _gmina_counts()
    out: list[Group] = []
    if kind in (None, ADMINISTRATIVE):
        out.append(_all(by_place[""]))
        out += [_counted(g, by_place, by_kind) for g in _places(sa.true())]
    if kind in (None, UNIT_KIND):
        out += [_of_kind(k, by_kind[k.value]) for k in GMINA_KINDS]
    return sorted(out, key=lambda g: g.id)


def find_many(ids: Iterable[str]) -> tuple[list[Group], list[str]]:
    """The groups of `ids` (in that order, once each) and the ids that name none: at most
    two statements, however many ids."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return [], []
    well_formed = [i for i in wanted if ID_RE.match(i)]
    places = [i.split("-", 1)[1] for i in well_formed if i.startswith(("voivodeship-", "powiat-"))]
    by_place, by_kind = _gmina_counts()
    found: dict[str, Group] = {}
    if places:
        found.update((g.id, _counted(g, by_place, by_kind))
                     for g in _places(TerritorialUnit.code.in_(places)))
    for group_id in well_formed:
        if group_id == ALL:
            found[group_id] = _all(by_place[""])
        elif group_id.startswith("kind-"):
            kind = UnitKind(group_id.removeprefix("kind-").replace("-", "_"))
            found[group_id] = _of_kind(kind, by_kind[kind.value])
    return [found[i] for i in wanted if i in found], [i for i in wanted if i not in found]


def find(group_id: str) -> Group | None:
    groups, _missing = find_many([group_id])
    return groups[0] if groups else None


def groups_of(code: str, level: str, kind: str) -> list[str]:
    """The ids of the groups a unit belongs to (no statement: its code and kind say it)."""
    if level != UnitLevel.GMINA:
        return []
    return [ALL, f"voivodeship-{code[:2]}", f"powiat-{code[:4]}", kind_code(kind)]

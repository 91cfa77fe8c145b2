"""The peer groups the API serves: the saved groups of the indicator base (`unit_group`,
decision 0032), each with its stable code as the API's id and its definition as stored.

- administrative (`all`, `voivodeship-12`, `powiat-1261`) and unit_kind (`kind-urban`, …): a
  predicate on `territorial_unit` that the definition states ({"within": "PL" | code},
  {"kind": "urban"}); their members need no rows;
- list (`monitoring-cities`, a person's `list-…`) and similar (`similar-…`): the stored members
  (`unit_group_member`); programme (`programme-rl-2020`): the municipalities of the programme's
  applicants. Their members are read when the group is (one statement for all such groups of a
  request, one for the programmes') and the group's condition is the list of their codes.

Population classes depend on the year read (decision 0032), which a v1 filter has no place for:
they are not served yet (their ids answer "no such group"; adding them later is additive).

This module is the API's one seam to groups: `listing`, `find`, `find_many`, `groups_of` and
`Group.clause`/`Group.contains` (decision 0033).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement

from workflow.extensions import db
from workflow.models import GroupKind, TerritorialUnit, UnitGroup, UnitGroupMember, UnitKind, UnitLevel
from workflow.monitoring import groups as peer_groups

ADMINISTRATIVE, UNIT_KIND = GroupKind.ADMINISTRATIVE.value, GroupKind.UNIT_KIND.value
# The kinds the API serves (population classes wait for a year in the filter).
SERVED = (GroupKind.ADMINISTRATIVE, GroupKind.UNIT_KIND, GroupKind.PROGRAMME, GroupKind.LIST,
          GroupKind.SIMILAR)
GROUP_KINDS = tuple(k.value for k in SERVED)
EXPLICIT = (GroupKind.PROGRAMME, GroupKind.LIST, GroupKind.SIMILAR)  # members are listed, not a rule
ALL = "all"
COUNTRY = "PL"


@dataclass(frozen=True)
class Group:
    id: str
    kind: str
    name_pl: str
    name_en: str
    definition: dict[str, Any]
    members: int | None = 0  # None: it depends on the year (a population class)
    units: frozenset[str] | None = None  # the members' codes of a list, similar or programme group

    @property
    def within(self) -> str:
        """The TERYT prefix the members' codes start with ('' for the whole country)."""
        within = self.definition.get("within", COUNTRY) if self.kind == ADMINISTRATIVE else COUNTRY
        return "" if within == COUNTRY else within

    @property
    def unit_kind(self) -> str | None:
        return self.definition.get("kind") if self.kind == UNIT_KIND else None

    def clause(self) -> ColumnElement[bool]:
        """The group's members as a condition on territorial_unit."""
        conditions = [TerritorialUnit.level == UnitLevel.GMINA]
        if self.units is not None:
            conditions.append(TerritorialUnit.code.in_(sorted(self.units)))
        if self.within:
            conditions.append(TerritorialUnit.code.startswith(self.within, autoescape=True))
        if self.unit_kind:
            conditions.append(TerritorialUnit.kind == UnitKind(self.unit_kind))
        return sa.and_(*conditions)

    def contains(self, code: str, level: str, kind: str) -> bool:
        """The same condition, on a unit already read."""
        return (level == UnitLevel.GMINA and code.startswith(self.within)
                and (self.unit_kind is None or kind == self.unit_kind)
                and (self.units is None or code in self.units))


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


def _explicit_units(rows: Sequence[UnitGroup]) -> dict[int, frozenset[str]]:
    """The member codes of list, similar and programme groups: at most two statements (stored
    members; the programmes' municipalities), none when there is no such group."""
    out: dict[int, frozenset[str]] = {}
    stored = [g for g in rows if g.kind in (GroupKind.LIST, GroupKind.SIMILAR)]
    if stored:
        found: dict[int, set[str]] = {g.id: set() for g in stored}
        for group_id, code in db.session.execute(
                sa.select(UnitGroupMember.group_id, TerritorialUnit.code)
                .join(TerritorialUnit, TerritorialUnit.id == UnitGroupMember.unit_id)
                .where(UnitGroupMember.group_id.in_(sorted(found)),
                       TerritorialUnit.level == UnitLevel.GMINA)):
            found[group_id].add(code)
        out.update((i, frozenset(codes)) for i, codes in found.items())
    programmes = [g for g in rows if g.kind is GroupKind.PROGRAMME]
    if programmes:
        by_programme = peer_groups.programme_units(programmes)
        out.update((g.id, frozenset(by_programme.get(g.definition["programme"], ()))) for g in programmes)
    return out


def _group(row: UnitGroup, units: frozenset[str] | None, by_place: Counter[str],
           by_kind: Counter[str]) -> Group:
    if row.kind is GroupKind.ADMINISTRATIVE:
        within = row.definition.get("within", COUNTRY)
        members: int | None = by_place["" if within == COUNTRY else within]
    elif row.kind is GroupKind.UNIT_KIND:
        members = by_kind[row.definition.get("kind", "")]
    else:
        members = len(units or ())
    return Group(row.code, row.kind.value, row.name_pl, row.name_en, dict(row.definition), members, units)


def _read(condition: ColumnElement[bool]) -> list[Group]:
    rows = list(db.session.scalars(sa.select(UnitGroup).where(condition, UnitGroup.kind.in_(SERVED))
                                   .order_by(UnitGroup.code)))
    if not rows:
        return []
    by_place, by_kind = _gmina_counts()
    explicit = _explicit_units(rows)
    return [_group(r, explicit.get(r.id), by_place, by_kind) for r in rows]


def listing(kind: str | None = None) -> list[Group]:
    """Every group served (of `kind`), ordered by id: at most four statements."""
    return _read(UnitGroup.kind == GroupKind(kind) if kind else sa.true())


def find_many(ids: Iterable[str]) -> tuple[list[Group], list[str]]:
    """The groups of `ids` (in that order, once each) and the ids that name none: at most four
    statements, however many ids."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return [], []
    found = {g.id: g for g in _read(UnitGroup.code.in_(wanted))}
    return [found[i] for i in wanted if i in found], [i for i in wanted if i not in found]


def find(group_id: str) -> Group | None:
    groups, _missing = find_many([group_id])
    return groups[0] if groups else None


def groups_of(code: str, level: str, kind: str) -> list[str]:
    """The ids of the groups a gmina belongs to: its administrative and kind groups, then the
    stored lists and similar groups that hold it (one statement). Programme groups are listed
    at /groups with their members."""
    if level != UnitLevel.GMINA:
        return []
    rules = [ALL, f"voivodeship-{code[:2]}", f"powiat-{code[:4]}", "kind-" + str(kind).replace("_", "-")]
    held = db.session.scalars(
        sa.select(UnitGroup.code)
        .join(UnitGroupMember, UnitGroupMember.group_id == UnitGroup.id)
        .join(TerritorialUnit, TerritorialUnit.id == UnitGroupMember.unit_id)
        .where(TerritorialUnit.code == code, UnitGroup.kind.in_(EXPLICIT))
        .order_by(UnitGroup.code))
    return rules + [c for c in held if c not in rules]

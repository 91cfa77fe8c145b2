"""The analyst's (coordinator's) running of the experience-exchange groups (decision 0038, issue 16
item 1; decision 0043): making a group, naming its moderator, adding and removing its cities, and
sending or withdrawing a city's delegates.

The group's own rules stay those of `exchange` (5-12 cities, a moderator has the role
`moderator`, at most three delegates per city, a city in one group of an area per cohort); each
change is in the audit log. The cities are gminas of the register, named by their TERYT code;
a delegate is an active town account of a member city (`questionnaire.city_unit_id`), which
the analyst may name when the city has not (the city may change them on its group's page).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from workflow.audit import log as audit
from workflow.extensions import db
from workflow.models import (
    Applicant,
    ApplicantKind,
    ApplicantMember,
    ExchangeDelegate,
    ExchangeGroup,
    ExchangeGroupCity,
    MonitoringArea,
    Municipality,
    Role,
    TerritorialUnit,
    UnitLevel,
    User,
)
from workflow.models.exchange import DELEGATES_MAX, GROUP_MAX, GROUP_MIN
from workflow.monitoring import exchange as ex
from workflow.refusal import Refused, _l, fill

CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,78}[a-z0-9]$")
NAME_MAX = 200
COHORT_MIN, COHORT_MAX = 2000, 2100
UNKNOWN = _l("Nie ma gminy o kodzie TERYT: %(codes)s.")
TAKEN = _l("Te miasta pracują już w grupie tego obszaru w tej edycji: %(names)s.")
TOO_FEW_MANY = _l("Grupa liczy od %(low)d do %(high)d miast.", low=GROUP_MIN, high=GROUP_MAX)


class GroupAdminRefused(ex.ExchangeRefused):
    """A change of a group the rules do not allow (400, nothing written)."""


@dataclass(frozen=True)
class GroupInput:
    code: str
    area: MonitoringArea
    cohort: int
    name_pl: str
    name_en: str
    moderator_id: int | None
    cities: str  # TERYT codes of gminas, separated by spaces, commas or lines


def moderators() -> list[tuple[int, str]]:
    """The active moderators' accounts (id, name and e-mail), for the moderator's select."""
    return [(i, f"{n} ({e})") for i, n, e in db.session.execute(
        sa.select(User.id, User.name, User.email)
        .where(User.role == Role.MODERATOR, User.active.is_(True)).order_by(User.name, User.id))]


def _moderator(moderator_id: int | None) -> User | None:
    if moderator_id is None:
        return None
    found = db.session.get(User, moderator_id)
    if found is None or found.role != Role.MODERATOR or not found.active:
        raise GroupAdminRefused(errors={"moderator": [_l("Wybierz osobę z rolą moderatora.")]})
    return found


def _codes(text: str) -> list[str]:
    return list(dict.fromkeys(c for c in re.split(r"[\s,;]+", text.strip()) if c))


def gminas(codes: Sequence[str]) -> dict[str, TerritorialUnit]:
    """The register's gminas with these TERYT codes (seven digits), by code."""
    if not codes:
        return {}
    return {u.code: u for u in db.session.scalars(sa.select(TerritorialUnit).where(
        TerritorialUnit.code.in_(list(codes)), TerritorialUnit.level == UnitLevel.GMINA))}


def _taken(unit_ids: Sequence[int], area: MonitoringArea, cohort: int, but: int | None = None) -> list[str]:
    """The names of those cities that already work in a group of the area in the cohort."""
    query = (sa.select(TerritorialUnit.name, ExchangeGroup.code)
             .join(ExchangeGroupCity, ExchangeGroupCity.unit_id == TerritorialUnit.id)
             .join(ExchangeGroup, ExchangeGroup.id == ExchangeGroupCity.group_id)
             .where(ExchangeGroupCity.unit_id.in_(list(unit_ids)), ExchangeGroupCity.area == area,
                    ExchangeGroupCity.cohort == cohort))
    if but is not None:
        query = query.where(ExchangeGroupCity.group_id != but)
    return [f"{name} ({code})" for name, code in db.session.execute(query.order_by(TerritorialUnit.name))]


def create(data: GroupInput, actor: User) -> ExchangeGroup:
    """A new group; committed. GroupAdminRefused by field for what the rules do not allow."""
    errors: dict[str, list] = {}
    code = data.code.strip()
    if not CODE_RE.match(code):
        errors["code"] = [_l("Kod grupy to 3–80 małych liter, cyfr i łączników, np. kultura-2021-1.")]
    elif db.session.scalar(sa.select(ExchangeGroup.id).where(ExchangeGroup.code == code)):
        errors["code"] = [fill(_l("Grupa o kodzie „%(code)s” już istnieje."), code=code)]
    for key in ("name_pl", "name_en"):
        if not getattr(data, key).strip():
            errors[key] = [_l("Podaj nazwę grupy.")]
    codes = _codes(data.cities)
    found = gminas(codes)
    unknown = [c for c in codes if c not in found]
    if unknown:
        errors["cities"] = [fill(UNKNOWN, codes=", ".join(unknown))]
    elif not GROUP_MIN <= len(codes) <= GROUP_MAX:
        errors["cities"] = [TOO_FEW_MANY]
    elif taken := _taken([u.id for u in found.values()], data.area, data.cohort):
        errors["cities"] = [fill(TAKEN, names=", ".join(taken))]
    try:
        moderator = _moderator(data.moderator_id)
    except Refused as refused:
        errors.update(refused.errors)
        moderator = None
    if errors:
        raise GroupAdminRefused(errors=errors)
    group = ex.create_group(code, data.area, data.cohort, data.name_pl.strip(), data.name_en.strip(),
                            [found[c].id for c in codes], moderator)
    audit.record("exchange.group_created", actor=actor, object_type="exchange_group", object_id=group.id,
                 detail={"code": code, "area": data.area.value, "cohort": data.cohort,
                         "cities": codes, "moderator_id": data.moderator_id})
    db.session.commit()
    return group


def set_moderator(group: ExchangeGroup, moderator_id: int | None, actor: User) -> None:
    """The group's moderator (None: none for now); committed."""
    moderator = _moderator(moderator_id)
    before = group.moderator_id
    group.moderator_id = moderator.id if moderator else None
    audit.record("exchange.moderator_set", actor=actor, object_type="exchange_group", object_id=group.id,
                 detail={"before": before, "after": group.moderator_id})
    db.session.commit()


def add_city(group: ExchangeGroup, code: str, actor: User) -> TerritorialUnit:
    """A gmina of the register joins the group (at its end); committed."""
    members = ex.cities(group)
    unit = gminas([code.strip()]).get(code.strip())
    if unit is None:
        raise GroupAdminRefused(errors={"code": [fill(UNKNOWN, codes=code.strip())]})
    if unit.id in {c.unit_id for c in members}:
        raise GroupAdminRefused(errors={"code": [fill(_l("%(name)s jest już w tej grupie."),
                                                      name=unit.name)]})
    if len(members) >= GROUP_MAX:
        raise GroupAdminRefused(errors={"code": [TOO_FEW_MANY]})
    if taken := _taken([unit.id], group.area, group.cohort, but=group.id):
        raise GroupAdminRefused(errors={"code": [fill(TAKEN, names=", ".join(taken))]})
    position = 1 + (db.session.scalar(sa.select(sa.func.max(ExchangeGroupCity.position))
                                      .where(ExchangeGroupCity.group_id == group.id)) or 0)
    db.session.add(ExchangeGroupCity(group_id=group.id, unit_id=unit.id, area=group.area,
                                     cohort=group.cohort, position=position))
    audit.record("exchange.city_added", actor=actor, object_type="exchange_group", object_id=group.id,
                 detail={"unit_id": unit.id, "code": unit.code})
    db.session.commit()
    return unit


def remove_city(group: ExchangeGroup, unit_id: int, actor: User) -> str:
    """A city leaves the group with its delegates (its plan and values stay); committed. Returns
    its name. Refused when the group would have fewer than the rule's cities."""
    members = {c.unit_id: c for c in ex.cities(group)}
    if unit_id not in members:
        raise GroupAdminRefused(errors={"unit": [_l("Tego miasta nie ma w grupie.")]})
    if len(members) <= GROUP_MIN:
        raise GroupAdminRefused(errors={"unit": [TOO_FEW_MANY]})
    db.session.execute(sa.delete(ExchangeDelegate).where(ExchangeDelegate.group_id == group.id,
                                                         ExchangeDelegate.unit_id == unit_id))
    db.session.execute(sa.delete(ExchangeGroupCity).where(ExchangeGroupCity.group_id == group.id,
                                                          ExchangeGroupCity.unit_id == unit_id))
    audit.record("exchange.city_removed", actor=actor, object_type="exchange_group", object_id=group.id,
                 detail={"unit_id": unit_id, "code": members[unit_id].code})
    db.session.commit()
    return members[unit_id].name


@dataclass(frozen=True)
class Account:
    user_id: int
    name: str
    email: str
    unit_id: int


def accounts_of(unit_ids: Sequence[int]) -> list[Account]:
    """The active town accounts that report for these cities (their town applicant is led by
    the city's municipality), in one statement."""
    if not unit_ids:
        return []
    return [Account(*row) for row in db.session.execute(
        sa.select(User.id, User.name, User.email, Municipality.unit_id)
        .join(Applicant, Applicant.id == User.applicant_id)
        .join(ApplicantMember, ApplicantMember.applicant_id == Applicant.id)
        .join(Municipality, Municipality.id == ApplicantMember.municipality_id)
        .where(User.role == Role.TOWN, User.active.is_(True), Applicant.kind == ApplicantKind.TOWN,
               ApplicantMember.is_leader.is_(True), Municipality.unit_id.in_(list(unit_ids)))
        .order_by(Municipality.unit_id, User.name, User.id))]


def add_delegate(group: ExchangeGroup, user_id: int, actor: User) -> Account:
    """A member city's account joins the group as its delegate; committed."""
    members = [c.unit_id for c in ex.cities(group)]
    account = next((a for a in accounts_of(members) if a.user_id == user_id), None)
    if account is None:
        raise GroupAdminRefused(errors={"user": [
            _l("Delegatem może być tylko konto zespołu miasta z tej grupy.")]})
    sent = [p for p in ex.delegates(group) if p.unit_id == account.unit_id]
    if any(p.user_id == user_id for p in sent):
        raise GroupAdminRefused(errors={"user": [fill(_l("%(name)s jest już delegatem."),
                                                      name=account.name)]})
    if len(sent) >= DELEGATES_MAX:
        raise GroupAdminRefused(errors={"user": [
            _l("Miasto wysyła do grupy od 1 do %(n)d delegatów.", n=DELEGATES_MAX)]})
    db.session.add(ExchangeDelegate(group_id=group.id, user_id=user_id, unit_id=account.unit_id))
    audit.record("exchange.delegate_added", actor=actor, object_type="exchange_group", object_id=group.id,
                 detail={"unit_id": account.unit_id, "user_id": user_id})
    db.session.commit()
    return account


def remove_delegate(group: ExchangeGroup, user_id: int, actor: User) -> str:
    """A delegate leaves the group; committed. Returns the person's name."""
    found = next((p for p in ex.delegates(group) if p.user_id == user_id), None)
    if found is None:
        raise GroupAdminRefused(errors={"user": [_l("Ta osoba nie jest delegatem grupy.")]})
    db.session.execute(sa.delete(ExchangeDelegate).where(ExchangeDelegate.group_id == group.id,
                                                         ExchangeDelegate.user_id == user_id))
    audit.record("exchange.delegate_removed", actor=actor, object_type="exchange_group", object_id=group.id,
                 detail={"unit_id": found.unit_id, "user_id": user_id})
    db.session.commit()
    return found.name

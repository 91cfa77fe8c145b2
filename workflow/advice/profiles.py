"""Advisors' profiles and the managed list of fields of expertise.

A field is never deleted: a withdrawn (inactive) field is no longer offered for new
profiles, needs or services, but the rows that already name it keep it, so old services
and reports stay true. A town's needed fields (path_need) are what the assignment
proposal tries to cover with field experts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Select, delete, func, insert, select

from workflow.extensions import db
from workflow.models import (
    AdvisorAssignment,
    AdvisorProfile,
    ExpertiseField,
    Path,
    Role,
    User,
    advisor_expertise,
    path_need,
)
from workflow.refusal import Message, Refused, _l
from workflow.text import polish_key
from workflow.web import listing

# (code, name_pl, name_en): the eight fields the programme's experts worked in.
DEFAULT_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("spatial_planning", "Planowanie przestrzenne", "Spatial planning"),
    ("public_finance", "Finanse publiczne", "Public finance"),
    ("city_marketing", "Marketing miasta", "City marketing"),
    ("economic_development", "Rozwój gospodarczy", "Economic development"),
    ("social_participation", "Partycypacja społeczna", "Social participation"),
    ("environment", "Środowisko", "Environment"),
    ("transport", "Transport", "Transport"),
    ("institutional_development", "Rozwój instytucjonalny", "Institutional development"),
)

VOIVODESHIPS: tuple[str, ...] = (
    "dolnośląskie", "kujawsko-pomorskie", "lubelskie", "lubuskie", "łódzkie", "małopolskie",
    "mazowieckie", "opolskie", "podkarpackie", "podlaskie", "pomorskie", "śląskie",
    "świętokrzyskie", "warmińsko-mazurskie", "wielkopolskie", "zachodniopomorskie",
)

MIN_CAPACITY, MAX_CAPACITY = 0, 60  # as the database's check constraint says
DEFAULT_CAPACITY = 3  # an advisor without a profile row is treated as the defaults
CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
NAME_MAX = 120


class ProfileError(Refused):
    """A change to a profile, a field or a town's needs refused; `field` names the input."""

    status = 400

    def __init__(self, message: Message, field: str | None = None) -> None:
        super().__init__([] if field else [message], errors={field: [message]} if field else None)
        self.message = message
        self.field = field


NOT_ADVISOR = _l("Ta osoba nie jest doradcą.")
CODE_BAD = _l("Kod to od 2 do 40 małych liter łacińskich, cyfr lub podkreśleń, zaczynający się od litery.")
CODE_TAKEN = _l("Dziedzina o tym kodzie już istnieje.")
NAME_EMPTY = _l("Podaj nazwę dziedziny.")
NAME_LONG = _l("Nazwa może mieć najwyżej %(max)d znaków.", max=NAME_MAX)
NAME_TAKEN = _l("Dziedzina o tej nazwie już istnieje.")
CAPACITY_BAD = _l("Limit miast to liczba od %(min)d do %(max)d.", min=MIN_CAPACITY, max=MAX_CAPACITY)
REGION_BAD = _l("Wybierz województwo z listy.")
FIELD_UNKNOWN = _l("Wybierz dziedzinę z listy.")
FIELD_INACTIVE = _l("Dziedzina została wycofana i nie można jej dodać.")


# --- the list of fields ---------------------------------------------------------------------


def ensure_default_fields(*, commit: bool = True) -> dict[str, ExpertiseField]:
    """Create the default fields that are missing (idempotent); return every field by code."""
    existing = {f.code: f for f in db.session.scalars(select(ExpertiseField))}
    added = False
    for code, name_pl, name_en in DEFAULT_FIELDS:
        if code not in existing:
            existing[code] = ExpertiseField(code=code, name_pl=name_pl, name_en=name_en, active=True)
            db.session.add(existing[code])
            added = True
    if added:
        db.session.flush()
        if commit:
            db.session.commit()
    return existing


def all_fields() -> list[ExpertiseField]:
    """Every field, active first, in the order they were created."""
    return list(db.session.scalars(
        select(ExpertiseField).order_by(ExpertiseField.active.desc(), ExpertiseField.id)))


def active_fields() -> list[ExpertiseField]:
    return list(db.session.scalars(
        select(ExpertiseField).where(ExpertiseField.active.is_(True)).order_by(ExpertiseField.id)))


def field_usage() -> dict[int, int]:
    """How many advisors' profiles name each field (one query)."""
    return dict(db.session.execute(
        select(advisor_expertise.c.field_id, func.count()).group_by(advisor_expertise.c.field_id)
    ).all())


def _clean_names(name_pl: str, name_en: str, exclude_id: int | None = None) -> tuple[str, str]:
    name_pl, name_en = (name_pl or "").strip(), (name_en or "").strip()
    for value, key in ((name_pl, "name_pl"), (name_en, "name_en")):
        if not value:
            raise ProfileError(NAME_EMPTY, key)
        if len(value) > NAME_MAX:
            raise ProfileError(NAME_LONG, key)
    query = select(ExpertiseField.id).where(func.lower(ExpertiseField.name_pl) == name_pl.lower())
    if exclude_id is not None:
        query = query.where(ExpertiseField.id != exclude_id)
    if db.session.scalar(query.limit(1)) is not None:
        raise ProfileError(NAME_TAKEN, "name_pl")
    return name_pl, name_en


def add_field(code: str, name_pl: str, name_en: str) -> ExpertiseField:
    code = (code or "").strip()
    if not CODE_RE.match(code):
        raise ProfileError(CODE_BAD, "code")
    if db.session.scalar(select(ExpertiseField.id).where(ExpertiseField.code == code)) is not None:
        raise ProfileError(CODE_TAKEN, "code")
    name_pl, name_en = _clean_names(name_pl, name_en)
    field = ExpertiseField(code=code, name_pl=name_pl, name_en=name_en, active=True)
    db.session.add(field)
    db.session.commit()
    return field


def rename_field(field: ExpertiseField, name_pl: str, name_en: str) -> ExpertiseField:
    """A new name; the code, which exports and the demo rely on, stays."""
    field.name_pl, field.name_en = _clean_names(name_pl, name_en, exclude_id=field.id)
    db.session.commit()
    return field


def set_field_active(field: ExpertiseField, active: bool) -> ExpertiseField:
    """Withdraw a field (or bring it back). Rows that already name it keep it."""
    field.active = active
    db.session.commit()
    return field


def deactivate_field(field: ExpertiseField) -> ExpertiseField:
    return set_field_active(field, False)


def _fields_by_id(field_ids: Iterable[int]) -> dict[int, ExpertiseField]:
    ids = set(field_ids)
    if not ids:
        return {}
    found = {f.id: f for f in db.session.scalars(select(ExpertiseField).where(ExpertiseField.id.in_(ids)))}
    if set(found) != ids:
        raise ProfileError(FIELD_UNKNOWN, "fields")
    return found


def _check_new_fields(wanted: dict[int, ExpertiseField], current: set[int]) -> None:
    """A withdrawn field may stay where it is, but cannot be added anew."""
    if any(not f.active and f.id not in current for f in wanted.values()):
        raise ProfileError(FIELD_INACTIVE, "fields")


# --- profiles ---------------------------------------------------------------------------------


def get_profile(advisor: User, *, create: bool = True) -> AdvisorProfile | None:
    """The advisor's profile; created with the defaults when missing (unless create=False)."""
    if advisor.role != Role.ADVISOR:
        raise ProfileError(NOT_ADVISOR)
    profile = db.session.get(AdvisorProfile, advisor.id)
    if profile is None and create:
        profile = AdvisorProfile(user_id=advisor.id, capacity=DEFAULT_CAPACITY, available=True, note="")
        db.session.add(profile)
        db.session.flush()
    return profile


def update_profile(
    advisor: User,
    *,
    field_ids: Iterable[int],
    region: str | None,
    capacity: int,
    available: bool,
    note: str | None = None,
) -> AdvisorProfile:
    """Set what the advisor knows, where they work, how many towns they take. Commits.

    A capacity below the advisor's current load is allowed (they keep their towns but get
    no new ones); the caller may warn about it with `current_load`.
    """
    profile = get_profile(advisor)
    assert profile is not None
    if region is not None and region not in VOIVODESHIPS:
        raise ProfileError(REGION_BAD, "region")
    if not isinstance(capacity, int) or not MIN_CAPACITY <= capacity <= MAX_CAPACITY:
        raise ProfileError(CAPACITY_BAD, "capacity")
    wanted = _fields_by_id(field_ids)
    _check_new_fields(wanted, {f.id for f in profile.fields})
    profile.fields = sorted(wanted.values(), key=lambda f: f.id)
    profile.region = region or None
    profile.capacity = capacity
    profile.available = bool(available)
    if note is not None:
        profile.note = note.strip()
    db.session.commit()
    return profile


def current_load(advisor_id: int) -> int:
    """Towns the advisor is assigned to now, as lead or expert, in every programme."""
    return db.session.scalar(
        select(func.count()).select_from(AdvisorAssignment).where(AdvisorAssignment.advisor_id == advisor_id)
    ) or 0


@dataclass(frozen=True)
class AdvisorRow:
    user: User
    profile: AdvisorProfile | None
    fields: list[ExpertiseField]
    load: int

    @property
    def capacity(self) -> int:
        return self.profile.capacity if self.profile else DEFAULT_CAPACITY

    @property
    def available(self) -> bool:
        return self.profile.available if self.profile else True

    @property
    def over_capacity(self) -> bool:
        return self.load > self.capacity


_LOAD = (select(AdvisorAssignment.advisor_id, func.count().label("n"))
         .group_by(AdvisorAssignment.advisor_id).subquery("advisor_load"))


def _advisors() -> Select[Any]:
    return (select(User, AdvisorProfile, func.coalesce(_LOAD.c.n, 0))
            .outerjoin(AdvisorProfile, AdvisorProfile.user_id == User.id)
            .outerjoin(_LOAD, _LOAD.c.advisor_id == User.id)
            .where(User.role == Role.ADVISOR.value))


def _with_fields(rows: Iterable[Any]) -> list[AdvisorRow]:
    """The rows with each advisor's fields: one query for all of them."""
    rows = list(rows)
    fields: dict[int, list[ExpertiseField]] = {}
    for advisor_id, field in db.session.execute(
        select(advisor_expertise.c.advisor_id, ExpertiseField)
        .join(ExpertiseField, ExpertiseField.id == advisor_expertise.c.field_id)
        .where(advisor_expertise.c.advisor_id.in_([user.id for user, _p, _n in rows]))
        .order_by(ExpertiseField.id)
    ):
        fields.setdefault(advisor_id, []).append(field)
    return [AdvisorRow(user, profile, fields.get(user.id, []), int(n)) for user, profile, n in rows]


def advisor_rows() -> list[AdvisorRow]:
    """Every advisor with profile, fields and load, in Polish order of names: two queries."""
    result = _with_fields(db.session.execute(_advisors()).all())
    result.sort(key=lambda r: (polish_key(r.user.name), r.user.id))
    return result


ADVISORS = listing.Spec(
    columns=(
        listing.Column("name", User.sort_key),
        listing.Column("region", AdvisorProfile.region, text=True),
        listing.Column("capacity", func.coalesce(AdvisorProfile.capacity, DEFAULT_CAPACITY),
                       first=listing.DESC),
        listing.Column("load", func.coalesce(_LOAD.c.n, 0), first=listing.DESC),
        listing.Column("available", func.coalesce(AdvisorProfile.available, True) & User.active,
                       first=listing.DESC),
    ),
    default="name", search=(User.name, User.email, AdvisorProfile.region), tiebreak=User.id,
)


def advisor_page(params: listing.Params) -> listing.Page[AdvisorRow]:
    """A page of the advisors' table (ADVISORS): three queries, whatever the page."""
    page = listing.paged(_advisors(), ADVISORS, params)
    return replace(page, rows=_with_fields(page.rows))


# --- a town's needs ----------------------------------------------------------------------------


def needs_of(path: Path) -> list[ExpertiseField]:
    return list(db.session.scalars(
        select(ExpertiseField).join(path_need, path_need.c.field_id == ExpertiseField.id)
        .where(path_need.c.path_id == path.id).order_by(ExpertiseField.id)))


def set_path_needs(path: Path, field_ids: Iterable[int], *, commit: bool = True) -> list[ExpertiseField]:
    """The fields the town needs experts in. An expert already assigned for a field that is
    no longer needed stays assigned until the coordinator unassigns them."""
    wanted = _fields_by_id(field_ids)
    current = {f.id for f in needs_of(path)}
    _check_new_fields(wanted, current)
    gone = current - set(wanted)
    new = set(wanted) - current
    if gone:
        db.session.execute(delete(path_need).where(path_need.c.path_id == path.id,
                                                   path_need.c.field_id.in_(gone)))
    if new:
        db.session.execute(insert(path_need), [{"path_id": path.id, "field_id": f} for f in sorted(new)])
    if commit:
        db.session.commit()
    return sorted(wanted.values(), key=lambda f: f.id)

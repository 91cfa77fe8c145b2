"""A partnership made from TERYT codes: its municipalities, their accounts, its council and,
in a programme, its path. What the CWD demo and a coordinator's import build on.

The municipalities come from the TERYT register the monitoring area loads
(workflow/monitoring/units.py, data/teryt/): a code it does not know is refused, and a
municipality already known by its code (a town of another programme) is the same row, so
the same municipality is the same in every programme. The leader is a gmina (seven digits);
a member may also be a powiat (four digits) where the legal form allows one (an association
of local governments, or a powiat–gmina union, which must have one).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path as FsPath

from sqlalchemy import select
from werkzeug.security import generate_password_hash

import states
from workflow.accounts import operations as accounts
from workflow.extensions import db
from workflow.models import (
    Applicant,
    ApplicantKind,
    ApplicantMember,
    CouncilSeat,
    LegalForm,
    Municipality,
    Partnership,
    Path,
    Programme,
    Role,
    TerritorialUnit,
    UnitKind,
    UnitLevel,
    User,
)
from workflow.models.types import utcnow
from workflow.monitoring import units
from workflow.refusal import Refused, _l, fill

# Legal forms a powiat may be a member of (art. 10g: the association of local governments of
# art. 84, the powiat–gmina union); the powiat–gmina union must have one.
POWIAT_FORMS = frozenset({LegalForm.ASSOCIATION, LegalForm.POWIAT_GMINA_UNION})

NOT_A_CODE = _l("„%(code)s” nie jest kodem TERYT gminy (7 cyfr) ani powiatu (4 cyfry).")
UNKNOWN_CODE = _l("Kodu TERYT %(code)s nie ma w rejestrze TERYT.")
TWICE = _l("Gmina %(code)s jest w partnerstwie dwa razy.")
LEADER_GMINA = _l("Liderem partnerstwa jest gmina (kod TERYT z 7 cyfr), nie powiat.")
TOO_FEW = _l("Partnerstwo to co najmniej dwie jednostki: lider i przynajmniej jeden partner.")
NO_POWIAT_HERE = _l("Powiat może być członkiem partnerstwa w formie stowarzyszenia albo związku "
                    "powiatowo-gminnego, nie w tej formie prawnej.")
UNION_NEEDS_POWIAT = _l("Związek powiatowo-gminny wymaga powiatu wśród członków.")
EMAIL_TAKEN = _l("Konto %(email)s już istnieje.")
CHAIR_NOT_ON_COUNCIL = _l("Przewodniczący Rady Partnerstwa musi być przedstawicielem jednego z członków.")


class PartnershipRefused(Refused):
    """A partnership that cannot be made as asked (400)."""

    status = 400


@dataclass(frozen=True)
class MemberSpec:
    """A member of the partnership to be: its TERYT code; the e-mail of its account (None:
    no account now); its representative on the partnership council and their office."""

    teryt: str
    email: str | None = None
    person: str = ""
    office: str = ""


@dataclass
class NewPartnership:
    partnership: Partnership
    applicant: Applicant
    members: list[ApplicantMember]  # the leader first, then in the order given
    users: dict[str, User] = field(default_factory=dict)  # by TERYT code
    path: Path | None = None


def _spec(member: str | MemberSpec) -> MemberSpec:
    return member if isinstance(member, MemberSpec) else MemberSpec(member)


def create(leader: str | MemberSpec, members: Sequence[str | MemberSpec], *,
           legal_form: LegalForm = LegalForm.AGREEMENT, name: str | None = None,
           programme: Programme | None = None, chair: str | None = None,
           password_hash: str | None = None, locale: str = "pl",
           created_at: datetime | None = None, commit: bool = True,
           register: FsPath = units.DEFAULT_REGISTER) -> NewPartnership:
    """Make a partnership of `leader` (a gmina's TERYT code) and `members` (gminas' or a
    powiat's codes), each given as a code or a MemberSpec: the applicant (kind
    'partnership', named `name` or "Partnerstwo <leader>"), one ApplicantMember per unit
    (municipalities found or added by code), an account per member that names an e-mail
    (role town, acting for its own municipality; `password_hash`, or a random password
    nobody knows until an invitation or a reset), the council of the representatives named
    with its chair (`chair`: a member's code; by default the leader's representative), and,
    with `programme`, its path at the definition's first state. Refused (PartnershipRefused)
    for a code the register does not have and the other rules of the module's docstring.
    Commits, unless `commit` is False (then only flushed)."""
    specs = [_spec(leader), *(_spec(m) for m in members)]
    codes = [s.teryt.strip() for s in specs]
    _check(codes, legal_form)
    found = units.ensure(codes, register)
    missing = [c for c in codes if c not in found]
    if missing:
        raise PartnershipRefused([fill(UNKNOWN_CODE, code=c) for c in missing])
    if chair is not None and not any(s.teryt.strip() == chair and s.person for s in specs):
        raise PartnershipRefused([CHAIR_NOT_ON_COUNCIL])
    emails = [accounts.normalise_email(s.email) for s in specs if s.email]
    taken = sorted({e for e in emails if accounts.find_user(e) is not None})
    if taken:
        raise PartnershipRefused([fill(EMAIL_TAKEN, email=e) for e in taken])
    now = created_at or utcnow()
    municipalities = [_municipality(found[c]) for c in codes]
    head = municipalities[0]
    applicant = Applicant(kind=ApplicantKind.PARTNERSHIP, name=name or f"Partnerstwo {head.name}",
                          voivodeship=head.voivodeship)
    memberships = [ApplicantMember(municipality=m, is_leader=i == 0) for i, m in enumerate(municipalities)]
    applicant.memberships.extend(memberships)
    partnership = Partnership(applicant=applicant, legal_form=legal_form, created_at=now)
    chair_code = chair if chair is not None else codes[0]
    for spec, code, municipality in zip(specs, codes, municipalities, strict=True):
        if spec.person:
            partnership.seats.append(CouncilSeat(municipality=municipality, person_name=spec.person.strip(),
                                                 office=spec.office.strip(), is_chair=code == chair_code))
    db.session.add_all([applicant, partnership])
    created = NewPartnership(partnership, applicant, memberships)
    hashed = password_hash or generate_password_hash(secrets.token_urlsafe(32))
    for spec, code, municipality in zip(specs, codes, municipalities, strict=True):
        if spec.email:
            user = User(email=accounts.normalise_email(spec.email),
                        name=f"{municipality.name} – {applicant.name}", password_hash=hashed,
                        role=Role.TOWN, applicant=applicant, municipality=municipality, locale=locale,
                        created_at=now)
            db.session.add(user)
            created.users[code] = user
    if programme is not None:
        initial = states.get_definition(programme.path_code).initial
        created.path = Path(programme=programme, applicant=applicant, state=initial,
                            created_at=now, updated_at=now)
        db.session.add(created.path)
    db.session.flush()
    if commit:
        db.session.commit()
    return created


def _check(codes: list[str], legal_form: LegalForm) -> None:
    problems = [fill(NOT_A_CODE, code=c[:20]) for c in codes
                if not (c.isascii() and c.isdigit() and len(c) in (4, 7))]
    if problems:
        raise PartnershipRefused(problems)
    twice = sorted({c for c in codes if codes.count(c) > 1})
    if twice:
        raise PartnershipRefused([fill(TWICE, code=c) for c in twice])
    if len(codes[0]) != 7:
        raise PartnershipRefused([LEADER_GMINA])
    if len(codes) < 2:
        raise PartnershipRefused([TOO_FEW])
    powiats = [c for c in codes if len(c) == 4]
    if powiats and legal_form not in POWIAT_FORMS:
        raise PartnershipRefused([NO_POWIAT_HERE])
    if legal_form == LegalForm.POWIAT_GMINA_UNION and not powiats:
        raise PartnershipRefused([UNION_NEEDS_POWIAT])


def _municipality(unit: TerritorialUnit) -> Municipality:
    """The municipality of a register's unit: the row already known by its code (linked to
    the unit), or a new one named as the register names it (a powiat as "powiat …")."""
    municipality = db.session.scalar(select(Municipality).where(Municipality.teryt == unit.code))
    if municipality is None:
        municipality = Municipality(teryt=unit.code, name=unit_name(unit),
                                    voivodeship=voivodeship_of(unit))
        db.session.add(municipality)
    if municipality.unit_id is None:
        municipality.unit_id = unit.id
    return municipality


def unit_name(unit: TerritorialUnit) -> str:
    if unit.kind == UnitKind.LAND_POWIAT:
        return f"powiat {unit.name}"
    if unit.kind == UnitKind.CITY_POWIAT:
        return f"{unit.name} (miasto na prawach powiatu)"
    return unit.name


def voivodeship_of(unit: TerritorialUnit) -> str:
    """The voivodeship's name as the programmes write it ("małopolskie")."""
    here: TerritorialUnit | None = unit
    while here is not None and here.level != UnitLevel.VOIVODESHIP:
        here = here.parent
    return here.name.lower() if here is not None else ""


# --- the register, for whoever picks the members (the demo: the other gminas of a powiat) ----

@cache
def _gminas_by_powiat(register: FsPath) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for row in units.read_register(register.read_text(encoding="utf-8-sig")):
        if row.level == UnitLevel.GMINA and row.parent_code:
            out.setdefault(row.parent_code, []).append(row.code)
    return {powiat: tuple(sorted(codes)) for powiat, codes in out.items()}


def gminas_of_powiat(powiat: str, register: FsPath = units.DEFAULT_REGISTER) -> list[str]:
    """The TERYT codes of the gminas of `powiat` (four digits), in code order, from the register."""
    return list(_gminas_by_powiat(register).get(powiat, ()))


def neighbours_in_powiat(gmina: str, register: FsPath = units.DEFAULT_REGISTER) -> list[str]:
    """The other gminas of `gmina`'s powiat (its first four digits), in code order."""
    return [c for c in gminas_of_powiat(gmina[:4], register) if c != gmina]

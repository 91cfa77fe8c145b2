"""Matching a service's participants to the town's people (picked ids and typed lines), split
from consultations.py so the people rules live in one place."""

from __future__ import annotations

from workflow.advice.consultation_queries import member_names, town_people
from workflow.advice.consultation_terms import (
    EMAIL_MAX,
    EMAIL_RE,
    NAME_MAX,
    FieldErrors,
    ServiceInput,
    ServiceNotFound,
)
from workflow.models import Path, Person, User
from workflow.models.types import row_id_or_none
from workflow.refusal import _l


def normalized(text: str) -> str:
    return " ".join(text.split())


def _key(name: str, institution: str) -> tuple[str, str]:
    return normalized(name).casefold(), normalized(institution).casefold()


def member_named_in(institution: str, members: list[tuple[int, str]]) -> int | None:
    """The member municipality an institution names ("Urząd Gminy Bolesław" → Bolesław), when
    exactly one member's name is a word sequence of it; None otherwise (a town's person)."""
    words = f" {normalized(institution).casefold()} "
    found = {mid for mid, name in members if f" {normalized(name).casefold()} " in words}
    return found.pop() if len(found) == 1 else None


def resolve_people(path: Path, data: ServiceInput, actor: User, errors: FieldErrors) -> list[Person]:
    """The participants: picked ids of the town's people, then typed lines matched or added.
    A new participant of a partnership is linked to the member municipality their
    institution names (member_named_in)."""
    known = town_people(path.applicant_id)
    members = member_names(path.applicant_id) if data.new_people.strip() else []
    by_id = {p.id: p for p in known}
    by_email = {p.email.casefold(): p for p in known if p.email}
    by_key = {_key(p.name, p.institution): p for p in known}
    chosen: list[Person] = []

    def twice(person: Person, where: str, n: int | None = None) -> None:
        if n:
            errors.add(where, _l("Ta osoba jest już na liście uczestników: %(name)s (wiersz %(n)d).",
                                 name=person.name, n=n))
        else:
            errors.add(where, _l("Ta osoba jest już na liście uczestników: %(name)s.", name=person.name))

    for person_id in data.person_ids:
        person = by_id.get(row_id_or_none(person_id))
        if person is None:  # another town's person, or no one: not ours to touch
            raise ServiceNotFound(person_id)
        if any(p is person for p in chosen):
            twice(person, "participants")
        else:
            chosen.append(person)

    for n, line in enumerate(data.new_people.splitlines(), 1):
        if not line.strip():
            continue
        parts = [normalized(p) for p in line.split(";")]
        if len(parts) == 2:
            parts.append("")
        if len(parts) != 3 or not parts[0] or not parts[1]:
            errors.add("new_people", _l("Wiersz %(n)d: wpisz imię i nazwisko, instytucję i (opcjonalnie) "
                                        "e-mail, rozdzielone średnikami, np. „Anna Nowak; Urząd Miasta; "
                                        "a.nowak@um.pl”.", n=n))
            continue
        name, institution, email = parts[0], parts[1], parts[2].lower() or None
        if len(name) > NAME_MAX or len(institution) > NAME_MAX:
            errors.add("new_people", _l("Wiersz %(n)d: imię i nazwisko oraz instytucja mogą mieć najwyżej "
                                        "%(max)d znaków.", n=n, max=NAME_MAX))
            continue
        if email and (len(email) > EMAIL_MAX or not EMAIL_RE.match(email)):
            errors.add("new_people", _l("Wiersz %(n)d: „%(email)s” nie wygląda na adres e-mail.",
                                        n=n, email=email))
            continue
        person = (by_email.get(email) if email else None) or by_key.get(_key(name, institution))
        if person is None:
            member = member_named_in(institution, members) if len(members) > 1 else None
            person = Person(applicant_id=path.applicant_id, name=name, institution=institution,
                            email=email, created_by_id=actor.id, municipality_id=member)
            by_key[_key(name, institution)] = person
            if email:
                by_email[email] = person
        if any(p is person for p in chosen):
            twice(person, "new_people", n)
        else:
            chosen.append(person)
    return chosen

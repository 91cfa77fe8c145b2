"""The consultation log: advisors record the services they delivered to their towns.

A service is first a draft (seen only by its author, counted nowhere), then logged. A
logged service may be corrected by its author for `Programme.service_edit_days` days after
it was logged, and by a coordinator at any time; every correction appends a
ServiceRevision holding the full previous values, so the log's history is never rewritten.

Participants are Person rows of the town (the path's applicant): picked by id, or typed as
new lines that reuse an existing person when the e-mail, or the name and institution, match
(ignoring case and spacing), so that someone at ten workshops is one person in the reports.

Messages are Labels (Polish and English) keyed by the form field they belong to.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from states.definition import Label
from workflow.extensions import db
from workflow.models import (
    ExpertiseField,
    Path,
    Person,
    Role,
    Service,
    ServiceRevision,
    Study,
    User,
    service_participant,
)
from workflow.models.advisory import MAX_DURATION_MINUTES, SERVICE_FORMATS, SERVICE_KINDS
from workflow.models.types import utcnow
from workflow.services import access, audit

KIND_LABELS = {
    "consultation": Label("konsultacja ekspercka", "expert consultation"),
    "workshop": Label("warsztat szkoleniowy", "training workshop"),
    "study": Label("opracowanie (analiza lub dokument planistyczny)",
                   "study (analysis or planning document)"),
    "other": Label("inna usługa", "other service"),
}
FORMAT_LABELS = {"on_site": Label("stacjonarnie", "on site"), "online": Label("online", "online")}
STUDY_KIND_LABELS = {"analysis": Label("analiza", "analysis"),
                     "planning": Label("dokument planistyczny", "planning document")}
# The word written after the last ';' of a study line, as the form shows it and as typed.
STUDY_WORD = {"analysis": "analiza", "planning": "plan"}
STUDY_WORDS = {"analiza": "analysis", "analysis": "analysis", "plan": "planning",
               "planning": "planning", "planistyczny": "planning",
               "dokument planistyczny": "planning"}

TOPIC_MAX, TITLE_MAX, REASON_MAX, NAME_MAX, EMAIL_MAX = 300, 300, 2000, 200, 254
EMAIL_RE = re.compile(r"^[^@\s;]+@[^@\s;]+\.[^@\s;]+$")

NOT_DRAFT = Label("Ten wpis jest już zapisany w dzienniku; można go tylko poprawić.",
                  "This entry is already in the log; it can only be corrected.")
NOT_LOGGED = Label("Poprawiać można tylko wpisy zapisane w dzienniku.",
                   "Only entries in the log can be corrected.")
LOGGED_NOT_DELETED = Label("Wpisu zapisanego w dzienniku nie można usunąć; można go poprawić.",
                           "An entry in the log cannot be deleted; it can be corrected.")
STALE = Label("Ktoś inny zmienił ten wpis w międzyczasie. Odśwież stronę, sprawdź aktualne dane "
              "i wprowadź zmiany ponownie.",
              "Someone else changed this entry in the meantime. Reload the page, check the "
              "current values and make your changes again.")
CONFLICT = Label("Ktoś w tym samym czasie zapisał dane tego miasta (np. dodał tę samą osobę). "
                 "Wyślij formularz jeszcze raz.",
                 "Someone saved this town's data at the same moment (e.g. added the same "
                 "person). Send the form again.")
TOKEN_USED = Label("Ten formularz został już użyty. Otwórz formularz nowej usługi jeszcze raz.",
                   "This form has already been used. Open the new service form again.")


def window_closed(days: int) -> Label:
    return Label(f"Upłynął czas, w którym autor może poprawić wpis (dni od zapisania w dzienniku: "
                 f"{days}). Poprawić go może teraz tylko koordynator programu.",
                 f"The time in which the author may correct the entry has passed (days since it "
                 f"was logged: {days}). Only the programme coordinator can correct it now.")


class ServiceNotFound(LookupError):
    """Not the user's to see or touch: the view answers 404."""


class ServiceRefused(Exception):
    """Allowed to see, not allowed to do this now; `status` is the HTTP answer."""

    def __init__(self, reason: Label, status: int = 409) -> None:
        super().__init__(reason.en)
        self.reason = reason
        self.status = status


class ServiceInvalid(Exception):
    """Bad input: `errors` maps a form field name to its messages."""

    def __init__(self, errors: dict[str, list[Label]]) -> None:
        super().__init__("; ".join(m.en for ms in errors.values() for m in ms))
        self.errors = errors


@dataclass
class ServiceInput:
    """What the form sent, as typed (strings are parsed and checked here)."""

    kind: str = ""
    held_on: date | str | None = None
    duration: int | str | None = None
    field_id: int | None = None
    topic: str = ""
    format: str = "on_site"
    person_ids: Sequence[int] = ()
    new_people: str = ""  # one per line: "Imię Nazwisko; Instytucja; e-mail (opcjonalnie)"
    studies: str = ""  # one per line: "Tytuł; analiza|plan" (a bare title is an analysis)


@dataclass
class _Clean:
    kind: str
    held_on: date
    duration: int
    field_id: int
    topic: str
    format: str
    people: list[Person]
    studies: list[tuple[str, str]]


class _Errors(dict[str, list[Label]]):
    def add(self, key: str, pl: str, en: str) -> None:
        self.setdefault(key, []).append(Label(pl, en))


# --- who sees what ----------------------------------------------------------------------------

def service_filter(user: User) -> ColumnElement[bool]:
    """A WHERE clause on Service: the services `user` may read.

    Drafts belong to their author alone. Otherwise a service is visible with its path:
    the town its own, an advisor the towns assigned to them, the coordinator every one.
    """
    if user.role == Role.EVALUATOR:
        return false()
    paths = select(Path.id).where(access.path_filter(user))
    readable = Service.status == "logged"
    if user.role == Role.ADVISOR:
        readable = or_(readable, Service.advisor_id == user.id)
    return and_(Service.path_id.in_(paths), readable)


def find(user: User, service_id: int) -> Service:
    service = db.session.scalar(
        select(Service).where(Service.id == service_id, service_filter(user)).options(
            joinedload(Service.path).joinedload(Path.applicant),
            joinedload(Service.path).joinedload(Path.programme),
            joinedload(Service.field), joinedload(Service.advisor),
            selectinload(Service.participants), selectinload(Service.studies),
        )
    )
    if service is None:
        raise ServiceNotFound(service_id)
    return service


def listing(user: User, *, own: bool = False, path_id: int | None = None) -> Select[tuple[Service, int]]:
    """Services `user` may read with their participant counts; drafts first, newest first."""
    count = (select(func.count()).select_from(service_participant)
             .where(service_participant.c.service_id == Service.id).scalar_subquery())
    query = (
        select(Service, count.label("participants"))
        .where(service_filter(user))
        .options(joinedload(Service.path).joinedload(Path.applicant), joinedload(Service.field),
                 joinedload(Service.advisor), selectinload(Service.studies))
        .order_by((Service.status == "logged"), Service.held_on.desc(), Service.id.desc())
    )
    if own:
        query = query.where(Service.advisor_id == user.id)
    if path_id is not None:
        query = query.where(Service.path_id == path_id)
    return query


@dataclass(frozen=True)
class LogStatus:
    """What an advisor's landing page says about the log: drafts to finish, last entry."""

    drafts: int
    logged: int
    last_held_on: date | None


def log_status(user: User) -> LogStatus:
    """One query: the advisor's drafts, logged services and the day of the latest one."""
    mine = Service.advisor_id == user.id
    drafts, logged, last = db.session.execute(select(
        func.count().filter(Service.status == "draft"), func.count().filter(Service.status == "logged"),
        func.max(Service.held_on).filter(Service.status == "logged")).where(mine)).one()
    return LogStatus(drafts or 0, logged or 0, last)


def advisor_towns(user: User) -> list[Path]:
    """The paths assigned to an advisor, with their applicants loaded."""
    return list(db.session.scalars(
        access.visible_paths(user).options(joinedload(Path.applicant)).order_by(Path.id)))


def town_people(applicant_id: int) -> list[Person]:
    return list(db.session.scalars(select(Person).where(Person.applicant_id == applicant_id)))


def active_fields(keep: int | None = None) -> list[ExpertiseField]:
    """Active fields, and the field `keep` (a service's own) even if no longer active."""
    query = select(ExpertiseField).where(
        or_(ExpertiseField.active.is_(True), ExpertiseField.id == (keep or -1)))
    return list(db.session.scalars(query.order_by(ExpertiseField.id)))


def correction_ends(service: Service) -> datetime | None:
    if service.logged_at is None:
        return None
    return service.logged_at + timedelta(days=service.path.programme.service_edit_days)


def is_author(user: User, service: Service) -> bool:
    return user.role == Role.ADVISOR and service.advisor_id == user.id


def may_correct(user: User, service: Service, now: datetime | None = None) -> bool:
    if service.status != "logged":
        return False
    if user.role == Role.COORDINATOR:
        return True
    ends = correction_ends(service)
    return is_author(user, service) and ends is not None and (now or utcnow()) < ends


# --- reading the form ---------------------------------------------------------------------------

def _norm(text: str) -> str:
    return " ".join(text.split())


def _key(name: str, institution: str) -> tuple[str, str]:
    return _norm(name).casefold(), _norm(institution).casefold()


def _day(value: date) -> Label:
    return Label(value.strftime("%d.%m.%Y"), value.isoformat())


def _parse_date(raw: date | str | None, path: Path, errors: _Errors, now: datetime) -> date | None:
    if isinstance(raw, date):
        held_on = raw
    else:
        text = (raw or "").strip()
        if not text:
            errors.add("held_on", "Podaj datę usługi.", "Enter the date of the service.")
            return None
        held_on = None
        for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
            try:
                held_on = datetime.strptime(text, fmt).date()
                break
            except ValueError:
                continue
        if held_on is None:
            errors.add("held_on", "Podaj datę w formacie RRRR-MM-DD, np. 2020-03-15.",
                       "Enter the date as YYYY-MM-DD, e.g. 2020-03-15.")
            return None
    programme = path.programme
    today = now.astimezone(ZoneInfo(programme.timezone)).date()
    start, end = programme.advice_starts_on, programme.advice_ends_on
    if held_on > today:
        errors.add("held_on", f"Data usługi nie może być z przyszłości (dziś jest {_day(today).pl}).",
                   f"The date of the service cannot be in the future (today is {today.isoformat()}).")
    elif (start and held_on < start) or (end and held_on > end):
        period_pl = (f"od {_day(start).pl} " if start else "") + (f"do {_day(end).pl}" if end else "")
        period_en = (f"from {start.isoformat()} " if start else "") + (f"to {end.isoformat()}" if end else "")
        errors.add("held_on",
                   f"Data usługi musi mieścić się w okresie doradztwa programu: {period_pl.strip()}.",
                   f"The date must lie within the programme's advisory period: {period_en.strip()}.")
    return held_on


def _parse_duration(raw: int | str | None, errors: _Errors) -> int | None:
    minutes: int | None = None
    if isinstance(raw, int):
        minutes = raw
    else:
        text = re.sub(r"[\s\u00a0]", "", raw or "")
        if not text:
            errors.add("duration", "Podaj czas trwania w minutach.", "Enter the duration in minutes.")
            return None
        hours = re.fullmatch(r"(\d{1,3}):([0-5]\d)", text)
        if re.fullmatch(r"[+-]?\d{1,12}", text):
            minutes = int(text)
        elif hours:
            minutes = int(hours.group(1)) * 60 + int(hours.group(2))
        else:
            errors.add("duration", "Podaj czas trwania jako liczbę minut, np. 90 (albo godziny i minuty, "
                       "np. 1:30).", "Enter the duration as a number of minutes, e.g. 90 (or hours and "
                       "minutes, e.g. 1:30).")
            return None
    if not 1 <= minutes <= MAX_DURATION_MINUTES:
        errors.add("duration", f"Czas trwania musi wynosić od 1 minuty do 24 godzin ({MAX_DURATION_MINUTES} "
                   f"minut); podano {minutes}.", f"The duration must be between 1 minute and 24 hours "
                   f"({MAX_DURATION_MINUTES} minutes); {minutes} was given.")
        return None
    return minutes


def _parse_studies(text: str, errors: _Errors) -> list[tuple[str, str]]:
    studies: list[tuple[str, str]] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        title, kind = line, "analysis"
        if ";" in line:
            title, _sep, word = line.rpartition(";")
            kind = STUDY_WORDS.get(_norm(word).casefold(), "")
            if not kind:
                errors.add("studies", f"Wiersz {n}: po ostatnim średniku podaj rodzaj opracowania: "
                           "„analiza” albo „plan”.", f"Line {n}: after the last semicolon write the "
                           "kind of study: 'analiza' (analysis) or 'plan' (planning document).")
                continue
        title = _norm(title)
        if not title or len(title) > TITLE_MAX:
            errors.add("studies", f"Wiersz {n}: tytuł opracowania musi mieć od 1 do {TITLE_MAX} znaków.",
                       f"Line {n}: a study's title must have 1 to {TITLE_MAX} characters.")
        elif any(t.casefold() == title.casefold() for t, _k in studies):
            errors.add("studies", f"Wiersz {n}: to opracowanie jest już na liście.",
                       f"Line {n}: this study is already on the list.")
        else:
            studies.append((title, kind))
    return studies


def _resolve_people(path: Path, data: ServiceInput, actor: User, errors: _Errors) -> list[Person]:
    """The participants: picked ids of the town's people, then typed lines matched or added."""
    known = town_people(path.applicant_id)
    by_id = {p.id: p for p in known}
    by_email = {p.email.casefold(): p for p in known if p.email}
    by_key = {_key(p.name, p.institution): p for p in known}
    chosen: list[Person] = []

    def twice(person: Person, where: str, n: int | None = None) -> None:
        line_pl, line_en = (f" (wiersz {n})", f" (line {n})") if n else ("", "")
        errors.add(where, f"Ta osoba jest już na liście uczestników: {person.name}{line_pl}.",
                   f"This person is already on the list of participants: {person.name}{line_en}.")

    for person_id in data.person_ids:
        person = by_id.get(person_id)
        if person is None:  # another town's person, or no one: not ours to touch
            raise ServiceNotFound(person_id)
        if any(p is person for p in chosen):
            twice(person, "participants")
        else:
            chosen.append(person)

    for n, line in enumerate(data.new_people.splitlines(), 1):
        if not line.strip():
            continue
        parts = [_norm(p) for p in line.split(";")]
        if len(parts) == 2:
            parts.append("")
        if len(parts) != 3 or not parts[0] or not parts[1]:
            errors.add("new_people", f"Wiersz {n}: wpisz imię i nazwisko, instytucję i (opcjonalnie) e-mail, "
                       "rozdzielone średnikami, np. „Anna Nowak; Urząd Miasta; a.nowak@um.pl”.",
                       f"Line {n}: write the name, the institution and (optionally) the e-mail, separated "
                       "by semicolons, e.g. 'Anna Nowak; Town Hall; a.nowak@um.pl'.")
            continue
        name, institution, email = parts[0], parts[1], parts[2].lower() or None
        if len(name) > NAME_MAX or len(institution) > NAME_MAX:
            errors.add("new_people", f"Wiersz {n}: imię i nazwisko oraz instytucja mogą mieć najwyżej "
                       f"{NAME_MAX} znaków.", f"Line {n}: the name and the institution may have at most "
                       f"{NAME_MAX} characters.")
            continue
        if email and (len(email) > EMAIL_MAX or not EMAIL_RE.match(email)):
            errors.add("new_people", f"Wiersz {n}: „{email}” nie wygląda na adres e-mail.",
                       f"Line {n}: '{email}' does not look like an e-mail address.")
            continue
        person = (by_email.get(email) if email else None) or by_key.get(_key(name, institution))
        if person is None:
            person = Person(applicant_id=path.applicant_id, name=name, institution=institution,
                            email=email, created_by_id=actor.id)
            by_key[_key(name, institution)] = person
            if email:
                by_email[email] = person
        if any(p is person for p in chosen):
            twice(person, "new_people", n)
        else:
            chosen.append(person)
    return chosen


def _clean(path: Path, data: ServiceInput, actor: User, errors: _Errors, *, logging: bool,
           current: Service | None, now: datetime) -> _Clean | None:
    kind = data.kind if data.kind in SERVICE_KINDS else ""
    if not kind:
        errors.add("kind", "Wybierz rodzaj usługi.", "Choose the type of service.")
    fmt = data.format if data.format in SERVICE_FORMATS else ""
    if not fmt:
        errors.add("format", "Wybierz formę: stacjonarnie albo online.", "Choose on site or online.")
    held_on = _parse_date(data.held_on, path, errors, now)
    duration = _parse_duration(data.duration, errors)
    chosen_field = db.session.get(ExpertiseField, data.field_id) if data.field_id else None
    if chosen_field is None:
        errors.add("field_id", "Wybierz dziedzinę z listy.", "Choose a field from the list.")
    elif not chosen_field.active and not (current and current.field_id == chosen_field.id):
        errors.add("field_id", "Ta dziedzina nie jest już aktywna – wybierz inną.",
                   "This field is no longer active; choose another one.")
    topic = (data.topic or "").strip()
    if not topic:
        errors.add("topic", "Podaj temat usługi.", "Enter the topic of the service.")
    elif len(topic) > TOPIC_MAX:
        errors.add("topic", f"Temat może mieć najwyżej {TOPIC_MAX} znaków (wpisano {len(topic)}).",
                   f"The topic may have at most {TOPIC_MAX} characters ({len(topic)} given).")
    people = _resolve_people(path, data, actor, errors)
    studies = _parse_studies(data.studies or "", errors)
    if logging and not people and "participants" not in errors and "new_people" not in errors:
        errors.add("participants", "Usługa zapisana w dzienniku musi mieć co najmniej jednego uczestnika: "
                   "zaznacz osoby z listy albo dopisz nowe.", "A logged service needs at least one "
                   "participant: tick people on the list or add new ones.")
    if logging and kind == "study" and not studies and "studies" not in errors:
        errors.add("studies", "Przy opracowaniu podaj tytuł co najmniej jednego opracowania.",
                   "For a study, enter the title of at least one study.")
    if errors:
        return None
    assert held_on is not None and duration is not None and chosen_field is not None
    return _Clean(kind, held_on, duration, chosen_field.id, topic, fmt, people, studies)


def _apply(service: Service, clean: _Clean, now: datetime) -> None:
    service.kind, service.held_on, service.duration_minutes = clean.kind, clean.held_on, clean.duration
    service.field_id, service.topic, service.format = clean.field_id, clean.topic, clean.format
    service.participants = clean.people
    kept = {(s.title, s.kind): s for s in service.studies}
    service.studies = [kept.pop((t, k), None) or Study(title=t, kind=k) for t, k in clean.studies]
    service.updated_at = now
    # Always an UPDATE of the row (even if only the lists changed, or nothing did), so the
    # version moves on and a concurrent writer's UPDATE ... WHERE version = finds no row.
    flag_modified(service, "updated_at")


def snapshot(service: Service) -> dict[str, Any]:
    """Every value of a service, as JSON: what a revision keeps."""
    return {
        "kind": service.kind,
        "held_on": service.held_on.isoformat(),
        "duration_minutes": service.duration_minutes,
        "field_id": service.field_id,
        "topic": service.topic,
        "format": service.format,
        "status": service.status,
        "version": service.version,
        "logged_at": service.logged_at.isoformat() if service.logged_at else None,
        "participant_ids": sorted(p.id for p in service.participants),
        "studies": [{"title": s.title, "kind": s.kind} for s in service.studies],
    }


def _require_advisor_of(actor: User, path: Path) -> None:
    """The actor is an advisor assigned to the path, as the city advisor or a field expert."""
    if actor.role != Role.ADVISOR or db.session.scalar(
            access.visible_paths(actor).where(Path.id == path.id).with_only_columns(Path.id)) is None:
        raise ServiceNotFound(path.id)


def _check_version(service: Service, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != service.version:
        raise ServiceRefused(STALE, 409)


def _commit() -> None:
    try:
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise ServiceRefused(STALE, 409) from exc
    except IntegrityError as exc:
        db.session.rollback()
        raise ServiceRefused(CONFLICT, 409) from exc


# --- writing ------------------------------------------------------------------------------------

def by_token(actor: User, client_token: str | None) -> Service | None:
    if not client_token:
        return None
    found = db.session.scalar(select(Service).where(Service.client_token == client_token))
    if found is not None and found.advisor_id != actor.id:
        raise ServiceRefused(TOKEN_USED, 409)
    return found


def create(path: Path, actor: User, data: ServiceInput, *, log: bool, client_token: str | None = None,
           now: datetime | None = None) -> tuple[Service, bool]:
    """A new draft or logged service; (service, created). The same `client_token` sent
    again (a double click, a refreshed POST) returns the service it created the first time."""
    now = now or utcnow()
    _require_advisor_of(actor, path)
    existing = by_token(actor, client_token)
    if existing is not None:
        return existing, False
    errors = _Errors()
    clean = _clean(path, data, actor, errors, logging=log, current=None, now=now)
    if clean is None:
        raise ServiceInvalid(errors)
    service = Service(path_id=path.id, advisor_id=actor.id, client_token=client_token or None,
                      status="logged" if log else "draft", logged_at=now if log else None,
                      created_at=now)
    _apply(service, clean, now)
    db.session.add(service)
    try:
        db.session.flush()
        audit.record("service_logged" if log else "service_draft", actor=actor, object_type="service",
                     object_id=service.id, programme_id=path.programme_id,
                     detail={"path_id": path.id, "kind": service.kind, "held_on": service.held_on})
        db.session.commit()
    except IntegrityError as exc:  # the same token committed by a concurrent request
        db.session.rollback()
        existing = by_token(actor, client_token)
        if existing is not None:
            return existing, False
        raise ServiceRefused(CONFLICT, 409) from exc
    return service, True


def update_draft(service: Service, actor: User, data: ServiceInput, *, log: bool,
                 expected_version: int | None, now: datetime | None = None) -> Service:
    """Change a draft (its author only), and log it if `log`."""
    now = now or utcnow()
    if not is_author(actor, service):
        raise ServiceNotFound(service.id)
    _require_advisor_of(actor, service.path)
    if service.status != "draft":
        raise ServiceRefused(NOT_DRAFT, 409)
    _check_version(service, expected_version)
    errors = _Errors()
    clean = _clean(service.path, data, actor, errors, logging=log, current=service, now=now)
    if clean is None:
        raise ServiceInvalid(errors)
    _apply(service, clean, now)
    if log:
        service.status, service.logged_at = "logged", now
        audit.record("service_logged", actor=actor, object_type="service", object_id=service.id,
                     programme_id=service.path.programme_id,
                     detail={"path_id": service.path_id, "kind": service.kind, "held_on": service.held_on})
    _commit()
    return service


def correct(service: Service, actor: User, data: ServiceInput, *, reason: str,
            expected_version: int | None, now: datetime | None = None) -> ServiceRevision:
    """Correct a logged service, keeping its previous values in a ServiceRevision.

    The author may do it while the edit window is open; a coordinator at any time.
    """
    now = now or utcnow()
    if actor.role == Role.COORDINATOR:
        pass
    elif is_author(actor, service):
        _require_advisor_of(actor, service.path)
    else:
        raise ServiceNotFound(service.id)
    if service.status != "logged":
        raise ServiceRefused(NOT_LOGGED, 409)
    if not may_correct(actor, service, now):
        raise ServiceRefused(window_closed(service.path.programme.service_edit_days), 403)
    _check_version(service, expected_version)
    errors = _Errors()
    reason = (reason or "").strip()
    if not reason:
        errors.add("reason", "Podaj powód poprawki.", "Give the reason for the correction.")
    elif len(reason) > REASON_MAX:
        errors.add("reason", f"Powód może mieć najwyżej {REASON_MAX} znaków.",
                   f"The reason may have at most {REASON_MAX} characters.")
    clean = _clean(service.path, data, actor, errors, logging=True, current=service, now=now)
    if clean is None:
        raise ServiceInvalid(errors)
    revision = ServiceRevision(service_id=service.id, revised_by_id=actor.id, revised_at=now,
                               before=snapshot(service), reason=reason)
    db.session.add(revision)
    _apply(service, clean, now)
    audit.record("service_corrected", actor=actor, object_type="service", object_id=service.id,
                 programme_id=service.path.programme_id,
                 detail={"path_id": service.path_id, "reason": reason})
    _commit()
    return revision


def delete_draft(service: Service, actor: User, expected_version: int | None = None) -> None:
    if not is_author(actor, service):
        raise ServiceNotFound(service.id)
    if service.status != "draft":
        raise ServiceRefused(LOGGED_NOT_DELETED, 409)
    _check_version(service, expected_version)
    db.session.delete(service)
    _commit()


# --- history ------------------------------------------------------------------------------------

@dataclass
class Change:
    key: str
    before: Any
    after: Any


@dataclass
class RevisionView:
    revision: ServiceRevision
    changes: list[Change] = field(default_factory=list)


TRACKED = ("kind", "held_on", "duration_minutes", "field_id", "topic", "format", "participant_ids",
           "studies")


def history(service: Service) -> tuple[list[RevisionView], dict[int, Person], dict[int, ExpertiseField]]:
    """The corrections of a service, newest first, each with what it changed; and the people
    and fields the changes name. A fixed number of queries, whatever the history's length."""
    revisions = list(db.session.scalars(
        select(ServiceRevision).where(ServiceRevision.service_id == service.id)
        .options(joinedload(ServiceRevision.revised_by)).order_by(ServiceRevision.id)))
    states = [r.before for r in revisions] + [snapshot(service)]
    views = []
    for i, revision in enumerate(revisions):
        before, after = states[i], states[i + 1]
        views.append(RevisionView(revision, [Change(k, before.get(k), after.get(k))
                                             for k in TRACKED if before.get(k) != after.get(k)]))
    ids = {pid for s in states for pid in s.get("participant_ids", [])}
    people = ({p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(ids)))}
              if revisions and ids else {})
    fields = ({f.id: f for f in db.session.scalars(select(ExpertiseField))} if revisions else {})
    return list(reversed(views)), people, fields

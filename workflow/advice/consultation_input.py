"""Reading the service form: parsing and checking its fields into a clean value and applying
it to a Service; split from consultations.py to keep the input rules in one module."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm.attributes import flag_modified

from states.definition import Label
from workflow.advice.consultation_people import normalized, resolve_people
from workflow.advice.consultation_terms import (
    STUDY_WORDS,
    TITLE_MAX,
    TOPIC_MAX,
    CleanInput,
    FieldErrors,
    ServiceInput,
)
from workflow.extensions import db
from workflow.models import ExpertiseField, Path, Service, Study, User
from workflow.models.advisory import MAX_DURATION_MINUTES, SERVICE_FORMATS, SERVICE_KINDS

# --- reading the form ---------------------------------------------------------------------------

def _day(value: date) -> Label:
    return Label(value.strftime("%d.%m.%Y"), value.isoformat())


def _parse_date(raw: date | str | None, path: Path, errors: FieldErrors, now: datetime) -> date | None:
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


def _parse_duration(raw: int | str | None, errors: FieldErrors) -> int | None:
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


def _parse_studies(text: str, errors: FieldErrors) -> list[tuple[str, str]]:
    studies: list[tuple[str, str]] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        title, kind = line, "analysis"
        if ";" in line:
            title, _sep, word = line.rpartition(";")
            kind = STUDY_WORDS.get(normalized(word).casefold(), "")
            if not kind:
                errors.add("studies", f"Wiersz {n}: po ostatnim średniku podaj rodzaj opracowania: "
                           "„analiza” albo „plan”.", f"Line {n}: after the last semicolon write the "
                           "kind of study: 'analiza' (analysis) or 'plan' (planning document).")
                continue
        title = normalized(title)
        if not title or len(title) > TITLE_MAX:
            errors.add("studies", f"Wiersz {n}: tytuł opracowania musi mieć od 1 do {TITLE_MAX} znaków.",
                       f"Line {n}: a study's title must have 1 to {TITLE_MAX} characters.")
        elif any(t.casefold() == title.casefold() for t, _k in studies):
            errors.add("studies", f"Wiersz {n}: to opracowanie jest już na liście.",
                       f"Line {n}: this study is already on the list.")
        else:
            studies.append((title, kind))
    return studies


def clean_input(path: Path, data: ServiceInput, actor: User, errors: FieldErrors, *, logging: bool,
           current: Service | None, now: datetime) -> CleanInput | None:
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
    people = resolve_people(path, data, actor, errors)
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
    return CleanInput(kind, held_on, duration, chosen_field.id, topic, fmt, people, studies)


def apply_input(service: Service, clean: CleanInput, now: datetime) -> None:
    service.kind, service.held_on, service.duration_minutes = clean.kind, clean.held_on, clean.duration
    service.field_id, service.topic, service.format = clean.field_id, clean.topic, clean.format
    service.participants = clean.people
    kept = {(s.title, s.kind): s for s in service.studies}
    service.studies = [kept.pop((t, k), None) or Study(title=t, kind=k) for t, k in clean.studies]
    service.updated_at = now
    # Always an UPDATE of the row (even if only the lists changed, or nothing did), so the
    # version moves on and a concurrent writer's UPDATE ... WHERE version = finds no row.
    flag_modified(service, "updated_at")

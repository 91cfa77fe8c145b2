"""Reading the service form: parsing and checking its fields into a clean value and applying
it to a Service; split from consultations.py to keep the input rules in one module."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm.attributes import flag_modified

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
from workflow.models import ExpertiseField, Path, Service, ServiceKind, Study, StudyKind, User
from workflow.models.advisory import MAX_DURATION_MINUTES, SERVICE_FORMATS, SERVICE_KINDS
from workflow.models.types import row_id_or_none
from workflow.refusal import Message, _l, either

# --- reading the form ---------------------------------------------------------------------------

def _day(value: date) -> Message:
    return either(value.strftime("%d.%m.%Y"), value.isoformat())


def _parse_date(raw: date | str | None, path: Path, errors: FieldErrors, now: datetime) -> date | None:
    if isinstance(raw, date):
        held_on = raw
    else:
        text = (raw or "").strip()
        if not text:
            errors.add("held_on", _l("Podaj datę usługi."))
            return None
        held_on = None
        for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
            try:
                held_on = datetime.strptime(text, fmt).date()
                break
            except ValueError:
                continue
        if held_on is None:
            errors.add("held_on", _l("Podaj datę w formacie RRRR-MM-DD, np. 2020-03-15."))
            return None
    programme = path.programme
    today = now.astimezone(ZoneInfo(programme.timezone)).date()
    start, end = programme.advice_starts_on, programme.advice_ends_on
    if held_on > today:
        errors.add("held_on", _l("Data usługi nie może być z przyszłości (dziś jest %(today)s).",
                                 today=_day(today)))
    elif (start and held_on < start) or (end and held_on > end):
        if start and end:
            errors.add("held_on", _l("Data usługi musi mieścić się w okresie doradztwa programu: "
                                     "od %(start)s do %(end)s.", start=_day(start), end=_day(end)))
        elif start:
            errors.add("held_on", _l("Data usługi musi mieścić się w okresie doradztwa programu: "
                                     "od %(start)s.", start=_day(start)))
        else:
            errors.add("held_on", _l("Data usługi musi mieścić się w okresie doradztwa programu: "
                                     "do %(end)s.", end=_day(end)))
    return held_on


def _parse_duration(raw: int | str | None, errors: FieldErrors) -> int | None:
    minutes: int | None = None
    if isinstance(raw, int):
        minutes = raw
    else:
        text = re.sub(r"[\s\u00a0]", "", raw or "")
        if not text:
            errors.add("duration", _l("Podaj czas trwania w minutach."))
            return None
        hours = re.fullmatch(r"(\d{1,3}):([0-5]\d)", text)
        if re.fullmatch(r"[+-]?\d{1,12}", text):
            minutes = int(text)
        elif hours:
            minutes = int(hours.group(1)) * 60 + int(hours.group(2))
        else:
            errors.add("duration", _l("Podaj czas trwania jako liczbę minut, np. 90 (albo godziny i minuty, "
                                      "np. 1:30)."))
            return None
    if not 1 <= minutes <= MAX_DURATION_MINUTES:
        errors.add("duration", _l("Czas trwania musi wynosić od 1 minuty do 24 godzin (%(max)d minut); "
                                  "podano %(minutes)d.", max=MAX_DURATION_MINUTES, minutes=minutes))
        return None
    return minutes


def _parse_studies(text: str, errors: FieldErrors) -> list[tuple[str, str]]:
    studies: list[tuple[str, str]] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        title, kind = line, StudyKind.ANALYSIS
        if ";" in line:
            title, _sep, word = line.rpartition(";")
            kind = STUDY_WORDS.get(normalized(word).casefold(), "")
            if not kind:
                errors.add("studies", _l("Wiersz %(n)d: po ostatnim średniku podaj rodzaj opracowania: "
                                         "„analiza” albo „plan”.", n=n))
                continue
        title = normalized(title)
        if not title or len(title) > TITLE_MAX:
            errors.add("studies", _l("Wiersz %(n)d: tytuł opracowania musi mieć od 1 do %(max)d znaków.",
                                     n=n, max=TITLE_MAX))
        elif any(t.casefold() == title.casefold() for t, _k in studies):
            errors.add("studies", _l("Wiersz %(n)d: to opracowanie jest już na liście.", n=n))
        else:
            studies.append((title, kind))
    return studies


def clean_input(path: Path, data: ServiceInput, actor: User, errors: FieldErrors, *, logging: bool,
           current: Service | None, now: datetime) -> CleanInput | None:
    kind = data.kind if data.kind in SERVICE_KINDS else ""
    if not kind:
        errors.add("kind", _l("Wybierz rodzaj usługi."))
    fmt = data.format if data.format in SERVICE_FORMATS else ""
    if not fmt:
        errors.add("format", _l("Wybierz formę: stacjonarnie albo online."))
    held_on = _parse_date(data.held_on, path, errors, now)
    duration = _parse_duration(data.duration, errors)
    field_id = row_id_or_none(data.field_id)  # never an id no INTEGER column holds into the query
    chosen_field = db.session.get(ExpertiseField, field_id) if field_id else None
    if chosen_field is None:
        errors.add("field_id", _l("Wybierz dziedzinę z listy."))
    elif not chosen_field.active and not (current and current.field_id == chosen_field.id):
        errors.add("field_id", _l("Ta dziedzina nie jest już aktywna – wybierz inną."))
    topic = (data.topic or "").strip()
    if not topic:
        errors.add("topic", _l("Podaj temat usługi."))
    elif len(topic) > TOPIC_MAX:
        errors.add("topic", _l("Temat może mieć najwyżej %(max)d znaków (wpisano %(n)d).",
                               max=TOPIC_MAX, n=len(topic)))
    people = resolve_people(path, data, actor, errors)
    studies = _parse_studies(data.studies or "", errors)
    if logging and not people and "participants" not in errors and "new_people" not in errors:
        errors.add("participants", _l("Usługa zapisana w dzienniku musi mieć co najmniej jednego "
                                      "uczestnika: zaznacz osoby z listy albo dopisz nowe."))
    if logging and kind == ServiceKind.STUDY and not studies and "studies" not in errors:
        errors.add("studies", _l("Przy opracowaniu podaj tytuł co najmniej jednego opracowania."))
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

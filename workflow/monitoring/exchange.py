"""Experience-exchange groups of the monitoring (issue 16 item 1, docs/decisions/0038).

A group of 5-12 cities works on one service area in a cohort, with a moderator (role
`moderator`); each city sends up to three delegates (its town team's accounts). The moderator
schedules meetings (date, place, agenda), uploads their minutes (a file of the upload store,
checked as every upload is) and records who attended. Between meetings the group reads its
analysis: the area's indicators for each city of the group and the group's median, with the
cities' provisional values (a city sees its own and its group's values before publication,
never another group's). A delegate enters the figures of the residents' satisfaction survey of
its city; they become values of the area's satisfaction indicator with a source of kind
"survey" (provisional until the analyst publishes the year of the area).

Who sees a group: the coordinator (the analyst) every group; a moderator the groups they
moderate; a town account the groups of its city. Anyone else finds nothing (404).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO, TypeVar

import sqlalchemy as sa

from workflow.audit import log as audit
from workflow.extensions import db
from workflow.models import (
    ExchangeDelegate,
    ExchangeGroup,
    ExchangeGroupCity,
    ExchangeMeeting,
    IndicatorVersion,
    MeetingAttendance,
    MonitoringArea,
    Role,
    SatisfactionSurvey,
    SourceKind,
    TerritorialUnit,
    User,
    ValueRevision,
    ValueSource,
    ValueStatus,
    Variable,
    VariableValue,
)
from workflow.models.exchange import DELEGATES_MAX, GROUP_MAX, GROUP_MIN
from workflow.models.types import utcnow
from workflow.monitoring import compute, readings
from workflow.monitoring import questionnaire as qn
from workflow.path import documents
from workflow.refusal import Message, Refused, _l

# The areas of the monitoring's current part (the source document): culture and recreation,
# education, local social policy; each has a satisfaction survey.
SURVEY_VARIABLES: dict[MonitoringArea, tuple[str, str]] = {
    MonitoringArea.CULTURE_RECREATION: ("zadowolenie_kultura_respondenci", "zadowolenie_kultura_zadowoleni"),
    MonitoringArea.EDUCATION: ("zadowolenie_edukacja_respondenci", "zadowolenie_edukacja_zadowoleni"),
    MonitoringArea.SOCIAL_POLICY: ("zadowolenie_pomoc_respondenci", "zadowolenie_pomoc_zadowoleni"),
}
PLACE_MAX, AGENDA_MAX = 200, 5000
RESPONDENTS_MAX = 1_000_000


class ExchangeRefused(Refused):
    status = 400


# --- who sees what -----------------------------------------------------------------------------


def _visible(user: User) -> sa.Select:
    query = sa.select(ExchangeGroup)
    if user.role == Role.COORDINATOR:
        return query
    if user.role == Role.MODERATOR:
        return query.where(ExchangeGroup.moderator_id == user.id)
    unit_id = qn.city_unit_id(user) if user.role == Role.TOWN else None
    if unit_id is None:
        return query.where(sa.false())
    return query.join(ExchangeGroupCity, ExchangeGroupCity.group_id == ExchangeGroup.id).where(
        ExchangeGroupCity.unit_id == unit_id
    )


def groups_of(user: User) -> list[ExchangeGroup]:
    return list(
        db.session.scalars(
            _visible(user).order_by(ExchangeGroup.cohort.desc(), ExchangeGroup.area, ExchangeGroup.code)
        )
    )


def group_for(user: User, group_id: int) -> ExchangeGroup | None:
    """The group if `user` may see it, else None (the view answers 404)."""
    return db.session.scalar(_visible(user).where(ExchangeGroup.id == group_id))


def moderates(user: User, group: ExchangeGroup) -> bool:
    """The moderator of the group, or the analyst (coordinator), runs its meetings."""
    return user.role == Role.COORDINATOR or (user.role == Role.MODERATOR and group.moderator_id == user.id)


def delegate_unit(user: User, group: ExchangeGroup) -> int | None:
    """The city a delegate represents in the group, or None if `user` is not its delegate."""
    return db.session.scalar(
        sa.select(ExchangeDelegate.unit_id).where(
            ExchangeDelegate.group_id == group.id, ExchangeDelegate.user_id == user.id
        )
    )


# --- making groups -----------------------------------------------------------------------------


def create_group(
    code: str,
    area: MonitoringArea,
    cohort: int,
    name_pl: str,
    name_en: str,
    unit_ids: Sequence[int],
    moderator: User | None,
) -> ExchangeGroup:
    """A group of 5-12 cities (units) for an area and a cohort; flushed, not committed."""
    if not GROUP_MIN <= len(set(unit_ids)) <= GROUP_MAX:
        raise ExchangeRefused(
            [_l("Grupa liczy od %(low)d do %(high)d miast.", low=GROUP_MIN, high=GROUP_MAX)]
        )
    if moderator is not None and moderator.role != Role.MODERATOR:
        raise ExchangeRefused([_l("Moderatorem grupy może być tylko osoba z rolą moderatora.")])
    group = ExchangeGroup(
        code=code,
        area=area,
        cohort=cohort,
        name_pl=name_pl,
        name_en=name_en,
        moderator_id=moderator.id if moderator else None,
    )
    db.session.add(group)
    db.session.flush()
    db.session.add_all(
        [
            ExchangeGroupCity(group_id=group.id, unit_id=u, area=area, cohort=cohort, position=n)
            for n, u in enumerate(dict.fromkeys(unit_ids))
        ]
    )
    db.session.flush()
    return group


Row = TypeVar("Row")


def _rows(make: Callable[..., Row], query: sa.Select) -> list[Row]:
    """The rows of `query`, each made into a `make` (a dataclass of the row's columns)."""
    return [make(*row) for row in db.session.execute(query)]


def _done(action: str, user: User, kind: str, object_id: int, detail: dict[str, Any]) -> None:
    """A change of a group or a meeting: in the audit log, then committed."""
    audit.record(action, actor=user, object_type=kind, object_id=object_id, detail=detail)
    db.session.commit()


@dataclass(frozen=True)
class City:
    unit_id: int
    code: str
    name: str


def cities(group: ExchangeGroup) -> list[City]:
    return _rows(City, sa.select(TerritorialUnit.id, TerritorialUnit.code, TerritorialUnit.name)
                 .join(ExchangeGroupCity, ExchangeGroupCity.unit_id == TerritorialUnit.id)
                 .where(ExchangeGroupCity.group_id == group.id)
                 .order_by(ExchangeGroupCity.position))


@dataclass(frozen=True)
class Person:
    user_id: int
    name: str
    unit_id: int


def delegates(group: ExchangeGroup) -> list[Person]:
    return _rows(Person, sa.select(User.id, User.name, ExchangeDelegate.unit_id)
                 .join(ExchangeDelegate, ExchangeDelegate.user_id == User.id)
                 .where(ExchangeDelegate.group_id == group.id)
                 .order_by(ExchangeDelegate.unit_id, User.name, User.id))


def city_accounts(user: User) -> list[tuple[int, str]]:
    """The active accounts of the signed-in city's team (who it may send as delegates)."""
    return _rows(lambda i, n: (i, n), sa.select(User.id, User.name)
                 .where(User.applicant_id == user.applicant_id, User.role == Role.TOWN, User.active.is_(True))
                 .order_by(User.name, User.id))


def set_delegates(group: ExchangeGroup, user: User, chosen: Sequence[int]) -> None:
    """The city of `user` (a town account of a member city) sends `chosen` of its accounts;
    at most three. Committed."""
    unit_id = qn.city_unit_id(user)
    if unit_id is None or unit_id not in {c.unit_id for c in cities(group)}:
        raise Refused([_l("Tylko miasto z tej grupy wskazuje swoich delegatów.")], status=403)
    own = {i for i, _n in city_accounts(user)}
    wanted = list(dict.fromkeys(chosen))
    if any(i not in own for i in wanted):
        raise ExchangeRefused([_l("Delegatami mogą być tylko osoby z zespołu miasta.")])
    if not 1 <= len(wanted) <= DELEGATES_MAX:
        raise ExchangeRefused([_l("Miasto wysyła do grupy od 1 do %(n)d delegatów.", n=DELEGATES_MAX)])
    db.session.execute(
        sa.delete(ExchangeDelegate).where(
            ExchangeDelegate.group_id == group.id, ExchangeDelegate.unit_id == unit_id
        )
    )
    db.session.add_all([ExchangeDelegate(group_id=group.id, user_id=i, unit_id=unit_id) for i in wanted])
    _done("exchange.delegates_set", user, "exchange_group", group.id, {"unit_id": unit_id, "users": wanted})


# --- meetings ----------------------------------------------------------------------------------


def meetings(group: ExchangeGroup) -> list[ExchangeMeeting]:
    return list(
        db.session.scalars(
            sa.select(ExchangeMeeting)
            .where(ExchangeMeeting.group_id == group.id)
            .order_by(ExchangeMeeting.held_at.desc(), ExchangeMeeting.id)
        )
    )


def meeting_for(user: User, meeting_id: int) -> tuple[ExchangeMeeting, ExchangeGroup] | None:
    meeting = db.session.get(ExchangeMeeting, meeting_id)
    if meeting is None:
        return None
    group = group_for(user, meeting.group_id)
    return (meeting, group) if group is not None else None


@dataclass
class MeetingInput:
    held_at: datetime | None  # None: what was typed is no moment
    place: str
    agenda: str


def schedule(group: ExchangeGroup, user: User, data: MeetingInput) -> ExchangeMeeting:
    """A meeting of the group; committed. ExchangeRefused (nothing written) for bad input,
    its messages by field: date, place, agenda."""
    if not moderates(user, group):
        raise Refused([_l("Spotkania grupy planuje jej moderator.")], status=403)
    errors: dict[str, list[Message]] = {}
    if data.held_at is None:
        errors["date"] = [_l("Podaj datę (RRRR-MM-DD) i godzinę (GG:MM) spotkania.")]
    if not data.place.strip() or len(data.place.strip()) > PLACE_MAX:
        errors["place"] = [_l("Podaj miejsce spotkania (najwyżej %(n)d znaków).", n=PLACE_MAX)]
    if not data.agenda.strip() or len(data.agenda.strip()) > AGENDA_MAX:
        errors["agenda"] = [_l("Podaj program spotkania (najwyżej %(n)d znaków).", n=AGENDA_MAX)]
    if errors:
        raise ExchangeRefused(errors=errors)
    meeting = ExchangeMeeting(
        group_id=group.id,
        held_at=data.held_at,
        place=data.place.strip(),
        agenda=data.agenda.strip(),
        created_by_id=user.id,
    )
    db.session.add(meeting)
    db.session.flush()
    _done("exchange.meeting_scheduled", user, "exchange_meeting", meeting.id,
          {"group_id": group.id, "place": meeting.place})
    return meeting


def store_minutes(
    meeting: ExchangeMeeting, group: ExchangeGroup, user: User, filename: str, stream: BinaryIO
) -> None:
    """The meeting's minutes (PDF or an office document, checked as every upload); a new file
    replaces the previous one. Committed; the file is moved into the store after the commit."""
    if not moderates(user, group):
        raise Refused([_l("Protokół spotkania dodaje moderator grupy.")], status=403)
    data, found, _flags = documents.checked(filename, stream)
    incoming = documents.write_incoming(data)
    try:
        meeting.minutes_hash, meeting.minutes_name = incoming.digest, documents.clean_name(filename)
        meeting.minutes_mime, meeting.minutes_size, meeting.minutes_at = (
            found.mime_type,
            incoming.size,
            utcnow(),
        )
        audit.record(
            "exchange.minutes_uploaded",
            actor=user,
            object_type="exchange_meeting",
            object_id=meeting.id,
            detail={"name": meeting.minutes_name, "sha256": incoming.digest},
        )
    except BaseException:
        incoming.path.unlink(missing_ok=True)
        raise
    db.session.commit()
    documents.move_in(incoming)


def minutes_bytes(meeting: ExchangeMeeting) -> bytes | None:
    if meeting.minutes_hash is None:
        return None
    path = documents.stored_path(meeting.minutes_hash)
    return path.read_bytes() if path.is_file() else None


def attendance(meeting: ExchangeMeeting) -> dict[int, bool]:
    return dict(
        db.session.execute(
            sa.select(MeetingAttendance.user_id, MeetingAttendance.present).where(
                MeetingAttendance.meeting_id == meeting.id
            )
        ).all()
    )


def set_attendance(meeting: ExchangeMeeting, group: ExchangeGroup, user: User, present: Sequence[int]) -> int:
    """Who of the group's delegates attended; returns how many. Committed."""
    if not moderates(user, group):
        raise Refused([_l("Obecność na spotkaniu zapisuje moderator grupy.")], status=403)
    people = {p.user_id for p in delegates(group)}
    if any(i not in people for i in present):
        raise ExchangeRefused([_l("Na liście obecności są tylko delegaci miast grupy.")])
    db.session.execute(sa.delete(MeetingAttendance).where(MeetingAttendance.meeting_id == meeting.id))
    db.session.add_all(
        [
            MeetingAttendance(meeting_id=meeting.id, user_id=i, present=i in set(present))
            for i in sorted(people)
        ]
    )
    _done("exchange.attendance_set", user, "exchange_meeting", meeting.id, {"present": sorted(set(present))})
    return len(set(present))


# --- the group's analysis ----------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorRow:
    code: str
    name_pl: str
    name_en: str
    unit_pl: str
    unit_en: str
    decimals: int
    values: dict[int, float]  # by unit id
    median: float | None

    def name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") else self.name_pl

    def measure(self, locale: str) -> str:
        return self.unit_en if locale.startswith("en") else self.unit_pl


@dataclass(frozen=True)
class Analysis:
    year: int | None
    years: list[int]
    cities: list[City]
    rows: list[IndicatorRow]
    provisional: set[int]  # units with a provisional value among those shown


def _area_versions(area: MonitoringArea) -> list[IndicatorVersion]:
    return [v for v in readings.current_indicators() if v.area == area]


def analysis(group: ExchangeGroup, year: int | None = None) -> Analysis:
    """The area's indicators for each city of the group in a year (the latest with values when
    none is asked), with the group's median; provisional values included (the group's own
    reading). Five statements whatever the number of cities and indicators."""
    members = cities(group)
    versions = _area_versions(group.area)
    formulas = [readings.formula(v) for v in versions]
    unit_ids = [c.unit_id for c in members]
    variables = sorted({t.variable for f in formulas for t in f.numerator})
    vv = VariableValue.__table__
    found = (
        db.session.execute(
            sa.select(vv.c.year, Variable.code)
            .distinct()
            .join(Variable.__table__, Variable.id == vv.c.variable_id)
            .where(Variable.code.in_(variables), vv.c.unit_id.in_(unit_ids))
        ).all()
        if variables
        else []
    )
    years = sorted({y for y, _c in found}, reverse=True)
    # By default the latest year of the cities' reported values (a survey alone does not make
    # a year of the analysis), else the latest year of any.
    survey = set(SURVEY_VARIABLES.get(group.area, ()))
    reported = sorted({y for y, c in found if c not in survey}, reverse=True)
    chosen = year if year in years else (reported or years or [None])[0]
    if chosen is None:
        return Analysis(None, years, members, [_indicator_row(v, {}) for v in versions], set())
    data = readings.values(formulas, [chosen], unit_ids)
    provisional = set(
        db.session.scalars(
            sa.select(vv.c.unit_id)
            .distinct()
            .join(Variable.__table__, Variable.id == vv.c.variable_id)
            .where(
                Variable.code.in_(variables),
                vv.c.unit_id.in_(unit_ids),
                vv.c.year == chosen,
                vv.c.status == ValueStatus.PROVISIONAL.value,
            )
        )
    )
    rows = [_indicator_row(version, compute.unit_values(formula, data, chosen))
            for version, formula in zip(versions, formulas, strict=True)]
    return Analysis(chosen, years, members, rows, provisional)


def _indicator_row(version: IndicatorVersion, values: dict[int, float]) -> IndicatorRow:
    """An indicator's row of the analysis: its cities' values and their median."""
    return IndicatorRow(version.indicator.code, version.name_pl, version.name_en, version.measure_unit_pl,
                        version.measure_unit_en, version.decimals, values,
                        statistics.median(values.values()) if values else None)


# --- residents' satisfaction survey ------------------------------------------------------------


@dataclass(frozen=True)
class SurveyRow:
    unit_id: int
    year: int
    respondents: int
    satisfied: int

    @property
    def share(self) -> float:
        return 100.0 * self.satisfied / self.respondents


def surveys(group: ExchangeGroup) -> list[SurveyRow]:
    return _rows(SurveyRow, sa.select(SatisfactionSurvey.unit_id, SatisfactionSurvey.year,
                                      SatisfactionSurvey.respondents, SatisfactionSurvey.satisfied)
                 .where(SatisfactionSurvey.group_id == group.id)
                 .order_by(SatisfactionSurvey.year.desc(), SatisfactionSurvey.unit_id))


def parse_survey(
    year: str, respondents: str, satisfied: str
) -> tuple[tuple[int, int, int] | None, dict[str, str]]:
    """The survey's figures as typed, or the reasons they are not right (per field)."""
    errors: dict[str, str] = {}
    last = utcnow().year
    y = int(year) if year.strip().isdigit() else None
    if y is None or not qn.FIRST_YEAR <= y <= last:
        errors["year"] = str(_l("Podaj rok od %(first)d do %(last)d.", first=qn.FIRST_YEAR, last=last))
    r = int(respondents) if respondents.strip().isdigit() else None
    if r is None or not 1 <= r <= RESPONDENTS_MAX:
        errors["respondents"] = str(
            _l("Liczba odpowiadających to liczba całkowita od 1 do %(n)d.", n=RESPONDENTS_MAX)
        )
    s = int(satisfied) if satisfied.strip().isdigit() else None
    if s is None or (r is not None and s > r):
        errors["satisfied"] = str(
            _l("Liczba zadowolonych to liczba całkowita nie większa niż liczba odpowiadających.")
        )
    if errors or y is None or r is None or s is None:
        return None, errors
    return (y, r, s), {}


def record_survey(
    group: ExchangeGroup,
    unit_id: int,
    year: int,
    respondents: int,
    satisfied: int,
    user: User,
    *,
    name: str | None = None,
    demo: bool = False,
) -> None:
    """A city's survey result for the group's service in a year: kept, and its two figures
    written as the unit's values (a source of kind "survey"; provisional until the year of the
    area is published, then final; a value replaced is kept in value_revision). Flushed."""
    codes = SURVEY_VARIABLES.get(group.area)
    if codes is None:
        raise ExchangeRefused([_l("Ten obszar nie ma badania zadowolenia mieszkańców.")])
    ids = dict(
        db.session.execute(sa.select(Variable.code, Variable.id).where(Variable.code.in_(codes))).all()
    )
    if len(ids) != len(codes):
        raise ExchangeRefused([_l("Brak definicji zmiennych badania zadowolenia (flask indicators define).")])
    source = ValueSource(
        kind=SourceKind.SURVEY,
        name=name or f"badanie zadowolenia {year} {group.area.value} (grupa {group.code})",
        user_id=user.id,
        summary={
            "group": group.code,
            "unit_id": unit_id,
            "year": year,
            "respondents": respondents,
            "satisfied": satisfied,
            **({"demo": True} if demo else {}),
        },
    )
    db.session.add(source)
    db.session.flush()
    status = ValueStatus.FINAL if qn.is_published(year, group.area) else ValueStatus.PROVISIONAL
    found = db.session.get(SatisfactionSurvey, (group.id, unit_id, year))
    if found is None:
        db.session.add(
            SatisfactionSurvey(
                group_id=group.id,
                unit_id=unit_id,
                year=year,
                respondents=respondents,
                satisfied=satisfied,
                source_id=source.id,
                entered_by_id=user.id,
            )
        )
    else:
        found.respondents, found.satisfied, found.source_id = respondents, satisfied, source.id
        found.entered_by_id, found.entered_at = user.id, utcnow()
    for code, value in zip(codes, (respondents, satisfied), strict=True):
        old = db.session.get(VariableValue, (ids[code], year, unit_id))
        if old is None:
            db.session.add(
                VariableValue(
                    variable_id=ids[code],
                    year=year,
                    unit_id=unit_id,
                    value=float(value),
                    status=status,
                    source_id=source.id,
                )
            )
            continue
        db.session.add(
            ValueRevision(
                variable_id=ids[code],
                unit_id=unit_id,
                year=year,
                revision=old.revision,
                value=old.value,
                status=old.status,
                source_id=old.source_id,
                replaced_by_id=source.id,
            )
        )
        old.value, old.source_id, old.revision = float(value), source.id, old.revision + 1
        if old.status != ValueStatus.PROVISIONAL:
            old.status = ValueStatus.CORRECTED
    db.session.flush()
    audit.record(
        "exchange.survey_recorded",
        actor=user,
        object_type="exchange_group",
        object_id=group.id,
        detail={"unit_id": unit_id, "year": year, "respondents": respondents, "satisfied": satisfied},
    )


def publish_surveys(year: int, area: MonitoringArea) -> int:
    """With the analyst's publication of a year of an area, its survey values become final."""
    codes = SURVEY_VARIABLES.get(MonitoringArea(area))
    if codes is None:
        return 0
    result = db.session.execute(
        sa.update(VariableValue)
        .where(
            VariableValue.year == year,
            VariableValue.status == ValueStatus.PROVISIONAL,
            VariableValue.variable_id.in_(sa.select(Variable.id).where(Variable.code.in_(codes))),
        )
        .values(status=ValueStatus.FINAL)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def pdf_name(group: ExchangeGroup, year: int | None) -> str:
    return f"analiza-{group.code}-{year or 'brak'}.pdf"

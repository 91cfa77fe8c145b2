"""The cities' questionnaire (docs/decisions/0037): generated from the indicator definitions,
filled in by the city's team, checked for type, range and plausibility, reviewed by the analyst.

- `items(area)`: the variables an area's indicators use that the cities report
  (`monitoring_variable.reporting`), with their definitions, units and ranges. Two statements.
- `save(...)`: the city's draft or submission. Anything not a number, or outside its range,
  refuses the whole save (nothing is written; the page shows what was typed). A value far from
  the group (more than 3 median absolute deviations from the group's median) or changed by more
  than MAX_CHANGE_PCT since the city's previous year is a WARNING: it may be saved as a draft,
  but it is submitted only with the city's comment on it.
- `review(...)`: the analyst accepts an answer or returns it with a note. When no answer is
  pending the questionnaire is accepted (every answer accepted: the values enter the base as
  the city's provisional values, one value_source of kind "entry") or returned (the city
  corrects the returned answers only and submits again).

The group of a questionnaire is the city's peer group(s) from unit_group (`peers`: the system's
list groups that hold it, e.g. the monitoring's 32 cities); its values are the peers' values of
the year in the base or, where they have submitted, their answers (`peer_values`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from workflow.extensions import db
from workflow.models import (
    AnswerReview,
    Applicant,
    ApplicantKind,
    ApplicantMember,
    GroupKind,
    IndicatorVersion,
    MonitoringArea,
    Municipality,
    Questionnaire,
    QuestionnaireAnswer,
    QuestionnairePublication,
    QuestionnaireStatus,
    Role,
    SourceKind,
    TerritorialUnit,
    UnitGroup,
    UnitGroupMember,
    User,
    ValueRevision,
    ValueSource,
    ValueStatus,
    Variable,
    VariableValue,
)
from workflow.models.types import utcnow
from workflow.monitoring import quality
from workflow.monitoring.compute import Formula
from workflow.refusal import Refused

MAX_CHANGE_PCT = 30.0  # a year-on-year change above this is a warning (QUESTIONNAIRE_MAX_CHANGE_PCT)
COMMENT_MAX = 2000
NOTE_MAX = 2000
FIRST_YEAR = 2010
EDITABLE = (QuestionnaireStatus.DRAFT, QuestionnaireStatus.RETURNED)


@dataclass(frozen=True)
class Item:
    """One question: a reported variable, its definition, unit and range."""

    variable_id: int
    code: str
    name_pl: str
    name_en: str
    measure_unit: str
    definition_pl: str
    definition_en: str
    integer: bool
    minimum: float | None
    maximum: float | None

    def name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") else self.name_pl

    def definition(self, locale: str) -> str:
        return self.definition_en if locale.startswith("en") else self.definition_pl


def items(area: MonitoringArea) -> list[Item]:
    """The questions of an area, in the order its indicators (latest versions) name them."""
    versions = db.session.execute(
        sa.select(IndicatorVersion.indicator_id, IndicatorVersion.version, IndicatorVersion.formula)
        .where(IndicatorVersion.area == area)
        .order_by(IndicatorVersion.indicator_id, IndicatorVersion.version)).all()
    latest: dict[int, dict[str, Any]] = {}
    for indicator_id, _version, formula in versions:
        latest[indicator_id] = formula  # ordered by version: the last one stays
    codes: list[str] = []
    for indicator_id in sorted(latest):
        formula = Formula.from_json(latest[indicator_id])
        for term in (*formula.numerator, *formula.denominator):
            if term.variable not in codes:
                codes.append(term.variable)
    if not codes:
        return []
    found = {v.code: v for v in db.session.scalars(
        sa.select(Variable).where(Variable.code.in_(codes), Variable.reporting.is_not(None)))}
    out = []
    for code in codes:
        v = found.get(code)
        if v is None or not v.reporting:
            continue
        r = v.reporting
        out.append(Item(v.id, v.code, v.name_pl, v.name_en, v.measure_unit, r["definition_pl"],
                        r["definition_en"], bool(r.get("integer")), r.get("minimum"), r.get("maximum")))
    return out


def reported_areas() -> list[str]:
    """The areas with at least one question (two statements), in the enum's order."""
    formulas = db.session.execute(
        sa.select(IndicatorVersion.indicator_id, IndicatorVersion.area, IndicatorVersion.formula)
        .order_by(IndicatorVersion.indicator_id, IndicatorVersion.version)).all()
    latest = {indicator_id: (area, formula) for indicator_id, area, formula in formulas}
    reported = set(db.session.scalars(sa.select(Variable.code).where(Variable.reporting.is_not(None))))
    areas = {area for area, formula in latest.values() if Formula.from_json(formula).variables & reported}
    return [a.value for a in MonitoringArea if a in areas]


def area_names() -> dict[str, str]:
    return {
        "local_taxes": _("Podatki lokalne"), "property": _("Gospodarka nieruchomościami"),
        "roads_transport": _("Drogi i transport"), "environment": _("Ochrona środowiska"),
        "investment_construction": _("Inwestycje i budownictwo"),
        "geodesy_cartography": _("Geodezja i kartografia"), "culture_recreation": _("Kultura i rekreacja"),
        "education": _("Edukacja"), "social_policy": _("Lokalna polityka społeczna"),
        "finance": _("Finanse"), "demography": _("Demografia"),
    }


def status_names() -> dict[str, str]:
    return {"draft": _("wersja robocza"), "submitted": _("wysłana, czeka na ocenę"),
            "returned": _("zwrócona do poprawy"), "accepted": _("przyjęta")}


def review_names() -> dict[str, str]:
    return {"pending": _("czeka na ocenę"), "accepted": _("przyjęta"), "returned": _("zwrócona")}


@dataclass(frozen=True)
class Row:
    id: int
    unit_name: str
    unit_code: str
    year: int
    area: str
    status: str
    submitted_at: datetime | None
    published_at: datetime | None


def listing(unit_id: int | None) -> list[Row]:
    """A city's questionnaires (unit_id), or every city's for the analyst (None): one statement,
    newest year first."""
    query = (sa.select(Questionnaire.id, TerritorialUnit.name, TerritorialUnit.code, Questionnaire.year,
                       Questionnaire.area, Questionnaire.status, Questionnaire.submitted_at,
                       QuestionnairePublication.published_at)
             .join(TerritorialUnit, TerritorialUnit.id == Questionnaire.unit_id)
             .outerjoin(QuestionnairePublication,
                        sa.and_(QuestionnairePublication.year == Questionnaire.year,
                                QuestionnairePublication.area == Questionnaire.area))
             .order_by(Questionnaire.year.desc(), Questionnaire.area, TerritorialUnit.name, Questionnaire.id))
    if unit_id is not None:
        query = query.where(Questionnaire.unit_id == unit_id)
    return [Row(r[0], r[1], r[2], r[3], str(r[4]), str(r[5]), r[6], r[7])
            for r in db.session.execute(query)]


# --- who is the city ---------------------------------------------------------------------------

def city_unit_id(user: User) -> int | None:
    """The register unit a town account reports for: its town applicant's municipality, when
    that has a TERYT code linked to the register (a partnership's members are not cities)."""
    if user.role != Role.TOWN or user.applicant_id is None:
        return None
    return db.session.scalar(
        sa.select(Municipality.unit_id)
        .join(ApplicantMember, ApplicantMember.municipality_id == Municipality.id)
        .join(Applicant, Applicant.id == ApplicantMember.applicant_id)
        .where(Applicant.id == user.applicant_id, Applicant.kind == ApplicantKind.TOWN,
               ApplicantMember.is_leader.is_(True), Municipality.unit_id.is_not(None)))


def is_analyst(user: User) -> bool:
    return user.role == Role.COORDINATOR


def open_for(unit_id: int, year: int, area: MonitoringArea) -> Questionnaire:
    """The city's questionnaire for a year and an area, made (as a draft) when it has none."""
    q = db.session.scalar(sa.select(Questionnaire).where(
        Questionnaire.unit_id == unit_id, Questionnaire.year == year, Questionnaire.area == area))
    if q is None:
        q = Questionnaire(unit_id=unit_id, year=year, area=area, status=QuestionnaireStatus.DRAFT)
        db.session.add(q)
        db.session.flush()
    return q


# --- reading a number --------------------------------------------------------------------------

NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def parse(raw: str, item: Item) -> tuple[float | None, str | None]:
    """The value typed (Polish decimal comma and spaces between thousands accepted), or the
    reason it is refused. Empty is no value and no error (a draft may leave it)."""
    text = raw.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace(",", ".")
    if not text:
        return None, None
    if not NUMBER.match(text):
        return None, _("To nie jest liczba.")
    value = float(text)
    if item.integer and not value.is_integer():
        return None, _("Tu trzeba podać liczbę całkowitą.")
    if item.minimum is not None and value < item.minimum:
        return None, _("Wartość nie może być mniejsza niż %(minimum)s.", minimum=_number(item.minimum))
    if item.maximum is not None and value > item.maximum:
        return None, _("Wartość nie może być większa niż %(maximum)s.", maximum=_number(item.maximum))
    return value, None


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


# --- plausibility ------------------------------------------------------------------------------

def plausibility(value: float, previous: float | None, group: list[float],
                 max_change_pct: float = MAX_CHANGE_PCT) -> list[dict[str, Any]]:
    """The warnings a value raises: against the group (quality.Spread: more than 3 median
    absolute deviations from its median; not with fewer than 4 values or a MAD of 0) and against
    the city's previous year (a change above max_change_pct %, or from 0)."""
    out: list[dict[str, Any]] = []
    spread = quality.Spread.of(group)
    deviations = spread.deviations(value) if spread is not None else None
    if spread is not None and deviations is not None:
        out.append({"kind": "group", "median": spread.median, "mad": spread.mad, "deviations": deviations})
    if previous is not None:
        if previous == 0:
            if value != 0:
                out.append({"kind": "change", "previous": previous, "change_pct": None})
        else:
            change = (value - previous) / abs(previous) * 100
            if abs(change) > max_change_pct:
                out.append({"kind": "change", "previous": previous, "change_pct": round(change, 1)})
    return out


def warning_text(w: dict[str, Any]) -> str:
    if w["kind"] == "group":
        return _("Wartość odbiega od grupy: %(deviations)s odchyleń (MAD) od mediany grupy %(median)s.",
                 deviations=w["deviations"], median=_number(w["median"]))
    if w["change_pct"] is None:
        return _("W poprzednim roku wartość wynosiła 0.")
    return _("Zmiana o %(change)s%% względem poprzedniego roku (%(previous)s).",
             change=w["change_pct"], previous=_number(w["previous"]))


def max_change_pct() -> float:
    return float(current_app.config.get("QUESTIONNAIRE_MAX_CHANGE_PCT", MAX_CHANGE_PCT))


def previous_values(q: Questionnaire) -> dict[int, float]:
    """The city's values of the previous year, by variable (one statement)."""
    return dict(db.session.execute(
        sa.select(VariableValue.variable_id, VariableValue.value)
        .where(VariableValue.unit_id == q.unit_id, VariableValue.year == q.year - 1)).all())


def peers(unit_id: int) -> sa.Select[tuple[int]]:
    """The city's peer group(s) as a subquery of unit ids: the other members of the system's
    (standard) stored groups of kind list that hold it (the monitoring's 32 cities; a group of
    cities the Association keeps). A person's own list or "most similar" group is not the
    city's group: anyone signed in may make one."""
    mine = sa.orm.aliased(UnitGroupMember)
    other = sa.orm.aliased(UnitGroupMember)
    return (sa.select(other.unit_id)
            .join(UnitGroup, UnitGroup.id == other.group_id)
            .join(mine, mine.group_id == other.group_id)
            .where(mine.unit_id == unit_id, other.unit_id != unit_id, UnitGroup.standard.is_(True),
                   UnitGroup.kind == GroupKind.LIST))


def peer_values(q: Questionnaire, variable_ids: list[int] | None = None) -> dict[int, list[float]]:
    """The group's values, by variable: each peer city's value of the year in the base (any
    status: the group sees its provisional values), or its answer when it has submitted (or been
    reviewed on) a questionnaire for the year and area. Two statements."""
    group = peers(q.unit_id)
    found: dict[tuple[int, int], float] = {}
    base = (sa.select(VariableValue.unit_id, VariableValue.variable_id, VariableValue.value)
            .where(VariableValue.year == q.year, VariableValue.unit_id.in_(group)))
    if variable_ids is not None:
        base = base.where(VariableValue.variable_id.in_(variable_ids))
    for unit_id, variable_id, value in db.session.execute(base):
        found[(unit_id, variable_id)] = value
    for unit_id, variable_id, value in db.session.execute(
            sa.select(Questionnaire.unit_id, QuestionnaireAnswer.variable_id, QuestionnaireAnswer.value)
            .join(Questionnaire, Questionnaire.id == QuestionnaireAnswer.questionnaire_id)
            .where(Questionnaire.year == q.year, Questionnaire.area == q.area,
                   Questionnaire.unit_id.in_(group),
                   Questionnaire.status != QuestionnaireStatus.DRAFT,
                   QuestionnaireAnswer.value.is_not(None))):
        found[(unit_id, variable_id)] = value
    out: dict[int, list[float]] = defaultdict(list)
    for (_unit, variable_id), value in sorted(found.items()):
        out[variable_id].append(value)
    return dict(out)


# --- the city fills it in ----------------------------------------------------------------------

@dataclass
class Entry:
    raw: str = ""
    comment: str = ""


@dataclass
class Outcome:
    """What a save did: the errors (by variable id; nothing was written when there is one), the
    warnings of every value, and whether it was submitted."""

    errors: dict[int, str] = field(default_factory=dict)
    warnings: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)
    submitted: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors and not self.general


def editable(q: Questionnaire, answer: QuestionnaireAnswer | None) -> bool:
    """Whether the city may change an answer now: anything of a draft; of a returned
    questionnaire, only the answers returned."""
    if q.status == QuestionnaireStatus.DRAFT:
        return True
    return (q.status == QuestionnaireStatus.RETURNED and answer is not None
            and answer.review == AnswerReview.RETURNED)


def save(q: Questionnaire, questions: list[Item], entries: dict[int, Entry], user: User,
         submit: bool) -> Outcome:
    """Save the city's answers as a draft, or submit them (see the module's docstring)."""
    out = Outcome()
    if q.status not in EDITABLE:
        out.general.append(_("Ankieta została już wysłana; można ją zmienić dopiero, "
                             "gdy analityk zwróci wartość."))
        return out
    answers = {a.variable_id: a for a in q.answers}
    previous, limit = previous_values(q), max_change_pct()
    group = peer_values(q, [i.variable_id for i in questions])
    values: dict[int, float | None] = {}
    for item in questions:
        answer = answers.get(item.variable_id)
        if not editable(q, answer):
            values[item.variable_id] = answer.value if answer else None
            continue
        entry = entries.get(item.variable_id, Entry())
        value, error = parse(entry.raw, item)
        if error is None and len(entry.comment) > COMMENT_MAX:
            error = _("Komentarz może mieć najwyżej %(n)s znaków.", n=COMMENT_MAX)
        if error is None and value is None and submit:
            error = _("Podaj wartość, aby wysłać ankietę.")
        if error is None and value is not None:
            out.warnings[item.variable_id] = plausibility(value, previous.get(item.variable_id),
                                                          group.get(item.variable_id, []), limit)
            if submit and out.warnings[item.variable_id] and not entry.comment.strip():
                error = _("Wartość jest nietypowa: wyjaśnij ją w komentarzu, aby wysłać ankietę.")
        if error:
            out.errors[item.variable_id] = error
        values[item.variable_id] = value
    if not out.ok:
        return out
    for item in questions:
        answer = answers.get(item.variable_id)
        if not editable(q, answer):
            continue
        entry = entries.get(item.variable_id, Entry())
        if answer is None:
            answer = QuestionnaireAnswer(variable_id=item.variable_id)
            q.answers.append(answer)
        answer.raw = entry.raw.strip()
        answer.value = values[item.variable_id]
        answer.comment = entry.comment.strip() or None
        answer.warnings = out.warnings.get(item.variable_id) or None
        if submit:
            answer.review = AnswerReview.PENDING
    if submit:
        q.status = QuestionnaireStatus.SUBMITTED
        q.submitted_at = utcnow()
        q.submitted_by_id = user.id
        out.submitted = True
    db.session.flush()
    return out


# --- the analyst reviews it --------------------------------------------------------------------

def review(q: Questionnaire, variable_id: int, accept: bool, note: str, user: User) -> None:
    """Accept an answer, or return it with a note (Refused, 409 or 400, otherwise)."""
    if q.status != QuestionnaireStatus.SUBMITTED:
        raise Refused([_("Ankieta nie czeka na ocenę.")], status=409)
    answer = next((a for a in q.answers if a.variable_id == variable_id), None)
    if answer is None:
        raise Refused([_("Nie ma takiej odpowiedzi w ankiecie.")], status=404)
    if answer.review != AnswerReview.PENDING:
        raise Refused([_("Ta odpowiedź została już oceniona.")], status=409)
    note = note.strip()
    if not accept and not note:
        raise Refused([_("Zwracając wartość, napisz, co trzeba poprawić.")], status=400)
    if len(note) > NOTE_MAX:
        raise Refused([_("Uwaga może mieć najwyżej %(n)s znaków.", n=NOTE_MAX)], status=400)
    answer.review = AnswerReview.ACCEPTED if accept else AnswerReview.RETURNED
    answer.review_note = note or None
    answer.reviewed_at = utcnow()
    answer.reviewed_by_id = user.id
    if all(a.review != AnswerReview.PENDING for a in q.answers):
        if all(a.review == AnswerReview.ACCEPTED for a in q.answers):
            q.status = QuestionnaireStatus.ACCEPTED
            _into_the_base(q, user, answer.reviewed_at)
        else:
            q.status = QuestionnaireStatus.RETURNED
    db.session.flush()


def _into_the_base(q: Questionnaire, user: User, when: datetime) -> ValueSource:
    """The accepted values become the city's provisional values (a replaced value is kept in
    value_revision, as an import does)."""
    source = ValueSource(kind=SourceKind.ENTRY, name=f"ankieta {q.year} {q.area.value} #{q.id}",
                         user_id=user.id, created_at=when,
                         summary={"questionnaire_id": q.id, "values": len(q.answers)})
    db.session.add(source)
    db.session.flush()
    ids = [a.variable_id for a in q.answers]
    # A city accepted after its year was published enters as final at once.
    status = ValueStatus.FINAL if is_published(q.year, q.area) else ValueStatus.PROVISIONAL
    current = {v.variable_id: v for v in db.session.scalars(sa.select(VariableValue).where(
        VariableValue.unit_id == q.unit_id, VariableValue.year == q.year,
        VariableValue.variable_id.in_(ids)))}
    for a in q.answers:
        if a.value is None:
            continue
        old = current.get(a.variable_id)
        if old is None:
            db.session.add(VariableValue(variable_id=a.variable_id, year=q.year, unit_id=q.unit_id,
                                         value=a.value, status=status, source_id=source.id, revision=1))
        elif old.value != a.value:
            db.session.add(ValueRevision(variable_id=old.variable_id, unit_id=old.unit_id, year=old.year,
                                         revision=old.revision, value=old.value, status=old.status,
                                         source_id=old.source_id, replaced_by_id=source.id))
            old.value, old.source_id, old.revision = a.value, source.id, old.revision + 1
            if old.status != ValueStatus.PROVISIONAL:
                old.status = ValueStatus.CORRECTED
            elif status == ValueStatus.FINAL:
                old.status = ValueStatus.FINAL
    return source


# --- publication and corrections (issue 16, item 3) --------------------------------------------

def is_published(year: int, area: MonitoringArea | str) -> bool:
    return db.session.get(QuestionnairePublication, (year, MonitoringArea(area))) is not None


def publish(year: int, area: MonitoringArea, user: User) -> int:
    """Publish a year of an area: the accepted cities' provisional values of the area's
    questions become final (public). Refused while a questionnaire is in review, or when it is
    published already. Returns the number of values made final (one UPDATE)."""
    if is_published(year, area):
        raise Refused([_("Ten rok tego obszaru jest już opublikowany.")], status=409)
    in_review = db.session.scalar(sa.select(sa.func.count()).select_from(Questionnaire).where(
        Questionnaire.year == year, Questionnaire.area == area,
        Questionnaire.status.in_([QuestionnaireStatus.SUBMITTED, QuestionnaireStatus.RETURNED])))
    if in_review:
        raise Refused([_("Nie można opublikować roku: %(n)d ankiet jest jeszcze w ocenie.", n=in_review)],
                      status=409)
    accepted = (sa.select(Questionnaire.unit_id)
                .where(Questionnaire.year == year, Questionnaire.area == area,
                       Questionnaire.status == QuestionnaireStatus.ACCEPTED))
    variable_ids = [i.variable_id for i in items(area)]
    result = db.session.execute(
        sa.update(VariableValue)
        .where(VariableValue.year == year, VariableValue.unit_id.in_(accepted),
               VariableValue.variable_id.in_(variable_ids),
               VariableValue.status == ValueStatus.PROVISIONAL)
        .values(status=ValueStatus.FINAL).execution_options(synchronize_session=False))
    db.session.add(QuestionnairePublication(year=year, area=area, published_by_id=user.id))
    db.session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def correct(q: Questionnaire, item: Item, raw: str, reason: str, user: User) -> None:
    """Correct a published value: the old one is kept in value_revision, the new one is
    "corrected", and its source says who, when and why (the revision note)."""
    if not is_published(q.year, q.area) or q.status != QuestionnaireStatus.ACCEPTED:
        raise Refused([_("Poprawia się tylko opublikowane wartości; "
                         "przed publikacją wartość zwraca się miastu.")], status=409)
    errors: dict[str, list[str]] = {}
    value, error = parse(raw, item)
    if error or value is None:
        errors["value"] = [error or _("Podaj wartość.")]
    reason = reason.strip()
    if not reason:
        errors["reason"] = [_("Napisz, dlaczego wartość jest poprawiana.")]
    elif len(reason) > NOTE_MAX:
        errors["reason"] = [_("Uwaga może mieć najwyżej %(n)s znaków.", n=NOTE_MAX)]
    if errors or value is None:
        raise Refused(errors=errors, status=400)
    current = db.session.get(VariableValue, (item.variable_id, q.year, q.unit_id))
    if current is None:
        raise Refused([_("Tej wartości nie ma w bazie wskaźników.")], status=409)
    if current.value == value:
        raise Refused(errors={"value": [_("To ta sama wartość.")]}, status=400)
    source = ValueSource(kind=SourceKind.ENTRY, name=f"korekta {q.year} {q.area.value} #{q.id}",
                         user_id=user.id, note=reason, summary={"questionnaire_id": q.id, "values": 1})
    db.session.add(source)
    db.session.flush()
    db.session.add(ValueRevision(variable_id=current.variable_id, unit_id=current.unit_id, year=current.year,
                                 revision=current.revision, value=current.value, status=current.status,
                                 source_id=current.source_id, replaced_by_id=source.id))
    current.value, current.source_id = value, source.id
    current.revision += 1
    current.status = ValueStatus.CORRECTED
    answer = next(a for a in q.answers if a.variable_id == item.variable_id)
    answer.raw, answer.value = raw.strip(), value
    db.session.flush()


def revision_notes(unit_ids: list[int], questions: list[Item],
                   year: int) -> dict[tuple[int, int], quality.RevisionNote]:
    """The latest revision of each of the questions' values (by unit and variable id): one
    statement (quality.corrections, which the public pages use too)."""
    ids = {i.code: i.variable_id for i in questions}
    found = quality.corrections(ids, [year], unit_ids, only_corrected=False)
    return {(u, ids[v]): note for (u, v, _y), note in found.items()}

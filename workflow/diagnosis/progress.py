"""Projects' result indicators and their progress (docs/decisions/0040).

A result indicator names an indicator of the base, its baseline (year, value) and its target
(year, value), and is measured on the applicant's area: a town's gmina, a partnership's member
gminas as one group (ratio of sums, the one algorithm of workflow/monitoring/compute.py).

**On track or behind.** The expected value in a year is on the straight line from the baseline
to the target (the target itself after the target year). The latest value (the newest year
after the baseline in which every member gmina has one) is on track when it is on the good
side of the expected value: at or above it for "the more, the better", at or below it for
"the less, the better"; for a neutral indicator the good side is the direction from the
baseline to the target. No value after the baseline yet: not judged.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload

import states
from workflow.audit import log as audit
from workflow.extensions import db
from workflow.models import (
    ApplicantMember,
    IndicatorVersion,
    Municipality,
    Path,
    Polarity,
    Programme,
    Project,
    ProjectResultIndicator,
    ProjectStatus,
    TerritorialUnit,
    UnitLevel,
    User,
)
from workflow.models.result_indicator import MAX_PER_PROJECT
from workflow.monitoring import charts, compute, profiles, readings
from workflow.refusal import Message, Refused, _l, fill

EARLIEST, LATEST = 2000, 2100
TARGET_AFTER = _l("Rok docelowy musi być późniejszy niż rok bazowy.")
YEAR_RANGE = _l("Podaj rok od %(low)d do %(high)d.", low=EARLIEST, high=LATEST)
UNKNOWN = _l("Wybierz wskaźnik z bazy wskaźników.")
TWICE = _l("Ten projekt ma już wskaźnik rezultatu „%(name)s”.")
TOO_MANY = _l("Projekt może mieć najwyżej %(max)d wskaźników rezultatu.", max=MAX_PER_PROJECT)
WRONG_WAY_UP = _l("Dla wskaźnika „im więcej, tym lepiej” wartość docelowa nie może być niższa niż bazowa.")
WRONG_WAY_DOWN = _l("Dla wskaźnika „im mniej, tym lepiej” wartość docelowa nie może być wyższa niż bazowa.")


class ResultRefused(Refused):
    """A result indicator that may not be added as asked (400, by field)."""

    status = 400


@dataclass(frozen=True)
class ResultInput:
    indicator_code: str
    baseline_year: int
    baseline_value: float
    target_year: int
    target_value: float


def check(data: ResultInput, version: IndicatorVersion | None,
          existing: Sequence[ProjectResultIndicator]) -> None:
    """Refuse what the form alone cannot tell, by field."""
    errors: dict[str, list[Message]] = {}
    if version is None:
        errors.setdefault("indicator", []).append(UNKNOWN)
    elif any(r.indicator_id == version.indicator_id for r in existing):
        errors.setdefault("indicator", []).append(fill(TWICE, name=version.name_pl))
    if len(existing) >= MAX_PER_PROJECT:
        errors.setdefault("indicator", []).append(TOO_MANY)
    for name in ("baseline_year", "target_year"):
        if not EARLIEST <= getattr(data, name) <= LATEST:
            errors.setdefault(name, []).append(YEAR_RANGE)
    if data.target_year <= data.baseline_year:
        errors.setdefault("target_year", []).append(TARGET_AFTER)
    if version is not None:
        if version.polarity == Polarity.HIGHER_BETTER and data.target_value < data.baseline_value:
            errors.setdefault("target_value", []).append(WRONG_WAY_UP)
        if version.polarity == Polarity.LOWER_BETTER and data.target_value > data.baseline_value:
            errors.setdefault("target_value", []).append(WRONG_WAY_DOWN)
    if errors:
        raise ResultRefused(errors=errors)


def of_project(project: Project) -> list[ProjectResultIndicator]:
    """The project's result indicators with their indicators (one statement)."""
    return list(db.session.scalars(
        select(ProjectResultIndicator).where(ProjectResultIndicator.project_id == project.id)
        .options(joinedload(ProjectResultIndicator.indicator)).order_by(ProjectResultIndicator.id)))


def add(project: Project, data: ResultInput, actor: User,
        versions: dict[str, IndicatorVersion]) -> ProjectResultIndicator:
    existing = of_project(project)
    version = versions.get(data.indicator_code)
    check(data, version, existing)
    assert version is not None
    row = ProjectResultIndicator(project_id=project.id, indicator_id=version.indicator_id,
                                 baseline_year=data.baseline_year, baseline_value=data.baseline_value,
                                 target_year=data.target_year, target_value=data.target_value)
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:  # the same indicator added at the same moment by someone else
        db.session.rollback()
        twice = fill(TWICE, name=version.name_pl)
        raise ResultRefused(errors={"indicator": [twice]}) from None
    audit.record("result_indicator_added", actor=actor, object_type="project", object_id=project.id,
                 detail={"indicator": data.indicator_code,
                         "baseline": [data.baseline_year, data.baseline_value],
                         "target": [data.target_year, data.target_value]})
    db.session.commit()
    return row


def remove(project: Project, result_id: int, actor: User) -> bool:
    row = db.session.scalar(select(ProjectResultIndicator).where(
        ProjectResultIndicator.id == result_id, ProjectResultIndicator.project_id == project.id))
    if row is None:
        return False
    db.session.delete(row)
    audit.record("result_indicator_removed", actor=actor, object_type="project", object_id=project.id,
                 detail={"result_indicator": result_id})
    db.session.commit()
    return True


# --- progress ------------------------------------------------------------------------------------

class Judgement(StrEnum):
    ON_TRACK = "on_track"
    BEHIND = "behind"
    NO_VALUE = "no_value"  # no value after the baseline yet


@dataclass(frozen=True)
class Progress:
    year: int | None  # of the latest value
    value: float | None
    expected: float | None
    judgement: Judgement


def expected_at(year: int, baseline_year: int, baseline: float, target_year: int, target: float) -> float:
    """The value on the straight line from the baseline to the target (the target after it)."""
    if year >= target_year:
        return target
    if year <= baseline_year:
        return baseline
    return baseline + (target - baseline) * (year - baseline_year) / (target_year - baseline_year)


def judge(polarity: Polarity, baseline_year: int, baseline: float, target_year: int, target: float,
          year: int | None, value: float | None) -> Progress:
    if year is None or value is None or year <= baseline_year or not math.isfinite(value):
        return Progress(None, None, None, Judgement.NO_VALUE)
    expected = expected_at(year, baseline_year, baseline, target_year, target)
    if polarity == Polarity.HIGHER_BETTER:
        up = True
    elif polarity == Polarity.LOWER_BETTER:
        up = False
    else:
        up = target >= baseline
    good = value >= expected if up else value <= expected
    return Progress(year, value, expected, Judgement.ON_TRACK if good else Judgement.BEHIND)


@dataclass(frozen=True)
class Followed:
    result: ProjectResultIndicator
    version: IndicatorVersion
    project: Project
    area: list[str]  # the member gminas' names
    progress: Progress
    fmt: charts.Formatter


def awarded_filter() -> ColumnElement[bool]:
    """Paths in the awarded state of their programme's path definition."""
    pairs = [(code, d.awarded_state) for code, d in states.REGISTRY.items() if d.awarded_state]
    if not pairs:
        return false()
    return or_(*(and_(Programme.path_code == code, Path.state == state) for code, state in pairs))


def latest(formula: compute.Formula, series: profiles.SeriesByUnit, unit_ids: list[int],
           after: int) -> tuple[int | None, float | None]:
    """The newest year after `after` in which every gmina of the area has a value, and the
    area's value then (ratio of sums)."""
    if not unit_ids:
        return None, None
    years = sorted({y for uid in unit_ids for (_c, y) in series.get(uid, {}) if y > after}, reverse=True)
    for year in years:
        figures = compute.aggregate(formula, series, year, unit_ids)
        if figures.count == len(unit_ids) and figures.value is not None:
            return year, figures.value
    return None, None


@readings.no_cycle_collection
def followed(locale: str = "pl") -> list[Followed]:
    """Every result indicator of the projects (not dropped) of awarded applications, with its
    latest value and judgement: 4 statements however many projects and members (the result
    indicators with their projects and paths, the indicators' current versions, the areas'
    gminas, their values)."""
    rows = list(db.session.scalars(
        select(ProjectResultIndicator)
        .join(Project, Project.id == ProjectResultIndicator.project_id)
        .join(Path, Path.id == Project.path_id)
        .join(Programme, Programme.id == Path.programme_id)
        .where(awarded_filter(), Project.status != ProjectStatus.DROPPED)
        .options(contains_eager(ProjectResultIndicator.project).contains_eager(Project.path)
                 .options(contains_eager(Path.programme), joinedload(Path.applicant)))
        .order_by(Programme.code, Path.id, Project.title, ProjectResultIndicator.id)))
    if not rows:
        return []
    versions = {v.indicator_id: v for v in readings.current_indicators()}
    applicants = sorted({r.project.path.applicant_id for r in rows})
    area: dict[int, list[tuple[int, str]]] = {}
    for applicant_id, unit_id, name in db.session.execute(
            select(ApplicantMember.applicant_id, TerritorialUnit.id, Municipality.name)
            .join(Municipality, Municipality.id == ApplicantMember.municipality_id)
            # By the TERYT code, as the diagnosis profile reads them (unit_id is not always set).
            .outerjoin(TerritorialUnit, sa.and_(TerritorialUnit.code == Municipality.teryt,
                                                TerritorialUnit.level == UnitLevel.GMINA))
            .where(ApplicantMember.applicant_id.in_(applicants))
            .order_by(ApplicantMember.is_leader.desc(), Municipality.name)):
        area.setdefault(applicant_id, []).append((unit_id, name))
    formulas = {iid: readings.formula(v) for iid, v in versions.items()}
    unit_ids = sorted({uid for members in area.values() for uid, _n in members if uid is not None})
    series = profiles.units_series(unit_ids, [formulas[r.indicator_id] for r in rows
                                               if r.indicator_id in formulas])
    out = []
    for r in rows:
        version = versions.get(r.indicator_id)
        if version is None:
            continue
        members = area.get(r.project.path.applicant_id, [])
        ids = [uid for uid, _n in members if uid is not None]
        year, value = latest(formulas[r.indicator_id], series, ids, r.baseline_year)
        out.append(Followed(r, version, r.project, [n for _u, n in members],
                            judge(version.polarity, r.baseline_year, r.baseline_value, r.target_year,
                                  r.target_value, year, value),
                            charts.formatter(version.decimals, locale)))
    return out


def area_gminas(applicant_id: int) -> list[int]:
    """The ids of the applicant's member gminas in the register, by TERYT code (one statement)."""
    return list(db.session.scalars(
        select(TerritorialUnit.id)
        .join(Municipality, sa.and_(TerritorialUnit.code == Municipality.teryt,
                                    TerritorialUnit.level == UnitLevel.GMINA))
        .join(ApplicantMember, ApplicantMember.municipality_id == Municipality.id)
        .where(ApplicantMember.applicant_id == applicant_id).order_by(TerritorialUnit.id)))


def area_latest(applicant_id: int, versions: Sequence[IndicatorVersion]) -> dict[int, tuple[int, float]]:
    """Each indicator's latest value on the applicant's area, by indicator id: (year, value), for
    the team to read a baseline from (two statements)."""
    ids = area_gminas(applicant_id)
    formulas = {v.indicator_id: readings.formula(v) for v in versions}
    series = profiles.units_series(ids, list(formulas.values()))
    out = {}
    for indicator_id, f in formulas.items():
        year, value = latest(f, series, ids, 0)
        if year is not None and value is not None:
            out[indicator_id] = (year, value)
    return out


def indicator_choices() -> dict[str, IndicatorVersion]:
    """The indicators a project may name, by code (one statement)."""
    return {v.indicator.code: v for v in readings.current_indicators()}


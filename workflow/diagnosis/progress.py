"""Projects' result indicators and their progress (docs/decisions/0040).

A result indicator names an indicator of the base, its baseline (year, value) and its target
(year, value), and is measured on the applicant's area: a town's gmina, a partnership's member
gminas as one group (ratio of sums, the one algorithm of workflow/monitoring/compute.py).

**On track or behind**: the one rule of workflow/monitoring/targets.py (a straight line from
the baseline to the target, by polarity), which the cities' improvement plans use too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
    Programme,
    Project,
    ProjectResultIndicator,
    ProjectStatus,
    TerritorialUnit,
    UnitLevel,
    User,
)
from workflow.models.result_indicator import MAX_PER_PROJECT
from workflow.monitoring import charts, profiles, readings, targets

# The rule lives in monitoring.targets (improvement plans use it too); re-exported here.
from workflow.monitoring.targets import Judgement as Judgement
from workflow.monitoring.targets import Progress as Progress
from workflow.monitoring.targets import ResultInput as ResultInput
from workflow.monitoring.targets import ResultRefused as ResultRefused
from workflow.monitoring.targets import expected_at as expected_at
from workflow.monitoring.targets import judge, latest
from workflow.refusal import _l, fill

TWICE = _l("Ten projekt ma już wskaźnik rezultatu „%(name)s”.")
TOO_MANY = _l("Projekt może mieć najwyżej %(max)d wskaźników rezultatu.", max=MAX_PER_PROJECT)


def check(data: ResultInput, version: IndicatorVersion | None,
          existing: Sequence[ProjectResultIndicator]) -> None:
    """Refuse what the form alone cannot tell, by field (the rule of targets.check)."""
    targets.check(data, version, [r.indicator_id for r in existing], MAX_PER_PROJECT, TWICE, TOO_MANY)


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


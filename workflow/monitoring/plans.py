"""Improvement plans of the exchange groups' cities (issue 16 item 5, docs/decisions/0042).

Each city of a group writes its plan for the group's service area: goals, actions (what, who
carries it out, by when) and targets on indicators of the base (baseline year and value, target
year and value). Progress is read from the city's published values as they arrive, by the one
rule of targets.judge (on the straight line from the baseline to the target, by polarity),
never stored. Who sees a plan is who sees the group (exchange.group_for); only the city's own
team changes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from workflow.audit import log as audit
from workflow.extensions import db
from workflow.models import ExchangeGroup, ImprovementPlan, IndicatorVersion, PlanAction, PlanTarget, User
from workflow.models.improvement import ACTIONS_MAX, GOALS_MAX, OWNER_MAX, TARGETS_MAX, TITLE_MAX
from workflow.models.types import utcnow
from workflow.monitoring import charts, exchange, profiles, readings, targets
from workflow.refusal import Message, Refused, _l, fill

TWICE = _l("Plan ma już cel na wskaźniku „%(name)s”.")
TOO_MANY = _l("Plan może mieć najwyżej %(max)d celów na wskaźnikach.", max=TARGETS_MAX)


class PlanRefused(Refused):
    status = 400


@dataclass
class TargetRow:
    target: PlanTarget
    version: IndicatorVersion
    progress: targets.Progress
    fmt: charts.Formatter


@dataclass
class CityPlan:
    city: exchange.City
    plan: ImprovementPlan | None
    actions: list[PlanAction] = field(default_factory=list)
    targets: list[TargetRow] = field(default_factory=list)


def _plan(group: ExchangeGroup, unit_id: int) -> ImprovementPlan | None:
    return db.session.scalar(sa.select(ImprovementPlan).where(
        ImprovementPlan.group_id == group.id, ImprovementPlan.unit_id == unit_id))


def _plan_for_change(group: ExchangeGroup, unit_id: int, actor: User) -> ImprovementPlan:
    plan = _plan(group, unit_id)
    if plan is None:
        plan = ImprovementPlan(group_id=group.id, unit_id=unit_id, goals="")
        db.session.add(plan)
    plan.updated_by_id = actor.id
    plan.updated_at = utcnow()
    db.session.flush()
    return plan


# --- reading -----------------------------------------------------------------------------------

@readings.no_cycle_collection
def of_group(group: ExchangeGroup, locale: str = "pl", unit_id: int | None = None,
             current: Sequence[IndicatorVersion] | None = None) -> list[CityPlan]:
    """The plans of the group's cities (or of one city) with their actions and their targets'
    progress: six statements whatever the number of cities, actions and targets (the cities,
    the plans, the actions, the targets, the indicators' current versions unless given, the
    values)."""
    members = [c for c in exchange.cities(group) if unit_id is None or c.unit_id == unit_id]
    plans = {p.unit_id: p for p in db.session.scalars(sa.select(ImprovementPlan).where(
        ImprovementPlan.group_id == group.id,
        ImprovementPlan.unit_id.in_([c.unit_id for c in members])))}
    out = {c.unit_id: CityPlan(c, plans.get(c.unit_id)) for c in members}
    by_plan = {p.id: out[p.unit_id] for p in plans.values()}
    if not by_plan:
        return list(out.values())
    for action in db.session.scalars(sa.select(PlanAction).where(PlanAction.plan_id.in_(list(by_plan)))
                                     .order_by(PlanAction.due_on, PlanAction.id)):
        by_plan[action.plan_id].actions.append(action)
    rows = list(db.session.scalars(sa.select(PlanTarget).where(PlanTarget.plan_id.in_(list(by_plan)))
                                   .options(joinedload(PlanTarget.indicator)).order_by(PlanTarget.id)))
    if not rows:
        return list(out.values())
    current = current if current is not None else readings.current_indicators()
    versions = {v.indicator_id: v for v in current}
    formulas = {iid: readings.formula(v) for iid, v in versions.items()}
    series = profiles.units_series(sorted({by_plan[r.plan_id].city.unit_id for r in rows}),
                                   [formulas[r.indicator_id] for r in rows if r.indicator_id in formulas])
    for r in rows:
        version = versions.get(r.indicator_id)
        if version is None:
            continue
        city = by_plan[r.plan_id]
        year, value = targets.latest(formulas[r.indicator_id], series, [city.city.unit_id], r.baseline_year)
        city.targets.append(TargetRow(r, version, targets.judge(
            version.polarity, r.baseline_year, r.baseline_value, r.target_year, r.target_value, year, value),
            charts.formatter(version.decimals, locale)))
    return list(out.values())


# --- changing (the city's own team) ------------------------------------------------------------

def save_goals(group: ExchangeGroup, unit_id: int, goals: str, actor: User) -> None:
    goals = goals.strip()
    if len(goals) > GOALS_MAX:
        raise PlanRefused(errors={"goals": [_l("Cele mogą mieć najwyżej %(n)d znaków.", n=GOALS_MAX)]})
    plan = _plan_for_change(group, unit_id, actor)
    plan.goals = goals
    audit.record("exchange.plan_goals_saved", actor=actor, object_type="exchange_group", object_id=group.id,
                 detail={"unit": unit_id})
    db.session.commit()


def add_action(group: ExchangeGroup, unit_id: int, title: str, owner: str, due_on: date | None,
               actor: User) -> None:
    errors: dict[str, list[Message]] = {}
    title, owner = title.strip(), owner.strip()
    if not title or len(title) > TITLE_MAX:
        errors["title"] = [_l("Opisz działanie (najwyżej %(n)d znaków).", n=TITLE_MAX)]
    if not owner or len(owner) > OWNER_MAX:
        errors["owner"] = [_l("Podaj, kto odpowiada za działanie (najwyżej %(n)d znaków).", n=OWNER_MAX)]
    if due_on is None:
        errors["due_on"] = [_l("Podaj termin w postaci RRRR-MM-DD.")]
    plan = _plan(group, unit_id)
    if plan is not None and db.session.scalar(sa.select(sa.func.count()).where(
            PlanAction.plan_id == plan.id)) >= ACTIONS_MAX:
        errors.setdefault("title", []).append(_l("Plan może mieć najwyżej %(n)d działań.", n=ACTIONS_MAX))
    if errors:
        raise PlanRefused(errors=errors)
    assert due_on is not None
    plan = _plan_for_change(group, unit_id, actor)
    db.session.add(PlanAction(plan_id=plan.id, title=title, owner=owner, due_on=due_on))
    audit.record("exchange.plan_action_added", actor=actor, object_type="exchange_group", object_id=group.id,
                 detail={"unit": unit_id, "title": title})
    db.session.commit()


def add_target(group: ExchangeGroup, unit_id: int, data: targets.ResultInput, actor: User,
               versions: dict[str, IndicatorVersion]) -> None:
    plan = _plan(group, unit_id)
    existing: Sequence[int] = list(db.session.scalars(sa.select(PlanTarget.indicator_id).where(
        PlanTarget.plan_id == plan.id))) if plan is not None else []
    version = versions.get(data.indicator_code)
    targets.check(data, version, existing, TARGETS_MAX, TWICE, TOO_MANY)
    assert version is not None
    plan = _plan_for_change(group, unit_id, actor)
    db.session.add(PlanTarget(plan_id=plan.id, indicator_id=version.indicator_id,
                              baseline_year=data.baseline_year, baseline_value=data.baseline_value,
                              target_year=data.target_year, target_value=data.target_value))
    try:
        db.session.flush()
    except IntegrityError:  # the same indicator added at the same moment by someone else
        db.session.rollback()
        raise PlanRefused(errors={"indicator": [fill(TWICE, name=version.name_pl)]}) from None
    audit.record("exchange.plan_target_added", actor=actor, object_type="exchange_group", object_id=group.id,
                 detail={"unit": unit_id, "indicator": data.indicator_code,
                         "baseline": [data.baseline_year, data.baseline_value],
                         "target": [data.target_year, data.target_value]})
    db.session.commit()


def remove(group: ExchangeGroup, unit_id: int, kind: str, row_id: int, actor: User) -> bool:
    """Remove an action or a target of the city's own plan; False if it is not one."""
    model = {"action": PlanAction, "target": PlanTarget}[kind]
    row = db.session.scalar(sa.select(model).join(ImprovementPlan, ImprovementPlan.id == model.plan_id)
                            .where(model.id == row_id, ImprovementPlan.group_id == group.id,
                                   ImprovementPlan.unit_id == unit_id))
    if row is None:
        return False
    db.session.delete(row)
    audit.record(f"exchange.plan_{kind}_removed", actor=actor, object_type="exchange_group",
                 object_id=group.id, detail={"unit": unit_id, kind: row_id})
    db.session.commit()
    return True

"""Improvement plans of the exchange groups' cities (issue 16 item 5, docs/decisions/0042).

- ImprovementPlan: a city's plan for its group's service area (one per group and city): its goals.
- PlanAction: an action of the plan, with who carries it out and by when.
- PlanTarget: a target on an indicator of the base: baseline (year, value) and target (year,
  value); its progress is read from the city's values, never stored.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workflow.extensions import db
from workflow.models.indicator_target import IndicatorTarget, target_table_args
from workflow.models.types import UTCDateTime, utcnow

GOALS_MAX, TITLE_MAX, OWNER_MAX = 5000, 300, 200
ACTIONS_MAX, TARGETS_MAX = 30, 10


class ImprovementPlan(db.Model):
    __tablename__ = "improvement_plan"
    __table_args__ = (UniqueConstraint("group_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("exchange_group.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("territorial_unit.id", ondelete="CASCADE"), index=True)
    goals: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PlanAction(db.Model):
    __tablename__ = "plan_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("improvement_plan.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    owner: Mapped[str] = mapped_column(String(OWNER_MAX))
    due_on: Mapped[date] = mapped_column(Date)


class PlanTarget(IndicatorTarget, db.Model):
    """A target of the plan on an indicator (workflow/models/indicator_target.py)."""

    __tablename__ = "plan_target"
    __table_args__ = target_table_args("plan_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("improvement_plan.id", ondelete="CASCADE"), index=True)

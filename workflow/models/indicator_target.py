"""The columns a target on an indicator of the base has wherever it is set: the indicator, the
baseline (year and value) and the target (year and value), with the two checks on the years.
A city's improvement plan (PlanTarget) and a project's result indicators
(ProjectResultIndicator) both are one; progress is read from the values, never stored.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Double, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from workflow.models.monitoring import Indicator

YEAR_FIRST, YEAR_LAST = 2000, 2100  # the years_plausible check


def target_table_args(owner: str) -> tuple[UniqueConstraint | CheckConstraint, ...]:
    """One target per indicator of its `owner` (the column of the plan or the project), the
    target after the baseline, both years plausible."""
    return (
        UniqueConstraint(owner, "indicator_id"),
        CheckConstraint("target_year > baseline_year", name="target_after_baseline"),
        CheckConstraint(f"baseline_year BETWEEN {YEAR_FIRST} AND {YEAR_LAST} "
                        f"AND target_year BETWEEN {YEAR_FIRST} AND {YEAR_LAST}", name="years_plausible"),
    )


class IndicatorTarget:
    """Mixin: the indicator and its baseline and target. The class gives its id, its owner's
    column and `__table_args__ = target_table_args(owner)`."""

    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id"), index=True, sort_order=10)
    baseline_year: Mapped[int] = mapped_column(sort_order=10)
    baseline_value: Mapped[float] = mapped_column(Double, sort_order=10)
    target_year: Mapped[int] = mapped_column(sort_order=10)
    target_value: Mapped[float] = mapped_column(Double, sort_order=10)

    @declared_attr
    def indicator(cls) -> Mapped[Indicator]:  # noqa: N805 (declared_attr takes the class)
        return relationship(Indicator)

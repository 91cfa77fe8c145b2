"""A project's result indicators (issue 16 item 6, docs/decisions/0040): an indicator of the
indicator base the project is to move, its baseline (year and value) and its target (year and
value). The value measured is the applicant's area's: for a town its gmina, for a partnership
its member gminas as one group (ratio of sums, workflow/monitoring/compute.py). Progress is
read from the base's values as they arrive, never stored (workflow/diagnosis/progress.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Double, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.extensions import db
from workflow.models.monitoring import Indicator
from workflow.models.project import Project
from workflow.models.types import UTCDateTime, utcnow

MAX_PER_PROJECT = 10


class ProjectResultIndicator(db.Model):
    __tablename__ = "project_result_indicator"
    __table_args__ = (
        UniqueConstraint("project_id", "indicator_id"),
        CheckConstraint("target_year > baseline_year", name="target_after_baseline"),
        CheckConstraint("baseline_year BETWEEN 2000 AND 2100 AND target_year BETWEEN 2000 AND 2100",
                        name="years_plausible"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id"), index=True)
    baseline_year: Mapped[int]
    baseline_value: Mapped[float] = mapped_column(Double)
    target_year: Mapped[int]
    target_value: Mapped[float] = mapped_column(Double)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    project: Mapped[Project] = relationship()
    indicator: Mapped[Indicator] = relationship()

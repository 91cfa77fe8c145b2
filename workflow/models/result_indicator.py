"""A project's result indicators (issue 16 item 6, docs/decisions/0040): an indicator of the
indicator base the project is to move, its baseline (year and value) and its target (year and
value). The value measured is the applicant's area's: for a town its gmina, for a partnership
its member gminas as one group (ratio of sums, workflow/monitoring/compute.py). Progress is
read from the base's values as they arrive, never stored (workflow/diagnosis/progress.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.extensions import db
from workflow.models.indicator_target import IndicatorTarget, target_table_args
from workflow.models.project import Project
from workflow.models.types import UTCDateTime, utcnow

MAX_PER_PROJECT = 10


class ProjectResultIndicator(IndicatorTarget, db.Model):
    """A result indicator of the project (workflow/models/indicator_target.py)."""

    __tablename__ = "project_result_indicator"
    __table_args__ = target_table_args("project_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, sort_order=20)

    project: Mapped[Project] = relationship()

"""The project package of an applicant's strategy (workflow/projects, docs/decisions/0031).

Many projects per path, each with its scope, estimated cost and the split of that cost
between the applicant's member municipalities (who leads it: `ProjectShare.leads`), the
funding route it aims at, its status in the package, and whether it is a key project. A
chosen project gets a feasibility analysis (a document of the path) and a schedule: tasks
from a month to a month (dates kept as the first day of their month).

Members are the applicant's municipalities (`applicant_member`); a share names one by its
municipality, and the operations accept only the applicant's own.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.extensions import db
from workflow.models.applicant import Municipality
from workflow.models.document import Document
from workflow.models.path import Path
from workflow.models.types import UTCDateTime, str_enum, utcnow

TITLE_MAX = 200
SCOPE_MAX = 5000
NOTE_MAX = 200
TASK_MAX = 200


class FundingRoute(enum.StrEnum):
    """Where the money is to come from: the territorial instruments of 2021–2027 (ZIT: integrated
    territorial investments, IIT: other territorial instruments), a national programme, other."""

    ZIT = "zit"
    IIT = "iit"
    NATIONAL = "national"
    OTHER = "other"


class ProjectStatus(enum.StrEnum):
    """A project's place in the package: proposed, chosen for the package, or dropped."""

    PROPOSED = "proposed"
    CHOSEN = "chosen"
    DROPPED = "dropped"


class Project(db.Model):
    __tablename__ = "project"
    __table_args__ = (
        UniqueConstraint("path_id", "title"),
        CheckConstraint("estimated_cost > 0", name="cost_positive"),
        CheckConstraint("funding_route IN ('zit', 'iit', 'national', 'other')", name="route_known"),
        CheckConstraint("status IN ('proposed', 'chosen', 'dropped')", name="status_known"),
        # Only a project chosen for the package can be a key project.
        CheckConstraint("NOT is_key OR status = 'chosen'", name="key_is_chosen"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("length(title) >= 1", name="title_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    path_id: Mapped[int] = mapped_column(ForeignKey("path.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    scope: Mapped[str] = mapped_column(Text, default="")
    estimated_cost: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    funding_route: Mapped[FundingRoute] = mapped_column(str_enum(FundingRoute, 20))
    # Which national programme, or what "other" is (free text, may be empty).
    funding_note: Mapped[str] = mapped_column(String(NOTE_MAX), default="", server_default="")
    status: Mapped[ProjectStatus] = mapped_column(str_enum(ProjectStatus, 20), default=ProjectStatus.PROPOSED)
    is_key: Mapped[bool] = mapped_column(default=False)
    feasibility_document_id: Mapped[int | None] = mapped_column(
        ForeignKey("document.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    path: Mapped[Path] = relationship()
    feasibility_document: Mapped[Document | None] = relationship()
    shares: Mapped[list[ProjectShare]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectShare.id")
    tasks: Mapped[list[ProjectTask]] = relationship(
        back_populates="project", cascade="all, delete-orphan",
        order_by="[ProjectTask.starts_on, ProjectTask.ends_on, ProjectTask.id]")

    __mapper_args__ = {"version_id_col": version}


class ProjectShare(db.Model):
    """A member municipality's part in a project: whether it leads it, and its share of the cost."""

    __tablename__ = "project_share"
    __table_args__ = (
        UniqueConstraint("project_id", "municipality_id"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("leads OR amount > 0", name="leads_or_pays"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    leads: Mapped[bool] = mapped_column(default=False)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0.00"))

    project: Mapped[Project] = relationship(back_populates="shares")
    municipality: Mapped[Municipality] = relationship()


class ProjectTask(db.Model):
    """A task of a project's schedule, from the month of `starts_on` to the month of `ends_on`."""

    __tablename__ = "project_task"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="months_ordered"),
        CheckConstraint("length(name) >= 1", name="name_given"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(TASK_MAX))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)

    project: Mapped[Project] = relationship(back_populates="tasks")

"""The advisory side: advisors' profiles and fields, who advises which town, the people
of each town, and the log of services (consultations, workshops, studies) delivered."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.extensions import db
from workflow.models.applicant import Applicant, Municipality
from workflow.models.path import Path
from workflow.models.types import UTCDateTime, str_enum, utcnow
from workflow.models.user import User


class AdvisorKind(enum.StrEnum):
    """An advisor's place on a path: the city advisor, or an expert in one field."""

    LEAD = "lead"
    EXPERT = "expert"


class AssignmentAction(enum.StrEnum):
    ASSIGNED = "assigned"
    UNASSIGNED = "unassigned"


class AdvisorSource(enum.StrEnum):
    """Who made an advisor assignment change."""

    MANUAL = "manual"
    PROPOSAL = "proposal"
    DEMO = "demo"


class ServiceKind(enum.StrEnum):
    CONSULTATION = "consultation"
    WORKSHOP = "workshop"
    STUDY = "study"
    OTHER = "other"


class ServiceFormat(enum.StrEnum):
    ON_SITE = "on_site"
    ONLINE = "online"


class ServiceStatus(enum.StrEnum):
    """A draft counts nowhere; a logged service counts in every report."""

    DRAFT = "draft"
    LOGGED = "logged"


class StudyKind(enum.StrEnum):
    ANALYSIS = "analysis"
    PLANNING = "planning"


SERVICE_KINDS = tuple(k.value for k in ServiceKind)
SERVICE_FORMATS = tuple(f.value for f in ServiceFormat)
STUDY_KINDS = tuple(k.value for k in StudyKind)
MAX_DURATION_MINUTES = 24 * 60


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class ExpertiseField(db.Model):
    """A field of expertise (spatial planning, public finance, ...): a managed list."""

    __tablename__ = "expertise_field"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_pl: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(default=True)

    def name(self, locale: str | None) -> str:
        return self.name_en if (locale or "pl").startswith("en") else self.name_pl


advisor_expertise = Table(
    "advisor_expertise",
    db.metadata,
    Column("advisor_id", ForeignKey("advisor_profile.user_id", ondelete="CASCADE"), primary_key=True),
    Column("field_id", ForeignKey("expertise_field.id"), primary_key=True),
)


class AdvisorProfile(db.Model):
    """What an advisor knows, where they work, and how many towns they can take."""

    __tablename__ = "advisor_profile"
    __table_args__ = (CheckConstraint("capacity >= 0 AND capacity <= 60", name="capacity_range"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                         primary_key=True)
    region: Mapped[str | None] = mapped_column(String(40))  # a voivodeship
    capacity: Mapped[int] = mapped_column(default=3)
    available: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User] = relationship()
    fields: Mapped[list[ExpertiseField]] = relationship(secondary=advisor_expertise,
                                                        order_by=ExpertiseField.id)


path_need = Table(
    "path_need",
    db.metadata,
    Column("path_id", ForeignKey("path.id", ondelete="CASCADE"), primary_key=True),
    Column("field_id", ForeignKey("expertise_field.id"), primary_key=True),
)


class AdvisorAssignment(db.Model):
    """An advisor assigned to a path: the city advisor (lead) or a field expert."""

    __tablename__ = "advisor_assignment"
    __table_args__ = (
        UniqueConstraint("path_id", "advisor_id"),
        CheckConstraint("kind IN ('lead', 'expert')", name="kind_known"),
        CheckConstraint(
            "(kind = 'lead' AND field_id IS NULL) OR (kind = 'expert' AND field_id IS NOT NULL)",
            name="expert_has_field",
        ),
        # One city advisor per path and one expert per field of a path, in the database.
        Index("uq_advisor_assignment_one_lead", "path_id", unique=True,
              sqlite_where=db.text("kind = 'lead'"), postgresql_where=db.text("kind = 'lead'")),
        Index("uq_advisor_assignment_one_expert_per_field", "path_id", "field_id", unique=True,
              sqlite_where=db.text("kind = 'expert'"),
              postgresql_where=db.text("kind = 'expert'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    path_id: Mapped[int] = mapped_column(ForeignKey("path.id", ondelete="CASCADE"))
    advisor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[AdvisorKind] = mapped_column(str_enum(AdvisorKind, 10), default=AdvisorKind.LEAD)
    field_id: Mapped[int | None] = mapped_column(ForeignKey("expertise_field.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    path: Mapped[Path] = relationship()
    advisor: Mapped[User] = relationship(foreign_keys=[advisor_id])
    field: Mapped[ExpertiseField | None] = relationship()


class AssignmentEvent(db.Model):
    """Every change of an assignment, appended: who assigned or unassigned whom, when."""

    __tablename__ = "assignment_event"
    __table_args__ = (
        CheckConstraint("action IN ('assigned', 'unassigned')", name="action_known"),
        CheckConstraint("kind IN ('lead', 'expert')", name="kind_known"),
        CheckConstraint("source IN ('manual', 'proposal', 'demo')", name="source_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    path_id: Mapped[int] = mapped_column(ForeignKey("path.id", ondelete="CASCADE"), index=True)
    advisor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[AdvisorKind] = mapped_column(str_enum(AdvisorKind, 10))
    field_id: Mapped[int | None] = mapped_column(ForeignKey("expertise_field.id"))
    action: Mapped[AssignmentAction] = mapped_column(str_enum(AssignmentAction, 12))
    source: Mapped[AdvisorSource] = mapped_column(str_enum(AdvisorSource, 10), default=AdvisorSource.MANUAL)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    advisor: Mapped[User] = relationship(foreign_keys=[advisor_id])
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    field: Mapped[ExpertiseField | None] = relationship()


class Person(db.Model):
    """Someone who takes part in services: a member of a town's team, recorded once."""

    __tablename__ = "person"
    __table_args__ = (
        UniqueConstraint("applicant_id", "name", "institution"),
        UniqueConstraint("applicant_id", "email"),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicant.id", ondelete="CASCADE"),
                                              index=True)
    name: Mapped[str] = mapped_column(String(200))
    institution: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # A partnership's participant: the member municipality they come from (None: a town's
    # people, or not from one municipality).
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"), index=True)
    # When the name and e-mail were replaced by a pseudonym (workflow/privacy): the row and
    # its services stay, so every report counts the person as before.
    pseudonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    applicant: Mapped[Applicant] = relationship()
    municipality: Mapped[Municipality | None] = relationship()


service_participant = Table(
    "service_participant",
    db.metadata,
    Column("service_id", ForeignKey("service.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", ForeignKey("person.id"), primary_key=True, index=True),
)


class Service(db.Model):
    """One service an advisor delivered to a town: a consultation, workshop, study support.

    A draft counts nowhere; a logged service counts in every report. `version` guards
    corrections against two people editing at once.
    """

    __tablename__ = "service"
    __table_args__ = (
        CheckConstraint(_in("kind", SERVICE_KINDS), name="kind_known"),
        CheckConstraint(_in("format", SERVICE_FORMATS), name="format_known"),
        CheckConstraint("status IN ('draft', 'logged')", name="status_known"),
        CheckConstraint(f"duration_minutes > 0 AND duration_minutes <= {MAX_DURATION_MINUTES}",
                        name="duration_range"),
        CheckConstraint("status = 'draft' OR logged_at IS NOT NULL", name="logged_has_time"),
        Index("ix_service_report", "status", "held_on"),
        Index("ix_service_path", "path_id", "held_on"),
        Index("ix_service_advisor", "advisor_id", "held_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    path_id: Mapped[int] = mapped_column(ForeignKey("path.id", ondelete="CASCADE"))
    advisor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[ServiceKind] = mapped_column(str_enum(ServiceKind, 20))
    held_on: Mapped[date] = mapped_column(Date)
    duration_minutes: Mapped[int] = mapped_column()
    field_id: Mapped[int] = mapped_column(ForeignKey("expertise_field.id"), index=True)
    topic: Mapped[str] = mapped_column(String(300))
    format: Mapped[ServiceFormat] = mapped_column(str_enum(ServiceFormat, 10), default=ServiceFormat.ON_SITE)
    status: Mapped[ServiceStatus] = mapped_column(str_enum(ServiceStatus, 10), default=ServiceStatus.DRAFT)
    # A random token from the form that created the row: a resubmitted form finds its
    # row instead of creating a second one.
    client_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    logged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    path: Mapped[Path] = relationship()
    advisor: Mapped[User] = relationship()
    field: Mapped[ExpertiseField] = relationship()
    participants: Mapped[list[Person]] = relationship(secondary=service_participant,
                                                      order_by=Person.name)
    studies: Mapped[list[Study]] = relationship(back_populates="service",
                                                cascade="all, delete-orphan",
                                                order_by="Study.id")

    __mapper_args__ = {"version_id_col": version}


class Study(db.Model):
    """An analysis report or planning document the town's team was helped to prepare."""

    __tablename__ = "study"
    __table_args__ = (CheckConstraint(_in("kind", STUDY_KINDS), name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"),
                                            index=True)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[StudyKind] = mapped_column(str_enum(StudyKind, 20), default=StudyKind.ANALYSIS)

    service: Mapped[Service] = relationship(back_populates="studies")


class ServiceRate(db.Model):
    """The market rate of an hour of one kind of service, set by the programme's coordinator:
    the support is free for the applicants, and the services report shows what it is worth.

    Dated (decision 0036, migration 0030): a row is a period, in force from `valid_from` until the
    next row of the same programme and kind; a service is valued at the rate in force on its day.
    `hourly_rate` None: no rate from that day on."""

    __tablename__ = "service_rate"
    __table_args__ = (
        CheckConstraint(_in("kind", SERVICE_KINDS), name="kind_known"),
        CheckConstraint("hourly_rate >= 0", name="rate_not_negative"),
    )

    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"),
                                              primary_key=True)
    kind: Mapped[ServiceKind] = mapped_column(str_enum(ServiceKind, 20), primary_key=True)
    valid_from: Mapped[date] = mapped_column(Date, primary_key=True)
    hourly_rate: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class ServiceRevision(db.Model):
    """The state of a logged service before a correction: history is appended, not lost."""

    __tablename__ = "service_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"),
                                            index=True)
    revised_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    revised_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    before: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text, default="")

    revised_by: Mapped[User | None] = relationship()

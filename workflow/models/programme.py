"""A programme (a call for applications) and its stage deadlines."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.extensions import db
from workflow.models.types import UTCDateTime


class Programme(db.Model):
    __tablename__ = "programme"
    __table_args__ = (
        CheckConstraint("service_edit_days >= 0", name="edit_days_positive"),
        CheckConstraint("advice_ends_on IS NULL OR advice_starts_on IS NULL "
                        "OR advice_ends_on >= advice_starts_on", name="advice_period_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title_pl: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    # The code of a definition in states.REGISTRY: the path every applicant follows.
    path_code: Mapped[str] = mapped_column(String(40))
    timezone: Mapped[str] = mapped_column(String(40), default="Europe/Warsaw")
    # The advisory period: services may be logged with a date inside it (none: no limit).
    advice_starts_on: Mapped[date | None] = mapped_column(Date)
    advice_ends_on: Mapped[date | None] = mapped_column(Date)
    # How long an advisor may correct a logged service before only a coordinator can.
    service_edit_days: Mapped[int] = mapped_column(default=14, server_default="14")

    deadlines: Mapped[list[StageDeadline]] = relationship(
        back_populates="programme", cascade="all, delete-orphan", order_by="StageDeadline.due_at"
    )

    def title(self, locale: str | None) -> str:
        return self.title_en if (locale or "pl").startswith("en") else self.title_pl


class StageDeadline(db.Model):
    """The moment a stage's document is due, for every applicant of the programme."""

    __tablename__ = "stage_deadline"
    __table_args__ = (UniqueConstraint("programme_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(40))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())

    programme: Mapped[Programme] = relationship(back_populates="deadlines")

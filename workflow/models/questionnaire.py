"""The cities' questionnaire of the monitoring (docs/decisions/0037).

- Questionnaire: what one city (a gmina of the register) reports for a year and a service
  area, with its state (draft, submitted, returned for correction, accepted).
- QuestionnaireAnswer: one variable's answer: what was typed (kept even when it is not a
  number), the value read from it, the plausibility warnings it raised, the city's comment on
  them, and the analyst's review (pending, accepted, returned with a note).

The variables asked are the ones the area's indicators use and that cities report
(`monitoring_variable.reporting`, from data/monitoring/indicators.toml). An accepted answer
becomes the city's provisional variable_value, with a value_source of kind "entry".
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Double, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.extensions import db
from workflow.models.monitoring import MonitoringArea, _in
from workflow.models.types import UTCDateTime, str_enum, utcnow


class QuestionnaireStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    ACCEPTED = "accepted"


class AnswerReview(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    RETURNED = "returned"


class Questionnaire(db.Model):
    __tablename__ = "questionnaire"
    __table_args__ = (
        UniqueConstraint("unit_id", "year", "area"),
        CheckConstraint(_in("status", QuestionnaireStatus), name="status_known"),
        CheckConstraint(_in("area", MonitoringArea), name="area_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("territorial_unit.id", ondelete="CASCADE"), index=True)
    year: Mapped[int]
    area: Mapped[MonitoringArea] = mapped_column(str_enum(MonitoringArea, 30))
    status: Mapped[QuestionnaireStatus] = mapped_column(str_enum(QuestionnaireStatus, 20),
                                                        default=QuestionnaireStatus.DRAFT)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    unit: Mapped[TerritorialUnit] = relationship()  # noqa: F821
    answers: Mapped[list[QuestionnaireAnswer]] = relationship(
        back_populates="questionnaire", cascade="all, delete-orphan")


class QuestionnaireAnswer(db.Model):
    __tablename__ = "questionnaire_answer"
    __table_args__ = (
        CheckConstraint(_in("review", AnswerReview), name="review_known"),
        CheckConstraint("review <> 'returned' OR review_note IS NOT NULL", name="returned_has_note"),
    )

    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire.id", ondelete="CASCADE"),
                                                  primary_key=True)
    variable_id: Mapped[int] = mapped_column(ForeignKey("monitoring_variable.id", ondelete="CASCADE"),
                                             primary_key=True)
    raw: Mapped[str] = mapped_column(String(40), default="")
    value: Mapped[float | None] = mapped_column(Double)
    # The plausibility warnings of the value as saved: [{"kind": "group"|"change", ...figures}].
    warnings: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    comment: Mapped[str | None] = mapped_column(Text)
    review: Mapped[AnswerReview] = mapped_column(str_enum(AnswerReview, 20), default=AnswerReview.PENDING)
    review_note: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="answers")


class QuestionnairePublication(db.Model):
    """A year of an area published by the analyst: its accepted values became final (public);
    a value accepted later enters as final, and a change after it is a correction."""

    __tablename__ = "questionnaire_publication"
    __table_args__ = (
        CheckConstraint(_in("area", MonitoringArea), name="area_known"),
    )

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    area: Mapped[MonitoringArea] = mapped_column(str_enum(MonitoringArea, 30), primary_key=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class ValueComment(db.Model):
    """A city's comment on one of its own published indicator values (unit × indicator × year),
    shown publicly beside the value with the city's name at once; the analyst may hide it with
    a reason (docs/decisions/0039). Hidden comments stay, for the city and the analyst."""

    __tablename__ = "value_comment"
    __table_args__ = (
        CheckConstraint("hidden_at IS NULL OR hidden_reason IS NOT NULL", name="hidden_has_reason"),
        Index("ix_value_comment_unit_id", "unit_id", "indicator_id", "year"),
        Index("ix_value_comment_indicator_id", "indicator_id", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("territorial_unit.id", ondelete="CASCADE"))
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id", ondelete="CASCADE"))
    year: Mapped[int]
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    hidden_reason: Mapped[str | None] = mapped_column(Text)

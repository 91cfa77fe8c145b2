"""A programme (a call for applications) and its stage deadlines."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.extensions import db
from workflow.models.types import UTCDateTime, str_enum


class RankingPolicy(enum.StrEnum):
    """What the ranking does below an application that did not fit the budget: stop
    awarding ('strict') or skip it and go on down the list ('skip')."""

    STRICT = "strict"
    SKIP = "skip"


class HideScoresUntil(enum.StrEnum):
    """When an evaluator may see the other evaluators' scores of an application."""

    OWN_SUBMISSION = "own_submission"
    ANNOUNCEMENT = "announcement"


class Programme(db.Model):
    __tablename__ = "programme"
    __table_args__ = (
        CheckConstraint("service_edit_days >= 0", name="edit_days_positive"),
        CheckConstraint("advice_ends_on IS NULL OR advice_starts_on IS NULL "
                        "OR advice_ends_on >= advice_starts_on", name="advice_period_ordered"),
        CheckConstraint("policy IN ('strict', 'skip')", name="policy_known"),
        CheckConstraint("threshold_pct >= 0 AND threshold_pct <= 100", name="threshold_range"),
        CheckConstraint("discrepancy_pct >= 0 AND discrepancy_pct <= 100", name="discrepancy_range"),
        CheckConstraint("evaluators_per_application >= 1 AND evaluators_per_application <= 5",
                        name="evaluators_range"),
        CheckConstraint("hide_scores_until IN ('own_submission', 'announcement')",
                        name="hide_scores_known"),
        CheckConstraint("budget IS NULL OR budget >= 0", name="budget_positive"),
        CheckConstraint("winners_cap IS NULL OR winners_cap >= 0", name="cap_positive"),
        CheckConstraint("appeal_days IS NULL OR appeal_days > 0", name="appeal_days_positive"),
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
    # The day the programme ended: its participants' names and e-mail addresses are
    # pseudonymised PARTICIPANTS_ARCHIVE_YEARS after it (none: still running, nothing is).
    ends_on: Mapped[date | None] = mapped_column(Date)
    # How long an advisor may correct a logged service before only a coordinator can.
    service_edit_days: Mapped[int] = mapped_column(default=14, server_default="14")
    # Evaluation and ranking settings (the RL-2020 defaults).
    budget: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    winners_cap: Mapped[int | None] = mapped_column()
    threshold_pct: Mapped[int] = mapped_column(default=60, server_default="60")
    policy: Mapped[RankingPolicy] = mapped_column(str_enum(RankingPolicy, 10), default=RankingPolicy.STRICT,
                                                  server_default=RankingPolicy.STRICT.value)
    discrepancy_pct: Mapped[int] = mapped_column(default=30, server_default="30")
    evaluators_per_application: Mapped[int] = mapped_column(default=2, server_default="2")
    # 'own_submission': an evaluator sees the others' scores once their own sheet is in;
    # 'announcement': only after the results are announced.
    hide_scores_until: Mapped[HideScoresUntil] = mapped_column(
        str_enum(HideScoresUntil, 20), default=HideScoresUntil.OWN_SUBMISSION,
        server_default=HideScoresUntil.OWN_SUBMISSION.value)
    appeal_days: Mapped[int | None] = mapped_column()  # None: the result is final
    appeal_decision_days: Mapped[int | None] = mapped_column()
    evaluation_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Days before a deadline on which a reminder is sent, comma-separated (services/reminders).
    reminder_offsets: Mapped[str] = mapped_column(String(40), default="14,7,3,1",
                                                  server_default="14,7,3,1")

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

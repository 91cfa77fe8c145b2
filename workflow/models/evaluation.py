"""The evaluation side: score sheets built from criteria, evaluators assigned to
applications with their declarations, the sheets and scores, ranking snapshots, appeals."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.extensions import db
from workflow.models.path import Path
from workflow.models.programme import Programme
from workflow.models.types import UTCDateTime, str_enum, utcnow
from workflow.models.user import User


class EvaluatorRole(enum.StrEnum):
    """An evaluator's place on an application: one of the regular ones, or the third."""

    REGULAR = "regular"
    THIRD = "third"


class EvaluatorSource(enum.StrEnum):
    """Who put the evaluator on the application."""

    MANUAL = "manual"
    PROPOSAL = "proposal"
    THIRD_RULE = "third_rule"
    DEMO = "demo"


class Declaration(enum.StrEnum):
    IMPARTIAL = "impartial"
    CONFLICT = "conflict"


class ConflictType(enum.StrEnum):
    ADVISED_TOWN = "advised_town"
    MUNICIPALITY = "municipality"
    FAMILY = "family"
    OTHER = "other"


CONFLICT_TYPES = tuple(t.value for t in ConflictType)


class SheetStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class RankingKind(enum.StrEnum):
    PREVIEW = "preview"
    OFFICIAL = "official"


class RankingStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class AppealStatus(enum.StrEnum):
    FILED = "filed"
    UPHELD = "upheld"
    REJECTED = "rejected"


class SheetPart(db.Model):
    """A part of a programme's score sheet (RL-2020: I. PRL, 110 points; II. PRI, 120)."""

    __tablename__ = "sheet_part"
    __table_args__ = (UniqueConstraint("programme_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(20))  # e.g. "PRL"
    title_pl: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)

    criteria: Mapped[list[Criterion]] = relationship(back_populates="part",
                                                     order_by="Criterion.position",
                                                     cascade="all, delete-orphan")


class Criterion(db.Model):
    __tablename__ = "criterion"
    __table_args__ = (
        UniqueConstraint("part_id", "code"),
        CheckConstraint("max_points > 0 AND max_points <= 1000", name="max_points_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("sheet_part.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(20))  # e.g. "I.1"
    title_pl: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    description_pl: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    max_points: Mapped[int] = mapped_column()
    position: Mapped[int] = mapped_column(default=0)

    part: Mapped[SheetPart] = relationship(back_populates="criteria")


class EvaluatorAssignment(db.Model):
    """An evaluator assigned to one application (path), and their declaration for it.

    `declaration` is None until the evaluator signs the declaration of impartiality
    ('impartial') or declares a conflict ('conflict', typed). Only an impartial evaluator
    sees the application and scores it. `round` is the path's evaluation round the
    assignment belongs to; assignments of earlier rounds are kept as history and never count.
    """

    __tablename__ = "evaluator_assignment"
    __table_args__ = (
        UniqueConstraint("path_id", "evaluator_id", "round"),
        CheckConstraint("role IN ('regular', 'third')", name="role_known"),
        CheckConstraint("declaration IS NULL OR declaration IN ('impartial', 'conflict')",
                        name="declaration_known"),
        CheckConstraint(
            "(declaration = 'conflict' AND conflict_type IN "
            "('advised_town', 'municipality', 'family', 'other')) "
            "OR ((declaration IS NULL OR declaration = 'impartial') AND conflict_type IS NULL)",
            name="conflict_is_typed",
        ),
        CheckConstraint("source IN ('manual', 'proposal', 'third_rule', 'demo')", name="source_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    path_id: Mapped[int] = mapped_column(ForeignKey("path.id", ondelete="CASCADE"), index=True)
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    round: Mapped[int] = mapped_column(default=1, server_default="1")
    role: Mapped[EvaluatorRole] = mapped_column(str_enum(EvaluatorRole, 10), default=EvaluatorRole.REGULAR)
    source: Mapped[EvaluatorSource] = mapped_column(str_enum(EvaluatorSource, 12),
                                                    default=EvaluatorSource.MANUAL)
    declaration: Mapped[Declaration | None] = mapped_column(str_enum(Declaration, 10))
    conflict_type: Mapped[ConflictType | None] = mapped_column(str_enum(ConflictType, 20))
    conflict_note: Mapped[str] = mapped_column(Text, default="")
    declared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    path: Mapped[Path] = relationship()
    evaluator: Mapped[User] = relationship(foreign_keys=[evaluator_id])
    sheet: Mapped[ScoreSheet | None] = relationship(back_populates="assignment", uselist=False)


class ScoreSheet(db.Model):
    """One evaluator's sheet for one application. Submitted once; then immutable."""

    __tablename__ = "score_sheet"
    __table_args__ = (
        UniqueConstraint("assignment_id"),
        CheckConstraint("status IN ('draft', 'submitted')", name="status_known"),
        CheckConstraint("status = 'draft' OR submitted_at IS NOT NULL", name="submitted_has_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("evaluator_assignment.id", ondelete="CASCADE"))
    status: Mapped[SheetStatus] = mapped_column(str_enum(SheetStatus, 10), default=SheetStatus.DRAFT)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1)

    assignment: Mapped[EvaluatorAssignment] = relationship(back_populates="sheet")
    scores: Mapped[list[Score]] = relationship(back_populates="sheet", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}


class Score(db.Model):
    __tablename__ = "score"
    __table_args__ = (
        UniqueConstraint("sheet_id", "criterion_id"),
        CheckConstraint("points IS NULL OR points >= 0", name="points_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("score_sheet.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criterion.id"), index=True)
    points: Mapped[int | None] = mapped_column()  # None while a draft leaves it empty
    justification: Mapped[str] = mapped_column(Text, default="")

    sheet: Mapped[ScoreSheet] = relationship(back_populates="scores")
    criterion: Mapped[Criterion] = relationship()


class RankingSnapshot(db.Model):
    """One run of the ranking: its settings, inputs, rule version and result, kept forever.

    A preview is a snapshot of kind 'preview'; approving makes an 'official' one. The
    result is the machine-readable ranking document (the `flask rank --json` shape).
    """

    __tablename__ = "ranking_snapshot"
    __table_args__ = (
        CheckConstraint("kind IN ('preview', 'official')", name="kind_known"),
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status_known"),
        CheckConstraint("announced_at IS NULL OR kind = 'official'", name="only_official_announced"),
        # At most one announced snapshot in force per programme, enforced by the database;
        # a corrected announcement stamps the earlier one superseded.
        Index("uq_ranking_snapshot_one_announced", "programme_id", unique=True,
              sqlite_where=db.text("announced_at IS NOT NULL AND superseded_at IS NULL"),
              postgresql_where=db.text("announced_at IS NOT NULL AND superseded_at IS NULL")),
        Index("ix_ranking_snapshot_programme", "programme_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    kind: Mapped[RankingKind] = mapped_column(str_enum(RankingKind, 10), default=RankingKind.PREVIEW)
    status: Mapped[RankingStatus] = mapped_column(str_enum(RankingStatus, 10), default=RankingStatus.QUEUED)
    rule_version: Mapped[str] = mapped_column(String(40), default="")
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    inputs: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    inputs_digest: Mapped[str] = mapped_column(String(64), default="")
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str] = mapped_column(Text, default="")
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("ranking_snapshot.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    announced_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # by a corrected announcement

    programme: Mapped[Programme] = relationship()


class Appeal(db.Model):
    """A town's protest against an announced result, and the coordinator's decision."""

    __tablename__ = "appeal"
    __table_args__ = (
        CheckConstraint("status IN ('filed', 'upheld', 'rejected')", name="status_known"),
        CheckConstraint("status = 'filed' OR decided_at IS NOT NULL", name="decided_has_time"),
        UniqueConstraint("path_id", "snapshot_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    path_id: Mapped[int] = mapped_column(ForeignKey("path.id", ondelete="CASCADE"), index=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("ranking_snapshot.id"))
    justification: Mapped[str] = mapped_column(Text)
    status: Mapped[AppealStatus] = mapped_column(str_enum(AppealStatus, 10), default=AppealStatus.FILED)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decision_note: Mapped[str] = mapped_column(Text, default="")

    path: Mapped[Path] = relationship()


class EvaluatorProfile(db.Model):
    """Links an evaluator's account to the advisor account of the same person, if any:
    an evaluator who advised a town has a conflict with it, found automatically."""

    __tablename__ = "evaluator_profile"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                         primary_key=True)
    advisor_account_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    municipality_name: Mapped[str] = mapped_column(String(120), default="")  # where they live/work


class EvaluationSummary(db.Model):
    """One application's line of the coordinator's evaluation overview, kept beside the scores
    (docs/decisions/0035): what the list sorts, filters and counts by, so the overview reads
    one page of these rows in SQL instead of running the final score rule for every
    application. Written in the same transaction as every change of the assignments,
    declarations, sheets, scores, path, town or programme settings it follows
    (workflow/evaluation/summary.py); `flask scores rebuild-summaries --check` compares it with
    a full recomputation."""

    __tablename__ = "evaluation_summary"
    __table_args__ = (
        Index("ix_evaluation_summary_town", "programme_id", "town_key", "path_id"),
        Index("ix_evaluation_summary_final", "programme_id", "final_total"),
        Index("ix_evaluation_summary_spread", "programme_id", "spread_pct"),
    )

    path_id: Mapped[int] = mapped_column(ForeignKey("path.id", ondelete="CASCADE"), primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(60))
    in_evaluation: Mapped[bool] = mapped_column(default=False)
    town_key: Mapped[str] = mapped_column(Text)  # workflow.text.sort_key of the town's name
    search: Mapped[str] = mapped_column(Text, default="")  # town, voivodeship, evaluators; lower case
    spread_pct: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))
    third: Mapped[str] = mapped_column(String(12))  # not_needed | needed | assigned | submitted
    third_order: Mapped[int | None] = mapped_column()  # the list's order of `third`; None below two sheets
    final_total: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    missing_regular: Mapped[int] = mapped_column(default=0)
    complete: Mapped[bool] = mapped_column(default=False)


class EvaluationRevision(db.Model):
    """The version of a programme's evaluation overview (docs/decisions/0044): one more each
    time a transaction rewrites any of the programme's `EvaluationSummary` lines (the same
    writes, in the same transaction), so a page kept for one revision is never shown for
    another. Not kept per line: a number only grows, in the order the transactions commit;
    `token`, drawn at random by each raise, tells apart two states with the same number (a database
    restored from a backup counts again from the backup's: decision 0047)."""

    __tablename__ = "evaluation_revision"

    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"),
                                              primary_key=True)
    revision: Mapped[int] = mapped_column(BigInteger, default=0)
    token: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")

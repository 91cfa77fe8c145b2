"""An applicant's path through a programme, and its append-only transition history."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.extensions import db
from workflow.models.applicant import Applicant
from workflow.models.programme import Programme
from workflow.models.types import UTCDateTime, utcnow
from workflow.models.user import User


class Path(db.Model):
    """Where one applicant stands in one programme.

    `version` is SQLAlchemy's optimistic lock: every UPDATE says WHERE version = the one
    read, so of two people firing at once exactly one write succeeds.
    """

    __tablename__ = "path"
    __table_args__ = (
        UniqueConstraint("programme_id", "applicant_id"),
        Index("ix_path_programme_state", "programme_id", "state"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("requested_amount IS NULL OR requested_amount > 0", name="amount_positive"),
        CheckConstraint("evaluation_round >= 1", name="evaluation_round_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"))
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicant.id"), index=True)
    state: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # What the application asks for (złoty; entered by the town with its application).
    requested_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    # The merit evaluation under way or last done: 1, and one more each time an upheld
    # appeal takes the application back to evaluation. Only this round's evaluators count.
    evaluation_round: Mapped[int] = mapped_column(default=1, server_default="1")

    programme: Mapped[Programme] = relationship()
    applicant: Mapped[Applicant] = relationship()
    transitions: Mapped[list[PathTransition]] = relationship(
        back_populates="path", order_by="PathTransition.seq"
    )

    __mapper_args__ = {"version_id_col": version}


class PathTransition(db.Model):
    """One fired transition. Rows are only ever inserted.

    (path_id, seq) is unique and seq is the path's version before the transition, so the
    database itself refuses a second transition recorded from the same version.
    """

    __tablename__ = "path_transition"
    __table_args__ = (UniqueConstraint("path_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    path_id: Mapped[int] = mapped_column(ForeignKey("path.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column()
    event: Mapped[str] = mapped_column(String(60))
    from_state: Mapped[str] = mapped_column(String(40))
    to_state: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    path: Mapped[Path] = relationship(back_populates="transitions")
    actor: Mapped[User | None] = relationship()


class DeadlineExtension(db.Model):
    """A later deadline for one applicant's stage, granted by a coordinator."""

    __tablename__ = "deadline_extension"
    # The reminder sweep starts from the extensions whose date falls in its window.
    __table_args__ = (UniqueConstraint("path_id", "stage"), Index("ix_deadline_extension_due_at", "due_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    path_id: Mapped[int] = mapped_column(ForeignKey("path.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(40))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text, default="")
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DeadlineChange(db.Model):
    """One change of a stage deadline, with its reason: for one town (`path_id`) or for the
    whole programme (`path_id` NULL). Append-only; the town's history shows its own changes
    and the programme's. `due_before` is None when the stage had no deadline yet."""

    __tablename__ = "deadline_change"
    __table_args__ = (
        Index("ix_deadline_change_programme_path", "programme_id", "path_id"),
        CheckConstraint("length(reason) >= 10", name="reason_given"),
        CheckConstraint("due_before IS NULL OR due_before <> due_after", name="changes_something"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    path_id: Mapped[int | None] = mapped_column(ForeignKey("path.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(40))
    due_before: Mapped[datetime | None] = mapped_column(UTCDateTime())
    due_after: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    actor: Mapped[User | None] = relationship()

    @property
    def later(self) -> bool:
        """The deadline moved later (or was set for the first time)."""
        return self.due_before is None or self.due_after > self.due_before

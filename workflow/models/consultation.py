"""Public consultations: a stage's draft document published for a period, the comments anyone
may leave on it, and the applicant's answers (workflow/consultation, docs/decisions/0031).

A consultation is of one document version (a row of `document`, so its file is the upload
store's); its stage is that document's. While it is not closed, a path has at most one
consultation per stage (a partial unique index). It is open to the public from `starts_at` to
`ends_at` (moments in UTC: midnight of the first day and of the day after the last one, in
the programme's time zone) until it is closed; closed, its comments and answers are the
consultation report, which no longer changes.

A comment keeps the least a person can leave: the text, and optionally a name and an e-mail
address. These are shown only to the applicant's team and the programme's staff, never on a
public page; no address of the sender is stored (the spam limit counts hashes in the rate
limiter's store).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.extensions import db
from workflow.models.document import Document
from workflow.models.path import Path
from workflow.models.types import UTCDateTime, utcnow
from workflow.models.user import User

NOT_CLOSED = "closed_at IS NULL"
COMMENT_MAX = 5000  # characters of a comment and of an answer (also a CHECK)
NAME_MAX = 120
EMAIL_MAX = 254


class PublicConsultation(db.Model):
    __tablename__ = "public_consultation"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="period_ordered"),
        CheckConstraint("closed_by_id IS NULL OR closed_at IS NOT NULL", name="closed_by_when_closed"),
        # One consultation under way per stage of a path, in the database.
        Index("uq_public_consultation_one_per_stage", "path_id", "stage", unique=True,
              sqlite_where=db.text(NOT_CLOSED), postgresql_where=db.text(NOT_CLOSED)),
        # The public list: what is not closed, by its period.
        Index("ix_public_consultation_period", "closed_at", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    path_id: Mapped[int] = mapped_column(ForeignKey("path.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(40))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    path: Mapped[Path] = relationship()
    document: Mapped[Document] = relationship()
    opened_by: Mapped[User | None] = relationship(foreign_keys=[opened_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])

    def is_open(self, now: datetime) -> bool:
        """Comments are taken now: not closed, and within its period."""
        return self.closed_at is None and self.starts_at <= now < self.ends_at


class ConsultationComment(db.Model):
    __tablename__ = "consultation_comment"
    __table_args__ = (
        UniqueConstraint("consultation_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint(f"length(body) >= 1 AND length(body) <= {COMMENT_MAX}", name="body_length"),
        CheckConstraint(f"answer IS NULL OR (length(answer) >= 1 AND length(answer) <= {COMMENT_MAX})",
                        name="answer_length"),
        CheckConstraint("(answer IS NULL) = (answered_at IS NULL)", name="answered_when_answer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("public_consultation.id", ondelete="CASCADE"))
    # 1, 2, 3 … within its consultation: how the report and the answers refer to it.
    number: Mapped[int] = mapped_column()
    body: Mapped[str] = mapped_column(Text)
    author_name: Mapped[str | None] = mapped_column(String(NAME_MAX))
    author_email: Mapped[str | None] = mapped_column(String(EMAIL_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    consultation: Mapped[PublicConsultation] = relationship()
    answered_by: Mapped[User | None] = relationship()

"""Documents a town uploads for a stage, advisors' sign-offs of them, the approvals of a
partnership's members, and the checks that the upload store and the rows agree."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.extensions import db
from workflow.models.path import Path
from workflow.models.types import UTCDateTime, str_enum, utcnow
from workflow.models.user import User


class Document(db.Model):
    """One uploaded file. The bytes live in the upload store under `content_hash`."""

    __tablename__ = "document"
    __table_args__ = (
        Index("ix_document_path_stage", "path_id", "stage"),
        CheckConstraint("size_bytes > 0", name="size_positive"),
        CheckConstraint("length(content_hash) = 64", name="sha256_hex"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    path_id: Mapped[int] = mapped_column(ForeignKey("path.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(40))
    original_name: Mapped[str] = mapped_column(String(255))
    content_hash: Mapped[str] = mapped_column(String(64))
    mime_type: Mapped[str] = mapped_column(String(120))
    size_bytes: Mapped[int] = mapped_column()
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Comma-separated warnings found when the file was checked on upload (e.g. "pdf_javascript"):
    # the file is kept, and everyone who may see it is warned before opening it.
    flags: Mapped[str] = mapped_column(String(200), default="", server_default="")

    path: Mapped[Path] = relationship()
    uploaded_by: Mapped[User | None] = relationship()


class StageSignoff(db.Model):
    """An advisor's sign-off of one document version of a stage."""

    __tablename__ = "stage_signoff"
    __table_args__ = (UniqueConstraint("document_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    path_id: Mapped[int] = mapped_column(ForeignKey("path.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(40))
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"))
    advisor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    advisor: Mapped[User] = relationship()


class DocumentApproval(db.Model):
    """One member municipality's approval of one version of a stage's document.

    The applicant's members (a partnership's municipalities) each approve the version the
    leader is to submit (the guard all_parties_approved). An approval is of a version: a
    newer upload has none, so a new version clears the approvals. The municipality is a
    member of the applicant (the composite foreign key), approved once per version.
    """

    __tablename__ = "document_approval"
    __table_args__ = (
        UniqueConstraint("document_id", "municipality_id"),
        ForeignKeyConstraint(["applicant_id", "municipality_id"],
                             ["applicant_member.applicant_id", "applicant_member.municipality_id"],
                             ondelete="CASCADE"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"))
    path_id: Mapped[int] = mapped_column(ForeignKey("path.id", ondelete="CASCADE"), index=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicant.id", ondelete="CASCADE"))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    approved_by: Mapped[User | None] = relationship()


class CheckSource(enum.StrEnum):
    """Who ran a check of the upload store."""

    BEAT = "beat"  # the daily run
    COMMAND = "command"  # `flask documents check` by hand


class DocumentCheck(db.Model):
    """One run of `documents check` (by hand or by beat): when, what it found, whether the
    store and the rows agree afterwards. The coordinator's overview shows the latest."""

    __tablename__ = "document_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    source: Mapped[CheckSource] = mapped_column(str_enum(CheckSource, 20))
    repaired: Mapped[bool] = mapped_column(default=False)
    ok: Mapped[bool] = mapped_column()
    # What was found and done, by kind (workflow/path/store_check.py: COUNTS).
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

"""A prepared export: a large file written by a worker, with its progress.

The request that asks for it only writes this row and queues the task; the page polls the
row. The file lives under EXPORT_DIR (instance/exports/) and is named by the row's id, never by
anything the user typed.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from workflow.extensions import db
from workflow.models.types import UTCDateTime, str_enum, utcnow


class ExportKind(enum.StrEnum):
    """What the file holds and its format."""

    SERVICES_CSV = "services_csv"
    SERVICES_XLSX = "services_xlsx"


class ExportStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


EXPORT_STATUSES = tuple(s.value for s in ExportStatus)


class ExportJob(db.Model):
    __tablename__ = "export_job"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status_known"),
        CheckConstraint("progress_done >= 0 AND progress_total >= 0", name="progress_positive"),
        Index("ix_export_job_requester", "requested_by_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    kind: Mapped[ExportKind] = mapped_column(str_enum(ExportKind, 40))
    params: Mapped[str] = mapped_column(Text, default="{}")  # JSON: table, filters, locale
    status: Mapped[ExportStatus] = mapped_column(str_enum(ExportStatus, 10), default=ExportStatus.QUEUED)
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int] = mapped_column(default=0)
    file_name: Mapped[str] = mapped_column(String(200), default="")  # the name offered on download
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

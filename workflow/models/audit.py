"""The audit log: who did what, when, to which object. Append-only.

Rows are only ever inserted (workflow.audit.log.record, in the same transaction as
the change they describe). The application has no update or delete path for them, and on
a migrated database a trigger refuses UPDATE and DELETE (see migration 0009), so even a
mistaken query cannot rewrite history.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.extensions import db
from workflow.models.types import UTCDateTime, utcnow
from workflow.models.user import User


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_object", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # The actor stays readable after the account is deleted: actor_label keeps the e-mail
    # the person had at the time, the foreign key only links to the live account.
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    actor_label: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[int | None] = mapped_column()
    programme_id: Mapped[int | None] = mapped_column(
        ForeignKey("programme.id", ondelete="SET NULL"), index=True)
    ip: Mapped[str] = mapped_column(String(45), default="")
    # JSON text: the few facts that make the event readable (state names, counts, file name).
    detail: Mapped[str] = mapped_column(Text, default="")

    actor: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<AuditEvent {self.action} {self.object_type}:{self.object_id}>"

"""What each person wants to be told, and how a programme words its messages.

Both tables hold only exceptions to a default: a person without a preference row gets
every kind on both channels, and a programme without a template row uses the built-in
texts of workflow.messaging.notifications. So a new kind of message needs no data
migration, and "reset to default" is deleting a row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workflow.extensions import db
from workflow.models.types import UTCDateTime, utcnow


class NotificationPreference(db.Model):
    """One person's choice for one kind of message: e-mail and/or the in-app inbox."""

    __tablename__ = "notification_preference"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    email: Mapped[bool] = mapped_column(default=True)
    inbox: Mapped[bool] = mapped_column(default=True)


class NotificationTemplate(db.Model):
    """A programme's own wording of one kind of message in one language."""

    __tablename__ = "notification_template"
    __table_args__ = (
        UniqueConstraint("programme_id", "kind", "locale"),
        CheckConstraint("locale IN ('pl', 'en')", name="locale_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    locale: Mapped[str] = mapped_column(String(5))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

"""The notification outbox: a row written in the same transaction as the change that
caused it, delivered only after that transaction committed; and the reminder claims that
make a sweep's reminders unique."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.extensions import db
from workflow.models.types import UTCDateTime, str_enum, utcnow
from workflow.models.user import User


class NotificationStatus(enum.StrEnum):
    """Where the message's email stands (see Notification)."""

    PENDING = "pending"
    SENDING = "sending"  # handed to the SMTP server (DATA under way); the outcome not yet recorded
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


class ReminderKind(enum.StrEnum):
    DEADLINE = "deadline"  # a town's stage deadline; the subject is a path
    SHEET = "sheet"  # an evaluator's sheet; the subject is an evaluator assignment


class Notification(db.Model):
    """One message to one person: an inbox item and/or an email.

    `status` is the email's: 'pending' (to be sent; `next_attempt_at` says when, NULL means
    now), 'sending' (committed right before the SMTP DATA command, at `sending_at`: the
    server may have the message, and until `claimed_until` nobody sends it again), 'sent',
    'failed' (after the last try; `error` says why) or 'skipped' (the person switched this
    kind's email off). `inbox` says whether the message shows in the in-app inbox. A worker
    that is sending the row holds it until `claimed_until` (its lease); a worker killed
    mid-send loses the claim when that moment passes, and a 'sending' row whose lease ran
    out is sent again. `message_id` is derived from `id`, so a receiving server (or a
    person) can tell that rare duplicate from a second message (docs/decisions/0022).
    """

    __tablename__ = "notification"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed', 'skipped')", name="status_known"),
        CheckConstraint("attempts >= 0", name="attempts_positive"),
        Index("ix_notification_status", "status", "created_at"),
        Index("ix_notification_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                              index=True)
    programme_id: Mapped[int | None] = mapped_column(
        ForeignKey("programme.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(500), default="", server_default="")
    inbox: Mapped[bool] = mapped_column(default=True, server_default=true())
    status: Mapped[NotificationStatus] = mapped_column(str_enum(NotificationStatus, 10),
                                                       default=NotificationStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sending_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    message_id: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    recipient: Mapped[User] = relationship()


class ReminderClaim(db.Model):
    """A reminder that has been queued, by its unique key.

    The sweep inserts a claim and queues the reminder only if the insert went in (INSERT …
    ON CONFLICT DO NOTHING), in one transaction: two sweeps at once, or a sweep run twice,
    cannot both queue the same reminder. `subject_id` is a path's id for a deadline
    reminder and an evaluator assignment's id for a sheet reminder.
    """

    __tablename__ = "reminder_claim"
    __table_args__ = (
        UniqueConstraint("kind", "subject_id", "due_at", "offset_days"),
        CheckConstraint("kind IN ('deadline', 'sheet')", name="kind_known"),
        Index("ix_reminder_claim_due_at", "due_at"),  # the sweep reads the claims still ahead
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ReminderKind] = mapped_column(str_enum(ReminderKind, 10))
    subject_id: Mapped[int] = mapped_column()
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    offset_days: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

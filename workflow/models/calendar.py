"""A town's calendar feed: a secret URL with its deadlines, for Outlook or Google Calendar.

Only the SHA-256 of the secret token is kept, so a copy of the database (a backup, a
leaked dump) does not let anyone read a town's calendar. A new feed revokes the previous
one; revoked rows stay, so a coordinator can see when a link stopped working and why.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.extensions import db
from workflow.models.applicant import Applicant
from workflow.models.types import UTCDateTime, utcnow

ACTIVE = "revoked_at IS NULL"


class CalendarFeed(db.Model):
    __tablename__ = "calendar_feed"
    __table_args__ = (
        # At most one working link per applicant, enforced by the database.
        Index("uq_calendar_feed_one_active", "applicant_id", unique=True,
              sqlite_where=db.text(ACTIVE), postgresql_where=db.text(ACTIVE)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicant.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # hex SHA-256 of the token
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    applicant: Mapped[Applicant] = relationship()

"""The in-app inbox: a person's own notifications, newest first, and what is unread.

Every function takes the person and filters by recipient in the query itself, so a
notification of someone else cannot be read or marked: it is answered as not found
(404), as everywhere else in Ścieżka. The coordinator's view of the outbox (what is
pending, sent, failed) is at the end: it reads the same rows across everyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from flask import abort
from sqlalchemy import ColumnElement, ScalarSelect, and_, case, func, select, update
from sqlalchemy.orm import joinedload

from workflow.extensions import db
from workflow.messaging import notifications
from workflow.models import Notification, NotificationStatus, User
from workflow.models.types import utcnow

PER_PAGE = 20
FAILED_SHOWN = 200
RECENT_SHOWN = 50


def _own(user: User) -> ColumnElement[bool]:
    """The person's inbox: their rows, except kinds they asked to get by e-mail only."""
    return _own_of(user.id)


def _own_of(recipient: Any) -> ColumnElement[bool]:
    return and_(Notification.recipient_id == recipient, Notification.inbox.is_(True))


def unread_count(user: User) -> int:
    """One COUNT query: the number on the bell."""
    return db.session.scalar(
        select(func.count(Notification.id)).where(_own(user), Notification.read_at.is_(None))
    ) or 0


@cache
def unread_count_column() -> ScalarSelect[int]:
    """The same COUNT as a column of the query that loads a person (correlated with User.id):
    the user loader reads the bell's number with the user, in one statement. Built once (an
    expression is immutable), not on every request."""
    return (select(func.count(Notification.id)).where(_own_of(User.id), Notification.read_at.is_(None))
            .correlate(User).scalar_subquery())


@dataclass(frozen=True)
class Page:
    rows: list[Notification]
    number: int
    total: int
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def page(user: User, number: int = 1, per_page: int = PER_PAGE) -> Page:
    """One page of the person's notifications, newest first (two queries)."""
    total = db.session.scalar(select(func.count(Notification.id)).where(_own(user))) or 0
    number = min(max(1, number), max(1, -(-total // per_page)))
    rows = list(db.session.scalars(
        select(Notification).where(_own(user))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .offset((number - 1) * per_page).limit(per_page)
    ))
    return Page(rows, number, total, per_page)


def get_own_or_404(user: User, notification_id: int) -> Notification:
    row = db.session.scalar(
        select(Notification).where(Notification.id == notification_id, _own(user))
    )
    if row is None:
        abort(404)
    return row


def mark_read(user: User, notification_id: int) -> Notification:
    """Mark one of the person's notifications read (reading it twice keeps the first time)."""
    row = get_own_or_404(user, notification_id)
    if row.read_at is None:
        row.read_at = utcnow()
        db.session.commit()
    return row


def mark_all_read(user: User) -> int:
    """Mark every unread notification of the person read, in one UPDATE; how many."""
    result = db.session.execute(
        update(Notification).where(_own(user), Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
    return result.rowcount or 0


# --- the coordinator's view of the outbox -----------------------------------------------------------

STATUSES = tuple(NotificationStatus)
LOGGED = "logged"  # sent without a mail server: written to the log only


def logged_only(notification: Notification) -> bool:
    """'Sent' without a mail server: written to the log only (no Message-ID, see mail.py)."""
    return notification.status == NotificationStatus.SENT and not notification.message_id


def status_counts() -> dict[str, int]:
    """How many rows are in each status, and 'logged' apart from 'sent' (one GROUP BY);
    every known status is present."""
    counts = dict.fromkeys((*STATUSES, LOGGED), 0)
    logged = and_(Notification.status == NotificationStatus.SENT, Notification.message_id == "")
    bucket = case((logged, LOGGED), else_=Notification.status)
    for status, n in db.session.execute(select(bucket, func.count(Notification.id)).group_by(bucket)):
        counts[status] = n
    return counts


def _with_recipients(limit: int, *where: ColumnElement[bool]) -> list[Notification]:
    return list(db.session.scalars(
        select(Notification).options(joinedload(Notification.recipient)).where(*where)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
    ))


def failed(limit: int = FAILED_SHOWN) -> list[Notification]:
    """The failed messages, newest first, with their recipients (one query)."""
    return _with_recipients(limit, Notification.status == NotificationStatus.FAILED)


def recent(limit: int = RECENT_SHOWN) -> list[Notification]:
    """The latest messages of any status: without a mail server this is where a
    coordinator reads what would have been sent."""
    return _with_recipients(limit)


def retry(notification_id: int) -> Notification:
    """Put a failed message back in the queue and ask the worker to deliver it; 404
    unless it exists and has failed.

    The attempts already made stay counted (the outbox keeps the true history), so the
    message gets one more try before it is marked failed again.
    """
    row = db.session.scalar(
        select(Notification).where(Notification.id == notification_id,
                                   Notification.status == NotificationStatus.FAILED)
    )
    if row is None:
        abort(404)
    row.status, row.next_attempt_at, row.claimed_until = NotificationStatus.PENDING, None, None
    db.session.commit()
    notifications.dispatch(force=True)
    return row

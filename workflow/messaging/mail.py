"""Delivery of the outbox: claim one pending row, send it over SMTP, mark it.

Each row is claimed in a short transaction of its own (on PostgreSQL `SELECT … FOR UPDATE
SKIP LOCKED`, then a compare-and-set UPDATE on every database) that sets `claimed_until`,
a lease: a worker killed mid-send loses its claim when the lease runs out, and another
worker sends the row again. The SMTP timeout is half the lease, so a live worker always
finishes (or gives up) before its lease ends.

A failed send counts an attempt, records the error and waits `NOTIFICATION_BACKOFF_S * 2^n`
(capped at six hours) before the next try; after `NOTIFICATION_MAX_ATTEMPTS` tries the row
is 'failed' and shown to the coordinator with its error. Without MAIL_SERVER a message is
written to the log and marked sent without a Message-ID (the outbox shows it as "written to
the log", not as sent).

Guarantee: at least once, with duplicates limited to one narrow window (the SMTP server
accepted the message, then the worker died before its UPDATE committed). The Message-ID is
derived from the notification's id, so such a duplicate is recognisable.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from flask import current_app
from sqlalchemy import or_, select, update

from workflow.extensions import db
from workflow.models import Notification, NotificationStatus, User
from workflow.models.types import utcnow

log = logging.getLogger("sciezka.mail")

MAX_BACKOFF = timedelta(hours=6)


def _setting(name: str, default: int) -> int:
    return int(current_app.config.get(name) or default)


def message_id(notification_id: int) -> str:
    sender = current_app.config.get("MAIL_FROM") or ""
    domain = sender.rpartition("@")[2].strip("> ") or "sciezka.local"
    return f"<notification-{notification_id}@{domain}>"


def backoff(attempts: int) -> timedelta:
    base = _setting("NOTIFICATION_BACKOFF_S", 60)
    return min(timedelta(seconds=base * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def claim_one(now: datetime | None = None) -> int | None:
    """Take the oldest due pending row for this worker (one short transaction)."""
    now = now or utcnow()
    lease = timedelta(seconds=_setting("NOTIFICATION_LEASE_S", 300))
    due = (Notification.status == NotificationStatus.PENDING,
           or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now),
           or_(Notification.claimed_until.is_(None), Notification.claimed_until < now))
    for _ in range(20):  # another worker may win a row between our SELECT and UPDATE
        query = select(Notification.id).where(*due).order_by(Notification.id).limit(1)
        if db.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        row_id = db.session.scalar(query)
        if row_id is None:
            db.session.commit()
            return None
        taken = db.session.execute(
            update(Notification).where(Notification.id == row_id, *due)
            .values(claimed_until=now + lease, attempts=Notification.attempts + 1)
            .execution_options(synchronize_session=False)).rowcount
        db.session.commit()
        if taken:
            return row_id
    return None


class Transport:
    """One SMTP connection, opened when the first message needs it and reused."""

    def __init__(self) -> None:
        config = current_app.config
        self.server = config.get("MAIL_SERVER") or ""
        self.port = int(config.get("MAIL_PORT") or 25)
        self.tls = bool(config.get("MAIL_USE_TLS"))
        self.username = config.get("MAIL_USERNAME") or ""
        self.password = config.get("MAIL_PASSWORD") or ""
        self.sender = config.get("MAIL_FROM") or "sciezka@localhost"
        self.timeout = max(_setting("NOTIFICATION_LEASE_S", 300) / 2, 1)
        self.smtp: smtplib.SMTP | None = None

    def send(self, msg: EmailMessage) -> None:
        if self.smtp is None:
            smtp = smtplib.SMTP(self.server, self.port, timeout=self.timeout)
            if self.tls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password)
            self.smtp = smtp
        try:
            self.smtp.send_message(msg)
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except Exception:  # noqa: BLE001  (closing a broken connection)
                log.debug("closing the SMTP connection failed", exc_info=True)
            self.smtp = None


def build(row: Notification, recipient: User, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = formataddr((recipient.name, recipient.email))
    msg["Subject"] = row.subject
    msg["Message-ID"] = message_id(row.id)
    msg["Date"] = format_datetime(row.created_at)
    msg["X-Sciezka-Kind"] = row.kind
    msg.set_content(row.body)
    return msg


def deliver_one(row_id: int, transport: Transport) -> bool:
    """Send a claimed row and record the outcome; True if it was sent."""
    row = db.session.get(Notification, row_id)
    recipient = db.session.get(User, row.recipient_id) if row else None
    if row is None or recipient is None:
        db.session.rollback()
        return False
    # Without a mail server nothing leaves: the message is written to the log, and the row
    # keeps no Message-ID, which is how the outbox tells "written to the log" from "sent".
    mid = message_id(row.id) if transport.server else ""
    try:
        if transport.server:
            transport.send(build(row, recipient, transport.sender))
        else:
            log.info("notification %s %s to %s: %s", row.id, row.kind, recipient.email, row.subject)
    except (smtplib.SMTPException, OSError) as exc:
        return _failed(row, f"{type(exc).__name__}: {exc}")
    row.status, row.sent_at, row.message_id = NotificationStatus.SENT, utcnow(), mid
    row.claimed_until, row.error = None, ""
    db.session.commit()
    return True


def _failed(row: Notification, error: str) -> bool:
    now = utcnow()
    row.error = error[:2000]
    row.claimed_until = None
    if row.attempts >= _setting("NOTIFICATION_MAX_ATTEMPTS", 8):
        row.status = NotificationStatus.FAILED
        log.error("notification %s failed for good after %s tries: %s", row.id, row.attempts, error)
    else:
        row.next_attempt_at = now + backoff(row.attempts)
        log.warning("notification %s not sent (try %s): %s", row.id, row.attempts, error)
    db.session.commit()
    return False


def deliver_pending(limit: int | None = None) -> int:
    """Deliver due pending rows one by one until none is left (or `limit` were tried).
    Returns how many were tried (sent or failed)."""
    transport = Transport()
    tried = 0
    try:
        while limit is None or tried < limit:
            row_id = claim_one()
            if row_id is None:
                break
            tried += 1
            deliver_one(row_id, transport)
    finally:
        transport.close()
    return tried

"""Delivery of the outbox: claim one due row, send it over SMTP, mark it.

Each row is claimed in a short transaction of its own (on PostgreSQL `SELECT … FOR UPDATE
SKIP LOCKED`, then a compare-and-set UPDATE on every database) that sets `claimed_until`,
a lease: a worker killed mid-send loses its claim when the lease runs out, and another
worker sends the row again. The SMTP timeout is half the lease, so a live worker always
finishes (or gives up) before its lease ends.

The send itself is split around the one step that cannot be undone. The envelope goes
first (MAIL FROM, RCPT TO); then, in a second short committed transaction, the row becomes
'sending' with a fresh lease (`mark_sending`, a compare-and-set on the claim, so a worker
whose claim was taken over sends nothing); only then the SMTP DATA command. A "250" makes
the row 'sent'. A refusal, or any failure before DATA, means the server holds nothing: the
row goes back to 'pending' and waits `NOTIFICATION_BACKOFF_S * 2^n` (capped at six hours);
after `NOTIFICATION_MAX_ATTEMPTS` tries it is 'failed' and shown to the coordinator with its
error. A connection lost during or after DATA is the one unknowable case: the server may
have stored the message. The row stays 'sending', nobody sends it again within its lease,
and after the lease it is sent again with the same Message-ID. Without MAIL_SERVER a
message is written to the log and marked sent without a Message-ID (the outbox shows it
as "written to the log", not as sent).

Guarantee: at least once, with duplicates only when the mail server's reply is lost
(the server stored the message, and the worker died or lost the connection or the
database before recording it), and then carrying the same Message-ID
(docs/decisions/0022).
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, getaddresses

from flask import current_app
from sqlalchemy import and_, or_, select, update

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


def lease() -> timedelta:
    return timedelta(seconds=_setting("NOTIFICATION_LEASE_S", 300))


def _due(now: datetime) -> tuple:
    """A row a worker may take: pending, due and unclaimed (or its claim ran out), or
    'sending' with its lease run out (the server's answer was never recorded)."""
    return (or_(
        and_(Notification.status == NotificationStatus.PENDING,
             or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now),
             or_(Notification.claimed_until.is_(None), Notification.claimed_until < now)),
        and_(Notification.status == NotificationStatus.SENDING, Notification.claimed_until < now)),)


def claim_one(now: datetime | None = None) -> tuple[int, datetime] | None:
    """Take the oldest due row for this worker (one short transaction): its id and the
    claim (the lease's end, which `mark_sending` checks is still ours)."""
    now = now or utcnow()
    until = now + lease()
    due = _due(now)
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
            .values(claimed_until=until, attempts=Notification.attempts + 1)
            .execution_options(synchronize_session=False)).rowcount
        db.session.commit()
        if taken:
            return row_id, until
    return None


def mark_sending(row_id: int, claim: datetime) -> datetime | None:
    """Right before DATA, in its own short committed transaction: the row is 'sending',
    since now, and held for a whole lease from now; returns that new claim. None (and
    nothing is to be sent) when the claim is no longer this worker's: it ran out and
    another worker took the row."""
    now = utcnow()
    until = now + lease()
    taken = db.session.execute(
        update(Notification)
        .where(Notification.id == row_id, Notification.claimed_until == claim,
               Notification.status.in_((NotificationStatus.PENDING, NotificationStatus.SENDING)))
        .values(status=NotificationStatus.SENDING, sending_at=now, claimed_until=until)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return until if taken else None


class Unconfirmed(Exception):  # noqa: N818  (a state of a message, not a bug)
    """The connection failed during or after DATA: the server may have the message."""


class NotSent(Exception):  # noqa: N818
    """This worker's claim was gone before DATA: it sent nothing and records nothing."""


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

    def _connection(self) -> smtplib.SMTP:
        if self.smtp is None:
            smtp = smtplib.SMTP(self.server, self.port, timeout=self.timeout)
            if self.tls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password)
            self.smtp = smtp
        return self.smtp

    def send(self, msg: EmailMessage, before_data: Callable[[], bool] = lambda: True) -> None:
        """Send `msg` as smtplib's send_message does, calling `before_data()` between the
        envelope (MAIL FROM, RCPT TO) and DATA. Raises NotSent if it returns False (the
        transaction is reset: the server keeps nothing), Unconfirmed if the connection
        breaks during or after DATA, and smtplib's errors for anything refused."""
        try:
            smtp = self._connection()
            smtp.ehlo_or_helo_if_needed()
            sender = getaddresses([msg["From"]])[0][1]
            recipients = [address for _name, address in getaddresses(msg.get_all("To", []))]
            international = not all(a.isascii() for a in (sender, *recipients))
            options: list[str] = []
            if international:
                if not smtp.has_extn("smtputf8"):
                    raise smtplib.SMTPNotSupportedError("the server does not accept UTF-8 addresses")
                options = ["SMTPUTF8", "BODY=8BITMIME"]
            content = msg.as_bytes(policy=msg.policy.clone(utf8=international))
            code, reply = smtp.mail(sender, options)
            if code != 250:
                raise smtplib.SMTPSenderRefused(code, reply, sender)
            for address in recipients:
                code, reply = smtp.rcpt(address)
                if code not in (250, 251):
                    raise smtplib.SMTPRecipientsRefused({address: (code, reply)})
            if not before_data():
                try:
                    smtp.rset()
                finally:
                    raise NotSent  # noqa: B012  (whatever RSET did, nothing was sent)
        except Exception:
            self.close()
            raise
        try:
            code, reply = smtp.data(content)
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self.close()
            raise Unconfirmed(f"{type(exc).__name__}: {exc}") from exc
        except Exception:
            self.close()
            raise
        if code != 250:  # the server answered, and refused: it keeps nothing
            self.close()
            raise smtplib.SMTPDataError(code, reply)

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


def deliver_one(row_id: int, transport: Transport, claim: datetime | None = None) -> bool:
    """Send a claimed row and record the outcome; True if it was sent. `claim` is what
    claim_one returned with the id (without it, the row's current claim is taken as ours).
    Every outcome is written only while the claim is still this worker's."""
    row = db.session.get(Notification, row_id)
    recipient = db.session.get(User, row.recipient_id) if row else None
    if row is None or recipient is None:
        db.session.rollback()
        return False
    held = [claim if claim is not None else row.claimed_until]
    msg = build(row, recipient, transport.sender)
    db.session.commit()  # end the read: nothing is held open while the server is talked to

    def before_data() -> bool:
        renewed = mark_sending(row_id, held[0])
        if renewed is None:
            return False
        held[0] = renewed
        return True

    try:
        if transport.server:
            transport.send(msg, before_data=before_data)
        else:
            if not before_data():
                raise NotSent
            log.info("notification %s %s to %s: %s", row_id, msg["X-Sciezka-Kind"], recipient.email,
                     msg["Subject"])
    except NotSent:
        log.warning("notification %s: its claim ran out before DATA; another worker has it", row_id)
        return False
    except Unconfirmed as exc:
        return _record(row_id, held[0], str(exc), unconfirmed=True)
    except (smtplib.SMTPException, OSError) as exc:
        return _record(row_id, held[0], f"{type(exc).__name__}: {exc}", unconfirmed=False)
    # Without a mail server nothing left: the row keeps no Message-ID, which is how the
    # outbox tells "written to the log" from "sent".
    return _record(row_id, held[0], "", unconfirmed=False, sent=True, logged_only=not transport.server)


def _record(row_id: int, claim: datetime | None, error: str, *, unconfirmed: bool,
            sent: bool = False, logged_only: bool = False) -> bool:
    """Write the outcome of one try, if the claim is still ours (compare-and-set).

    - sent: 'sent', with the Message-ID and the time;
    - refused, or failed before DATA (the server holds nothing): back to 'pending' after
      the backoff;
    - unconfirmed (the connection broke during or after DATA): stays 'sending' until its
      lease runs out, then goes again with the same Message-ID.
    After NOTIFICATION_MAX_ATTEMPTS tries a message not sent is 'failed'."""
    db.session.rollback()
    attempts = db.session.scalar(select(Notification.attempts).where(Notification.id == row_id)) or 0
    last = attempts >= _setting("NOTIFICATION_MAX_ATTEMPTS", 8)
    now = utcnow()
    error = f"unconfirmed: {error}" if unconfirmed else error
    values: dict = {"error": error[:2000]}
    ours = [Notification.claimed_until == claim]
    if sent:  # the truth, whoever holds the row now
        values |= {"status": NotificationStatus.SENT, "sent_at": now,
                   "message_id": "" if logged_only else message_id(row_id),
                   "claimed_until": None}
        ours = []
    elif last:
        values |= {"status": NotificationStatus.FAILED, "claimed_until": None}
    elif not unconfirmed:  # (unconfirmed: the lease stays, so not again before it ends)
        values |= {"status": NotificationStatus.PENDING, "claimed_until": None,
                   "next_attempt_at": now + backoff(attempts)}
    done = db.session.execute(
        update(Notification).where(Notification.id == row_id, *ours)
        .values(**values).execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    if sent:
        return True
    if not done:
        log.warning("notification %s: claim lost before its outcome was recorded (%s)", row_id, error)
    elif last:
        log.error("notification %s failed for good after %s tries: %s", row_id, attempts, error)
    else:
        log.warning("notification %s %s (try %s): %s", row_id,
                    "sent again after its lease" if unconfirmed else "not sent", attempts, error)
    return False


def deliver_pending(limit: int | None = None) -> int:
    """Deliver due pending rows one by one until none is left (or `limit` were tried).
    Returns how many were tried (sent or failed)."""
    transport = Transport()
    tried = 0
    try:
        while limit is None or tried < limit:
            claimed = claim_one()
            if claimed is None:
                break
            tried += 1
            deliver_one(claimed[0], transport, claimed[1])
    finally:
        transport.close()
    return tried

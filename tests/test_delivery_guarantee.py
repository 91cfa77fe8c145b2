"""The delivery guarantee, stated exactly (docs/decisions/0022): at least once, with
duplicates only when the mail server's reply is lost, carrying the same Message-ID.

Against a real SMTP server (aiosmtpd, tests/support/smtp.py) and the real outbox code:
- a normal send arrives exactly once, and the row is 'sending' (committed) while DATA runs;
- a server that stores a message and drops the connection before answering: the message
  stays 'sending', is never sent again within its lease, and after the lease is sent again,
  once, with the same Message-ID;
- a server that refuses DATA keeps nothing: the row goes back to 'pending' with a backoff;
- a worker whose claim ran out before DATA (another worker took the row) sends nothing.
"""

from __future__ import annotations

import time
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask
from sqlalchemy import select
from support.smtp import SmtpCapture

from workflow.extensions import db
from workflow.messaging import mail, notifications
from workflow.messaging.texts import Kind
from workflow.models import Notification
from workflow.models.types import utcnow

LEASE_S = 2


def queue_resets(world, n: int) -> list[int]:  # noqa: ANN001
    users = list(world.users.values())[:n]
    rows = [notifications.queue(u, Kind.PASSWORD_RESET, link=f"https://x.example/r/{u.id}") for u in users]
    db.session.commit()
    return [r.id for r in rows]


def rows() -> list[Notification]:
    db.session.expire_all()
    found = list(db.session.scalars(select(Notification).order_by(Notification.id)))
    db.session.commit()
    return found


def message_ids(ids: list[int]) -> dict[str, int]:
    return {f"<notification-{i}@example.pl>": 1 for i in ids}


def test_a_normal_send_arrives_once_and_is_sending_while_data_runs(app: Flask, world, mail_to: SmtpCapture):
    ids = queue_resets(world, 4)
    engine = db.engine
    seen: list[tuple[str, bool]] = []

    def look(envelope: object) -> None:  # in the server, while the client waits for "250"
        with engine.connect() as conn:  # another connection: sees only what was committed
            status, since = conn.execute(sa.text(
                "SELECT status, sending_at FROM notification WHERE status <> 'pending' "
                "AND status <> 'sent'")).one()
        seen.append((status, since is not None))

    mail_to.handler.on_data = look
    assert mail.deliver_pending() == 4
    assert mail.deliver_pending() == 0
    assert mail_to.count_by_message_id() == message_ids(ids)
    assert seen == [("sending", True)] * 4
    assert {(r.status, r.attempts, r.error, r.claimed_until) for r in rows()} == {("sent", 1, "", None)}


def test_a_lost_reply_is_sent_again_once_after_the_lease_never_within_it(app: Flask, world, login,
                                                                        mail_to: SmtpCapture):
    app.config["NOTIFICATION_LEASE_S"] = LEASE_S
    [first, second] = queue_resets(world, 2)
    mail_to.handler.drop_after_storing = 1  # the first message is stored; its "250" is lost
    started = utcnow()
    assert mail.deliver_pending() == 2
    assert mail_to.count_by_message_id() == message_ids([first, second])
    lost, fine = rows()
    assert (lost.status, lost.attempts) == ("sending", 1)
    assert lost.error.startswith("unconfirmed: SMTPServerDisconnected")
    assert started <= lost.sending_at and lost.claimed_until == lost.sending_at + timedelta(seconds=LEASE_S)
    assert fine.status == "sent"
    page = login("coordinator@example.pl").get("/coordinator/outbox").get_data(as_text=True)
    assert "wysyłana (czeka na potwierdzenie)" in page

    # Within the lease: however often a worker looks, nothing goes again.
    while utcnow() < lost.claimed_until - timedelta(seconds=0.3):
        assert mail.deliver_pending() == 0
        time.sleep(0.1)
    assert len(mail_to.received) == 2

    # After the lease: sent again, once, with the same Message-ID.
    time.sleep(max((lost.claimed_until - utcnow()).total_seconds(), 0) + 0.1)
    assert mail.deliver_pending() == 1
    assert mail.deliver_pending() == 0
    counts = mail_to.count_by_message_id()
    assert counts == {f"<notification-{first}@example.pl>": 2, f"<notification-{second}@example.pl>": 1}
    again = rows()[0]
    assert (again.status, again.attempts, again.error, again.claimed_until) == ("sent", 2, "", None)
    assert again.message_id == f"<notification-{first}@example.pl>"


def test_a_refused_message_is_kept_nowhere_and_waits_for_its_backoff(app: Flask, world, mail_to: SmtpCapture):
    [one] = queue_resets(world, 1)
    mail_to.handler.refuse_data = "554 5.6.0 refused for this test"
    before = utcnow()
    assert mail.deliver_pending() == 1
    [row] = rows()
    assert (row.status, row.attempts, row.claimed_until) == ("pending", 1, None)
    assert row.error.startswith("SMTPDataError: (554")
    assert row.next_attempt_at > before + timedelta(seconds=59)
    assert mail_to.received == []
    mail_to.handler.refuse_data = ""
    assert mail.deliver_pending() == 0  # not before its time
    row.next_attempt_at = utcnow()
    db.session.commit()
    assert mail.deliver_pending() == 1
    assert mail_to.count_by_message_id() == message_ids([one])


def test_a_worker_whose_claim_ran_out_before_data_sends_nothing(app: Flask, world, mail_to: SmtpCapture):
    [one] = queue_resets(world, 1)
    slow = mail.claim_one()  # a worker that stalls before DATA…
    assert slow is not None
    later = utcnow() + timedelta(seconds=301)
    fast = mail.claim_one(now=later)  # …past its lease: another worker takes the row
    assert fast is not None and fast[0] == slow[0] and fast[1] != slow[1]
    transport = mail.Transport()
    try:
        assert not mail.deliver_one(*slow[:1], transport, slow[1])  # the envelope goes, then RSET
        assert mail_to.received == []
        assert rows()[0].status == "pending"  # untouched by the stalled worker
        assert mail.deliver_one(fast[0], transport, fast[1])
    finally:
        transport.close()
    assert mail_to.count_by_message_id() == message_ids([one])
    assert rows()[0].status == "sent"

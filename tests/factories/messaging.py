"""Notifications queued the way the application queues them."""

from __future__ import annotations

from factories.path import World
from workflow.extensions import db
from workflow.messaging import notifications
from workflow.messaging.texts import Kind
from workflow.models import Notification


def tell(world: World, user_key: str, town: str = "Ostrzeszów", **extra) -> Notification:
    """A notification queued the way the application queues them, and committed."""
    row = notifications.queue(world.users[user_key], Kind.ADVISOR_ASSIGNED,
                              programme=world.programme, town=town, role="doradca prowadzący",
                              **extra)
    db.session.commit()
    return row


def failed_row(world: World) -> Notification:
    """A notification to advisor A whose delivery failed eight times."""
    row = tell(world, "advisor_a")
    row.status, row.attempts = "failed", 8
    row.error = "SMTPServerDisconnected: Connection unexpectedly closed"
    db.session.commit()
    return row

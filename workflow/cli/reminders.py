"""`flask reminders send-due [--now ISO-TIME]`: the beat's reminder sweep, run by hand.

    flask --app wsgi reminders send-due --now 2027-03-08T23:59+01:00

Prints how many reminders it queued (and how many messages: a town's reminder goes to
each of its members). Running it twice queues nothing the second time. Delivery follows
through the worker (or in-process without REDIS_URL).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import click

from workflow.messaging import notifications, reminders


class Moment(click.ParamType):
    """An ISO 8601 time; one without a zone is read as UTC."""

    name = "ISO-TIME"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            self.fail(f"to nie jest czas ISO 8601 / not an ISO 8601 time: {value!r}", param, ctx)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@click.group("reminders", help="Przypomnienia o terminach / deadline reminders.")
def reminders_cli() -> None:
    pass


@reminders_cli.command("send-due")
@click.option("--now", "now", type=Moment(), default=None,
              help="Udawana chwila przeglądu (ISO 8601) / the sweep's moment.")
def send_due(now: datetime | None) -> None:
    """Queue the reminders due now (or at --now) and hand them to delivery."""
    swept = reminders.sweep_detail(now)
    notifications.dispatch(force=swept.messages > 0)
    # Plain bilingual text, like the other commands: there is no request to pick a language.
    click.echo(f"Zakolejkowano przypomnień / reminders queued: {swept.reminders} "
               f"(wiadomości / messages: {swept.messages})")

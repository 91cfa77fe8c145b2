"""`flask privacy …`: personal data's retention, by hand.

    flask --app wsgi privacy programme-end RL-2020 2027-06-30   # the day the programme ended
    flask --app wsgi privacy programme-end RL-2020 --clear      # not ended after all
    flask --app wsgi privacy retention [--now ISO-TIME]         # the beat's daily sweep, now

`retention` prints what it deleted and pseudonymised (docs/personal-data.md); running it twice
changes nothing the second time.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime

import click
from sqlalchemy import select

from workflow.cli.reminders import Moment
from workflow.extensions import db
from workflow.models import Programme
from workflow.privacy import retention


@click.group("privacy", help="Dane osobowe: okresy przechowywania / personal data retention.")
def privacy_cli() -> None:
    pass


@privacy_cli.command("programme-end")
@click.argument("code")
@click.argument("day", required=False, type=click.DateTime(formats=["%Y-%m-%d"]))
@click.option("--clear", is_flag=True, help="The programme has not ended (no date).")
def programme_end(code: str, day: datetime | None, clear: bool) -> None:
    """Set the day programme CODE ended; its participants are pseudonymised
    PARTICIPANTS_ARCHIVE_YEARS after it."""
    programme = db.session.scalar(select(Programme).where(Programme.code == code))
    if programme is None:
        raise click.ClickException(f"nie ma programu / no programme {code!r}")
    if day is None and not clear:
        raise click.ClickException("podaj datę RRRR-MM-DD albo --clear / give a YYYY-MM-DD date or --clear")
    ends_on: date | None = None if clear or day is None else day.date()
    programme.ends_on = ends_on
    db.session.commit()
    click.echo(f"{code}: {ends_on.isoformat() if ends_on else '-'}")


@privacy_cli.command("retention")
@click.option("--now", type=Moment(), default=None, help="Pretend it is this moment (ISO 8601).")
def retention_now(now: datetime | None) -> None:
    """Run the retention sweep once and print what it did."""
    swept = retention.sweep(now)
    for key, value in asdict(swept).items():
        click.echo(f"{key}: {value}")

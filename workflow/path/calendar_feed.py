"""A town's calendar feed: the secret link's life (create, revoke, look up) and the
iCalendar document it serves.

The token is shown once, when it is made, and only its SHA-256 is stored: the feed is
found by the hash of the token presented, an index lookup whose time does not depend on
how much of a guessed token is right. A town has at most one working link (a partial
unique index); making a new one revokes the old one in the same transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from icalendar import Alarm, Calendar, Event
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from workflow.extensions import db
from workflow.models import Applicant, CalendarFeed, Path, User
from workflow.models.types import utcnow
from workflow.path.deadlines import effective_deadlines
from workflow.path.transitions import definition_of

PRODID = "-//Ścieżka//Terminy etapów//PL"
TOKEN_BYTES = 32  # 256 bits: not guessable, so the URL alone is the key


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def active_feed(applicant_id: int) -> CalendarFeed | None:
    return db.session.scalar(
        select(CalendarFeed).where(CalendarFeed.applicant_id == applicant_id,
                                   CalendarFeed.revoked_at.is_(None)))


def create(applicant: Applicant, user: User) -> tuple[CalendarFeed, str]:
    """A new link for `applicant`, revoking the one in use. Returns the feed and its token,
    which is not kept anywhere and cannot be shown again. Two people asking at once: the
    partial unique index refuses the second insert, which then revokes the first's link."""
    try:
        return _create(applicant, user)
    except IntegrityError:
        db.session.rollback()
        return _create(applicant, user)


def _create(applicant: Applicant, user: User) -> tuple[CalendarFeed, str]:
    now = utcnow()
    previous = active_feed(applicant.id)
    if previous is not None:
        previous.revoked_at = now
        previous.revoked_by_id = user.id
        db.session.flush()  # the old row leaves the partial unique index first
    token = secrets.token_urlsafe(TOKEN_BYTES)
    feed = CalendarFeed(applicant_id=applicant.id, token_hash=token_hash(token),
                        created_by_id=user.id, created_at=now)
    db.session.add(feed)
    db.session.commit()
    return feed, token


def revoke(feed: CalendarFeed, user: User) -> None:
    if feed.revoked_at is None:
        feed.revoked_at = utcnow()
        feed.revoked_by_id = user.id
        db.session.commit()


def lookup(token: str) -> CalendarFeed | None:
    """The working feed of `token`, or None (unknown, revoked, or not a token at all)."""
    if not token or len(token) > 200:
        return None
    wanted = token_hash(token)
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == wanted))
    if feed is None or feed.revoked_at is not None or not hmac.compare_digest(feed.token_hash, wanted):
        return None
    return feed


def event_uid(path: Path, stage: str) -> str:
    """Stable for (path, stage), so a moved deadline updates the event instead of adding one."""
    return f"sciezka-path-{path.id}-{stage}@sciezka"


def ical(applicant: Applicant, now: datetime | None = None) -> bytes:
    """The applicant's deadlines as iCalendar: one event per stage deadline of each path,
    at the effective moment (a town's extension replaces the programme's deadline), in
    UTC, with a reminder a day before. Polish text: the feed has no reader's language."""
    stamp = (now or utcnow()).astimezone(UTC)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"Ścieżka — {applicant.name}")
    calendar.add("x-wr-caldesc", f"Terminy etapów: {applicant.name}")
    paths = db.session.scalars(select(Path).where(Path.applicant_id == applicant.id).order_by(Path.id))
    for path in paths:
        definition = definition_of(path)
        stages = {s.code: s for s in definition.stages}
        deadlines = effective_deadlines(path)
        for code in sorted(deadlines, key=lambda c: (deadlines[c].due_at, c)):
            if code not in stages:
                continue  # a deadline of another path definition's stage
            deadline = deadlines[code]
            summary = f"Termin: {stages[code].label.pl} — {applicant.name}"
            description = f"{path.programme.title_pl} ({path.programme.code})"
            if deadline.extended and deadline.programme_due_at is not None:
                description += "\nTermin przedłużony dla miasta."
            event = Event()
            event.add("uid", event_uid(path, code))
            event.add("dtstamp", stamp)
            event.add("dtstart", deadline.due_at.astimezone(UTC))
            event.add("summary", summary)
            event.add("description", description)
            event.add("transp", "TRANSPARENT")
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", summary)
            alarm.add("trigger", timedelta(days=-1))
            event.add_component(alarm)
            calendar.add_component(event)
    return calendar.to_ical()

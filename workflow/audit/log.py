"""Recording who did what: one append-only AuditEvent per action that matters.

`record` only adds the row to the current session; the caller's transaction commits it
together with the change it describes, so an action that rolls back leaves no event and an
event never describes something that did not happen.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import has_request_context, request
from sqlalchemy import ColumnElement, select

from workflow import keyset
from workflow.extensions import db
from workflow.models.audit import AuditEvent
from workflow.models.user import User
from workflow.web import listing


def record(action: str, *, actor: User | None = None, object_type: str = "",
           object_id: int | None = None, programme_id: int | None = None,
           detail: dict | None = None, ip: str | None = None) -> AuditEvent:
    """Add one audit event to the session (committed by the caller's transaction)."""
    if ip is None and has_request_context():
        ip = request.remote_addr or ""
    event = AuditEvent(
        action=action[:60],
        actor_id=actor.id if actor is not None else None,
        actor_label=(actor.email if actor is not None else "")[:254],
        object_type=object_type[:40],
        object_id=object_id,
        programme_id=programme_id,
        ip=(ip or "")[:45],
        detail=json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str) if detail else "",
    )
    if actor is not None and actor.id is None:  # not flushed yet: link by relationship
        event.actor = actor
    db.session.add(event)
    return event


def record_export(actor: User, report: str, fmt: str, programme_id: int | None, **detail: Any) -> None:
    """Record that `actor` exported `report` as `fmt` (with the request's query), and commit,
    before the file is sent: an export that fails to be recorded is not sent."""
    query = request.query_string.decode()[:500] if has_request_context() else ""
    record("export", actor=actor, object_type="report", programme_id=programme_id,
           detail={"report": report, "format": fmt, "query": query, **detail})
    db.session.commit()


def detail_of(event: AuditEvent) -> dict[str, Any]:
    """The event's detail as a dict ({} when empty or unreadable)."""
    if not event.detail:
        return {}
    try:
        value = json.loads(event.detail)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


# --- reading the log (the coordinator's audit page) ---------------------------------------------

@dataclass(frozen=True)
class Filters:
    """What the coordinator narrows the log to; None means any. Days are local days in
    `timezone`, both ends included."""

    action: str | None = None
    actor: str | None = None  # part of the e-mail the actor had at the time
    date_from: date | None = None
    date_to: date | None = None
    object_type: str | None = None
    object_id: int | None = None
    timezone: str = "Europe/Warsaw"


def _local_midnight(day: date, tz: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(tz))


def _where(filters: Filters) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if filters.action:
        clauses.append(AuditEvent.action == filters.action)
    if filters.actor:
        escaped = filters.actor.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        clauses.append(AuditEvent.actor_label.ilike(f"%{escaped}%", escape="\\"))
    if filters.date_from:
        clauses.append(AuditEvent.created_at >= _local_midnight(filters.date_from, filters.timezone))
    if filters.date_to:
        end = _local_midnight(filters.date_to + timedelta(days=1), filters.timezone)
        clauses.append(AuditEvent.created_at < end)
    if filters.object_type:
        clauses.append(AuditEvent.object_type == filters.object_type)
    if filters.object_id is not None:
        clauses.append(AuditEvent.object_id == filters.object_id)
    return clauses


EVENTS = listing.Spec(
    columns=(
        listing.Column("when", AuditEvent.created_at, first=listing.DESC),
        listing.Column("actor", AuditEvent.actor_label),
        listing.Column("action", AuditEvent.action),
        listing.Column("object", AuditEvent.object_type),
        listing.Column("ip", AuditEvent.ip),
    ),
    default="when", default_dir=listing.DESC,
    search=(AuditEvent.actor_label, AuditEvent.ip, AuditEvent.detail), size=50, tiebreak=AuditEvent.id,
)


def page(filters: Filters, params: listing.Params,
         keep: dict[str, str] | None = None) -> listing.Page[AuditEvent]:
    """One page of the filtered log (EVENTS; newest first unless sorted otherwise): two
    queries, whatever the page."""
    return listing.paged(select(AuditEvent).where(*_where(filters)), EVENTS, params, keep=keep)


def rows(filters: Filters, size: int = keyset.PAGE_SIZE) -> Iterator[AuditEvent]:
    """Every event of the filtered log, newest first, read in keyset pages (for the CSV
    export, which reads them while the body is sent: no cursor outlives a page)."""
    query = select(AuditEvent).where(*_where(filters))
    for (event,) in keyset.pages(query, [AuditEvent.created_at, AuditEvent.id],
                                 lambda row: (row[0].created_at, row[0].id), descending=True, size=size):
        yield event


def actions_in_log() -> list[str]:
    """The actions that occur in the log (for the filter's choices)."""
    return list(db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))

"""A service's revisions: the snapshot a correction keeps and the history of what each changed;
split from consultations.py so the log's history reads on its own."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from workflow.extensions import db
from workflow.models import ExpertiseField, Person, Service, ServiceRevision


def snapshot(service: Service) -> dict[str, Any]:
    """Every value of a service, as JSON: what a revision keeps."""
    return {
        "kind": service.kind,
        "held_on": service.held_on.isoformat(),
        "duration_minutes": service.duration_minutes,
        "field_id": service.field_id,
        "topic": service.topic,
        "format": service.format,
        "status": service.status,
        "version": service.version,
        "logged_at": service.logged_at.isoformat() if service.logged_at else None,
        "participant_ids": sorted(p.id for p in service.participants),
        "studies": [{"title": s.title, "kind": s.kind} for s in service.studies],
    }


# --- history ------------------------------------------------------------------------------------

@dataclass
class Change:
    key: str
    before: Any
    after: Any


@dataclass
class RevisionView:
    revision: ServiceRevision
    changes: list[Change] = field(default_factory=list)


TRACKED = ("kind", "held_on", "duration_minutes", "field_id", "topic", "format", "participant_ids",
           "studies")


def history(service: Service) -> tuple[list[RevisionView], dict[int, Person], dict[int, ExpertiseField]]:
    """The corrections of a service, newest first, each with what it changed; and the people
    and fields the changes name. A fixed number of queries, whatever the history's length."""
    revisions = list(db.session.scalars(
        select(ServiceRevision).where(ServiceRevision.service_id == service.id)
        .options(joinedload(ServiceRevision.revised_by)).order_by(ServiceRevision.id)))
    states = [r.before for r in revisions] + [snapshot(service)]
    views = []
    for i, revision in enumerate(revisions):
        before, after = states[i], states[i + 1]
        views.append(RevisionView(revision, [Change(k, before.get(k), after.get(k))
                                             for k in TRACKED if before.get(k) != after.get(k)]))
    ids = {pid for s in states for pid in s.get("participant_ids", [])}
    people = ({p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(ids)))}
              if revisions and ids else {})
    fields = ({f.id: f for f in db.session.scalars(select(ExpertiseField))} if revisions else {})
    return list(reversed(views)), people, fields

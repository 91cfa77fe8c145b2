"""A person's data, found and gathered on their request (GDPR art. 15 and 20).

A *subject* is one record the coordinator picked (an account or a participant of services)
together with every account and participant record carrying the same e-mail address: an
address names one person, and a request is answered for all that is held about them.
`data()` gathers it as plain JSON-ready values, which the page shows and the download
writes: the same dictionary, so the page and the file never disagree. A fixed number of
queries whatever the person's history (one per kind of record, with IN lists).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, or_, select
from sqlalchemy.orm import joinedload

from workflow.extensions import db
from workflow.models import (
    AdvisorAssignment,
    AdvisorProfile,
    Appeal,
    Applicant,
    AuditEvent,
    Document,
    EvaluatorAssignment,
    EvaluatorProfile,
    ExpertiseField,
    LoginAttempt,
    Notification,
    Path,
    PathTransition,
    Person,
    Programme,
    ScoreSheet,
    Service,
    User,
    service_participant,
)
from workflow.models.types import utcnow

KINDS = ("account", "participant")
FOUND_MAX = 50  # matches listed per kind; a longer list asks for a narrower search


@dataclass(frozen=True)
class Match:
    kind: str  # 'account' or 'participant'
    id: int
    name: str
    email: str
    town: str
    role: str
    pseudonymised: bool


def normalized(text: str) -> str:
    return " ".join("".join(ch for ch in text if ch.isprintable()).split())


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def find(text: str) -> tuple[list[Match], list[Match]]:
    """Accounts and participants whose e-mail is `text` (when it has an @) or whose name or
    e-mail contains it, case-insensitively; at most FOUND_MAX of each. Two queries."""
    text = normalized(text)
    if not text:
        return [], []

    def where(name: ColumnElement[str], email: ColumnElement[str | None]) -> ColumnElement[bool]:
        if "@" in text:
            return func.lower(email) == text.lower()
        return or_(func.lower(name).like(_like(text), escape="\\"),
                   func.lower(email).like(_like(text), escape="\\"))

    accounts = db.session.execute(
        select(User, Applicant.name).outerjoin(Applicant, Applicant.id == User.applicant_id)
        .where(where(User.name, User.email)).order_by(func.lower(User.name), User.id).limit(FOUND_MAX))
    people = db.session.execute(
        select(Person, Applicant.name).join(Applicant, Applicant.id == Person.applicant_id)
        .where(where(Person.name, Person.email)).order_by(func.lower(Person.name), Person.id)
        .limit(FOUND_MAX))
    return ([Match("account", u.id, u.name, u.email, town or "", str(u.role), u.pseudonymised_at is not None)
             for u, town in accounts],
            [Match("participant", p.id, p.name, p.email or "", town, "", p.pseudonymised_at is not None)
             for p, town in people])


# --- the subject ---------------------------------------------------------------------------------

@dataclass
class Subject:
    """The picked record and every record with its e-mail address."""

    kind: str
    id: int
    email: str | None
    accounts: list[User]
    participants: list[Person]

    @property
    def label(self) -> str:
        first = next((a for a in self.accounts if a.id == self.id), None) if self.kind == "account" else \
            next((p for p in self.participants if p.id == self.id), None)
        return first.name if first is not None else ""

    @property
    def erased(self) -> bool:
        """Every record already pseudonymised: nothing left to erase."""
        rows: list[Any] = [*self.accounts, *self.participants]
        return all(r.pseudonymised_at is not None for r in rows)


def subject(kind: str, record_id: int) -> Subject | None:
    """The subject of the record `kind` #`record_id`, or None when there is no such record.
    Three queries."""
    if kind not in KINDS:
        return None
    primary: User | Person | None = db.session.get(User if kind == "account" else Person, record_id)
    if primary is None:
        return None
    email = (primary.email or "").strip().lower() or None
    same_user = func.lower(User.email) == email if email else false()
    same_person = func.lower(Person.email) == email if email else false()
    user_id = record_id if kind == "account" else None
    person_id = record_id if kind == "participant" else None
    accounts = list(db.session.scalars(
        select(User).options(joinedload(User.applicant))
        .where(or_(User.id == user_id, same_user)).order_by(User.id)))
    participants = list(db.session.scalars(
        select(Person).options(joinedload(Person.applicant))
        .where(or_(Person.id == person_id, same_person)).order_by(Person.id)))
    return Subject(kind, record_id, email, accounts, participants)


# --- what is held ----------------------------------------------------------------------------------

def _value(v: Any) -> Any:
    if isinstance(v, datetime | date):
        return v.isoformat()
    if isinstance(v, Enum):
        return v.value
    return v


def _row(**values: Any) -> dict[str, Any]:
    return {k: _value(v) for k, v in values.items()}


def _grouped(pairs: Iterable[tuple[int, dict[str, Any]]]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for key, row in pairs:
        out[key].append(row)
    return out


def _in_town(query: Select[Any], path_id: ColumnElement[int]) -> Select[Any]:
    """`query` joined to the path `path_id` and its town (Applicant)."""
    return query.join(Path, Path.id == path_id).join(Applicant, Applicant.id == Path.applicant_id)


def data(found: Subject, now: datetime | None = None) -> dict[str, Any]:
    """Everything held about the subject, as JSON-ready values (see the module's docstring)."""
    return {
        "generated_at": _value(now or utcnow()),
        "email": found.email,
        "accounts": _accounts(found.accounts),
        "participants": _participants(found.participants),
    }


def _accounts(accounts: list[User]) -> list[dict[str, Any]]:
    ids = [a.id for a in accounts]
    emails = [a.email.lower() for a in accounts]
    attempts = _grouped(
        (a.user_id or 0, _row(at=a.created_at, email=a.email, ip=a.ip, success=a.success, reason=a.reason))
        for a in db.session.scalars(select(LoginAttempt).where(or_(
            LoginAttempt.user_id.in_(ids), func.lower(LoginAttempt.email).in_(emails)))
            .order_by(LoginAttempt.created_at.desc(), LoginAttempt.id.desc())))
    by_email = {a.email.lower(): a.id for a in accounts}
    for row in attempts.pop(0, []):  # attempts with the address, made while no account matched
        attempts[by_email.get(str(row["email"]).lower(), ids[0] if ids else 0)].append(row)
    notifications = _grouped(
        (n.recipient_id, _row(created_at=n.created_at, kind=n.kind, subject=n.subject, body=n.body,
                              status=n.status, sent_at=n.sent_at, read_at=n.read_at))
        for n in db.session.scalars(select(Notification).where(Notification.recipient_id.in_(ids))
                                    .order_by(Notification.created_at.desc(), Notification.id.desc())))
    profiles = {p.user_id: _row(region=p.region, capacity=p.capacity, available=p.available, note=p.note,
                                fields=", ".join(f.name_pl for f in p.fields))
                for p in db.session.scalars(select(AdvisorProfile).options(joinedload(AdvisorProfile.fields))
                                            .where(AdvisorProfile.user_id.in_(ids))).unique()}
    advised = _grouped(
        (a.advisor_id, _row(town=town, programme=code, kind=a.kind, field=field or "", since=a.created_at))
        for a, town, code, field in db.session.execute(
            _in_town(select(AdvisorAssignment, Applicant.name, Programme.code, ExpertiseField.name_pl),
                     AdvisorAssignment.path_id)
            .join(Programme, Programme.id == Path.programme_id)
            .outerjoin(ExpertiseField, ExpertiseField.id == AdvisorAssignment.field_id)
            .where(AdvisorAssignment.advisor_id.in_(ids)).order_by(AdvisorAssignment.id)))
    delivered = _grouped(
        (s.advisor_id, _row(held_on=s.held_on, town=town, kind=s.kind, topic=s.topic,
                            duration_minutes=s.duration_minutes, status=s.status))
        for s, town in db.session.execute(
            _in_town(select(Service, Applicant.name), Service.path_id)
            .where(Service.advisor_id.in_(ids)).order_by(Service.held_on, Service.id)))
    evaluator = {p.user_id: _row(municipality=p.municipality_name)
                 for p in db.session.scalars(
                     select(EvaluatorProfile).where(EvaluatorProfile.user_id.in_(ids)))}
    declarations = _grouped(
        (a.evaluator_id, _row(town=town, programme=code, round=a.round, declaration=a.declaration or "",
                              conflict_type=a.conflict_type or "", conflict_note=a.conflict_note,
                              declared_at=a.declared_at, sheet=sheet_status or "", submitted_at=submitted))
        for a, town, code, sheet_status, submitted in db.session.execute(
            _in_town(select(EvaluatorAssignment, Applicant.name, Programme.code, ScoreSheet.status,
                            ScoreSheet.submitted_at), EvaluatorAssignment.path_id)
            .join(Programme, Programme.id == Path.programme_id)
            .outerjoin(ScoreSheet, ScoreSheet.assignment_id == EvaluatorAssignment.id)
            .where(EvaluatorAssignment.evaluator_id.in_(ids)).order_by(EvaluatorAssignment.id)))
    documents = _grouped(
        (d.uploaded_by_id or 0,
         _row(uploaded_at=d.uploaded_at, town=town, stage=d.stage, file=d.original_name))
        for d, town in db.session.execute(
            _in_town(select(Document, Applicant.name), Document.path_id)
            .where(Document.uploaded_by_id.in_(ids)).order_by(Document.uploaded_at, Document.id)))
    moves = _grouped(
        (t.actor_id or 0, _row(at=t.created_at, town=town, event=t.event, from_state=t.from_state,
                               to_state=t.to_state, comment=t.comment))
        for t, town in db.session.execute(
            _in_town(select(PathTransition, Applicant.name), PathTransition.path_id)
            .where(PathTransition.actor_id.in_(ids)).order_by(PathTransition.created_at, PathTransition.id)))
    appeals = _grouped(
        (a.filed_by_id or 0,
         _row(filed_at=a.filed_at, town=town, status=a.status, justification=a.justification))
        for a, town in db.session.execute(
            _in_town(select(Appeal, Applicant.name), Appeal.path_id)
            .where(Appeal.filed_by_id.in_(ids)).order_by(Appeal.filed_at, Appeal.id)))
    events = _grouped(
        (e.actor_id or 0, _row(at=e.created_at, action=e.action, object_type=e.object_type,
                               object_id=e.object_id, ip=e.ip))
        for e in db.session.scalars(select(AuditEvent).where(AuditEvent.actor_id.in_(ids))
                                    .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())))
    return [{
        "account": _row(id=a.id, email=a.email, name=a.name, role=a.role,
                        town=a.applicant.name if a.applicant is not None else "", language=a.locale,
                        active=a.active, created_at=a.created_at, password_changed_at=a.password_changed_at,
                        two_factor_since=a.totp_enabled_at, pseudonymised_at=a.pseudonymised_at),
        "advisor_profile": profiles.get(a.id),
        "evaluator_profile": evaluator.get(a.id),
        "login_attempts": attempts.get(a.id, []),
        "notifications": notifications.get(a.id, []),
        "advisor_assignments": advised.get(a.id, []),
        "services_delivered": delivered.get(a.id, []),
        "declarations": declarations.get(a.id, []),
        "documents_uploaded": documents.get(a.id, []),
        "transitions": moves.get(a.id, []),
        "appeals_filed": appeals.get(a.id, []),
        "audit_events": events.get(a.id, []),
    } for a in accounts]


def _participants(people: list[Person]) -> list[dict[str, Any]]:
    ids = [p.id for p in people]
    attended = _grouped(
        (person_id, _row(held_on=s.held_on, town=town, programme=code, kind=s.kind, topic=s.topic,
                         duration_minutes=s.duration_minutes, status=s.status))
        for person_id, s, town, code in db.session.execute(
            _in_town(select(service_participant.c.person_id, Service, Applicant.name, Programme.code)
                     .join(Service, Service.id == service_participant.c.service_id), Service.path_id)
            .join(Programme, Programme.id == Path.programme_id)
            .where(service_participant.c.person_id.in_(ids)).order_by(Service.held_on, Service.id)))
    return [{
        "participant": _row(id=p.id, name=p.name, institution=p.institution, email=p.email or "",
                            town=p.applicant.name, created_at=p.created_at,
                            pseudonymised_at=p.pseudonymised_at),
        "services": attended.get(p.id, []),
    } for p in people]

"""The consultation log: advisors record the services they delivered to their towns.

A service is first a draft (seen only by its author, counted nowhere), then logged. A
logged service may be corrected by its author for `Programme.service_edit_days` days after
it was logged, and by a coordinator at any time; every correction appends a
ServiceRevision holding the full previous values, so the log's history is never rewritten.

Participants are Person rows of the town (the path's applicant): picked by id, or typed as
new lines that reuse an existing person when the e-mail, or the name and institution, match
(ignoring case and spacing), so that someone at ten workshops is one person in the reports.

Messages (lazy gettext) are keyed by the form field they belong to.

This module holds the edit-window rules and the writing. The rest of the log lives beside it:
consultation_terms (labels, messages, errors, the form's input), consultation_queries (who
sees what, lists), consultation_people (matching participants), consultation_input (reading
the form) and consultation_history (revisions); callers import each name from its module.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from workflow.advice.consultation_history import snapshot
from workflow.advice.consultation_input import apply_input, clean_input
from workflow.advice.consultation_terms import (
    CONFLICT,
    LOGGED_NOT_DELETED,
    NOT_DRAFT,
    NOT_LOGGED,
    REASON_MAX,
    STALE,
    TOKEN_USED,
    FieldErrors,
    ServiceInput,
    ServiceInvalid,
    ServiceNotFound,
    ServiceRefused,
    window_closed,
)
from workflow.audit import log as audit
from workflow.extensions import db
from workflow.models import Path, Role, Service, ServiceRevision, ServiceStatus, User
from workflow.models.types import utcnow
from workflow.path import access
from workflow.refusal import _l

# --- the edit window ----------------------------------------------------------------------------

def correction_ends(service: Service) -> datetime | None:
    if service.logged_at is None:
        return None
    return service.logged_at + timedelta(days=service.path.programme.service_edit_days)


def is_author(user: User, service: Service) -> bool:
    return user.role == Role.ADVISOR and service.advisor_id == user.id


def may_correct(user: User, service: Service, now: datetime | None = None) -> bool:
    if service.status != ServiceStatus.LOGGED:
        return False
    if user.role == Role.COORDINATOR:
        return True
    ends = correction_ends(service)
    return is_author(user, service) and ends is not None and (now or utcnow()) < ends



def _require_advisor_of(actor: User, path: Path) -> None:
    """The actor is an advisor assigned to the path, as the city advisor or a field expert."""
    if actor.role != Role.ADVISOR or db.session.scalar(
            access.visible_paths(actor).where(Path.id == path.id).with_only_columns(Path.id)) is None:
        raise ServiceNotFound(path.id)


def _check_version(service: Service, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != service.version:
        raise ServiceRefused(STALE, 409)


def _commit() -> None:
    try:
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise ServiceRefused(STALE, 409) from exc
    except IntegrityError as exc:
        db.session.rollback()
        raise ServiceRefused(CONFLICT, 409) from exc


# --- writing ------------------------------------------------------------------------------------

def by_token(actor: User, client_token: str | None) -> Service | None:
    if not client_token:
        return None
    found = db.session.scalar(select(Service).where(Service.client_token == client_token))
    if found is not None and found.advisor_id != actor.id:
        raise ServiceRefused(TOKEN_USED, 409)
    return found


def create(path: Path, actor: User, data: ServiceInput, *, log: bool, client_token: str | None = None,
           now: datetime | None = None) -> tuple[Service, bool]:
    """A new draft or logged service; (service, created). The same `client_token` sent
    again (a double click, a refreshed POST) returns the service it created the first time."""
    now = now or utcnow()
    _require_advisor_of(actor, path)
    existing = by_token(actor, client_token)
    if existing is not None:
        return existing, False
    errors = FieldErrors()
    clean = clean_input(path, data, actor, errors, logging=log, current=None, now=now)
    if clean is None:
        raise ServiceInvalid(errors)
    service = Service(path_id=path.id, advisor_id=actor.id, client_token=client_token or None,
                      status=ServiceStatus.LOGGED if log else ServiceStatus.DRAFT,
                      logged_at=now if log else None, created_at=now)
    apply_input(service, clean, now)
    db.session.add(service)
    try:
        db.session.flush()
        audit.record("service_logged" if log else "service_draft", actor=actor, object_type="service",
                     object_id=service.id, programme_id=path.programme_id,
                     detail={"path_id": path.id, "kind": service.kind, "held_on": service.held_on})
        db.session.commit()
    except IntegrityError as exc:  # the same token committed by a concurrent request
        db.session.rollback()
        existing = by_token(actor, client_token)
        if existing is not None:
            return existing, False
        raise ServiceRefused(CONFLICT, 409) from exc
    return service, True


def update_draft(service: Service, actor: User, data: ServiceInput, *, log: bool,
                 expected_version: int | None, now: datetime | None = None) -> Service:
    """Change a draft (its author only), and log it if `log`."""
    now = now or utcnow()
    if not is_author(actor, service):
        raise ServiceNotFound(service.id)
    _require_advisor_of(actor, service.path)
    if service.status != ServiceStatus.DRAFT:
        raise ServiceRefused(NOT_DRAFT, 409)
    _check_version(service, expected_version)
    errors = FieldErrors()
    clean = clean_input(service.path, data, actor, errors, logging=log, current=service, now=now)
    if clean is None:
        raise ServiceInvalid(errors)
    apply_input(service, clean, now)
    if log:
        service.status, service.logged_at = ServiceStatus.LOGGED, now
        audit.record("service_logged", actor=actor, object_type="service", object_id=service.id,
                     programme_id=service.path.programme_id,
                     detail={"path_id": service.path_id, "kind": service.kind, "held_on": service.held_on})
    _commit()
    return service


def correct(service: Service, actor: User, data: ServiceInput, *, reason: str,
            expected_version: int | None, now: datetime | None = None) -> ServiceRevision:
    """Correct a logged service, keeping its previous values in a ServiceRevision.

    The author may do it while the edit window is open; a coordinator at any time.
    """
    now = now or utcnow()
    if actor.role == Role.COORDINATOR:
        pass
    elif is_author(actor, service):
        _require_advisor_of(actor, service.path)
    else:
        raise ServiceNotFound(service.id)
    if service.status != ServiceStatus.LOGGED:
        raise ServiceRefused(NOT_LOGGED, 409)
    if not may_correct(actor, service, now):
        raise ServiceRefused(window_closed(service.path.programme.service_edit_days), 403)
    _check_version(service, expected_version)
    errors = FieldErrors()
    reason = (reason or "").strip()
    if not reason:
        errors.add("reason", _l("Podaj powód poprawki."))
    elif len(reason) > REASON_MAX:
        errors.add("reason", _l("Powód może mieć najwyżej %(max)d znaków.", max=REASON_MAX))
    clean = clean_input(service.path, data, actor, errors, logging=True, current=service, now=now)
    if clean is None:
        raise ServiceInvalid(errors)
    revision = ServiceRevision(service_id=service.id, revised_by_id=actor.id, revised_at=now,
                               before=snapshot(service), reason=reason)
    db.session.add(revision)
    apply_input(service, clean, now)
    audit.record("service_corrected", actor=actor, object_type="service", object_id=service.id,
                 programme_id=service.path.programme_id,
                 detail={"path_id": service.path_id, "reason": reason})
    _commit()
    return revision


def delete_draft(service: Service, actor: User, expected_version: int | None = None) -> None:
    if not is_author(actor, service):
        raise ServiceNotFound(service.id)
    if service.status != ServiceStatus.DRAFT:
        raise ServiceRefused(LOGGED_NOT_DELETED, 409)
    _check_version(service, expected_version)
    db.session.delete(service)
    _commit()


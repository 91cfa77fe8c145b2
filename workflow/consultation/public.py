"""The public side of a consultation: what is open now, and comments from anyone.

A consultation is read publicly only while it is open (`find_open`): one that has not
started, has ended or was closed answers exactly as one that does not exist. A comment form
carries no id but the open consultation's in its URL; a comment keeps its text and, only if
the person gave them, a name and an e-mail address (never the sender's address: the limit
per address counts a hash of it in the rate limiter's store).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import request
from sqlalchemy import ColumnElement, Select, and_, func, not_, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

import states
from workflow.accounts.security import Throttle
from workflow.consultation.operations import (
    BAD_EMAIL,
    NAME_TOO_LONG,
    NO_COMMENT,
    NUMBER_TRIES,
    TOO_LONG_TEXT,
    ConsultationNotFound,
    ConsultationRefused,
)
from workflow.extensions import db
from workflow.models import Applicant, ConsultationComment, Document, Path, Programme, PublicConsultation
from workflow.models.consultation import COMMENT_MAX, EMAIL_MAX, NAME_MAX
from workflow.models.types import MAX_ROW_ID, utcnow
from workflow.refusal import Message


def _public() -> Select[tuple[PublicConsultation]]:
    return (select(PublicConsultation)
            .join(Path, Path.id == PublicConsultation.path_id)
            .join(Applicant, Applicant.id == Path.applicant_id)
            .join(Programme, Programme.id == Path.programme_id)
            .join(Document, Document.id == PublicConsultation.document_id)
            .options(contains_eager(PublicConsultation.path).contains_eager(Path.applicant),
                     contains_eager(PublicConsultation.path).contains_eager(Path.programme),
                     contains_eager(PublicConsultation.document)))


def _open_now(now: datetime) -> list[ColumnElement[bool]]:
    """Not closed, within its period, and, where the path's definition makes consultations a
    step of the path, the path not finished (a partnership withdrawn during its consultation
    takes the consultation off the public pages, even before anyone closes it). Elsewhere the
    consultation's own rows decide."""
    return [PublicConsultation.closed_at.is_(None), PublicConsultation.starts_at <= now,
            PublicConsultation.ends_at > now, _path_not_finished()]


def _path_not_finished() -> ColumnElement[bool]:
    """The path is in none of the final states of its definition, for the definitions with a
    consultation step (asked of each definition, no state named here)."""
    finished = [and_(Programme.path_code == code, Path.state.in_([s.code for s in d.states if s.final]))
                for code, d in states.REGISTRY.items() if any(d.in_consultation(s.code) for s in d.states)]
    return not_(or_(*finished)) if finished else true()


def find_open(consultation_id: int, now: datetime | None = None) -> PublicConsultation:
    """The consultation if it is open now; ConsultationNotFound (404) for one that is not,
    whether it never existed, has not started, has ended or was closed."""
    now = now or utcnow()
    if not 0 < consultation_id <= MAX_ROW_ID:
        raise ConsultationNotFound(consultation_id)
    found = db.session.scalar(_public().where(PublicConsultation.id == consultation_id, *_open_now(now)))
    if found is None:
        raise ConsultationNotFound(consultation_id)
    return found


def open_now(now: datetime | None = None) -> list[PublicConsultation]:
    """Every consultation open now, the soonest to end first (one query)."""
    now = now or utcnow()
    return list(db.session.scalars(_public().where(*_open_now(now)).order_by(
        PublicConsultation.ends_at, Applicant.name, PublicConsultation.id)))


@dataclass(frozen=True)
class CommentInput:
    body: str
    name: str = ""
    email: str = ""


def check_comment(data: CommentInput) -> CommentInput:
    """The comment as it will be kept (trimmed), or ConsultationRefused (400) with the fields'
    messages."""
    body, name, email = (data.body or "").strip(), (data.name or "").strip(), (data.email or "").strip()
    errors: dict[str, list[Message]] = {}
    if not body:
        errors["body"] = [NO_COMMENT]
    elif len(body) > COMMENT_MAX:
        errors["body"] = [TOO_LONG_TEXT]
    if len(name) > NAME_MAX:
        errors["name"] = [NAME_TOO_LONG]
    if email and (len(email) > EMAIL_MAX or not _looks_like_email(email)):
        errors["email"] = [BAD_EMAIL]
    if errors:
        raise ConsultationRefused(errors=errors, status=400)
    return CommentInput(body, name, email)


def _looks_like_email(value: str) -> bool:
    local, at, domain = value.rpartition("@")
    return bool(at and local and "." in domain.strip(".") and not any(c.isspace() for c in value))


def add_comment(consultation: PublicConsultation, data: CommentInput, *,
                now: datetime | None = None) -> ConsultationComment:
    """Keep a comment left on the public page of an open consultation (the caller found it
    with find_open). It gets the next number of the consultation; two comments at once both
    get theirs (the unique number is retried)."""
    now = now or utcnow()
    kept = check_comment(data)
    consultation_id = consultation.id
    for attempt in range(NUMBER_TRIES):
        number = (db.session.scalar(select(func.max(ConsultationComment.number)).where(
            ConsultationComment.consultation_id == consultation_id)) or 0) + 1
        comment = ConsultationComment(consultation_id=consultation_id, number=number, body=kept.body,
                                      author_name=kept.name or None, author_email=kept.email or None,
                                      created_at=now)
        db.session.add(comment)
        try:
            db.session.commit()
            return comment
        except IntegrityError:
            db.session.rollback()
            if attempt == NUMBER_TRIES - 1:
                raise
    raise AssertionError("unreachable")


def comment_throttle() -> Throttle:
    """The per-address limit of comments (COMMENT_LIMIT_PER_ADDRESS), counted in the rate
    limiter's store by a hash of the address: nothing of the sender is kept in the database."""
    address = (request.remote_addr or "")[:45]
    return Throttle("consultation-comment-address", "COMMENT_LIMIT_PER_ADDRESS", address)

"""Public consultations: publishing a stage's draft for a period, taking comments from anyone,
the applicant's answers, and closing it (docs/decisions/0031).

`open_consultation` and `close_consultation` are what a transition into or out of a
"public consultation" state calls (with `commit=False`, inside the transition's own
transaction); the team's pages call them too. Neither looks at the path's state: which
state publishes what is the path definition's business.

The public side reads a consultation only while it is open (`find_open`): a consultation
that has not started, has ended or was closed answers exactly as one that does not exist.
A comment form carries no id but the open consultation's in its URL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import request
from flask_babel import format_date
from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload

from states.label import Label
from workflow.accounts.security import Throttle
from workflow.audit import log as audit
from workflow.extensions import db
from workflow.models import (
    Applicant,
    ConsultationComment,
    Document,
    Path,
    Programme,
    PublicConsultation,
    User,
)
from workflow.models.consultation import COMMENT_MAX, EMAIL_MAX, NAME_MAX
from workflow.models.types import MAX_ROW_ID, utcnow
from workflow.path import access
from workflow.path.transitions import definition_of
from workflow.refusal import LazyText, Message, NotFound, Refused, _l, fill

MAX_DAYS = 180  # the longest period a consultation may run, in days
NUMBER_TRIES = 3  # a comment's number taken by a concurrent one: try the next, this many times

ALREADY = _l("Dokument tego etapu jest już wyłożony do konsultacji społecznych. Zamknij tamte "
             "konsultacje, zanim opublikujesz nowe.")
NOT_THIS_PATH = _l("Wybierz jeden z dokumentów tej ścieżki.")
START_PAST = _l("Konsultacje nie mogą zacząć się przed dzisiejszym dniem.")
END_BEFORE_START = _l("Ostatni dzień konsultacji nie może być wcześniejszy niż pierwszy.")
TOO_LONG = _l("Konsultacje mogą trwać najwyżej %(days)d dni.", days=MAX_DAYS)
CLOSED = _l("Te konsultacje są już zamknięte – raport nie może się zmienić.")
NOT_ENDED = _l("Konsultacje trwają do %(end)s. Zamknąć je można dopiero po tym dniu.")
UNANSWERED = _l("Nie wszystkie uwagi mają odpowiedź (bez odpowiedzi: %(count)d). Odpowiedz na każdą "
                "uwagę przed zamknięciem konsultacji.")
NO_COMMENT = _l("Wpisz treść uwagi.")
ANSWER_EMPTY = _l("Wpisz treść odpowiedzi.")
TOO_LONG_TEXT = _l("Tekst może mieć najwyżej %(max)d znaków.", max=COMMENT_MAX)
BAD_EMAIL = _l("To nie wygląda na adres e-mail (np. jan.kowalski@example.pl). Adres nie jest "
               "wymagany – możesz zostawić to pole puste.")
NAME_TOO_LONG = _l("Imię i nazwisko lub nazwa mogą mieć najwyżej %(max)d znaków.", max=NAME_MAX)


class ConsultationRefused(Refused):
    """A consultation that may not be opened, closed or answered as asked."""


class ConsultationNotFound(NotFound):
    """Not a consultation the user may see (or, publicly, not an open one)."""


# --- the period ------------------------------------------------------------------------------------

def local_midnight(day: date, tz: str) -> datetime:
    """The moment `day` begins in `tz`, in UTC."""
    return datetime.combine(day, time(0), ZoneInfo(tz)).astimezone(UTC)


def period(starts: date | datetime, ends: date | datetime, tz: str) -> tuple[datetime, datetime]:
    """(starts_at, ends_at) in UTC: a day is its whole day in `tz`, the last one included; a
    datetime (aware) is taken as the moment it is."""
    start = starts.astimezone(UTC) if isinstance(starts, datetime) else local_midnight(starts, tz)
    end = (ends.astimezone(UTC) if isinstance(ends, datetime)
           else local_midnight(ends + timedelta(days=1), tz))
    return start, end


def last_day(consultation: PublicConsultation, tz: str) -> date:
    """The last day comments are taken on, in `tz` (the period ends at the midnight after it)."""
    return (consultation.ends_at - timedelta(microseconds=1)).astimezone(ZoneInfo(tz)).date()


def first_day(consultation: PublicConsultation, tz: str) -> date:
    return consultation.starts_at.astimezone(ZoneInfo(tz)).date()


def long_date(day: date) -> LazyText:
    """`day` as the reader's language writes it in full ("31 stycznia 2027"), when shown."""
    return LazyText(lambda: format_date(day, "long"))


def check_period(starts: date | datetime, ends: date | datetime, tz: str, now: datetime) -> None:
    """Refuse (400, next to the field) a period that ends before it starts, starts before
    today, or runs longer than MAX_DAYS."""
    start, end = period(starts, ends, tz)
    today = local_midnight(now.astimezone(ZoneInfo(tz)).date(), tz)
    errors: dict[str, list[Message]] = {}
    if start < today:
        errors["starts"] = [START_PAST]
    if end <= start:
        errors["ends"] = [END_BEFORE_START]
    elif end - start > timedelta(days=MAX_DAYS, hours=1):  # a DST change adds an hour
        errors["ends"] = [TOO_LONG]
    if errors:
        raise ConsultationRefused(errors=errors, status=400)


# --- opening and closing ----------------------------------------------------------------------------

def open_consultation(path: Path, document: Document, starts: date | datetime, ends: date | datetime, *,
                      actor: User | None = None, now: datetime | None = None,
                      commit: bool = True) -> PublicConsultation:
    """Publish `document` (a version of one of `path`'s stages) for public comment from
    `starts` to `ends` (days in the programme's time zone, the last one included, or aware
    moments). Refused when the document is not the path's, the period is not one (see
    check_period), or the stage already has a consultation that is not closed.

    With `commit=False` the row is only added and flushed: the caller (a transition that
    publishes the draft) commits it with its own changes."""
    now = now or utcnow()
    if document.path_id != path.id:
        raise ConsultationRefused(errors={"document_id": [NOT_THIS_PATH]}, status=400)
    tz = path.programme.timezone
    check_period(starts, ends, tz, now)
    start, end = period(starts, ends, tz)
    if db.session.scalar(select(PublicConsultation.id).where(
            PublicConsultation.path_id == path.id, PublicConsultation.stage == document.stage,
            PublicConsultation.closed_at.is_(None))) is not None:
        raise ConsultationRefused([ALREADY])
    consultation = PublicConsultation(path_id=path.id, document_id=document.id, stage=document.stage,
                                      starts_at=start, ends_at=end, opened_at=now,
                                      opened_by_id=actor.id if actor else None)
    db.session.add(consultation)
    try:
        db.session.flush()  # the partial unique index: one not closed per stage, even in a race
    except IntegrityError as exc:
        db.session.rollback()
        raise ConsultationRefused([ALREADY]) from exc
    audit.record("consultation_opened", actor=actor, object_type="public_consultation",
                 object_id=consultation.id, programme_id=path.programme_id,
                 detail={"path_id": path.id, "stage": document.stage, "document_id": document.id,
                         "starts_at": start.isoformat(), "ends_at": end.isoformat()})
    if commit:
        db.session.commit()
    return consultation


def unanswered(consultation: PublicConsultation) -> int:
    return db.session.scalar(select(func.count()).select_from(ConsultationComment).where(
        ConsultationComment.consultation_id == consultation.id, ConsultationComment.answer.is_(None))) or 0


def check_can_close(consultation: PublicConsultation, now: datetime, *, early: bool = False,
                    require_answers: bool = True) -> None:
    """Refuse (409) closing a closed consultation, one still running (unless `early`), or one
    with a comment not answered (unless not `require_answers`)."""
    if consultation.closed_at is not None:
        raise ConsultationRefused([CLOSED])
    if not early and now < consultation.ends_at:
        tz = consultation.path.programme.timezone
        raise ConsultationRefused([fill(NOT_ENDED, end=long_date(last_day(consultation, tz)))])
    left = unanswered(consultation) if require_answers else 0
    if left:
        raise ConsultationRefused([fill(UNANSWERED, count=left)])


def close_consultation(consultation: PublicConsultation, *, actor: User | None = None,
                       now: datetime | None = None, early: bool = False, require_answers: bool = True,
                       commit: bool = True) -> PublicConsultation:
    """Close `consultation`: no more comments or answers; its comments with their answers are
    the stage's consultation report from now on. Refused (see check_can_close) while it runs,
    unless `early` (a withdrawal), and while a comment waits for its answer, unless not
    `require_answers`. `commit=False`: the caller's transaction commits it."""
    now = now or utcnow()
    check_can_close(consultation, now, early=early, require_answers=require_answers)
    consultation.closed_at = now
    consultation.closed_by_id = actor.id if actor else None
    audit.record("consultation_closed", actor=actor, object_type="public_consultation",
                 object_id=consultation.id, programme_id=consultation.path.programme_id,
                 detail={"path_id": consultation.path_id, "stage": consultation.stage, "early": early})
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    return consultation


def not_closed(path: Path, stage: str) -> PublicConsultation | None:
    """The stage's consultation that is not closed yet, if any."""
    return db.session.scalar(select(PublicConsultation).where(
        PublicConsultation.path_id == path.id, PublicConsultation.stage == stage,
        PublicConsultation.closed_at.is_(None)))


def close_stage_consultation(path: Path, stage: str, **options: object) -> PublicConsultation | None:
    """Close the stage's consultation that is not closed yet (close_consultation's options),
    if there is one; what a transition that submits the stage calls."""
    found = not_closed(path, stage)
    return close_consultation(found, **options) if found else None  # type: ignore[arg-type]


# --- the team's and the staff's side ---------------------------------------------------------------

@dataclass(frozen=True)
class Listed:
    """A consultation with its counts, for the lists of a path."""

    consultation: PublicConsultation
    stage: Label | str
    comments: int
    unanswered: int

    def status(self, now: datetime) -> str:
        """'closed', 'open', 'scheduled' (not started) or 'ended' (waiting to be closed)."""
        c = self.consultation
        if c.closed_at is not None:
            return "closed"
        if now < c.starts_at:
            return "scheduled"
        return "open" if now < c.ends_at else "ended"


def stage_label(path: Path, stage: str) -> Label | str:
    definition = definition_of(path)
    return definition.stage(stage).label if definition.has_stage(stage) else stage


def consultations_of(path: Path) -> list[Listed]:
    """Every consultation of `path`, newest first, with its comments counted (one query)."""
    counts = (select(ConsultationComment.consultation_id.label("cid"),
                     func.count().label("comments"),
                     func.sum(case((ConsultationComment.answer.is_(None), 1), else_=0)).label("unanswered"))
              .group_by(ConsultationComment.consultation_id).subquery())
    rows = db.session.execute(
        select(PublicConsultation, counts.c.comments, counts.c.unanswered)
        .outerjoin(counts, counts.c.cid == PublicConsultation.id)
        .options(joinedload(PublicConsultation.document))
        .where(PublicConsultation.path_id == path.id)
        .order_by(PublicConsultation.opened_at.desc(), PublicConsultation.id.desc())).all()
    return [Listed(c, stage_label(path, c.stage), int(n or 0), int(u or 0)) for c, n, u in rows]


def get_for(user: User, consultation_id: int) -> PublicConsultation:
    """The consultation if `user` may see its path (the applicant's team, its advisors, the
    coordinator); ConsultationNotFound (404) otherwise."""
    if not 0 < consultation_id <= MAX_ROW_ID:
        raise ConsultationNotFound(consultation_id)
    found = db.session.scalar(
        select(PublicConsultation).join(Path, Path.id == PublicConsultation.path_id)
        .options(contains_eager(PublicConsultation.path), joinedload(PublicConsultation.document))
        .where(PublicConsultation.id == consultation_id, access.path_filter(user)))
    if found is None:
        raise ConsultationNotFound(consultation_id)
    return found


def is_team(user: User, path: Path) -> bool:
    """`user` is one of the applicant's people: they publish, answer and close."""
    return "applicant" in access.roles_for(user, path)


def comments_of(consultation: PublicConsultation) -> list[ConsultationComment]:
    return list(db.session.scalars(
        select(ConsultationComment).options(joinedload(ConsultationComment.answered_by))
        .where(ConsultationComment.consultation_id == consultation.id)
        .order_by(ConsultationComment.number)))


def answer(consultation: PublicConsultation, comment_number: int, text: str, actor: User, *,
           now: datetime | None = None) -> ConsultationComment:
    """The applicant's answer to comment `comment_number` of `consultation` (a new answer
    replaces the earlier one until the consultation is closed)."""
    now = now or utcnow()
    if consultation.closed_at is not None:
        raise ConsultationRefused([CLOSED])
    comment = db.session.scalar(select(ConsultationComment).where(
        ConsultationComment.consultation_id == consultation.id,
        ConsultationComment.number == comment_number))
    if comment is None:
        raise ConsultationNotFound((consultation.id, comment_number))
    text = (text or "").strip()
    if not text:
        raise ConsultationRefused(errors={"answer": [ANSWER_EMPTY]}, status=400)
    if len(text) > COMMENT_MAX:
        raise ConsultationRefused(errors={"answer": [TOO_LONG_TEXT]}, status=400)
    comment.answer, comment.answered_at, comment.answered_by_id = text, now, actor.id
    audit.record("consultation_answered", actor=actor, object_type="public_consultation",
                 object_id=consultation.id, programme_id=consultation.path.programme_id,
                 detail={"comment": comment.number})
    db.session.commit()
    return comment


# --- the public side ---------------------------------------------------------------------------------

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
    return [PublicConsultation.closed_at.is_(None), PublicConsultation.starts_at <= now,
            PublicConsultation.ends_at > now]


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


# --- the report -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Report:
    """What the consultation report shows: the consultation and its comments with answers."""

    consultation: PublicConsultation
    stage: Label | str
    comments: Sequence[ConsultationComment]

    @property
    def answered(self) -> int:
        return sum(1 for c in self.comments if c.answer is not None)


def report(consultation: PublicConsultation) -> Report:
    return Report(consultation, stage_label(consultation.path, consultation.stage), comments_of(consultation))

"""Public consultations: publishing a stage's draft for a period, the applicant's answers to
the comments, closing it, and its report (docs/decisions/0031).

`open_consultation` and `close_consultation` are what a transition into or out of a
"public consultation" state calls (with `commit=False`, inside the transition's own
transaction); workflow/consultation/moves.py does that for the team's pages. Neither looks at
the path's state: which state publishes what is the path definition's business. The public
side (what is open, comments from anyone) is workflow/consultation/public.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import format_date
from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload

from states.label import Label
from workflow.audit import log as audit
from workflow.extensions import db
from workflow.models import (
    ConsultationComment,
    Document,
    Path,
    PublicConsultation,
    User,
)
from workflow.models.consultation import COMMENT_MAX, NAME_MAX
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

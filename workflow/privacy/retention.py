"""What is kept only for a while (docs/personal-data.md), and the sweep that enforces it:

- login attempts older than LOGIN_ATTEMPTS_RETENTION_DAYS are deleted;
- prepared export files (and their rows) older than EXPORT_FILES_RETENTION_DAYS are deleted,
  and so is any file in EXPORT_DIR that no row names (what a crash left) once it is that old;
- the participants of services whose every programme ended more than
  PARTICIPANTS_ARCHIVE_YEARS ago are pseudonymised: name and e-mail replaced, the row and
  its services kept, so every report counts them exactly as before;
- the names and e-mail addresses left with comments on public consultations of a programme
  that ended as long ago are cleared: the comments and their answers stay (the report).

Beat runs `sweep` daily (worker/tasks.py, "privacy.retention"); running it twice is harmless.
A sweep that changed something leaves one audit event with its counts.
"""

from __future__ import annotations

import os
import re
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path as FsPath

from flask import current_app
from sqlalchemy import Select, delete, func, or_, select, update

from workflow.audit import log as audit
from workflow.exports import jobs as exports
from workflow.extensions import db
from workflow.models import (
    ConsultationComment,
    ExportJob,
    LoginAttempt,
    Path,
    Person,
    Programme,
    PublicConsultation,
    Service,
    service_participant,
)
from workflow.models.types import utcnow
from workflow.privacy import pseudonyms

EXPORT_FILE = re.compile(r"^(?:(\d+)\.(?:csv|xlsx)|\..+\.tmp)$")


@dataclass(frozen=True)
class Swept:
    """What one sweep removed or pseudonymised."""

    login_attempts: int = 0
    export_jobs: int = 0
    export_files: int = 0
    participants: int = 0
    comment_authors: int = 0

    @property
    def anything(self) -> bool:
        return any(asdict(self).values())


def years_before(day: date, years: int) -> date:
    """The same day `years` earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def archive_ends(ends_on: date, years: int) -> date:
    """The day a programme that ended on `ends_on` is past its archive period of `years`."""
    return years_before(ends_on, -years)


def archive_cutoff(now: datetime, years: int | None = None) -> date:
    """A programme that ended on or before this day is past its archive period."""
    if years is None:
        years = int(current_app.config["PARTICIPANTS_ARCHIVE_YEARS"])
    return years_before(now.date(), years)


def prune_login_attempts(now: datetime) -> int:
    cutoff = now - timedelta(days=int(current_app.config["LOGIN_ATTEMPTS_RETENTION_DAYS"]))
    deleted = db.session.execute(delete(LoginAttempt).where(LoginAttempt.created_at < cutoff)
                                 .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return int(deleted or 0)


def prune_exports(now: datetime) -> tuple[int, int]:
    """(rows, files) deleted: the old jobs' rows first (committed), then their files and any
    old file no row names. A crash between the two leaves files only, which the next sweep
    finds with no row and removes."""
    cutoff = now - timedelta(days=int(current_app.config["EXPORT_FILES_RETENTION_DAYS"]))
    old = list(db.session.scalars(select(ExportJob).where(
        func.coalesce(ExportJob.finished_at, ExportJob.created_at) < cutoff)))
    targets = [exports.file_path(job) for job in old if job.kind in exports.FORMATS]
    if old:
        db.session.execute(delete(ExportJob).where(ExportJob.id.in_([job.id for job in old]))
                           .execution_options(synchronize_session=False))
        db.session.commit()
    files = 0
    for target in targets:
        if target.exists():
            target.unlink(missing_ok=True)
            files += 1
    return len(old), files + _orphan_files(exports.export_dir(), cutoff)


def _orphan_files(folder: FsPath, cutoff: datetime) -> int:
    """Files of EXPORT_DIR older than `cutoff` that no job row names (or temporary ones)."""
    if not folder.is_dir():
        return 0
    known = set(db.session.scalars(select(ExportJob.id)))
    removed = 0
    for entry in os.scandir(folder):
        match = EXPORT_FILE.match(entry.name)
        if not entry.is_file() or match is None:
            continue
        if match.group(1) is not None and int(match.group(1)) in known:
            continue
        if entry.stat().st_mtime < cutoff.timestamp():
            FsPath(entry.path).unlink(missing_ok=True)
            removed += 1
    return removed


def participants_due(cutoff: date) -> Select[tuple[int]]:
    """Ids of the participants not yet pseudonymised whose town takes part in programmes and
    all of them (and every programme of a service they attended) ended on or before `cutoff`."""
    live = or_(Programme.ends_on.is_(None), Programme.ends_on > cutoff)
    live_towns = select(Path.applicant_id).join(Programme, Programme.id == Path.programme_id).where(live)
    live_people = (select(service_participant.c.person_id)
                   .join(Service, Service.id == service_participant.c.service_id)
                   .join(Path, Path.id == Service.path_id)
                   .join(Programme, Programme.id == Path.programme_id).where(live))
    return select(Person.id).where(Person.pseudonymised_at.is_(None),
                                   Person.applicant_id.in_(select(Path.applicant_id)),
                                   Person.applicant_id.not_in(live_towns),
                                   Person.id.not_in(live_people))


def pseudonymise_participants(now: datetime, cutoff: date | None = None) -> int:
    """One UPDATE: every participant due (participants_due) gets a pseudonym for a name and
    no e-mail. Rows, their ids and their services stay: the reports count them as before."""
    cutoff = cutoff or archive_cutoff(now)
    ids = list(db.session.scalars(participants_due(cutoff)))
    if ids:
        db.session.execute(
            update(Person).where(Person.id.in_(ids))
            .values(name=pseudonyms.participant_name_sql(Person.id), email=None, pseudonymised_at=now)
            .execution_options(synchronize_session=False))
        db.session.commit()
    return len(ids)


def clear_comment_authors(now: datetime, cutoff: date | None = None) -> int:
    """One UPDATE: the name and e-mail address of every comment on a public consultation of a
    programme that ended on or before `cutoff` are cleared; the comment and its answer stay."""
    cutoff = cutoff or archive_cutoff(now)
    ended = (select(PublicConsultation.id).join(Path, Path.id == PublicConsultation.path_id)
             .join(Programme, Programme.id == Path.programme_id)
             .where(Programme.ends_on.is_not(None), Programme.ends_on <= cutoff))
    cleared = db.session.execute(
        update(ConsultationComment)
        .where(ConsultationComment.consultation_id.in_(ended),
               or_(ConsultationComment.author_name.is_not(None),
                   ConsultationComment.author_email.is_not(None)))
        .values(author_name=None, author_email=None)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return int(cleared or 0)


def sweep(now: datetime | None = None) -> Swept:
    """Everything above, each part in its own transaction; an audit event if anything went."""
    now = now or utcnow()
    attempts = prune_login_attempts(now)
    jobs, files = prune_exports(now)
    people = pseudonymise_participants(now)
    authors = clear_comment_authors(now)
    swept = Swept(login_attempts=attempts, export_jobs=jobs, export_files=files, participants=people,
                  comment_authors=authors)
    if swept.anything:
        audit.record("retention", object_type="personal_data", detail=asdict(swept))
        db.session.commit()
        current_app.logger.info("retention sweep: %s", asdict(swept))
    return swept

"""Prepared exports: a large services report written to a file by a worker, with progress.

The request only writes an ExportJob row and queues `exports.run`; the page polls the
row. The rows and their words come from the same code as the direct download (the
reports and report_tables of the advice area), so both files are identical.

Progress is written every `PROGRESS_EVERY` rows through a connection of its own, in its
own short transaction: the session that streams the rows cannot commit mid-stream (on
PostgreSQL that would close its server-side cursor). SQLite has one writer and a reading
statement blocks it, so there the rows are read first (SQLite is the laptop's database).
"""

from __future__ import annotations

import dataclasses
import json
import os
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, g
from flask_babel import force_locale
from sqlalchemy import select, update

from workflow import tabular
from workflow.advice import report_tables, reports
from workflow.advice.reports import Filters
from workflow.extensions import db
from workflow.models import ExportJob, ExportKind, ExportStatus, Programme, Role, User
from workflow.models.types import utcnow

PROGRESS_EVERY = 500
PENDING_FOR = timedelta(hours=1)  # a queued or running job this young answers a second request
FORMATS = {"services_csv": "csv", "services_xlsx": "xlsx"}
TABLES = ("log", "programme", *reports.BREAKDOWNS)


def export_dir() -> Path:
    """EXPORT_DIR: storage the workers and the web share (instance/exports by default)."""
    return Path(current_app.config.get("EXPORT_DIR") or Path(current_app.instance_path) / "exports")


def file_path(job: ExportJob) -> Path:
    """Named by the job's id only: nothing a user typed reaches the file system."""
    return export_dir() / f"{job.id}.{FORMATS[job.kind]}"


def encode_filters(filters: Filters) -> dict[str, Any]:
    values = dataclasses.asdict(filters)
    for name in ("date_from", "date_to"):
        if values[name] is not None:
            values[name] = values[name].isoformat()
    values["path_ids"] = list(values["path_ids"])
    return values


def decode_filters(values: dict[str, Any]) -> Filters:
    values = dict(values)
    for name in ("date_from", "date_to"):
        if values.get(name):
            values[name] = date.fromisoformat(values[name])
    values["path_ids"] = tuple(values.get("path_ids") or ())
    return Filters(**values)


def queue(programme: Programme, user: User, fmt: str, table: str, filters: Filters,
          locale: str) -> ExportJob:
    """A queued job, committed, so the page can show it before the worker starts."""
    kind = f"services_{fmt}"
    if kind not in FORMATS or table not in TABLES:
        raise ValueError(f"unknown export {table}.{fmt}")
    params = {"table": table, "filters": encode_filters(filters), "locale": locale}
    job = ExportJob(requested_by_id=user.id, programme_id=programme.id, kind=ExportKind(kind),
                    params=json.dumps(params, ensure_ascii=False), status=ExportStatus.QUEUED)
    db.session.add(job)
    db.session.commit()
    return job


def queue_once(programme: Programme, user: User, fmt: str, table: str, filters: Filters,
               locale: str, now: datetime | None = None) -> tuple[ExportJob, bool]:
    """queue(), idempotent: (job, True) for a new job, (job, False) when the same person asked
    for the same file (programme, table, format, filters, language) and that job is still queued
    or running (a double click, two tabs): the existing job, not a second one. A job older than
    PENDING_FOR is not waited for (its worker may be gone); a finished one is not reused.

    The requester's row is read under a lock (SELECT ... FOR UPDATE on PostgreSQL), so two
    requests of one person are checked one after the other; SQLite serialises writers anyway."""
    kind = f"services_{fmt}"
    if kind not in FORMATS or table not in TABLES:
        raise ValueError(f"unknown export {table}.{fmt}")
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())
    params = json.dumps({"table": table, "filters": encode_filters(filters), "locale": locale},
                        ensure_ascii=False)
    since = (now or utcnow()) - PENDING_FOR
    pending = db.session.scalar(
        select(ExportJob).where(ExportJob.requested_by_id == user.id, ExportJob.programme_id == programme.id,
                                ExportJob.kind == ExportKind(kind), ExportJob.params == params,
                                ExportJob.status.in_((ExportStatus.QUEUED, ExportStatus.RUNNING)),
                                ExportJob.created_at >= since)
        .order_by(ExportJob.id).limit(1))
    if pending is not None:
        db.session.commit()  # ends the transaction, releasing the lock
        return pending, False
    return queue(programme, user, fmt, table, filters, locale), True


def may_see(user: User, job: ExportJob) -> bool:
    return user.role == Role.COORDINATOR or job.requested_by_id == user.id


def table_of(job: ExportJob) -> str:
    return json.loads(job.params or "{}").get("table", "log")


def mark_failed(job: ExportJob, code: str = "failed") -> None:
    """`code` ('failed', 'not_queued') is what the page explains, in the reader's language;
    the details go to the log."""
    job.status = ExportStatus.FAILED
    job.error = code
    job.finished_at = utcnow()
    db.session.commit()


def _write_progress(job_id: int, done: int) -> None:
    with db.engine.begin() as conn:
        conn.execute(update(ExportJob).where(ExportJob.id == job_id).values(progress_done=done))


def counted(rows: Iterable[Sequence[object]], job_id: int, every: int,
            tally: list[int]) -> Iterator[Sequence[object]]:
    """The rows, passed through; every `every` rows the job's progress is saved."""
    for row in rows:
        yield row
        tally[0] += 1
        if tally[0] % every == 0:
            _write_progress(job_id, tally[0])


def table_rows(programme: Programme, table: str, filters: Filters,
               locale: str) -> tuple[list[str], Iterable[Sequence[object]], int]:
    """The header, the rows and how many there are, from the direct download's own code.
    Runs under the job's locale (the caller sets it): the headings are words for people."""
    if table == "log":
        header, rows = report_tables.log_table(programme, filters, locale)
        total = reports.totals(programme, filters).services
        return header, rows, total  # keyset pages: no read open while progress is written
    header, metric_rows = report_tables.metrics_table(table, programme, filters, locale)
    listed = list(metric_rows)
    return header, listed, len(listed)


def download_name(programme: Programme, table: str, fmt: str) -> str:
    today = datetime.now(ZoneInfo(programme.timezone)).date().isoformat()
    return f"{report_tables.FILE_STEMS[table]}-{today}.{fmt}"


def run(job: ExportJob, every: int = PROGRESS_EVERY) -> ExportJob:
    """Write the job's file. A job already finished is left alone (a task delivered twice);
    one left 'running' by a worker that died is run again from the start."""
    if job.status in (ExportStatus.DONE, ExportStatus.FAILED):
        return job
    params = json.loads(job.params or "{}")
    table, fmt, locale = table_of(job), FORMATS[job.kind], params.get("locale", "pl")
    programme = db.session.get(Programme, job.programme_id)
    job.status, job.progress_done, job.error = ExportStatus.RUNNING, 0, ""
    db.session.commit()
    try:
        g.locale = locale
        with force_locale(locale):
            header, rows, total = table_rows(programme, table, decode_filters(params.get("filters", {})),
                                             locale)
            job.progress_total = total
            job.file_name = download_name(programme, table, fmt)
            db.session.commit()
            tally = [0]
            write_file(file_path(job), fmt, table, header, counted(rows, job.id, every, tally), locale)
    except Exception:
        current_app.logger.exception("export job %s failed", job.id)
        db.session.rollback()
        mark_failed(job)
        return job
    job.status = ExportStatus.DONE
    job.progress_done = tally[0]
    job.progress_total = max(job.progress_total, tally[0])
    job.finished_at = utcnow()
    db.session.commit()
    return job


def write_file(target: Path, fmt: str, title: str, header: Sequence[str],
               rows: Iterable[Sequence[object]], locale: str) -> None:
    """Write to a temporary name and rename: a reader never sees half a file, and two
    deliveries of the same task leave one whole file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        if fmt == "csv":
            with temporary.open("w", encoding="utf-8", newline="") as out:
                for line in tabular.csv_stream(header, rows, locale=locale):
                    out.write(line)
        else:
            temporary.write_bytes(tabular.xlsx_bytes([(report_tables.FILE_STEMS[title], header, rows)]))
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)

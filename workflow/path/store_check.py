"""Do the upload store and the document rows agree? `flask documents check [--repair]` and
the daily beat run (worker task "documents.check") call `run`.

What it looks for (docs/operations.md, "Files and rows"):

- a file in the store that no row names (an orphan: debris, --repair removes it);
- a row whose file is not in the store, or whose file's SHA-256 is not the row's hash
  (a human restores it from the backup; nothing here ever deletes or changes a row);
- a row's file still in the temporary folder: the process died after the row committed
  and before the rename (--repair finishes the move: the bytes are the row's, by hash);
- temporary files older than GRACE (an upload that died before its row: --repair removes
  them); younger ones may be uploads in progress and are left alone;
- a temporary folder on another filesystem than the store (a setting to fix).

Why the upload writes in this order: docs/decisions/0021-files-and-rows-agree.md.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path as FsPath
from typing import Any

from sqlalchemy import select

from workflow.audit import log as audit
from workflow.extensions import db
from workflow.models import CheckSource, Document, DocumentCheck, ExchangeMeeting
from workflow.models.types import utcnow
from workflow.path import documents

GRACE = timedelta(hours=1)
HASH_RE = re.compile(r"[0-9a-f]{64}")
CHUNK = 1024 * 1024


class Kind(StrEnum):
    ORPHAN = "orphan_file"
    MISSING = "missing_file"
    WRONG_HASH = "wrong_hash"
    PENDING = "pending_move"
    OLD_TEMP = "old_temp"
    FRESH_TEMP = "fresh_temp"
    SETUP = "setup"


# Debris --repair removes; what only a person can put right (exit code 2).
DEBRIS = (Kind.ORPHAN, Kind.OLD_TEMP, Kind.PENDING)
FOR_A_HUMAN = (Kind.MISSING, Kind.WRONG_HASH, Kind.SETUP)


@dataclass
class Finding:
    kind: Kind
    file: str = ""  # the file's path (in the store or the temporary folder), if there is one
    content_hash: str = ""
    size: int = 0
    document_ids: list[int] = field(default_factory=list)
    action: str = ""  # what --repair did: "removed", "moved_in"; "" for nothing

    @property
    def problem(self) -> bool:
        """Still wrong after this run: everything but fresh temporary files and repairs."""
        return self.kind != Kind.FRESH_TEMP and not self.action

    def as_dict(self) -> dict[str, Any]:
        return {"kind": str(self.kind), "file": self.file, "sha256": self.content_hash,
                "size": self.size, "document_ids": self.document_ids, "action": self.action}


@dataclass
class Report:
    started_at: datetime
    repair: bool
    store: str
    incoming: str
    store_files: int = 0
    temp_files: int = 0
    document_rows: int = 0
    findings: list[Finding] = field(default_factory=list)
    finished_at: datetime | None = None

    def of(self, kind: Kind) -> list[Finding]:
        return [f for f in self.findings if f.kind == kind]

    def counts(self) -> dict[str, int]:
        """Files per kind; for the kinds about rows (missing, wrong hash, pending), rows."""
        counts = {"store_files": self.store_files, "temp_files": self.temp_files,
                  "document_rows": self.document_rows}
        for kind in Kind:
            found = self.of(kind)
            rows = kind in (Kind.MISSING, Kind.WRONG_HASH, Kind.PENDING)
            counts[str(kind)] = sum(len(f.document_ids) for f in found) if rows else len(found)
        counts["removed"] = sum(f.action == "removed" for f in self.findings)
        counts["moved_in"] = sum(f.action == "moved_in" for f in self.findings)
        counts["problems"] = sum(f.problem for f in self.findings)
        return counts

    @property
    def ok(self) -> bool:
        return not any(f.problem for f in self.findings)

    @property
    def needs_a_human(self) -> bool:
        return any(f.problem and f.kind in FOR_A_HUMAN for f in self.findings)

    @property
    def exit_code(self) -> int:
        """0: files and rows agree; 1: debris left (run with --repair); 2: a row without its
        file or with a wrong one, or a setting to fix: a person must act."""
        return 2 if self.needs_a_human else 0 if self.ok else 1

    def as_dict(self) -> dict[str, Any]:
        return {"started_at": self.started_at.isoformat(),
                "finished_at": self.finished_at.isoformat() if self.finished_at else None,
                "repair": self.repair, "store": self.store, "incoming": self.incoming,
                "ok": self.ok, "exit_code": self.exit_code, "counts": self.counts(),
                "findings": [f.as_dict() for f in self.findings]}


def sha256_of(path: FsPath) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _files(folder: FsPath, skip: FsPath | None = None) -> list[FsPath]:
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.rglob("*")):
        if skip is not None and path.is_relative_to(skip):
            continue
        if path.is_file() and not path.is_symlink():
            found.append(path)
    return found


def _store_hash(path: FsPath, store: FsPath) -> str | None:
    """The hash a file in the store is filed under (ab/cd/abcd…), or None if it is not
    where a stored file would be (a stray temporary file, say)."""
    parts = path.relative_to(store).parts
    if len(parts) == 3 and HASH_RE.fullmatch(parts[2]) and parts[:2] == (parts[2][:2], parts[2][2:4]):
        return parts[2]
    return None


def _modified(path: FsPath) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def inspect(now: datetime | None = None) -> Report:
    """What is wrong, without changing anything."""
    now = now or utcnow()
    store, incoming = documents.upload_dir(), documents.incoming_dir()
    report = Report(started_at=utcnow(), repair=False, store=str(store), incoming=str(incoming))
    if not documents.same_filesystem():
        report.findings.append(Finding(Kind.SETUP, file=str(incoming)))

    rows: dict[str, list[int]] = defaultdict(list)
    for content_hash, document_id in db.session.execute(
            select(Document.content_hash, Document.id).order_by(Document.id)):
        rows[content_hash].append(document_id)
    report.document_rows = sum(len(ids) for ids in rows.values())
    # The minutes of the exchange groups' meetings are files of the store too (decision 0038).
    minutes = set(db.session.scalars(select(ExchangeMeeting.minutes_hash).where(
        ExchangeMeeting.minutes_hash.is_not(None))))
    db.session.rollback()  # no transaction held open while the files are read

    present: set[str] = set()
    skip = incoming if incoming.is_relative_to(store) else None
    store_files = _files(store, skip)
    report.store_files = len(store_files)
    for path in store_files:
        content_hash = _store_hash(path, store)
        size = path.stat().st_size
        if content_hash is None or (content_hash not in rows and content_hash not in minutes):
            report.findings.append(Finding(Kind.ORPHAN, str(path), content_hash or "", size))
            continue
        present.add(content_hash)
        if sha256_of(path) != content_hash:
            report.findings.append(Finding(Kind.WRONG_HASH, str(path), content_hash, size,
                                           rows.get(content_hash, [])))

    missing = {h: ids for h, ids in rows.items() if h not in present}
    temp_files = _files(incoming)
    report.temp_files = len(temp_files)
    for path in temp_files:
        size = path.stat().st_size
        content_hash = sha256_of(path) if missing else ""
        if content_hash in missing:  # the row committed, the rename never happened
            report.findings.append(Finding(Kind.PENDING, str(path), content_hash, size,
                                           missing.pop(content_hash)))
        elif now - _modified(path) > GRACE:
            report.findings.append(Finding(Kind.OLD_TEMP, str(path), content_hash, size))
        else:
            report.findings.append(Finding(Kind.FRESH_TEMP, str(path), content_hash, size))
    for content_hash, ids in missing.items():
        report.findings.append(Finding(Kind.MISSING, str(documents.stored_path(content_hash)),
                                       content_hash, 0, ids))
    return report


def repair(report: Report) -> None:
    """Remove the debris and finish the moves `report` found; never touches a row."""
    report.repair = True
    store = documents.upload_dir()
    for finding in report.findings:
        path = FsPath(finding.file)
        if finding.kind == Kind.PENDING:
            documents.move_in(documents.Incoming(path, finding.content_hash, finding.size))
            finding.action = "moved_in"
        elif finding.kind == Kind.OLD_TEMP:
            path.unlink(missing_ok=True)
            finding.action = "removed"
        elif finding.kind == Kind.ORPHAN:
            # Asked again, now: a row committed since the list was read keeps its file.
            if finding.content_hash and db.session.scalar(
                    select(Document.id).where(Document.content_hash == finding.content_hash).limit(1)):
                finding.action = "kept"
                continue
            path.unlink(missing_ok=True)
            finding.action = "removed"
            _remove_empty_folders(path.parent, store)
    report.findings = [f for f in report.findings if f.action != "kept"]
    db.session.rollback()


def _remove_empty_folders(folder: FsPath, store: FsPath) -> None:
    while folder != store and folder.is_relative_to(store):
        try:
            folder.rmdir()
        except OSError:  # not empty (or gone): stop
            return
        folder = folder.parent


def run(*, repair_debris: bool, source: CheckSource, now: datetime | None = None) -> Report:
    """Check (and with `repair_debris`, repair), then record the result (a DocumentCheck row,
    and an audit event when files were removed or moved in); commits."""
    report = inspect(now)
    if repair_debris:
        repair(report)
    report.finished_at = utcnow()
    counts = report.counts()
    db.session.add(DocumentCheck(started_at=report.started_at, finished_at=report.finished_at,
                                 source=source, repaired=report.repair, ok=report.ok,
                                 counts=counts))
    if counts["removed"] or counts["moved_in"]:
        audit.record("document_store_repaired", object_type="document_store",
                     detail={"removed": counts["removed"], "moved_in": counts["moved_in"],
                             "source": str(source)})
    db.session.commit()
    return report


def latest() -> DocumentCheck | None:
    """The last recorded check (one query)."""
    return db.session.scalar(
        select(DocumentCheck).order_by(DocumentCheck.finished_at.desc(), DocumentCheck.id.desc()).limit(1))

"""Uploads: the type is read from the content, the bytes are stored by content hash.

The uploaded name is kept only for display; it never becomes a path on disk. Sniffing is
our own small reader of the formats we accept (PDF, and the ZIP containers of DOCX, XLSX,
ODT and ODS): it looks at the container's own manifest, which a renamed file cannot fake
(see docs/decisions/0004-upload-sniffing.md).

Files and rows agree (docs/decisions/0021-files-and-rows-agree.md): an accepted upload is
written, whole and flushed to disk, into the temporary folder UPLOAD_TMP_DIR (outside the
store, on the same filesystem); the Document row commits; only then is the file renamed
into the store. So the store never holds a file without its row, and a committed row's
bytes are on disk even if the process dies before the rename (`documents check --repair`
finishes that move; see workflow/path/store_check.py).
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import BinaryIO

from flask import current_app
from sqlalchemy import select

from workflow.audit import log as audit
from workflow.extensions import db
from workflow.models import Document, Path, StageSignoff, User
from workflow.path import upload_checks
from workflow.refusal import Refused, _l

OOXML_MAIN = {
    "word/document.xml": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xl/workbook.xml": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
ODF_TYPES = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
}
ACCEPTED = ("pdf", "docx", "odt", "xlsx", "ods")
MAX_ZIP_ENTRIES = 10_000
TEMP_SUFFIX = ".part"  # an upload in the temporary folder, before it moves into the store


MESSAGES = {
    **upload_checks.MESSAGES,
    "empty": _l("Wysłany plik jest pusty."),
    "mismatch": _l("Zawartość pliku nie zgadza się z jego rozszerzeniem "
                   "(np. plik PDF nazwany .docx). Zapisz dokument ponownie we właściwym formacie."),
    "not_now": _l("Na tym etapie nie można dodawać dokumentów."),
    "nothing_to_sign": _l("Miasto nie dodało jeszcze dokumentu tego etapu."),
    "newer_version": _l("Miasto dodało w międzyczasie nowszą wersję dokumentu. Przejrzyj ją przed "
                        "zatwierdzeniem."),
    "unchanged": _l("Ten plik jest taki sam jak obecna wersja dokumentu tego etapu – nic się w nim "
                    "nie zmieniło. Jeśli mimo to chcesz dodać go jako nową wersję, wybierz plik "
                    "jeszcze raz i zaznacz „Wiem, że to ten sam plik”."),
}
STATUS = {"too_large": 413, "not_now": 409, "nothing_to_sign": 409, "newer_version": 409,
          "unchanged": 409}


class UploadRefused(Refused, ValueError):
    """The file is not one we accept (400, 413 when too large), or the sign-off came too
    early or too late (409); `code` selects the message shown to the user."""

    def __init__(self, code: str) -> None:
        if code == "too_large":
            message = _l("Plik jest za duży. Największy dopuszczalny rozmiar to %(mb)d MB.",
                         mb=current_app.config["UPLOAD_MAX_MB"])
        else:
            message = MESSAGES.get(code, MESSAGES["type"])
        super().__init__([message], status=STATUS.get(code, 400), stale=code == "newer_version")
        self.code = code


@dataclass(frozen=True)
class Sniffed:
    kind: str  # one of ACCEPTED
    mime_type: str


def sniff(head: bytes, stream: BinaryIO) -> Sniffed | None:
    """The accepted type of the file's content, or None. `head` is its first bytes."""
    if head.startswith(b"%PDF-"):
        return Sniffed("pdf", "application/pdf")
    if not head.startswith(b"PK\x03\x04"):
        return None
    try:
        stream.seek(0)
        with zipfile.ZipFile(stream) as archive:
            names = archive.namelist()
            if len(names) > MAX_ZIP_ENTRIES:
                return None
            if "mimetype" in names:
                declared = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                if declared in ODF_TYPES and "content.xml" in names:
                    return Sniffed(ODF_TYPES[declared], declared)
                return None
            if "[Content_Types].xml" in names:
                for main, (kind, mime) in OOXML_MAIN.items():
                    if main in names:
                        return Sniffed(kind, mime)
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError, ValueError):
        return None
    return None


def extension_kind(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def upload_dir() -> FsPath:
    return FsPath(current_app.config["UPLOAD_DIR"])


def stored_path(content_hash: str) -> FsPath:
    return upload_dir() / content_hash[:2] / content_hash[2:4] / content_hash


def clean_name(filename: str) -> str:
    """The uploaded name for display: no folders, no control characters, bounded length."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:200] or "dokument"


def checked(filename: str, stream: BinaryIO) -> tuple[bytes, Sniffed, list[str]]:
    """An upload's bytes, its type and the PDF's flags, after the checks every upload passes
    (size, type by content and by name, office files' content); UploadRefused if unfit."""
    limit = current_app.config["UPLOAD_MAX_MB"] * 1024 * 1024
    data = stream.read(limit + 1)
    if not data:
        raise UploadRefused("empty")
    if len(data) > limit:
        raise UploadRefused("too_large")
    found = sniff(data[:8], io.BytesIO(data))
    if found is None:
        raise UploadRefused("type")
    claimed = extension_kind(filename)
    if claimed != found.kind:
        raise UploadRefused("mismatch")
    flags: list[str] = []
    if found.kind == "pdf":
        flags = upload_checks.pdf_flags(data)
    else:
        try:
            upload_checks.check_office(io.BytesIO(data))
        except upload_checks.ContentRefused as refused:
            raise UploadRefused(refused.code) from refused
    return data, found, flags


def store_upload(path: Path, stage: str, filename: str, stream: BinaryIO, user: User, *,
                 same_file_ok: bool = False,
                 attach: Callable[[Document], None] | None = None) -> Document:
    """Check, store and record one upload for `path`'s `stage`; UploadRefused if unfit, or
    ("unchanged") if it is the stage's current version once more, unless `same_file_ok`
    says the person knows. `attach` is called with the new (flushed) Document before the
    commit, to add the rows that describe it in the same transaction (a partnership's
    record); what it raises undoes the upload."""
    data, found, flags = checked(filename, stream)
    current = latest_document(path, stage)
    if (current is not None and not same_file_ok
            and current.content_hash == hashlib.sha256(data).hexdigest()):
        raise UploadRefused("unchanged")
    incoming = write_incoming(data)
    try:
        document = Document(
            path_id=path.id,
            stage=stage,
            original_name=clean_name(filename),
            content_hash=incoming.digest,
            mime_type=found.mime_type,
            size_bytes=incoming.size,
            uploaded_by_id=user.id,
            flags=",".join(flags),
        )
        db.session.add(document)
        db.session.flush()
        audit.record("document_uploaded", actor=user, object_type="document", object_id=document.id,
                     programme_id=path.programme_id,
                     detail={"path_id": path.id, "stage": stage, "name": document.original_name,
                             "sha256": incoming.digest, "flags": document.flags})
        if attach is not None:
            attach(document)
    except BaseException:
        incoming.path.unlink(missing_ok=True)  # no row: the file must not stay either
        raise
    # A commit that raises may still have committed (its reply lost): then the file is left
    # in the temporary folder, and `documents check --repair` moves it in if the row exists,
    # or removes it after an hour if not.
    db.session.commit()
    move_in(incoming)
    return document


@dataclass(frozen=True)
class Incoming:
    """An upload's bytes in the temporary folder, flushed to disk, not yet in the store."""

    path: FsPath
    digest: str  # sha256, hex: its name in the store
    size: int


def incoming_dir() -> FsPath:
    return FsPath(current_app.config["UPLOAD_TMP_DIR"])


def same_filesystem() -> bool:
    """Are the temporary folder and the store on one filesystem (so a move is a rename)?
    Creates both folders if they are missing."""
    store, incoming = upload_dir(), incoming_dir()
    store.mkdir(parents=True, exist_ok=True)
    incoming.mkdir(parents=True, exist_ok=True)
    return store.stat().st_dev == incoming.stat().st_dev


def write_incoming(data: bytes) -> Incoming:
    """Write `data` to a new file in the temporary folder and flush it to disk (fsync)."""
    if not same_filesystem():
        # A configuration error, loud on the first upload: a move across filesystems is a
        # copy, which a crash can leave half done inside the store.
        raise RuntimeError(f"UPLOAD_TMP_DIR ({incoming_dir()}) and UPLOAD_DIR ({upload_dir()}) "
                           "must be on the same filesystem")
    fd, name = tempfile.mkstemp(dir=incoming_dir(), prefix="upload-", suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        FsPath(name).unlink(missing_ok=True)
        raise
    return Incoming(FsPath(name), hashlib.sha256(data).hexdigest(), len(data))


def move_in(incoming: Incoming) -> FsPath:
    """Rename the file into the store under its hash (atomic: the same filesystem).

    Called after its row has committed. The same bytes may be there already (another row
    with the same content): the rename replaces them with identical ones. If the check's
    repair has just moved this very file in (see store_check), there is nothing left to do.
    """
    target = stored_path(incoming.digest)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(incoming.path, target)
    except FileNotFoundError:
        if not target.exists():
            raise
    _sync_folder(target.parent)
    return target


def _sync_folder(folder: FsPath) -> None:
    """Make a rename into `folder` durable (fsync of the directory; POSIX only)."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def latest_document(path: Path, stage: str) -> Document | None:
    return db.session.scalar(
        select(Document)
        .where(Document.path_id == path.id, Document.stage == stage)
        .order_by(Document.uploaded_at.desc(), Document.id.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class KnownDocuments:
    """A path's documents as documents_of() reads them (newest first) and the ids of those
    with a StageSignoff row: what the guards ask latest_document() and is_signed_off(),
    answered without a query."""

    documents: list[Document]
    signed_ids: set[int]

    def latest(self, stage: str) -> Document | None:
        return next((d for d in self.documents if d.stage == stage), None)


def documents_of(path: Path, stages: Iterable[str] | None = None) -> list[Document]:
    """The path's documents, newest first; only those of `stages` if given (a path may hold
    files outside its stages, such as a partnership's records, shown by their own pages)."""
    query = select(Document).where(Document.path_id == path.id)
    if stages is not None:
        query = query.where(Document.stage.in_(list(stages)))
    return list(db.session.scalars(query.order_by(Document.uploaded_at.desc(), Document.id.desc())))


def is_signed_off(document: Document | None) -> bool:
    if document is None:
        return False
    return (
        db.session.scalar(select(StageSignoff.id).where(StageSignoff.document_id == document.id))
        is not None
    )


def sign_off(path: Path, stage: str, advisor: User, document_id: int | None = None) -> StageSignoff:
    """Record the advisor's sign-off of the stage's latest document.

    `document_id` is the version the advisor saw; if the town has uploaded a newer one
    since, the sign-off is refused rather than applied to a file nobody has read.
    """
    document = latest_document(path, stage)
    if document is None:
        raise UploadRefused("nothing_to_sign")
    if document_id is not None and document.id != document_id:
        raise UploadRefused("newer_version")
    existing = db.session.scalar(
        select(StageSignoff).where(StageSignoff.document_id == document.id)
    )
    if existing is not None:
        return existing
    signoff = StageSignoff(
        path_id=path.id, stage=stage, document_id=document.id, advisor_id=advisor.id
    )
    db.session.add(signoff)
    db.session.commit()
    return signoff

"""A partnership's records in a programme: the partnership agreement and the council's
resolutions, each a series of versions.

A record's file is a Document of the partnership's path under RECORD_STAGE, a stage no path
definition has: the upload checks, the store, its daily check and the access rules of
documents apply as to any stage document, and the path's pages list only their stages'
documents. Only the leader adds a record (a new series, or a new version of one).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import date
from typing import BinaryIO

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from workflow.extensions import db
from workflow.models import (
    ApplicantMember,
    CouncilSeat,
    Document,
    Municipality,
    Partnership,
    PartnershipRecord,
    Path,
    RecordKind,
    User,
)
from workflow.path import access, documents
from workflow.refusal import Refused, _l

RECORD_STAGE = "partnership_record"  # Document.stage of a record's file: outside every path's stages

LEADER_ONLY = _l("Dokumenty partnerstwa dodaje lider partnerstwa.")
UNCHANGED = _l("Ten plik jest taki sam jak obecna wersja tego dokumentu – nic się w nim nie zmieniło.")
AT_ONCE = _l("W tej samej chwili ktoś dodał wersję tego dokumentu. Odśwież stronę i spróbuj ponownie.")


@dataclass(frozen=True)
class Series:
    """The versions of one record (the agreement, or one resolution), newest first."""

    kind: RecordKind
    number: str
    versions: list[PartnershipRecord]

    @property
    def latest(self) -> PartnershipRecord:
        return self.versions[0]


def partnership_of(path: Path) -> Partnership | None:
    """The partnership applying on `path`, with its council (None: not a partnership)."""
    return db.session.scalar(
        select(Partnership).options(joinedload(Partnership.seats).joinedload(CouncilSeat.municipality))
        .where(Partnership.applicant_id == path.applicant_id))


def members_of(path: Path) -> list[ApplicantMember]:
    """The applicant's members with their municipalities and register units: the leader
    first, then the gminas and the powiat, by TERYT code."""
    members = list(db.session.scalars(
        select(ApplicantMember)
        .options(joinedload(ApplicantMember.municipality).joinedload(Municipality.unit))
        .where(ApplicantMember.applicant_id == path.applicant_id)))
    return sorted(members, key=lambda m: (not m.is_leader, len(m.municipality.teryt or "") == 4,
                                          m.municipality.teryt or "", m.municipality_id))


def records_of(path: Path) -> list[Series]:
    """The path's records by series: the agreement first, then the resolutions by number."""
    rows = db.session.scalars(
        select(PartnershipRecord).options(joinedload(PartnershipRecord.document))
        .where(PartnershipRecord.path_id == path.id)
        .order_by(PartnershipRecord.kind, PartnershipRecord.number, PartnershipRecord.version.desc()))
    series: dict[tuple[str, str], list[PartnershipRecord]] = {}
    for row in rows:
        series.setdefault((row.kind, row.number), []).append(row)
    out = [Series(RecordKind(kind), number, versions) for (kind, number), versions in series.items()]
    return sorted(out, key=lambda s: (s.kind != RecordKind.AGREEMENT, _number_key(s.number)))


def _number_key(number: str) -> tuple[int, ...] | tuple[str]:
    """'3/2021' after '2/2021' and before '10/2021': by year, then by number."""
    parts = number.replace("-", "/").split("/")
    if all(p.isdigit() for p in parts):
        return tuple(int(p) for p in reversed(parts))
    return (number,)


def add(path: Path, user: User, *, kind: RecordKind, number: str, title: str,
        adopted_on: date | None, filename: str, stream: BinaryIO) -> PartnershipRecord:
    """Add a version of the agreement or of resolution `number` (a new series, or the next
    version of it) with its file; committed. Refused unless `user` acts for the leader (403),
    for a file the upload checks refuse (documents.UploadRefused) or one identical to the
    series' current version (409)."""
    member = access.acting_member(user, path.applicant_id)
    if member is None or not member.is_leader:
        raise Refused([LEADER_ONLY], status=403)
    number = number.strip() if kind == RecordKind.RESOLUTION else ""
    limit = current_app.config["UPLOAD_MAX_MB"] * 1024 * 1024
    data = stream.read(limit + 1)
    previous = db.session.scalar(
        select(PartnershipRecord).options(joinedload(PartnershipRecord.document))
        .where(PartnershipRecord.path_id == path.id, PartnershipRecord.kind == kind,
               PartnershipRecord.number == number)
        .order_by(PartnershipRecord.version.desc()).limit(1))
    if previous is not None and previous.document.content_hash == hashlib.sha256(data).hexdigest():
        raise Refused([UNCHANGED])
    version = (db.session.scalar(
        select(func.max(PartnershipRecord.version)).where(
            PartnershipRecord.path_id == path.id, PartnershipRecord.kind == kind,
            PartnershipRecord.number == number)) or 0) + 1
    made: list[PartnershipRecord] = []

    def describe(document: Document) -> None:
        record = PartnershipRecord(path_id=path.id, kind=kind, number=number, title=title.strip(),
                                   adopted_on=adopted_on, version=version, document_id=document.id,
                                   created_by_id=user.id, created_at=document.uploaded_at)
        db.session.add(record)
        db.session.flush()
        made.append(record)

    try:
        documents.store_upload(path, RECORD_STAGE, filename, io.BytesIO(data), user,
                               same_file_ok=True, attach=describe)
    except IntegrityError as exc:  # the same version added by someone else at this moment
        db.session.rollback()
        raise Refused([AT_ONCE], stale=True) from exc
    return made[0]

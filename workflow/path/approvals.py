"""The applicant's members approving a stage's document before it is submitted.

A partnership's municipalities each approve the version of a stage's document the leader is
to submit; the definition's guard `all_parties_approved` holds once every member has
approved the stage's latest version. An approval is of a version (a DocumentApproval of one
Document): a newer upload has none, so a new version clears them. Approvals are collected
while the definition says so (`collects_approvals`: a move out of the current state needs
them), and each person approves for the municipality they act for (access.acting_member),
never for another one. Nothing here knows a programme or a partnership.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload

import states
from workflow.audit import log as audit
from workflow.extensions import db
from workflow.models import ApplicantMember, Document, DocumentApproval, Path, User
from workflow.models.types import utcnow
from workflow.path import access, documents
from workflow.refusal import Refused, _l
from workflow.text import polish_key

NOT_NOW = _l("Na tym etapie gminy nie zatwierdzają dokumentu.")
NOT_A_MEMBER = _l("Twoje konto nie jest przypisane do żadnej gminy tego partnerstwa, więc nie "
                  "możesz zatwierdzać dokumentów. Poproś koordynatora o przypisanie konta do gminy.")
NOTHING_YET = _l("Nie dodano jeszcze dokumentu tego etapu – nie ma czego zatwierdzać.")
NEWER_VERSION = _l("W międzyczasie dodano nowszą wersję dokumentu. Przejrzyj ją przed zatwierdzeniem.")


@dataclass(frozen=True)
class Party:
    """A member of the applicant and its approval of the document (None: not yet)."""

    member: ApplicantMember
    approval: DocumentApproval | None


@dataclass(frozen=True)
class Approvals:
    """Who has and who has not approved the latest version of the current stage's document."""

    stage: str
    document: Document | None
    parties: list[Party]

    @property
    def approved(self) -> list[Party]:
        return [p for p in self.parties if p.approval is not None]

    @property
    def pending(self) -> list[Party]:
        return [p for p in self.parties if p.approval is None]

    @property
    def complete(self) -> bool:
        return self.document is not None and not self.pending


def parties_approved(path: Path, document: Document | None) -> bool:
    """Every member of the path's applicant approved `document` (one query)."""
    if document is None:
        return False
    missing = db.session.scalar(
        select(func.count()).select_from(ApplicantMember).where(
            ApplicantMember.applicant_id == path.applicant_id,
            ~exists().where(DocumentApproval.document_id == document.id,
                            DocumentApproval.municipality_id == ApplicantMember.municipality_id)))
    return missing == 0


def approvals_of(path: Path, stage: str, document: Document | None) -> Approvals:
    """The applicant's members (the leader first, then by name) with their approvals of
    `document`: one query."""
    approval = aliased(DocumentApproval)
    document_id = document.id if document is not None else -1
    rows = db.session.execute(
        select(ApplicantMember, approval)
        .options(joinedload(ApplicantMember.municipality))
        .outerjoin(approval, and_(approval.document_id == document_id,
                                  approval.municipality_id == ApplicantMember.municipality_id))
        .options(joinedload(approval.approved_by))
        .where(ApplicantMember.applicant_id == path.applicant_id)
    ).unique().all()
    parties = [Party(member, found) for member, found in rows]
    parties.sort(key=lambda p: (not p.member.is_leader, polish_key(p.member.municipality.name),
                                p.member.municipality_id))
    return Approvals(stage, document, parties)


def current(path: Path) -> Approvals | None:
    """The approvals of the current stage's latest document, while the definition collects
    them (None otherwise)."""
    definition = states.get_definition(path.programme.path_code)
    if not definition.collects_approvals(path.state):
        return None
    stage = definition.state(path.state).stage
    return approvals_of(path, stage, documents.latest_document(path, stage))


def approve(path: Path, user: User, document_id: int | None, now: datetime | None = None
            ) -> DocumentApproval:
    """Record that the municipality `user` acts for approves the current stage's latest
    document (the version `document_id` the person saw). Refused when approvals are not
    collected now (409), when the person acts for no member (403), when there is no
    document (409) or a newer version came meanwhile (409, stale). Approving twice is
    one approval. Commits."""
    definition = states.get_definition(path.programme.path_code)
    if not definition.collects_approvals(path.state):
        raise Refused([NOT_NOW])
    member = access.acting_member(user, path.applicant_id)
    if member is None:
        raise Refused([NOT_A_MEMBER], status=403)
    stage = definition.state(path.state).stage
    latest = documents.latest_document(path, stage)
    if latest is None:
        raise Refused([NOTHING_YET])
    if document_id is not None and latest.id != document_id:
        raise Refused([NEWER_VERSION], stale=True)
    existing = _approval(latest.id, member.municipality_id)
    if existing is not None:
        return existing
    approval = DocumentApproval(document_id=latest.id, path_id=path.id,
                                applicant_id=path.applicant_id,
                                municipality_id=member.municipality_id, approved_by_id=user.id,
                                created_at=now or utcnow())
    db.session.add(approval)
    try:
        db.session.flush()
    except IntegrityError:  # another person of the same municipality approved at this moment
        db.session.rollback()
        found = _approval(latest.id, member.municipality_id)
        if found is None:
            raise
        return found
    audit.record("document_approved", actor=user, object_type="document", object_id=latest.id,
                 programme_id=path.programme_id,
                 detail={"path_id": path.id, "stage": stage,
                         "municipality_id": member.municipality_id})
    db.session.commit()
    return approval


def _approval(document_id: int, municipality_id: int) -> DocumentApproval | None:
    return db.session.scalar(select(DocumentApproval).where(
        DocumentApproval.document_id == document_id,
        DocumentApproval.municipality_id == municipality_id))

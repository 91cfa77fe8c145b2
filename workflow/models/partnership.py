"""What only a partnership has, beside its members (workflow/models/applicant.py): the legal
form of its cooperation, its council with the chair, and its records (the partnership
agreement and the council's resolutions, each a series of versions).

The legal forms are those of art. 10g of the act on gmina self-government (a joint
supra-local strategy of neighbouring, functionally linked gminas): an inter-municipal
agreement (art. 74), an association of local governments (art. 84), an inter-municipal
union (art. 64) or a powiat–gmina union.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.extensions import db
from workflow.models.applicant import Applicant, Municipality
from workflow.models.document import Document
from workflow.models.types import UTCDateTime, str_enum, utcnow
from workflow.models.user import User


class LegalForm(enum.StrEnum):
    AGREEMENT = "agreement"  # porozumienie międzygminne (art. 74)
    ASSOCIATION = "association"  # stowarzyszenie jednostek samorządu terytorialnego (art. 84)
    MUNICIPAL_UNION = "municipal_union"  # związek międzygminny (art. 64)
    POWIAT_GMINA_UNION = "powiat_gmina_union"  # związek powiatowo-gminny


class RecordKind(enum.StrEnum):
    AGREEMENT = "agreement"  # the partnership agreement (umowa / porozumienie partnerskie)
    RESOLUTION = "resolution"  # a resolution of the partnership council (uchwała Rady Partnerstwa)


LEGAL_FORMS = ", ".join(f"'{f.value}'" for f in LegalForm)
RECORD_KINDS = ", ".join(f"'{k.value}'" for k in RecordKind)


class Partnership(db.Model):
    """An applicant of kind 'partnership', with what only a partnership has."""

    __tablename__ = "partnership"
    __table_args__ = (CheckConstraint(f"legal_form IN ({LEGAL_FORMS})", name="legal_form_known"),)

    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicant.id", ondelete="CASCADE"),
                                              primary_key=True)
    legal_form: Mapped[LegalForm] = mapped_column(str_enum(LegalForm, 30))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    applicant: Mapped[Applicant] = relationship()
    seats: Mapped[list[CouncilSeat]] = relationship(back_populates="partnership",
                                                    cascade="all, delete-orphan",
                                                    order_by="CouncilSeat.id")


class CouncilSeat(db.Model):
    """A member municipality's representative on the partnership council (Rada Partnerstwa):
    its mayor, wójt or starosta; one of them chairs it."""

    __tablename__ = "partnership_council_seat"
    __table_args__ = (
        UniqueConstraint("applicant_id", "municipality_id"),
        ForeignKeyConstraint(["applicant_id", "municipality_id"],
                             ["applicant_member.applicant_id", "applicant_member.municipality_id"],
                             ondelete="CASCADE"),
        Index("uq_partnership_council_seat_one_chair", "applicant_id", unique=True,
              sqlite_where=db.text("is_chair"), postgresql_where=db.text("is_chair")),
        CheckConstraint("length(person_name) > 0", name="person_named"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int] = mapped_column(
        ForeignKey("partnership.applicant_id", ondelete="CASCADE"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    person_name: Mapped[str] = mapped_column(String(200))
    office: Mapped[str] = mapped_column(String(120), default="")  # e.g. "Burmistrz", "Wójt", "Starosta"
    is_chair: Mapped[bool] = mapped_column(default=False)

    partnership: Mapped[Partnership] = relationship(back_populates="seats")
    municipality: Mapped[Municipality] = relationship()


class PartnershipRecord(db.Model):
    """One version of the partnership agreement or of a council resolution in a programme.

    Its file is a Document of the partnership's path outside the path's stages, so the
    upload checks, the store, its daily check and the access rules of documents apply to it
    as to any other. A series is (kind, number): the agreement has one (number ''), each
    resolution its own number (e.g. '3/2021'); version 1, 2, … in the order uploaded.
    """

    __tablename__ = "partnership_record"
    __table_args__ = (
        UniqueConstraint("path_id", "kind", "number", "version"),
        CheckConstraint(f"kind IN ({RECORD_KINDS})", name="kind_known"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("kind = 'agreement' OR length(number) > 0", name="resolution_numbered"),
        CheckConstraint("kind = 'resolution' OR number = ''", name="agreement_unnumbered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    path_id: Mapped[int] = mapped_column(ForeignKey("path.id", ondelete="CASCADE"), index=True)
    kind: Mapped[RecordKind] = mapped_column(str_enum(RecordKind, 20))
    number: Mapped[str] = mapped_column(String(40), default="")
    title: Mapped[str] = mapped_column(String(200))
    adopted_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(default=1)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    document: Mapped[Document] = relationship()
    created_by: Mapped[User | None] = relationship()

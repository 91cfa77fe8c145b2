"""Who applies: a town today, a partnership of municipalities in the CWD programme.

A path belongs to an Applicant; an applicant has one or more municipalities as members.
A single town is an applicant of kind 'town' with one member, so a partnership needs no
change to paths, documents or users.
"""

from __future__ import annotations

import enum

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.extensions import db
from workflow.models.types import str_enum


class ApplicantKind(enum.StrEnum):
    TOWN = "town"
    PARTNERSHIP = "partnership"


class Municipality(db.Model):
    __tablename__ = "municipality"
    __table_args__ = (
        CheckConstraint("teryt IS NULL OR length(teryt) = 7", name="teryt_seven_digits"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    voivodeship: Mapped[str] = mapped_column(String(40), index=True)
    teryt: Mapped[str | None] = mapped_column(String(7), unique=True)


class Applicant(db.Model):
    __tablename__ = "applicant"
    __table_args__ = (
        CheckConstraint("kind IN ('town', 'partnership')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ApplicantKind] = mapped_column(str_enum(ApplicantKind, 20), default=ApplicantKind.TOWN)
    name: Mapped[str] = mapped_column(String(200))
    # The leading municipality, denormalised for listing and filtering without a join
    # through the member table (a town's only municipality, a partnership's leader).
    voivodeship: Mapped[str] = mapped_column(String(40), index=True)

    memberships: Mapped[list[ApplicantMember]] = relationship(
        back_populates="applicant", cascade="all, delete-orphan"
    )
    members: Mapped[list[User]] = relationship(back_populates="applicant")  # noqa: F821


class ApplicantMember(db.Model):
    __tablename__ = "applicant_member"
    __table_args__ = (UniqueConstraint("applicant_id", "municipality_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicant.id", ondelete="CASCADE"))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    is_leader: Mapped[bool] = mapped_column(default=False)

    applicant: Mapped[Applicant] = relationship(back_populates="memberships")
    municipality: Mapped[Municipality] = relationship()

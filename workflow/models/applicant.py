"""Who applies: a town, or a partnership of municipalities in the CWD programme.

A path belongs to an Applicant; an applicant has one or more municipalities as members, one
of them the leader. A single town is an applicant of kind 'town' with one member, so a
partnership needs no change to paths or documents; a partnership's people each act for
their own municipality (User.municipality_id), and what only a partnership has (its legal
form, council and records) is in workflow/models/partnership.py.

A municipality is a local government of the TERYT register: a gmina (7 digits) or, as a
partnership's member, a powiat (4 digits); `unit_id` links it to the register's unit when
the register is loaded (workflow/monitoring/units.py).
"""

from __future__ import annotations

import enum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.extensions import db
from workflow.models.sorting import name_key, sort_key
from workflow.models.types import str_enum


class ApplicantKind(enum.StrEnum):
    TOWN = "town"
    PARTNERSHIP = "partnership"


class Municipality(db.Model):
    __tablename__ = "municipality"
    __table_args__ = (
        # A gmina's seven digits, or a powiat's four (a partnership's member).
        CheckConstraint("teryt IS NULL OR length(teryt) = 7 OR length(teryt) = 4",
                        name="teryt_gmina_or_powiat"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    voivodeship: Mapped[str] = mapped_column(String(40), index=True)
    teryt: Mapped[str | None] = mapped_column(String(7), unique=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("territorial_unit.id"), unique=True)

    unit: Mapped[TerritorialUnit | None] = relationship()  # noqa: F821

    @property
    def is_powiat(self) -> bool:
        return self.teryt is not None and len(self.teryt) == 4


class Applicant(db.Model):
    __tablename__ = "applicant"
    __table_args__ = (
        CheckConstraint("kind IN ('town', 'partnership')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ApplicantKind] = mapped_column(str_enum(ApplicantKind, 20), default=ApplicantKind.TOWN)
    name: Mapped[str] = mapped_column(String(200))
    # The name's Polish sort key (workflow.text.sort_key), so the long lists sort towns by a
    # plain column on both databases (decision 0035); set with the name.
    sort_key: Mapped[str | None] = mapped_column(Text, default=name_key)
    # The leading municipality, denormalised for listing and filtering without a join
    # through the member table (a town's only municipality, a partnership's leader).
    voivodeship: Mapped[str] = mapped_column(String(40), index=True)

    memberships: Mapped[list[ApplicantMember]] = relationship(
        back_populates="applicant", cascade="all, delete-orphan"
    )
    members: Mapped[list[User]] = relationship(back_populates="applicant")  # noqa: F821


class ApplicantMember(db.Model):
    __tablename__ = "applicant_member"
    __table_args__ = (
        UniqueConstraint("applicant_id", "municipality_id"),
        # One leader per applicant, enforced by the database.
        Index("uq_applicant_member_one_leader", "applicant_id", unique=True,
              sqlite_where=db.text("is_leader"), postgresql_where=db.text("is_leader")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicant.id", ondelete="CASCADE"))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    is_leader: Mapped[bool] = mapped_column(default=False)

    applicant: Mapped[Applicant] = relationship(back_populates="memberships")
    municipality: Mapped[Municipality] = relationship()


@event.listens_for(Applicant.name, "set")
def _renamed(target: Applicant, value: str | None, _old: object, _initiator: object) -> None:
    target.sort_key = sort_key(value) if value is not None else None

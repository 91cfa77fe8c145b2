"""People who log in, and the role they hold."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, ForeignKeyConstraint, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from workflow.extensions import db
from workflow.models.sorting import name_key, sort_key
from workflow.models.types import UTCDateTime, str_enum, utcnow


class Role(enum.StrEnum):
    TOWN = "town"
    ADVISOR = "advisor"
    EVALUATOR = "evaluator"
    COORDINATOR = "coordinator"
    # The moderator of experience-exchange groups of the monitoring (docs/decisions/0038).
    MODERATOR = "moderator"


ROLE_VALUES = ", ".join(f"'{r.value}'" for r in Role)


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(f"role IN ({ROLE_VALUES})", name="role_known"),
        # A town member belongs to exactly one applicant; nobody else belongs to one.
        CheckConstraint(
            "(role = 'town' AND applicant_id IS NOT NULL)"
            " OR (role <> 'town' AND applicant_id IS NULL)",
            name="town_member_has_applicant",
        ),
        CheckConstraint("locale IN ('pl', 'en')", name="locale_known"),
        # The municipality a town member acts for is a member of their own applicant
        # (a partnership's person acts for their municipality only).
        CheckConstraint("municipality_id IS NULL OR role = 'town'", name="municipality_of_town_member"),
        ForeignKeyConstraint(["applicant_id", "municipality_id"],
                             ["applicant_member.applicant_id", "applicant_member.municipality_id"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # The name's Polish sort key (workflow.models.sorting), set with the name (decision 0035).
    sort_key: Mapped[str | None] = mapped_column(Text, default=name_key)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role, 20))
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("applicant.id"), index=True)
    # The member municipality a partnership's person acts for (approves for, speaks for).
    # None: the person acts for the applicant as a whole, which only a single town's team
    # does (workflow/path/access.acting_member).
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"), index=True)
    locale: Mapped[str] = mapped_column(String(5), default="pl")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Part of the id kept in the session cookie: raising it (new password, deactivation)
    # makes every session opened before stop working at its next request.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The second factor (workflow/accounts/two_factor.py, docs/decisions/0020): a random
    # seed from which, with a server key kept outside the database, the TOTP secret is
    # derived; the moment enrolment was confirmed (None while it is pending or off); and
    # the last time step whose code was accepted (a code is never accepted twice).
    totp_seed: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger())
    # When the name and e-mail were replaced by a pseudonym on the person's request
    # (workflow/privacy): the account is off for good, its history kept.
    pseudonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    applicant: Mapped[Applicant | None] = relationship(back_populates="members")  # noqa: F821
    municipality: Mapped[Municipality | None] = relationship()  # noqa: F821

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def get_id(self) -> str:
        """The session's user id: the row id and the session version ("12-3")."""
        return f"{self.id}-{self.session_version or 1}"

    def end_sessions(self) -> None:
        """Log this person out everywhere (their next request finds a stale version)."""
        self.session_version = (self.session_version or 1) + 1

    @property
    def has_totp(self) -> bool:
        """Whether logging in asks for a code after the password."""
        return self.totp_enabled_at is not None and self.totp_seed is not None

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


@event.listens_for(User.name, "set")
def _renamed(target: User, value: str | None, _old: object, _initiator: object) -> None:
    target.sort_key = sort_key(value) if value is not None else None

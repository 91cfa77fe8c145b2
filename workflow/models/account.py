"""What guards an account: one-time password reset tokens and the record of login attempts.

LoginAttempt rows are kept per normalised e-mail whether or not an account exists, so the
lockout that counts them treats an unknown address exactly like a known one and the
answer never tells an attacker which addresses have accounts.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow.extensions import db
from workflow.models.types import UTCDateTime, str_enum, utcnow


class PasswordResetToken(db.Model):
    """A link sent by e-mail to set a new password: stored only as a SHA-256 hash, valid
    until `expires_at`, and spent (`used_at`) by its first use or by a newer token."""

    __tablename__ = "password_reset_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                         index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LoginReason(enum.StrEnum):
    """How a try at the login form ended."""

    OK = "ok"
    BAD_PASSWORD = "bad_password"  # noqa: S105  (a reason, not a password)
    UNKNOWN = "unknown"  # no account with that e-mail
    INACTIVE = "inactive"
    LOCKED = "locked"
    RATE_LIMITED = "rate_limited"


class LoginAttempt(db.Model):
    """One try at the login form: who (the typed e-mail, normalised), from where, and how
    it ended (LoginReason)."""

    __tablename__ = "login_attempt"
    __table_args__ = (Index("ix_login_attempt_email_created", "email", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    ip: Mapped[str] = mapped_column(String(45), default="")
    success: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[LoginReason] = mapped_column(str_enum(LoginReason, 20))
    # Indexed: the retention task deletes attempts older than LOGIN_ATTEMPTS_RETENTION_DAYS.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class RecoveryCode(db.Model):
    """One of the ten one-time codes that stand in for the second factor when the phone is
    lost: shown once at enrolment (or regeneration), stored only as a SHA-256 hash of the
    user's id and the code, spent (`used_at`) by its one use."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                         index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Invitation(db.Model):
    """A coordinator's invitation to a new account: a one-time link by e-mail with which the
    person sets their own password. Stored only as a SHA-256 hash; valid until `expires_at`;
    spent (`used_at`) by its first use, or by a newer invitation of the same account."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

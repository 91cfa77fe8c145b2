"""The second factor: a time-based code from an app on the phone (TOTP, RFC 6238, by pyotp),
and ten one-time recovery codes for the day the phone is lost. Why it is shaped so:
docs/decisions/0020.

- Enrolment is two steps: `begin` draws a random seed (pending), the page shows the QR
  code, and `confirm` accepts a current code from the app, with the password typed again;
  only then does the login ask for codes, and the ten recovery codes are made and shown once.
- The TOTP secret is never stored: the database holds a random seed, and the secret is
  HMAC-SHA256(TOTP key, seed), the key being TOTP_KEY or one derived from SECRET_KEY, both
  kept outside the database. A copy of the database (a backup, a dump) alone cannot make
  codes. Recovery codes are stored as SHA-256 hashes of the user's id and the code.
- A code is accepted in the current 30-second step or one either side (a phone's clock a
  little off), and each step at most once: the last accepted step is kept on the account
  and raised by one conditional UPDATE, so two requests with the same code (a replay, or
  a double click) cannot both pass.
- Wrong codes are throttled per account and per client address, like wrong passwords
  (TOTP_LIMIT_PER_ACCOUNT / _PER_ADDRESS; workflow/accounts/security.Throttle).
- Between the password and the code the session holds only a "pending" mark (the user's
  id-version, when, where to go next): Flask-Login knows no user, so that session opens
  nothing; it lasts PENDING_MINUTES.
- Audit events: totp_enabled, totp_disabled, recovery_codes_regenerated,
  recovery_code_used, totp_failed; none carries a secret, a code or a hash.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import itertools
import re
import secrets
import time
from dataclasses import dataclass

import pyotp
import segno
from flask import current_app, request, session
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from workflow.accounts.security import Throttle
from workflow.audit import log as audit
from workflow.extensions import db
from workflow.models import RecoveryCode, User
from workflow.models.types import utcnow
from workflow.refusal import Refused, _l

ISSUER = "Ścieżka"
STEP_SECONDS = 30
DIGITS = 6
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no i, l, o, 0, 1: nothing to misread
RECOVERY_LENGTH = 12  # about 59 bits each, written xxxx-xxxx-xxxx
PENDING = "_totp_pending"  # the session's mark between the password and the code
PENDING_MINUTES = 5

MUST_USE = _l("Twoja rola musi używać weryfikacji dwuetapowej, więc nie można jej wyłączyć.")


class Check(enum.StrEnum):
    """How a code typed at the login's second step (or as a proof) was taken."""

    CODE = "code"  # a current code from the app
    RECOVERY = "recovery"  # a recovery code, now spent
    PASSWORD = "password"  # noqa: S105  (the account's password, as a proof on the settings page)
    INVALID = "invalid"
    RATE_LIMITED = "rate_limited"


@dataclass
class Checked:
    outcome: Check
    retry_after: int = 0  # seconds, for RATE_LIMITED
    remaining: int = 0  # recovery codes left, for RECOVERY

    @property
    def ok(self) -> bool:
        return self.outcome in (Check.CODE, Check.RECOVERY, Check.PASSWORD)


# --- the setting --------------------------------------------------------------------------

def required_for(user: User) -> bool:
    """Whether the user's role must use the second factor (TOTP_REQUIRED_ROLES)."""
    return str(user.role) in current_app.config["TOTP_REQUIRED_ROLES"]


def must_enrol(user: User) -> bool:
    """A user whose role requires the factor and who has not enrolled yet: they may reach
    the enrolment page and little else."""
    return required_for(user) and not user.has_totp


# --- the secret ---------------------------------------------------------------------------

def _key() -> bytes:
    configured = current_app.config.get("TOTP_KEY")
    if configured:
        return str(configured).encode()
    return hmac.new(current_app.config["SECRET_KEY"].encode(), b"sciezka totp key", hashlib.sha256).digest()


def secret_of(user: User) -> str:
    """The base32 secret the user's app holds (derived, never stored)."""
    if not user.totp_seed:
        raise ValueError("no second factor started for this account")
    digest = hmac.new(_key(), b"totp secret:" + user.totp_seed.encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:20]).decode()


def _totp(user: User) -> pyotp.TOTP:
    return pyotp.TOTP(secret_of(user), digits=DIGITS, interval=STEP_SECONDS)


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


@dataclass(frozen=True)
class Enrolment:
    """What the enrolment page shows: the QR code, as the outline of its dark modules (one
    SVG path, drawn by the template on a square of `size` units), and the same secret as
    text in groups of four (the QR code's text alternative)."""

    path: str
    size: int
    secret: str


QUIET_ZONE = 4  # modules of white around the code, as the standard asks


def enrolment(user: User) -> Enrolment:
    """The pending enrolment's QR code and secret, only while the enrolment is pending."""
    if user.has_totp:
        raise ValueError("already enrolled: the secret is never shown again")
    secret = secret_of(user)
    uri = _totp(user).provisioning_uri(name=user.email, issuer_name=ISSUER)
    qr = segno.make(uri, error="m")
    parts = []
    for y, row in enumerate(qr.matrix_iter(scale=1, border=QUIET_ZONE)):
        x = 0
        for dark, run in itertools.groupby(row):
            n = len(list(run))
            if dark:
                parts.append(f"M{x} {y}h{n}v1h-{n}z")
            x += n
    size = qr.symbol_size(scale=1, border=QUIET_ZONE)[0]
    return Enrolment("".join(parts), size, grouped(secret))


def begin(user: User) -> None:
    """Start (or start again) an enrolment: a new random seed, not yet in force (committed)."""
    if user.has_totp:
        return
    user.totp_seed = secrets.token_hex(32)
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.commit()


# --- checking a code ----------------------------------------------------------------------

def _digits(typed: str) -> str:
    return re.sub(r"[\s-]", "", typed or "")


def _step_of(user: User, typed: str) -> int | None:
    """The time step (now, or one either side) whose code is `typed`, or None."""
    code = _digits(typed)
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = _totp(user)
    now = totp.timecode(time.time())
    for step in (now, now - 1, now + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _accept_code(user: User, typed: str) -> bool:
    """Accept `typed` as the user's current code, once: the step is recorded by one
    conditional UPDATE, so the same code (or an older one) never passes again (caller
    commits)."""
    step = _step_of(user, typed)
    if step is None:
        return False
    raised = db.session.execute(
        update(User)
        .where(User.id == user.id,
               or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False))
    if raised.rowcount != 1:
        return False
    set_committed_value(user, "totp_last_step", step)
    return True


def _throttles(user: User) -> tuple[Throttle, Throttle]:
    return (Throttle("totp-account", "TOTP_LIMIT_PER_ACCOUNT", f"user:{user.id}"),
            Throttle("totp-address", "TOTP_LIMIT_PER_ADDRESS", (request.remote_addr or "")[:45]))


def _throttled(user: User) -> Checked | None:
    for throttle in _throttles(user):
        if throttle.exceeded():
            current_app.logger.warning("second factor rate limited (%s) from %s", throttle.scope,
                                       request.remote_addr)
            return Checked(Check.RATE_LIMITED, retry_after=throttle.retry_after())
    return None


def _failed(user: User, where: str) -> Checked:
    for throttle in _throttles(user):
        throttle.hit()
    audit.record("totp_failed", actor=user, object_type="user", object_id=user.id,
                 detail={"step": where})
    db.session.commit()
    return Checked(Check.INVALID)


def check_login(user: User, typed: str) -> Checked:
    """The login's second step: a current code, or a recovery code (spent by this use).
    Committed whatever the outcome; wrong answers count against the throttles."""
    limited = _throttled(user)
    if limited is not None:
        return limited
    if _accept_code(user, typed):
        db.session.commit()
        return Checked(Check.CODE)
    remaining = _spend_recovery_code(user, typed)
    if remaining is not None:
        audit.record("recovery_code_used", actor=user, object_type="user", object_id=user.id,
                     detail={"remaining": remaining})
        db.session.commit()
        return Checked(Check.RECOVERY, remaining=remaining)
    db.session.rollback()
    return _failed(user, "login")


def check_proof(user: User, typed: str) -> Checked:
    """A proof that the person at the keyboard owns the account, before the recovery codes
    are made anew or the factor is switched off: a current code or the password. Throttled
    like the login's second step (committed)."""
    limited = _throttled(user)
    if limited is not None:
        return limited
    if user.has_totp and _accept_code(user, typed):
        db.session.commit()
        return Checked(Check.CODE)
    if typed and user.check_password(typed):
        return Checked(Check.PASSWORD)
    db.session.rollback()
    return _failed(user, "settings")


def check_password(user: User, typed: str) -> Checked:
    """The password, asked once more before an enrolment is confirmed (a session cookie
    stolen from someone without the factor must not be enough to put the thief's phone on
    their account). Throttled like the codes (committed)."""
    limited = _throttled(user)
    if limited is not None:
        return limited
    if typed and user.check_password(typed):
        return Checked(Check.PASSWORD)
    return _failed(user, "enrolment")


# --- enrolment, recovery codes, switching off ---------------------------------------------

def confirm(user: User, typed: str) -> list[str] | None:
    """Finish the enrolment with a current code from the app (the caller checked the
    password): the factor is in force and the ten recovery codes are returned, to be shown
    once (committed). None: wrong code."""
    if user.has_totp or not user.totp_seed or not _accept_code(user, typed):
        db.session.rollback()
        return None
    user.totp_enabled_at = utcnow()
    codes = _new_recovery_codes(user)
    audit.record("totp_enabled", actor=user, object_type="user", object_id=user.id)
    db.session.commit()
    return codes


def regenerate(user: User) -> list[str]:
    """New recovery codes in place of every old one (committed; the caller checked a proof)."""
    codes = _new_recovery_codes(user)
    audit.record("recovery_codes_regenerated", actor=user, object_type="user", object_id=user.id)
    db.session.commit()
    return codes


def disable(user: User) -> None:
    """Switch the factor off (committed; the caller checked a proof). Refused while the
    user's role must use it."""
    if required_for(user):
        raise Refused([MUST_USE], status=403)
    user.totp_seed = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.record("totp_disabled", actor=user, object_type="user", object_id=user.id)
    db.session.commit()


def reset(user: User, by: str) -> None:
    """Switch a person's factor off for them (an operator's command, when the phone and the
    recovery codes are both lost): whatever the setting; the next login asks them to enrol
    again if their role requires it (committed)."""
    user.totp_seed = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.record("totp_disabled", actor=None, object_type="user", object_id=user.id,
                 detail={"by": by, "email": user.email})
    db.session.commit()


def _hash_code(user: User, code: str) -> str:
    return hashlib.sha256(f"{user.id}:{code}".encode()).hexdigest()


def _normalise_recovery(typed: str) -> str:
    return _digits(typed).lower()


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
             for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash_code(user, code)) for code in codes)
    return ["-".join(code[i:i + 4] for i in range(0, RECOVERY_LENGTH, 4)) for code in codes]


def _spend_recovery_code(user: User, typed: str) -> int | None:
    """Spend the recovery code `typed` (one conditional UPDATE: it works once, even twice at
    once); the number left, or None when it is not an unspent code of this user."""
    code = _normalise_recovery(typed)
    if len(code) != RECOVERY_LENGTH:
        return None
    spent = db.session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash_code(user, code),
               RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False))
    if spent.rowcount != 1:
        return None
    return recovery_codes_left(user)


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(RecoveryCode)
                             .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


# --- between the password and the code ----------------------------------------------------

def hold(user: User, next_url: str | None) -> None:
    """Mark the session as past the password of `user`, awaiting the code: no login yet."""
    session[PENDING] = {"user": user.get_id(), "at": int(time.time()), "next": next_url or ""}


def held() -> tuple[User, str] | None:
    """The user whose code this session awaits (and where to go next), while the mark is
    fresh and the account unchanged (same session version, active, still enrolled)."""
    mark = session.get(PENDING)
    if not isinstance(mark, dict):
        return None
    at = mark.get("at")
    if not isinstance(at, int) or time.time() - at > PENDING_MINUTES * 60:
        return None
    ident, _sep, version = str(mark.get("user", "")).partition("-")
    if not ident.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(ident))
    if user is None or not user.active or user.session_version != int(version) or not user.has_totp:
        return None
    return user, str(mark.get("next") or "")


def release() -> None:
    session.pop(PENDING, None)

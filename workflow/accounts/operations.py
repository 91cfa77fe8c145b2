"""Accounts: logging in safely, the password policy, reset links, and switching people off.

Why each piece is shaped as it is:
- A login is refused in the same words whether the e-mail is unknown, the password wrong,
  or the account locked, so the form never tells anyone which addresses have accounts.
  Only the right password for a deactivated account is told so (its owner needs to know).
- Two defences against guessing: Flask-Limiter counts failed logins per account and per
  address (quick bursts, an HTTP 429), and the database lockout stops an account after
  LOGIN_LOCKOUT_FAILURES failures within LOGIN_LOCKOUT_MINUTES (counted from the
  LoginAttempt rows, which exist for unknown e-mails too, so they lock alike).
- Reset links carry a random token stored only as a hash: a leaked database holds no
  working links. A token works once, for an hour, and a newer one spends the older ones.
- A new password, a deactivation, a logout and "log out everywhere" raise
  User.session_version, which is part of the session's user id (and of any remember-me
  cookie), so every session opened before stops at its next request: a copied cookie
  replayed after a logout opens nothing. A logout therefore ends the account's sessions on
  every device (the server keeps no table of sessions; see docs/decisions/0018).
- A session also ends SESSION_IDLE_MINUTES after its last request and SESSION_MAX_HOURS
  after its login (two timestamps in the signed session cookie). A session that did not
  start at our login form (a remember-me cookie; we issue none) has no login time: refused.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from flask import current_app, request, session
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import aliased, contains_eager
from werkzeug.security import check_password_hash, generate_password_hash

from workflow.accounts.security import Throttle
from workflow.audit import log as audit
from workflow.extensions import db
from workflow.messaging import notifications
from workflow.messaging.texts import Kind
from workflow.models import Applicant, LoginAttempt, LoginReason, PasswordResetToken, User
from workflow.models.types import MAX_ROW_ID, utcnow
from workflow.web import listing

COMMON_PASSWORDS_FILE = Path(__file__).resolve().parents[2] / "data" / "common-passwords.txt"
COUNTED = (LoginReason.BAD_PASSWORD, LoginReason.UNKNOWN)  # the failures that lead to a lockout


class Outcome(enum.StrEnum):
    OK = "ok"
    INVALID = "invalid"
    INACTIVE = "inactive"
    LOCKED = "locked"
    RATE_LIMITED = "rate_limited"


@dataclass
class LoginResult:
    outcome: Outcome
    user: User | None = None
    retry_after: int = 0  # seconds, for LOCKED and RATE_LIMITED


def normalise_email(email: str | None) -> str:
    return (email or "").strip().lower()[:254]


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


@cache
def _dummy_hash() -> str:
    """Checked when the e-mail is unknown, so a wrong e-mail and a wrong password take
    about the same time."""
    return generate_password_hash("not-a-password")


def _client_ip() -> str:
    return (request.remote_addr or "")[:45]


def _throttles(email: str, prefix: str) -> tuple[Throttle, Throttle]:
    return (Throttle(f"{prefix}-account", f"{prefix.upper()}_LIMIT_PER_ACCOUNT", email),
            Throttle(f"{prefix}-address", f"{prefix.upper()}_LIMIT_PER_ADDRESS", _client_ip()))


# --- login --------------------------------------------------------------------------------

def locked_until(email: str, user: User | None) -> datetime | None:
    """The moment the lockout of `email` ends, or None when it is not locked.

    Locked while LOGIN_LOCKOUT_FAILURES counted failures lie within the last
    LOGIN_LOCKOUT_MINUTES and after the last successful login (and the last new password).
    """
    config = current_app.config
    limit, window = config["LOGIN_LOCKOUT_FAILURES"], timedelta(minutes=config["LOGIN_LOCKOUT_MINUTES"])
    if limit <= 0:  # switched off
        return None
    now = utcnow()
    last_success = db.session.scalar(
        select(func.max(LoginAttempt.created_at))
        .where(LoginAttempt.email == email, LoginAttempt.success.is_(True)))
    since = max(t for t in (now - window, last_success, user.password_changed_at if user else None)
                if t is not None)
    failures = list(db.session.scalars(
        select(LoginAttempt.created_at)
        .where(LoginAttempt.email == email, LoginAttempt.success.is_(False),
               LoginAttempt.reason.in_(COUNTED), LoginAttempt.created_at > since)
        .order_by(LoginAttempt.created_at.desc())
        .limit(limit)))
    if len(failures) < limit:
        return None
    until = failures[-1] + window
    return until if until > now else None


def _record(email: str, user: User | None, reason: LoginReason) -> None:
    success = reason == LoginReason.OK
    db.session.add(LoginAttempt(email=email, user_id=user.id if user else None, ip=_client_ip(),
                                success=success, reason=reason))
    audit.record("login" if success else "login_failed", actor=user, object_type="user",
                 object_id=user.id if user else None,
                 detail=None if success else {"email": email, "reason": reason})


def authenticate(email_typed: str, password: str) -> LoginResult:
    """Check one login and record it (committed here, whatever the outcome)."""
    email = normalise_email(email_typed)
    account_limit, address_limit = _throttles(email, "login")
    for throttle in (account_limit, address_limit):
        if throttle.exceeded():
            # Not recorded row by row: a flood must not fill the database; the log says it.
            current_app.logger.warning("login rate limited (%s) from %s", throttle.scope, _client_ip())
            return LoginResult(Outcome.RATE_LIMITED, retry_after=throttle.retry_after())

    user = find_user(email)
    until = locked_until(email, user)
    if until is not None:
        result = LoginResult(Outcome.LOCKED, retry_after=int((until - utcnow()).total_seconds()) + 1)
        reason = LoginReason.LOCKED
    elif user is None:
        check_password_hash(_dummy_hash(), password)
        result, reason = LoginResult(Outcome.INVALID), LoginReason.UNKNOWN
    elif not user.check_password(password):
        result, reason = LoginResult(Outcome.INVALID), LoginReason.BAD_PASSWORD
    elif not user.active:
        result, reason = LoginResult(Outcome.INACTIVE), LoginReason.INACTIVE
    else:
        result, reason = LoginResult(Outcome.OK, user), LoginReason.OK
    if result.outcome in (Outcome.INVALID, Outcome.LOCKED):
        account_limit.hit()
        address_limit.hit()
    _record(email, user, reason)
    db.session.commit()
    return result


def record_logout(user: User) -> None:
    """Record a logout and end the account's sessions on the server (committed)."""
    user.end_sessions()
    audit.record("logout", actor=user, object_type="user", object_id=user.id)
    db.session.commit()


def end_all_sessions(user: User) -> None:
    """"Log out everywhere": every session of the account, this one too (committed)."""
    user.end_sessions()
    audit.record("sessions_ended", actor=user, object_type="user", object_id=user.id)
    db.session.commit()


# --- the session's lifetime ---------------------------------------------------------------

SESSION_STARTED = "_started"  # seconds since the epoch, set at the login form
SESSION_SEEN = "_seen"  # seconds since the epoch, the last request of the session


def start_session() -> None:
    """Stamp a session that has just logged in."""
    now = int(time.time())
    session[SESSION_STARTED] = now
    session[SESSION_SEEN] = now


def session_in_time() -> bool:
    """Whether the current session started at our login and has not run out (idle or old)."""
    started, seen = session.get(SESSION_STARTED), session.get(SESSION_SEEN)
    if not isinstance(started, int | float) or not isinstance(seen, int | float):
        return False
    config, now = current_app.config, time.time()
    return (now - seen <= config["SESSION_IDLE_MINUTES"] * 60
            and now - started <= config["SESSION_MAX_HOURS"] * 3600)


def touch_session() -> None:
    """Note the request; at most once a minute, so most responses do not rewrite the cookie."""
    now = int(time.time())
    if now - session.get(SESSION_SEEN, 0) >= 60:
        session[SESSION_SEEN] = now


# --- the password policy ------------------------------------------------------------------

@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def password_problems(password: str, email: str) -> list[str]:
    """What is wrong with a new password (empty when it may be used)."""
    problems = []
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        problems.append(_("Hasło musi mieć co najmniej %(n)d znaków.", n=minimum))
    folded = password.strip().lower()
    if folded in common_passwords() or folded.replace(" ", "") in common_passwords():
        problems.append(_("To hasło jest na liście najczęściej używanych haseł. Wybierz inne."))
    local = normalise_email(email).split("@")[0]
    if folded == normalise_email(email) or (len(local) >= 4 and local in folded):
        problems.append(_("Hasło nie może zawierać Twojego adresu e-mail."))
    if len(set(password)) < 4:
        problems.append(_("Hasło składa się z prawie samych powtórzeń. Wybierz inne."))
    return problems


def set_password(user: User, password: str) -> None:
    """Set a new password, end every session of the user, and record it (caller commits)."""
    user.set_password(password)
    user.password_changed_at = utcnow()
    user.end_sessions()
    audit.record("password_changed", actor=user, object_type="user", object_id=user.id)


def change_password(user: User, current: str, new: str) -> LoginResult:
    """Change a logged-in user's password (committed): OK, INVALID when `current` is wrong,
    RATE_LIMITED after too many wrong ones (throttled like the login, per account and per
    address). The caller has checked `new` against password_problems()."""
    account_limit, address_limit = _throttles(normalise_email(user.email), "password")
    for throttle in (account_limit, address_limit):
        if throttle.exceeded():
            current_app.logger.warning("password change rate limited (%s) from %s",
                                       throttle.scope, _client_ip())
            return LoginResult(Outcome.RATE_LIMITED, user, retry_after=throttle.retry_after())
    if not user.check_password(current):
        account_limit.hit()
        address_limit.hit()
        return LoginResult(Outcome.INVALID, user)
    set_password(user, new)
    db.session.commit()
    return LoginResult(Outcome.OK, user)


# --- reset links --------------------------------------------------------------------------

def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def request_reset(email_typed: str, link_for: Callable[[str], str]) -> bool:
    """Send a reset link if the address belongs to an active account.

    Returns False only when the client address is over its limit (the view answers 429);
    the answer is otherwise the same whether or not the account exists.
    """
    email = normalise_email(email_typed)
    account_limit, address_limit = _throttles(email, "reset")
    if address_limit.exceeded():
        return False
    address_limit.hit()
    if not account_limit.hit():
        return True  # the mailbox has had enough links this hour; say nothing different
    user = find_user(email)
    if user is None or not user.active:
        return True
    now = utcnow()
    db.session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now))
    raw = secrets.token_urlsafe(32)
    minutes = current_app.config["PASSWORD_RESET_MINUTES"]
    db.session.add(PasswordResetToken(user_id=user.id, token_hash=_hash_token(raw), created_at=now,
                                      expires_at=now + timedelta(minutes=minutes)))
    notifications.queue(user, Kind.PASSWORD_RESET, link=link_for(raw))
    audit.record("password_reset_requested", actor=user, object_type="user", object_id=user.id)
    db.session.commit()
    notifications.dispatch()
    return True


def valid_token(raw: str) -> tuple[PasswordResetToken, User] | None:
    """The unspent, unexpired token for this link and its active user, or None."""
    if not raw or len(raw) > 200:
        return None
    token = db.session.scalar(select(PasswordResetToken)
                              .where(PasswordResetToken.token_hash == _hash_token(raw)))
    if token is None or token.used_at is not None or token.expires_at <= utcnow():
        return None
    user = db.session.get(User, token.user_id)
    return (token, user) if user is not None and user.active else None


def reset_password(token: PasswordResetToken, password: str) -> User:
    """Spend the token and set the new password (committed)."""
    user = db.session.get(User, token.user_id)
    token.used_at = utcnow()
    set_password(user, password)
    db.session.commit()
    return user


# --- switching people off -----------------------------------------------------------------

def set_active(user: User, active: bool, by: User) -> None:
    """Deactivate (ending every session at once) or reactivate an account (committed)."""
    if user.active == active:
        return
    user.active = active
    if not active:
        user.end_sessions()
    audit.record("user_activated" if active else "user_deactivated", actor=by,
                 object_type="user", object_id=user.id, detail={"email": user.email})
    db.session.commit()


def load_session_user(user_id: str, *also: Any) -> tuple[User | None, tuple[Any, ...]]:
    """Flask-Login's user loader: "id-version" must match an active account's version, and
    the session must have started at the login form and still be in time. `also`: columns
    (correlated with User.id) read in the same query, returned beside the user (the bell's
    count: one statement fewer on every page)."""
    if not session_in_time():
        return None, ()
    ident, _sep, version = user_id.partition("-")
    if not ident.isdigit() or not version.isdigit() or int(ident) > MAX_ROW_ID:
        return None, ()
    row = db.session.execute(select(User, *also).where(User.id == int(ident))).one_or_none()
    user = row[0] if row is not None else None
    if user is None or not user.active or user.session_version != int(version):
        return None, ()
    return user, tuple(row[1:])


_LAST_LOGIN = (select(LoginAttempt.user_id, func.max(LoginAttempt.created_at).label("at"))
               .where(LoginAttempt.success.is_(True)).group_by(LoginAttempt.user_id)
               .subquery("last_login"))
_TOWN = aliased(Applicant)

PEOPLE = listing.Spec(
    columns=(
        listing.Column("name", User.sort_key),
        listing.Column("email", User.email),
        listing.Column("role", User.role),
        listing.Column("login", _LAST_LOGIN.c.at, first=listing.DESC),
        listing.Column("active", User.active, first=listing.DESC),
    ),
    default="name", search=(User.name, User.email, _TOWN.name), tiebreak=User.id,
)


def people(params: listing.Params, *, role: str | None = None,
           keep: dict[str, str] | None = None) -> listing.Page[Any]:
    """A page of accounts with their last successful login, for the coordinator's list (two
    queries; the town's name joined in)."""
    query = (select(User, _LAST_LOGIN.c.at)
             .outerjoin(_LAST_LOGIN, _LAST_LOGIN.c.user_id == User.id)
             .outerjoin(_TOWN, _TOWN.id == User.applicant_id)
             .options(contains_eager(User.applicant.of_type(_TOWN))))
    if role:
        query = query.where(User.role == role)
    return listing.paged(query, PEOPLE, params, keep=keep)

"""The coordinator invites people: a new account with a role (and a town, or an advisor's
profile), and a one-time link by e-mail with which the person sets their own password.

- The link carries a random token stored only as a hash (like a reset link): a leaked
  database holds no working links. It works once (spent atomically: of two clicks at the
  same moment one sets the password, the other finds the link used) and for
  INVITATION_DAYS days.
- Inviting an address whose invitation is still pending gives back that invitation: no
  second account, no second e-mail (a double click, two coordinators at once: the unique
  e-mail decides, and the loser reads the winner's invitation).
- Inviting again after the link expired, before the person ever set a password, sends a
  fresh link (the older one is spent). An address whose owner already set a password is
  an existing account: refused, saying so.
- The account is created active but with a random password nobody knows, so nobody can log
  in to it before the invited person sets theirs. Each account has its own language
  (User.locale): the invitation is written in it, and a town's several accounts each keep
  their own.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from workflow.accounts import operations as accounts
from workflow.audit import log as audit
from workflow.extensions import db
from workflow.messaging import notifications
from workflow.messaging.texts import Kind
from workflow.models import (
    AdvisorProfile,
    Applicant,
    ApplicantKind,
    ApplicantMember,
    Invitation,
    Municipality,
    Role,
    User,
)
from workflow.models.types import utcnow
from workflow.refusal import Message, Refused, _l, in_language
from workflow.text import polish_key

ROLE_NAMES: dict[str, Message] = {
    Role.TOWN: _l("członek zespołu miasta"),
    Role.ADVISOR: _l("doradca"),
    Role.EVALUATOR: _l("oceniający"),
    Role.COORDINATOR: _l("koordynator"),
}
NO_TOWN = _l("Wybierz miasto, do którego zespołu należy ta osoba.")
UNKNOWN_TOWN = _l("Nie ma takiego miasta. Wybierz miasto z listy.")
NO_MUNICIPALITY = _l("Osoba z partnerstwa działa w imieniu jednej z jego gmin: wybierz z listy "
                     "partnerstwo razem z gminą.")


class InvitationRefused(Refused):
    """The invitation may not be sent; `errors` name the form's fields (HTTP 409)."""

    def __init__(self, errors: dict[str, list[Message]]) -> None:
        super().__init__(errors=errors, status=409)


@dataclass(frozen=True)
class Invited:
    invitation: Invitation
    user: User
    created: bool  # False: the pending invitation was given back, nothing was sent


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def days_valid() -> int:
    return int(current_app.config.get("INVITATION_DAYS", 7))


def pending_of(user_id: int, now: datetime | None = None) -> Invitation | None:
    """The account's unspent, unexpired invitation, if any."""
    return db.session.scalar(select(Invitation).where(
        Invitation.user_id == user_id, Invitation.used_at.is_(None),
        Invitation.expires_at > (now or utcnow())).order_by(Invitation.id.desc()).limit(1))


def pending_by_user(user_ids: list[int]) -> dict[int, Invitation]:
    """The pending invitation of each of these accounts (one query), for the list of people."""
    rows = db.session.scalars(select(Invitation).where(
        Invitation.user_id.in_(user_ids), Invitation.used_at.is_(None),
        Invitation.expires_at > utcnow()).order_by(Invitation.id))
    return {row.user_id: row for row in rows}


def _never_accepted(user: User) -> bool:
    """Invited, and never set a password of their own."""
    return user.password_changed_at is None and bool(db.session.scalar(
        select(Invitation.id).where(Invitation.user_id == user.id).limit(1)))


def _send(user: User, by: User, link_for: Callable[[str], str], now: datetime) -> Invitation:
    """A new invitation of `user` (the older ones spent), its e-mail queued (caller commits)."""
    db.session.execute(update(Invitation).where(Invitation.user_id == user.id,
                                                Invitation.used_at.is_(None)).values(used_at=now))
    raw = secrets.token_urlsafe(32)
    days = days_valid()
    invitation = Invitation(user_id=user.id, token_hash=_hash(raw), invited_by_id=by.id,
                            created_at=now, expires_at=now + timedelta(days=days))
    db.session.add(invitation)
    notifications.queue(user, Kind.INVITATION, link=link_for(raw),
                        role=in_language(ROLE_NAMES[user.role], user.locale or "pl"), days=str(days))
    return invitation


def applicant_choices() -> list[tuple[str, str]]:
    """What a town's team member may be invited to, by name: a town ("<applicant id>"), or one
    municipality of a partnership ("<applicant id>-<municipality id>", "<partnership> – <gmina>"):
    a partnership's person acts for their own municipality. Two queries."""
    towns = db.session.execute(select(Applicant.id, Applicant.name)
                               .where(Applicant.kind != ApplicantKind.PARTNERSHIP)).all()
    members = db.session.execute(
        select(Applicant.id, Applicant.name, Municipality.id, Municipality.name)
        .join(ApplicantMember, ApplicantMember.applicant_id == Applicant.id)
        .join(Municipality, Municipality.id == ApplicantMember.municipality_id)
        .where(Applicant.kind == ApplicantKind.PARTNERSHIP)).all()
    choices = [(str(i), n) for i, n in towns]
    choices += [(f"{i}-{m}", f"{n} – {gmina}") for i, n, m, gmina in members]
    return sorted(choices, key=lambda c: polish_key(c[1]))


def invite(*, email: str, name: str, role: Role, locale: str, by: User,
           link_for: Callable[[str], str], applicant_id: int | None = None,
           municipality_id: int | None = None, now: datetime | None = None) -> Invited:
    """Create the account and send its invitation (committed), or give back the pending
    invitation of the address. The form has checked the values' shapes. A partnership's
    person is invited for one of its municipalities (`municipality_id`)."""
    now = now or utcnow()
    address = accounts.normalise_email(email)
    existing = accounts.find_user(address)
    if existing is not None:
        return _again(existing, by, link_for, now)
    if role == Role.TOWN:
        if applicant_id is None:
            raise InvitationRefused({"applicant": [NO_TOWN]})
        applicant = db.session.get(Applicant, applicant_id)
        if applicant is None:
            raise InvitationRefused({"applicant": [UNKNOWN_TOWN]})
        if municipality_id is None and applicant.kind == ApplicantKind.PARTNERSHIP:
            raise InvitationRefused({"applicant": [NO_MUNICIPALITY]})
        if municipality_id is not None and db.session.scalar(select(ApplicantMember.id).where(
                ApplicantMember.applicant_id == applicant_id,
                ApplicantMember.municipality_id == municipality_id)) is None:
            raise InvitationRefused({"applicant": [UNKNOWN_TOWN]})
    user = User(email=address, name=name.strip(), role=role, locale=locale,
                applicant_id=applicant_id if role == Role.TOWN else None,
                municipality_id=municipality_id if role == Role.TOWN else None,
                password_hash="")
    user.set_password(secrets.token_urlsafe(32))  # nobody knows it: no login before the invitation
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:  # the same address invited at this very moment: theirs wins
        db.session.rollback()
        winner = accounts.find_user(address)
        if winner is None:
            raise
        return _again(winner, by, link_for, now)
    if role == Role.ADVISOR:
        db.session.add(AdvisorProfile(user_id=user.id))  # the defaults; the coordinator fills it in
    invitation = _send(user, by, link_for, now)
    db.session.flush()
    audit.record("user_invited", actor=by, object_type="user", object_id=user.id,
                 detail={"email": address, "role": str(role), "applicant_id": user.applicant_id,
                         "municipality_id": user.municipality_id, "locale": locale})
    db.session.commit()
    notifications.dispatch()
    return Invited(invitation, user, True)


def _again(user: User, by: User, link_for: Callable[[str], str], now: datetime) -> Invited:
    """The address has an account: its pending invitation, or a fresh one if the last one
    expired before it was used; refused if the person already set a password."""
    pending = pending_of(user.id, now)
    if pending is not None:
        db.session.rollback()
        return Invited(pending, user, False)
    if not _never_accepted(user):
        db.session.rollback()
        raise InvitationRefused({"email": [exists_message(user.email)]})
    invitation = _send(user, by, link_for, now)
    db.session.flush()
    audit.record("user_reinvited", actor=by, object_type="user", object_id=user.id,
                 detail={"email": user.email})
    db.session.commit()
    notifications.dispatch()
    return Invited(invitation, user, True)


def exists_message(email: str) -> Message:
    """Why an address with an account of its own cannot be invited."""
    return _l("Konto z adresem %(email)s już istnieje i jego właściciel ustawił hasło. Jeśli nie "
              "pamięta hasła, może je zresetować na stronie logowania.", email=email)


def valid_invitation(raw: str, now: datetime | None = None) -> tuple[Invitation, User] | None:
    """The unspent, unexpired invitation of this link and its active account, or None."""
    if not raw or len(raw) > 200:
        return None
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == _hash(raw)))
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= (now or utcnow()):
        return None
    user = db.session.get(User, invitation.user_id)
    return (invitation, user) if user is not None and user.active else None


def accept(invitation: Invitation, password: str, now: datetime | None = None) -> User | None:
    """Spend the invitation and set the person's password (committed); None when the link
    was spent meanwhile (a second click at the same moment): nothing is changed then.
    The caller has checked the password against accounts.password_problems()."""
    now = now or utcnow()
    spent = db.session.execute(update(Invitation).where(Invitation.id == invitation.id,
                                                        Invitation.used_at.is_(None))
                               .values(used_at=now))
    if spent.rowcount != 1:
        db.session.rollback()
        return None
    user = db.session.get(User, invitation.user_id)
    assert user is not None
    accounts.set_password(user, password)
    audit.record("invitation_accepted", actor=user, object_type="user", object_id=user.id)
    db.session.commit()
    return user

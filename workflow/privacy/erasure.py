"""Erasure on a person's request (GDPR art. 17), done as pseudonymisation: the name and
e-mail address of every record of the subject are replaced by a pseudonym; the rows and
their links stay, because the programme must keep its records (who took part in how many
services, who evaluated which application, who moved a path) for its archive period, and
every report must keep counting them.

For an account it also: switches the account off for good (an unusable password, every
session ended, the second factor and its recovery codes gone), deletes its login attempts,
password-reset links and inbox messages (whose text may greet the person by name), and
blanks the free-text notes about the person (the advisor's profile note, the evaluator's
place of residence or work). What the person wrote
in the programme's own records (comments on transitions, an appeal's justification, a
conflict-of-interest note) and the audit log, which is append-only and keeps the e-mail the
actor had, stay: they are kept for the programme's legal obligations (art. 17(3)(b) and (e)).

Each erased record leaves one audit event with the coordinator's reason.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import delete, func, or_
from werkzeug.security import generate_password_hash

from workflow.audit import log as audit
from workflow.extensions import db
from workflow.models import (
    AdvisorProfile,
    EvaluatorProfile,
    Invitation,
    LoginAttempt,
    Notification,
    PasswordResetToken,
    RecoveryCode,
    User,
)
from workflow.models.types import utcnow
from workflow.privacy import pseudonyms
from workflow.privacy.subjects import Subject
from workflow.refusal import Refused, _l

REASON_MAX = 500
NO_REASON = _l("Podaj powód usunięcia danych (np. „wniosek osoby z 3 grudnia 2026 r.”).")
REASON_TOO_LONG = _l("Powód może mieć najwyżej %(max)d znaków.", max=REASON_MAX)
OWN_ACCOUNT = _l("Nie możesz usunąć danych własnego konta: poproś o to innego koordynatora.")
ALREADY = _l("Dane tej osoby zostały już zastąpione pseudonimem; nie ma czego usuwać.")


class ErasureRefused(Refused):
    pass


def erase(found: Subject, actor: User, reason: str) -> int:
    """Pseudonymise every record of `found` not pseudonymised yet; returns how many. One
    transaction: all of the subject's records, or none."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ErasureRefused(errors={"reason": [NO_REASON]}, status=422)
    if len(reason) > REASON_MAX:
        raise ErasureRefused(errors={"reason": [REASON_TOO_LONG]}, status=422)
    if any(a.id == actor.id for a in found.accounts):
        raise ErasureRefused([OWN_ACCOUNT], status=403)
    if found.erased:
        raise ErasureRefused([ALREADY], status=409)
    now = utcnow()
    count = 0
    for account in found.accounts:
        if account.pseudonymised_at is None:
            _erase_account(account, now)
            audit.record("personal_data_erased", actor=actor, object_type="user", object_id=account.id,
                         detail={"reason": reason})
            count += 1
    for person in found.participants:
        if person.pseudonymised_at is None:
            person.name, person.email = pseudonyms.participant_name(person.id), None
            person.pseudonymised_at = now
            audit.record("personal_data_erased", actor=actor, object_type="person", object_id=person.id,
                         detail={"reason": reason})
            count += 1
    db.session.commit()
    return count


def _erase_account(user: User, now: datetime) -> None:
    old_email = user.email.lower()
    db.session.execute(delete(LoginAttempt).where(or_(LoginAttempt.user_id == user.id,
                                                      func.lower(LoginAttempt.email) == old_email))
                       .execution_options(synchronize_session=False))
    for table in (PasswordResetToken, RecoveryCode, Invitation):
        db.session.execute(delete(table).where(table.user_id == user.id)
                           .execution_options(synchronize_session=False))
    db.session.execute(delete(Notification).where(Notification.recipient_id == user.id)
                       .execution_options(synchronize_session=False))
    advisor = db.session.get(AdvisorProfile, user.id)
    if advisor is not None:
        advisor.note = ""
    evaluator = db.session.get(EvaluatorProfile, user.id)
    if evaluator is not None:
        evaluator.municipality_name = ""
    user.name, user.email = pseudonyms.account_name(user.id), pseudonyms.account_email(user.id)
    user.password_hash = generate_password_hash(secrets.token_urlsafe(32))
    user.totp_seed = user.totp_enabled_at = user.totp_last_step = None
    user.active = False
    user.end_sessions()
    user.pseudonymised_at = now

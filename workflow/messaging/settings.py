"""Who wants which messages, and a programme's own wording of them.

Preferences: a person may switch off e-mail or the inbox for any kind of message that is
not mandatory (texts.MANDATORY). A missing row means "on", so only choices that
differ from the default are stored; a forged form cannot switch a mandatory kind off,
because this service ignores what it says about one.

Templates: a coordinator may reword a kind of message for a programme, per language. The
text may use only the placeholders the kind offers ({town}, {programme}, ...): anything
else could not be filled in when the message is sent, long after the coordinator left
the page, so it is refused with a clear message when saved.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from workflow.extensions import db
from workflow.messaging import notifications
from workflow.messaging.texts import COMMON_PLACEHOLDERS, MANDATORY, SAMPLE_CONTEXT, TEXTS, Kind
from workflow.models import NotificationPreference, NotificationTemplate, Programme, User
from workflow.refusal import in_language

LOCALES = ("pl", "en")

# What each kind is called on the settings pages; a kind without a name here shows its code.
KIND_NAMES = {
    "advisor_assigned": _l("Przydzielenie do miasta jako doradca"),
    "advisor_unassigned": _l("Zakończenie przydzielenia doradcy"),
    "evaluator_assigned": _l("Wniosek przydzielony do oceny"),
    "third_evaluator_needed": _l("Potrzebna trzecia ocena"),
    "results_announced": _l("Ogłoszenie wyników naboru"),
    "appeal_decided": _l("Rozstrzygnięcie protestu"),
    "stage_returned": _l("Etap zwrócony do poprawy"),
    "stage_accepted": _l("Etap zaakceptowany"),
    "stage_submitted": _l("Miasto złożyło dokument do decyzji doradcy"),
    "deadline_changed": _l("Zmiana terminu etapu"),
    "deadline_reminder": _l("Przypomnienie o terminie etapu"),
    "sheet_reminder": _l("Przypomnienie o karcie oceny"),
    "password_reset": _l("Ustawienie nowego hasła"),
    "invitation": _l("Zaproszenie do konta"),
}
# Sent outside any programme, so a programme's wording of it would never be used.
NOT_PER_PROGRAMME = frozenset({Kind.PASSWORD_RESET, Kind.INVITATION})


def kind_name(kind: str) -> str:
    return str(KIND_NAMES.get(kind, kind))


# Which kinds reach which role: a person's settings list only what can reach them.
KINDS_BY_ROLE: dict[str, frozenset[Kind]] = {
    "town": frozenset({Kind.STAGE_RETURNED, Kind.STAGE_ACCEPTED, Kind.DEADLINE_REMINDER,
                       Kind.DEADLINE_CHANGED, Kind.RESULTS_ANNOUNCED, Kind.APPEAL_DECIDED,
                       Kind.PASSWORD_RESET}),
    "advisor": frozenset({Kind.ADVISOR_ASSIGNED, Kind.ADVISOR_UNASSIGNED, Kind.STAGE_SUBMITTED,
                          Kind.PASSWORD_RESET}),
    "evaluator": frozenset({Kind.EVALUATOR_ASSIGNED, Kind.THIRD_EVALUATOR_NEEDED, Kind.SHEET_REMINDER,
                            Kind.PASSWORD_RESET}),
}


def kinds(user: User | None = None) -> list[Kind]:
    """Every kind, or (given a person) the kinds that can reach their role; a role not in
    KINDS_BY_ROLE (the coordinator) sees them all."""
    if user is None or user.role not in KINDS_BY_ROLE:
        return list(Kind)
    return [kind for kind in Kind if kind in KINDS_BY_ROLE[user.role]]


def programme_kinds() -> list[Kind]:
    """The kinds a coordinator may reword for a programme."""
    return [kind for kind in Kind if kind not in NOT_PER_PROGRAMME]


def is_mandatory(kind: Kind | str) -> bool:
    return Kind(kind) in MANDATORY


# --- preferences ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Choice:
    email: bool = True
    inbox: bool = True


def preferences(user: User) -> dict[Kind, Choice]:
    """Every kind with the person's choice (a missing row: both on; mandatory: both on)."""
    stored = {
        row.kind: Choice(row.email, row.inbox)
        for row in db.session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user.id))
    }
    return {kind: Choice() if is_mandatory(kind) else stored.get(kind.value, Choice())
            for kind in kinds(user)}


def _commit_once_more_on_conflict(change: Callable[[], None]) -> None:
    """Apply `change` and commit. Two requests of the same person (a double click) may
    both insert the same row; the loser sees a unique-constraint error, and applying the
    change again, over the row the winner wrote, gives the same end state."""
    try:
        change()
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        change()
        db.session.commit()


def save_preferences(user: User, wanted: dict[str, Choice]) -> None:
    """Store the person's choices. Unknown and mandatory kinds are ignored; a kind left
    out of `wanted` keeps what it had."""
    user_id = user.id

    def change() -> None:
        rows = {row.kind: row for row in db.session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user_id))}
        for kind in kinds(user):
            if kind.value not in wanted:
                continue
            choice = Choice() if is_mandatory(kind) else wanted[kind.value]
            row = rows.get(kind.value)
            if choice == Choice():
                if row is not None:
                    db.session.delete(row)
            elif row is None:
                db.session.add(NotificationPreference(user_id=user_id, kind=kind.value,
                                                      email=choice.email, inbox=choice.inbox))
            else:
                row.email, row.inbox = choice.email, choice.inbox
        db.session.flush()

    _commit_once_more_on_conflict(change)


# --- templates ----------------------------------------------------------------------------------------

def default_text(kind: Kind, locale: str) -> tuple[str, str]:
    """The built-in subject and body of a kind in a language."""
    subject, body = TEXTS[kind]
    return in_language(subject, locale), in_language(body, locale)


def allowed_placeholders(kind: Kind) -> list[str]:
    return notifications.placeholders(kind)


def text_error(kind: Kind, text: str) -> str | None:
    """A Polish message saying what is wrong with a typed subject or body, or None.

    The check is the one sending does (notifications.format_text), so a text that passes
    here cannot fail later; this only finds words to tell the coordinator why."""
    allowed = allowed_placeholders(kind)
    try:
        notifications.format_text(text, dict.fromkeys(allowed, ""))
    except notifications.TemplateError:
        pass
    else:
        return None
    listed = ", ".join("{" + name + "}" for name in allowed)
    try:
        used = [name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name]
    except ValueError:
        used = []
    unknown = sorted({name for name in used if name not in allowed})
    if unknown:
        return _("Nieznane pole: %(unknown)s. W tym komunikacie można użyć tylko: %(allowed)s.",
                 unknown=", ".join("{" + name + "}" for name in unknown), allowed=listed)
    return _("Nawiasy klamrowe służą tylko do pól takich jak %(allowed)s (bez dodatków "
             "w środku); sprawdź, czy każdy „{” ma swój „}”.", allowed=listed)


@dataclass(frozen=True)
class Text:
    subject: str
    body: str
    changed: bool = False


def _rows(programme_id: int, kind: Kind | None = None) -> list[NotificationTemplate]:
    query = select(NotificationTemplate).where(NotificationTemplate.programme_id == programme_id)
    if kind is not None:
        query = query.where(NotificationTemplate.kind == kind.value)
    return list(db.session.scalars(query))


def changed_kinds(programme: Programme) -> set[str]:
    """The kinds the programme has reworded in at least one language (one query)."""
    return {row.kind for row in _rows(programme.id)}


def texts(programme: Programme, kind: Kind) -> dict[str, Text]:
    """The text in force for each language: the programme's own, else the built-in one."""
    own = {row.locale: row for row in _rows(programme.id, kind)}
    out = {}
    for locale in LOCALES:
        row = own.get(locale)
        out[locale] = (Text(row.subject, row.body, True) if row is not None
                       else Text(*default_text(kind, locale)))
    return out


def _stage(programme_id: int, kind: Kind, typed: dict[str, Text], user_id: int) -> None:
    """Put the typed texts in the session (not committed): a text equal to the built-in
    one removes the programme's own, so "changed" means what it says."""
    own = {row.locale: row for row in _rows(programme_id, kind)}
    for locale, text in typed.items():
        for value in (text.subject, text.body):
            if text_error(kind, value):
                raise ValueError(value)
        row = own.get(locale)
        if (text.subject, text.body) == default_text(kind, locale):
            if row is not None:
                db.session.delete(row)
        elif row is None:
            db.session.add(NotificationTemplate(
                programme_id=programme_id, kind=kind.value, locale=locale,
                subject=text.subject, body=text.body, updated_by_id=user_id))
        else:
            row.subject, row.body, row.updated_by_id = text.subject, text.body, user_id
    db.session.flush()


def save_template(programme: Programme, kind: Kind, typed: dict[str, Text], user: User) -> None:
    """Save a programme's wording of a kind (validate first with text_error)."""
    programme_id, user_id = programme.id, user.id
    _commit_once_more_on_conflict(lambda: _stage(programme_id, kind, typed, user_id))


def reset_template(programme: Programme, kind: Kind) -> None:
    """Back to the built-in texts in every language."""
    db.session.execute(delete(NotificationTemplate).where(
        NotificationTemplate.programme_id == programme.id,
        NotificationTemplate.kind == kind.value))
    db.session.commit()


def sample_context(kind: Kind) -> dict[str, str]:
    """Example values for every placeholder but {programme}, which is the programme's own."""
    sample = {**COMMON_PLACEHOLDERS, **SAMPLE_CONTEXT[kind]}
    sample.pop("programme", None)
    return sample


def preview(programme: Programme, kind: Kind, typed: dict[str, Text], user: User
            ) -> dict[str, tuple[str, str]]:
    """What the typed texts would look like sent, with sample values, per language.

    Rendered by the same notifications.render a real message goes through: the typed
    texts are put in the session, rendered, and rolled back, so nothing is saved.
    """
    try:
        _stage(programme.id, kind, typed, user.id)
        context = sample_context(kind)
        return {locale: notifications.render(kind, locale, programme, context)
                for locale in typed}
    finally:
        db.session.rollback()

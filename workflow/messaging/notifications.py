"""One way to tell people things: a kind, a recipient, a text in their language.

`queue` writes an outbox row in the caller's transaction, so a notification exists only
if the change that caused it was committed. After the commit the caller calls `dispatch`,
which hands delivery to the worker by task name (`notifications.deliver`, see mail.py); the
worker's beat also re-queues delivery every minute, so a lost task or a restarted Redis
delays a message but never loses it: the outbox table is the truth.

What a path's transition tells people is declared beside it in states/ (`Transition.notify`)
and queued by the engine (path/transitions.py) in the transition's transaction.

Texts: the defaults are in texts.py; a coordinator may override a programme's
subject and body per kind and language (NotificationTemplate).
A person may switch a kind's email or inbox off (NotificationPreference), except for the
MANDATORY kinds.
"""

from __future__ import annotations

import logging
import string
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from workflow.extensions import db, send_task, tasks_run_in_process
from workflow.messaging import mail
from workflow.messaging.texts import (  # noqa: F401  (re-exported)
    COMMON_PLACEHOLDERS,
    MANDATORY,
    SAMPLE_CONTEXT,
    TEXTS,
    Kind,
)
from workflow.models import Notification, NotificationStatus, Programme, User
from workflow.models.notification_settings import NotificationPreference, NotificationTemplate
from workflow.refusal import Refused, _l, in_language

log = logging.getLogger("sciezka.notifications")

QUEUED_FLAG = "sciezka.notifications_queued"


class TemplateError(Refused, ValueError):
    """A text names a placeholder the kind does not offer, or is not a valid template (400).
    `detail` says what, for the log; settings.text_error finds the words for the coordinator."""

    status = 400

    def __init__(self, detail: str) -> None:
        super().__init__([_l("Tekst komunikatu zawiera nieznane pole albo niepoprawne nawiasy klamrowe.")])
        self.detail = detail

    def __str__(self) -> str:
        return self.detail


def format_text(template: str, context: dict[str, str]) -> str:
    """`template` with its `{name}` placeholders filled from `context`.

    Only plain names are allowed: `{town.__class__}` or `{town[0]}` would let an edited
    template reach into Python objects. Raises TemplateError for anything else.
    """
    out: list[str] = []
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise TemplateError(str(exc)) from exc
    for literal, name, spec, conversion in parsed:
        out.append(literal)
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise TemplateError(f"not a plain placeholder: {{{name}}}")
        if name not in context:
            raise TemplateError(f"unknown placeholder: {{{name}}}")
        out.append(str(context[name]))
    return "".join(out)


def placeholders(kind: Kind) -> list[str]:
    """The names a template of `kind` may use."""
    return sorted({*SAMPLE_CONTEXT[kind], *COMMON_PLACEHOLDERS})


def _override(kind: Kind, locale: str, programme_id: int | None) -> tuple[str, str] | None:
    if programme_id is None:
        return None
    row = db.session.scalar(select(NotificationTemplate).where(
        NotificationTemplate.programme_id == programme_id,
        NotificationTemplate.kind == kind.value, NotificationTemplate.locale == locale))
    return (row.subject, row.body) if row is not None else None


Overrides = dict[tuple[int, str, str], tuple[str, str]]


def overrides_of(programme_ids: set[int], kinds: set[Kind]) -> Overrides:
    """Every edited text of these programmes and kinds (one query)."""
    if not programme_ids:
        return {}
    rows = db.session.scalars(select(NotificationTemplate).where(
        NotificationTemplate.programme_id.in_(sorted(programme_ids)),
        NotificationTemplate.kind.in_(sorted(k.value for k in kinds))))
    return {(r.programme_id, r.kind, r.locale): (r.subject, r.body) for r in rows}


def render(kind: Kind, locale: str, programme: Programme | None,
           context: dict[str, str], *, overrides: Overrides | None = None) -> tuple[str, str]:
    """(subject, body) of a `kind` message in `locale`, the programme's own text if it
    has one. An edited text that does not fit the context falls back to the default (and
    is logged), so a coordinator's typo never stops a message. `overrides` (preloaded by
    `queue_many`) saves the query for the edited text."""
    kind = Kind(kind)
    locale = "en" if (locale or "pl").startswith("en") else "pl"
    full = {"programme": programme.title(locale) if programme else "", "link": ""}
    full.update({k: str(v) for k, v in context.items()})
    subject, body = TEXTS[kind]
    default = (in_language(subject, locale), in_language(body, locale))
    if overrides is not None:
        override = overrides.get((programme.id, kind.value, locale)) if programme else None
    else:
        override = _override(kind, locale, programme.id if programme else None)
    if override is not None:
        try:
            return format_text(override[0], full), _with_link(override[1], full)
        except TemplateError as exc:
            log.warning("template %s/%s of programme %s unusable (%s); default text used",
                        kind.value, locale, programme.id if programme else None, exc)
    return format_text(default[0], full), _with_link(default[1], full)


def _with_link(body: str, context: dict[str, str]) -> str:
    """The body filled in, ending with the link to the page the message is about when the
    text does not place `{link}` itself (every message links to its page)."""
    text = format_text(body, context)
    link = context.get("link", "")
    if link and "{link}" not in body:
        text = text.rstrip("\n") + "\n\n" + link + "\n"
    return text


def preference(user_id: int, kind: Kind) -> tuple[bool, bool]:
    """(email, inbox): whether `user_id` wants `kind` by email and in the inbox."""
    if kind in MANDATORY:
        return True, True
    row = db.session.scalar(select(NotificationPreference).where(
        NotificationPreference.user_id == user_id, NotificationPreference.kind == kind.value))
    return (True, True) if row is None else (bool(row.email), bool(row.inbox))


def queue(recipient: User, kind: Kind, *, programme: Programme | str | None = None,
          link: str = "", session: Session | None = None, **context: Any) -> Notification | None:
    """Add a notification to the current transaction (the caller commits, then calls
    `dispatch`). None when the person switched both channels of this kind off."""
    kind = Kind(kind)
    session = session or db.session
    if isinstance(programme, str):  # a title given by an older caller
        context["programme"], programme = programme, None
    email, inbox = preference(recipient.id, kind)
    if not (email or inbox):
        return None
    subject, body = render(kind, recipient.locale or "pl", programme, {"link": link, **context})
    row = Notification(recipient_id=recipient.id, kind=kind.value, programme_id=programme.id
                       if programme else None, subject=subject[:300], body=body, link=link,
                       inbox=inbox, attempts=0,
                       status=NotificationStatus.PENDING if email else NotificationStatus.SKIPPED)
    session.add(row)
    session.info[QUEUED_FLAG] = True
    return row


@dataclass(frozen=True)
class Outgoing:
    """One message for `queue_many`: the recipient's id and language instead of a User."""

    recipient_id: int
    locale: str
    kind: Kind
    programme: Programme | None
    context: dict[str, str] = field(default_factory=dict)
    link: str = ""


def _preferences_of(kinds: set[Kind]) -> dict[tuple[int, str], tuple[bool, bool]]:
    """Every person's switches for these kinds (one query; most people have none)."""
    rows = db.session.scalars(select(NotificationPreference).where(
        NotificationPreference.kind.in_(sorted(k.value for k in kinds))))
    return {(r.user_id, r.kind): (bool(r.email), bool(r.inbox)) for r in rows}


def queue_many(items: Iterable[Outgoing]) -> int:
    """Queue many messages with a fixed number of queries (the reminder sweep); returns
    how many rows were written. The caller commits, then calls `dispatch`."""
    items = list(items)
    if not items:
        return 0
    kinds = {item.kind for item in items}
    switches = _preferences_of(kinds - MANDATORY)
    overrides = overrides_of({i.programme.id for i in items if i.programme}, kinds)
    rows = []
    for item in items:
        email, inbox = (True, True) if item.kind in MANDATORY else switches.get(
            (item.recipient_id, item.kind.value), (True, True))
        if not (email or inbox):
            continue
        subject, body = render(item.kind, item.locale, item.programme,
                               {"link": item.link, **item.context}, overrides=overrides)
        rows.append({"recipient_id": item.recipient_id, "kind": item.kind.value,
                     "programme_id": item.programme.id if item.programme else None,
                     "subject": subject[:300], "body": body, "link": item.link, "inbox": inbox,
                     "status": NotificationStatus.PENDING if email else NotificationStatus.SKIPPED,
                     "attempts": 0, "error": "",
                     "message_id": ""})
    if rows:
        db.session.execute(insert(Notification.__table__), rows)  # Core: no ORM bulk overhead
        db.session.info[QUEUED_FLAG] = True
    return len(rows)


HELD_FLAG = "sciezka.notifications_held"


@contextmanager
def held() -> Iterator[None]:
    """No delivery is asked for while inside (dispatch does nothing): the rows stay pending
    for the caller to deal with at once (the demo records its history's messages as
    delivered in one statement instead of delivering hundreds one by one while seeding)."""
    db.session.info[HELD_FLAG] = True
    try:
        yield
    finally:
        db.session.info.pop(HELD_FLAG, None)
        db.session.info.pop(QUEUED_FLAG, None)


def dispatch(*, force: bool = False) -> None:
    """After a commit: ask the worker to deliver what this session queued.

    Never raises: if Redis is unreachable the rows stay pending and the beat's re-queue
    delivers them. Without REDIS_URL the task runs here and now (in-process)."""
    if db.session.info.get(HELD_FLAG):
        return
    if not (db.session.info.pop(QUEUED_FLAG, False) or force):
        return
    try:
        send_task("notifications.deliver")
    except Exception:  # noqa: BLE001  (the broker is down: the outbox keeps the rows)
        if tasks_run_in_process():  # in-process delivery failed: a bug, not an outage
            raise
        log.warning("could not queue delivery; the beat's re-queue will deliver", exc_info=True)


def send_pending(limit: int = 200) -> int:
    """Deliver due pending rows here and now (the old synchronous call; tests use it)."""
    return mail.deliver_pending(limit=limit)

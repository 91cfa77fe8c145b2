"""One way to tell people things: a kind, a recipient, a text in their language.

`queue` writes an outbox row in the caller's transaction, so a notification exists only
if the change that caused it was committed. `send_pending` delivers after the commit.
Until the mail transport arrives (the worker issue), delivery writes the message to the
application log and marks the row sent, so the outbox shows what would have gone out.
"""

from __future__ import annotations

import enum
import logging

from flask import current_app
from sqlalchemy import select

from states.definition import Label
from workflow.extensions import db
from workflow.models import Notification, User
from workflow.models.types import utcnow

log = logging.getLogger("sciezka.notifications")


class Kind(enum.StrEnum):
    ADVISOR_ASSIGNED = "advisor_assigned"
    ADVISOR_UNASSIGNED = "advisor_unassigned"
    EVALUATOR_ASSIGNED = "evaluator_assigned"
    THIRD_EVALUATOR_NEEDED = "third_evaluator_needed"
    RESULTS_ANNOUNCED = "results_announced"
    APPEAL_DECIDED = "appeal_decided"


TEXTS: dict[Kind, tuple[Label, Label]] = {
    Kind.ADVISOR_ASSIGNED: (
        Label("Przydzielono Ci miasto: {town}", "You have been assigned a town: {town}"),
        Label(
            "Dzień dobry,\n\nkoordynator programu {programme} przydzielił Cię do miasta {town} "
            "jako: {role}.\nZaloguj się do Ścieżki, aby zobaczyć etap miasta i zapisywać "
            "udzielone usługi.\n",
            "Hello,\n\nthe coordinator of {programme} has assigned you to the town of {town} "
            "as: {role}.\nLog in to Ścieżka to see the town's stage and log your services.\n",
        ),
    ),
    Kind.ADVISOR_UNASSIGNED: (
        Label("Zakończono Twoje przydzielenie: {town}", "Your assignment has ended: {town}"),
        Label(
            "Dzień dobry,\n\nkoordynator programu {programme} zakończył Twoje przydzielenie "
            "do miasta {town} ({role}).\n",
            "Hello,\n\nthe coordinator of {programme} has ended your assignment to the town of "
            "{town} ({role}).\n",
        ),
    ),
    Kind.EVALUATOR_ASSIGNED: (
        Label("Wniosek do oceny: {town}", "An application to evaluate: {town}"),
        Label(
            "Dzień dobry,\n\nkoordynator programu {programme} przydzielił Ci do oceny wniosek "
            "miasta {town}.\nZanim zobaczysz wniosek, złóż w Ścieżce deklarację bezstronności "
            "albo zgłoś konflikt interesów.\n",
            "Hello,\n\nthe coordinator of {programme} has assigned you the application of the "
            "town of {town} to evaluate.\nBefore you see it, sign the declaration of "
            "impartiality in Ścieżka or declare a conflict of interest.\n",
        ),
    ),
    Kind.THIRD_EVALUATOR_NEEDED: (
        Label("Potrzebna trzecia ocena: {town}", "A third evaluation is needed: {town}"),
        Label(
            "Dzień dobry,\n\noceny wniosku miasta {town} w programie {programme} różnią się "
            "bardziej, niż pozwalają zasady, więc przydzielono Ci go jako trzeciemu "
            "oceniającemu.\nZłóż w Ścieżce deklarację bezstronności i ocenę.\n",
            "Hello,\n\nthe two evaluations of the application of {town} in {programme} differ "
            "by more than the rules allow, so you have been assigned as its third "
            "evaluator.\nSign the declaration of impartiality in Ścieżka and score it.\n",
        ),
    ),
    Kind.RESULTS_ANNOUNCED: (
        Label("Wyniki naboru: {programme}", "Results of the call: {programme}"),
        Label(
            "Dzień dobry,\n\nogłoszono wyniki programu {programme}. Wynik miasta {town}: "
            "{outcome}.\nSzczegóły i karty oceny są w Ścieżce.\n",
            "Hello,\n\nthe results of {programme} have been announced. The result for "
            "{town}: {outcome}.\nThe details and score sheets are in Ścieżka.\n",
        ),
    ),
    Kind.APPEAL_DECIDED: (
        Label("Rozpatrzono protest: {town}", "Your appeal has been decided: {town}"),
        Label(
            "Dzień dobry,\n\nkoordynator programu {programme} rozpatrzył protest miasta "
            "{town}: {decision}.\n{note}\n",
            "Hello,\n\nthe coordinator of {programme} has decided the appeal of {town}: "
            "{decision}.\n{note}\n",
        ),
    ),
}


def queue(recipient: User, kind: Kind, **context: str) -> Notification:
    """Add a notification to the current transaction (the caller commits)."""
    subject, body = TEXTS[kind]
    locale = recipient.locale or "pl"
    row = Notification(
        recipient_id=recipient.id,
        kind=kind.value,
        subject=subject.get(locale).format(**context),
        body=body.get(locale).format(**context),
    )
    db.session.add(row)
    return row


def send_pending(limit: int = 200) -> int:
    """Deliver pending notifications (after the commit that created them)."""
    rows = list(
        db.session.scalars(
            select(Notification)
            .where(Notification.status == "pending")
            .order_by(Notification.id)
            .limit(limit)
        )
    )
    for row in rows:
        row.attempts += 1
        if not current_app.config.get("MAIL_SERVER"):
            log.info("notification %s to user %s: %s", row.kind, row.recipient_id, row.subject)
        row.status = "sent"
        row.sent_at = utcnow()
    db.session.commit()
    return len(rows)

"""The notification service: texts per kind and language, edited templates, switches, the
outbox written with the change, and delivery over a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path as FsPath

import pytest
from sqlalchemy import select
from support.smtp import free_port

from workflow.extensions import db
from workflow.messaging import mail, notifications
from workflow.messaging.notifications import (
    COMMON_PLACEHOLDERS,
    MANDATORY,
    SAMPLE_CONTEXT,
    Kind,
    TemplateError,
)
from workflow.models import Notification
from workflow.models.notification_settings import NotificationPreference, NotificationTemplate
from workflow.models.types import utcnow
from workflow.path import transitions

ROOT = FsPath(__file__).resolve().parent.parent


def notes(kind: Kind | None = None) -> list[Notification]:
    db.session.expire_all()
    query = select(Notification).order_by(Notification.id)
    if kind is not None:
        query = query.where(Notification.kind == kind.value)
    return list(db.session.scalars(query))


# --- texts ------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", list(Kind))
@pytest.mark.parametrize("locale", ["pl", "en"])
def test_every_kind_renders_with_its_sample_context(ctx, kind, locale):
    subject, body = notifications.render(kind, locale, None, {**COMMON_PLACEHOLDERS,
                                                              **SAMPLE_CONTEXT[kind]})
    assert subject and body and "{" not in subject + body
    assert body.startswith("Dzień dobry" if locale == "pl" else "Hello")


def test_mandatory_kinds_include_the_password_reset():
    assert Kind.PASSWORD_RESET in MANDATORY and Kind.DEADLINE_REMINDER not in MANDATORY


def test_a_template_may_use_plain_placeholders_only():
    assert notifications.format_text("{town}: {days}", {"town": "Wałcz", "days": "3"}) == "Wałcz: 3"
    for bad in ("{town.__class__}", "{town[0]}", "{town!r}", "{nope}", "{town"):
        with pytest.raises(TemplateError):
            notifications.format_text(bad, {"town": "Wałcz"})


def test_a_programmes_own_text_is_used_and_a_broken_one_falls_back(world):
    programme = world.programme
    db.session.add(NotificationTemplate(programme_id=programme.id, kind="evaluator_assigned",
                                        locale="pl", subject="Ocena: {town}",
                                        body="Proszę ocenić {town} w {programme}."))
    db.session.add(NotificationTemplate(programme_id=programme.id, kind="evaluator_assigned",
                                        locale="en", subject="Score {town.__class__}", body="{x}"))
    db.session.commit()
    assert notifications.render(Kind.EVALUATOR_ASSIGNED, "pl", programme, {"town": "Wałcz"}) == (
        "Ocena: Wałcz", "Proszę ocenić Wałcz w Rozwój Lokalny test.")
    subject, body = notifications.render(Kind.EVALUATOR_ASSIGNED, "en", programme, {"town": "Wałcz"})
    assert subject == "An application to evaluate: Wałcz" and "Local Development test" in body


# --- queue: the outbox row, switches -----------------------------------------------------------

def test_queue_writes_a_pending_row_in_the_callers_transaction(world):
    user = world.users["town_a"]
    row = notifications.queue(user, Kind.PASSWORD_RESET, link="https://x.example/reset/abc")
    db.session.rollback()
    assert notes() == []  # nothing without the commit
    row = notifications.queue(user, Kind.PASSWORD_RESET, link="https://x.example/reset/abc")
    db.session.commit()
    assert (row.status, row.inbox, row.link) == ("pending", True, "https://x.example/reset/abc")
    assert "https://x.example/reset/abc" in row.body


def test_switched_off_email_is_skipped_and_both_off_writes_nothing(world):
    user = world.users["advisor_a"]
    db.session.add_all([
        NotificationPreference(user_id=user.id, kind="advisor_assigned", email=False, inbox=True),
        NotificationPreference(user_id=user.id, kind="advisor_unassigned", email=False, inbox=False),
        NotificationPreference(user_id=user.id, kind="password_reset", email=False, inbox=False),
    ])
    db.session.commit()
    skipped = notifications.queue(user, Kind.ADVISOR_ASSIGNED, programme=world.programme,
                                  town="Wałcz", role="lead")
    nothing = notifications.queue(user, Kind.ADVISOR_UNASSIGNED, programme=world.programme,
                                  town="Wałcz", role="lead")
    mandatory = notifications.queue(user, Kind.PASSWORD_RESET, link="https://x.example/r")
    db.session.commit()
    assert (skipped.status, skipped.inbox) == ("skipped", True)
    assert nothing is None
    assert (mandatory.status, mandatory.inbox) == ("pending", True)


def test_a_returned_stage_tells_the_towns_members_with_the_comment(world, app):
    path = world.path("a")
    path.state = "diagnosis.submitted"
    db.session.commit()
    transitions.fire(path, "return_diagnosis", world.user("advisor_a"), "Brakuje danych o ludności.")
    [note] = notes(Kind.STAGE_RETURNED)
    assert note.recipient_id == world.users["town_a"].id and note.programme_id == world.programme.id
    assert note.subject == "Zwrócono do poprawy: Diagnoza (Ostrzeszów)"
    assert "Brakuje danych o ludności." in note.body
    assert note.status == "sent"  # delivered after the commit (in-process: no REDIS_URL)


def test_an_advisors_sign_off_tells_the_town(world):
    path = world.path("b")
    path.state = "diagnosis.submitted"
    db.session.commit()
    transitions.fire(path, "accept_diagnosis", world.user("advisor_b"))
    [note] = notes(Kind.STAGE_ACCEPTED)
    assert note.recipient_id == world.users["town_b"].id
    assert note.subject == "Zatwierdzono: Diagnoza (Wałcz)"


def test_a_refused_transition_queues_nothing(world):
    path = world.path("a")
    path.state = "diagnosis.submitted"
    db.session.commit()
    with pytest.raises(transitions.TransitionRefused):
        transitions.fire(path, "return_diagnosis", world.user("advisor_a"), "")  # comment required
    assert notes() == []


def test_every_message_a_definition_declares_is_a_known_kind():
    import states

    declared = {(d.code, t.event, n.kind) for d in states.REGISTRY.values() for t in d.transitions
                for n in t.notify}
    assert declared  # the RL path's verdicts and the partnership's sign-off
    assert {kind for _code, _event, kind in declared} <= {k.value for k in Kind}


def test_no_session_listener_queues_messages_behind_the_engines_back(world):
    """A transition record written outside the engine causes nothing: what a move causes is
    queued by `fire` itself, not by a listener on every session."""
    from workflow.models import PathTransition

    path = world.path("a")
    db.session.add(PathTransition(path_id=path.id, seq=path.version, event="return_diagnosis",
                                  from_state="diagnosis.submitted", to_state="diagnosis.returned",
                                  actor_id=world.users["advisor_a"].id, comment="poza silnikiem"))
    db.session.commit()
    assert notes() == []


def test_a_move_left_uncommitted_sends_nothing_until_its_caller_commits(world):
    path = world.path("a")
    path.state = "diagnosis.submitted"
    db.session.commit()
    transitions.fire(path, "return_diagnosis", world.user("advisor_a"), "Popraw.", commit=False)
    db.session.rollback()  # the caller's transaction failed: the message goes with the move
    assert notes() == [] and world.path("a").state == "diagnosis.submitted"
    path = world.path("a")
    transitions.fire(path, "return_diagnosis", world.user("advisor_a"), "Popraw.", commit=False)
    db.session.commit()
    [note] = notes(Kind.STAGE_RETURNED)
    assert note.status == "pending"  # queued with the move, not yet handed to the worker
    notifications.dispatch()
    assert notes(Kind.STAGE_RETURNED)[0].status == "sent"


def test_a_transition_can_tell_the_paths_lead_advisor(world, monkeypatch):
    """Recipients are a role towards the path: here the lead advisor, on a definition whose
    submission notifies them."""
    import dataclasses

    import states

    rl = states.get_definition("rozwoj-lokalny")
    told = tuple(dataclasses.replace(t, notify=(states.Notify("stage_returned", to="advisor"),))
                 if t.event == "withdraw" else t for t in rl.transitions)
    monkeypatch.setitem(states.REGISTRY, rl.code, dataclasses.replace(rl, transitions=told))
    transitions.fire(world.path("b"), "withdraw", world.user("town_b"), "Rezygnujemy.")
    [note] = notes(Kind.STAGE_RETURNED)
    assert note.recipient_id == world.users["advisor_b"].id and "Rezygnujemy." in note.body


# --- delivery over SMTP -------------------------------------------------------------------------

def test_delivery_sends_over_smtp_with_a_message_id_from_the_row(world, mail_to):
    user = world.users["town_a"]
    row = notifications.queue(user, Kind.PASSWORD_RESET, link="https://x.example/r/1")
    db.session.commit()
    assert mail.deliver_pending() == 1
    [got] = mail_to.wait_for(1)
    assert got.message_id == f"<notification-{row.id}@example.pl>"
    assert got.to == "town-a <town-a@example.pl>" and got.subject == "Ustawienie nowego hasła w Ścieżce"
    assert "https://x.example/r/1" in got.body
    [note] = notes()
    assert (note.status, note.attempts, note.message_id) == ("sent", 1, got.message_id)
    assert mail.deliver_pending() == 0  # nothing pending: nothing sent twice


def test_an_smtp_failure_waits_with_backoff_then_fails_after_the_last_try(world, app):
    saved = dict(app.config)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), NOTIFICATION_MAX_ATTEMPTS=2,
                      NOTIFICATION_BACKOFF_S=60)
    try:
        notifications.queue(world.users["town_a"], Kind.PASSWORD_RESET, link="l")
        db.session.commit()
        before = utcnow()
        assert mail.deliver_pending() == 1
        [note] = notes()
        assert (note.status, note.attempts) == ("pending", 1)
        assert "ConnectionRefusedError" in note.error
        assert before + timedelta(seconds=59) < note.next_attempt_at < utcnow() + timedelta(seconds=61)
        assert mail.deliver_pending() == 0  # not before its time
        note.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert mail.deliver_pending() == 1
        [note] = notes()
        assert (note.status, note.attempts) == ("failed", 2) and note.error
    finally:
        app.config.clear()
        app.config.update(saved)


def test_a_claimed_row_is_left_alone_until_its_lease_runs_out(world, mail_to):
    notifications.queue(world.users["town_a"], Kind.PASSWORD_RESET, link="l")
    db.session.commit()
    claimed = mail.claim_one()  # a worker that then dies
    assert claimed is not None
    assert mail.deliver_pending() == 0 and mail_to.received == []
    later = utcnow() + timedelta(seconds=301)
    again = mail.claim_one(now=later)  # the lease ran out: another worker takes it
    assert again is not None and again[0] == claimed[0]
    assert mail.deliver_one(again[0], mail.Transport(), again[1])
    assert len(mail_to.wait_for(1)) == 1 and notes()[0].attempts == 2


def test_without_mail_server_messages_are_logged_and_marked_sent(world, caplog):
    notifications.queue(world.users["town_a"], Kind.PASSWORD_RESET, link="l")
    db.session.commit()
    with caplog.at_level("INFO", logger="sciezka.mail"):
        notifications.dispatch(force=True)
    assert notes()[0].status == "sent"
    assert "Ustawienie nowego hasła" in caplog.text



@pytest.mark.slow  # a flask subprocess
def test_with_redis_down_the_command_still_commits_and_the_rows_wait(world, database_url, tmp_path):
    """`reminders send-due` in a process whose REDIS_URL answers nothing: the reminders are
    committed and stay pending for the beat's re-queue; the command does not fail."""
    from datetime import UTC, datetime

    from workflow.models import StageDeadline

    for row in db.session.scalars(select(StageDeadline)):
        row.due_at = datetime(2026, 10, 30, 22, 59, tzinfo=UTC)
    db.session.commit()
    env = {**os.environ, "APP_ENV": "testing", "SECRET_KEY": secrets.token_hex(32),
           "DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path),
           "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "reminders", "send-due",
                           "--now", "2026-10-24T12:00:00+00:00"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "reminders queued: 2 " in done.stdout
    assert "beat's re-queue will deliver" in done.stderr
    assert time.monotonic() - started < 60
    assert [n.status for n in notes(Kind.DEADLINE_REMINDER)] == ["pending", "pending"]

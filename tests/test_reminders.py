"""Deadline and sheet reminders: when a reminder is due, that each goes out once, that the
Warsaw clock change does not move it, and that the sweep's queries do not grow with the
number of towns."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from factories.accounts import make_user
from factories.path import make_town, set_deadline
from sqlalchemy import and_, func, or_, select
from support.querycount import count_queries

from workflow.extensions import db
from workflow.messaging import reminders
from workflow.models import (
    Declaration,
    EvaluatorAssignment,
    Notification,
    Path,
    Programme,
    ReminderKind,
    ScoreSheet,
    SheetStatus,
    User,
)
from workflow.models.notification import ReminderClaim
from workflow.path import deadlines

WARSAW = ZoneInfo("Europe/Warsaw")
# The clock goes back an hour in the night of 24/25 October 2026.
DUE = datetime(2026, 10, 30, 23, 59, tzinfo=WARSAW)


def reminder_notes(kind: str = "deadline_reminder") -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).where(Notification.kind == kind)
                                   .order_by(Notification.id)))


# --- what "due" means ------------------------------------------------------------------------

def test_a_window_opens_on_the_warsaw_wall_clock_across_the_dst_change():
    opens = reminders.window_opens(DUE.astimezone(UTC), 7, "Europe/Warsaw")
    assert opens == datetime(2026, 10, 23, 23, 59, tzinfo=WARSAW)  # CEST, one hour earlier in UTC
    assert opens == datetime(2026, 10, 23, 21, 59, tzinfo=UTC)
    assert DUE.astimezone(UTC) - opens == timedelta(days=7, hours=1)


@pytest.mark.parametrize(("now", "expected"), [
    (datetime(2026, 10, 16, 21, 58, tzinfo=UTC), None),  # before the 14-day window
    (datetime(2026, 10, 16, 21, 59, tzinfo=UTC), 14),
    (datetime(2026, 10, 23, 21, 58, tzinfo=UTC), 14),  # 7 days in UTC, not yet on the wall clock
    (datetime(2026, 10, 23, 21, 59, tzinfo=UTC), 7),
    (datetime(2026, 10, 29, 12, 0, tzinfo=UTC), 3),  # after an outage: the latest window only
    (datetime(2026, 10, 30, 22, 58, tzinfo=UTC), 1),
    (datetime(2026, 10, 30, 22, 59, tzinfo=UTC), None),  # the deadline itself: too late
])
def test_the_due_offset_is_the_smallest_opened_window(now, expected):
    assert reminders.due_offset(DUE.astimezone(UTC), now, [14, 7, 3, 1], "Europe/Warsaw") == expected


def test_offsets_come_from_the_programme_setting(ctx):
    assert reminders.offsets(Programme(reminder_offsets="1, 7,x,14,7")) == [14, 7, 1]
    assert reminders.offsets(Programme(reminder_offsets="")) == [14, 7, 3, 1]


# --- the sweep ---------------------------------------------------------------------------------

def test_each_reminder_is_queued_once_per_window(world):
    set_deadline(world.programme, DUE)
    assert reminders.sweep(datetime(2026, 10, 16, 21, 0, tzinfo=UTC)) == 0
    at_7 = datetime(2026, 10, 23, 21, 59, tzinfo=UTC)
    assert reminders.sweep(at_7) == 2  # towns A and B (each one member)
    assert reminders.sweep(at_7) == 0
    assert reminders.sweep(at_7 + timedelta(hours=1)) == 0
    notes = reminder_notes()
    assert sorted(n.recipient_id for n in notes) == sorted(
        [world.users["town_a"].id, world.users["town_b"].id])
    assert notes[0].subject == "Termin za 7 dni: Diagnoza (Ostrzeszów)"
    assert "30.10.2026 23:59" in notes[0].body
    # Outside a request (the worker's sweep) the link starts with PUBLIC_URL.
    a = world.paths["a"].id
    mine = next(n for n in notes if n.recipient_id == world.users["town_a"].id)
    assert mine.link == f"http://localhost:5000/town/paths/{a}" and mine.link in mine.body
    assert reminders.sweep(datetime(2026, 10, 28, 0, 0, tzinfo=UTC)) == 2  # the 3-day window
    assert len(reminder_notes()) == 4


def test_a_submitted_stage_and_a_passed_deadline_get_no_reminder(world):
    set_deadline(world.programme, DUE)
    world.path("a").state = "diagnosis.submitted"
    db.session.commit()
    assert reminders.sweep(datetime(2026, 10, 24, tzinfo=UTC)) == 1
    assert reminders.sweep(datetime(2026, 10, 31, tzinfo=UTC)) == 0


def test_a_returned_stage_is_reminded_and_an_extension_moves_the_deadline(world):
    set_deadline(world.programme, DUE)
    path = world.path("a")
    path.state = "diagnosis.returned"
    db.session.commit()
    deadlines.extend(path, "diagnosis", (DUE + timedelta(days=20)).astimezone(UTC),
                     "Powódź w urzędzie miasta", world.user("coordinator"))
    now = datetime(2026, 10, 24, tzinfo=UTC)
    assert reminders.sweep(now) == 1  # only B: A's deadline is now 19 November
    assert reminders.sweep(datetime(2026, 11, 12, 23, 0, tzinfo=UTC)) == 1  # A, 7 days before
    [first, second] = reminder_notes()
    assert second.recipient_id == world.users["town_a"].id and "19.11.2026" in second.body


def test_evaluators_with_unsubmitted_sheets_are_reminded(world):
    other = make_user("evaluator2@example.pl", "evaluator")
    third = make_user("evaluator3@example.pl", "evaluator")
    for key in ("a", "b"):
        world.path(key).state = "evaluation"
        db.session.flush()  # before the next world.path() expires the session
    world.programme.evaluation_deadline = DUE.astimezone(UTC)
    evaluator = world.users["evaluator"]
    pending = EvaluatorAssignment(path_id=world.paths["a"].id, evaluator_id=evaluator.id,
                                  declaration="impartial")
    done = EvaluatorAssignment(path_id=world.paths["b"].id, evaluator_id=other.id,
                               declaration="impartial")
    conflict = EvaluatorAssignment(path_id=world.paths["a"].id, evaluator_id=third.id,
                                   declaration="conflict", conflict_type="family")
    db.session.add_all([pending, done, conflict])
    db.session.flush()
    db.session.add(ScoreSheet(assignment_id=done.id, status="submitted", submitted_at=DUE))
    db.session.commit()
    now = datetime(2026, 10, 28, tzinfo=UTC)
    assert reminders.sweep(now) == 1 and reminders.sweep(now) == 0
    [note] = reminder_notes("sheet_reminder")
    assert note.recipient_id == evaluator.id
    assert note.subject == "Karta oceny czeka: Ostrzeszów"


def add_towns(programme: Programme, start: int, n: int) -> None:
    for i in range(start, start + n):
        path = make_town(programme, f"Miasto {i:03d}")
        db.session.flush()
        make_user(f"m{i:03d}@example.pl", "town", path.applicant)
    db.session.commit()


def test_the_sweep_has_a_fixed_number_of_queries(world):
    set_deadline(world.programme, DUE)
    counts = []
    for start, n, day in ((0, 0, 17), (0, 30, 24), (30, 60, 28)):
        add_towns(world.programme, start, n)
        db.session.expire_all()
        with count_queries(db.engine) as queries:
            swept = reminders.sweep(datetime(2026, 10, day, tzinfo=UTC))
        assert swept == db.session.scalar(select(func.count()).select_from(Path))
        counts.append(queries.count)
    assert counts[0] == counts[1] == counts[2], counts
    assert counts[0] <= 8
    # Finding what is due: the programmes, then the towns' and the sheets' rows in one statement.
    with count_queries(db.engine) as finding:
        reminders.find_due(datetime(2026, 10, 28, tzinfo=UTC))
    assert finding.count == 2


# --- the command, on the demo ---------------------------------------------------------------

@pytest.mark.slow  # the demo is seeded
def test_send_due_on_the_demo_queues_the_expected_reminders_once(app, demo_db, ctx):
    programme = db.session.scalar(select(Programme).where(Programme.code == "RL-2020"))
    due = deadlines.programme_deadlines(programme.id)["diagnosis"]
    assert due == datetime.combine(date(2026, 12, 12), time(23, 59), tzinfo=WARSAW)
    # RL-2020's towns at the diagnosis (CWD-2020's partnerships have states of the same names,
    # and their diagnosis is due weeks later)
    open_paths = db.session.scalar(select(func.count()).select_from(Path).where(
        Path.programme_id == programme.id, Path.state.in_(["diagnosis.draft", "diagnosis.returned"])))
    members = db.session.scalar(select(func.count()).select_from(User).join(
        Path, Path.applicant_id == User.applicant_id).where(
        Path.programme_id == programme.id,
        Path.state.in_(["diagnosis.draft", "diagnosis.returned"]), User.active.is_(True)))
    assert open_paths > 0
    # The demo also leaves sheets to score in RL-2020, due three weeks after the seed's day:
    # a week before the town's deadline, their 14-day reminder is due too, one per sheet not
    # submitted (and not declined for a conflict), to its evaluator.
    assert programme.evaluation_deadline == datetime.combine(date(2026, 12, 19), time(23, 59),
                                                             tzinfo=WARSAW)
    open_sheets = db.session.scalar(
        select(func.count()).select_from(EvaluatorAssignment)
        .join(Path, and_(Path.id == EvaluatorAssignment.path_id,
                         Path.evaluation_round == EvaluatorAssignment.round))
        .outerjoin(ScoreSheet, ScoreSheet.assignment_id == EvaluatorAssignment.id)
        .where(Path.programme_id == programme.id,
               or_(ScoreSheet.id.is_(None), ScoreSheet.status != SheetStatus.SUBMITTED),
               or_(EvaluatorAssignment.declaration.is_(None),
                   EvaluatorAssignment.declaration != Declaration.CONFLICT)))
    assert open_sheets > 0
    now = (due - timedelta(days=7)).isoformat()
    first = app.test_cli_runner().invoke(args=["reminders", "send-due", "--now", now])
    assert first.exit_code == 0, first.output
    assert first.output.strip() == (
        f"Zakolejkowano przypomnień / reminders queued: {open_paths + open_sheets} "
        f"(wiadomości / messages: {members + open_sheets})")
    second = app.test_cli_runner().invoke(args=["reminders", "send-due", "--now", now])
    assert "reminders queued: 0 " in second.output
    notes = reminder_notes()
    assert len(notes) == members and {n.status for n in notes} == {"sent"}
    assert all("za 7 dni" in n.subject for n in notes)
    assert db.session.scalar(select(func.count()).select_from(ReminderClaim).where(
        ReminderClaim.kind == ReminderKind.DEADLINE)) == open_paths
    assert db.session.scalar(select(func.count()).select_from(ReminderClaim).where(
        ReminderClaim.kind == ReminderKind.SHEET)) == open_sheets


def test_send_due_refuses_a_bad_time(app):
    result = app.test_cli_runner().invoke(args=["reminders", "send-due", "--now", "jutro"])
    assert result.exit_code == 2 and "ISO 8601" in result.output


def test_the_sweep_follows_switches_and_the_programmes_offsets(world):
    from workflow.models.notification_settings import NotificationPreference

    set_deadline(world.programme, DUE)
    world.programme.reminder_offsets = "2"
    db.session.add(NotificationPreference(user_id=world.users["town_a"].id,
                                          kind="deadline_reminder", email=False, inbox=True))
    db.session.commit()
    assert reminders.sweep(datetime(2026, 10, 24, tzinfo=UTC)) == 0  # no 7-day reminder now
    assert reminders.sweep(datetime(2026, 10, 29, tzinfo=UTC)) == 2
    by_user = {n.recipient_id: n.status for n in reminder_notes()}
    assert by_user == {world.users["town_a"].id: "skipped", world.users["town_b"].id: "pending"}

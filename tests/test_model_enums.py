"""Status and kind columns are StrEnums (models/types.str_enum): stored as the same lowercase
strings in the same VARCHARs as before (so no migration), read back as enum members."""

from __future__ import annotations

import enum

import sqlalchemy as sa
from factories.path import make_town

from workflow.extensions import db
from workflow.models import (
    EvaluatorAssignment,
    EvaluatorRole,
    ScoreSheet,
    SheetStatus,
)

# VARCHAR columns named like a status or a kind that stay strings on purpose: the notification
# kinds are messaging's Kind (defined outside the models), a path's state belongs to its path
# definition in states/ (the evaluation overview's kept line copies it), an audit event's action
# is any area's event name.
STAYING_STRINGS = {("notification", "kind"), ("notification_preference", "kind"),
                   ("notification_template", "kind"), ("path", "state"), ("evaluation_summary", "state"),
                   ("audit_event", "action")}
NAMES = ("status", "state", "kind", "role", "source", "action", "declaration", "conflict_type", "policy",
         "format", "reason", "hide_scores_until")


def enum_columns() -> list[sa.Column]:
    return [c for t in db.metadata.sorted_tables for c in t.columns if isinstance(c.type, sa.Enum)]


def test_every_status_and_kind_column_is_an_enum_but_the_deliberate_strings():
    left = {(t.name, c.name) for t in db.metadata.sorted_tables for c in t.columns
            if c.name in NAMES and isinstance(c.type, sa.String)
            and not isinstance(c.type, sa.Enum | sa.Text)}
    assert left == STAYING_STRINGS
    assert len(enum_columns()) >= 20


def test_enum_columns_are_plain_varchars_holding_the_members_values():
    for column in enum_columns():
        kind = column.type
        members = kind.enum_class
        assert issubclass(members, enum.StrEnum), column
        assert not kind.native_enum and not kind.create_constraint, column
        assert kind.enums == [m.value for m in members], column  # values stored, not names
        assert all(m.value == m.value.lower() for m in members), column
        assert kind.length >= max(len(m.value) for m in members), column


def test_a_member_is_stored_as_its_value_and_read_back_as_the_member(world):
    path = make_town(world.programme, "Kolno", state="evaluation")
    db.session.flush()
    assignment = EvaluatorAssignment(path_id=path.id, evaluator_id=world.users["evaluator"].id,
                                     role=EvaluatorRole.THIRD, source="manual")  # a plain value works too
    db.session.add(assignment)
    db.session.flush()
    db.session.add(ScoreSheet(assignment_id=assignment.id))  # the default: a draft
    db.session.commit()
    raw = db.session.execute(sa.text(
        "SELECT ea.role, ea.source, s.status FROM evaluator_assignment ea "
        "JOIN score_sheet s ON s.assignment_id = ea.id WHERE ea.id = :id"), {"id": assignment.id}).one()
    assert tuple(raw) == ("third", "manual", "draft")
    assert type(raw[2]) is str
    db.session.execute(sa.text("UPDATE score_sheet SET status = 'submitted', submitted_at = created_at "
                               "WHERE assignment_id = :id"), {"id": assignment.id})
    db.session.commit()
    db.session.expire_all()
    sheet = db.session.scalar(sa.select(ScoreSheet).where(ScoreSheet.assignment_id == assignment.id))
    assert sheet.status is SheetStatus.SUBMITTED and sheet.assignment.role is EvaluatorRole.THIRD
    assert sheet.status == "submitted"  # a StrEnum member is still the string
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ScoreSheet)
                             .where(ScoreSheet.status == SheetStatus.SUBMITTED)) == 1

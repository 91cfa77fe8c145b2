"""The score sheet's criteria and the evaluator's operations (workflow.evaluation.criteria and
workflow.evaluation.sheets), called directly on real rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from factories.accounts import make_user
from factories.evaluation import assign
from sqlalchemy import func, select

from states import get_definition
from workflow.evaluation import criteria, sheets
from workflow.evaluation.sheets import ScoreInput
from workflow.extensions import db
from workflow.models import (
    Criterion,
    EvaluatorAssignment,
    RankingSnapshot,
    Score,
    ScoreSheet,
    SheetPart,
    User,
)
from workflow.refusal import in_language

GOOD = "Uzasadnienie wystarczająco długie, by je przyjąć bez zastrzeżeń."


@dataclass
class Evaluation:
    world: object
    path_id: int
    first: EvaluatorAssignment  # evaluator@example.pl, impartial
    second: EvaluatorAssignment  # evaluator-2@example.pl, impartial
    parts: list[SheetPart]

    def criteria(self) -> list[Criterion]:
        return [c for p in self.parts for c in p.criteria]

    def full(self, points: int | None = None) -> dict[int, ScoreInput]:
        return {c.id: ScoreInput(c.max_points if points is None else min(points, c.max_points), GOOD)
                for c in self.criteria()}


@pytest.fixture
def ev(world) -> Evaluation:
    path = world.path("a")
    path.state = "evaluation"
    second = make_user("evaluator-2@example.pl", "evaluator")
    db.session.commit()
    first = assign(path.id, world.users["evaluator"], declaration="impartial")
    other = assign(path.id, second, declaration="impartial")
    return Evaluation(world, path.id, first, other, criteria.ensure_sheet(world.programme))


def submit(assignment: EvaluatorAssignment, values: dict[int, ScoreInput]) -> ScoreSheet:
    sheet = sheets.get_or_create_draft(assignment)
    return sheets.save(sheet, values, True, sheet.version)


# --- criteria -----------------------------------------------------------------------------------

RL_CRITERIA = get_definition("rozwoj-lokalny").sheet.parts  # the template the RL path names


def test_rl_criteria_sum_to_110_and_120():
    prl, pri = RL_CRITERIA
    assert (prl.code, pri.code) == ("PRL", "PRI")
    assert sum(c.max_points for c in prl.criteria) == 110
    assert sum(c.max_points for c in pri.criteria) == 120
    codes = [c.code for p in RL_CRITERIA for c in p.criteria]
    assert len(codes) == len(set(codes)) == 12
    for c in (c for p in RL_CRITERIA for c in p.criteria):
        assert c.title_pl and c.title_en and c.description_pl.endswith(".") and c.description_en.endswith(".")


def test_ensure_sheet_is_idempotent(world):
    first = criteria.ensure_sheet(world.programme)
    again = criteria.ensure_sheet(world.programme)
    assert [p.id for p in first] == [p.id for p in again]
    assert db.session.scalar(select(func.count()).select_from(Criterion)) == 12
    assert criteria.part_maxima(world.programme) == {"PRL": 110, "PRI": 120}
    assert [c.code for c in again[0].criteria] == ["I.1", "I.2", "I.3", "I.4", "I.5", "I.6"]


def test_criteria_are_editable_until_the_first_submission(ev):
    first = ev.parts[0].criteria[0]
    criteria.update_criterion(first, criteria.CriterionInput(
        "I.1", "Diagnoza", "Diagnosis", "Opis.", "Description.", 25))
    added = criteria.add_criterion(ev.parts[1], criteria.CriterionInput("II.7", "Nowe", "New", "", "", 5))
    assert criteria.part_maxima(ev.world.programme) == {"PRL": 115, "PRI": 125}
    criteria.remove_criterion(added)
    assert criteria.part_maxima(ev.world.programme) == {"PRL": 115, "PRI": 120}
    assert not criteria.is_locked(ev.world.programme)

    submit(ev.first, ev.full())
    assert criteria.is_locked(ev.world.programme)
    with pytest.raises(criteria.CriteriaLocked) as refused:
        criteria.update_criterion(first, criteria.CriterionInput("I.1", "Inna", "Other", "", "", 10))
    assert "złożono już pierwszą kartę" in in_language(refused.value.reason, "pl")
    with pytest.raises(criteria.CriteriaLocked):
        criteria.add_criterion(ev.parts[0], criteria.CriterionInput("I.9", "X", "X", "", "", 5))
    with pytest.raises(criteria.CriteriaLocked):
        criteria.remove_criterion(first)
    db.session.expire_all()
    assert db.session.get(Criterion, first.id).title_pl == "Diagnoza"
    assert criteria.part_maxima(ev.world.programme) == {"PRL": 115, "PRI": 120}


def test_criterion_input_is_checked(ev):
    part = ev.parts[0]
    with pytest.raises(criteria.CriterionInvalid) as invalid:
        criteria.add_criterion(part, criteria.CriterionInput(" i.1 ", "", "x", "", "", 0))
    assert set(invalid.value.errors) == {"code", "title_pl", "max_points"}
    assert "I.1" in in_language(invalid.value.errors["code"][0], "pl")
    with pytest.raises(criteria.CriterionInvalid) as invalid:
        criteria.add_criterion(part, criteria.CriterionInput("I.8", "a", "b", "", "", None))
    assert "liczbę punktów" in in_language(invalid.value.errors["max_points"][0], "pl")
    assert len(part.criteria) == 6


def test_removing_a_criterion_drops_draft_points_and_never_the_last_one(ev):
    target = ev.parts[0].criteria[0]
    sheet = sheets.get_or_create_draft(ev.first)
    sheets.save(sheet, ev.full(), False, sheet.version)
    criteria.remove_criterion(target)
    assert db.session.scalar(select(func.count()).select_from(Score)) == 11
    only = ev.parts[1]
    for c in list(only.criteria)[:-1]:
        criteria.remove_criterion(c)
    with pytest.raises(criteria.CriteriaLocked):
        criteria.remove_criterion(only.criteria[-1])


# --- declarations --------------------------------------------------------------------------------

def test_declaration_rules(ev, world):
    fresh = assign(world.paths["b"].id, world.users["evaluator"], declaration=None)
    with pytest.raises(sheets.SheetInvalid) as invalid:
        sheets.declare(fresh, "maybe")
    assert set(invalid.value.errors) == {"declaration"}
    with pytest.raises(sheets.SheetInvalid) as invalid:
        sheets.declare(fresh, "conflict", None)
    assert set(invalid.value.errors) == {"conflict_type"}
    with pytest.raises(sheets.SheetInvalid) as invalid:
        sheets.declare(fresh, "conflict", "other", "  ")
    assert set(invalid.value.errors) == {"note"}
    assert db.session.get(EvaluatorAssignment, fresh.id).declaration is None

    sheets.declare(fresh, "impartial")
    with pytest.raises(sheets.SheetRefused) as twice:
        sheets.declare(fresh, "impartial")
    assert "już złożono" in in_language(twice.value.reason, "pl")
    # An impartial evaluator who finds a conflict before submitting may still declare it.
    row = sheets.declare(fresh, "conflict", "family", "Kuzyn burmistrza")
    assert (row.declaration, row.conflict_type) == ("conflict", "family")
    assert row.conflict_note == "Kuzyn burmistrza"
    with pytest.raises(sheets.SheetRefused) as final:
        sheets.declare(fresh, "impartial")
    assert final.value.status == 403


def test_conflict_after_submission_is_refused(ev):
    submit(ev.first, ev.full())
    with pytest.raises(sheets.SheetRefused) as refused:
        sheets.declare(ev.first, "conflict", "municipality")
    assert "już złożona" in in_language(refused.value.reason, "pl")
    db.session.expire_all()
    assert db.session.get(EvaluatorAssignment, ev.first.id).declaration == "impartial"


@pytest.mark.parametrize("declaration", [None, "conflict"])
def test_only_an_impartial_evaluator_scores(world, declaration):
    path = world.path("b")
    path.state = "evaluation"
    db.session.commit()
    criteria.ensure_sheet(world.programme)
    a = assign(path.id, world.users["evaluator"], declaration=None)
    if declaration == "conflict":
        sheets.declare(a, "conflict", "advised_town")
    with pytest.raises(sheets.SheetRefused) as refused:
        sheets.get_or_create_draft(a)
    assert refused.value.status == 403
    assert db.session.scalar(select(func.count()).select_from(ScoreSheet)) == 0


# --- the sheet -----------------------------------------------------------------------------------

def test_a_draft_saved_many_times_is_one_sheet(ev):
    sheet = sheets.get_or_create_draft(ev.first)
    assert sheets.get_or_create_draft(ev.first).id == sheet.id
    c1 = ev.criteria()[0]
    for n in range(5):
        sheet = sheets.save(sheet, {c1.id: ScoreInput(n, "szkic")}, False, sheet.version)
    assert db.session.scalar(select(func.count()).select_from(ScoreSheet)) == 1
    assert db.session.scalar(select(func.count()).select_from(Score)) == 12  # one per criterion
    db.session.expire_all()
    saved = db.session.get(ScoreSheet, sheet.id)
    assert saved.status == "draft" and saved.version == 6
    assert {s.criterion_id: s.points for s in saved.scores}[c1.id] == 4


def test_submitting_needs_points_and_justifications(ev):
    sheet = sheets.get_or_create_draft(ev.first)
    values = ev.full()
    c1, c2, c3 = ev.criteria()[:3]
    values[c1.id] = ScoreInput(None, GOOD)
    values[c2.id] = ScoreInput(3, "za krótko")
    values[c3.id] = ScoreInput(3, "   ")
    with pytest.raises(sheets.SheetInvalid) as invalid:
        sheets.save(sheet, values, True, sheet.version)
    errors = invalid.value.errors
    assert set(errors) == {sheets.points_key(c1.id), sheets.justification_key(c2.id),
                           sheets.justification_key(c3.id)}
    assert "I.1" in in_language(errors[sheets.points_key(c1.id)][0], "pl")
    assert "ma 9 znaków" in in_language(errors[sheets.justification_key(c2.id)][0], "pl")
    db.session.expire_all()
    assert db.session.get(ScoreSheet, sheet.id).status == "draft"
    assert db.session.scalar(select(func.count()).select_from(Score)) == 0
    # The same values are a fine draft.
    sheets.save(sheet, values, False, sheet.version)


@pytest.mark.parametrize("points", [-1, 21, 2.5, "abc", True])
def test_points_outside_the_range_name_the_criterion_and_its_maximum(ev, points):
    sheet = sheets.get_or_create_draft(ev.first)
    c1 = ev.criteria()[0]
    with pytest.raises(sheets.SheetInvalid) as invalid:
        sheets.save(sheet, {c1.id: ScoreInput(points, "")}, False, sheet.version)
    assert in_language(invalid.value.errors[sheets.points_key(c1.id)][0], "pl") == \
        "Kryterium I.1: wpisz liczbę całkowitą od 0 do 20 punktów."


def test_submit_once_and_never_change(ev):
    sheet = submit(ev.first, ev.full(10))
    assert sheet.status == "submitted" and sheet.submitted_at is not None
    version = sheet.version
    for submit_again in (True, False):
        with pytest.raises(sheets.SheetRefused) as refused:
            sheets.save(sheet, ev.full(0), submit_again, version)
        assert in_language(refused.value.reason, "pl") == "Karta została już złożona i nie można jej zmienić."
    db.session.expire_all()
    row = db.session.get(ScoreSheet, sheet.id)
    assert row.version == version and {s.points for s in row.scores} == {10}


def test_a_stale_version_is_refused(ev):
    sheet = sheets.get_or_create_draft(ev.first)
    seen = sheet.version
    sheets.save(sheet, ev.full(1), False, seen)
    with pytest.raises(sheets.SheetRefused) as refused:
        sheets.save(sheet, ev.full(2), False, seen)
    assert refused.value.reason == sheets.STALE
    db.session.expire_all()
    assert {s.points for s in db.session.get(ScoreSheet, sheet.id).scores} == {1}


def test_only_while_the_application_is_in_evaluation(ev):
    sheet = sheets.get_or_create_draft(ev.first)
    path = ev.world.path("a")
    path.state = "ranked"
    db.session.commit()
    with pytest.raises(sheets.SheetRefused) as refused:
        sheets.save(sheet, ev.full(), True, sheet.version)
    assert refused.value.reason == sheets.NOT_IN_EVALUATION


# --- the other evaluators' sheets ---------------------------------------------------------------------

def test_others_hidden_until_own_submission(ev):
    submit(ev.second, ev.full(7))
    assert sheets.visible_other_sheets(ev.first) == []
    assert sheets.others_hidden_because(ev.first) == sheets.HIDDEN_UNTIL_OWN
    draft = sheets.get_or_create_draft(ev.first)
    sheets.save(draft, ev.full(3), False, draft.version)
    assert sheets.visible_other_sheets(ev.first) == []
    sheets.save(draft, ev.full(3), True, draft.version)
    db.session.expire_all()
    first = db.session.get(EvaluatorAssignment, ev.first.id)
    others = sheets.visible_other_sheets(first)
    assert [s.assignment_id for s in others] == [ev.second.id]
    assert {s.points for s in others[0].scores} == {7}


def test_others_hidden_until_the_announcement_when_the_programme_says_so(ev):
    ev.world.programme.hide_scores_until = "announcement"
    db.session.commit()
    submit(ev.second, ev.full(7))
    submit(ev.first, ev.full(9))
    db.session.expire_all()
    first = db.session.get(EvaluatorAssignment, ev.first.id)
    assert sheets.visible_other_sheets(first) == []
    assert sheets.others_hidden_because(first) == sheets.HIDDEN_UNTIL_ANNOUNCEMENT
    snapshot = RankingSnapshot(programme_id=ev.world.programme.id, kind="official", status="done")
    db.session.add(snapshot)
    db.session.commit()
    assert sheets.visible_other_sheets(first) == []  # approved is not announced
    snapshot.announced_at = datetime.now(UTC)
    db.session.commit()
    assert [s.assignment_id for s in sheets.visible_other_sheets(first)] == [ev.second.id]


def test_assignments_of_lists_only_ones_own(ev, world):
    rows = sheets.assignments_of(world.users["evaluator"])
    assert [(r.town, r.assignment.id, r.sheet_status) for r in rows] == [("Ostrzeszów", ev.first.id, None)]
    assert sheets.assignment_for(world.users["evaluator"], world.paths["b"].id) is None


def test_a_submission_that_differs_too_much_brings_in_a_third_evaluator(ev):
    make_user("evaluator-3@example.pl", "evaluator")
    db.session.commit()
    submit(ev.first, ev.full())  # 230 points
    assert db.session.scalar(select(func.count()).select_from(EvaluatorAssignment)) == 2
    submit(ev.second, ev.full(5))  # 60 points: more than 30 % of 230 apart
    db.session.expire_all()
    third = db.session.scalar(select(EvaluatorAssignment).where(EvaluatorAssignment.role == "third"))
    assert third is not None and third.path_id == ev.path_id and third.source == "third_rule"
    assert db.session.get(User, third.evaluator_id).email == "evaluator-3@example.pl"

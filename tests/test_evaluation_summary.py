"""The evaluation overview's kept lines (decision 0035) equal a full recomputation after every
step of a seeded random walk of edits on the demo: evaluators assigned and unassigned through
the assignment service, declarations of conflict and impartiality, points changed, sheets
submitted and reopened, the programme's rule changed, towns and evaluators renamed, paths
moved on, changes rolled back. The recomputation is `summary.computed` (the final score rule
over every application, read afresh). Also: the command, and the overview's order and counts
against the rule run in Python."""

from __future__ import annotations

import random
import re

import pytest
from sqlalchemy import select, update
from support import Browser

from workflow.evaluation import manual_assignment, summary
from workflow.evaluation.conflicts import evaluated_states as summary_states
from workflow.evaluation.scores import application_scores
from workflow.extensions import db
from workflow.models import (
    Applicant,
    EvaluationSummary,
    EvaluatorAssignment,
    Path,
    Programme,
    Role,
    Score,
    ScoreSheet,
    User,
)
from workflow.text import polish_key


def programme(code: str) -> Programme:
    return db.session.scalar(select(Programme).where(Programme.code == code))


def assert_kept_equals_recomputed() -> None:
    db.session.expire_all()
    assert summary.differences(db.session()) == []


def random_walk(seed: int, steps: int) -> None:
    rnd = random.Random(seed)
    rl = programme("RL-2019")
    coordinator = db.session.scalar(select(User).where(User.role == Role.COORDINATOR.value))

    def one(model, *where):  # noqa: ANN001, ANN202
        found = db.session.scalars(select(model).where(*where).order_by(model.id)).all()
        return rnd.choice(found) if found else None

    def in_rl(model):  # noqa: ANN001, ANN202
        return model.id.in_(select(EvaluatorAssignment.id).join(Path).where(Path.programme_id == rl.id)) \
            if model is EvaluatorAssignment else None

    for _ in range(steps):
        step = rnd.randrange(9)
        if step == 0:  # points of a submitted sheet
            submitted = select(ScoreSheet.id).where(ScoreSheet.status == "submitted")
            score = one(Score, Score.sheet_id.in_(submitted))
            if score is not None:
                score.points = rnd.randrange(0, 40)
        elif step == 1:  # a declared conflict, or back to impartial
            assignment = one(EvaluatorAssignment, in_rl(EvaluatorAssignment))
            if assignment is not None:
                if assignment.declaration == "conflict":
                    assignment.declaration, assignment.conflict_type = "impartial", None
                else:
                    assignment.declaration, assignment.conflict_type = "conflict", "other"
        elif step == 2:  # a sheet reopened or submitted
            sheet = one(ScoreSheet)
            if sheet is not None:
                sheet.status = "draft" if sheet.status == "submitted" else "submitted"
        elif step == 3:  # the programme's rule
            rl.discrepancy_pct = rnd.choice((5, 10, 20, 30))
            rl.evaluators_per_application = rnd.choice((2, 3))
        elif step == 4:  # a town renamed
            applicant = one(Applicant)
            applicant.name = rnd.choice(("Łobez", "Ząbki", "Alwernia", "Żywiec")) + f" {rnd.randrange(99)}"
        elif step == 5:  # an evaluator renamed
            evaluator = one(User, User.role == Role.EVALUATOR.value)
            evaluator.name = f"Ewa Ścisła {rnd.randrange(99)}"
        elif step == 6:  # an evaluator assigned through the service (or refused)
            path = one(Path, Path.programme_id == rl.id)
            evaluator = one(User, User.role == Role.EVALUATOR.value)
            try:
                manual_assignment.assign(path, evaluator, coordinator)
            except manual_assignment.AssignmentRefused:
                db.session.rollback()
                continue
        elif step == 7:  # a path moved on or back
            path = one(Path, Path.programme_id == rl.id)
            path.state = rnd.choice(("evaluation", "ranked", "formal_check"))
        else:  # changes rolled back
            score = one(Score)
            score.points = 999
            db.session.flush()
            db.session.rollback()
            continue
        db.session.commit()
        assert_kept_equals_recomputed()


@pytest.mark.parametrize("seed", [1, 2])
def test_kept_lines_equal_a_recomputation_after_a_random_walk_of_edits(app, demo_db, seed):
    with app.app_context():
        assert_kept_equals_recomputed()
        assert db.session.scalar(select(db.func.count()).select_from(EvaluationSummary)) > 0
        random_walk(seed, 25)


def test_the_overview_pages_in_the_rule_s_order_with_the_programme_s_counts(app, demo_db):
    with app.app_context():
        rl = programme("RL-2019")
        scores = application_scores(rl, summary_states(rl))
        by_final = sorted((s for s in scores if s.final.total is not None),
                          key=lambda s: (-s.final.total, -s.path_id))
        by_town = sorted(scores, key=lambda s: (polish_key(s.town), s.path_id))
        complete = sum(1 for s in scores if s.complete)
    coordinator = Browser(app, app.config["DEMO_PASSWORD"])
    assert coordinator.login("coordinator@demo.sciezka.pl").status_code == 302
    overview = "/coordinator/evaluation/"
    page = coordinator.get(overview + "?programme=RL-2019&sort=final&page=2").get_data(as_text=True)
    assert f"Wniosków: {len(scores)} " in page and f"Z wynikiem końcowym: {complete}." in page
    shown = [int(i) for i in re.findall(r"/coordinator/evaluation/applications/(\d+)", page)]
    assert shown == [s.path_id for s in by_final[25:50]]
    page = coordinator.get("/coordinator/evaluation/?programme=RL-2019&page=999999").get_data(as_text=True)
    shown = [int(i) for i in re.findall(r"/coordinator/evaluation/applications/(\d+)", page)]
    last = (len(by_town) - 1) // 25 * 25
    assert shown == [s.path_id for s in by_town[last:]]
    town = by_town[7].town
    page = coordinator.get(overview, query_string={"programme": "RL-2019", "q": town.upper()}) \
        .get_data(as_text=True)
    shown = [int(i) for i in re.findall(r"/coordinator/evaluation/applications/(\d+)", page)]
    assert by_town[7].path_id in shown and len(shown) < 25


def test_the_command_finds_a_wrong_line_and_rebuilds_it(app, demo_db):
    runner = app.test_cli_runner()
    with app.app_context():
        first = select(db.func.min(EvaluationSummary.path_id)).scalar_subquery()
        db.session.execute(update(EvaluationSummary).where(EvaluationSummary.path_id == first)
                           .values(final_total=1))
        db.session.commit()
        result = runner.invoke(args=["scores", "rebuild-summaries", "--check"])
        assert result.exit_code == 1 and "final_total" in result.output
        result = runner.invoke(args=["scores", "rebuild-summaries"])
        assert result.exit_code == 0 and "(corrected: 1)" in result.output
        result = runner.invoke(args=["scores", "rebuild-summaries", "--check"])
        assert result.exit_code == 0, result.output

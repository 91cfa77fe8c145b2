"""An upheld appeal re-opens the evaluation (issue 4, part 6): the path goes back from
not awarded to evaluation in round 2; the round-1 assignments and sheets stay as history and
no longer count; evaluators (also those of round 1) are assigned again; a new ranking counts
only the round-2 sheets. A rejected appeal changes no path.

Built on test_appeals: town A (Ostrzeszów) is funded, town B (Wałcz) fails part I, appeals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from factories.results import ANNOUNCED, LONG_ENOUGH, announce, spread
from sqlalchemy import func, select

from workflow.advice.assignment import AssignmentRefused
from workflow.evaluation import criteria, sheets
from workflow.evaluation.conflicts import ALREADY_ON, regular_full
from workflow.evaluation.manual_assignment import assign
from workflow.evaluation.scores import application_score
from workflow.extensions import db
from workflow.models import (
    Appeal,
    EvaluatorAssignment,
    Notification,
    Path,
    PathTransition,
    Score,
    ScoreSheet,
    User,
)
from workflow.models.types import utcnow
from workflow.ranking import appeals
from workflow.ranking import runs as ranking_runs

NOTE = "Oceniający pominęli rozdział 4 planu – wniosek zostanie oceniony ponownie."


@pytest.fixture
def appealed(scored) -> Appeal:
    announce(scored)
    path, user = scored.path("b"), scored.user("town_b")
    assert path.state == "not_awarded"
    return appeals.file(path, user, LONG_ENOUGH, now=ANNOUNCED + timedelta(days=1))


def evaluator(n: int) -> User:
    user = db.session.scalar(select(User).where(User.email == f"oceniajacy{n}@example.pl"))
    assert user is not None
    return user


def submit_sheet(assignment: EvaluatorAssignment, totals: dict[str, int]) -> None:
    """The evaluator declares impartiality and submits a sheet with these totals per part."""
    path = db.session.get(Path, assignment.path_id)
    parts = criteria.parts_of(path.programme)
    assignment.declaration, assignment.declared_at = "impartial", utcnow()
    sheet = ScoreSheet(assignment=assignment, status="submitted", submitted_at=utcnow())
    db.session.add(sheet)
    for part in parts:
        points = spread(totals[part.code], [c.max_points for c in part.criteria])
        for c, p in zip(part.criteria, points, strict=True):
            sheet.scores.append(Score(criterion_id=c.id, points=p, justification=f"Runda 2, {c.code}."))
    db.session.commit()


def reopened(world, appeal: Appeal) -> Path:
    appeals.decide(appeal, world.user("coordinator"), True, NOTE)
    path = world.path("b")
    db.session.refresh(path)
    return path


def test_upheld_appeal_sends_the_path_back_to_evaluation_in_round_two(scored, appealed):
    before = db.session.scalar(select(func.count()).select_from(ScoreSheet))
    path = reopened(scored, appealed)
    assert (path.state, path.evaluation_round) == ("evaluation", 2)
    last = db.session.scalars(select(PathTransition).where(PathTransition.path_id == path.id)
                              .order_by(PathTransition.seq.desc())).first()
    assert (last.event, last.from_state, last.to_state) == ("reopen_evaluation", "not_awarded", "evaluation")
    assert (last.actor_id, last.comment) == (scored.user("coordinator").id, NOTE)
    # The round-1 sheets are kept, but count no more.
    assert db.session.scalar(select(func.count()).select_from(ScoreSheet)) == before
    old = list(db.session.scalars(select(EvaluatorAssignment).where(EvaluatorAssignment.path_id == path.id)))
    assert len(old) == 2 and {a.round for a in old} == {1}
    assert all(a.sheet.status == "submitted" for a in old)
    score = application_score(path)
    assert score.rows == () and score.sheets == () and not score.complete
    assert score.missing_regular == 2 and score.in_evaluation
    b = next(a for a in ranking_runs.load_inputs(scored.programme) if a.path_id == path.id)
    assert b.sheets == ()
    # Town A, funded and not appealing, stays as announced.
    assert (scored.path("a").state, scored.path("a").evaluation_round) == ("awarded", 1)


def test_round_one_evaluator_may_be_assigned_again_in_round_two(scored, appealed):
    path = reopened(scored, appealed)
    again = assign(path, evaluator(2), scored.user("coordinator"))  # scored round 1
    fresh = assign(path, evaluator(1), scored.user("coordinator"))
    assert (again.round, fresh.round) == (2, 2)
    with pytest.raises(AssignmentRefused) as refused:
        assign(path, evaluator(2), scored.user("coordinator"))
    assert refused.value.reasons == [ALREADY_ON]
    with pytest.raises(AssignmentRefused) as refused:
        assign(path, evaluator(3), scored.user("coordinator"))  # two are enough
    assert refused.value.reasons == [regular_full(2)]
    # The evaluator's page opens the round-2 assignment; the round-1 one is read-only history.
    assert sheets.assignment_for(evaluator(2), path.id).id == again.id
    old = db.session.scalar(select(EvaluatorAssignment).where(
        EvaluatorAssignment.path_id == path.id, EvaluatorAssignment.evaluator_id == evaluator(2).id,
        EvaluatorAssignment.round == 1))
    with pytest.raises(sheets.SheetRefused) as refused_sheet:
        sheets.declare(old, "conflict", "other", "Zmiana zdania po czasie.")
    assert refused_sheet.value.reason == sheets.EARLIER_ROUND
    assert db.session.get(EvaluatorAssignment, old.id).declaration == "impartial"


def test_a_new_ranking_counts_only_the_round_two_sheets(scored, appealed):
    path = reopened(scored, appealed)
    coordinator = scored.user("coordinator")
    first = assign(path, evaluator(2), coordinator)
    second = assign(path, evaluator(3), coordinator)
    submit_sheet(first, {"PRL": 96, "PRI": 104})
    submit_sheet(second, {"PRL": 94, "PRI": 106})
    score = application_score(path)
    assert [sum(s.parts.values()) for s in score.sheets] == [200, 200] and score.complete
    preview = ranking_runs.run(scored.programme, coordinator)
    rows = dict(zip(ranking_runs.path_ids(preview), preview.result["applications"], strict=True))
    wałcz = rows[path.id]
    assert [s["total"] for s in wałcz["sheets"]] == [200, 200]  # round 1 gave 130 and 136
    assert wałcz["outcome"] == "awarded"
    # The town still reads the announced ranking with the round-1 sheets it counted.
    found = appeals.outcome(path)
    assert found.entry["outcome"] == "not_eligible"
    assert [s.total for s in found.sheets] == [130, 136]


def test_rejected_appeal_changes_no_path(scored, appealed):
    path = scored.path("b")
    version, moves = path.version, len(path.transitions)
    appeals.decide(appealed, scored.user("coordinator"), False, "Ocena jest zgodna z kryteriami.")
    db.session.refresh(path)
    assert (path.state, path.evaluation_round, path.version) == ("not_awarded", 1, version)
    assert db.session.scalar(select(func.count()).select_from(PathTransition)
                             .where(PathTransition.path_id == path.id)) == moves
    assert len(application_score(path).sheets) == 2


# --- the corrected announcement ----------------------------------------------------------------------

def rescored(world, appeal: Appeal) -> Path:
    """Round 2 done: two new sheets put Wałcz well above the threshold."""
    path = reopened(world, appeal)
    coordinator = world.user("coordinator")
    submit_sheet(assign(path, evaluator(2), coordinator), {"PRL": 96, "PRI": 104})
    submit_sheet(assign(path, evaluator(3), coordinator), {"PRL": 94, "PRI": 106})
    return path


def history(path: Path) -> list[str]:
    return list(db.session.scalars(select(PathTransition.event).where(PathTransition.path_id == path.id)
                                   .order_by(PathTransition.seq)))


def test_corrected_announcement_moves_only_the_re_evaluated_path(scored, appealed):
    coordinator = scored.user("coordinator")
    first = ranking_runs.announced_snapshot(scored.programme.id)
    path = rescored(scored, appealed)
    town_a = scored.path("a")
    a_before = history(town_a)
    official = ranking_runs.run(scored.programme, coordinator, kind="official")
    ranking_runs.announce(official, coordinator)
    db.session.refresh(path)
    assert path.state == "awarded"
    assert history(path)[-3:] == ["reopen_evaluation", "rank", "award"]
    assert history(town_a) == a_before and town_a.state == "awarded"
    assert db.session.get(type(first), first.id).superseded_at is not None
    assert ranking_runs.announced_snapshot(scored.programme.id).id == official.id
    assert appeals.outcome(path).entry["outcome"] == "awarded"
    notified = db.session.scalars(select(User.email).join(
        Notification, Notification.recipient_id == User.id).where(
        Notification.kind == "results_announced", Notification.created_at > official.created_at))
    assert set(notified) == {"town-b@example.pl"}

    # A second correction without a new upheld appeal is refused and changes nothing.
    again = ranking_runs.run(scored.programme, coordinator, kind="official")
    with pytest.raises(ranking_runs.RankingRefused) as refused:
        ranking_runs.announce(again, coordinator)
    assert refused.value.reasons[-1] == ranking_runs.NO_UPHELD_APPEAL
    assert ranking_runs.announced_snapshot(scored.programme.id).id == official.id
    assert db.session.get(type(again), again.id).announced_at is None


def test_no_correction_without_an_upheld_appeal(scored, appealed):
    coordinator = scored.user("coordinator")
    appeals.decide(appealed, coordinator, False, "Ocena jest zgodna z kryteriami.")
    first = ranking_runs.announced_snapshot(scored.programme.id)
    other = ranking_runs.run(scored.programme, coordinator, kind="official")
    with pytest.raises(ranking_runs.RankingRefused) as refused:
        ranking_runs.announce(other, coordinator)
    assert refused.value.reasons[-1] == ranking_runs.NO_UPHELD_APPEAL
    assert ranking_runs.announced_snapshot(scored.programme.id).id == first.id
    assert db.session.get(type(first), first.id).superseded_at is None


def test_coordinator_page_lists_the_earlier_round_as_history(scored, appealed, login):
    path = reopened(scored, appealed)
    page = login("coordinator@example.pl").get(f"/coordinator/evaluation/applications/{path.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Wcześniejsze oceny" in html and "runda 2" in html
    assert "Nikt jeszcze nie ocenia tego wniosku." in html  # round 2 has no evaluator yet
    assert "Cezary Ukryty" in html and "Dorota Niejawna" in html
    assert ">130<" in html and ">136<" in html  # the round-1 totals, kept


def test_coordinator_announces_the_correction_through_the_pages(scored, appealed, login):
    first = ranking_runs.announced_snapshot(scored.programme.id)
    path = rescored(scored, appealed)
    official = ranking_runs.run(scored.programme, scored.user("coordinator"), kind="official")
    browser = login("coordinator@example.pl")
    page = browser.get(f"/coordinator/ranking/{official.id}").get_data(as_text=True)
    assert "Ogłoś poprawione wyniki" in page
    form = browser.get(f"/coordinator/ranking/{official.id}/announce").get_data(as_text=True)
    assert f"zastąpi ogłoszenie rankingu #{first.id}" in form
    done = browser.post(f"/coordinator/ranking/{official.id}/announce", {"confirm": "y"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Path, path.id).state == "awarded"
    old_page = browser.get(f"/coordinator/ranking/{first.id}").get_data(as_text=True)
    assert "zastąpiono poprawionym ogłoszeniem" in old_page

"""The coordinator's evaluation overview kept as drawn per revision of the programme's lines
(docs/decisions/0044): a repeated request reads two statements, and whatever changes the
scores, the assignments, the programme's rule or who could be the third evaluator shows on the
very next request."""

from __future__ import annotations

import html as htmllib
import re

from factories.evaluation import (
    add_sheet,
    application_in_evaluation,
    impartial,
    make_evaluator,
    make_parts,
    post_sheet,
    put,
    sheet_data,
)
from sqlalchemy import select
from support.querycount import count_queries

from workflow.evaluation import summary
from workflow.extensions import db
from workflow.models import EvaluationRevision, EvaluatorProfile, Programme, Score, ScoreSheet

OVERVIEW = "/coordinator/evaluation/"


def text(response) -> str:  # noqa: ANN001
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def revision(programme_id: int) -> int | None:
    db.session.expire_all()
    return db.session.scalar(select(EvaluationRevision.revision)
                             .where(EvaluationRevision.programme_id == programme_id))


def as_coordinator(login):  # noqa: ANN001, ANN201
    """The coordinator, the login's greeting already read."""
    browser = login("coordinator@example.pl")
    browser.get("/coordinator/")
    return browser


def shown(browser) -> tuple[str, int]:  # noqa: ANN001
    """The overview as the coordinator reads it, and the statements it took."""
    with count_queries(db.engine) as log:
        page = browser.get(OVERVIEW)
    assert page.status_code == 200
    return text(page), log.count


def test_a_sheet_submitted_on_the_evaluators_page_shows_on_the_next_request(world, login):
    application_in_evaluation(world)
    programme_id = world.programme.id
    coordinator = as_coordinator(login)
    first, _ = shown(coordinator)
    assert "karta nierozpoczęta" in first
    again, statements = shown(coordinator)
    assert again == first
    assert statements == 2  # the user, the programmes with the revision: the rest kept
    before = revision(programme_id)

    evaluator = login("evaluator@example.pl")
    path_id = world.paths["a"].id
    impartial(evaluator, path_id)
    assert post_sheet(evaluator, path_id, sheet_data(points=5), submit=True).status_code == 302
    assert revision(programme_id) > before

    after, statements = shown(coordinator)
    total = sum(s.points for s in db.session.scalars(select(Score)))
    assert statements > 2  # read again
    assert re.search(rf"Ewa|oceniający.*: {total}\b", after) or f": {total} " in after, after
    assert after != first


def test_points_changed_in_the_database_and_an_assignment_show_at_once(world, login):
    for key in ("a", "b"):
        world.paths[key].state = "evaluation"
    make_parts(world.programme)
    e1 = make_evaluator("jan@example.pl", "Jan Kowalski")
    e2 = make_evaluator("anna@example.pl", "Anna Nowak")
    db.session.commit()
    sheet = add_sheet(put(world.path("a"), e1), 40, 40)
    coordinator = as_coordinator(login)
    first, _ = shown(coordinator)
    assert "Jan Kowalski: 80" in first and "Anna Nowak" not in first
    assert shown(coordinator)[0] == first

    # A correction of one score through the ORM (the session's hook rewrites the line).
    score = db.session.scalars(select(Score).where(Score.sheet_id == sheet.id)).first()
    score.points -= 10
    db.session.commit()
    changed, _ = shown(coordinator)
    assert "Jan Kowalski: 70" in changed

    # An assignment (the coordinator's own form) shows with the sheet not started.
    response = coordinator.post(f"/coordinator/evaluation/applications/{world.paths['a'].id}/evaluators",
                                {"regular-evaluator": e2.id})
    assert response.status_code == 302
    coordinator.get(response.location)  # its word that the evaluator was assigned
    assigned, _ = shown(coordinator)
    assert "Anna Nowak: karta nierozpoczęta" in assigned

    # A rolled-back change changes nothing, and the page is kept again.
    sheet = db.session.get(ScoreSheet, sheet.id)
    db.session.delete(sheet)
    db.session.rollback()
    assert shown(coordinator) == (assigned, 2)


def test_the_programme_rule_and_the_third_evaluators_show_at_once(world, login):
    for key in ("a", "b"):
        world.paths[key].state = "evaluation"
    make_parts(world.programme)
    e1 = make_evaluator("jan@example.pl", "Jan Kowalski")
    e2 = make_evaluator("anna@example.pl", "Anna Nowak", municipality="Ostrzeszów")
    db.session.commit()
    add_sheet(put(world.path("a"), e1), 100, 100)
    add_sheet(put(world.path("a"), e2), 10, 10)  # 90 % of the higher total apart
    # The only other evaluator lives in the applicant's municipality: nobody can be the third.
    world.users["evaluator"].active = True
    db.session.add(EvaluatorProfile(user_id=world.users["evaluator"].id, municipality_name="Ostrzeszów"))
    db.session.commit()
    coordinator = as_coordinator(login)
    first, _ = shown(coordinator)
    assert "trzecia ocena potrzebna – Nie ma kogo przydzielić" in first
    assert shown(coordinator)[0] == first

    # A new evaluator account changes no line, yet the page says at once that a third is possible.
    make_evaluator("piotr@example.pl", "Piotr Zieliński")
    db.session.commit()
    now, _ = shown(coordinator)
    assert "trzecia ocena potrzebna" in now and "Nie ma kogo przydzielić" not in now

    # The programme's rule: 95 % allowed, so no third is needed any more.
    programme = db.session.get(Programme, world.programme.id)
    programme.discrepancy_pct = 95
    db.session.commit()
    relaxed, _ = shown(coordinator)
    assert "trzecia ocena potrzebna" not in relaxed and "niepotrzebna" in relaxed


def test_each_language_and_list_is_kept_apart(world, login):
    application_in_evaluation(world)
    coordinator = as_coordinator(login)
    polish, _ = shown(coordinator)
    assert coordinator.post("/language", {"lang": "en", "next": OVERVIEW}).status_code == 302
    english, _ = shown(coordinator)
    assert "sheet not started" in english.lower() and "karta nierozpoczęta" not in english
    assert coordinator.post("/language", {"lang": "pl", "next": OVERVIEW}).status_code == 302
    assert shown(coordinator) == (polish, 2)
    searched = text(coordinator.get(OVERVIEW + "?q=nie-ma-takiego-miasta"))
    assert "Nic nie spełnia wybranych warunków." in searched


def test_the_kept_pages_are_bounded():
    assert summary.OVERVIEW.max_weight <= 1000 and summary.OVERVIEW.max_age <= 300

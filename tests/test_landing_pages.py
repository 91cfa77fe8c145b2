"""Each role's landing page says what to do next: the town its stage deadline and days
left (also on the chooser of programmes), the advisor the service log's drafts, the
evaluator the sheets to submit and the nearest deadline, the coordinator what is late and
what waits for a decision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from factories.path import make_programme, make_town

from workflow.extensions import db
from workflow.models import ApplicantMember, EvaluatorAssignment, Programme, Service, StageDeadline


def section(html: str, heading_id: str) -> str:
    return html.split(f'id="{heading_id}"', 1)[1].split("</section>", 1)[0]


def test_coordinator_sees_late_towns_and_decisions_first(world, login):
    db.session.execute(sa.update(StageDeadline).where(StageDeadline.stage == "diagnosis")
                       .values(due_at=datetime.now(UTC) - timedelta(days=3)))
    world.paths["b"].state = "formal_check"
    db.session.commit()
    coordinator = login("coordinator@example.pl")
    html = coordinator.get("/coordinator/").get_data(as_text=True)
    attention = section(html, "attention-h")
    late, decisions = attention.split("Czeka na Twoją decyzję", 1)
    assert "Po terminie: 1" in late and "Ostrzeszów" in late and "Wałcz" not in late
    assert ": 1" in decisions and "Wałcz" in decisions and "Ocena formalna" in decisions
    # To the town's own page: with the list paged, its row may be on another page.
    assert f'href="/coordinator/paths/{world.paths["a"].id}"' in late
    filtered = coordinator.get("/coordinator/?stage=diagnosis").get_data(as_text=True)
    assert 'id="attention-h"' not in filtered  # the whole programme's matters, unfiltered only


def test_an_extension_moves_a_towns_deadline_both_ways(world, login):
    """The late list's statements are built once per process (issue 17): a town's extension still
    overrides the programme's deadline, on every request, and a second programme is its own."""
    from workflow.models import DeadlineExtension

    coordinator = login("coordinator@example.pl")
    now = datetime.now(UTC)
    db.session.execute(sa.update(StageDeadline).where(StageDeadline.stage == "diagnosis")
                       .values(due_at=now - timedelta(days=3)))
    db.session.add(DeadlineExtension(path_id=world.paths["a"].id, stage="diagnosis",
                                     due_at=now + timedelta(days=5), reason="Choroba"))
    db.session.commit()
    late = section(coordinator.get("/coordinator/").get_data(as_text=True), "attention-h")
    assert "Po terminie: 1" in late and "Ostrzeszów" not in late and "Wałcz" in late
    db.session.execute(sa.update(StageDeadline).where(StageDeadline.stage == "diagnosis")
                       .values(due_at=now + timedelta(days=3)))
    db.session.execute(sa.update(DeadlineExtension).values(due_at=now - timedelta(days=1)))
    db.session.commit()
    late = section(coordinator.get("/coordinator/").get_data(as_text=True), "attention-h")
    assert "Po terminie: 1" in late and "Ostrzeszów" in late and "Wałcz" not in late
    other = make_programme("RL-OTHER")
    db.session.commit()
    late = section(coordinator.get(f"/coordinator/?programme={other.code}").get_data(as_text=True),
                   "attention-h")
    assert "Ostrzeszów" not in late


def test_coordinator_with_nothing_late_is_told_so(world, login):
    html = login("coordinator@example.pl").get("/coordinator/").get_data(as_text=True)
    assert "Żadne miasto nie spóźnia się z dokumentem i nic nie czeka na Twoją decyzję." in html


def test_advisor_sees_drafts_to_finish(world, login):
    from workflow.models import ExpertiseField

    expertise = ExpertiseField(code="econ", name_pl="Gospodarka", name_en="Economy")
    db.session.add(expertise)
    db.session.flush()
    for topic in ("Szkic 1", "Szkic 2"):
        db.session.add(Service(path_id=world.paths["a"].id, advisor_id=world.users["advisor_a"].id,
                               kind="consultation", held_on=datetime.now(UTC).date(), duration_minutes=60,
                               field_id=expertise.id, topic=topic, format="on_site", status="draft"))
    db.session.commit()
    html = login("advisor-a@example.pl").get("/advisor/").get_data(as_text=True)
    services = section(html, "services-h")
    assert "Szkice do dokończenia: 2." in services
    assert "Nie zapisano jeszcze żadnej usługi." in services
    assert 'href="/advisor/consultations/new"' in services
    other = login("advisor-b@example.pl").get("/advisor/").get_data(as_text=True)
    assert "Szkice do dokończenia" not in other


def test_evaluator_sees_sheets_to_do_and_the_nearest_deadline(world, login):
    programme = db.session.get(Programme, world.programme.id)
    programme.evaluation_deadline = datetime.now(UTC) + timedelta(days=5, hours=1)
    for key in ("a", "b"):
        world.paths[key].state = "evaluation"
        db.session.add(EvaluatorAssignment(path_id=world.paths[key].id,
                                           evaluator_id=world.users["evaluator"].id))
    db.session.commit()
    html = login("evaluator@example.pl").get("/evaluator/").get_data(as_text=True)
    todo = section(html, "todo-h")
    assert "Karty oceny do złożenia: 2" in todo
    assert "Najbliższy termin oceny:" in todo and "zostało 5 dni" in todo


def test_evaluator_with_nothing_assigned_is_told_so(world, login):
    html = login("evaluator@example.pl").get("/evaluator/").get_data(as_text=True)
    assert "Nic nie czeka na Ciebie." in section(html, "todo-h")


def test_town_in_two_programmes_sees_each_stage_deadline(world, login):
    second = make_programme("RL-TEST-2", deadline=datetime.now(UTC) - timedelta(days=2))
    other = make_town(second, "Ostrzeszów bis")
    db.session.flush()
    other.applicant_id = world.paths["a"].applicant_id  # the same town in a second programme
    db.session.execute(sa.delete(ApplicantMember).where(ApplicantMember.applicant_id == other.applicant.id))
    db.session.commit()
    html = login("town-a@example.pl").get("/town/").get_data(as_text=True)
    assert "Termin etapu" in html
    assert "zostało 30 dni" in html or "zostało 29 dni" in html
    assert "termin minął 2 dni temu" in html

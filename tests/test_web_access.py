"""Who may see what: anything not yours is a 404, whatever URL is typed."""

from __future__ import annotations

import io

import pytest
from factories.path import PDF
from sqlalchemy import select

from workflow.extensions import db
from workflow.models import Document
from workflow.path import documents


@pytest.fixture
def docs(world):
    """One document of town A and one of town B."""
    a = documents.store_upload(world.path("a"), "diagnosis", "a.pdf", io.BytesIO(PDF + b"a"),
                               world.user("town_a"))
    b = documents.store_upload(world.path("b"), "diagnosis", "b.pdf", io.BytesIO(PDF + b"b"),
                               world.user("town_b"))
    return {"a": a.id, "b": b.id}


def test_town_cannot_reach_another_towns_path_or_document(world, docs, login):
    town = login("town-a@example.pl")
    b = world.paths["b"].id
    assert town.get(f"/town/paths/{world.paths['a'].id}").status_code == 200
    assert town.get(f"/town/paths/{b}").status_code == 404
    assert town.get(f"/documents/{docs['a']}").status_code == 200
    assert town.get(f"/documents/{docs['b']}").status_code == 404
    assert town.upload(b, "x.pdf", PDF).status_code == 404
    assert town.fire(b, "withdraw", 1, "przejęcie").status_code == 404
    assert world.path("b").state == "diagnosis.draft"
    assert db.session.scalar(select(Document).where(Document.path_id == b)).original_name == "b.pdf"


@pytest.mark.parametrize("url", ["/coordinator/", "/coordinator/deadlines", "/coordinator/diagram",
                                 "/advisor/", "/evaluator/"])
def test_town_cannot_open_other_roles_pages(world, login, url):
    assert login("town-a@example.pl").get(url).status_code == 404


def test_advisor_sees_only_assigned_towns(world, docs, login):
    advisor = login("advisor-a@example.pl")
    index = advisor.get("/advisor/").get_data(as_text=True)
    assert "Ostrzeszów" in index and "Wałcz" not in index
    assert advisor.get(f"/advisor/paths/{world.paths['a'].id}").status_code == 200
    assert advisor.get(f"/advisor/paths/{world.paths['b'].id}").status_code == 404
    assert advisor.get(f"/documents/{docs['b']}").status_code == 404
    assert advisor.post(f"/advisor/paths/{world.paths['b'].id}/signoff",
                        {"document_id": docs["b"]}).status_code == 404


def test_unassigned_advisor_and_evaluator_see_no_path(world, docs, login):
    for email in ("advisor-none@example.pl", "evaluator@example.pl"):
        user = login(email)
        for key in ("a", "b"):
            assert user.get(f"/documents/{docs[key]}").status_code == 404
            assert user.fire(world.paths[key].id, "accept_diagnosis", 1).status_code == 404


def test_coordinator_sees_every_town(world, docs, login):
    coordinator = login("coordinator@example.pl")
    for key in ("a", "b"):
        assert coordinator.get(f"/coordinator/paths/{world.paths[key].id}").status_code == 200
        assert coordinator.get(f"/documents/{docs[key]}").status_code == 200


def test_anonymous_is_sent_to_login(world, docs, browser):
    for url in ("/town/", f"/town/paths/{world.paths['a'].id}", "/coordinator/", "/advisor/",
                f"/documents/{docs['a']}"):
        response = browser.get(url)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_unknown_ids_are_404_not_500(world, login):
    town = login("town-a@example.pl")
    assert town.get("/town/paths/999999").status_code == 404
    assert town.get("/documents/999999").status_code == 404
    assert login("coordinator@example.pl").get("/coordinator/paths/999999").status_code == 404


def test_post_without_csrf_token_is_refused(world, app):
    client = app.test_client()
    page = client.get("/login")
    assert page.status_code == 200
    response = client.post("/login", data={"email": "town-a@example.pl",
                                           "password": "correct horse battery staple"})
    assert response.status_code == 400
    assert "Formularz wygasł lub jest niepoprawny" in response.get_data(as_text=True)
    assert client.get("/town/").status_code == 302  # not logged in


def test_transition_without_csrf_token_is_refused(world, login):
    town = login("town-a@example.pl")
    town.upload(world.paths["a"].id, "d.pdf", PDF)
    response = town.client.post(f"/paths/{world.paths['a'].id}/events/submit_diagnosis",
                                data={"version": 1})
    assert response.status_code == 400
    assert world.path("a").state == "diagnosis.draft"


def test_upload_without_csrf_token_is_refused(world, login):
    town = login("town-a@example.pl")
    response = town.client.post(f"/town/paths/{world.paths['a'].id}/documents",
                                data={"document": (io.BytesIO(PDF), "d.pdf")},
                                content_type="multipart/form-data")
    assert response.status_code == 400
    assert db.session.scalar(select(Document.id)) is None

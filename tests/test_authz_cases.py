"""What the authorization matrix cannot see from URLs alone: ids of the other town typed
into form fields, a town's exports (the calendar feed), and an evaluator's view through
every page before the declaration and before their own sheet is submitted.

The evaluator cases walk every GET route the matrix lets an evaluator open, so a new page
that shows the other experts' sheets too early fails here.
"""

from __future__ import annotations

import io
import re

import pytest
from factories.advice import form_data, open_new
from factories.authz import MARKERS
from factories.evaluation import application_in_evaluation, impartial, post_sheet, sheet_data, submit_directly
from factories.path import PDF
from flask import Flask
from sqlalchemy import select
from support import count
from support.authz import fetch, open_pages, readable

from workflow.extensions import db
from workflow.models import Document, ExpertiseField, Person, Service, StageSignoff, service_participant
from workflow.path import documents

SECRET = "Ocena drugiego eksperta: plan spójny, ale finansowanie niepewne."


@pytest.fixture
def setup(world):
    return application_in_evaluation(world)


def evaluator_pages(app: Flask, path_id: int, document_id: int) -> list[str]:
    """Every GET URL the matrix lets an evaluator assigned to town A open."""
    ids = {"path": path_id, "document": document_id}
    return open_pages(app, "eval_a", lambda kind: ids.get(kind, 0))


# --- the evaluator -------------------------------------------------------------------------------

def test_before_the_declaration_no_page_shows_the_application(app, setup, login):
    a = setup.paths["a"].id
    document_id = db.session.scalar(select(Document.id).where(Document.path_id == a))
    evaluator = login("evaluator@example.pl")
    assert fetch(evaluator, f"/documents/{document_id}").status_code == 404
    for url in evaluator_pages(app, a, document_id):
        page = fetch(evaluator, url)
        assert page.status_code < 500, url
        assert "ostrzeszow.pdf" not in readable(page), url
    impartial(evaluator, a)
    assert fetch(evaluator, f"/documents/{document_id}").status_code == 200
    assert "diagnoza-ostrzeszow.pdf" in readable(fetch(evaluator, f"/evaluator/applications/{a}"))


@pytest.mark.parametrize("hide_until", ["own_submission", "announcement"])
def test_no_page_shows_another_sheet_before_the_programme_allows(app, setup, login, hide_until):
    setup.programme.hide_scores_until = hide_until
    db.session.commit()
    a = setup.paths["a"].id
    document_id = db.session.scalar(select(Document.id).where(Document.path_id == a))
    submit_directly(a, setup.users["evaluator2"], 12, SECRET)
    evaluator = login("evaluator@example.pl")
    impartial(evaluator, a)
    pages = evaluator_pages(app, a, document_id)
    assert f"/evaluator/applications/{a}" in pages
    for url in pages:
        assert SECRET not in readable(fetch(evaluator, url)), f"{url} before own submission"
    assert post_sheet(evaluator, a, sheet_data(8), submit=True).status_code == 302
    shown = [url for url in pages if SECRET in readable(fetch(evaluator, url))]
    if hide_until == "own_submission":
        assert shown == [f"/evaluator/applications/{a}"]
    else:
        assert shown == [], "shown before the announcement"


# --- ids of the other town in form fields --------------------------------------------------------

def test_an_advisor_cannot_sign_off_the_other_towns_document(app, world, login):
    document_b = documents.store_upload(world.path("b"), "diagnosis", "plan-walcz.pdf", io.BytesIO(PDF),
                                        world.user("town_b"))
    documents.store_upload(world.path("a"), "diagnosis", "plan-ostrzeszow.pdf", io.BytesIO(PDF),
                           world.user("town_a"))
    db.session.commit()
    advisor = login("advisor-a@example.pl")
    a = world.paths["a"].id
    fetch(advisor, f"/advisor/paths/{a}")
    response = advisor.post(f"/advisor/paths/{a}/signoff", {"document_id": document_b.id})
    assert response.status_code in (400, 404, 409)
    assert count(StageSignoff) == 0


def test_an_advisor_cannot_name_the_other_towns_people(app, world, login):
    finance = ExpertiseField(code="finance", name_pl="Finanse publiczne", name_en="Public finance")
    person_b = Person(applicant_id=world.paths["b"].applicant_id, name="Osoba-B Wałecka", email="b@um.pl")
    db.session.add_all([finance, person_b])
    db.session.commit()
    advisor = login("advisor-a@example.pl")
    a = world.paths["a"].id
    data = form_data({"finance": finance.id}, client_token=open_new(advisor, a), new_people="")
    response = advisor.post(f"/advisor/consultations/new?path={a}",
                            {**data, "participants": str(person_b.id)})
    assert response.status_code in (400, 404)  # refused as if the person did not exist
    assert "Osoba-B Wałecka" not in response.get_data(as_text=True)
    assert count(Service) == 0 and count(service_participant) == 0


# --- the town's exports --------------------------------------------------------------------------

def test_a_towns_calendar_feed_has_nothing_of_the_other_town(app, world, login):
    town_a = login("town-a@example.pl")
    fetch(town_a, "/town/calendar")
    page = town_a.post("/town/calendar", {})
    assert page.status_code == 201
    token = re.search(r"/calendar/([^\"'<>\s]+)\.ics", page.get_data(as_text=True)).group(1)
    feed = readable(fetch(town_a, f"/calendar/{token}.ics"))
    assert "BEGIN:VCALENDAR" in feed
    for marker in MARKERS["b"]:
        assert marker not in feed


# --- where a form sends you afterwards -----------------------------------------------------------

@pytest.mark.parametrize("target", ["/\\evil.example", "/\\/evil.example", "\\\\evil.example",
                                    "//evil.example", "https://evil.example/", "/%09/evil.example"])
def test_no_redirect_leaves_the_site_after_logging_in(app, world, browser, target):
    browser.get("/login")
    response = browser.client.post("/login", query_string={"next": target}, data={
        "csrf_token": browser.token, "email": "town-a@example.pl", "password": browser.password})
    assert response.status_code == 302
    # Browsers read a backslash as a slash: "/\evil" would be "//evil", another site.
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location

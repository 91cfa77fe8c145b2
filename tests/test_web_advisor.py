"""The advisor's pages: towns waiting for a decision, sign-off, return with a comment."""

from __future__ import annotations

from decimal import Decimal

from factories.path import PDF, submit_diagnosis
from sqlalchemy import select
from support import version_on

from workflow.extensions import db
from workflow.models import Document, PathTransition, StageSignoff


def test_submitted_town_waits_for_the_advisor_who_signs_it_off(world, login):
    submit_diagnosis(world, login)
    advisor = login("advisor-a@example.pl")
    index = advisor.get("/advisor/").get_data(as_text=True)
    waiting = index.split("Czekają na Twoją decyzję")[1].split("Wszystkie przydzielone")[0]
    assert "Ostrzeszów" in waiting
    page = advisor.get(f"/advisor/paths/{world.paths['a'].id}")
    html = page.get_data(as_text=True)
    assert "Zatwierdź diagnozę" in html and "Zwróć diagnozę do poprawy" in html
    assert advisor.fire(world.paths["a"].id, "accept_diagnosis", version_on(page)).status_code == 302
    assert world.path("a").state == "prl.draft"
    town_view = login("town-a@example.pl").get("/town/").get_data(as_text=True)
    assert "Przygotuj i złóż PRL" in town_view


def test_return_needs_a_comment_which_the_town_then_reads(world, login):
    submit_diagnosis(world, login)
    advisor = login("advisor-a@example.pl")
    page = advisor.get(f"/advisor/paths/{world.paths['a'].id}")
    empty = advisor.fire(world.paths["a"].id, "return_diagnosis", version_on(page), comment="")
    assert empty.status_code == 409
    assert "wymaga komentarza" in empty.get_data(as_text=True)
    note = "Brakuje analizy demograficznej <b>2019</b>."
    ok = advisor.fire(world.paths["a"].id, "return_diagnosis", version_on(page), comment=note)
    assert ok.status_code == 302
    html = login("town-a@example.pl").get("/town/").get_data(as_text=True)
    assert "Popraw diagnozę i złóż ponownie" in html
    assert "Brakuje analizy demograficznej &lt;b&gt;2019&lt;/b&gt;." in html  # escaped, not HTML


def test_advisor_signs_off_the_application_before_the_town_submits(world, login):
    path = world.path("a")
    path.state = "application.draft"
    path.requested_amount = Decimal("21000000.00")
    db.session.commit()
    town = login("town-a@example.pl")
    town.upload(path.id, "wniosek.pdf", PDF)
    refused = town.fire(path.id, "submit_application", version_on(town.get("/town/")))
    assert refused.status_code == 409
    assert "nie zatwierdził" in refused.get_data(as_text=True)

    advisor = login("advisor-a@example.pl")
    page = advisor.get(f"/advisor/paths/{path.id}").get_data(as_text=True)
    assert "Zatwierdź najnowszą wersję dokumentu" in page
    first = db.session.scalar(select(Document.id))
    # The town uploads a new version while the advisor reads the old one.
    town.upload(path.id, "wniosek-v2.pdf", PDF + b"v2")
    stale = advisor.post(f"/advisor/paths/{path.id}/signoff", {"document_id": first})
    assert stale.status_code == 409
    assert "nowszą wersję" in stale.get_data(as_text=True)
    page = advisor.get(f"/advisor/paths/{path.id}").get_data(as_text=True)
    latest = int(page.split('name="document_id" value="', 1)[1].split('"', 1)[0])
    assert latest != first
    assert advisor.post(f"/advisor/paths/{path.id}/signoff",
                        {"document_id": latest}).status_code == 302
    assert db.session.scalar(select(StageSignoff.advisor_id)) == world.users["advisor_a"].id

    assert town.fire(path.id, "submit_application", version_on(town.get("/town/"))).status_code == 302
    assert world.path("a").state == "formal_check"


def test_advisor_cannot_sign_off_without_a_document(world, login):
    path = world.path("a")
    path.state = "application.draft"
    db.session.commit()
    advisor = login("advisor-a@example.pl")
    advisor.get(f"/advisor/paths/{path.id}")
    response = advisor.post(f"/advisor/paths/{path.id}/signoff", {"document_id": 1})
    assert response.status_code == 409
    assert db.session.scalar(select(PathTransition.id)) is None

"""Consultations and the project package on the CWD path (states/partnership.py), with the
partnerships of tests/factories/partnership.py: the leader alone publishes and closes, and
the path moves with the consultation in one commit; every member answers comments and edits
the package; the path page sends the consultation's moves to the consultation page; a
withdrawn partnership's consultation leaves the public pages; a chosen project's feasibility
analysis is a document of the path's feasibility stage."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from factories.consultation import ended
from factories.partnership import CWD, build_partnerships, upload
from factories.path import PDF
from sqlalchemy import select
from support import Browser, count

from workflow.consultation import public
from workflow.extensions import db
from workflow.models import Document, Project, PublicConsultation
from workflow.projects import operations as projects

TODAY = datetime.now(ZoneInfo("Europe/Warsaw")).date()
LEADER, MEMBER = "lider-a@example.pl", "partner-a2@example.pl"


@pytest.fixture
def cwd(ctx):
    built = build_partnerships()
    path = built.path("a")
    path.state = "diagnosis.draft"
    db.session.commit()
    document_id = upload(built.path("a"), built.user(LEADER), name="diagnoza-partnerstwa.pdf")
    return built, document_id


def publish_form(document_id: int) -> dict[str, str]:
    return {"document_id": str(document_id), "starts": TODAY.isoformat(),
            "ends": (TODAY + timedelta(days=35)).isoformat()}


def test_the_leader_publishes_and_the_path_moves_a_member_may_not(app, cwd, login):
    built, document_id = cwd
    path_id = built.paths["a"].id
    member = login(MEMBER)
    refused = member.post(f"/town/paths/{path_id}/public-consultations", publish_form(document_id))
    assert refused.status_code == 409
    assert "Nie masz uprawnień do tej czynności." in refused.get_data(as_text=True)
    assert count(PublicConsultation) == 0
    leader = login(LEADER)
    page = leader.get(f"/town/paths/{path_id}").get_data(as_text=True)
    assert f'href="/paths/{path_id}/public-consultations"' in page  # the move is a link to the page
    assert f'action="/paths/{path_id}/events/publish_diagnosis"' not in page
    sent = leader.post(f"/town/paths/{path_id}/public-consultations", publish_form(document_id))
    assert sent.status_code == 302
    assert built.path("a").state == "diagnosis.consultation"
    assert count(PublicConsultation) == 1


def test_the_generic_route_refuses_a_consultation_move(app, cwd, login):
    built, _document_id = cwd
    path_id = built.paths["a"].id
    leader = login(LEADER)
    version = built.path("a").version
    refused = leader.fire(path_id, "publish_diagnosis", version)
    assert refused.status_code == 409
    assert "publikuje się i zamyka na stronie konsultacji" in refused.get_data(as_text=True)
    assert built.path("a").state == "diagnosis.draft"


def test_comments_answers_and_closing_on_the_cwd_path(app, cwd, login):
    built, document_id = cwd
    path_id = built.paths["a"].id
    leader = login(LEADER)
    sent = leader.post(f"/town/paths/{path_id}/public-consultations", publish_form(document_id))
    assert sent.status_code == 302
    consultation = db.session.scalar(select(PublicConsultation))
    visitor = Browser(app)
    visitor.get(f"/public/consultations/{consultation.id}")
    assert visitor.post(f"/public/consultations/{consultation.id}/comments",
                        {"body": "Brakuje gminy Gręboszów na mapie."}).status_code == 302
    member = login(MEMBER)  # any member answers
    assert member.post(f"/town/public-consultations/{consultation.id}/comments/1/answer",
                       {"answer": "Uzupełnimy mapę."}).status_code == 302
    ended(consultation)
    page = member.get(f"/public-consultations/{consultation.id}").get_data(as_text=True)
    assert "Zamknij konsultacje" not in page  # the leader closes
    assert member.post(f"/town/public-consultations/{consultation.id}/close", {}).status_code == 409
    page = leader.get(f"/public-consultations/{consultation.id}").get_data(as_text=True)
    assert "Zamknij konsultacje" in page
    assert leader.post(f"/town/public-consultations/{consultation.id}/close", {}).status_code == 302
    path = built.path("a")
    assert path.state == "diagnosis.consulted"
    assert [t.event for t in path.transitions][-2:] == ["publish_diagnosis", "close_diagnosis_consultation"]
    other = login("lider-b@example.pl")
    assert other.get(f"/public-consultations/{consultation.id}").status_code == 404
    assert other.get(f"/paths/{path_id}/public-consultations").status_code == 404


def test_a_withdrawn_partnerships_consultation_leaves_the_public_pages(app, cwd, login):
    built, document_id = cwd
    leader = login(LEADER)
    path_id = built.paths["a"].id
    sent = leader.post(f"/town/paths/{path_id}/public-consultations", publish_form(document_id))
    assert sent.status_code == 302
    consultation = db.session.scalar(select(PublicConsultation))
    assert public.find_open(consultation.id).id == consultation.id
    path = built.path("a")
    path.state = "withdrawn"  # what the council's withdrawal leads to (a final state)
    db.session.commit()
    visitor = Browser(app)
    assert visitor.get(f"/public/consultations/{consultation.id}").status_code == 404
    assert f"/public/consultations/{consultation.id}" not in visitor.get("/public/consultations/").get_data(
        as_text=True)


def test_a_project_shared_by_the_members_and_its_analysis_in_the_feasibility_stage(app, cwd, login):
    built, _document_id = cwd
    path = built.path("a")
    members = projects.members_of(path)
    assert [m.teryt for m in members][0] == "1204023"  # the leader first
    member = login(MEMBER)  # any member edits the package
    data = {"title": "Szlak rowerowy Dunajca", "scope": "", "estimated_cost": "3 000 000",
            "funding_route": "iit", "funding_note": "", "status": "chosen", "is_key": "y",
            f"leads_{members[0].id}": "y", f"share_{members[0].id}": "1 500 000",
            f"share_{members[1].id}": "1 000 000", f"share_{members[2].id}": "500 000"}
    assert member.post(f"/town/paths/{path.id}/projects", data).status_code == 302
    found = db.session.scalar(select(Project))
    assert sorted(s.amount for s in found.shares) == [Decimal("500000.00"), Decimal("1000000.00"),
                                                      Decimal("1500000.00")]
    sent = member.post(f"/town/projects/{found.id}/feasibility",
                       {"document": (io.BytesIO(PDF + b"analiza"), "analiza.pdf")},
                       content_type="multipart/form-data")
    assert sent.status_code == 302
    document = db.session.scalar(select(Document).where(Document.original_name == "analiza.pdf"))
    assert document.stage == "feasibility" and CWD.project_stage == "feasibility"
    summary = projects.key_project_summary(built.path("a"))
    assert (summary.title, summary.leaders) == ("Szlak rowerowy Dunajca", [members[0].name])
    assert sorted(s.teryt for s in summary.shares) == ["1204012", "1204023", "1204032"]
    # once the feasibility stage is submitted, no analysis is added any more
    path = built.path("a")
    path.state = "feasibility.submitted"
    db.session.commit()
    late = member.post(f"/town/projects/{found.id}/feasibility",
                       {"document": (io.BytesIO(PDF + b"v2"), "analiza-v2.pdf")},
                       content_type="multipart/form-data")
    assert late.status_code == 409 and "został już złożony" in late.get_data(as_text=True)

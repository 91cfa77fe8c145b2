"""Issue 14's "done when", on the demo programme CWD-2020: cwd01's leader (Partnerstwo Dąbrowa
Tarnowska, seven gminas) takes its diagnosis and its strategy with a package of three projects
through a public consultation with an anonymous visitor's comment and the partnership's
answer, every member's approval, the leader's submission and the lead advisor's sign-off; then
the key project's feasibility analysis and schedule, and the preliminary application. The
programme's report (`flask report partnerships --json`) moves by what was done.

The demo's deadlines are anchored to the day it was seeded (tests/support/snapshot.py
DEMO_DAY), so the test first moves the programme's deadlines ahead of the real today: it
must not depend on the day it runs."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from factories.consultation import ended
from factories.path import PDF
from support import Browser, version_on

from workflow.extensions import db
from workflow.models import (
    Applicant,
    Document,
    Path,
    Programme,
    Project,
    PublicConsultation,
    StageDeadline,
)

pytestmark = pytest.mark.slow  # the demo (restored from the run's snapshot)

LEADER = "cwd01@demo.sciezka.pl"
MEMBERS = [LEADER, *(f"cwd01-{n:02d}@demo.sciezka.pl" for n in range(2, 8))]
ADVISOR = "advisor01@demo.sciezka.pl"
TODAY = datetime.now(ZoneInfo("Europe/Warsaw")).date()


def text(response) -> str:  # noqa: ANN001
    return response.get_data(as_text=True)


def report(app) -> dict[str, int]:  # noqa: ANN001
    result = app.test_cli_runner().invoke(
        args=["report", "partnerships", "--json", "--programme", "CWD-2020"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def latest(path_id: int, stage: str) -> int:
    """The id of the stage's latest document (what the page's forms carry)."""
    db.session.expire_all()
    return db.session.scalar(sa.select(Document.id)
                             .where(Document.path_id == path_id, Document.stage == stage)
                             .order_by(Document.id.desc()).limit(1))


def deadlines_ahead() -> None:
    """Every CWD-2020 deadline three months after the real today."""
    programme = db.session.scalar(sa.select(Programme).where(Programme.code == "CWD-2020"))
    for deadline in db.session.scalars(sa.select(StageDeadline).where(
            StageDeadline.programme_id == programme.id)):
        deadline.due_at = datetime.now(UTC) + timedelta(days=90)
    db.session.commit()


def consult_and_submit(app, browsers: dict[str, Browser], path_id: int, stage: str,  # noqa: ANN001
                       filename: str, comment: str) -> None:
    """Upload, publish for consultation, an anonymous comment, a member's answer, close,
    every member's approval, the leader's submission, the lead advisor's sign-off."""
    leader = browsers[LEADER]
    assert leader.upload(path_id, filename, PDF + filename.encode()).status_code == 302
    page = text(leader.get(f"/paths/{path_id}/public-consultations"))
    document_id = latest(path_id, stage)
    assert filename in page  # the version to publish is offered
    sent = leader.post(f"/town/paths/{path_id}/public-consultations", {
        "document_id": str(document_id), "starts": TODAY.isoformat(),
        "ends": (TODAY + timedelta(days=30)).isoformat()})
    assert sent.status_code == 302, text(sent)[:400]
    consultation = db.session.scalar(sa.select(PublicConsultation).where(
        PublicConsultation.path_id == path_id, PublicConsultation.stage == stage,
        PublicConsultation.closed_at.is_(None)))
    visitor = Browser(app)
    public = text(visitor.get(f"/public/consultations/{consultation.id}"))
    assert "Dąbrowa Tarnowska" in public
    assert visitor.post(f"/public/consultations/{consultation.id}/comments",
                        {"body": comment}).status_code == 302
    member = browsers[MEMBERS[2]]  # any member answers
    member.get(f"/public-consultations/{consultation.id}")
    assert member.post(f"/town/public-consultations/{consultation.id}/comments/1/answer",
                       {"answer": "Dziękujemy, uwzględniliśmy uwagę."}).status_code == 302
    ended(consultation)
    leader.get(f"/public-consultations/{consultation.id}")
    assert leader.post(f"/town/public-consultations/{consultation.id}/close", {}).status_code == 302
    approve_submit_accept(browsers, path_id, stage)


def approve_submit_accept(browsers: dict[str, Browser], path_id: int, stage: str,
                          accept: bool = True) -> None:
    leader = browsers[LEADER]
    page = text(leader.get(f"/town/paths/{path_id}"))
    assert f"Zatwierdziło: 0 z {len(MEMBERS)}." in page
    document_id = latest(path_id, stage)
    for email in MEMBERS:
        browsers[email].get(f"/town/paths/{path_id}")
        approved = browsers[email].post(f"/town/paths/{path_id}/approval", {"document_id": document_id})
        assert approved.status_code == 302, text(approved)[:400]
    page = leader.get(f"/town/paths/{path_id}")
    assert f"Zatwierdziło: {len(MEMBERS)} z {len(MEMBERS)}." in text(page)
    assert leader.fire(path_id, f"submit_{stage}", version_on(page)).status_code == 302
    if accept:
        advisor = browsers[ADVISOR]
        page = advisor.get(f"/advisor/paths/{path_id}")
        assert advisor.fire(path_id, f"accept_{stage}", version_on(page)).status_code == 302


def test_cwd01_from_the_diagnosis_to_the_preliminary_application(app, demo_db, ctx):
    deadlines_ahead()
    path_id = db.session.scalar(sa.select(Path.id).join(Applicant).where(
        Applicant.name == "Partnerstwo Dąbrowa Tarnowska"))
    before = report(app)
    browsers = {}
    for email in [*MEMBERS, ADVISOR]:
        browsers[email] = Browser(app)
        assert browsers[email].login(email, "demo").status_code == 302
    leader = browsers[LEADER]
    page = text(leader.get(f"/town/paths/{path_id}"))
    assert "Partnerstwo Dąbrowa Tarnowska" in page and "Przygotuj diagnozę" in page
    partnership = text(leader.get(f"/partnerships/paths/{path_id}"))
    for name in ("Bolesław", "Gręboszów", "Mędrzechów", "Olesno", "Radgoszcz", "Szczucin"):
        assert name in partnership  # every gmina of the powiat is a member

    consult_and_submit(app, browsers, path_id, "diagnosis", "diagnoza-partnerstwa.pdf",
                       "Proszę dodać dane o dojazdach do pracy do Tarnowa.")
    assert "Przygotuj strategię" in text(leader.get(f"/town/paths/{path_id}"))

    # the strategy's package: three projects shared by the members, the first one key
    member = browsers[MEMBERS[1]]
    package = text(member.get(f"/paths/{path_id}/projects"))
    ids = [int(chunk.split('"', 1)[0]) for chunk in package.split('name="leads_')[1:]]
    assert len(ids) == len(MEMBERS)
    for i, (title, cost) in enumerate((("Szlak rowerowy Dunajca", "3 000 000"),
                                       ("Centrum usług społecznych", "1 000 000"),
                                       ("Transport publiczny partnerstwa", "2 000 000"))):
        data = {"title": title, "scope": "", "estimated_cost": cost, "funding_route": "iit",
                "funding_note": "", "status": "chosen", f"leads_{ids[i]}": "y",
                f"share_{ids[i]}": cost}
        if i == 0:
            data["is_key"] = "y"
        assert member.post(f"/town/paths/{path_id}/projects", data).status_code == 302
    consult_and_submit(app, browsers, path_id, "strategy", "strategia-partnerstwa.pdf",
                       "Szlak rowerowy powinien dojść do Szczucina.")

    # the key project's feasibility analysis and schedule
    key = db.session.scalar(sa.select(Project).where(Project.path_id == path_id, Project.is_key))
    sent = member.post(f"/town/projects/{key.id}/feasibility",
                       {"document": (io.BytesIO(PDF + b"analiza"), "analiza-wykonalnosci.pdf")},
                       content_type="multipart/form-data")
    assert sent.status_code == 302
    for name, starts, ends in (("Dokumentacja", "2027-03", "2027-09"), ("Budowa", "2027-10", "2028-12")):
        member.get(f"/projects/{key.id}")
        added = member.post(f"/town/projects/{key.id}/tasks", {"name": name, "starts": starts, "ends": ends})
        assert added.status_code == 302, text(added)[:400]
    schedule = text(member.get(f"/projects/{key.id}"))
    assert "Dokumentacja" in schedule and "Budowa" in schedule
    approve_submit_accept(browsers, path_id, "feasibility")

    # the preliminary application, drawing on the key project
    assert "Szlak rowerowy Dunajca" in text(leader.get(f"/paths/{path_id}/projects/key"))
    assert leader.upload(path_id, "wstepny-wniosek.pdf", PDF + b"wniosek").status_code == 302
    approve_submit_accept(browsers, path_id, "preliminary_application", accept=False)

    after = report(app)
    moved = {k: after[k] - before[k] for k in after}
    assert moved == {"partnerships": 0, "member_municipalities": 0, "strategies_accepted": 1,
                     "projects_in_packages": 3, "feasibility_analyses": 1, "preliminary_applications": 1,
                     "consultations_held": 2, "comments_received": 2}

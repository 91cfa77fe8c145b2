"""The project package: a town's team adds projects with the split of their cost between its
member municipalities, marks a key one, gives a chosen project its schedule (drawn as a
timeline without script) and its feasibility analysis; the preliminary application draws on
the key project's summary. Bad input is a 4xx on the same page; the other town sees nothing."""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from factories.consultation import add_members, leader_of, project
from factories.path import PDF
from sqlalchemy import select
from support import count
from support.querycount import count_queries

import states
from workflow.extensions import db
from workflow.models import Document, Project, ProjectShare, ProjectTask
from workflow.projects import operations as projects
from workflow.projects import timeline


@pytest.fixture
def members(world):
    """Town A's applicant with two more member municipalities: [leader, Mikstat, Kobyla Góra]."""
    add_members(world.path("a"), ["Mikstat", "Kobyla Góra"])
    return projects.members_of(world.path("a"))


def form(members, **over) -> dict:  # noqa: ANN001
    """A valid new project: 1 000 000 zł, led by the leader, split 600 000 / 400 000."""
    data = {"title": "Ścieżki rowerowe powiatu", "scope": "Sieć dróg rowerowych",
            "estimated_cost": "1 000 000,00",
            "funding_route": "zit", "funding_note": "", "status": "chosen",
            f"leads_{members[0].id}": "y", f"share_{members[0].id}": "600 000,00",
            f"share_{members[1].id}": "400000"}
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def test_members_are_the_applicants_municipalities_leader_first(world, members):
    assert [m.name for m in members] == ["Ostrzeszów", "Kobyla Góra", "Mikstat"]


def test_the_team_adds_a_project_with_its_cost_split(app, world, members, login):
    town = login("town-a@example.pl")
    page = town.get(f"/paths/{world.paths['a'].id}/projects").get_data(as_text=True)
    assert "Dodaj projekt" in page and "Kobyla Góra prowadzi projekt" in page
    sent = town.post(f"/town/paths/{world.paths['a'].id}/projects", form(members))
    assert sent.status_code == 302
    created = db.session.scalar(select(Project))
    assert sent.location.endswith(f"/projects/{created.id}")
    assert (created.title, created.estimated_cost, created.funding_route, created.status) == (
        "Ścieżki rowerowe powiatu", Decimal("1000000.00"), "zit", "chosen")
    shares = {s.municipality_id: (s.leads, s.amount) for s in created.shares}
    assert shares == {members[0].id: (True, Decimal("600000.00")),
                      members[1].id: (False, Decimal("400000.00"))}
    listing = town.get(f"/paths/{world.paths['a'].id}/projects").get_data(as_text=True)
    assert "Ścieżki rowerowe powiatu" in listing and "1\xa0000\xa0000,00" in listing


@pytest.mark.parametrize(("over", "message"), [
    ({"estimated_cost": "milion"}, "To nie jest kwota w złotych"),
    ({"estimated_cost": "0"}, "Koszt projektu musi być większy od zera"),
    ({"estimated_cost": "9" * 30}, "To nie jest kwota w złotych"),
    ({"title": ""}, "Podaj tytuł projektu."),
    ({"title": "T" * 201}, "Tytuł może mieć najwyżej 200 znaków."),
    ({"funding_route": "lottery"}, "Wybierz źródło finansowania z listy."),
    ({"status": "maybe"}, "Wybierz stan projektu z listy."),
    ({"is_key": "y", "status": "proposed"}, "Projektem kluczowym może być tylko projekt wybrany do pakietu."),
    ({"share_X": "1"}, None),  # placeholder replaced below: a share that is not a number
])
def test_bad_input_is_a_400_with_the_form_kept(app, world, members, login, over, message):
    if "share_X" in over:
        over = {f"share_{members[1].id}": "sporo"}
        message = "To nie jest kwota w złotych. Wpisz np. 250 000,00"
    town = login("town-a@example.pl")
    page = town.post(f"/town/paths/{world.paths['a'].id}/projects", form(members, **over))
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert message in text
    assert 'value="Ścieżki rowerowe powiatu"' in text or over.get("title") is not None
    assert count(Project) == 0


def test_shares_must_add_up_and_someone_must_lead(app, world, members, login):
    town = login("town-a@example.pl")
    url = f"/town/paths/{world.paths['a'].id}/projects"
    short = town.post(url, form(members, **{f"share_{members[1].id}": "300 000"}))
    assert short.status_code == 400
    said = short.get_data(as_text=True)
    assert "muszą dać razem szacowany koszt projektu (1\u00a0000\u00a0000,00 zł)" in said
    nobody = town.post(url, form(members, **{f"leads_{members[0].id}": None}))
    assert nobody.status_code == 400
    assert "Zaznacz co najmniej jednego członka, który prowadzi projekt." in nobody.get_data(as_text=True)
    assert count(Project) == 0


def test_a_municipality_that_is_not_a_member_cannot_take_a_share(app, world, members, login):
    """The form has fields for the applicant's members only; another town's municipality in a
    field name is ignored, and the operation refuses it if called with one."""
    outsider = leader_of(world.path("b"))
    town = login("town-a@example.pl")
    sent = town.post(f"/town/paths/{world.paths['a'].id}/projects",
                     form(members, **{f"leads_{outsider.id}": "y", f"share_{outsider.id}": "5"}))
    assert sent.status_code == 302
    assert outsider.id not in {s.municipality_id for s in db.session.scalars(select(ProjectShare))}
    with pytest.raises(projects.ProjectRefused) as refused:
        projects.create(world.path("a"), projects.ProjectInput(
            "Inny", "", Decimal("10.00"), "zit", "", "chosen", False,
            {outsider.id: (True, Decimal("10.00"))}),
            world.user("town_a"))
    assert refused.value.status == 400


def test_the_same_title_twice_is_refused(app, world, members, login):
    town = login("town-a@example.pl")
    assert town.post(f"/town/paths/{world.paths['a'].id}/projects", form(members)).status_code == 302
    again = town.post(f"/town/paths/{world.paths['a'].id}/projects", form(members))
    assert again.status_code == 400
    assert "Ten pakiet ma już projekt o takim tytule." in again.get_data(as_text=True)
    assert count(Project) == 1


def test_editing_marks_a_key_project_and_a_stale_page_is_refused(app, world, members, login):
    found = project(world)
    town = login("town-a@example.pl")
    page = town.get(f"/projects/{found.id}").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page) or re.search(
        r'name="version" value="(\d+)"', page)
    assert version, "the edit form carries the version"
    data = form(members, title="Rynek i ulice", is_key="y", version=version.group(1),
                estimated_cost="500 000",
                **{f"share_{members[0].id}": "500000", f"share_{members[1].id}": ""})
    assert town.post(f"/town/projects/{found.id}", data).status_code == 302
    db.session.expire_all()
    edited = db.session.get(Project, found.id)
    assert (edited.title, edited.is_key, edited.estimated_cost) == (
        "Rynek i ulice", True, Decimal("500000.00"))
    assert [(s.municipality_id, s.amount) for s in edited.shares] == [(members[0].id, Decimal("500000.00"))]
    stale = town.post(f"/town/projects/{found.id}", {**data, "title": "Stara wersja"})
    assert stale.status_code == 409
    assert "Ktoś inny zmienił w międzyczasie ten projekt" in stale.get_data(as_text=True)
    summary = projects.key_project_summary(world.path("a"))
    assert summary is not None and (summary.title, summary.leaders) == ("Rynek i ulice", ["Ostrzeszów"])


def test_deleting_a_project_takes_its_shares_and_tasks(app, world, members, login):
    found = project(world)
    projects.add_task(found, "Projekt techniczny", date(2027, 1, 1), date(2027, 6, 1), world.user("town_a"))
    town = login("town-a@example.pl")
    assert town.post(f"/town/projects/{found.id}/delete", {"version": "999"}).status_code == 409
    assert town.post(f"/town/projects/{found.id}/delete", {"version": str(found.version)}).status_code == 302
    assert (count(Project), count(ProjectShare), count(ProjectTask)) == (0, 0, 0)


def test_the_schedule_is_drawn_as_an_svg_timeline_with_its_table(app, world, members, login):
    found = project(world)
    town = login("town-a@example.pl")
    url = f"/town/projects/{found.id}/tasks"
    first = town.post(url, {"name": "Dokumentacja projektowa", "starts": "2026-11", "ends": "2027-03"})
    second = town.post(url, {"name": "Roboty budowlane", "starts": "2027-4", "ends": "2028-02"})
    assert (first.status_code, second.status_code) == (302, 302)
    bad = town.post(url, {"name": "Odbiory", "starts": "2028-13", "ends": "2028-01"})
    assert bad.status_code == 400 and "Podaj miesiąc w formacie RRRR-MM" in bad.get_data(as_text=True)
    assert 'value="2028-13"' in bad.get_data(as_text=True)
    backwards = town.post(url, {"name": "Odbiory", "starts": "2028-03", "ends": "2028-01"})
    assert backwards.status_code == 400
    assert "Zadanie nie może skończyć się przed miesiącem" in backwards.get_data(as_text=True)
    assert count(ProjectTask) == 2
    page = town.get(f"/projects/{found.id}").get_data(as_text=True)
    svg = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert "2 zadania" in svg and "od 2026-11 do 2028-02" in svg
    bars = re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="16"', svg)
    assert len(bars) == 2
    first, second = ((float(x), float(w)) for x, w in bars)
    assert first[1] == 5 * timeline.MONTH_WIDTH - 4 and second[1] == 11 * timeline.MONTH_WIDTH - 4
    assert second[0] - first[0] == 5 * timeline.MONTH_WIDTH  # April 2027 is five months after November
    assert "<script" not in page.split('id="schedule-h"', 1)[1]
    tasks = '<caption id="tasks-caption">Zadania harmonogramu</caption>'
    table = page.split(tasks, 1)[1].split("</table>", 1)[0]
    assert "Dokumentacja projektowa" in table and "2027-04" in table and ">11<" in table
    task = db.session.scalar(select(ProjectTask).where(ProjectTask.name == "Roboty budowlane"))
    assert town.post(f"/town/projects/{found.id}/tasks/{task.id}/delete", {}).status_code == 302
    assert town.post(f"/town/projects/{found.id}/tasks/{task.id}/delete", {}).status_code == 404
    assert count(ProjectTask) == 1


def test_a_proposed_project_gets_no_schedule(app, world, members, login):
    found = project(world, status="proposed")
    town = login("town-a@example.pl")
    refused = town.post(f"/town/projects/{found.id}/tasks",
                        {"name": "Zadanie", "starts": "2027-01", "ends": "2027-02"})
    assert refused.status_code == 409 and "wybrany do pakietu" in refused.get_data(as_text=True)


def test_the_timeline_geometry():
    chart = timeline.build([("A", date(2027, 11, 1), date(2028, 2, 1)),
                            ("B", date(2028, 1, 1), date(2028, 1, 1))])
    assert chart is not None and chart.months == 4
    assert [t.year for t in chart.ticks] == [2027, None, 2028, None]
    assert chart.year_lines == [timeline.LABEL_WIDTH + 2 * timeline.MONTH_WIDTH]
    assert [b.months for b in chart.bars] == [4, 1]
    assert timeline.build([]) is None
    long = timeline.build([("X" * 50, date(2020, 1, 1), date(2035, 1, 1))])
    assert long.months == timeline.MAX_MONTHS and long.bars[0].clipped and long.bars[0].short.endswith("…")


def test_a_feasibility_analysis_needs_a_stage_for_it_in_the_path(app, world, members, login, monkeypatch):
    found = project(world)
    town = login("town-a@example.pl")
    upload = {"document": (io.BytesIO(PDF), "analiza.pdf")}
    refused = town.post(f"/town/projects/{found.id}/feasibility", upload, content_type="multipart/form-data")
    assert refused.status_code == 409
    assert "nie przewiduje analiz wykonalności" in refused.get_data(as_text=True)
    rl = states.get_definition("rozwoj-lokalny")
    monkeypatch.setitem(states.REGISTRY, rl.code, dataclasses.replace(rl, project_stage="application"))
    upload = {"document": (io.BytesIO(PDF), "analiza.pdf")}
    sent = town.post(f"/town/projects/{found.id}/feasibility", upload, content_type="multipart/form-data")
    assert sent.status_code == 302
    db.session.expire_all()
    document = db.session.scalar(select(Document).where(Document.original_name == "analiza.pdf"))
    assert document.stage == "application"
    assert db.session.get(Project, found.id).feasibility_document_id == document.id
    page = town.get(f"/projects/{found.id}").get_data(as_text=True)
    assert f"/documents/{document.id}" in page
    wrong = town.post(f"/town/projects/{found.id}/feasibility",
                      {"document": (io.BytesIO(b"text"), "a.pdf")}, content_type="multipart/form-data")
    assert wrong.status_code == 400


def test_the_key_project_summary_is_what_the_preliminary_application_uses(app, world, members, login):
    assert projects.key_project_summary(world.path("a")) is None
    found = project(world, is_key=True, cost="2500000.00")
    project(world, title="Drugi", status="proposed")
    projects.add_task(found, "Budowa", date(2027, 3, 1), date(2028, 8, 1), world.user("town_a"))
    summary = projects.key_project_summary(world.path("a"))
    assert (summary.title, summary.estimated_cost, summary.funding_route) == (
        "Projekt-A-poufny", Decimal("2500000.00"), "zit")
    assert (summary.starts, summary.ends, summary.months) == (date(2027, 3, 1), date(2028, 8, 1), 18)
    page = login("advisor-a@example.pl").get(f"/paths/{world.paths['a'].id}/projects/key")
    page = page.get_data(as_text=True)
    assert "Projekt-A-poufny" in page and "2\xa0500\xa0000,00" in page
    assert "18 miesięcy" in page and "<svg" in page
    assert "Drugi" not in page


def test_who_may_see_and_change_a_package(app, world, members, login):
    found = project(world)
    a = world.paths["a"].id
    advisor = login("advisor-a@example.pl")
    assert advisor.get(f"/paths/{a}/projects").status_code == 200
    page = advisor.get(f"/projects/{found.id}").get_data(as_text=True)
    assert "Projekt-A-poufny" in page and "Zmień dane projektu" not in page
    assert advisor.post(f"/town/paths/{a}/projects", form(members, title="Doradcy")).status_code == 403
    assert advisor.post(f"/town/projects/{found.id}/delete", {"version": "1"}).status_code == 403
    for email in ("town-b@example.pl", "advisor-b@example.pl", "evaluator@example.pl"):
        other = login(email)
        for url in (f"/paths/{a}/projects", f"/projects/{found.id}", f"/paths/{a}/projects/key"):
            assert other.get(url).status_code == 404, (email, url)
        assert other.post(f"/town/projects/{found.id}/delete", {"version": "1"}).status_code == 404
        assert other.post(f"/town/projects/{found.id}/tasks", {"name": "x", "starts": "2027-01",
                                                          "ends": "2027-01"}).status_code == 404
    assert login("coordinator@example.pl").get(f"/projects/{found.id}").status_code == 200
    assert count(Project) == 1 and count(ProjectTask) == 0


def test_the_package_page_issues_as_many_queries_for_many_projects_as_for_one(app, world, members, login):
    project(world, "a")
    for n in range(12):
        found = project(world, "b", title=f"Projekt B {n}", is_key=n == 0)
        projects.add_task(found, "Zadanie", date(2027, 1, 1), date(2027, 3, 1), world.user("town_b"))
    counts = {}
    for key in ("a", "b"):
        town = login(f"town-{key}@example.pl")
        with count_queries(db.engine) as log:
            assert town.get(f"/paths/{world.paths[key].id}/projects").status_code == 200
        counts[key] = log.count
    print(f"package page queries: {counts['a']} with 1 project, {counts['b']} with 12 (and their tasks)")
    assert counts["a"] == counts["b"], counts

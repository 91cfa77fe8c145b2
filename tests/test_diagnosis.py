"""Indicators in every diagnosis (issue 16 item 6, docs/decisions/0040): a Rozwój Lokalny
town's and a CWD partnership's diagnosis open with the indicator profile against peer groups
(the partnership: each member and the whole area), downloadable as a PDF annex, in the same
statements whatever the number of members; projects name result indicators (validated, Polish
messages, typed data kept); the coordinator's monitoring page judges an awarded project's
indicator on track or behind from the values.

On the small indicator base of tests/factories/monitoring.py (values 2010, 2018, 2019): gmina
n has 2000 n² + 10 n (y − 2010) residents and own revenues of 1000 zł a resident plus 5000 n zł.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa
from factories import monitoring as base_factory
from factories.accounts import as_user, make_user
from factories.partnership import LOGINS, build_partnerships
from factories.path import make_programme, make_town
from support import Browser
from support.querycount import count_queries

from workflow.diagnosis import progress
from workflow.extensions import db
from workflow.models import Municipality, Polarity, Project, ProjectResultIndicator
from workflow.monitoring import charts, groups
from workflow.projects import operations as projects

NBSP = "\xa0"
INDICATOR = "dochody_wlasne_na_mieszkanca"
PL = charts.formatter(0, "pl")  # as the pages write the indicator (no decimals)


def text(response, status: int = 200) -> str:  # noqa: ANN001
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:800])
    return re.sub(r"\s+", " ", response.get_data(as_text=True).replace(NBSP, " "))


def per_capita(n: int, year: int) -> float:
    people = base_factory.population(n, year)
    return (1000 * people + 5000 * n) / people


@pytest.fixture
def towns(ctx):  # noqa: ANN001, ANN201
    """Two RL towns on gminas of the base: A Ostrzeszów (n=5), B Wałcz (n=7); their teams, a
    coordinator; town A's project."""
    base = base_factory.build()
    programme = make_programme()
    paths = {}
    for key, code, name in (("a", "3018073", "Ostrzeszów"), ("b", "3217011", "Wałcz")):
        path = make_town(programme, name)
        db.session.flush()
        municipality = path.applicant.memberships[0].municipality
        municipality.teryt = code  # as the demo's towns: the code, no link to the unit (unit_id)
        paths[key] = path
        make_user(f"town-{key}@example.pl", "town", path.applicant)
    make_user("coordinator@example.pl", "coordinator")
    db.session.commit()
    town = db.session.scalar(sa.select(Municipality).where(Municipality.teryt == "3018073"))
    from workflow.models import User

    member = db.session.scalar(sa.select(User).where(User.email == "town-a@example.pl"))
    project = projects.create(paths["a"], projects.ProjectInput(
        "Centrum kultury", "", Decimal("1000000.00"), "zit", "", "chosen", True,
        {town.id: (True, Decimal("1000000.00"))}), member)
    return {"paths": {k: p.id for k, p in paths.items()}, "project": project.id, "base": base}


# --- the diagnosis page ----------------------------------------------------------------------------

def test_a_towns_diagnosis_shows_its_gmina_against_its_groups_and_others_see_nothing(towns, app):
    a = towns["paths"]["a"]
    page = text(as_user(app, "town-a@example.pl").get(f"/paths/{a}/diagnosis"))
    assert "Diagnoza: wskaźniki na tle grup porównawczych" in page
    assert "Ostrzeszów" in page and "3018073" in page
    assert "Mediana grupy" in page and "ostrzeszowski" in page.lower()
    assert "Cały obszar partnerstwa" not in page  # a town is its gmina
    assert PL(per_capita(5, 2019)) in page
    assert as_user(app, "town-b@example.pl").get(f"/paths/{a}/diagnosis").status_code == 404
    assert as_user(app, "coordinator@example.pl").get(f"/paths/{a}/diagnosis").status_code == 200
    town_page = text(as_user(app, "town-a@example.pl").get(f"/town/paths/{a}"))
    assert f"/paths/{a}/diagnosis" in town_page


def test_a_partnerships_diagnosis_shows_each_member_and_the_whole_area(ctx, app):
    base_factory.build()
    cwd = build_partnerships()
    a = cwd.paths["a"].id
    leader, partner = LOGINS["a"][0], LOGINS["a"][2]
    page = text(as_user(app, partner).get(f"/paths/{a}/diagnosis"))
    for code in ("1204023", "1204012", "1204032"):  # every member (1204012 has no values in the base)
        assert f"(TERYT {code})" in page
    assert "Cały obszar partnerstwa w 2019 r." in page
    # The area is a group of its members: the ratio of sums over the gminas with values.
    people = {code: base_factory.population(n, 2019)
              for n, code in enumerate(base_factory.GMINAS, start=1)}
    revenue = {code: 1000.0 * people[code] + 5000 * n for n, code in enumerate(base_factory.GMINAS, start=1)}
    with_data = [c for c in ("1204023", "1204012", "1204032") if c in people]
    area = sum(revenue[c] for c in with_data) / sum(people[c] for c in with_data)
    assert PL(area) in page
    assert as_user(app, LOGINS["b"][0]).get(f"/paths/{a}/diagnosis").status_code == 404
    browser = as_user(app, leader)
    with app.app_context():  # a PDF: not read as text by Browser.get
        pdf = browser.client.get(f"/paths/{a}/diagnosis/indicators.pdf")
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    from pypdf import PdfReader

    words = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    words = re.sub(r"\s+", " ", words)
    assert "Załącznik do diagnozy" in words and "Dąbrowa Tarnowska" in words
    assert "Cały obszar partnerstwa" in words and "Mediana grupy" in words


def statements(browser: Browser, url: str) -> int:
    browser.get(url)
    with count_queries(db.engine) as log:
        response = browser.get(url)
    assert response.status_code == 200, url
    return log.count


def test_the_diagnosis_page_issues_the_same_statements_for_two_members_as_for_three(ctx, app):
    base_factory.build()
    cwd = build_partnerships()
    groups.ensure_standard()  # the programme's group too: its towns are one statement more
    db.session.commit()
    three = statements(as_user(app, LOGINS["a"][0]), f"/paths/{cwd.paths['a'].id}/diagnosis")
    two = statements(as_user(app, LOGINS["b"][0]), f"/paths/{cwd.paths['b'].id}/diagnosis")
    assert three == two == 10, (three, two)


# --- result indicators -----------------------------------------------------------------------------

def test_a_project_names_result_indicators_and_hears_what_is_wrong(towns, app):
    project = towns["project"]
    team = as_user(app, "town-a@example.pl")
    url = f"/town/projects/{project}/indicators"
    page = text(team.get(f"/projects/{project}/indicators"))
    assert "Projekt nie ma jeszcze wskaźników rezultatu." in page
    # The area's latest values, to read a baseline from: Ostrzeszów (n = 5) in 2019.
    assert "Najnowsze wartości obszaru w bazie wskaźników" in page
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert f"Dochody własne na mieszkańca (zł na mieszkańca) 2019 {PL(per_capita(5, 2019))}" in words
    bad = team.post(url, {"indicator": INDICATOR, "baseline_year": "2019", "baseline_value": "12x",
                          "target_year": "2018", "target_value": "900"})
    html = text(bad, 400)
    assert "To nie jest liczba. Wpisz np. 1250,5." in html and 'value="12x"' in html
    wrong = team.post(url, {"indicator": INDICATOR, "baseline_year": "2019", "baseline_value": "1000",
                            "target_year": "2018", "target_value": "900"})
    html = text(wrong, 400)
    assert "Rok docelowy musi być późniejszy niż rok bazowy." in html
    assert "wartość docelowa nie może być niższa niż bazowa" in html
    assert 'value="2018"' in html
    made = team.post(url, {"indicator": INDICATOR, "baseline_year": "2019", "baseline_value": "1 000,5",
                           "target_year": "2025", "target_value": "1200"})
    assert made.status_code == 302
    twice = team.post(url, {"indicator": INDICATOR, "baseline_year": "2018", "baseline_value": "1000",
                            "target_year": "2025", "target_value": "1200"})
    assert "Ten projekt ma już wskaźnik rezultatu" in text(twice, 400)
    row = db.session.scalar(sa.select(ProjectResultIndicator))
    assert (row.baseline_year, row.baseline_value) == (2019, 1000.5)
    assert (row.target_year, row.target_value) == (2025, 1200.0)
    assert statements(team, f"/projects/{project}/indicators") == 9
    assert as_user(app, "coordinator@example.pl").post(url, {"indicator": INDICATOR}).status_code == 403
    assert as_user(app, "town-b@example.pl").get(f"/projects/{project}/indicators").status_code == 404


# --- on track or behind ------------------------------------------------------------------------------

def test_on_track_and_behind_follow_a_straight_line_and_the_polarity():
    up = Polarity.HIGHER_BETTER
    assert progress.expected_at(2019, 2010, 900, 2025, 2400) == pytest.approx(1800)
    assert progress.judge(up, 2010, 900, 2025, 2400, 2019, 1800).judgement == "on_track"
    assert progress.judge(up, 2010, 900, 2025, 2400, 2019, 1799).judgement == "behind"
    down = Polarity.LOWER_BETTER
    assert progress.judge(down, 2010, 100, 2020, 50, 2015, 74).judgement == "on_track"
    assert progress.judge(down, 2010, 100, 2020, 50, 2015, 76).judgement == "behind"
    # Past the target year the target itself is expected.
    assert progress.judge(Polarity.NEUTRAL, 2010, 10, 2020, 0, 2030, 0).judgement == "on_track"
    assert progress.judge(up, 2019, 1, 2025, 2, 2019, 5).judgement == "no_value"  # nothing since the baseline


def test_the_coordinator_follows_an_awarded_projects_indicators_as_values_arrive(towns, app):
    project = db.session.get(Project, towns["project"])
    indicator_id = db.session.scalar(sa.text("SELECT id FROM indicator WHERE code = :c"), {"c": INDICATOR})
    latest = per_capita(5, 2019)  # Ostrzeszów, n = 5: about 1,000 zł
    db.session.add_all([
        ProjectResultIndicator(project_id=project.id, indicator_id=indicator_id, baseline_year=2010,
                               baseline_value=900, target_year=2025, target_value=2400),  # expects 1,800
    ])
    db.session.commit()
    coordinator = as_user(app, "coordinator@example.pl")
    url = "/coordinator/monitoring/projects"
    assert "Żaden projekt wniosku z dofinansowaniem" in text(coordinator.get(url))  # not awarded yet
    project.path.state = "awarded"
    db.session.commit()
    page = text(coordinator.get(url))
    assert "Centrum kultury" in page and "opóźniony" in page and "(2019)" in page
    assert PL(latest) in page and PL(1800) in page
    # A new value arrives (2020) that is above the line: the project is on track.
    base = towns["base"]
    from workflow.models import ValueSource, ValueStatus, Variable, VariableValue

    source = ValueSource(kind="entry", name="test")
    db.session.add(source)
    db.session.flush()
    variables = dict(db.session.execute(sa.select(Variable.code, Variable.id)).all())
    people = base_factory.population(5, 2020)
    for code, value in (("dw_razem", 2000.0 * people), *base_factory.parts(5, 2020).items()):
        if code == "dw_razem":
            value = 2000.0 * people
        db.session.merge(VariableValue(variable_id=variables[code], year=2020, unit_id=base.ids["3018073"],
                                       value=float(value), status=ValueStatus.FINAL, source_id=source.id,
                                       revision=1))
    db.session.commit()
    page = text(coordinator.get(url))
    assert "zgodnie z planem" in page and "(2020)" in page
    for role in ("town-a@example.pl", "town-b@example.pl"):
        assert as_user(app, role).get(url).status_code == 404


def test_the_monitoring_page_issues_the_same_statements_for_one_project_as_for_two(towns, app):
    indicator_id = db.session.scalar(sa.text("SELECT id FROM indicator WHERE code = :c"), {"c": INDICATOR})
    a = db.session.get(Project, towns["project"])
    a.path.state = "awarded"
    db.session.add(ProjectResultIndicator(project_id=a.id, indicator_id=indicator_id, baseline_year=2010,
                                          baseline_value=900, target_year=2025, target_value=2400))
    db.session.commit()
    coordinator = as_user(app, "coordinator@example.pl")
    one = statements(coordinator, "/coordinator/monitoring/projects")
    from workflow.models import Path, User

    b = db.session.get(Path, towns["paths"]["b"])
    b.state = "awarded"
    member = db.session.scalar(sa.select(User).where(User.email == "town-b@example.pl"))
    town = b.applicant.memberships[0].municipality
    other = projects.create(b, projects.ProjectInput(
        "Park", "", Decimal("500000.00"), "zit", "", "chosen", True, {town.id: (True, Decimal("500000.00"))}),
        member)
    db.session.add(ProjectResultIndicator(project_id=other.id, indicator_id=indicator_id, baseline_year=2018,
                                          baseline_value=1000, target_year=2025, target_value=1100))
    db.session.commit()
    two = statements(coordinator, "/coordinator/monitoring/projects")
    assert one == two == 5, (one, two)  # the login, then the 4 of progress.followed

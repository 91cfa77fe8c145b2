"""Issue 14, items 6 and 7, on the small partnerships of tests/factories/partnership.py: the
programme's report (the command, the coordinator's page with its breakdown per voivodeship and
its exports, the public list of partnerships), the coordinator's rates and the value of the
support in the services report, and a partnership's participants from its member
municipalities. Every page issues a fixed number of queries whatever the number of
partnerships."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from factories.advice import form_data, open_new
from factories.partnership import build_partnerships, upload
from openpyxl import load_workbook
from sqlalchemy import select
from support import Browser
from support.querycount import count_queries

from workflow.advice import rates
from workflow.consultation import moves
from workflow.extensions import db
from workflow.models import (
    Document,
    ExpertiseField,
    LegalForm,
    Person,
    PublicConsultation,
    Service,
    ServiceRate,
    ServiceTotal,
)
from workflow.partnership import setup
from workflow.partnership.report import report
from workflow.path import approvals
from workflow.path.transitions import fire

COORDINATOR = "koordynator@example.pl"


@pytest.fixture
def cwd(ctx):
    return build_partnerships()


def text(response) -> str:  # noqa: ANN001
    return response.get_data(as_text=True)


def test_the_command_and_the_pages_count_partnerships_members_and_consultations(app, cwd, login):
    path = cwd.path("a")
    path.state = "diagnosis.draft"
    db.session.commit()
    document_id = upload(path, cwd.user("lider-a@example.pl"))
    today = date.today()
    moves.publish(cwd.path("a"), db.session.get(Document, document_id), today, today + timedelta(days=21),
                  cwd.user("lider-a@example.pl"))
    result = app.test_cli_runner().invoke(args=["report", "partnerships", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "partnerships": 2, "member_municipalities": 5, "strategies_accepted": 0, "projects_in_packages": 0,
        "feasibility_analyses": 0, "preliminary_applications": 0, "consultations_held": 1,
        "comments_received": 0}
    by = app.test_cli_runner().invoke(args=["report", "partnerships", "--by-voivodeship", "--json"])
    rows = {r["voivodeship"]: r for r in json.loads(by.output)}
    assert rows["małopolskie"]["member_municipalities"] == 3
    assert rows["zachodniopomorskie"]["member_municipalities"] == 2

    coordinator = login(COORDINATOR)
    page = text(coordinator.get("/coordinator/reports/partnerships"))
    assert 'data-metric="partnerships">2<' in page and 'data-metric="consultations_held">1<' in page
    assert "małopolskie" in page and "zachodniopomorskie" in page
    csv = coordinator.get(f"/coordinator/reports/partnerships.csv?programme={cwd.programme.code}")
    assert csv.status_code == 200
    lines = csv.get_data(as_text=True).splitlines()
    assert lines[0].lstrip("\ufeff").startswith("Województwo;Partnerstwa;")
    assert lines[-1].startswith("Razem;2;5;")
    with app.app_context():
        xlsx = coordinator.client.get("/coordinator/reports/partnerships.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    assert [c.value for c in sheet[sheet.max_row]][:3] == ["Razem", 2, 5]
    # a town of another kind of programme cannot be chosen here
    assert coordinator.get("/coordinator/reports/partnerships?programme=NIE-MA").status_code == 404

    visitor = Browser(app)  # anonymous
    public = text(visitor.get("/public/partnerships/"))
    assert "Partnerstwo Dąbrowa Tarnowska" in public and "Gręboszów" in public
    assert "Partnerstw: 2, w tym ze strategią zatwierdzoną: 0." in public
    for secret in ("lider-a@example.pl", "Anna Nowak"):  # no people on the public page
        assert secret not in public


def test_the_report_pages_issue_a_fixed_number_of_queries(app, cwd, login):
    coordinator = login(COORDINATOR)
    visitor = Browser(app)

    def counts() -> tuple[int, int]:
        with app.app_context(), count_queries(db.engine) as coordinator_page:
            assert coordinator.client.get("/coordinator/reports/partnerships").status_code == 200
        with app.app_context(), count_queries(db.engine) as public_page:
            assert visitor.client.get("/public/partnerships/").status_code == 200
        return coordinator_page.count, public_page.count

    small = counts()
    for leader in ("3018073", "0401011"):
        setup.create(leader, setup.neighbours_in_powiat(leader)[:3], programme=cwd.programme,
                     legal_form=LegalForm.AGREEMENT)
    assert report().totals.partnerships == 4
    assert counts() == small, small
    # the town of Aleksandrów Kujawski and the rural gmina around it share the name
    public = text(visitor.get("/public/partnerships/"))
    assert "Aleksandrów Kujawski (gmina miejska), Aleksandrów Kujawski (gmina wiejska)" in public
    # coordinator: the user, the programmes (picker), one query per measure (8);
    # public: the programmes, the partnerships, their members, the accepted strategies.
    assert small == (10, 4), small


def test_the_coordinator_sets_rates_and_the_report_values_the_support(app, cwd, login):
    path = cwd.path("a")
    field = ExpertiseField(code="institutional_development", name_pl="Rozwój instytucjonalny",
                           name_en="Institutional development")
    db.session.add(field)
    member = cwd.user("partner-a2@example.pl")
    person = Person(applicant_id=path.applicant_id, name="Jan Gminny", institution="Urząd Gminy Bolesław",
                    municipality_id=member.municipality_id)
    db.session.add(person)
    db.session.flush()
    for kind, minutes in (("consultation", 90), ("workshop", 240), ("consultation", 30)):
        db.session.add(Service(path_id=path.id, advisor_id=cwd.user("doradca-a@example.pl").id, kind=kind,
                               held_on=date.today() - timedelta(days=3), duration_minutes=minutes,
                               field_id=field.id, topic="Plan pracy partnerstwa", status="logged",
                               logged_at=datetime.now(UTC), participants=[person]))
    db.session.commit()
    total = db.session.scalar(select(ServiceTotal).where(ServiceTotal.dim == "all"))
    assert (total.consultation_minutes, total.workshop_minutes, total.minutes) == (120, 240, 360)

    coordinator = login(COORDINATOR)
    url = f"/coordinator/reports/consultations/rates?programme={cwd.programme.code}"
    coordinator.get(url)
    bad = coordinator.post(url, {"consultation": "trzysta", "workshop": "300"})
    assert bad.status_code == 400
    page = text(bad)
    assert "Wpisz stawkę w złotych" in page and 'value="trzysta"' in page and 'value="300"' in page
    assert db.session.scalar(select(ServiceRate.kind)) is None
    good = coordinator.post(url, {"valid_from": (date.today() - timedelta(days=30)).isoformat(),
                                  "consultation": "350,50", "workshop": "300", "study": "", "other": ""})
    assert good.status_code == 302
    assert rates.rates_of(cwd.programme)["consultation"] == Decimal("350.50")
    report_page = text(coordinator.get(f"/coordinator/reports/consultations?programme={cwd.programme.code}"))
    value = report_page.split('id="support-value"', 1)[1]
    assert 'data-metric="hours">6<' in value
    assert "1901,00zł" in re.sub(r"\s", "", value)  # 2 h × 350,50 + 4 h × 300
    assert "Wartość nie obejmuje" not in report_page  # no hours without a rate
    # a town's person belongs to no municipality; a partnership's participant to one member
    assert db.session.get(Person, person.id).municipality_id == member.municipality_id


def test_rates_are_dated_and_each_service_is_valued_at_the_rate_of_its_day(app, cwd, login):
    """Decision 0036: a new rate is in force from the day given; the services before it keep the
    rate of their day (a change on the 15th splits March), the page lists each kind's rates newest
    first, a bad date is refused on the same page, and the report shows the change at once."""
    path = cwd.path("a")
    advisor = cwd.user("doradca-a@example.pl")
    field = ExpertiseField(code="finance", name_pl="Finanse publiczne", name_en="Public finance")
    db.session.add(field)
    db.session.flush()
    for kind, day, minutes in (("consultation", date(2026, 1, 10), 120),
                               ("consultation", date(2026, 3, 5), 60),
                               ("consultation", date(2026, 3, 20), 60), ("workshop", date(2026, 3, 10), 60)):
        db.session.add(Service(path_id=path.id, advisor_id=advisor.id, kind=kind, held_on=day,
                               duration_minutes=minutes, field_id=field.id, topic="Plan pracy partnerstwa",
                               status="logged",
                               logged_at=datetime.now(UTC)))
    db.session.commit()
    coordinator = login(COORDINATOR)
    url = f"/coordinator/reports/consultations/rates?programme={cwd.programme.code}"
    report_url = f"/coordinator/reports/consultations?programme={cwd.programme.code}"

    def value(query: str = "") -> str:
        page = text(coordinator.get(report_url + query))
        return re.sub(r"\s", "", page.split('id="support-value"', 1)[1].split("</table>", 1)[0])

    assert f'value="{date.today().isoformat()}"' in text(coordinator.get(url))  # the date: today
    assert coordinator.post(url, {"valid_from": "2026-01-01", "consultation": "300"}).status_code == 302
    assert 'data-metric="value">1200,00zł<' in value()  # 4 h × 300; the workshop has no rate
    assert "Wartość nie obejmuje" in text(coordinator.get(report_url))
    with app.app_context(), count_queries(db.engine) as whole_months:
        value()  # the report kept (decision 0046): the user, the programmes with the revision, the rates
    assert whole_months.count == 3, whole_months.count
    assert coordinator.post(url, {"valid_from": "2026-03-15", "consultation": "400"}).status_code == 302
    # the next request: 2 h (January) + 1 h (5 March) at 300, 1 h (20 March) at 400
    assert 'data-metric="value">1300,00zł<' in value()
    assert "300,00zł/400,00zł" in value()
    with app.app_context(), count_queries(db.engine) as split_month:
        value()
    assert split_month.count == 4, split_month.count  # and March's minutes by day
    assert 'data-metric="value">700,00zł<' in value("&date_from=2026-03-01")  # filtered: 300 + 400
    assert rates.rates_of(cwd.programme)["consultation"] == Decimal("400.00")

    page = text(coordinator.get(url))
    history = page.split('id="history-consultation"', 1)[1].split("</table>", 1)[0]
    assert history.index("15 marca 2026") < history.index("1 stycznia 2026")
    money = re.sub(r"\s", "", history)
    assert money.index("400,00zł") < money.index("300,00zł")
    bad = coordinator.post(url, {"valid_from": "2026-02-30", "consultation": "500"})
    assert bad.status_code == 400
    page = text(bad)
    assert "Podaj datę w formacie RRRR-MM-DD" in page
    assert 'value="2026-02-30"' in page and 'value="500"' in page
    assert len(db.session.scalars(select(ServiceRate)).all()) == 2
    # the same day again sets that period anew instead of adding one
    assert coordinator.post(url, {"valid_from": "2026-03-15", "consultation": "450"}).status_code == 302
    assert len(db.session.scalars(select(ServiceRate)).all()) == 2
    assert 'data-metric="value">1350,00zł<' in value()
    coordinator.post("/language", {"lang": "en", "next": "/"})
    english = text(coordinator.post(url, {"valid_from": "", "consultation": "500"}))
    assert "Enter the date from which the rates apply." in english


def test_only_members_of_the_partnership_approve_its_documents_not_b(app, cwd, login):
    """Partnership B's people see nothing of A on the new pages' links either."""
    a = cwd.paths["a"].id
    document_id = upload(cwd.path("a"), cwd.user("lider-a@example.pl"))
    other = login("lider-b@example.pl")
    assert other.get(f"/partnerships/paths/{a}").status_code == 404
    refused = other.post(f"/town/paths/{a}/approval", {"document_id": document_id})
    assert refused.status_code == 404
    assert approvals.current(cwd.path("a")).approved == []
    assert db.session.scalar(select(PublicConsultation.id)) is None
    assert other.get("/coordinator/reports/partnerships").status_code == 404
    rates_page = f"/coordinator/reports/consultations/rates?programme={cwd.programme.code}"
    assert other.get(rates_page).status_code == 404


def test_the_lead_advisor_logs_a_service_with_people_of_the_member_municipalities(app, cwd, login):
    field = ExpertiseField(code="finance", name_pl="Finanse publiczne", name_en="Public finance")
    db.session.add(field)
    db.session.commit()
    advisor = login("doradca-a@example.pl")
    path_id = cwd.paths["a"].id
    token = open_new(advisor, path_id)
    people = ("Jan Gminny; Urząd Gminy Bolesław\nEwa Miejska; Urząd Miejski w Dąbrowie Tarnowskiej\n"
              "Ola Wspólna; Stowarzyszenie Bolesław i Gręboszów")
    sent = advisor.post(f"/advisor/consultations/new?path={path_id}",
                        form_data({"finance": field.id}, client_token=token, new_people=people))
    assert sent.status_code == 302, text(sent)[:600]
    db.session.expire_all()
    found = {p.name: p.municipality for p in db.session.scalars(select(Person))}
    assert found["Jan Gminny"].name == "Bolesław"  # the institution names one member
    assert found["Ewa Miejska"] is None  # "w Dąbrowie Tarnowskiej": not the name as registered
    assert found["Ola Wspólna"] is None  # two members named: none chosen
    detail = text(advisor.get(sent.headers["Location"]))
    assert "Gmina członkowska" in detail and "<td>Bolesław</td>" in detail
    assert login("lider-b@example.pl").get(sent.headers["Location"]).status_code == 404


def test_the_public_list_says_a_withdrawn_partnership_ended_without_a_strategy(app, cwd):
    fire(cwd.path("a"), "withdraw", cwd.user("lider-a@example.pl"), "Uchwała Rady Partnerstwa nr 4/2021")
    rows = {row.split("|")[0]: row for row in _rows(text(Browser(app).get("/public/partnerships/")))}
    assert rows["Partnerstwo Dąbrowa Tarnowska"].endswith("|brak – wycofane")
    assert rows["Partnerstwo Wałcz"].endswith("|w przygotowaniu"), rows
    english = Browser(app).client.get("/public/partnerships/", headers={"Accept-Language": "en"})
    rows = {row.split("|")[0]: row for row in _rows(text(english))}
    assert rows["Partnerstwo Dąbrowa Tarnowska"].endswith("|none – withdrawn"), rows


def _rows(page: str) -> list[str]:
    """The public table's rows as 'cell|cell|…' text."""
    body = page.split('id="partnerships"', 1)[1].split("</table>", 1)[0]
    cells = re.compile(r"<t[hd][^>]*>(.*?)</t[hd]>", re.S)
    return ["|".join(re.sub(r"<[^>]+>", "", cell).strip() for cell in cells.findall(row))
            for row in re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>", 1)[1], re.S)]

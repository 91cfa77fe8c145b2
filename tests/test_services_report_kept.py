"""The services report kept as drawn per revision of its totals (decision 0046): a service
logged, corrected or deleted, and a name the report shows, are on the very next request of the
report; a change rolled back changes nothing; each language is its own page; the report kept
costs fewer statements than the first one. Runs on SQLite and, with TEST_DATABASE_URL, PostgreSQL."""

from __future__ import annotations

import difflib
import re

from factories.accounts import make_user
from factories.advice import form_data, open_new
from sqlalchemy import select
from support.querycount import count_queries

from workflow.advice.views.reports import REPORTS
from workflow.extensions import db
from workflow.models import Applicant, ExpertiseField, Service

URL = "/coordinator/reports/consultations"
VERSION_RE = re.compile(r'name="version" type="hidden" value="(\d+)"')


def services_shown(html: str) -> str:
    """The programme table's number of services, as shown."""
    table = html.split('id="programme-h"', 1)[1].split("</table>", 1)[0]
    return re.search(r'data-metric="services">([^<]*)<', table).group(1)


def kinds_shown(html: str) -> dict[str, str]:
    table = html.split('id="programme-h"', 1)[1].split("</table>", 1)[0]
    return dict(re.findall(r'data-metric="(\w+)">([^<]*)<', table))


def log_service(browser, world, fields, **changes):  # noqa: ANN001, ANN201
    path_id = world.paths["a"].id
    token = open_new(browser, path_id)
    return browser.post(f"/advisor/consultations/new?path={path_id}",
                        form_data(fields, client_token=token, **changes))


def report(coordinator) -> str:  # noqa: ANN001
    page = coordinator.get(URL)
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_logging_correcting_and_deleting_a_service_show_on_the_next_request(world, fields, login):
    coordinator = login("coordinator@example.pl")
    advisor = login("advisor-a@example.pl")
    assert services_shown(report(coordinator)) == "0"
    assert services_shown(report(coordinator)) == "0"  # kept
    assert len(REPORTS) == 1

    assert log_service(advisor, world, fields, kind="consultation").status_code == 302
    html = report(coordinator)
    assert services_shown(html) == "1" and kinds_shown(html)["consultations"] == "1"

    service = db.session.scalars(select(Service)).one()
    page = advisor.get(f"/advisor/consultations/{service.id}/edit").get_data(as_text=True)
    version = VERSION_RE.search(page).group(1)
    corrected = advisor.post(f"/advisor/consultations/{service.id}/edit",
                             form_data(fields, kind="workshop", version=version, log=None,
                                       correct="Zapisz poprawkę", reason="To był warsztat"))
    assert corrected.status_code == 302
    html = report(coordinator)
    assert services_shown(html) == "1"
    assert kinds_shown(html)["consultations"] == "0" and kinds_shown(html)["workshops"] == "1"

    db.session.expire_all()
    db.session.delete(db.session.get(Service, service.id))
    db.session.commit()
    assert services_shown(report(coordinator)) == "0"


def test_a_renamed_town_shows_and_a_rolled_back_change_does_not(world, fields, login):
    coordinator = login("coordinator@example.pl")
    advisor = login("advisor-a@example.pl")
    assert log_service(advisor, world, fields).status_code == 302
    town = db.session.get(Applicant, world.paths["a"].applicant_id)
    old_name = town.name
    assert old_name in report(coordinator)

    town.name = "Nowa Nazwa Miasta"
    db.session.commit()
    html = report(coordinator)
    assert "Nowa Nazwa Miasta" in html and old_name not in html.split('id="town-h"', 1)[1]

    service = db.session.scalars(select(Service)).one()
    db.session.delete(service)
    db.session.flush()
    db.session.rollback()
    assert services_shown(report(coordinator)) == "1"


def test_each_language_is_its_own_page_and_the_kept_report_reads_less(world, fields, login, app):
    coordinator = login("coordinator@example.pl")
    advisor = login("advisor-a@example.pl")
    assert log_service(advisor, world, fields).status_code == 302
    report(coordinator)
    with app.app_context():
        engine = db.engine
    with count_queries(engine) as kept:
        html = report(coordinator)
    REPORTS.clear()
    with count_queries(engine) as first:
        drawn = report(coordinator)
    assert drawn == html, "".join(difflib.unified_diff(html.splitlines(True), drawn.splitlines(True), n=1))
    assert kept.count <= first.count
    assert coordinator.post("/language", {"lang": "en", "next": URL}).status_code == 302
    english = report(coordinator)
    assert "Services by month" in english and "Usługi w miesiącach" not in english
    assert coordinator.post("/language", {"lang": "pl", "next": URL}).status_code == 302
    assert "Usługi w miesiącach" in report(coordinator)


def test_a_new_advisor_and_a_renamed_field_show_in_the_filters_on_the_next_request(world, fields, login):
    coordinator = login("coordinator@example.pl")
    before = report(coordinator)
    assert "Zofia Nowodoradcza" not in before
    advisor = make_user("nowy-doradca@example.pl", "advisor")
    advisor.name = "Zofia Nowodoradcza"
    db.session.commit()
    assert f'<option value="{advisor.id}">Zofia Nowodoradcza</option>' in report(coordinator)
    field = db.session.get(ExpertiseField, fields["finance"])
    field.name_pl = "Finanse gminy"
    db.session.commit()
    assert "Finanse gminy</option>" in report(coordinator)

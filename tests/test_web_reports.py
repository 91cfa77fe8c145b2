"""The report pages as people use them: the coordinator's report with filters, chart and
exports, who may open it, the public summary that names nobody, and the number of SQL
statements of the report page, the same for a log ten times larger."""

from __future__ import annotations

import csv
import io
import re

import pytest
from factories.accounts import PASSWORD
from factories.path import make_programme, make_town
from factories.services_log import (
    ADVISORS,
    DRAFT_ONLY_NAME,
    SHARED_NAME,
    TOWNS,
    add_services,
    build_log,
    expected,
    expected_by,
    generate,
)
from openpyxl import load_workbook
from support import Browser
from support.querycount import count_queries

from workflow.extensions import db

URL = "/coordinator/reports/consultations"
# The report page's statements, whatever the log's size: the user, the programme, the
# filters' towns, advisors and fields, then three (services, participation, studies) for
# each of the programme's table and the four breakdowns; the chart reuses the months';
# and the unread count on the bell in the header (read with the user since issue 17).
# + the programme's rates of an hour, for the value of the support (issue 14, decision 0036).
STATEMENTS = 7  # the report reads its maintained totals in one query (decision 0029)
SEED_HEADINGS = ("usługi", "konsultacje eksperckie", "warsztaty szkoleniowe", "opracowania",
                 "uczestnictwa (z powtórzeniami)", "osoby (bez powtórzeń)")


@pytest.fixture
def log(world):
    return build_log(world, generate(120))


def html_of(response) -> str:  # noqa: ANN001
    return response.get_data(as_text=True)


def metric_cells(html: str) -> dict[str, str]:
    """The programme table's values, as shown."""
    table = html.split('id="programme-h"', 1)[1].split("</table>", 1)[0]
    return dict(re.findall(r'data-metric="(\w+)">([^<]*)<', table))


def row_of(html: str, table_id: str, label: str) -> list[str]:
    """The cells of one row of a breakdown table, after its heading cell."""
    table = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    row = next(r for r in table.split("<tr>") if f">{label}</" in r)
    return re.findall(r'<td class="num">([^<]*)</td>', row)


def download(browser: Browser, url: str):  # noqa: ANN201
    """A file as the browser saves it (Browser.get reads every page as text)."""
    with browser.app.app_context():
        return browser.client.get(url)


def shown(value: int) -> str:
    """A number as the page shows it (Polish digit grouping with a no-break space)."""
    return f"{value:,}".replace(",", "\xa0")


def test_the_coordinator_sees_the_seeds_table_and_every_breakdown(log, login):
    page = login("coordinator@example.pl").get(URL)
    assert page.status_code == 200
    html = html_of(page)
    want = expected(log.services)
    for heading in SEED_HEADINGS:
        assert f"<th scope=\"row\">{heading}</th>" in html
    cells = metric_cells(html)
    for key in ("services", "consultations", "workshops", "studies", "participations", "people"):
        assert cells[key] == shown(want[key]), key
    by_town = expected_by(log.services, lambda s: s.town)
    assert row_of(html, "by-town", "Łobez")[:2] == [shown(by_town["c"]["services"]),
                                                     shown(by_town["c"]["consultations"])]
    assert row_of(html, "by-town", "Zduny")[7] == shown(by_town["d"]["people"])
    assert html.index(">Łobez<") < html.index(">Ostrzeszów<") < html.index(">Zduny<")
    by_advisor = expected_by(log.services, lambda s: s.advisor)
    assert row_of(html, "by-advisor", "Żaneta Ćwik")[0] == shown(by_advisor["zaneta"]["services"])
    assert row_of(html, "by-field", "Środowisko")[0] == shown(
        expected_by(log.services, lambda s: s.field)["env"]["services"])
    months = html.split('id="by-month"', 1)[1].split("</table>", 1)[0]
    assert months.index("listopad 2019") < months.index("grudzień 2019") < months.index("luty 2020")
    assert DRAFT_ONLY_NAME not in html and SHARED_NAME not in html


def test_the_chart_is_an_svg_with_a_summary_and_its_numbers_in_a_table(log, login):
    html = html_of(login("coordinator@example.pl").get(URL))
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert 'role="img"' in svg and "aria-label=" in svg
    total = expected(log.services)["services"]
    assert f"razem {shown(total)}" in svg
    assert svg.count("<rect") >= 4 * 3  # stacked: several kinds in each of three months
    assert "<script" not in html.split("<main", 1)[1]  # no script for the chart (the menu's is above)
    data = html.split('id="chart-data"', 1)[1].split("</table>", 1)[0]
    assert "styczeń 2020" in data  # a month without services is a zero, not a gap
    logged_dec = [s for s in log.services if s.status == "logged" and s.held_on.month == 12]
    dec = row_of(html, "chart-data", "grudzień 2019")
    assert dec == [shown(sum(s.kind == k for s in logged_dec))
                   for k in ("consultation", "workshop", "study", "other")] + [shown(len(logged_dec))]


def test_filters_narrow_every_table(log, login):
    coordinator = login("coordinator@example.pl")
    url = (f"{URL}?date_from=2019-12-01&date_to=2019-12-31&town={log.paths['c']}"
           f"&kind=consultation&advisor=&field=")
    page = coordinator.get(url)
    assert page.status_code == 200
    html = html_of(page)
    chosen = [s for s in log.services if s.town == "c" and s.kind == "consultation"
              and s.held_on.month == 12 and s.held_on.year == 2019]
    assert metric_cells(html)["services"] == shown(expected(chosen)["services"])
    assert metric_cells(html)["people"] == shown(expected(chosen)["people"])
    town_table = html.split('id="by-town"', 1)[1].split("</table>", 1)[0]
    assert "Łobez" in town_table and "Wałcz" not in town_table
    assert 'value="2019-12-01"' in html  # the filters stay filled in
    csv_link = re.search(r'href="([^"]*/consultations/log\.csv[^"]*)"', html).group(1)
    assert "town=" in csv_link and "date_from=2019-12-01" in csv_link


@pytest.mark.parametrize("query, field_id, message", [
    ("date_from=2020-02-30", "date_from", "Podaj datę w formacie RRRR-MM-DD"),
    ("date_from=wczoraj", "date_from", "Podaj datę w formacie RRRR-MM-DD"),
    ("date_to=1800-01-01", "date_to", "Podaj datę z lat 2000–2100."),
    ("date_from=2020-03-01&date_to=2020-02-01", "date_to", "Data końcowa nie może być wcześniejsza"),
    ("town=99999", "town", "Wybierz miasto z listy."),
    ("town=%3Cb%3Ex", "town", "Wybierz miasto z listy."),
    ("advisor=abc", "advisor", "Wybierz doradcę z listy."),
    ("field=-1", "field", "Wybierz dziedzinę z listy."),
    ("kind=drop+table", "kind", "Wybierz rodzaj usługi z listy."),
])
def test_bad_filters_are_a_400_with_the_message_next_to_the_field(log, login, query, field_id, message):
    coordinator = login("coordinator@example.pl")
    page = coordinator.get(f"{URL}?{query}")
    assert page.status_code == 400
    html = html_of(page)
    assert f'id="{field_id}-error"' in html
    error = html.split(f'id="{field_id}-error"', 1)[1].split("</p>", 1)[0]
    assert message in error
    assert "Popraw błędy w formularzu" in html
    typed = query.split("&")[-1].split("=", 1)[1].replace("+", " ")
    typed = typed.replace("%3Cb%3E", "&lt;b&gt;")
    assert f'value="{typed}"' in html  # kept as typed (escaped)
    assert "<b>x" not in html
    export = coordinator.get(f"{URL}/log.csv?{query}")
    assert export.status_code == 400


def test_a_town_of_another_programme_is_refused(log, login):
    other = make_programme("RL-OTHER")
    path = make_town(other, "Kolno")
    db.session.commit()
    page = login("coordinator@example.pl").get(f"{URL}?town={path.id}")
    assert page.status_code == 400
    assert "Wybierz miasto z listy." in html_of(page)


@pytest.mark.parametrize("email", ["town-a@example.pl", "advisor-a@example.pl", "evaluator@example.pl"])
def test_only_the_coordinator_opens_the_report(log, login, email):
    browser = login(email)
    for url in (URL, f"{URL}/log.csv", f"{URL}/town.xlsx", f"{URL}/programme.csv"):
        assert download(browser, url).status_code == 404, url


def test_anonymous_is_sent_to_log_in(app, log):
    response = Browser(app, PASSWORD).get(f"{URL}/log.csv")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_unknown_export_is_a_404(log, login):
    coordinator = login("coordinator@example.pl")
    assert coordinator.get(f"{URL}/people.csv").status_code == 404
    assert coordinator.get(f"{URL}/log.pdf").status_code == 404
    assert coordinator.get(f"{URL}?programme=NOPE").status_code == 404


def test_csv_export_of_the_log_streams_every_logged_service(log, login):
    response = download(login("coordinator@example.pl"), f"{URL}/log.csv?kind=workshop")
    assert response.status_code == 200
    assert response.is_streamed
    disposition = response.headers["Content-Disposition"]
    assert re.fullmatch(r'attachment; filename="uslugi-\d{4}-\d{2}-\d{2}\.csv"', disposition)
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["data", "miasto", "doradca", "dziedzina", "rodzaj", "forma", "czas (min)",
                       "temat", "uczestnicy", "opracowania"]
    workshops = sorted((s for s in log.services if s.status == "logged" and s.kind == "workshop"),
                       key=lambda s: s.held_on)
    assert [r[0] for r in rows[1:]] == [s.held_on.isoformat() for s in workshops]
    assert {r[4] for r in rows[1:]} == {"warsztat szkoleniowy"}
    assert sum(int(r[8]) for r in rows[1:]) == expected(workshops)["participations"]
    assert {r[1] for r in rows[1:]} <= set(TOWNS.values())


@pytest.mark.parametrize("table, stem, first", [
    ("programme", "uslugi-program", "miara"), ("town", "uslugi-miasta", "miasto"),
    ("advisor", "uslugi-doradcy", "doradca"), ("field", "uslugi-dziedziny", "dziedzina"),
    ("month", "uslugi-miesiace", "miesiąc"),
])
def test_every_table_exports_as_csv_and_xlsx(log, login, table, stem, first):
    coordinator = login("coordinator@example.pl")
    as_csv = download(coordinator, f"{URL}/{table}.csv")
    assert as_csv.status_code == 200
    assert f'filename="{stem}-' in as_csv.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(as_csv.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0][0] == first
    as_xlsx = download(coordinator, f"{URL}/{table}.xlsx")
    assert as_xlsx.status_code == 200 and as_xlsx.headers["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(as_xlsx.get_data())).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert [str(v) for v in cells[0]] == rows[0]
    assert len(cells) == len(rows)
    want = expected(log.services)
    if table == "programme":
        assert cells[1] == ["usługi", want["services"]]
        assert cells[8] == ["osoby (bez powtórzeń)", want["people"]]
    elif table == "month":
        assert [r[0] for r in cells[1:]] == ["2019-11", "2019-12", "2020-02"]
        assert sum(r[1] for r in cells[1:]) == want["services"]
    else:
        assert sum(r[1] for r in cells[1:]) == want["services"]
        assert sum(r[7] for r in cells[1:]) == want["participations"]


def test_a_formula_in_a_topic_is_exported_as_text(log, login):
    from workflow.models import Service

    topics = ['=HYPERLINK("http://x","y")', "+48 600", "-1+2", "@SUM(A1)"]
    services = db.session.query(Service).filter(Service.status == "logged").order_by(Service.held_on,
                                                                                       Service.id).all()
    for service, topic in zip(services, topics, strict=False):
        service.topic = topic
    db.session.commit()
    coordinator = login("coordinator@example.pl")
    sheet = load_workbook(io.BytesIO(download(coordinator, f"{URL}/log.xlsx").get_data())).active
    cells = {c.value: c for row in sheet.iter_rows(min_row=2) for c in row}
    for topic in topics:
        assert cells[topic].data_type == "s", topic
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)
    assert sheet["A2"].is_date  # dates are dates, numbers numbers
    assert sheet["G2"].data_type == "n"
    text = download(coordinator, f"{URL}/log.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert [r[7] for r in rows[1:5]] == ["'" + t for t in topics]


def test_the_public_page_shows_the_numbers_and_names_nobody(app, log):
    page = Browser(app, PASSWORD).get("/public/")
    assert page.status_code == 200
    html = html_of(page)
    want = expected(log.services)
    cells = metric_cells(html)
    for key in ("services", "consultations", "workshops", "studies", "participations", "people"):
        assert cells[key] == shown(want[key]), key
    assert "Co liczymy" in html and "szkice nie wchodzą" in html
    for name in [*ADVISORS.values(), *TOWNS.values(), SHARED_NAME, DRAFT_ONLY_NAME,
                 "Uczestnik", "coordinator"]:
        assert name not in html, name
    assert "Finanse publiczne" in html  # fields are not people
    assert 'role="img"' in html


def test_the_public_page_without_a_programme(app):
    page = Browser(app, PASSWORD).get("/public/")
    assert page.status_code == 200
    assert "Nie ma jeszcze danych do pokazania." in html_of(page)
    assert Browser(app, PASSWORD).get("/public/?programme=NOPE").status_code == 404


# --- the page's SQL statements do not grow with the log -------------------------------------

def test_the_report_page_issues_the_same_queries_for_a_log_ten_times_larger(app, world):
    services = generate(600, seed=11)
    log = build_log(world, services[:60])
    coordinator = Browser(app, PASSWORD)
    assert coordinator.login("coordinator@example.pl").status_code == 302
    counts, pages = [], []
    for _ in range(2):
        for url in (URL, f"{URL}?date_from=2019-12-01&kind=workshop&town={log.paths['a']}"):
            with count_queries(db.engine) as queries:
                page = coordinator.get(url)
            assert page.status_code == 200
            counts.append(queries)
            pages.append(html_of(page))
        if len(log.services) == 60:
            add_services(log, services[60:])
    small, small_filtered, large, large_filtered = counts
    assert small.count == large.count, f"60 services: {small}\n600 services: {large}"
    assert small_filtered.count == large_filtered.count
    assert large.count == STATEMENTS, str(large)
    # The pages measured really counted 60 and then 600 services.
    assert metric_cells(pages[0])["services"] == shown(expected(services[:60])["services"])
    assert metric_cells(pages[2])["services"] == shown(expected(services)["services"])
    print(f"report page: {small.count} statements for 60 services and for 600")


def test_chart_bars_are_as_tall_as_their_numbers(app):
    from workflow.advice.reports import MonthKinds
    from workflow.advice.views.reports import axis_step, chart

    assert [axis_step(v) * 4 for v in (1, 5, 124, 636, 2700)] == [4, 8, 200, 800, 4000]
    months = [MonthKinds("2019-12", {"consultation": 60, "workshop": 30, "study": 20, "other": 10}),
              MonthKinds("2020-01", {"consultation": 0, "workshop": 0, "study": 0, "other": 0}),
              MonthKinds("2020-02", {"consultation": 5, "workshop": 0, "study": 0, "other": 1})]
    with app.test_request_context("/"):
        drawn = chart(months)
    peak = drawn.ticks[-1][0]
    assert peak == 200 and [t[0] for t in drawn.ticks] == [0, 50, 100, 150, 200]
    december, january, february = drawn.bars
    assert sum(s.height for s in december.segments) == pytest.approx(120 * drawn.plot_height / peak)
    assert [s.kind for s in december.segments] == ["consultation", "workshop", "study", "other"]
    assert december.segments[0].y > december.segments[1].y  # consultations at the bottom
    assert january.segments == [] and january.total == 0
    assert [s.kind for s in february.segments] == ["consultation", "other"]
    assert "od grudnia 2019 do lutego 2020" in drawn.summary and "razem 126" in drawn.summary
    assert "największą liczbą usług: grudzień 2019 (120)" in drawn.summary
    with app.test_request_context("/"):
        assert chart([]) is None

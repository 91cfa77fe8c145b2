"""The public pages of the indicator base (no login): the indicators, an indicator in a group
(figures, map, histogram, table), a gmina's profile, the comparison, the groups, a person's
list and the most similar gminas; the files; bad input; the same number of SQL statements for
a few gminas as for many.

On the small base of tests/factories/monitoring.py: gmina n (1…8) has 2000 n² + 10 n (y − 2010)
residents and own revenues of 1000 zł a resident plus 5000 n zł."""

from __future__ import annotations

import csv
import io
import json
import re

import openpyxl
import pytest
import sqlalchemy as sa
from factories import monitoring as base_factory
from support import Browser
from support.querycount import count_queries

from workflow.extensions import db

NBSP = "\xa0"
CREDIT = "Źródło: GUS, Bank Danych Lokalnych"
PER_CAPITA = "/indicators/dochody_wlasne_na_mieszkanca"


def text(response, status: int = 200) -> str:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:800])
    return re.sub(r"\s+", " ", response.get_data(as_text=True).replace(NBSP, " "))


@pytest.fixture
def small(ctx) -> base_factory.Base:
    return base_factory.build()


def per_capita(n: int, year: int = 2019) -> float:
    people = base_factory.population(n, year)
    return (1000 * people + 5000 * n) / people


def test_the_list_of_indicators_links_every_one_and_credits_the_source(small, browser):
    html = text(browser.get("/indicators/"))
    assert "Dochody własne na mieszkańca" in html and "Finanse" in html and "Demografia" in html
    assert f'href="{PER_CAPITA}"' in html
    assert CREDIT in html


def test_an_indicator_over_every_gmina_with_its_map_histogram_and_table(small, browser):
    html = text(browser.get(PER_CAPITA))
    assert "Wszystkie gminy, 2019" in html
    total = sum(1000 * base_factory.population(n, 2019) + 5000 * n for n in range(1, 9))
    people = sum(base_factory.population(n, 2019) for n in range(1, 9))
    assert f"<strong>{round(total / people)}</strong> zł na mieszkańca" in html  # the ratio of sums
    assert "8 z 8" in html
    assert 'data-map-shapes="8"' in html and 'role="img"' in html
    assert html.count('class="outline"') == 3  # the three voivodeships drawn over the gminas
    assert "Dane histogramu" in html and "Legenda:" in html
    # The table: the highest value first; Dąbrowa (n=1) has the most per resident.
    first = html.index("Dąbrowa Tarnowska")
    assert first < html.index("Kraków") and f"{round(per_capita(1))}" in html
    assert CREDIT in html and "wolno je ponownie wykorzystywać" in html


def test_an_indicator_in_a_powiat_maps_its_voivodeship_and_lists_its_gminas(small, browser):
    html = text(browser.get(f"{PER_CAPITA}?group=powiat-1204&year=2018"))
    assert "Powiat dąbrowski (małopolskie), 2018" in html
    assert "3 z 3" in html
    assert 'data-map-shapes="4"' in html  # małopolskie: the powiat's three gminas and Kraków
    assert 'class="mx" d=' in html  # Kraków, outside the group
    assert "Kraków: poza grupą" in html
    rows = re.findall(r'<td><a href="/indicators/units/(\d+)\?year=2018">', html)
    assert rows == ["1204023", "1204032", "1204042"]


def test_the_table_searches_sorts_and_pages_on_the_server(small, browser):
    html = text(browser.get(f"{PER_CAPITA}?q=wa%C5%82cz&sort=name&dir=desc"))
    rows = re.findall(r'<td><a href="/indicators/units/(\d+)\?year=2019">', html)
    assert rows == ["3217052", "3217011"]  # "Wałcz (gmina wiejska)", then "Wałcz"
    assert 'aria-sort="descending"' in html


def test_bad_parameters_fall_back_or_answer_404(small, browser):
    assert "Wszystkie gminy, 2019" in text(browser.get(f"{PER_CAPITA}?year=abc&map=99"))
    assert browser.get(f"{PER_CAPITA}?group=nie-ma").status_code == 404
    assert browser.get("/indicators/nie_ma_takiego").status_code == 404
    assert browser.get("/indicators/units/9999999").status_code == 404
    assert browser.get("/indicators/groups/nie-ma").status_code == 404
    assert browser.get(f"{PER_CAPITA}?page=99999999999").status_code == 200


def test_figures_kept_for_one_version_of_the_data_give_way_to_a_new_load(small, browser):
    """The pages keep their figures between requests (decision 0041) only while no values are
    loaded: a correction is on the next page read."""
    import sqlalchemy as sa

    from workflow.models import SourceKind, ValueSource, Variable, VariableValue

    def first_in_table() -> str:
        html = text(browser.get(PER_CAPITA + "?year=2019"))
        table = html[html.index('id="values"'):]
        return "Kraków" if table.index("Kraków") < table.index("Dąbrowa Tarnowska") else "Dąbrowa Tarnowska"

    def krakow() -> tuple[str, str]:
        """Own revenues per resident on Kraków's group page (its powiat: Kraków alone) and in its
        profile, both kept per version of the data with their tables (decision 0041)."""
        group = text(browser.get("/indicators/groups/powiat-1261?year=2019"))
        profile = text(browser.get("/indicators/units/1261011?year=2019"))
        in_group = re.search(r'Dochody własne na mieszkańca</a> <span class="muted">\([^)]*\)</span></th> '
                             r'<td class="num">([^<]+)</td>', group)
        in_profile = re.search(r'Dochody własne na mieszkańca</a></th> <td class="num"><a href="[^"]+" '
                               r'class="value-link">([^<]+)<', profile)
        assert in_group and in_profile, (group, profile)
        return in_group.group(1), in_profile.group(1)

    assert first_in_table() == "Dąbrowa Tarnowska"
    assert krakow() == krakow() == ("1000", "1000")  # the second reading from the kept figures
    source = ValueSource(kind=SourceKind.ENTRY, name="a correction")
    db.session.add(source)
    db.session.flush()
    revenues = db.session.scalar(sa.select(Variable.id).where(Variable.code == "dw_razem"))
    db.session.execute(sa.update(VariableValue).where(
        VariableValue.variable_id == revenues, VariableValue.year == 2019,
        VariableValue.unit_id == small.ids["1261011"]).values(value=VariableValue.value * 100,
                                                               source_id=source.id))
    db.session.commit()
    assert first_in_table() == "Kraków"
    assert krakow() == ("100 003", "100 003")  # (1000 × 780,360 + 20,000) × 100 / 780,360


def test_the_comparison_and_the_most_similar_give_way_to_a_new_import(small, browser):
    """Both pages keep their figures and tables per data version (decisions 0041, 0048): a file
    imported with a new value of Kraków's own revenues is on the next request of each."""
    from workflow.monitoring import importer

    compare = "/indicators/compare?unit=1204023&unit=1261011&year=2019"
    alike = "/indicators/groups/similar?anchor=1261011&year=2019&size=7&w-dochody_wlasne_na_mieszkanca=1"
    people = base_factory.population(4, 2019)  # Kraków is gmina 4

    def seen() -> tuple[str, str]:  # (the language form's token changes with the session)
        return tuple(re.sub(r'name="csrf_token"[^>]*>', "", text(browser.get(url)))  # type: ignore[return-value]
                     for url in (compare, alike))

    before = seen()
    assert seen() == before  # the second reading: kept
    assert ">1000<" in before[0] and ">2500<" not in before[0]  # about 1000 zł a resident
    assert ">1 000<" in before[1] and ">2 500<" not in before[1]  # (Babel's grouping there)
    importer.import_bytes(f"teryt7,year,var,value\n1261011,2019,dw_razem,{people * 2500}\n".encode(),
                          "korekta.csv")
    db.session.commit()
    after = seen()
    assert ">2500<" in after[0] and ">2 500<" in after[1], after  # the new value: 2500 zł a resident


def test_a_gminas_profile_shows_every_indicator_its_trend_and_places(small, browser):
    html = text(browser.get("/indicators/units/1204023"))
    assert "Dąbrowa Tarnowska" in html and "gmina miejsko-wiejska" in html
    assert "Wskaźniki w 2019 r." in html
    assert html.count('class="trend"') == 9  # every indicator has a line over three years
    assert "Trend od 2010 (2000) do 2019 (2090)" in html  # the population, n=1
    # Places: the highest own revenues per resident of its powiat, of 3.
    assert "Powiat dąbrowski (małopolskie)" in html and "Gminy miejsko-wiejskie" in html
    assert "1. z 3" in html and "Wartości w latach" in html
    assert CREDIT in html
    # A voivodeship's or powiat's code leads to its group.
    response = browser.get("/indicators/units/1204")
    assert response.status_code == 302 and response.location.endswith("/indicators/groups/powiat-1204")


def test_comparison_of_gminas_side_by_side_with_names_added(small, browser):
    html = text(browser.get("/indicators/compare?unit=1204023&unit=1261011&year=2018"))
    assert "Wskaźniki w 2018 r." in html
    assert html.index("Dąbrowa Tarnowska") < html.index("Kraków")
    # A chart for each of the 9 indicators with values; none for the 3 the cities report
    # through the questionnaire (defined, no values yet).
    assert html.count('class="bars"') == 9
    # A name that points at one gmina is added; one that points at two offers a choice.
    added = text(browser.get("/indicators/compare?unit=1204023&add=Kraków"))
    assert "/indicators/units/1261011" in added
    choice = text(browser.get("/indicators/compare?unit=1204023&add=wał"))
    assert "Którą gminę dodać?" in choice and "3217052" in choice
    missing = text(browser.get("/indicators/compare?unit=1204023&unit=7777777&add=Atlantyda"), 400)
    assert "Nie znaleziono gminy „Atlantyda”." in missing and "Nie ma gminy o kodzie 7777777." in missing
    assert 'value="Atlantyda"' in missing  # what was typed stays in the field
    many = "&".join(f"unit={c}" for c in [*base_factory.GMINAS, "7000001", "7000002", "7000003"])
    assert "Można porównać najwyżej 10 gmin" in text(browser.get(f"/indicators/compare?{many}"), 400)


def download(app, url: str):
    with app.app_context():
        response = app.test_client().get(url)
    assert response.status_code == 200, url
    return response


def test_files_credit_the_source_and_hold_full_precision(small, app):
    response = download(app, f"{PER_CAPITA}.csv?group=powiat-1204&year=2019")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0][0] == "Kod TERYT" and rows[0][-1] == "Źródło"
    assert [r[0] for r in rows[1:]] == ["1204023", "1204032", "1204042"]
    assert float(rows[1][4].replace(",", ".")) == pytest.approx(per_capita(1))
    assert all(r[-1] == CREDIT for r in rows[1:])
    book = openpyxl.load_workbook(io.BytesIO(download(app, f"{PER_CAPITA}.xlsx").get_data()))
    assert book.sheetnames == ["Wartości", "Źródło i definicje"]
    assert book["Źródło i definicje"]["B2"].value == CREDIT
    for url in ("/indicators/units/1204023.xlsx", "/indicators/compare.xlsx?unit=1204023&unit=3217011",
                "/indicators/groups/powiat-1204.xlsx"):
        sheets = openpyxl.load_workbook(io.BytesIO(download(app, url).get_data()))
        assert CREDIT in str([c.value for s in sheets for row in s.iter_rows() for c in row]), url
    definition = json.loads(download(app, "/indicators/groups/powiat-1204.json").get_data())
    assert definition["definition"] == {"within": "1204"} and len(definition["members"]) == 3
    assert definition["source"] == CREDIT


def test_the_groups_and_a_groups_page(small, browser):
    html = text(browser.get("/indicators/groups/"))
    assert "Województwo małopolskie" in html and "Gminy miejskie" in html
    assert "Gminy od 200 tys. mieszkańców" in html and "Powiat wałecki (zachodniopomorskie)" in html
    page = text(browser.get("/indicators/groups/kind-rural?year=2019"))
    assert "Gminy wiejskie" in page and "kind-rural" in page and "&#34;kind&#34;: &#34;rural&#34;" in page
    assert "4 z 4" in page  # every rural gmina has the per-capita figure
    assert CREDIT in page


def test_a_signed_in_person_saves_a_list_and_hears_what_is_wrong(world, app, login):
    base_factory.build()
    assert "/login" in Browser(app).get("/indicators/groups/new").location
    person = login("coordinator@example.pl")
    person.get("/indicators/groups/new")
    refused = person.post("/indicators/groups/new", {"name": "Moje", "units": "1204023 5555555"})
    html = text(refused, 400)
    assert "Nie ma gmin o tych kodach TERYT: 5555555." in html and "1204023 5555555" in html
    saved = person.post("/indicators/groups/new", {"name": "Moje", "units": "1204023 3217011"})
    assert saved.status_code == 302 and "/indicators/groups/list-" in saved.location
    html = text(person.get(saved.location))
    assert "Moje" in html and "Wałcz" in html and "Dąbrowa Tarnowska" in html


def test_a_group_changed_by_flask_groups_standard_is_on_the_next_request(small, app, browser):
    """The choice of groups and the figures are kept per data version, which sees a group changed
    in place (decision 0049): the register's voivodeship renamed, then `flask groups standard`."""
    from workflow.models import TerritorialUnit

    url = f"{PER_CAPITA}?group=voivodeship-12"
    for asked in (url, PER_CAPITA, url):  # the second request of `url` is served from what is kept
        assert "Województwo małopolskie" in text(browser.get(asked))
    runner = app.test_cli_runner()
    assert "zmienione / updated 0," in runner.invoke(args=["groups", "standard"]).output  # nothing changed
    assert "Województwo małopolskie, 2019" in text(browser.get(url))
    region = db.session.scalars(sa.select(TerritorialUnit).where(TerritorialUnit.code == "12")).one()
    region.name = "MAŁOPOLSKA"
    db.session.commit()  # the register corrected in place (as `flask units load` does)
    result = runner.invoke(args=["groups", "standard"])
    assert result.exit_code == 0 and "zmienione / updated 0," not in result.output, result.output
    html = text(browser.get(url))
    assert "Województwo małopolska, 2019" in html and "małopolskie" not in html  # the powiats' names too
    assert '<option value="voivodeship-12" selected>Województwo małopolska</option>' in html
    assert "Województwo małopolska</option>" in text(browser.get(PER_CAPITA))
    browser.post("/language", {"lang": "en", "next": "/indicators/"})
    english = text(browser.get(url))
    assert "Małopolska Voivodeship, 2019" in english


def test_a_list_saved_through_the_page_is_on_the_next_request_of_the_indicator_page(world, app, login):
    from workflow.monitoring import groups

    base_factory.build()
    code = groups.definition_code("list", {"name": "Moje", "units": ["1204023", "3217011"]})
    person = login("coordinator@example.pl")
    assert "Wszystkie gminy, 2019" in text(person.get(PER_CAPITA))  # the choice of groups kept
    assert person.get(f"{PER_CAPITA}?group={code}").status_code == 404
    person.get("/indicators/groups/new")
    saved = person.post("/indicators/groups/new", {"name": "Moje", "units": "1204023 3217011"})
    assert saved.location.endswith(f"/indicators/groups/{code}")
    html = text(person.get(f"{PER_CAPITA}?group={code}"))
    assert "Moje, 2019" in html and f'<option value="{code}" selected>Moje</option>' in html
    assert "2 z 2" in html
    assert f'value="{code}"' not in text(person.get(PER_CAPITA))  # a person's list is no one's choice


SIMILAR = "/indicators/groups/similar?anchor=3018073&year=2019&size=3&w-ludnosc=1&w-gestosc_zaludnienia=2"


def test_anyone_finds_the_most_similar_gminas_and_a_signed_in_person_saves_them(world, app, login):
    base_factory.build()
    anonymous = Browser(app)
    html = text(anonymous.get(SIMILAR))
    assert "Najbardziej podobne do: Ostrzeszów (2019)" in html
    assert "Aby zapisać tę grupę pod stałym adresem, zaloguj się." in html
    assert "/login" in anonymous.post("/indicators/groups/similar", {"anchor": "3018073"}).location
    person = login("coordinator@example.pl")
    person.get(SIMILAR)
    fields = {"anchor": "3018073", "year": "2019", "size": "3", "among": "all", "w-ludnosc": "1",
              "w-gestosc_zaludnienia": "2"}
    saved = person.post("/indicators/groups/similar", fields)
    assert saved.status_code == 302 and "/indicators/groups/similar-" in saved.location
    page = text(person.get(saved.location))
    assert "Najbardziej podobne do: Ostrzeszów (2019)" in page and "Odległość" in page
    assert person.post("/indicators/groups/similar", fields).location == saved.location  # the same group


def test_the_similar_form_says_what_is_wrong(small, browser):
    html = text(browser.get("/indicators/groups/similar?anchor=Atlantyda&year=2019&w-ludnosc=1"), 400)
    assert "Podaj kod TERYT gminy (7 cyfr) albo nazwę, która wskazuje jedną gminę." in html
    assert 'value="Atlantyda"' in html
    html = text(browser.get("/indicators/groups/similar?anchor=3018073&year=2019"), 400)
    assert "Wybierz co najmniej jeden wskaźnik." in html
    html = text(browser.get("/indicators/groups/similar?anchor=3018073&year=2019&w-ludnosc=abc"), 400)
    assert "Waga musi być liczbą." in html
    html = text(browser.get("/indicators/groups/similar?anchor=Ostrzesz%C3%B3w&year=2019&w-ludnosc=1"))
    assert "Najbardziej podobne do: Ostrzeszów (2019)" in html  # a name that names one gmina


def test_pages_read_in_english(small, browser):
    browser.post("/language", {"lang": "en", "next": "/indicators/"})
    html = text(browser.get(f"{PER_CAPITA}?group=kind-urban"))
    assert "Own revenues per capita" in html and "Urban gminas, 2019" in html
    assert "PLN per resident" in html
    assert "Source: Statistics Poland (GUS), Local Data Bank" in html


# --- the number of statements ---------------------------------------------------------------------

PAGES = {
    # (computed, cached): + the revision notes and comments (one, never cached, decision 0039);
    # the indicator pages, when kept: the data's version and the notes (the choice of groups is
    # kept with the figures, decision 0049)
    "indicator, all gminas": (PER_CAPITA, (9, 2)),
    "indicator in a voivodeship": (f"{PER_CAPITA}?group=voivodeship-12", (9, 2)),
    "indicator in a powiat": (f"{PER_CAPITA}?group=powiat-3018&map=30", (9, 2)),
    "indicator in a population class": (f"{PER_CAPITA}?group=population-50000-100000", (9, 2)),
    "indicator in a list": (f"{PER_CAPITA}?group=monitoring-cities", (10, 2)),
    "indicator as CSV": (f"{PER_CAPITA}.csv?group=kind-rural", (7, 1)),
    "profile": ("/indicators/units/3018073", (9, 4)),
    "profile of a gmina in a list": ("/indicators/units/1261011", (10, 4)),
    "comparison": ("/indicators/compare?unit=3018073&unit=1204023&unit=1261011", (7, 2)),
    "comparison, a gmina added by name": ("/indicators/compare?unit=3018073&add=Krak", (8, 3)),
    "group": ("/indicators/groups/voivodeship-30", (7, 2)),
    "group, population class": ("/indicators/groups/population-5000-10000", (8, 2)),
    "groups": ("/indicators/groups/", (3, 3)),
    "index": ("/indicators/", (1, 1)),
    "similar": (SIMILAR, (8, 1)),
    "similar within a group": (SIMILAR + "&among=voivodeship-30", (10, 2)),
}


def statements(app, url: str) -> tuple[int, int]:
    """The statements of a page whose figures are computed, then of the same page served from
    the cache of decision 0041."""
    from workflow.monitoring import cache

    client = Browser(app)
    client.get(url)
    counts = []
    for _ in range(2):
        if not counts:
            cache.clear()
        with count_queries(db.engine) as log:
            response = client.get(url)
        assert response.status_code == 200, url
        counts.append(log.count)
    return counts[0], counts[1]


@pytest.mark.parametrize("name", PAGES)
def test_a_page_issues_the_same_statements_for_eight_gminas_as_for_seventy(ctx, app, name):
    url, expected = PAGES[name]
    base_factory.build()
    few = statements(app, url)
    from support import empty_tables

    empty_tables()
    base_factory.build(extra=62)
    many = statements(app, url)
    assert few == many == expected, (name, few, many)
    assert max(many) <= 10

"""The open API /api/v1 (workflow/api/) as its users meet it, on a small indicator base loaded
from the real GUS BDL files: values of a sample against the raw figures, the keyset pages
and their next links, CSV, JSON-stat 2.0, ETag and 304, problem details, the per-address
limit, and a fixed number of SQL statements per request at two sizes of the base."""

from __future__ import annotations

import csv
import io
import math

import pytest
import sqlalchemy as sa
from factories.api import DABROWA, KRAKOW, LARGER, WALCZ, WROCLAW, build_base
from support.accounts import new_address
from support.querycount import count_queries

from workflow.extensions import db
from workflow.models import (
    Dimension,
    Indicator,
    IndicatorType,
    IndicatorVersion,
    MonitoringArea,
    Polarity,
    TerritorialUnit,
    Variable,
    VariableValue,
)
from workflow.monitoring import values as monitoring_values

SAMPLE = (KRAKOW, WROCLAW, WALCZ, DABROWA)
INDICATORS = ("dochody_wlasne_na_mieszkanca", "gestosc_zaludnienia", "ludnosc",
              "udzial_dochodow_z_majatku", "udzial_ludnosci_w_wieku_poprodukcyjnym",
              "udzial_podatku_od_nieruchomosci", "udzial_podatku_rolnego",
              "wskaznik_obciazenia_demograficznego", "zmiana_liczby_ludnosci_od_2010")
# Defined, without values in the BDL files: the cities' questionnaire's (decision 0037).
QUESTIONNAIRE_INDICATORS = ("uczestnicy_imprez_na_1000", "wydatki_na_kulture_na_mieszkanca",
                            "wypozyczenia_na_mieszkanca")


@pytest.fixture
def base(ctx, tmp_path):
    build_base(tmp_path)


@pytest.fixture
def client(app):
    """A client of its own address, so the shared app's limiter never counts across tests."""
    c = app.test_client()
    c.environ_base["REMOTE_ADDR"] = new_address()
    return c


def get_json(client, url, status=200, **kw):
    response = client.get(url, **kw)
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def all_pages(client, url):
    """Every item, following next links; and how many pages it took."""
    items, pages = [], 0
    while url:
        page = get_json(client, url)
        pages += 1
        items += page["items"]
        url = page["links"]["next"]
        assert pages < 1000
    return items, pages


# --- values ------------------------------------------------------------------------------------

def test_krakows_population_on_31_december_2019(base, client):
    page = get_json(client, f"/api/v1/values?indicator=ludnosc&unit={KRAKOW}&year=2019")
    assert page["items"] == [{"indicator": "ludnosc", "version": 1, "unit": KRAKOW, "unit_name": "Kraków",
                              "year": 2019, "value": 779_115, "status": "final"}]
    assert page["links"]["next"] is None and page["limit"] == 5_000
    assert page["sources"][0]["credit"] == "Źródło: GUS, Bank Danych Lokalnych"


def test_values_equal_the_one_algorithms_for_every_indicator_unit_and_year(base, client):
    items, _pages = all_pages(client, "/api/v1/values?unit=" + ",".join(SAMPLE))
    got = {(i["indicator"], i["unit"], i["year"]): i["value"] for i in items}
    assert {i["indicator"] for i in items} == set(INDICATORS)
    assert {i["year"] for i in items} == set(range(2010, 2020))
    for code in INDICATORS:
        for year in (2010, 2015, 2019):
            expected = monitoring_values.indicator_values(code, year, SAMPLE)
            assert {u: got[(code, u, year)] for u in expected} == pytest.approx(expected, rel=1e-12)
    # Values come in order: indicator, year, unit.
    keys = [(i["indicator"], i["year"], i["unit"]) for i in items]
    assert keys == sorted(keys)


def test_filters_by_group_level_and_years(base, client):
    page = get_json(client, "/api/v1/values?indicator=ludnosc&group=voivodeship-12"
                            "&year_from=2018&year_to=2019")
    units = {i["unit"] for i in page["items"]}
    assert units and all(u.startswith("12") for u in units) and KRAKOW in units
    assert {i["year"] for i in page["items"]} == {2018, 2019}
    urban = get_json(client, "/api/v1/values?indicator=ludnosc&group=kind-urban&year=2019")["items"]
    assert {i["unit"] for i in urban} == {"0201011", WROCLAW, KRAKOW, WALCZ}
    # Powiats have no values of their own in the base: an empty page, not an error.
    assert get_json(client, "/api/v1/values?level=powiat&year=2019")["items"] == []
    # An old version of a definition still computes (here: the only one).
    assert get_json(client, f"/api/v1/values?indicator=ludnosc&version=1&unit={KRAKOW}&year=2019"
                    )["items"][0]["value"] == 779_115


def test_pages_follow_next_links_and_cover_every_value_once(base, client):
    url = "/api/v1/values?indicator=ludnosc,gestosc_zaludnienia&year=2018,2019"
    whole = get_json(client, url + "&limit=10000")
    assert whole["links"]["next"] is None
    items, pages = all_pages(client, url + "&limit=7")
    assert items == whole["items"] and len(items) == 2 * 2 * 20
    assert pages == math.ceil(len(items) / 7)
    first = client.get(url + "&limit=7")
    body = first.get_json()
    assert first.headers["Link"] == f'<{body["links"]["next"]}>; rel="next"'
    assert body["links"]["next"].endswith("&after=gestosc_zaludnienia:2018:0264011")
    # A cursor past the end gives an empty last page; one in between, the rest.
    assert get_json(client, url + "&after=ludnosc:2019:9999999")["items"] == []
    rest = get_json(client, url + "&after=ludnosc:2018:9999999")["items"]
    assert [i["year"] for i in rest] == [2019] * 20


def test_a_page_skips_units_without_a_value_and_still_fills(base, client):
    """Three gminas lose their own revenues of 2019: they have no value per capita then. The
    pages skip them and still hold `limit` items each (all but the last)."""
    gone = ("0201022", "0201032", KRAKOW)
    revenue = db.session.scalar(sa.select(Variable.id).where(Variable.code == "dw_razem"))
    db.session.execute(sa.delete(VariableValue).where(
        VariableValue.variable_id == revenue, VariableValue.year == 2019,
        VariableValue.unit_id.in_(sa.select(TerritorialUnit.id).where(TerritorialUnit.code.in_(gone)))))
    db.session.commit()
    url = "/api/v1/values?indicator=dochody_wlasne_na_mieszkanca&year=2019"
    whole = get_json(client, url)["items"]
    assert len(whole) == 20 - 3 and not {i["unit"] for i in whole} & set(gone)
    sizes = []
    page_url = url + "&limit=4"
    while page_url:
        page = get_json(client, page_url)
        sizes.append(len(page["items"]))
        page_url = page["links"]["next"]
    assert sizes == [4, 4, 4, 4, 1]
    assert all_pages(client, url + "&limit=4")[0] == whole


def test_pages_pass_over_indicators_without_any_value(base, client):
    """Two indicators (first in the order of codes) over a variable with no value at all: a page
    reads the years of only the few indicators it may reach, and its next link passes them."""
    nothing = Variable(code="nothing", name_pl="nic", name_en="nothing", measure_unit="x", credit="x")
    db.session.add(nothing)
    for code in ("aaa_empty", "aab_empty"):
        indicator = Indicator(code=code)
        indicator.versions.append(IndicatorVersion(
            version=1, name_pl=code, name_en=code, description_pl="-", description_en="-",
            area=MonitoringArea.FINANCE, kind=IndicatorType.CONTEXT, dimension=Dimension.NONE,
            measure_unit_pl="x", measure_unit_en="x", polarity=Polarity.NEUTRAL, decimals=0,
            formula={"numerator": [{"variable": "nothing"}], "denominator": [], "scale": 1},
            credit="x", licence="x"))
        db.session.add(indicator)
    db.session.commit()
    whole = get_json(client, "/api/v1/values?year=2019&limit=10000")
    assert whole["links"]["next"] is None and len(whole["items"]) == 9 * 20
    first = get_json(client, "/api/v1/values?year=2019&limit=7")
    assert first["items"] == [] and first["links"]["next"].endswith("after=aab_empty:9999:9999999")
    items, _pages = all_pages(client, "/api/v1/values?year=2019&limit=7")
    assert items == whole["items"]
    aggregates, _pages = all_pages(client, "/api/v1/aggregates?group=all&year=2019&limit=1")
    assert [a["indicator"] for a in aggregates] == sorted(INDICATORS)


def test_csv_has_the_json_items_and_the_source_credit(base, client):
    response = client.get("/api/v1/values?indicator=ludnosc,udzial_podatku_rolnego&year=2019&format=csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and "charset=utf-8" in response.content_type
    text = response.get_data(as_text=True)
    assert not text.startswith("\ufeff") and "\r\n" in text
    rows = list(csv.DictReader(io.StringIO(text)))
    items = get_json(client, "/api/v1/values?indicator=ludnosc,udzial_podatku_rolnego&year=2019")["items"]
    assert len(rows) == len(items) == 40
    for row, item in zip(rows, items, strict=True):
        assert row["unit"] == item["unit"] and row["unit_name"] == item["unit_name"]
        assert float(row["value"]) == item["value"]
        assert row["credit"] == "Źródło: GUS, Bank Danych Lokalnych"
    krakow = next(r for r in rows if r["unit"] == KRAKOW and r["indicator"] == "ludnosc")
    assert krakow["value"] == "779115.0"


def test_json_stat_is_a_valid_dataset_of_the_slice(base, client):
    url = "/api/v1/values?indicator=ludnosc,gestosc_zaludnienia&year=2018,2019&format=jsonstat&lang=en"
    dataset = get_json(client, url)
    check_json_stat(dataset)
    assert dataset["id"] == ["indicator", "year", "unit"]
    assert dataset["size"] == [2, 2, 20]
    assert dataset["role"] == {"metric": ["indicator"], "time": ["year"], "geo": ["unit"]}
    assert dataset["dimension"]["indicator"]["category"]["label"]["ludnosc"] == "Population"
    units = dataset["dimension"]["indicator"]["category"]["unit"]
    assert units["ludnosc"] == {"label": "persons", "decimals": 0}
    assert dataset["source"] == "Źródło: GUS, Bank Danych Lokalnych"
    assert cell(dataset, indicator="ludnosc", year="2019", unit=KRAKOW) == 779_115
    assert dataset["dimension"]["unit"]["category"]["label"][KRAKOW] == "Kraków"
    # Every value of the JSON pages sits in its cell.
    for item in get_json(client, url.replace("&format=jsonstat&lang=en", ""))["items"]:
        where = {"indicator": item["indicator"], "year": str(item["year"]), "unit": item["unit"]}
        assert cell(dataset, **where) == item["value"]
    polish = get_json(client, url.replace("lang=en", "lang=pl"))
    assert polish["dimension"]["indicator"]["category"]["label"]["ludnosc"] == "Liczba ludności"


def test_json_stat_of_aggregates(base, client):
    dataset = get_json(client, "/api/v1/aggregates?group=voivodeship-12,kind-urban&indicator=ludnosc"
                               "&year=2019&format=jsonstat")
    check_json_stat(dataset)
    assert dataset["size"] == [1, 1, 2, 8]
    total = cell(dataset, indicator="ludnosc", year="2019", group="voivodeship-12", statistic="value")
    counted = cell(dataset, indicator="ludnosc", year="2019", group="voivodeship-12", statistic="count")
    assert counted == 8 and total > 779_115


def test_json_stat_refuses_pages_and_too_large_slices(base, client, monkeypatch):
    refused = get_json(client, "/api/v1/values?format=jsonstat&limit=10", status=400)
    assert "after" in refused["errors"]["format"][0]
    from workflow.api import slices

    monkeypatch.setattr(slices, "MAX_CELLS", 100)
    too_large = get_json(client, "/api/v1/values?format=jsonstat", status=400,
                         headers={"Accept-Language": "en"})
    assert "and JSON-stat returns at most 100" in too_large["errors"]["format"][0]


# --- JSON-stat 2.0, as its specification says (https://json-stat.org/format/) ----------------

def check_json_stat(dataset: dict) -> None:
    assert dataset["version"] == "2.0" and dataset["class"] == "dataset"
    ids, size = dataset["id"], dataset["size"]
    assert isinstance(ids, list) and len(ids) == len(set(ids)) == len(size)
    assert all(isinstance(n, int) and n >= 0 for n in size)
    assert set(dataset["dimension"]) == set(ids)
    for dim, n in zip(ids, size, strict=True):
        category = dataset["dimension"][dim]["category"]
        index = category["index"]
        positions = index if isinstance(index, list) else sorted(index, key=index.get)
        assert len(positions) == len(set(positions)) == n
        assert all(isinstance(p, str) for p in positions)
        assert set(category.get("label", {})) <= set(positions)
        for unit in category.get("unit", {}).values():
            assert isinstance(unit.get("decimals", 0), int) and unit.get("decimals", 0) >= 0
    for role, members in dataset.get("role", {}).items():
        assert role in ("time", "geo", "metric") and set(members) <= set(ids)
    cells = math.prod(size)
    values = dataset["value"]
    if isinstance(values, list):
        assert len(values) == cells
        assert all(v is None or isinstance(v, int | float) for v in values)
    else:
        assert all(0 <= int(k) < cells for k in values)
    status = dataset.get("status")
    if isinstance(status, dict):
        assert all(0 <= int(k) < cells and isinstance(v, str) for k, v in status.items())
    elif isinstance(status, list):
        assert len(status) in (1, cells)


def cell(dataset: dict, **where: str):
    """The value at the categories `where` names, by row-major arithmetic over id and size."""
    offset = 0
    for dim, n in zip(dataset["id"], dataset["size"], strict=True):
        index = dataset["dimension"][dim]["category"]["index"]
        position = index.index(where[dim]) if isinstance(index, list) else index[where[dim]]
        offset = offset * n + position
    return dataset["value"][offset]


# --- groups, units, indicators -----------------------------------------------------------------

def test_groups_with_definitions_and_aggregates_by_the_one_algorithm(base, client):
    groups, _pages = all_pages(client, "/api/v1/groups?limit=4")
    ids = [g["id"] for g in groups]
    assert ids == sorted(ids)
    assert {"all", "voivodeship-12", "powiat-1261", "kind-urban", "kind-rural",
            "kind-urban-rural"} <= set(ids)
    krakow_powiat = next(g for g in groups if g["id"] == "powiat-1261")
    assert krakow_powiat["definition"] == {"within": "1261"}
    assert krakow_powiat["name_en"] == "Kraków (city with powiat status)"
    assert next(g for g in groups if g["id"] == "kind-urban-rural")["definition"] == {"kind": "urban_rural"}
    assert next(g for g in groups if g["id"] == "voivodeship-12")["name_pl"] == "Województwo małopolskie"
    assert next(g for g in groups if g["id"] == "powiat-1204")["name_pl"] == "Powiat dąbrowski (małopolskie)"
    assert krakow_powiat["members"] == 1
    detail = get_json(client, "/api/v1/groups/voivodeship-12")
    members = [u["code"] for u in detail["units"]]
    assert detail["members"] == len(members) == 8 and KRAKOW in members

    page = get_json(client, "/api/v1/aggregates?group=voivodeship-12&indicator=dochody_wlasne_na_mieszkanca"
                            "&year=2019")
    [aggregate] = page["items"]
    direct = monitoring_values.group_aggregate("dochody_wlasne_na_mieszkanca", 2019, members)
    assert aggregate["value"] == pytest.approx(direct.value)
    assert (aggregate["count"], aggregate["members"]) == (direct.count, direct.members) == (8, 8)
    for key, attr in (("min", "minimum"), ("q1", "q1"), ("median", "median"), ("q3", "q3"),
                      ("max", "maximum")):
        assert aggregate[key] == pytest.approx(getattr(direct, attr))


def test_the_saved_groups_with_stable_ids_and_their_definitions(base, client):
    """The API's groups are the indicator base's saved ones (unit_group): a list, with its
    definition and members, filters values and aggregates like any group (decision 0039)."""
    from workflow.monitoring import groups as peer_groups

    saved = peer_groups.save_list("Moja lista", f"{KRAKOW} {WALCZ} {DABROWA}", None)
    db.session.commit()
    lists = get_json(client, "/api/v1/groups?kind=list")["items"]
    mine = next(g for g in lists if g["id"] == saved.code)
    assert mine["definition"] == {"units": [KRAKOW, WALCZ, DABROWA]} and mine["members"] == 3
    cities = next(g for g in lists if g["id"] == "monitoring-cities")
    assert KRAKOW in cities["definition"]["units"] and cities["members"] == 1  # Kraków: the one in this base
    detail = get_json(client, f"/api/v1/groups/{saved.code}")
    assert sorted(u["code"] for u in detail["units"]) == sorted([KRAKOW, WALCZ, DABROWA])
    values = get_json(client, f"/api/v1/values?indicator=ludnosc&year=2019&group={saved.code}")["items"]
    assert sorted(v["unit"] for v in values) == sorted([KRAKOW, WALCZ, DABROWA])
    url = f"/api/v1/aggregates?indicator=ludnosc&year=2019&group={saved.code}"
    [aggregate] = get_json(client, url)["items"]
    direct = monitoring_values.group_aggregate("ludnosc", 2019, [KRAKOW, WALCZ, DABROWA])
    assert aggregate["value"] == pytest.approx(direct.value) and aggregate["count"] == 3
    assert get_json(client, f"/api/v1/units/{WALCZ}")["groups"][-1] == saved.code
    # Population classes depend on the year read: not served in v1 yet.
    assert "population-5000-10000" not in {g["id"] for g in all_pages(client, "/api/v1/groups")[0]}
    get_json(client, "/api/v1/groups/population-5000-10000", status=404)


def test_aggregate_pages_and_csv(base, client):
    url = "/api/v1/aggregates?group=all,kind-urban,kind-rural&indicator=ludnosc,gestosc_zaludnienia"
    items, pages = all_pages(client, url + "&limit=5")
    assert len(items) == 2 * 10 * 3 and pages == 12
    # A page of aggregates covers at most 10 indicator-years, whatever its limit.
    first = get_json(client, url)
    assert len(first["items"]) == 10 * 3
    assert first["links"]["next"].endswith("after=gestosc_zaludnienia:2019:kind-urban")
    assert all_pages(client, url)[0] == items
    rows = list(csv.DictReader(io.StringIO(client.get(url + "&format=csv&year=2019").get_data(as_text=True))))
    assert [r["group"] for r in rows] == ["all", "kind-rural", "kind-urban"] * 2
    assert all(r["credit"] == "Źródło: GUS, Bank Danych Lokalnych" for r in rows)


def test_units_indicators_and_variables(base, client):
    krakow = get_json(client, f"/api/v1/units/{KRAKOW}")
    assert (krakow["name"], krakow["kind"], krakow["parent"]) == ("Kraków", "urban", "1261")
    assert [p["code"] for p in krakow["parents"]] == ["12", "1261"]
    assert krakow["groups"] == ["all", "voivodeship-12", "powiat-1261", "kind-urban", "monitoring-cities"]
    units, pages = all_pages(client, "/api/v1/units?limit=10")
    assert len(units) == 3 + 5 + 20 and pages == 3
    powiats = get_json(client, "/api/v1/units?parent=12")["items"]
    assert [u["code"] for u in powiats] == ["1204", "1261"]
    assert all(u["level"] == "gmina" for u in get_json(client, "/api/v1/units?group=kind-rural")["items"])
    rows = list(csv.DictReader(io.StringIO(client.get("/api/v1/units?format=csv").get_data(as_text=True))))
    assert len(rows) == 28 and rows[0] == {"code": "02", "name": "DOLNOŚLĄSKIE", "level": "voivodeship",
                                           "kind": "voivodeship", "parent": "", "register_date": "2024-01-01"}

    indicators = get_json(client, "/api/v1/indicators")["items"]
    assert [i["code"] for i in indicators] == sorted(INDICATORS + QUESTIONNAIRE_INDICATORS)
    population = get_json(client, "/api/v1/indicators/ludnosc")
    assert population["versions"][0]["formula"]["numerator"][0] == {"variable": "ludnosc_przedprod"}
    assert get_json(client, "/api/v1/indicators/ludnosc/versions/1")["name_en"] == "Population"
    assert len(get_json(client, "/api/v1/indicators?area=demography")["items"]) == 5
    assert "definition.name_pl" in client.get("/api/v1/indicators?format=csv").get_data(as_text=True)
    variables = get_json(client, "/api/v1/variables")["items"]
    assert "ludnosc_poprod" in {v["code"] for v in variables}


# --- HTTP: caching, errors, limits, cross-origin -------------------------------------------------

def test_etag_and_304(base, client):
    url = f"/api/v1/values?indicator=ludnosc&unit={KRAKOW}"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, max-age=300"
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag
    assert client.get(url, headers={"If-None-Match": '"something else"'}).status_code == 200
    assert client.get(url + "&year=2019").headers["ETag"] != etag
    assert client.get(url + "&format=csv").headers["ETag"] != etag
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in first.headers["Access-Control-Expose-Headers"]


def test_bad_input_is_a_problem_with_what_to_correct_in_either_language(base, client):
    problem = get_json(client, "/api/v1/values?year=20x9&years=2019&limit=0", status=400)
    assert problem["title"] == "Niepoprawne żądanie" and problem["status"] == 400
    assert set(problem["errors"]) == {"year", "years", "limit"}
    assert problem["errors"]["years"][0].startswith("Nieznany parametr years.")
    english = client.get("/api/v1/values?year=20x9", headers={"Accept-Language": "en"})
    assert english.mimetype == "application/problem+json" and english.headers["Cache-Control"] == "no-store"
    body = english.get_json()
    assert body["errors"]["year"] == ["Wrong value of the parameter year: 20x9.",
                                      "Years, separated by commas, e.g. 2019 or 2015,2019; without this "
                                      "parameter: every year with data."]
    unknown = get_json(client, "/api/v1/values?indicator=no_such", status=400)
    assert "no_such" in unknown["errors"]["indicator"][0]
    assert "version" in get_json(client, "/api/v1/values?version=1", status=400)["errors"]
    assert "year_from" in get_json(client, "/api/v1/values?year_from=2019&year_to=2010", status=400)["errors"]
    assert "group" in get_json(client, "/api/v1/aggregates?group=voivodeship-99", status=400)["errors"]
    assert "group" in get_json(client, "/api/v1/aggregates", status=400)["errors"]
    assert "after" in get_json(client, "/api/v1/values?after=not-a-cursor", status=400)["errors"]
    for url in ("/api/v1/units/9999999", "/api/v1/units/abc", "/api/v1/indicators/nothing",
                "/api/v1/indicators/ludnosc/versions/7", "/api/v1/groups/powiat-9999", "/api/v1/nowhere"):
        missing = client.get(url)
        assert missing.status_code == 404 and missing.mimetype == "application/problem+json", url
    assert client.post("/api/v1/values").status_code == 405
    assert client.post("/api/v1/values").mimetype == "application/problem+json"


def test_the_per_address_limit_answers_429_with_a_clear_message(base, app, monkeypatch):
    monkeypatch.setitem(app.config, "API_LIMIT_PER_ADDRESS", "3 per minute")
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = new_address()
    for _ in range(3):
        assert client.get("/api/v1/units?limit=1").status_code == 200
    refused = client.get("/api/v1/units?limit=1", headers={"Accept-Language": "en"})
    assert refused.status_code == 429 and refused.mimetype == "application/problem+json"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    body = refused.get_json()
    assert body["title"] == "Too many requests"
    assert "than the limit allows (3 / 60 s)" in body["detail"]
    polish = client.get("/api/v1/units?limit=1")
    assert polish.status_code == 429 and "Spróbuj ponownie za" in polish.get_json()["detail"]
    # Another address is not held back.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = new_address()
    assert other.get("/api/v1/units?limit=1").status_code == 200


# --- a fixed number of statements ----------------------------------------------------------------

# The statements of each request (workflow/api/slices.py says which): the same at 20 gminas and
# at 24 + four powiats of Śląskie, at a page of 5 and of 10,000.
STATEMENTS = {
    "/api/v1/": 1,                                           # the indicators' versions
    "/api/v1/units?limit=5": 1,
    f"/api/v1/units/{KRAKOW}": 2,                            # + the stored groups that hold it
    "/api/v1/variables": 1,
    "/api/v1/indicators": 1,
    "/api/v1/indicators/ludnosc": 1,
    "/api/v1/values?limit=5": 4,                             # versions, years, units, values
    "/api/v1/values?limit=10000": 4,
    "/api/v1/values?indicator=ludnosc&group=voivodeship-12&format=csv": 6,  # + the group (2)
    "/api/v1/values?indicator=ludnosc,gestosc_zaludnienia&format=jsonstat": 4,
    "/api/v1/groups": 3,                                     # unit_group, counts, stored members
    "/api/v1/groups/voivodeship-12": 3,                      # unit_group, counts, the members
    # the groups (2), versions, years, the members of the groups, values
    "/api/v1/aggregates?group=all,voivodeship-12,kind-urban&limit=5": 6,
    "/api/v1/aggregates?group=all,voivodeship-12,kind-urban&format=jsonstat&indicator=ludnosc": 6,
}


def statements(client) -> dict[str, int]:
    out = {}
    for url in STATEMENTS:
        with count_queries(db.engine) as log:
            response = client.get(url)
        assert response.status_code == 200, (url, response.get_data(as_text=True)[:300])
        out[url] = log.count
    return out


def test_each_request_issues_a_fixed_number_of_statements(ctx, client, tmp_path):
    build_base(tmp_path)
    small = statements(client)
    assert small == STATEMENTS
    build_base(tmp_path, LARGER)
    assert statements(client) == STATEMENTS

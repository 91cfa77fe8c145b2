"""The OpenAPI document of /api/v1: valid OpenAPI 3.1, generated from the code, covering every
route, matched by every answer, and never breaking the committed copy (docs/api/openapi-v1.json):
a removed path, parameter or field, or a changed type, fails here; additions pass. After an
addition, record it: `flask --app wsgi api openapi --write docs/api/openapi-v1.json`."""

from __future__ import annotations

import copy
import json
import re

import pytest
from factories.api import KRAKOW, build_base
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi
from support.accounts import new_address

from workflow.api import compat, openapi
from workflow.cli.api import COMMITTED


@pytest.fixture
def generated(app):
    with app.test_request_context():
        return openapi.document(app, "en")


@pytest.fixture
def committed():
    return json.loads(COMMITTED.read_text(encoding="utf-8"))


def test_the_document_is_valid_openapi(generated, committed):
    validate_openapi(generated)
    validate_openapi(committed)
    assert generated["openapi"] == "3.1.0" and generated["servers"] == [{"url": "/api/v1"}]


def test_the_generated_document_keeps_every_promise_of_the_committed_one(generated, committed):
    problems = compat.breaking_changes(committed, generated)
    assert not problems, ("the API's document breaks v1 (docs/api/openapi-v1.json):\n  "
                          + "\n  ".join(problems))


def test_every_route_of_the_api_is_documented(app, generated):
    rules = {re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", r.rule).removeprefix("/api/v1")
             for r in app.url_map.iter_rules() if r.endpoint.startswith("api_v1.")}
    assert rules == set(generated["paths"])
    ids = [op["operationId"] for item in generated["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))


def test_polish_and_english_documents_differ_only_in_words(app, generated):
    with app.test_request_context():
        polish = openapi.document(app, "pl")
    assert polish["paths"]["/values"]["get"]["summary"] == "Wartości wskaźników"
    assert generated["paths"]["/values"]["get"]["summary"] == "Indicator values"
    assert compat.breaking_changes(polish, generated) == compat.breaking_changes(generated, polish) == []


# --- the comparator itself -------------------------------------------------------------------------

def changed(document, edit):
    new = copy.deepcopy(document)
    edit(new)
    return compat.breaking_changes(document, new)


def values_op(d):
    return d["paths"]["/values"]["get"]


def param(d, name):
    return next(p for p in values_op(d)["parameters"] if p["name"] == name)


def schema(d, name):
    return d["components"]["schemas"][name]


def test_the_comparator_finds_breaking_changes(committed):
    def removed_path(d):
        del d["paths"]["/units"]

    def removed_parameter(d):
        values_op(d)["parameters"].remove(param(d, "year"))

    def new_required_parameter(d):
        values_op(d)["parameters"].append({"in": "query", "name": "key", "required": True,
                                           "schema": {"type": "string"}})

    def required_now(d):
        param(d, "indicator")["required"] = True

    def parameter_type(d):
        param(d, "limit")["schema"] = {"type": "string"}

    def narrower_enum(d):
        param(d, "format")["schema"]["enum"] = ["json", "csv"]

    def removed_field(d):
        del schema(d, "Value")["properties"]["status"]

    def field_type(d):
        schema(d, "Value")["properties"]["year"] = {"type": "string"}

    def now_nullable(d):
        schema(d, "Value")["properties"]["value"]["type"] = ["number", "null"]

    def not_always_there(d):
        schema(d, "Unit")["required"].remove("parent")

    def removed_media(d):
        del values_op(d)["responses"]["200"]["content"]["text/csv"]

    def renamed_operation(d):
        values_op(d)["operationId"] = "indicator_values"

    for edit, words in ((removed_path, "/units: path removed"),
                        (removed_parameter, "parameter year (query) removed"),
                        (new_required_parameter, "new required parameter key"),
                        (required_now, "parameter indicator (query) is now required"),
                        (parameter_type, "parameter limit (query): type ['integer'] became ['string']"),
                        (narrower_enum, "no longer accepts ['jsonstat']"),
                        (removed_field, "application/json<1>.items[].status removed"),
                        (field_type, ".items[].year: type ['integer'] became ['string']"),
                        (now_nullable, ".items[].value: type ['number'] became ['null', 'number']"),
                        (not_always_there, ".items[].parent is no longer always present"),
                        (removed_media, "200 text/csv removed"),
                        (renamed_operation, "operationId values became indicator_values")):
        problems = changed(committed, edit)
        assert any(words in p for p in problems), (edit.__name__, problems)


def test_the_comparator_lets_additions_pass(committed):
    def additions(d):
        d["paths"]["/regions"] = copy.deepcopy(d["paths"]["/units"])
        values_op(d)["parameters"].append({"in": "query", "name": "sort", "schema": {"type": "string"}})
        schema(d, "Value")["properties"]["note"] = {"type": "string"}
        schema(d, "Value")["required"].append("note")
        param(d, "format")["schema"]["enum"].append("xlsx")
        param(d, "limit")["schema"]["type"] = ["integer", "string"]
        values_op(d)["responses"]["503"] = {"description": "busy"}
        values_op(d)["description"] = "Words may change."

    assert changed(committed, additions) == []


# --- every answer matches the document -------------------------------------------------------------

ANSWERS = {
    "/api/v1/": "Index",
    "/api/v1/units?limit=3": "UnitPage",
    f"/api/v1/units/{KRAKOW}": "UnitDetail",
    "/api/v1/variables": "VariableList",
    "/api/v1/indicators": "IndicatorList",
    "/api/v1/indicators/ludnosc": "IndicatorDetail",
    "/api/v1/indicators/ludnosc/versions/1": "Definition",
    "/api/v1/values?limit=50": "ValuePage",
    "/api/v1/values?indicator=ludnosc&year=2019&format=jsonstat": "JsonStatDataset",
    "/api/v1/groups?limit=3": "GroupPage",
    "/api/v1/groups/voivodeship-12": "GroupDetail",
    "/api/v1/aggregates?group=all,kind-urban&indicator=ludnosc": "AggregatePage",
    "/api/v1/aggregates?group=all&indicator=ludnosc&year=2019&format=jsonstat": "JsonStatDataset",
    "/api/v1/values?year=x": "Problem",
    "/api/v1/units/0000000": "Problem",
}


def test_every_answer_matches_its_schema_in_the_document(app, ctx, tmp_path, generated):
    build_base(tmp_path)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = new_address()
    for url, name in ANSWERS.items():
        body = client.get(url).get_json()
        validator = Draft202012Validator({"$ref": f"#/components/schemas/{name}",
                                          "components": generated["components"]})
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)]
        assert not errors, (url, errors[:5])


def test_the_document_and_the_reference_page_are_served(app, ctx, tmp_path):
    build_base(tmp_path)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = new_address()
    served = client.get("/api/v1/openapi.json?lang=en")
    assert served.status_code == 200 and served.headers["ETag"]
    assert served.get_json()["paths"]["/values"]["get"]["summary"] == "Indicator values"
    assert client.get("/api/v1/openapi.json").get_json()["paths"]["/values"]["get"]["summary"] == \
        "Wartości wskaźników"
    for lang, words in (("pl", ("Wartości wskaźników", "Schematy odpowiedzi", "Parametry: /values")),
                        ("en", ("Indicator values", "Response schemas", "Parameters: /values"))):
        page = client.get("/api/v1/docs", headers={"Accept-Language": lang})
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and "script-src 'self'" in page.headers["Content-Security-Policy"]
        for path in ("/units/{code}", "/values", "/groups/{group_id}", "/aggregates"):
            assert f"GET /api/v1{path}</code>" in html, path
        assert all(w in html for w in words), lang
        assert 'id="schema-ValuePage"' in html and 'href="#schema-Value"' in html
        # Nothing from another site: no CDN, no script at all but the site's own menu.
        assert not re.search(r'(src|href)="(https?:)?//', html)
        assert re.findall(r"<script[^>]*>", html) in ([], ['<script src="/static/menu.js">'])

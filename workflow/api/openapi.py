"""The OpenAPI 3.1 document of /api/v1, generated from the code by apispec (decision 0033).

Each view of the API blueprint says what it is with `@operation(...)`: its tag, summary,
description, query schema, response schema and formats. `document()` walks the app's URL map
for the blueprint's rules, so a route and its description cannot part: a route without
`@operation` is missing from the document and the compatibility test names it. The schemas
(workflow/api/schemas.py) give the parameters and the response bodies through apispec's
marshmallow plugin.

The text is in the language of the request (or `lang`): the descriptions are lazy msgids.
docs/api/openapi-v1.json is the committed copy (English) that the compatibility test
(tests/test_api_openapi.py, workflow/api/compat.py) holds every later document to.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from flask_babel import force_locale
from flask_babel.speaklater import LazyString
from marshmallow import Schema, fields

from workflow.api import schemas
from workflow.refusal import _l

BLUEPRINT = "api_v1"
PREFIX = "/api/v1"
TITLE = "Ścieżka: baza wskaźników usług publicznych / public-services indicator base"
VERSION = "1.0.0"
TAGS = (
    ("api", _l("Spis zasobów API.")),
    ("units", _l("Jednostki terytorialne z rejestru TERYT: województwa, powiaty, gminy.")),
    ("indicators", _l("Zmienne źródłowe i wskaźniki: definicje wszystkich wersji.")),
    ("values", _l("Wartości wskaźników jednostek, liczone ze zmiennych jednym algorytmem.")),
    ("groups", _l("Grupy porównawcze z definicjami i ich agregaty.")),
)
FORMAT_MEDIA = {"json": "application/json", "csv": "text/csv"}


@dataclass(frozen=True)
class Operation:
    tag: str
    summary: Any
    description: Any
    response: type[Schema]
    query: type[Schema] = schemas.NoQuery
    formats: tuple[str, ...] = ("json",)
    paged: bool = False
    path: dict[str, tuple[str, Any]] = field(default_factory=dict)  # name -> (pattern, description)
    csv_columns: Any = None


def operation(**kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Attach the description of an API operation to its view."""
    described = Operation(**kwargs)

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        view.api_operation = described  # type: ignore[attr-defined]
        return view

    return decorator


class JsonStatDimensionSchema(Schema):
    label = fields.String(required=True)
    category = fields.Dict(required=True, metadata={"description": _l(
        "Kategorie wymiaru: index (kolejność identyfikatorów), label, a dla wskaźników unit "
        "(jednostka i liczba miejsc po przecinku).")})
    extension = fields.Dict()


class JsonStatDatasetSchema(Schema):
    """A dataset of JSON-stat 2.0 (https://json-stat.org/format/)."""

    version = fields.String(required=True, metadata={"description": _l("Zawsze 2.0.")})
    class_ = fields.String(required=True, data_key="class", metadata={"description": _l("Zawsze dataset.")})
    href = fields.String(required=True)
    label = fields.String(required=True)
    source = fields.String(required=True, metadata={"description": _l("Źródło danych.")})
    note = fields.List(fields.String(), required=True,
                       metadata={"description": _l("Warunki ponownego wykorzystania.")})
    id = fields.List(fields.String(), required=True, metadata={"description": _l(
        "Wymiary w kolejności: indicator, year, unit (agregaty: indicator, year, group, statistic).")})
    size = fields.List(fields.Integer(), required=True,
                       metadata={"description": _l("Liczba kategorii każdego wymiaru.")})
    role = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True)
    dimension = fields.Dict(keys=fields.String(), values=fields.Nested(JsonStatDimensionSchema),
                            required=True)
    value = fields.List(fields.Float(allow_none=True), required=True, metadata={"description": _l(
        "Wartości w porządku wierszowym (ostatni wymiar zmienia się najszybciej); null: brak wartości.")})
    status = fields.Dict(keys=fields.String(), values=fields.String(), metadata={"description": _l(
        "Status wartości, które nie są ostateczne: indeks w value -> provisional albo corrected.")})


def _name(schema: Any) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    return re.sub(r"Schema$", "", cls.__name__)


def _text(value: Any) -> Any:
    """Every lazy string of the document as text in the current language."""
    if isinstance(value, LazyString):
        return str(value)
    if isinstance(value, dict):
        return {k: _text(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_text(v) for v in value]
    return value


def _comma_lists(plugin: MarshmallowPlugin) -> None:
    """A list parameter is written comma-separated (?year=2018,2019): style form, explode false."""
    def comma(_converter: Any, field: fields.Field, **_kwargs: Any) -> dict[str, Any]:
        return {"explode": False, "style": "form"} if isinstance(field, fields.List) else {}

    assert plugin.converter is not None
    plugin.converter.add_parameter_attribute_function(comma)


def _path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule).removeprefix(PREFIX) or "/"


def _responses(op: Operation, jsonstat: Any) -> dict[str, Any]:
    ok_content: dict[str, Any] = {}
    if "jsonstat" in op.formats:
        ok_content["application/json"] = {"schema": {"oneOf": [op.response, jsonstat]}}
    else:
        ok_content["application/json"] = {"schema": op.response}
    if "csv" in op.formats:
        ok_content["text/csv"] = {"schema": {"type": "string", "description": _l(
            "Nagłówek i wiersze (RFC 4180, UTF-8, przecinek, kropka dziesiętna): %(columns)s.",
            columns=op.csv_columns or _l("te same pola co w JSON"))}}
    headers = {
        "ETag": {"description": _l("Znacznik wersji odpowiedzi; wyślij go w If-None-Match."),
                 "schema": {"type": "string"}},
        "Cache-Control": {"description": _l("Jak długo odpowiedź można przechowywać."),
                          "schema": {"type": "string"}},
    }
    if op.paged:
        headers["Link"] = {"description": _l("Odnośnik do następnej strony (rel=next), jak links.next."),
                           "schema": {"type": "string"}}
    problem = {"application/problem+json": {"schema": schemas.ProblemSchema}}
    out: dict[str, Any] = {
        "200": {"description": _l("Odpowiedź."), "headers": headers, "content": ok_content},
        "304": {"description": _l("Bez zmian od wersji o znaczniku z If-None-Match.")},
        "400": {"description": _l("Niepoprawny parametr; errors mówi, który i czego oczekuje."),
                "content": problem},
        "429": {"description": _l("Przekroczony limit zapytań z tego adresu."), "content": problem,
                "headers": {"Retry-After": {"description": _l("Po ilu sekundach spróbować ponownie."),
                                            "schema": {"type": "integer"}}}},
    }
    if op.path:
        out["404"] = {"description": _l("Nie ma takiego zasobu."), "content": problem}
    return out


def _description() -> str:
    return str(_l(
        "Otwarte API bazy wskaźników usług publicznych: jednostki terytorialne (TERYT), zmienne "
        "źródłowe, wskaźniki z definicjami wszystkich wersji, wartości wskaźników, grupy "
        "porównawcze z definicjami i ich agregaty (iloraz sum, mediana, kwartyle, minimum, "
        "maksimum, liczba jednostek). Bez klucza; limit zapytań na adres. Formaty: JSON, CSV "
        "(format=csv) i JSON-stat 2.0 dla wycinków wartości i agregatów (format=jsonstat). Listy "
        "mają strony do 10 000 pozycji (domyślnie 5 000) z odnośnikiem next (kursor, nie "
        "przesunięcie). Każda odpowiedź ma ETag i Cache-Control; If-None-Match daje 304. Wersja "
        "w ścieżce (v1) się nie psuje: nic nie znika i nie zmienia typu, mogą dochodzić nowe "
        "zasoby, parametry i pola. Identyfikatory są stałe: kod TERYT jednostki, kod wskaźnika i "
        "numer jego wersji, identyfikator grupy. Przy użyciu danych podaj ich źródło (pole "
        "credit): „Źródło: GUS, Bank Danych Lokalnych”."))


def document(app: Flask, lang: str = "en") -> dict[str, Any]:
    """The OpenAPI 3.1 document of the API blueprint's routes, in `lang`."""
    with force_locale(lang):
        plugin = MarshmallowPlugin(schema_name_resolver=_name)
        spec = APISpec(title=TITLE, version=VERSION, openapi_version="3.1.0", plugins=[plugin],
                       info={"description": _description(),
                             "license": {"name": "Dane GUS: wolno je ponownie wykorzystywać z podaniem "
                                                 "źródła / GUS data: free reuse with the source credited"}},
                       servers=[{"url": PREFIX}],
                       tags=[{"name": name, "description": text} for name, text in TAGS])
        _comma_lists(plugin)
        spec.components.schema("Problem", schema=schemas.ProblemSchema)
        spec.components.schema("JsonStatDataset", schema=JsonStatDatasetSchema)
        rules = sorted((r for r in app.url_map.iter_rules() if r.endpoint.startswith(BLUEPRINT + ".")),
                       key=lambda r: r.rule)
        for rule in rules:
            op: Operation | None = getattr(app.view_functions[rule.endpoint], "api_operation", None)
            if op is None:
                continue
            parameters: list[Any] = [
                {"in": "path", "name": name, "required": True, "description": text,
                 "schema": {"type": "integer", "minimum": 1} if pattern == "integer"
                 else {"type": "string", "pattern": pattern}}
                for name, (pattern, text) in op.path.items()]
            if op.query is not schemas.NoQuery:
                parameters.append({"in": "query", "schema": op.query})
            spec.path(path=_path(rule.rule), operations={"get": {
                "operationId": rule.endpoint.removeprefix(BLUEPRINT + "."),
                "tags": [op.tag], "summary": op.summary, "description": op.description,
                "parameters": parameters,
                "responses": _responses(op, JsonStatDatasetSchema),
            }})
        return _text(spec.to_dict())

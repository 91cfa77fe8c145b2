"""/api/v1: the open API of the indicator base (docs/decisions/0033). Public, read-only, no
key; every request counts against its address's limit (workflow/api/http.py). Each view
states its operation for the OpenAPI document (workflow/api/openapi.py) and issues a fixed
number of statements, whatever the data's size (tests/test_api.py counts them)."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, request, url_for
from werkzeug.wrappers import Response

from workflow.api import catalogue, formats, groups, http, schemas, slices
from workflow.api.openapi import TITLE, operation
from workflow.refusal import NotFound, _l

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")
bp.before_request(http.limited)
bp.after_request(http.cross_origin)

UNIT_PATH = {"code": (schemas.UNIT_CODE, _l("Kod TERYT jednostki (2, 4 albo 7 cyfr)."))}
INDICATOR_PATH = {"code": (schemas.INDICATOR_CODE, _l("Kod wskaźnika."))}
VERSION_PATH = {**INDICATOR_PATH, "version": ("integer", _l("Numer wersji definicji."))}
GROUP_PATH = {"group_id": (schemas.GROUP_ID, _l("Identyfikator grupy."))}
JSONSTAT_AGGREGATE_SLICES = 40  # indicator-years of aggregates in one JSON-stat answer


def _page(items: list[dict[str, Any]], next_url: str | None, limit: int, **more: Any) -> dict[str, Any]:
    return {"items": items, "links": {"self": http.self_url(), "next": next_url}, "limit": limit, **more}


def _cursor(text: str | None) -> tuple[str, int, str] | None:
    if not text:
        return None
    code, year, key = text.split(":")
    return code, int(year), key


def _years(q: dict[str, Any]) -> set[int] | None:
    """The years a query asks for: its list, within year_from..year_to; None for all."""
    low, high = q.get("year_from"), q.get("year_to")
    if low is not None and high is not None and low > high:
        raise http.refuse("year_from", _l("Rok początkowy jest późniejszy niż końcowy (%(low)s > %(high)s).",
                                          low=low, high=high))
    wanted = set(q["year"]) if q.get("year") else None
    if low is None and high is None:
        return wanted
    low, high = low or schemas.MIN_YEAR_FILTER, high or schemas.MAX_YEAR_FILTER
    return {y for y in (wanted or range(low, high + 1)) if low <= y <= high}


def _definitions(q: dict[str, Any]) -> list[slices.Definition]:
    codes = q.get("indicator")
    if q.get("version") is not None and (not codes or len(codes) != 1):
        raise http.refuse("version", _l("Wersję definicji można podać tylko z jednym wskaźnikiem."))
    defs, missing = slices.definitions(codes, q.get("version"))
    if missing:
        raise http.refuse("indicator", _l("Nie ma takiego wskaźnika albo takiej jego wersji: %(codes)s. "
                                          "Spis wskaźników: /api/v1/indicators.", codes=", ".join(missing)))
    return defs


def _group(group_id: str | None, field: str = "group") -> groups.Group | None:
    if group_id is None:
        return None
    found = groups.find(group_id)
    if found is None:
        raise http.refuse(field, _l("Nie ma grupy %(id)s. Spis grup: /api/v1/groups.", id=group_id))
    return found


def _whole_slice_only(q: dict[str, Any]) -> None:
    if q["format"] == "jsonstat" and ("after" in request.args or "limit" in request.args):
        raise http.refuse("format", _l("JSON-stat zwraca cały wycinek naraz, bez stron: usuń parametry "
                                       "after i limit albo zawęź wycinek."))


# --- the index -----------------------------------------------------------------------------------

@bp.route("/")
@operation(tag="api", summary=_l("Spis zasobów"), response=schemas.IndexSchema,
           description=_l("Adresy zasobów API, dokument OpenAPI, strona z opisem i źródła danych."))
def index() -> Response:
    endpoints = ("units", "variables", "indicators", "values", "groups", "aggregates")
    links = {name: url_for(f"api_v1.{name}", _external=True) for name in endpoints}
    links["openapi"] = url_for("api_reference.openapi", _external=True)
    links["documentation"] = url_for("api_reference.docs", _external=True)
    defs, _missing = slices.definitions(None)
    credits = list(dict.fromkeys((d.row.credit, d.row.licence) for d in defs))
    return http.json_response({"name": TITLE, "version": "v1",
                               "links": links,
                               "sources": [{"credit": c, "licence": licence} for c, licence in credits]})


# --- units and variables -------------------------------------------------------------------------

@bp.route("/units")
@operation(tag="units", summary=_l("Jednostki terytorialne"), response=schemas.UnitPageSchema,
           query=schemas.UnitsQuery, formats=("json", "csv"), paged=True,
           csv_columns=", ".join(catalogue.UNIT_FIELDS),
           description=_l("Województwa, powiaty i gminy rejestru TERC, według kodu TERYT; filtry: szczebel, "
                          "rodzaj, jednostka nadrzędna, grupa."))
def units() -> Response:
    q = http.parse(schemas.UnitsQuery)
    conditions = catalogue.unit_conditions(q.get("level"), q.get("kind"), q.get("parent"),
                                           _group(q.get("group")))
    page = catalogue.units(conditions, q.get("after"), q["limit"])
    next_url = http.page_url("api_v1.units", page.after)
    if q["format"] == "csv":
        return http.csv_response(formats.csv_text(catalogue.UNIT_FIELDS, page.items), "units", next_url)
    return http.json_response(_page(page.items, next_url, q["limit"]), next_url)


@bp.route("/units/<code>")
@operation(tag="units", summary=_l("Jednostka terytorialna"), response=schemas.UnitDetailSchema,
           path=UNIT_PATH,
           description=_l("Jedna jednostka z jej powiatem i województwem oraz grupami, do których należy."))
def unit(code: str) -> Response:
    http.parse(schemas.NoQuery)
    found = catalogue.unit(code) if re.fullmatch(schemas.UNIT_CODE, code) else None
    if found is None:
        raise NotFound(code)
    return http.json_response(found)


@bp.route("/variables")
@operation(tag="indicators", summary=_l("Zmienne źródłowe"), response=schemas.VariableListSchema,
           query=schemas.FormatQuery, formats=("json", "csv"),
           description=_l("Zmienne, z których liczone są wskaźniki, tak jak definiuje je wydawca (GUS BDL)."))
def variables() -> Response:
    q = http.parse(schemas.FormatQuery)
    items = catalogue.variables()
    if q["format"] == "csv":
        return http.csv_response(formats.csv_text(list(schemas.VariableSchema().fields), items), "variables")
    return http.json_response({"items": items})


# --- indicators ----------------------------------------------------------------------------------

@bp.route("/indicators")
@operation(tag="indicators", summary=_l("Wskaźniki"), response=schemas.IndicatorListSchema,
           query=schemas.IndicatorsQuery, formats=("json", "csv"),
           csv_columns=_l("Pola definicji spłaszczone (definition.name_pl…); wzór i wersje jako JSON."),
           description=_l("Każdy wskaźnik z definicją bieżącej wersji i listą wszystkich wersji."))
def indicators() -> Response:
    q = http.parse(schemas.IndicatorsQuery)
    items = [catalogue.indicator_item(code, versions)
             for code, versions in catalogue.indicator_versions().items()]
    items = [i for i in items if (not q.get("area") or i["definition"]["area"] == q["area"])
             and (not q.get("type") or i["definition"]["type"] == q["type"])]
    if q["format"] == "csv":
        rows = [formats.flat(i) for i in items]
        columns = list(rows[0]) if rows else ["code", "version"]
        return http.csv_response(formats.csv_text(columns, rows), "indicators")
    return http.json_response({"items": items})


def _versions(code: str) -> list[Any] | None:
    if not re.fullmatch(schemas.INDICATOR_CODE, code):
        return None
    return catalogue.indicator_versions([code]).get(code)


@bp.route("/indicators/<code>")
@operation(tag="indicators", summary=_l("Wskaźnik ze wszystkimi wersjami"),
           response=schemas.IndicatorDetailSchema,
           path=INDICATOR_PATH,
           description=_l("Definicje wszystkich wersji wskaźnika, od najstarszej. Zmiana definicji to nowa "
                          "wersja; wartości starej można obliczyć ponownie (parametr version w /values)."))
def indicator(code: str) -> Response:
    http.parse(schemas.NoQuery)
    versions = _versions(code)
    if not versions:
        raise NotFound(code)
    return http.json_response({"code": code, "version": versions[-1].version,
                               "versions": [catalogue.version_item(code, v) for v in versions]})


@bp.route("/indicators/<code>/versions/<int:version>")
@operation(tag="indicators", summary=_l("Jedna wersja definicji wskaźnika"),
           response=schemas.DefinitionSchema,
           path=VERSION_PATH, description=_l("Definicja wskaźnika w danej wersji."))
def indicator_version(code: str, version: int) -> Response:
    http.parse(schemas.NoQuery)
    versions = _versions(code)
    found = next((v for v in versions or () if v.version == version), None)
    if found is None:
        raise NotFound((code, version))
    return http.json_response(catalogue.version_item(code, found))


# --- values --------------------------------------------------------------------------------------

@bp.route("/values")
@operation(tag="values", summary=_l("Wartości wskaźników"), response=schemas.ValuePageSchema,
           query=schemas.ValuesQuery, formats=("json", "csv", "jsonstat"), paged=True,
           csv_columns=", ".join(formats.VALUE_COLUMNS),
           description=_l(
               "Wartości wskaźników jednostek w kolejności: wskaźnik, rok, kod jednostki. Filtry: wskaźniki, "
               "jednostki, grupa, szczebel, lata. Strony do 10 000 pozycji z odnośnikiem next (kursor "
               "after); strona pomija pozycje bez wartości, więc może mieć mniej pozycji niż limit — "
               "koniec jest tam, gdzie brak next. format=jsonstat zwraca cały wycinek jako zbiór "
               "JSON-stat 2.0 (do %(cells)s komórek; wymiary indicator, year, unit).",
               cells=f"{slices.MAX_CELLS:,}".replace(",", " ")))
def values() -> Response:
    q = http.parse(schemas.ValuesQuery)
    _whole_slice_only(q)
    defs = _definitions(q)
    group = _group(q.get("group"))
    conditions = catalogue.unit_conditions(level=q["level"], group=group, codes=q.get("unit"))
    whole = q["format"] == "jsonstat"
    try:
        result = slices.values(defs, _years(q), conditions, None if whole else _cursor(q.get("after")),
                               None if whole else q["limit"], slices.MAX_CELLS if whole else None)
    except slices.TooLarge as too_large:
        raise http.refuse("format", _l(
            "Wycinek ma %(cells)s komórek, a JSON-stat zwraca naraz najwyżej %(max)s. Zawęź go (wskaźniki, "
            "lata, jednostki, grupa) albo pobierz strony w JSON lub CSV.",
            cells=too_large.cells, max=slices.MAX_CELLS)) from None
    if whole:
        return http.json_response(formats.values_jsonstat(result, q["lang"], http.self_url()))
    next_url = http.page_url("api_v1.values", result.after)
    if q["format"] == "csv":
        return http.csv_response(formats.values_csv(result), "values", next_url)
    return http.json_response(_page(result.items, next_url, q["limit"], sources=result.credits), next_url)


# --- groups --------------------------------------------------------------------------------------

@bp.route("/groups", endpoint="groups")
@operation(tag="groups", summary=_l("Grupy porównawcze"), response=schemas.GroupPageSchema,
           query=schemas.GroupsQuery, formats=("json", "csv"), paged=True,
           csv_columns="id, kind, name_pl, name_en, members, definition",
           description=_l("Zapisane grupy porównawcze bazy wskaźników, ze stałymi identyfikatorami i "
                          "definicjami, z których każdy odtworzy ich skład: wszystkie gminy kraju, gminy "
                          "województwa, powiatu, gminy danego rodzaju, miasta programu, listy gmin i grupy "
                          "gmin najbardziej podobnych. Klasy wielkości (skład zależy od roku) jeszcze nie."))
def groups_list() -> Response:
    q = http.parse(schemas.GroupsQuery)
    every = [g for g in groups.listing(q.get("kind")) if not q.get("after") or g.id > q["after"]]
    page, more = every[:q["limit"]], len(every) > q["limit"]
    items = [_group_item(g) for g in page]
    next_url = http.page_url("api_v1.groups", page[-1].id if more else None)
    if q["format"] == "csv":
        return http.csv_response(formats.csv_text(
            ("id", "kind", "name_pl", "name_en", "members", "definition"),
            [formats.flat(i, as_json=("definition",)) for i in items]), "groups", next_url)
    return http.json_response(_page(items, next_url, q["limit"]), next_url)


def _group_item(group: groups.Group) -> dict[str, Any]:
    return {"id": group.id, "kind": group.kind, "name_pl": group.name_pl, "name_en": group.name_en,
            "definition": group.definition, "members": group.members}


@bp.route("/groups/<group_id>")
@operation(tag="groups", summary=_l("Grupa porównawcza z członkami"), response=schemas.GroupDetailSchema,
           path=GROUP_PATH, description=_l("Definicja grupy i jej członkowie."))
def group(group_id: str) -> Response:
    http.parse(schemas.NoQuery)
    found = groups.find(group_id) if re.fullmatch(schemas.GROUP_ID, group_id) else None
    if found is None:
        raise NotFound(group_id)
    members = [{"code": code, "name": name} for code, name, _l_, _k in slices.scope_units([found.clause()])]
    return http.json_response({**_group_item(found), "units": members})


@bp.route("/aggregates")
@operation(tag="groups", summary=_l("Agregaty grup"), response=schemas.AggregatePageSchema,
           query=schemas.AggregatesQuery, formats=("json", "csv", "jsonstat"), paged=True,
           csv_columns=", ".join(formats.AGGREGATE_COLUMNS),
           description=_l(
               "Wartości wskaźników dla grup, jednym algorytmem z wartościami jednostek: iloraz sum "
               "liczników i mianowników jednostek, które mają wartość, oraz minimum, kwartyle, mediana, "
               "maksimum i liczba jednostek. Kolejność: wskaźnik, rok, grupa; strona obejmuje najwyżej "
               "%(slices)s par wskaźnik-rok. format=jsonstat: cały wycinek (do %(whole)s par wskaźnik-rok; "
               "wymiary indicator, year, group, statistic).",
               slices=slices.AGGREGATE_SLICES, whole=JSONSTAT_AGGREGATE_SLICES))
def aggregates() -> Response:
    q = http.parse(schemas.AggregatesQuery)
    _whole_slice_only(q)
    defs = _definitions(q)
    found, missing = groups.find_many(q["group"])
    if missing:
        raise http.refuse("group", _l("Nie ma grupy %(id)s. Spis grup: /api/v1/groups.",
                                      id=", ".join(missing)))
    whole = q["format"] == "jsonstat"
    try:
        result = slices.aggregates(defs, _years(q), found, None if whole else _cursor(q.get("after")),
                                   None if whole else q["limit"],
                                   JSONSTAT_AGGREGATE_SLICES if whole else None)
    except slices.TooLarge as too_large:
        raise http.refuse("format", _l(
            "Wycinek obejmuje %(slices)s par wskaźnik-rok, a JSON-stat zwraca naraz najwyżej %(max)s. Zawęź "
            "go (wskaźniki, lata) albo pobierz strony w JSON lub CSV.",
            slices=too_large.cells, max=JSONSTAT_AGGREGATE_SLICES)) from None
    if whole:
        return http.json_response(formats.aggregates_jsonstat(result, q["lang"], http.self_url()))
    next_url = http.page_url("api_v1.aggregates", result.after)
    if q["format"] == "csv":
        return http.csv_response(formats.aggregates_csv(result), "aggregates", next_url)
    return http.json_response(_page(result.items, next_url, q["limit"], sources=result.credits), next_url)

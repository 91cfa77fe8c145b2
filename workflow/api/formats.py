"""The API's answers as files: CSV for any list, JSON-stat 2.0 for slices of values and of
aggregates.

CSV here is for programs as much as for spreadsheets, and the same whoever asks: RFC 4180
(comma, CRLF, a header row), UTF-8 without a byte-order mark, a decimal point, numbers
unrounded, an empty cell for no value, written by workflow/tabular.py like every file of the app
(a text cell a spreadsheet would run as a formula is neutralised). Rows that show data carry
its source credit.

JSON-stat 2.0 (https://json-stat.org/format/): one dataset, its dimensions in the order
indicator, year, unit (or group, statistic), the values as a dense array in row-major order
(the last dimension varies fastest), null where there is no value; roles metric, time and
geo; the indicators' units and decimals in the metric dimension; provisional and corrected
values marked in `status`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from workflow import tabular
from workflow.api.slices import AggregateSlice, ValueSlice

VALUE_COLUMNS = ("indicator", "version", "unit", "unit_name", "year", "value", "status", "credit")
AGGREGATE_COLUMNS = ("indicator", "version", "group", "year", "value", "count", "members", "min", "q1",
                     "median", "q3", "max", "credit")
STATISTICS = ("value", "count", "members", "min", "q1", "median", "q3", "max")
STATISTIC_LABELS = {
    "pl": {"value": "wartość grupy (iloraz sum)", "count": "liczba jednostek z wartością",
           "members": "liczba członków", "min": "minimum", "q1": "pierwszy kwartyl", "median": "mediana",
           "q3": "trzeci kwartyl", "max": "maksimum"},
    "en": {"value": "group value (ratio of sums)", "count": "units with a value", "members": "members",
           "min": "minimum", "q1": "first quartile", "median": "median", "q3": "third quartile",
           "max": "maximum"},
}
DIMENSION_LABELS = {
    "pl": {"indicator": "wskaźnik", "year": "rok", "unit": "jednostka terytorialna", "group": "grupa",
           "statistic": "miara"},
    "en": {"indicator": "indicator", "year": "year", "unit": "territorial unit", "group": "group",
           "statistic": "statistic"},
}
DATASET_LABELS = {
    "pl": {"values": "Wskaźniki jednostek terytorialnych", "aggregates": "Wskaźniki grup jednostek"},
    "en": {"values": "Indicators of territorial units", "aggregates": "Indicators of groups of units"},
}


def csv_text(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> str:
    return tabular.csv_for_programs(columns, ([row.get(c) for c in columns] for row in rows))


def flat(item: dict[str, Any], as_json: tuple[str, ...] = ("formula",), prefix: str = "") -> dict[str, Any]:
    """A nested item as one row: {"definition": {"name_pl": …}} -> {"definition.name_pl": …};
    lists and the objects named in `as_json` as JSON text."""
    out: dict[str, Any] = {}
    for key, value in item.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and key not in as_json:
            out.update(flat(value, as_json, name + "."))
        elif isinstance(value, dict | list):
            out[name] = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        else:
            out[name] = value
    return out


def values_csv(result: ValueSlice) -> str:
    credit = {d.code: d.row.credit for d in result.definitions}
    return csv_text(VALUE_COLUMNS, ({**item, "credit": credit[item["indicator"]]} for item in result.items))


def aggregates_csv(result: AggregateSlice) -> str:
    credit = {d.code: d.row.credit for d in result.definitions}
    return csv_text(AGGREGATE_COLUMNS,
                    ({**item, "credit": credit[item["indicator"]]} for item in result.items))


def _source(credits: list[dict[str, str]]) -> str:
    return "; ".join(c["credit"] for c in credits)


def _indicator_dimension(result: ValueSlice | AggregateSlice, lang: str) -> dict[str, Any]:
    defs = result.definitions
    return {
        "label": DIMENSION_LABELS[lang]["indicator"],
        "category": {
            "index": [d.code for d in defs],
            "label": {d.code: d.row.name_en if lang == "en" else d.row.name_pl for d in defs},
            "unit": {d.code: {"label": d.row.measure_unit_en if lang == "en" else d.row.measure_unit_pl,
                              "decimals": d.row.decimals} for d in defs},
        },
        "extension": {"version": {d.code: d.version for d in defs}},
    }


def values_jsonstat(result: ValueSlice, lang: str, href: str) -> dict[str, Any]:
    """The values of `result` (every position of the request) as a JSON-stat 2.0 dataset."""
    codes = [d.code for d in result.definitions]
    years = result.years
    units = [code for code, _name in result.units]
    size = [len(codes), len(years), len(units)]
    where_i = {c: n for n, c in enumerate(codes)}
    where_y = {y: n for n, y in enumerate(years)}
    where_u = {u: n for n, u in enumerate(units)}
    value: list[float | None] = [None] * (size[0] * size[1] * size[2])
    status: dict[str, str] = {}
    for item in result.items:
        index = ((where_i[item["indicator"]] * size[1] + where_y[item["year"]]) * size[2]
                 + where_u[item["unit"]])
        value[index] = item["value"]
        if item["status"] != "final":
            status[str(index)] = item["status"]
    labels = DIMENSION_LABELS[lang]
    dataset: dict[str, Any] = {
        "version": "2.0",
        "class": "dataset",
        "href": href,
        "label": DATASET_LABELS[lang]["values"],
        "source": _source(result.credits),
        "note": [c["licence"] for c in result.credits],
        "id": ["indicator", "year", "unit"],
        "size": size,
        "role": {"metric": ["indicator"], "time": ["year"], "geo": ["unit"]},
        "dimension": {
            "indicator": _indicator_dimension(result, lang),
            "year": {"label": labels["year"], "category": {"index": [str(y) for y in years]}},
            "unit": {"label": labels["unit"],
                     "category": {"index": units, "label": dict(result.units)}},
        },
        "value": value,
    }
    if status:
        dataset["status"] = status
    return dataset


def aggregates_jsonstat(result: AggregateSlice, lang: str, href: str) -> dict[str, Any]:
    """The aggregates of `result` as a JSON-stat 2.0 dataset with a fourth dimension, the statistic."""
    codes = [d.code for d in result.definitions]
    years = result.years
    groups = [g.id for g in result.groups]
    size = [len(codes), len(years), len(groups), len(STATISTICS)]
    where_i = {c: n for n, c in enumerate(codes)}
    where_y = {y: n for n, y in enumerate(years)}
    where_g = {g: n for n, g in enumerate(groups)}
    value: list[float | int | None] = [None] * (size[0] * size[1] * size[2] * size[3])
    for item in result.items:
        base = ((where_i[item["indicator"]] * size[1] + where_y[item["year"]]) * size[2]
                + where_g[item["group"]]) * size[3]
        for n, statistic in enumerate(STATISTICS):
            value[base + n] = item[statistic]
    labels = DIMENSION_LABELS[lang]
    return {
        "version": "2.0",
        "class": "dataset",
        "href": href,
        "label": DATASET_LABELS[lang]["aggregates"],
        "source": _source(result.credits),
        "note": [c["licence"] for c in result.credits],
        "id": ["indicator", "year", "group", "statistic"],
        "size": size,
        "role": {"metric": ["indicator"], "time": ["year"]},
        "dimension": {
            "indicator": _indicator_dimension(result, lang),
            "year": {"label": labels["year"], "category": {"index": [str(y) for y in years]}},
            "group": {"label": labels["group"], "category": {
                "index": groups,
                "label": {g.id: g.name_en if lang == "en" else g.name_pl for g in result.groups}}},
            "statistic": {"label": labels["statistic"], "category": {
                "index": list(STATISTICS), "label": STATISTIC_LABELS[lang]}},
        },
        "value": value,
    }

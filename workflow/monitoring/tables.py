"""The tables of the indicator pages as files (CSV, XLSX through workflow/tabular.py): the same
rows the pages show, every value with its full precision, and the source credited on every
row ("Źródło: GUS, Bank Danych Lokalnych") and on a sheet of its own in a workbook, with the
definitions needed to reproduce the figures.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _

from workflow import tabular
from workflow.models import IndicatorVersion, UnitGroup
from workflow.monitoring.definitions import CREDIT
from workflow.monitoring.distribution import GroupPage, IndicatorPage, name
from workflow.monitoring.profiles import Comparison, Profile

MIMETYPES = {"csv": "text/csv; charset=utf-8",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "json": "application/json; charset=utf-8"}
Table = tuple[str, list[str], list[list[Any]]]


def kind_names() -> dict[str, str]:
    return {"urban": _("miejska"), "rural": _("wiejska"), "urban_rural": _("miejsko-wiejska")}


def _value(value: float | None) -> Any:
    return "" if value is None else value


def indicator_table(page: IndicatorPage, locale: str) -> Table:
    v = page.version
    kinds = kind_names()
    header = [_("Kod TERYT"), _("Gmina"), _("Rodzaj gminy"), _("Rok"),
              f"{name(v, locale)} ({v.measure_unit_en if locale == 'en' else v.measure_unit_pl})",
              _("Miejsce w grupie"), _("Grupa"), _("Wersja definicji"), _("Źródło")]
    rows = [[r.unit.code, r.unit.name, kinds.get(r.unit.kind.value, r.unit.kind.value), page.year,
             _value(r.value), r.rank or "", page.group.name(locale), v.version, v.credit] for r in page.rows]
    return _("Wartości"), header, rows


def profile_tables(profile: Profile, locale: str) -> list[Table]:
    """The values over the years, and the places in the groups."""
    years = sorted(profile.years)
    header = [_("Wskaźnik"), _("Kod wskaźnika"), _("Jednostka miary"), *map(str, years), _("Źródło")]
    values = []
    for row in profile.rows:
        by_year = dict(row.series)
        unit = row.version.measure_unit_en if locale == "en" else row.version.measure_unit_pl
        values.append([name(row.version, locale), row.code, unit, *(_value(by_year.get(y)) for y in years),
                       row.version.credit])
    places_header = [_("Wskaźnik"), _("Grupa"), _("Kod grupy"), _("Rok"), _("Miejsce"),
                     _("Gminy z wartością"), _("Gminy w grupie"), _("Źródło")]
    places = [[name(row.version, locale), g.name(locale), g.code, profile.year,
               row.places[g.id].rank or "", row.places[g.id].count, row.places[g.id].members, CREDIT]
              for row in profile.rows for g in profile.groups if g.id in row.places]
    return [(_("Wartości w latach"), header, values), (_("Miejsce w grupach"), places_header, places)]


def comparison_table(found: Comparison, locale: str) -> Table:
    header = [_("Wskaźnik"), _("Kod wskaźnika"), _("Jednostka miary"),
              *(f"{u.name} ({u.code})" for u in found.units), _("Rok"), _("Źródło")]
    rows = [[name(r.version, locale), r.code,
             r.version.measure_unit_en if locale == "en" else r.version.measure_unit_pl,
             *(_value(v) for v in r.values), found.year, r.version.credit] for r in found.rows]
    return _("Porównanie"), header, rows


def group_tables(page: GroupPage, locale: str) -> list[Table]:
    kinds = kind_names()
    figures_header = [_("Wskaźnik"), _("Kod wskaźnika"), _("Jednostka miary"), _("Rok"),
                      _("Wartość dla grupy"), _("Gminy z wartością"), _("Gminy w grupie"), _("Minimum"),
                      _("Dolny kwartyl"), _("Mediana"), _("Górny kwartyl"), _("Maksimum"), _("Źródło")]
    figures = [[name(f.version, locale), f.version.indicator.code,
                f.version.measure_unit_en if locale == "en" else f.version.measure_unit_pl, page.year,
                _value(f.aggregate.value), f.aggregate.count, f.aggregate.members,
                _value(f.aggregate.minimum), _value(f.aggregate.q1), _value(f.aggregate.median),
                _value(f.aggregate.q3), _value(f.aggregate.maximum), f.version.credit] for f in page.figures]
    members_header = [_("Kod TERYT"), _("Gmina"), _("Rodzaj gminy"), _("Ludność"), _("Odległość"),
                      _("Źródło")]
    members = [[m.unit.code, m.unit.name, kinds.get(m.unit.kind.value, m.unit.kind.value),
                _value(m.population), _value(m.distance), CREDIT] for m in page.members]
    return [(_("Wskaźniki grupy"), figures_header, figures), (_("Gminy grupy"), members_header, members)]


def about_sheet(versions: Sequence[IndicatorVersion], group: UnitGroup | None, locale: str) -> Table:
    """What the figures are: the source and licence, each indicator's definition, the group's."""
    rows: list[list[Any]] = [[_("Źródło"), CREDIT]]
    for v in versions:
        rows.append([f"{v.indicator.code} v{v.version}", name(v, locale),
                     v.description_en if locale == "en" else v.description_pl,
                     json.dumps(v.formula, ensure_ascii=False), v.licence])
    if group is not None:
        rows.append([group.code, group.name(locale), json.dumps(group.definition, ensure_ascii=False)])
    return _("Źródło i definicje"), [_("Co"), _("Opis")], rows


def csv_text(table: Table, locale: str) -> str:
    _title, header, rows = table
    return "".join(tabular.csv_stream(header, rows, locale=locale))


def xlsx(tables: Sequence[Table]) -> bytes:
    return tabular.xlsx_bytes(list(tables))

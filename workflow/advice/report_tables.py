"""The services report as tables of words: headings, kinds of service, group names and the
rows of each table, in the reader's language.

The direct download (advice/views/reports.py) and the prepared export (exports/jobs.py)
both take their tables from here, so the two files are identical.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from flask_babel import gettext as _

from workflow.advice import reports
from workflow.advice.reports import FULL_SCOPE, Filters, GroupRow, Metrics
from workflow.models import Programme
from workflow.web.l10n import format_date, format_decimal, number_format

FILE_STEMS = {"log": "uslugi", "programme": "uslugi-program", "town": "uslugi-miasta",
              "advisor": "uslugi-doradcy", "field": "uslugi-dziedziny", "month": "uslugi-miesiace"}
MIMETYPES = {"csv": "text/csv; charset=utf-8",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def kind_names() -> dict[str, str]:
    return {"consultation": _("konsultacje eksperckie"), "workshop": _("warsztaty szkoleniowe"),
            "study": _("wsparcie opracowań"), "other": _("inne usługi")}


def kind_name_one() -> dict[str, str]:
    return {"consultation": _("konsultacja ekspercka"), "workshop": _("warsztat szkoleniowy"),
            "study": _("wsparcie opracowania"), "other": _("inna usługa")}


def columns() -> list[tuple[str, str]]:
    """The metrics of every table, in order: (attribute of Metrics, heading)."""
    return [("services", _("usługi")), ("consultations", _("konsultacje eksperckie")),
            ("workshops", _("warsztaty szkoleniowe")), ("study_services", _("wsparcie opracowań")),
            ("other", _("inne usługi")), ("studies", _("opracowania")),
            ("participations", _("uczestnictwa (z powtórzeniami)")),
            ("people", _("osoby (bez powtórzeń)")), ("hours", _("godziny"))]


def group_names() -> dict[str, str]:
    return {"town": _("miasto"), "advisor": _("doradca"), "field": _("dziedzina"), "month": _("miesiąc")}


def breakdown_titles() -> dict[str, str]:
    return {"town": _("Według miast"), "advisor": _("Według doradców"),
            "field": _("Według dziedzin"), "month": _("Według miesięcy")}


def breakdown_captions() -> dict[str, str]:
    return {"town": _("Usługi, opracowania i uczestnicy w każdym mieście"),
            "advisor": _("Usługi, opracowania i uczestnicy u każdego doradcy"),
            "field": _("Usługi, opracowania i uczestnicy w każdej dziedzinie"),
            "month": _("Usługi, opracowania i uczestnicy w każdym miesiącu")}


def month_name(key: str) -> str:
    """'2020-02' as 'luty 2020' in the page's language."""
    return format_date(date(int(key[:4]), int(key[5:7]), 1), "LLLL y")


WHOLE, TENTHS = "#,##0", "#,##0.0"


def number(value: object) -> str:
    return format_decimal(value, TENTHS if not isinstance(value, int) else WHOLE)


def numbers() -> Callable[[object], str]:
    """`number` with both of its patterns compiled for this request: a table of thousands of
    cells calls it without a lookup per cell."""
    whole, tenths = number_format(WHOLE), number_format(TENTHS)

    def write(value: object) -> str:
        return whole(value) if isinstance(value, int) else tenths(value)
    return write


def template_helpers() -> dict[str, Any]:
    """What the report's templates use to name things. `cells(row)`: a row's metrics written
    out, in the order of `columns`, in one call per row."""
    names = [name for name, _heading in columns()]
    write = numbers()

    def cells(row: Metrics) -> list[str]:
        return [write(getattr(row, name)) for name in names]
    return {"columns": columns(), "kind_names": kind_names(), "month_name": month_name,
            "number": write, "cells": cells, "group_names": group_names(),
            "breakdown_titles": breakdown_titles(), "breakdown_captions": breakdown_captions()}


def log_table(programme: Programme, filters: Filters,
              locale: str) -> tuple[list[str], Iterator[list[object]]]:
    """The raw log: one row per logged service, streamed from the database."""
    kinds = kind_name_one()
    formats = {"on_site": _("stacjonarnie"), "online": _("online")}
    header = [_("data"), _("miasto"), _("doradca"), _("dziedzina"), _("rodzaj"), _("forma"),
              _("czas (min)"), _("temat"), _("uczestnicy"), _("opracowania")]
    rows = ([r.held_on, r.town, r.advisor, r.field, kinds.get(r.kind, r.kind),
             formats.get(r.format, r.format), r.duration_minutes, r.topic, r.participants, r.studies]
            for r in reports.log_rows(programme, filters, FULL_SCOPE, locale))
    return header, rows


def metric_values(m: Metrics) -> list[object]:
    return [getattr(m, name) for name, _heading in columns()]


def metrics_table(table: str, programme: Programme, filters: Filters,
                  locale: str) -> tuple[list[str], Iterator[list[object]]]:
    """The programme's totals (`table` 'programme') or one breakdown, as a header and rows."""
    if table == "programme":
        totals = reports.totals(programme, filters, FULL_SCOPE)
        return [_("miara"), _("wartość")], iter(
            [[heading, value] for (_name, heading), value in zip(columns(), metric_values(totals),
                                                                  strict=True)])
    rows: list[GroupRow] = reports.breakdown(table, programme, filters, FULL_SCOPE, locale)
    header = [group_names()[table], *(heading for _name, heading in columns())]
    return header, iter([[r.label, *metric_values(r)] for r in rows])

"""Reports of the services delivered: the coordinator's report with filters, its chart and
exports (CSV, XLSX), and the public summary, which names nobody."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, g, render_template, request, stream_with_context
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _

from forms.advice import ReportFilterForm
from workflow.advice import reports
from workflow.advice.reports import FULL_SCOPE, Filters, GroupRow, Metrics, MonthKinds
from workflow.audit.views.audit import record_export
from workflow.models import Programme, Role
from workflow.models.advisory import SERVICE_KINDS
from workflow.web.helpers import current_programme, find_programme, role_required

bp = Blueprint("reports", __name__)

TABLES = ("programme", *reports.BREAKDOWNS)
FILE_STEMS = {"log": "uslugi", "programme": "uslugi-program", "town": "uslugi-miasta",
              "advisor": "uslugi-doradcy", "field": "uslugi-dziedziny", "month": "uslugi-miesiace"}
MIMETYPES = {"csv": "text/csv; charset=utf-8",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
# Fills of the chart, light against dark in turn so the stack reads in greyscale too.
KIND_FILLS = {"consultation": "#083a66", "workshop": "#f2a900", "study": "#5aa0d8", "other": "#8a8a8a"}


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


def month_from(key: str) -> str:
    """'2020-02' as it follows 'od' or 'do' in Polish: 'lutego 2020' (Babel's MMMM)."""
    return format_date(date(int(key[:4]), int(key[5:7]), 1), "MMMM y")


def month_short(key: str) -> str:
    """'2020-02' as 'lut 2020': the label under a bar."""
    return format_date(date(int(key[:4]), int(key[5:7]), 1), "LLL y")


def number(value: object) -> str:
    return format_decimal(value, "#,##0.0" if not isinstance(value, int) else "#,##0")


# --- filters ----------------------------------------------------------------------------------

def filter_form(programme: Programme) -> ReportFilterForm:
    choices = reports.filter_choices(programme, g.locale)
    form = ReportFilterForm(formdata=request.args)
    everything = [("", _("wszystkie"))]
    form.town.choices = everything + [(str(i), n) for i, n in choices.towns]
    form.advisor.choices = everything + [(str(i), n) for i, n in choices.advisors]
    form.field.choices = everything + [(str(i), n) for i, n in choices.fields]
    form.kind.choices = everything + [(k, kind_name_one()[k]) for k in SERVICE_KINDS]
    return form


def filters_of(form: ReportFilterForm) -> Filters:
    def number_or_none(value: str | None) -> int | None:
        return int(value) if value else None

    return Filters(
        date_from=form.date_from.data, date_to=form.date_to.data,
        path_ids=(int(form.town.data),) if form.town.data else (),
        advisor_id=number_or_none(form.advisor.data), field_id=number_or_none(form.field.data),
        kind=form.kind.data or None,
    )


def query_args(form: ReportFilterForm, programme: Programme) -> dict[str, str]:
    """The filters as URL arguments, for the export links."""
    args = {name: form[name].data for name in ("town", "advisor", "field", "kind") if form[name].data}
    for name in ("date_from", "date_to"):
        if form[name].data:
            args[name] = form[name].data.isoformat()
    args["programme"] = programme.code
    return args


# --- the chart --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Segment:
    kind: str
    name: str
    count: int
    y: float
    height: float
    fill: str


@dataclass(frozen=True)
class Bar:
    month: str
    name: str
    short: str
    x: float
    total: int
    total_y: float
    segments: list[Segment]


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    top: int
    plot_height: int
    bar_width: int
    bars: list[Bar]
    ticks: list[tuple[int, float]]
    legend: list[tuple[str, str, str]]  # kind, name, fill
    summary: str


def axis_step(peak: int) -> int:
    """The step of the four gridlines: the smallest of 1, 2, 2.5, 5 x 10^n (a whole number)
    with four steps reaching `peak`."""
    base = 1
    while True:
        for factor in (1, 2, 2.5, 5):
            step = factor * base
            if step == int(step) and 4 * step >= peak:
                return int(step)
        base *= 10


def chart(months: Sequence[MonthKinds]) -> Chart | None:
    """Stacked bars of services per month and kind, laid out for an inline SVG."""
    if not months:
        return None
    names = kind_names()
    left, top, plot_height, slot, bar_width = 56, 16, 220, 64, 40
    step = axis_step(max(m.total for m in months) or 1)
    peak = 4 * step
    scale = plot_height / peak
    bars = []
    for i, m in enumerate(months):
        x = left + i * slot + (slot - bar_width) / 2
        base = top + plot_height
        segments = []
        for kind in SERVICE_KINDS:
            count = m.counts.get(kind, 0)
            height = count * scale
            base -= height
            segments.append(Segment(kind, names[kind], count, round(base, 2), round(height, 2),
                                    KIND_FILLS[kind]))
        bars.append(Bar(m.month, month_name(m.month), month_short(m.month), x, m.total, round(base - 4, 2),
                        [s for s in segments if s.count]))
    ticks = [(step * n, round(top + plot_height - plot_height * n / 4, 2)) for n in range(5)]
    busiest = max(months, key=lambda m: m.total)
    total = sum(m.total for m in months)
    summary = _(
        "Wykres słupkowy: usługi w kolejnych miesiącach od %(first)s do %(last)s, z podziałem na "
        "rodzaje; razem %(total)s; miesiąc z największą liczbą usług: %(busiest)s (%(most)s). "
        "Te same liczby są w tabeli pod wykresem.",
        first=month_from(months[0].month), last=month_from(months[-1].month), total=number(total),
        busiest=month_name(busiest.month), most=number(busiest.total))
    return Chart(width=left + slot * len(months) + 16, height=top + plot_height + 48, left=left,
                 top=top, plot_height=plot_height, bar_width=bar_width, bars=bars, ticks=ticks,
                 legend=[(k, names[k], KIND_FILLS[k]) for k in SERVICE_KINDS], summary=summary)


# --- pages ------------------------------------------------------------------------------------

def template_helpers() -> dict[str, Any]:
    return {"columns": columns(), "kind_names": kind_names(), "month_name": month_name,
            "number": number, "group_names": group_names(), "breakdown_titles": breakdown_titles(),
            "breakdown_captions": breakdown_captions()}


@bp.route("/coordinator/reports/services")
@role_required(Role.COORDINATOR)
def services() -> tuple[str, int]:
    programme = current_programme()
    form = filter_form(programme)
    if not form.validate():
        return render_template("advice/reports/services.html", programme=programme, form=form,
                               report=None, **template_helpers()), 400
    filters = filters_of(form)
    report = {
        "totals": reports.totals(programme, filters, FULL_SCOPE),
        **{name: reports.breakdown(name, programme, filters, FULL_SCOPE, g.locale)
           for name in reports.BREAKDOWNS},
    }
    months = reports.month_kinds(report["month"])  # the chart's numbers, without a query
    return render_template("advice/reports/services.html", programme=programme, form=form, report=report,
                           months=months, chart=chart(months), args=query_args(form, programme),
                           tables=TABLES, **template_helpers()), 200


@bp.route("/coordinator/reports/services/<any(log, programme, town, advisor, field, month):table>"
          ".<any(csv, xlsx):fmt>")
@role_required(Role.COORDINATOR)
def export(table: str, fmt: str) -> Response | tuple[str, int]:
    programme = current_programme()
    form = filter_form(programme)
    if not form.validate():
        return render_template("advice/reports/services.html", programme=programme, form=form,
                               report=None, **template_helpers()), 400
    filters = filters_of(form)
    if table == "log":
        header, rows = log_table(programme, filters)
    else:
        header, rows = metrics_table(table, programme, filters)
    record_export(f"services/{table}", fmt, programme.id)
    today = datetime.now(ZoneInfo(programme.timezone)).date().isoformat()
    filename = f"{FILE_STEMS[table]}-{today}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if fmt == "csv":
        body = stream_with_context(
            line.encode("utf-8") for line in reports.csv_stream(header, rows))
        return Response(body, mimetype=MIMETYPES["csv"], headers=headers)
    title = FILE_STEMS[table]
    return Response(reports.xlsx_bytes([(title, header, rows)]), mimetype=MIMETYPES["xlsx"],
                    headers=headers)


def log_table(programme: Programme, filters: Filters) -> tuple[list[str], Iterator[list[object]]]:
    """The raw log: one row per logged service, streamed from the database."""
    kinds = kind_name_one()
    formats = {"on_site": _("stacjonarnie"), "online": _("online")}
    header = [_("data"), _("miasto"), _("doradca"), _("dziedzina"), _("rodzaj"), _("forma"),
              _("czas (min)"), _("temat"), _("uczestnicy"), _("opracowania")]
    rows = ([r.held_on, r.town, r.advisor, r.field, kinds.get(r.kind, r.kind),
             formats.get(r.format, r.format), r.duration_minutes, r.topic, r.participants, r.studies]
            for r in reports.log_rows(programme, filters, FULL_SCOPE, g.locale))
    return header, rows


def metric_values(m: Metrics) -> list[object]:
    return [getattr(m, name) for name, _heading in columns()]


def metrics_table(table: str, programme: Programme,
                  filters: Filters) -> tuple[list[str], Iterator[list[object]]]:
    if table == "programme":
        totals = reports.totals(programme, filters, FULL_SCOPE)
        return [_("miara"), _("wartość")], iter(
            [[heading, value] for (_name, heading), value in zip(columns(), metric_values(totals),
                                                                  strict=True)])
    rows: list[GroupRow] = reports.breakdown(table, programme, filters, FULL_SCOPE, g.locale)
    header = [group_names()[table], *(heading for _name, heading in columns())]
    return header, iter([[r.label, *metric_values(r)] for r in rows])


@bp.route("/public/")
def public() -> str:
    """The programme's summary for anyone: totals, months, fields. No names of people,
    advisors or towns."""
    programme = find_programme()
    if programme is None:
        if request.args.get("programme"):
            abort(404)
        return render_template("advice/reports/public.html", programme=None, **template_helpers())
    totals = reports.totals(programme)
    months = reports.services_per_month_by_kind(programme)
    by_field = reports.by_field(programme, locale=g.locale)
    return render_template("advice/reports/public.html", programme=programme, totals=totals, months=months,
                           chart=chart(months), by_field=by_field, **template_helpers())

"""Reports of the services delivered: the coordinator's report with filters, its chart and
exports (CSV, XLSX), and the public summary, which names nobody."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from forms.advice import RatesForm, ReportFilterForm
from workflow import tabular
from workflow.advice import rates, reports, service_totals
from workflow.advice.report_tables import (
    FILE_STEMS,
    MIMETYPES,
    kind_names,
    log_table,
    metrics_table,
    month_name,
    number,
    template_helpers,
)
from workflow.advice.reports import FULL_SCOPE, MonthKinds
from workflow.audit.log import record_export
from workflow.extensions import db
from workflow.models import Programme, Role
from workflow.models.advisory import SERVICE_KINDS
from workflow.web.helpers import current_programme, find_programme, role_required
from workflow.web.kept import Kept
from workflow.web.l10n import format_date

bp = Blueprint("reports", __name__)

TABLES = ("programme", *reports.BREAKDOWNS)
# The unfiltered report as computed and drawn (decision 0046), kept in this process per programme,
# revision and token of its totals and of the names (decision 0047), and language; weighed in units
# of 100 KB of HTML (at most ~20 MB), none older than five minutes.
REPORTS = Kept(max_weight=200, max_age=300.0)
# Fills of the chart, light against dark in turn so the stack reads in greyscale too.
KIND_FILLS = {"consultation": "#083a66", "workshop": "#f2a900", "study": "#5aa0d8", "other": "#8a8a8a"}


def month_from(key: str) -> str:
    """'2020-02' as it follows 'od' or 'do' in Polish: 'lutego 2020' (Babel's MMMM)."""
    return format_date(date(int(key[:4]), int(key[5:7]), 1), "MMMM y")


def month_short(key: str) -> str:
    """'2020-02' as 'lut 2020': the label under a bar."""
    return format_date(date(int(key[:4]), int(key[5:7]), 1), "LLL y")


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

@bp.route("/coordinator/reports/consultations")
@role_required(Role.COORDINATOR)
def consultations() -> tuple[str, int]:
    """The report (decision 0046): unfiltered, its filters, numbers and tables as drawn are kept
    per revision of the programme's totals and of the names (decision 0047), read with the
    programme in the same statement; the value at the rates, the export links and the page
    around them are drawn per request."""
    programme = current_programme(*service_totals.revision_columns())
    # the totals' revision and token (None: never written), the names' (decision 0047)
    revision = g.programme_also
    if not set(request.args) - {"programme"}:  # the whole programme's report, unfiltered
        key = (db.engine.url.render_as_string(hide_password=True), programme.id, programme.code, revision,
               g.locale)
        report, drawn = REPORTS.cached(key, lambda: _drawn(programme, None), _weight)
        args, filters = {"programme": programme.code}, None
    else:
        form = ReportFilterForm.for_programme(programme, g.locale, request.args)
        if not form.validate():
            return render_template("advice/reports/services.html", programme=programme, form=form,
                                   report=None, **template_helpers()), 400
        report, drawn = _drawn(programme, form)
        args, filters = query_args(form, programme), form.report_filters()
    # drawn per request (decision 0036): each month's minutes at its rate, read with the periods of
    # the rates; a month in which a rate changes after the 1st adds one query of its days
    valuation = rates.valuation(
        report["totals"], report["month"], rates.periods_of(programme), rates.today(programme),
        lambda months: reports.minutes_by_day(programme, filters, FULL_SCOPE, months))
    return render_template("advice/reports/services.html", programme=programme, report=report,
                           filters=drawn.filters, drawn=drawn, args=args, tables=TABLES, valuation=valuation,
                           **template_helpers()), 200


@dataclass(frozen=True)
class Drawn:
    """The report's parts that depend on its numbers, names and the language only, as HTML."""

    filters: Markup
    programme: Markup
    tables: Markup


def _weight(found: tuple[dict[str, Any], Drawn]) -> float:
    return 0.1 + sum(len(part) for part in (found[1].filters, found[1].programme, found[1].tables)) / 100_000


def _drawn(programme: Programme, form: ReportFilterForm | None) -> tuple[dict[str, Any], Drawn]:
    """The report of a validated `form`'s filters (None: unfiltered, the form empty) and its
    filters, programme table, chart and breakdowns drawn."""
    if form is None:
        form = ReportFilterForm.for_programme(programme, g.locale, MultiDict())
    report = reports.report(programme, form.report_filters(), FULL_SCOPE, g.locale)
    months = reports.month_kinds(report["month"])  # the chart's numbers, without a query
    helpers = template_helpers()

    def draw(template: str, **context: Any) -> Markup:
        # A template's own output, escaped by Jinja as it was drawn: already HTML.
        return Markup(render_template(template, **context, **helpers))  # noqa: S704  # nosec B704
    return report, Drawn(
        draw("advice/reports/_services_filters.html", programme=programme, form=form),
        draw("advice/reports/_services_programme.html", report=report),
        draw("advice/reports/_services_tables.html", report=report, months=months, chart=chart(months)))


@bp.route("/coordinator/reports/consultations/rates", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def service_rates() -> Response | tuple[str, int]:
    """The market rate of an hour of each kind of service, for the report's value of the support:
    dated (decision 0036), a new rate adds a period and the page lists each kind's, newest first."""
    programme = current_programme()
    form = RatesForm()
    periods = rates.periods_of(programme)

    def page(status: int) -> tuple[str, int]:
        return render_template("advice/reports/rates.html", programme=programme, form=form,
                               history=rates.history(periods), kind_names=kind_names()), status
    if request.method == "GET":
        on = rates.today(programme)
        form.valid_from.data = on
        for kind, rate in rates.rates_on(periods, on).items():
            form[kind].data = "" if rate is None else str(rate).replace(".", ",")
        return page(200)
    if not form.validate_on_submit():
        form.rates()  # every field's complaint at once
        return page(400)
    values = form.rates()
    if form.errors or any(form[kind].errors for kind in SERVICE_KINDS):
        return page(400)
    rates.save(programme, values, form.valid_from.data, current_user)
    flash(_("Zapisano stawki usług."), "success")
    return redirect(url_for("reports.consultations", programme=programme.code, _anchor="value-h"))


@bp.route("/coordinator/reports/consultations/<any(log, programme, town, advisor, field, month):table>"
          ".<any(csv, xlsx):fmt>")
@role_required(Role.COORDINATOR)
def export(table: str, fmt: str) -> Response | tuple[str, int]:
    programme = current_programme()
    form = ReportFilterForm.for_programme(programme, g.locale, request.args)
    if not form.validate():
        return render_template("advice/reports/services.html", programme=programme, form=form,
                               report=None, **template_helpers()), 400
    filters = form.report_filters()
    if table == "log":
        header, rows = log_table(programme, filters, g.locale)
    else:
        header, rows = metrics_table(table, programme, filters, g.locale)
    record_export(current_user, f"services/{table}", fmt, programme.id)
    today = datetime.now(ZoneInfo(programme.timezone)).date().isoformat()
    filename = f"{FILE_STEMS[table]}-{today}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if fmt == "csv":
        body = stream_with_context(
            line.encode("utf-8") for line in tabular.csv_stream(header, rows, locale=g.locale))
        return Response(body, mimetype=MIMETYPES["csv"], headers=headers)
    title = FILE_STEMS[table]
    return Response(tabular.xlsx_bytes([(title, header, rows)]), mimetype=MIMETYPES["xlsx"],
                    headers=headers)


@bp.route("/public/")
def public() -> str:
    """The programme's summary for anyone: totals, months, fields. No names of people,
    advisors or towns."""
    programme = find_programme()
    if programme is None:
        if request.args.get("programme"):
            abort(404)
        return render_template("advice/reports/public.html", programme=None, **template_helpers())
    # one query of the maintained totals, of the lines the page shows (no towns or advisors)
    found = reports.report(programme, locale=g.locale, tables=("field", "month"))
    totals, months, by_field = found["totals"], reports.month_kinds(found["month"]), found["field"]
    return render_template("advice/reports/public.html", programme=programme, totals=totals, months=months,
                           chart=chart(months), by_field=by_field, **template_helpers())

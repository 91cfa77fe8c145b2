"""The public pages of the indicator base (no login): the list of indicators, an indicator's
page (its distribution in a group, a histogram, a map, the table), a gmina's profile, the
comparison of up to ten gminas; each table also as CSV and XLSX (docs/decisions/0032)."""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import quote, quote_plus

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    get_template_attribute,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from workflow.models import UnitLevel, ValueStatus
from workflow.monitoring import (
    cache,
    charts,
    distribution,
    groups,
    maps,
    profiles,
    quality,
    questionnaire,
    readings,
    tables,
)
from workflow.monitoring.definitions import CREDIT, current_version
from workflow.web import l10n, listing
from workflow.web.l10n import gettext as _

T = TypeVar("T")

bp = Blueprint("indicators", __name__, url_prefix="/indicators")

TABLE = listing.Spec(
    columns=(listing.Column("rank", lambda r: r.rank),
             listing.Column("name", lambda r: r.unit.name, text=True),
             listing.Column("code", lambda r: r.unit.code),
             listing.Column("kind", lambda r: r.unit.kind.value),
             listing.Column("value", lambda r: r.value, first=listing.DESC)),
    default="rank", search=(lambda r: r.unit.name, lambda r: r.unit.code), size=25,
    tiebreak=lambda r: r.unit.code)
UNITS = listing.Spec(columns=(listing.Column("name", lambda u: u.name, text=True),
                              listing.Column("code", lambda u: u.code)),
                     default="name", search=(lambda u: u.name, lambda u: u.code), size=50,
                     tiebreak=lambda u: u.code)


def area_names() -> dict[str, str]:
    return {"local_taxes": _("Podatki i opłaty lokalne"), "property": _("Gospodarka nieruchomościami"),
            "roads_transport": _("Drogi i transport"), "environment": _("Środowisko"),
            "investment_construction": _("Inwestycje i budownictwo"),
            "geodesy_cartography": _("Geodezja i kartografia"),
            "culture_recreation": _("Kultura i rekreacja"),
            "education": _("Edukacja"), "social_policy": _("Polityka społeczna"), "finance": _("Finanse"),
            "demography": _("Demografia")}


def words() -> dict[str, dict[str, str]]:
    """Names of the kinds, dimensions and polarities of indicators, of gminas and of groups."""
    return {
        "type": {"monitoring": _("monitorujący"), "context": _("kontekstowy")},
        "dimension": {"quantity": _("ilość"), "quality": _("jakość"), "accessibility": _("dostępność"),
                      "efficiency": _("efektywność"), "none": _("nie dotyczy")},
        "polarity": {"higher_better": _("im więcej, tym lepiej"), "lower_better": _("im mniej, tym lepiej"),
                     "neutral": _("ani lepiej, ani gorzej")},
        "unit_kind": tables.kind_names(),
        "group_kind": {"administrative": _("Podział administracyjny"), "unit_kind": _("Rodzaj gminy"),
                       "population": _("Liczba ludności"), "programme": _("Programy"),
                       "list": _("Listy"), "similar": _("Najbardziej podobne")},
    }


def send(fmt: str, stem: str, sheets: list[tables.Table]) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{stem}.{fmt}"'}
    if fmt == "csv":
        return Response(tables.csv_text(sheets[0], g.locale).encode("utf-8"),
                        mimetype=tables.MIMETYPES["csv"], headers=headers)
    return Response(tables.xlsx(sheets), mimetype=tables.MIMETYPES["xlsx"], headers=headers)


_PLAIN = re.compile(r"[A-Za-z0-9_.~-]*")


def _quoted(value: object, plus: bool = False) -> str:
    """A part of an address (`plus`: of its query) as url_for writes it; codes and years are
    plain, written as they are."""
    text = str(value)
    if _PLAIN.fullmatch(text):
        return text
    return quote_plus(text, safe="") if plus else quote(text, safe="")


def links(endpoint: str, key: str) -> Callable[..., str]:
    """url_for(endpoint, key=value, **query) for the many links of a table: the address
    built once, then only joined (werkzeug's routing for each of the profile's 80 links was a
    third of the page's time)."""
    marker = "0-link-0"
    head, _found, tail = url_for(endpoint, **{key: marker}).partition(marker)

    def link(value: object, **query: object) -> str:
        asked = "&".join(f"{k}={_quoted(v, plus=True)}" for k, v in query.items() if v is not None)
        return f"{head}{_quoted(value)}{tail}" + (f"?{asked}" if asked else "")

    return link


def value_links() -> Callable[[str, str, int], str]:
    """url_for("indicators.value", code=…, indicator=…, year=…) for every value of a table: the
    address built once, then only filled in."""
    head = url_for("indicators.value", code="0-code-0", indicator="0-indicator-0", year=987654321)

    def link(code: str, indicator: str, year: int) -> str:
        return (head.replace("0-code-0", _quoted(code)).replace("0-indicator-0", _quoted(indicator))
                .replace("987654321", str(int(year))))

    return link


def kept(key: tuple[object, ...] | None) -> Callable[..., str]:
    """figure(name, macro, *args): a part of a page (the map of 2,477 gminas, the histogram, a
    table of figures) as `macro(*args)` wrote it, kept with the figures it shows under their
    `key` (decision 0041; the key includes the language): written once per version of the
    data. Nothing read fresh on every request (revision notes, comments) may be in it."""

    def figure(name: str, macro: Callable[..., str], *args: Any) -> str:
        if key is None:
            return macro(*args)
        return cache.cached(("figure", name, key), lambda: macro(*args),
                            lambda markup: max(0.05, len(markup) / 100_000))

    return figure


class KeptBytes:
    """figure() for a page whose kept parts are large (the map of 2,477 gminas: 0.5 MB, whose
    encoding to UTF-8 alone cost more than the static floor on every request): each part is
    kept ENCODED with the figures it shows (decision 0041), the template gets a placeholder,
    and `response()` sends the page as the bytes around the placeholders and the kept bytes,
    encoding only what the request wrote itself."""

    def __init__(self, key: tuple[object, ...] | None) -> None:
        self.key = key
        self.parts: dict[str, bytes] = {}

    def __call__(self, name: str, macro: Callable[..., str], *args: Any) -> str:
        if self.key is None:
            return macro(*args)
        self.parts[name] = cache.cached(("figure-bytes", name, self.key), lambda: str(macro(*args)).encode(),
                                        lambda data: max(0.05, len(data) / 100_000))
        return Markup("<!--kept:%s-->") % name

    def response(self, html: str) -> Response | str:
        if not self.parts:
            return html
        body, rest = [], html
        for name, data in self.parts.items():
            before, found, rest = rest.partition(f"<!--kept:{name}-->")
            if not found:
                raise ValueError(f"the page lost its place for {name!r}")
            body += [before.encode(), data]
        body.append(rest.encode())
        return current_app.response_class(body, mimetype="text/html")


def ordered_once(key: tuple[object, ...] | None, rows: Sequence[T], spec: listing.Spec) -> Sequence[T] | None:
    """The rows in the spec's default order (as listing.paged_rows sorts them), kept under
    `key` (None: not kept, and None returned), so a page asking for that order slices them."""
    if key is None:
        return None
    everything = dataclasses.replace(spec, size=max(1, len(rows)))
    return cache.cached(("ordered", spec.default, spec.default_dir, key),
                        lambda: listing.paged_rows(rows, everything, listing.parse({}, everything)).rows)


MARK_SLOT = Markup("<!--mark-->")  # where a value's revision note and comments go in a kept table


def with_marks(kept_html: Markup, marks: Sequence[quality.Mark]) -> Markup:
    """A kept table (figure()) with each MARK_SLOT, in order, filled with its value's marks as
    they are now (decision 0041: read on every request, never kept)."""
    pieces = kept_html.split(MARK_SLOT)
    if len(pieces) != len(marks) + 1:
        raise ValueError(f"{len(pieces) - 1} places for {len(marks)} marks")
    beside = get_template_attribute("monitoring/_quality.html", "beside")
    out = [pieces[0]]
    for mark, piece in zip(marks, pieces[1:], strict=True):
        if mark:
            out.append(beside(mark, None))
        out.append(piece)
    return Markup("").join(out)


def _names() -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """words() and area_names(), written once per language's catalogue for the process (some
    thirty translations that every page of the indicator base asked again); shared: never
    change them."""
    here = l10n.current()
    if here is None:
        return words(), area_names()
    return _names_in(here.translations)


@functools.lru_cache(maxsize=16)
def _names_in(_translations: object) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """The names in the catalogue `_translations` (the request's: gettext reads it)."""
    return words(), area_names()


def common() -> dict[str, Any]:
    kinds, areas = _names()
    return {"words": kinds, "areas": areas, "credit": CREDIT, "name": distribution.name,
            "measure": distribution.measure_unit,
            "indicator_url": links("indicators.indicator", "code"),
            "unit_url": links("indicators.unit", "code"), "value_url": value_links()}


# --- the list of indicators, gminas -------------------------------------------------------------

@bp.route("/")
def index() -> str:
    indicators = readings.current_indicators()
    by_area: dict[str, list[Any]] = {}
    for v in indicators:
        by_area.setdefault(v.area.value, []).append(v)
    return render_template("monitoring/index.html", by_area=by_area, **common())


@bp.route("/units/")
def units() -> str:
    params = listing.parse(request.args, UNITS)
    found = profiles.search_gminas(params.q, limit=200) if params.q else []
    page = listing.paged_rows(found, UNITS, params)
    return render_template("monitoring/units.html", page=page, **common())


# --- an indicator ---------------------------------------------------------------------------------

def _indicator(code: str, with_map: bool = True) -> distribution.IndicatorPage:
    return distribution.indicator_page(code, request.args.get("year"), request.args.get("group") or None,
                                       request.args.get("map") or None, g.locale, with_map=with_map,
                                       with_marks=with_map)


@bp.route("/<code>")
def indicator(code: str) -> Response | str:
    found = _indicator(code)
    keep = {"year": str(found.year or ""),
            "group": found.group.code if found.group.code != groups.ALL else "",
            "map": request.args.get("map", "")}
    params = listing.parse(request.args, TABLE)
    page = listing.paged_ordered(found.ordered, TABLE, params, keep=keep) \
        or listing.paged_rows(found.rows, TABLE, params, keep=keep)
    figure = KeptBytes(found.key)
    return figure.response(render_template("monitoring/indicator.html", p=found, page=page, PL=maps.PL,
                                           figure=figure, beside=row_marks(found), **common()))


def row_marks(found: distribution.IndicatorPage) -> Callable[[int], str]:
    """beside(unit id): what the indicator page's table shows beside a member's value. An
    outlier flag alone (most marks: the first page of a table by place is all outliers) is
    written once per kept figures for every outlier of the group; a value with a revision note or
    comments (read on this request) is written now."""
    macro = get_template_attribute("monitoring/_quality.html", "beside")
    group_name = found.group.name(g.locale)

    def written() -> dict[int, str]:
        return {i: macro(quality.Mark(outlier=far), None, group_name) for i, far in found.outliers.items()}

    flags = cache.cached(("outlier-flags", found.key), written, lambda _f: 0.2) if found.key else {}

    def beside(unit_id: int) -> str:
        mark = found.marks.get(unit_id)
        if not mark:
            return ""
        if mark.note is None and not mark.comments and unit_id in flags:
            return flags[unit_id]
        return macro(mark, None, group_name)  # type: ignore[no-any-return]

    return beside


@bp.route("/<code>.<any(csv, xlsx):fmt>")
def indicator_download(code: str, fmt: str) -> Response:
    found = _indicator(code, with_map=False)
    sheets = [tables.indicator_table(found, g.locale),
              tables.about_sheet([found.version], found.group, g.locale)]
    return send(fmt, f"{code}-{found.group.code}-{found.year or ''}", sheets)


# --- a gmina ----------------------------------------------------------------------------------------

@bp.route("/units/<code>")
def unit(code: str) -> str | Response:
    if len(code) in (2, 4) and code.isdigit():  # a voivodeship or a powiat: its group of gminas
        kind = "voivodeship" if len(code) == 2 else "powiat"
        return redirect(url_for("groups.group", code=f"{kind}-{code}"))
    profile = profiles.unit_profile(code, request.args.get("year"), g.locale)
    return render_template("monitoring/unit.html", p=profile, figure=kept(profile.key), mark_slot=MARK_SLOT,
                           with_marks=with_marks, **common())


@bp.route("/units/<code>.<any(csv, xlsx):fmt>")
def unit_download(code: str, fmt: str) -> Response:
    profile = profiles.unit_profile(code, request.args.get("year"), g.locale)
    sheets = tables.profile_tables(profile, g.locale)
    sheets.append(tables.about_sheet([r.version for r in profile.rows], None, g.locale))
    return send(fmt, f"{code}-{profile.year or ''}", sheets)


# --- comparison ------------------------------------------------------------------------------------

def _compare_codes() -> tuple[list[str], list[Any], str, bool]:
    """The gminas asked for (?unit=…, repeated), with ?add= (a code or a name) added when it
    names exactly one gmina; else the gminas it may mean, to choose from; and whether `add`
    found nothing at all."""
    codes = [c for c in request.args.getlist("unit") if c.strip()]
    add = " ".join(request.args.get("add", "").split())[:100]
    choices: list[Any] = []
    if not add:
        return codes, choices, add, False
    found = profiles.search_gminas(add)
    exact = [u for u in found if u.code == add or u.name.lower() == add.lower()]
    picked = exact if len(exact) == 1 else found if len(found) == 1 else []
    if picked:
        codes.append(picked[0].code)
    else:
        choices = found
    return codes, choices, add, not found


@bp.route("/compare")
def compare() -> tuple[str, int]:
    codes, choices, add, nothing = _compare_codes()
    found = profiles.comparison(codes, request.args.get("year"), g.locale)
    too_many = len(dict.fromkeys(codes)) > profiles.COMPARE_MAX
    return render_template("monitoring/compare.html", c=found, choices=choices, add=add, nothing=nothing,
                           too_many=too_many, max_units=profiles.COMPARE_MAX, figure=kept(found.key),
                           mark_slot=MARK_SLOT, with_marks=with_marks,
                           **common()), 400 if nothing or found.unknown else 200


@bp.route("/compare.<any(csv, xlsx):fmt>")
def compare_download(fmt: str) -> Response:
    found = profiles.comparison(request.args.getlist("unit"), request.args.get("year"), g.locale)
    sheets = [tables.comparison_table(found, g.locale),
              tables.about_sheet([r.version for r in found.rows], None, g.locale)]
    return send(fmt, f"porownanie-{found.year or ''}", sheets)


# --- one value: where it came from ------------------------------------------------------------------

def value_page(code: str, indicator: str, year: int, status: int = 200) -> tuple[str, int]:
    """One value's provenance (docs/decisions/0039): its inputs, statuses, sources and
    revisions, the revision note and the cities' comments; the unit's city may comment and the
    analyst may hide a comment. A provisional value's numbers are its city's and the analyst's
    only. Six statements whatever the history's length (and the signed-in user)."""
    unit = readings.units_by_code([code]).get(code)
    if unit is None or unit.level is not UnitLevel.GMINA:
        abort(404)
    try:
        version = current_version(indicator)
    except LookupError:
        abort(404)
    user = current_user if current_user.is_authenticated else None
    own = user is not None and questionnaire.city_unit_id(user) == unit.id
    analyst = user is not None and questionnaire.is_analyst(user)
    found = quality.provenance(unit, version, year, hidden=own or analyst)
    if status == 200 and all(i.value is None for i in found.inputs):
        abort(404)  # no value (a refused comment or hiding shows its page again whatever it holds)
    shown = found.status != ValueStatus.PROVISIONAL.value or own or analyst
    return render_template("monitoring/value.html", p=found, shown=shown, own=own, analyst=analyst,
                           fmt=charts.formatter(version.decimals, g.locale),
                           max_comment=quality.COMMENT_MAX, **common()), status


@bp.route("/units/<code>/<indicator>/<int:year>")
def value(code: str, indicator: str, year: int) -> tuple[str, int]:
    return value_page(code, indicator, year)

"""Peer groups on the web: the list of groups, a group's page (its definition, members and
figures; CSV, XLSX and its definition as JSON), a person's own list, and the "most similar"
tool, which anyone may use and a signed-in person may save as a group (decision 0032)."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from forms.monitoring import GroupListForm, SaveSimilarForm
from workflow.models import GroupKind, UnitGroup
from workflow.monitoring import cache, distribution, groups, profiles, readings, similar, tables
from workflow.monitoring.views.indicators import common, kept, ordered_once, send
from workflow.web import listing
from workflow.web.helpers import add_reasons

bp = Blueprint("groups", __name__, url_prefix="/indicators/groups")

SAVED = listing.Spec(columns=(listing.Column("name", UnitGroup.name_pl, text=True),
                              listing.Column("kind", UnitGroup.kind),
                              listing.Column("created", UnitGroup.created_at, first=listing.DESC)),
                     default="created", default_dir=listing.DESC,
                     search=(UnitGroup.name_pl, UnitGroup.code), tiebreak=UnitGroup.id)
MEMBERS = listing.Spec(columns=(listing.Column("name", lambda m: m.unit.name, text=True),
                                listing.Column("code", lambda m: m.unit.code),
                                listing.Column("population", lambda m: m.population, first=listing.DESC),
                                listing.Column("position", lambda m: m.position)),
                       default="name", search=(lambda m: m.unit.name, lambda m: m.unit.code), size=50,
                       tiebreak=lambda m: m.unit.code)


@bp.route("/")
def index() -> str:
    standard = list(groups.standard_listing())
    params = listing.parse(request.args, SAVED)
    saved = listing.paged(sa.select(UnitGroup).where(sa.not_(UnitGroup.standard)), SAVED, params)
    by_kind: dict[str, list[UnitGroup]] = {}
    for group in standard:
        by_kind.setdefault(group.kind.value, []).append(group)
    return render_template("monitoring/groups.html", by_kind=by_kind, page=saved, **common())


@bp.route("/<code>")
def group(code: str) -> str:
    found = distribution.group_page(code, request.args.get("year"), g.locale)
    spec = MEMBERS if found.group.kind is not GroupKind.SIMILAR else \
        listing.Spec(MEMBERS.columns, "position", search=MEMBERS.search, size=50, tiebreak=MEMBERS.tiebreak)
    params, keep = listing.parse(request.args, spec), {"year": str(found.year or "")}
    ordered = ordered_once(found.key, found.members, spec)
    page = (listing.paged_ordered(ordered, spec, params, keep=keep) if ordered is not None else None) \
        or listing.paged_rows(found.members, spec, params, keep=keep)
    return render_template("monitoring/group.html", p=found, page=page, figure=kept(found.key),
                           definition=json.dumps(found.group.definition, ensure_ascii=False, indent=2),
                           **common())


@bp.route("/<code>.<any(csv, xlsx, json):fmt>")
def download(code: str, fmt: str) -> Response:
    found = distribution.group_page(code, request.args.get("year"), g.locale)
    if fmt == "json":
        body = {"code": found.group.code, "kind": found.group.kind.value, "name_pl": found.group.name_pl,
                "name_en": found.group.name_en, "definition": found.group.definition, "year": found.year,
                "members": [{"code": m.unit.code, "name": m.unit.name, "position": m.position,
                             "distance": m.distance} for m in found.members],
                "source": tables.CREDIT}
        return Response(json.dumps(body, ensure_ascii=False, indent=2) + "\n",
                        mimetype=tables.MIMETYPES["json"],
                        headers={"Content-Disposition": f'attachment; filename="{code}.json"'})
    sheets = tables.group_tables(found, g.locale)
    sheets.append(tables.about_sheet([f.version for f in found.figures], found.group, g.locale))
    return send(fmt, f"{code}-{found.year or ''}", sheets)


# --- a person's list ---------------------------------------------------------------------------

@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_list() -> str | Response | tuple[str, int]:
    form = GroupListForm()
    if request.method == "GET":
        form.units.data = form.units.data or request.args.get("units", "")
        return render_template("monitoring/new_list.html", form=form)
    if not form.validate_on_submit():
        return render_template("monitoring/new_list.html", form=form), 400
    try:
        saved = groups.save_list(form.name.data or "", form.units.data or "", current_user)
    except groups.GroupRefused as refused:
        add_reasons(form, refused, "units")
        return render_template("monitoring/new_list.html", form=form), refused.status
    flash(_("Zapisano grupę. Jej adres jest stały: możesz go udostępnić."), "success")
    return redirect(url_for("groups.group", code=saved.code))


# --- most similar -------------------------------------------------------------------------------

def similar_request(indicators: list[Any]) -> tuple[similar.Definition | None, dict[str, str]]:
    """The definition in the request's fields (None when the form was not filled in yet), and
    what was typed, to show it back."""
    args = request.values
    typed = {k: " ".join(str(args.get(k, "")).split())[:40] for k in ("anchor", "year", "size", "among")}
    weights = {}
    for v in indicators:
        raw = " ".join(str(args.get(f"w-{v.indicator.code}", "")).split())[:10]
        typed[f"w-{v.indicator.code}"] = raw
        weights[v.indicator.code] = raw
    if not typed["anchor"]:
        return None, typed
    errors: dict[str, list[Any]] = {}
    criteria = []
    for code, raw in weights.items():
        if not raw or raw in ("0", "0,0", "0.0"):
            continue
        try:
            criteria.append(similar.Criterion(code, float(raw.replace(",", "."))))
        except ValueError:
            errors.setdefault("weights", []).append(_("Waga musi być liczbą."))
    year, size = typed["year"], typed["size"] or str(similar.DEFAULT_SIZE)
    if not (year.isascii() and year.isdigit() and len(year) == 4):
        errors["year"] = [_("Wybierz rok.")]
    if not (size.isascii() and size.isdigit() and len(size) <= 3):
        errors["size"] = [_("Liczba gmin musi być od 1 do %(n)d.", n=similar.MAX_SIZE)]
    if errors:
        raise groups.GroupRefused(errors=errors)
    anchor = typed["anchor"]
    if not anchor.isdigit():  # a name: the one gmina it names
        found = profiles.search_gminas(anchor)
        exact = [u for u in found if u.name.lower() == anchor.lower()]
        found = exact or found
        if len(found) != 1:
            raise groups.GroupRefused(errors={"anchor": [
                _("Podaj kod TERYT gminy (7 cyfr) albo nazwę, która wskazuje jedną gminę.")]})
        anchor = found[0].code
    return similar.Definition(anchor, tuple(criteria), int(year), int(size),
                              typed["among"] or groups.ALL), typed


def render_similar(status: int = 200, form: SaveSimilarForm | None = None) -> tuple[str, int]:
    """The form and, when filled in, the gminas found: 1 statement when the result is kept (the
    data's version; the choice of groups is kept per version too; decisions 0041, 0048 and 0049),
    the result's table written once per version of the data, definition and language."""
    stamp = cache.stamp()
    indicators = readings.current_indicators_at(stamp)
    choices = groups.choices_at(stamp)
    result = errors = None
    try:
        definition, typed = similar_request(indicators)
        if definition is not None:
            result = similar.compute(definition, stamp)
    except groups.GroupRefused as refused:
        definition, typed = None, {k: " ".join(str(v).split())[:40] for k, v in request.values.items()}
        errors, status = refused.errors, refused.status
    years = readings.years_at(stamp, indicators[0]) if indicators else []
    key = ("similar-page", stamp, result.definition, g.locale) if result is not None else None
    return render_template("monitoring/similar.html", indicators=indicators, choices=choices, typed=typed,
                           result=result, errors=errors or {}, years=years, form=form or SaveSimilarForm(),
                           max_size=similar.MAX_SIZE, method=similar.METHOD, figure=kept(key),
                           **common()), status


@bp.route("/similar")
def similar_page() -> tuple[str, int]:
    return render_similar()


@bp.route("/similar", methods=["POST"])
@login_required
def save_similar() -> Response | tuple[str, int]:
    form = SaveSimilarForm()
    if not form.validate_on_submit():
        return render_similar(400, form)
    indicators = readings.current_indicators()
    try:
        definition, _typed = similar_request(indicators)
        if definition is None:
            raise groups.GroupRefused(errors={"anchor": [_("Podaj gminę.")]})
        result = similar.compute(definition)
    except groups.GroupRefused:
        return render_similar(400, form)
    saved = groups.save_similar(result.definition.to_json(), similar.names(result), result.found,
                                current_user)
    flash(_("Zapisano grupę. Jej adres jest stały: możesz go udostępnić."), "success")
    return redirect(url_for("groups.group", code=saved.code))

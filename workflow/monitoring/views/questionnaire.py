"""The cities' questionnaire (docs/decisions/0037): a city's team opens, fills in, saves and
submits its questionnaire for a year and an area; the analyst (the coordinator) reviews each
value. The city's pages are under /town/, the analyst's under /coordinator/; another role gets
a 404 (role_required), and so does a city asking for another city's questionnaire, as if it did
not exist, or a town team whose municipality is not in the register.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from workflow.audit import log as audit
from workflow.extensions import db
from workflow.models import Indicator, MonitoringArea, Questionnaire, Role, TerritorialUnit, ValueComment
from workflow.models.types import utcnow
from workflow.monitoring import quality
from workflow.monitoring import questionnaire as qn
from workflow.monitoring.definitions import current_version
from workflow.monitoring.views import indicators as indicator_views
from workflow.refusal import Refused
from workflow.web.helpers import role_required, show_refusal

bp = Blueprint("questionnaire", __name__)


def _locale() -> str:
    return str(get_locale() or "pl")


def _city() -> int:
    """The unit the signed-in town team reports for; a town without one finds nothing here."""
    unit_id = qn.city_unit_id(current_user)
    if unit_id is None:
        abort(404)
    return unit_id


def _own(questionnaire_id: int, unit_id: int) -> Questionnaire:
    q = db.session.get(Questionnaire, questionnaire_id)
    if q is None or q.unit_id != unit_id:
        abort(404)  # another city's questionnaire is as if it did not exist
    return q


def _any(questionnaire_id: int) -> Questionnaire:
    q = db.session.get(Questionnaire, questionnaire_id)
    if q is None:
        abort(404)
    return q


@bp.route("/town/questionnaires")
@role_required(Role.TOWN)
def city_list() -> tuple[str, int]:
    return _index_page(_city(), {}, 200)


@bp.route("/coordinator/questionnaires")
@role_required(Role.COORDINATOR)
def analyst_list() -> tuple[str, int]:
    return _index_page(None, {}, 200)


def _index_page(unit_id: int | None, typed: dict[str, str], status: int,
                errors: dict[str, str] | None = None) -> tuple[str, int]:
    analyst = unit_id is None
    rows = qn.listing(unit_id)
    return render_template("monitoring/questionnaires.html", rows=rows, analyst=analyst,
                           areas=qn.reported_areas(), area_names=qn.area_names(), typed=typed,
                           errors=errors or {}, status_names=qn.status_names(),
                           this_year=utcnow().year), status


@bp.route("/town/questionnaires", methods=["POST"])
@role_required(Role.TOWN)
def open_one() -> Response | tuple[str, int]:
    unit_id = _city()
    typed = {"year": request.form.get("year", "").strip(), "area": request.form.get("area", "")}
    errors: dict[str, str] = {}
    year = int(typed["year"]) if typed["year"].isdigit() else None
    if year is None or not qn.FIRST_YEAR <= year <= utcnow().year:
        errors["year"] = _("Podaj rok od %(first)d do %(last)d.", first=qn.FIRST_YEAR, last=utcnow().year)
    if typed["area"] not in qn.reported_areas():
        errors["area"] = _("Wybierz obszar z listy.")
    if errors:
        return _index_page(unit_id, typed, 400, errors)
    q = qn.open_for(unit_id, year or 0, MonitoringArea(typed["area"]))
    db.session.commit()
    return redirect(url_for(".city_page", questionnaire_id=q.id))


@bp.route("/town/questionnaires/<int:questionnaire_id>", methods=["GET", "POST"])
@role_required(Role.TOWN)
def city_page(questionnaire_id: int) -> Response | tuple[str, int]:
    """The city's questionnaire; POST saves it (one rule for both: with two rules on the same
    path, werkzeug answers a POST with an id too large for a row 405 instead of 404)."""
    if request.method == "POST":
        return _save(questionnaire_id)
    return _page(_own(questionnaire_id, _city()), None, {}, 200)


@bp.route("/coordinator/questionnaires/<int:questionnaire_id>")
@role_required(Role.COORDINATOR)
def analyst_page(questionnaire_id: int) -> tuple[str, int]:
    return _page(_any(questionnaire_id), None, {}, 200)


def _page(q: Questionnaire, outcome: qn.Outcome | None, typed: dict[int, qn.Entry],
          status: int) -> tuple[str, int]:
    questions = qn.items(q.area)
    answers = {a.variable_id: a for a in q.answers}
    analyst = qn.is_analyst(current_user)
    notes = qn.revision_notes([q.unit_id], questions, q.year)
    warnings = outcome.warnings if outcome else {k: a.warnings or [] for k, a in answers.items()}
    return render_template(
        "monitoring/questionnaire.html", q=q, questions=questions, answers=answers, typed=typed,
        outcome=outcome, warnings=warnings, analyst=analyst, locale=_locale(),
        editable={i.variable_id: (not analyst) and qn.editable(q, answers.get(i.variable_id))
                  for i in questions},
        area_names=qn.area_names(), status_names=qn.status_names(), review_names=qn.review_names(),
        warning_text=qn.warning_text, unit_name=q.unit.name, notes=notes,
        published=qn.is_published(q.year, q.area)), status


def _save(questionnaire_id: int) -> Response | tuple[str, int]:
    unit_id = _city()
    q = _own(questionnaire_id, unit_id)
    questions = qn.items(q.area)
    entries = {i.variable_id: qn.Entry(request.form.get(f"value-{i.variable_id}", "")[:200],
                                       request.form.get(f"comment-{i.variable_id}", "")[:5000])
               for i in questions}
    submit = request.form.get("action") == "submit"
    outcome = qn.save(q, questions, entries, current_user, submit=submit)
    if not outcome.ok:
        db.session.rollback()
        return _page(_own(questionnaire_id, unit_id), outcome, entries, 409 if outcome.general else 400)
    audit.record("questionnaire.submitted" if submit else "questionnaire.saved", actor=current_user,
                 object_type="questionnaire", object_id=q.id)
    db.session.commit()
    flash(_("Ankieta wysłana do analityka.") if submit else _("Zapisano wersję roboczą."), "success")
    return redirect(url_for(".city_page", questionnaire_id=q.id))


@bp.route("/coordinator/questionnaires/<int:questionnaire_id>/answers/<int:variable_id>/review",
          methods=["POST"])
@role_required(Role.COORDINATOR)
def review(questionnaire_id: int, variable_id: int) -> Response | tuple[str, int]:
    q = _any(questionnaire_id)
    accept = request.form.get("decision") == "accept"
    note = request.form.get("note", "")[:5000]
    try:
        qn.review(q, variable_id, accept, note, current_user)
    except Refused as refused:
        db.session.rollback()
        # A missing note next to the review's form; a refusal of the state on top of the page.
        show_refusal(refused, form=f"review-{variable_id}" if refused.status == 400 else None,
                     typed={"note": note})
        return _page(_any(questionnaire_id), None, {}, refused.status)
    audit.record("questionnaire.reviewed", actor=current_user, object_type="questionnaire",
                 object_id=q.id, detail={"variable_id": variable_id, "accepted": accept})
    db.session.commit()
    flash(_("Wartość przyjęta.") if accept else _("Wartość zwrócona miastu z uwagą."), "success")
    return redirect(url_for(".analyst_page", questionnaire_id=q.id) + f"#item-{variable_id}")


@bp.route("/coordinator/questionnaires/publish", methods=["POST"])
@role_required(Role.COORDINATOR)
def publish() -> Response | tuple[str, int]:
    typed = {"year": request.form.get("year", "").strip()[:10], "area": request.form.get("area", "")[:40]}
    errors: dict[str, str] = {}
    if not typed["year"].isdigit() or not qn.FIRST_YEAR <= int(typed["year"]) <= utcnow().year:
        errors["year"] = _("Podaj rok od %(first)d do %(last)d.", first=qn.FIRST_YEAR, last=utcnow().year)
    if typed["area"] not in qn.reported_areas():
        errors["area"] = _("Wybierz obszar z listy.")
    if errors:
        return _index_page(None, typed, 400, errors)
    year, area = int(typed["year"]), MonitoringArea(typed["area"])
    try:
        made_final = qn.publish(year, area, current_user)
    except Refused as refused:
        db.session.rollback()
        why = " ".join(map(str, refused.messages))
        return _index_page(None, typed, refused.status, {"publish": why})
    audit.record("questionnaire.published", actor=current_user, object_type="questionnaire_year",
                 detail={"year": year, "area": area.value, "values": made_final})
    db.session.commit()
    flash(_("Opublikowano rok %(year)d: %(n)d wartości są teraz publiczne.", year=year, n=made_final),
          "success")
    return redirect(url_for(".analyst_list"))


@bp.route("/coordinator/questionnaires/<int:questionnaire_id>/answers/<int:variable_id>/correct",
          methods=["POST"])
@role_required(Role.COORDINATOR)
def correct(questionnaire_id: int, variable_id: int) -> Response | tuple[str, int]:
    q = _any(questionnaire_id)
    item = next((i for i in qn.items(q.area) if i.variable_id == variable_id), None)
    if item is None:
        abort(404)
    raw, reason = request.form.get("value", "")[:200], request.form.get("reason", "")[:5000]
    try:
        qn.correct(q, item, raw, reason, current_user)
    except Refused as refused:
        db.session.rollback()
        # Bad input next to the correction's form; a refusal of the state (not published) on top.
        show_refusal(refused, form=f"correct-{variable_id}" if refused.errors else None,
                     typed={"value": raw, "reason": reason})
        return _page(_any(questionnaire_id), None, {}, refused.status)
    audit.record("questionnaire.corrected", actor=current_user, object_type="questionnaire",
                 object_id=q.id, detail={"variable_id": variable_id})
    db.session.commit()
    flash(_("Wartość poprawiona; poprzednia jest zachowana z uzasadnieniem."), "success")
    return redirect(url_for(".analyst_page", questionnaire_id=q.id) + f"#item-{variable_id}")


# --- comments on published values (docs/decisions/0039) ---------------------------------------------

@bp.route("/town/values/<code>/<indicator>/<int:year>/comments", methods=["POST"])
@role_required(Role.TOWN)
def comment(code: str, indicator: str, year: int) -> Response | tuple[str, int]:
    """A city comments on one of its own published values; another city's is a 404."""
    unit_id = _city()
    unit = db.session.scalar(sa.select(TerritorialUnit).where(TerritorialUnit.code == code))
    if unit is None or unit.id != unit_id:
        abort(404)
    try:
        version = current_version(indicator)
    except LookupError:
        abort(404)
    body = request.form.get("body", "")[:5000]
    try:
        made = quality.add_comment(unit, version.indicator, year, body, current_user,
                                   quality.provenance(unit, version, year))
    except Refused as refused:
        db.session.rollback()
        show_refusal(refused, form="comment", typed={"body": body})
        return indicator_views.value_page(code, indicator, year, refused.status)
    audit.record("value_comment.added", actor=current_user, object_type="value_comment", object_id=made.id,
                 detail={"unit": code, "indicator": indicator, "year": year})
    db.session.commit()
    flash(_("Komentarz jest widoczny publicznie przy wartości."), "success")
    return redirect(url_for("indicators.value", code=code, indicator=indicator, year=year) + "#comments-h")


@bp.route("/coordinator/value-comments/<int:comment_id>/hide", methods=["POST"])
@role_required(Role.COORDINATOR)
def hide_comment(comment_id: int) -> Response | tuple[str, int]:
    """The analyst hides a city's comment, with a reason the city sees."""
    found = db.session.get(ValueComment, comment_id)
    if found is None:
        abort(404)
    unit = db.session.get(TerritorialUnit, found.unit_id)
    indicator = db.session.get(Indicator, found.indicator_id)
    assert unit is not None and indicator is not None
    code, year = unit.code, found.year
    reason = request.form.get("reason", "")[:5000]
    try:
        quality.hide_comment(found, reason, current_user)
    except Refused as refused:
        db.session.rollback()
        show_refusal(refused, form=f"hide-{comment_id}", typed={"reason": reason})
        return indicator_views.value_page(code, indicator.code, year, refused.status)
    audit.record("value_comment.hidden", actor=current_user, object_type="value_comment",
                 object_id=comment_id)
    db.session.commit()
    flash(_("Komentarz ukryty; miasto widzi uzasadnienie."), "success")
    back = url_for("indicators.value", code=code, indicator=indicator.code, year=year)
    return redirect(back + "#comments-h")

"""The cities' questionnaire (docs/decisions/0037): a city's team opens, fills in, saves and
submits its questionnaire for a year and an area; the analyst (the coordinator) reviews each
value. A city sees only its own questionnaires: another city's is a 404, as if it did not
exist; the other roles get a 404 too. Only the analyst reviews (a city gets a 403).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from workflow.audit import log as audit
from workflow.extensions import db
from workflow.models import MonitoringArea, Questionnaire
from workflow.models.types import utcnow
from workflow.monitoring import questionnaire as qn
from workflow.refusal import Refused
from workflow.web.helpers import show_refusal

bp = Blueprint("questionnaire", __name__)


def _locale() -> str:
    return str(get_locale() or "pl")


def _may_use(user: object) -> None:
    """The questionnaires are a city's (a town team with a municipality in the register) and the
    analyst's; anyone else is told nothing exists here."""
    if not (qn.is_analyst(current_user) or qn.city_unit_id(current_user) is not None):
        abort(404)


@bp.route("/monitoring/questionnaires")
@login_required
def index() -> tuple[str, int]:
    _may_use(current_user)
    return _index_page({}, 200)


def _index_page(typed: dict[str, str], status: int, errors: dict[str, str] | None = None) -> tuple[str, int]:
    analyst = qn.is_analyst(current_user)
    unit_id = None if analyst else qn.city_unit_id(current_user)
    rows = qn.listing(unit_id)
    return render_template("monitoring/questionnaires.html", rows=rows, analyst=analyst,
                           areas=qn.reported_areas(), area_names=qn.area_names(), typed=typed,
                           errors=errors or {}, status_names=qn.status_names(),
                           this_year=utcnow().year), status


@bp.route("/monitoring/questionnaires", methods=["POST"])
@login_required
def open_one() -> Response | tuple[str, int]:
    unit_id = qn.city_unit_id(current_user)
    if unit_id is None:
        if qn.is_analyst(current_user):
            raise Refused([_("Ankietę otwiera i wypełnia miasto.")], status=403)
        abort(404)
    typed = {"year": request.form.get("year", "").strip(), "area": request.form.get("area", "")}
    errors: dict[str, str] = {}
    year = int(typed["year"]) if typed["year"].isdigit() else None
    if year is None or not qn.FIRST_YEAR <= year <= utcnow().year:
        errors["year"] = _("Podaj rok od %(first)d do %(last)d.", first=qn.FIRST_YEAR, last=utcnow().year)
    if typed["area"] not in qn.reported_areas():
        errors["area"] = _("Wybierz obszar z listy.")
    if errors:
        return _index_page(typed, 400, errors)
    q = qn.open_for(unit_id, year or 0, MonitoringArea(typed["area"]))
    db.session.commit()
    return redirect(url_for(".page", questionnaire_id=q.id))


@bp.route("/monitoring/questionnaires/<int:questionnaire_id>")
@login_required
def page(questionnaire_id: int) -> tuple[str, int]:
    q = qn.get_or_404(current_user, questionnaire_id)
    return _page(q, None, {}, 200)


def _page(q: Questionnaire, outcome: qn.Outcome | None, typed: dict[int, qn.Entry],
          status: int) -> tuple[str, int]:
    questions = qn.items(q.area)
    answers = {a.variable_id: a for a in q.answers}
    analyst = qn.is_analyst(current_user)
    warnings = outcome.warnings if outcome else {k: a.warnings or [] for k, a in answers.items()}
    return render_template(
        "monitoring/questionnaire.html", q=q, questions=questions, answers=answers, typed=typed,
        outcome=outcome, warnings=warnings, analyst=analyst, locale=_locale(),
        editable={i.variable_id: (not analyst) and qn.editable(q, answers.get(i.variable_id))
                  for i in questions},
        area_names=qn.area_names(), status_names=qn.status_names(), review_names=qn.review_names(),
        warning_text=qn.warning_text, unit_name=q.unit.name), status


@bp.route("/monitoring/questionnaires/<int:questionnaire_id>", methods=["POST"])
@login_required
def save(questionnaire_id: int) -> Response | tuple[str, int]:
    q = qn.get_or_404(current_user, questionnaire_id)
    if qn.is_analyst(current_user):
        raise Refused([_("Ankietę wypełnia miasto; analityk ocenia jej wartości.")], status=403)
    questions = qn.items(q.area)
    entries = {i.variable_id: qn.Entry(request.form.get(f"value-{i.variable_id}", "")[:200],
                                       request.form.get(f"comment-{i.variable_id}", "")[:5000])
               for i in questions}
    submit = request.form.get("action") == "submit"
    outcome = qn.save(q, questions, entries, current_user, submit=submit)
    if not outcome.ok:
        db.session.rollback()
        q = qn.get_or_404(current_user, questionnaire_id)
        return _page(q, outcome, entries, 409 if outcome.general else 400)
    audit.record("questionnaire.submitted" if submit else "questionnaire.saved", actor=current_user,
                 object_type="questionnaire", object_id=q.id)
    db.session.commit()
    flash(_("Ankieta wysłana do analityka.") if submit else _("Zapisano wersję roboczą."), "success")
    return redirect(url_for(".page", questionnaire_id=q.id))


@bp.route("/monitoring/questionnaires/<int:questionnaire_id>/answers/<int:variable_id>/review",
          methods=["POST"])
@login_required
def review(questionnaire_id: int, variable_id: int) -> Response | tuple[str, int]:
    q = qn.get_or_404(current_user, questionnaire_id)
    if not qn.is_analyst(current_user):
        raise Refused([_("Wartości ankiety ocenia analityk.")], status=403)
    accept = request.form.get("decision") == "accept"
    note = request.form.get("note", "")[:5000]
    try:
        qn.review(q, variable_id, accept, note, current_user)
    except Refused as refused:
        db.session.rollback()
        show_refusal(refused, form=f"review-{variable_id}", typed={"note": note})
        return _page(qn.get_or_404(current_user, questionnaire_id), None, {}, refused.status)
    audit.record("questionnaire.reviewed", actor=current_user, object_type="questionnaire",
                 object_id=q.id, detail={"variable_id": variable_id, "accepted": accept})
    db.session.commit()
    flash(_("Wartość przyjęta.") if accept else _("Wartość zwrócona miastu z uwagą."), "success")
    return redirect(url_for(".page", questionnaire_id=q.id) + f"#item-{variable_id}")

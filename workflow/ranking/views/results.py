"""Results: the town's outcome and sheets (evaluators unnamed) with its appeal, the
coordinator's appeals, and the public list of awarded towns."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from forms.ranking import AppealForm, DecisionForm
from workflow.extensions import db
from workflow.models import Path, Programme, Role
from workflow.models.types import utcnow
from workflow.path import access
from workflow.ranking import appeals as appeal_service
from workflow.web.helpers import role_required

bp = Blueprint("results", __name__)
STATUSES = ("filed", "upheld", "rejected")


def points(value: Any) -> str:
    """A score as people write it: 66 → '66', 62.5 → '62,5' (in Polish)."""
    if value is None:
        return "–"
    return format_decimal(value, format="#,##0.#")


def outcome_names() -> dict[str, str]:
    return {"awarded": _("dofinansowanie przyznane"), "reserve": _("lista rezerwowa"),
            "not_eligible": _("wniosek nie spełnił warunków dofinansowania")}


def refusal_text(refused: appeal_service.AppealRefused) -> str:
    """The service's refusal as a sentence in the reader's language."""
    v = refused.values
    if refused.code == "window_closed":
        return _("Termin na złożenie protestu minął %(date)s o godz. 23:59:59 (czasu warszawskiego).",
                 date=format_date(v["last_day"], "long"))
    if refused.code == "already_filed" and v.get("filed_on"):
        return _("Protest od tego wyniku został już złożony %(date)s. Można złożyć tylko jeden protest.",
                 date=format_date(v["filed_on"], "long"))
    if refused.code == "too_short":
        return _("Uzasadnienie protestu musi mieć co najmniej %(min)d znaków (wpisano %(n)d).",
                 min=v["min"], n=v["n"])
    if refused.code in ("too_long", "note_too_long"):
        return _("Uzasadnienie może mieć najwyżej %(max)d znaków.", max=v["max"])
    texts = {
        "final": _("W tym programie wynik jest ostateczny – protest nie przysługuje."),
        "not_announced": _("Wyniki nie zostały jeszcze ogłoszone."),
        "awarded": _("Wniosek otrzymał dofinansowanie – protest przysługuje od wyniku negatywnego."),
        "already_filed": _("Protest od tego wyniku został już złożony. Można złożyć tylko jeden protest."),
        "already_decided": _("Ten protest został już rozpatrzony."),
        "note_required": _("Podaj uzasadnienie rozstrzygnięcia."),
        "path_changed": _("Wniosek zmienił w międzyczasie etap, więc nie można go przywrócić do oceny. "
                          "Odśwież stronę i spróbuj ponownie."),
    }
    return texts[refused.code]


def status_names() -> dict[str, str]:
    return {"filed": _("czeka na rozstrzygnięcie"), "upheld": _("uwzględniony"), "rejected": _("odrzucony")}


# --- the town ------------------------------------------------------------------------------------

@bp.route("/town/results/")
@role_required(Role.TOWN)
def town() -> str | tuple[str, int]:
    paths = list(db.session.scalars(access.visible_paths(current_user).order_by(Path.id.desc())))
    if len(paths) == 1:
        return render_town(paths[0], AppealForm())
    found = [appeal_service.outcome(p) for p in paths]
    return render_template("ranking/results/town_index.html", found=found, outcome_names=outcome_names())


@bp.route("/town/results/<int:path_id>")
@role_required(Role.TOWN)
def town_path(path_id: int) -> str | tuple[str, int]:
    return render_town(access.get_path_or_404(current_user, path_id), AppealForm())


def render_town(path: Path, form: AppealForm, status: int = 200, refusal: str | None = None,
                ) -> tuple[str, int]:
    found = appeal_service.outcome(path)
    now = utcnow()
    can_file, why_not = True, None
    try:
        appeal_service.check_can_file(found, now)
    except appeal_service.AppealRefused as refused:
        can_file, why_not = False, refusal_text(refused)
    return render_template("ranking/results/town.html",
                           o=found, form=form, can_file=can_file, why_not=why_not,
                           refusal=refusal, points=points, outcome_names=outcome_names(),
                           status_names=status_names()), status


@bp.route("/town/results/<int:path_id>/appeal", methods=["POST"])
@role_required(Role.TOWN)
def file_appeal(path_id: int) -> Response | tuple[str, int]:
    path = access.get_path_or_404(current_user, path_id)
    form = AppealForm()
    if not form.validate_on_submit():
        return render_town(path, form, 400)
    try:
        appeal_service.file(path, current_user, form.justification.data)
    except appeal_service.AppealNotFound:
        abort(404)
    except appeal_service.AppealRefused as refused:
        if refused.field == "justification":
            form.justification.errors = [refusal_text(refused)]
            return render_town(path, form, refused.status)
        return render_town(path, form, refused.status, refusal=refusal_text(refused))
    flash(_("Złożono protest. Koordynator programu rozpatrzy go i powiadomi Was o rozstrzygnięciu."),
          "success")
    return redirect(url_for("results.town_path", path_id=path.id))


# --- the coordinator ---------------------------------------------------------------------------------

@bp.route("/coordinator/appeals/")
@role_required(Role.COORDINATOR)
def appeals() -> str:
    programmes = list(db.session.scalars(select(Programme).order_by(Programme.id)))
    code = request.args.get("programme") or None
    programme = next((p for p in programmes if p.code == code), None)
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    rows = appeal_service.listing(programme.id if programme else None, status)
    return render_template("ranking/results/appeals.html", rows=rows, programmes=programmes,
                           programme=programme, status=status, statuses=STATUSES, status_names=status_names(),
                           decide_by=appeal_service.decide_by)


def _appeal_or_404(appeal_id: int) -> Any:
    try:
        return appeal_service.get_for(current_user, appeal_id)
    except appeal_service.AppealNotFound:
        abort(404)


def render_appeal(appeal: Any, form: DecisionForm, status: int = 200, refusal: str | None = None,
                  ) -> tuple[str, int]:
    found = appeal_service.outcome(appeal.path)
    return render_template("ranking/results/appeal.html", appeal=appeal, o=found, form=form, refusal=refusal,
                           points=points, outcome_names=outcome_names(), status_names=status_names(),
                           decide_by=appeal_service.decide_by(appeal.path.programme, appeal)), status


@bp.route("/coordinator/appeals/<int:appeal_id>")
@role_required(Role.COORDINATOR)
def appeal(appeal_id: int) -> tuple[str, int]:
    return render_appeal(_appeal_or_404(appeal_id), DecisionForm())


@bp.route("/coordinator/appeals/<int:appeal_id>/decide", methods=["POST"])
@role_required(Role.COORDINATOR)
def decide(appeal_id: int) -> Response | tuple[str, int]:
    appeal_row = _appeal_or_404(appeal_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        return render_appeal(appeal_row, form, 400)
    upheld = form.decision.data == "upheld"
    try:
        appeal_service.decide(appeal_row, current_user, upheld, form.note.data)
    except appeal_service.AppealRefused as refused:
        if refused.field == "note":
            form.note.errors = [refusal_text(refused)]
            return render_appeal(appeal_row, form, refused.status)
        return render_appeal(appeal_row, form, refused.status, refusal=refusal_text(refused))
    if upheld:
        flash(_("Protest uwzględniony – miasto otrzymało powiadomienie, a wniosek wrócił do oceny "
                "merytorycznej w nowej rundzie. Przydziel oceniających; po złożeniu ich kart uruchom "
                "nowy ranking. Ogłoszony ranking pozostaje bez zmian."),
              "success")
    else:
        flash(_("Protest odrzucony – miasto otrzymało powiadomienie."), "success")
    return redirect(url_for("results.appeal", appeal_id=appeal_row.id))


# --- the public --------------------------------------------------------------------------------------

@bp.route("/public/results/")
def public() -> str:
    return render_template("ranking/results/public.html",
                           results=appeal_service.public_results(), points=points)

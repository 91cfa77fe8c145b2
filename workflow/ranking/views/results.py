"""Results: the town's outcome and sheets (evaluators unnamed) with its appeal, the
coordinator's appeals, and the public list of awarded towns."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from forms.ranking import AppealForm, DecisionForm
from workflow import tabular
from workflow.advice.report_tables import MIMETYPES
from workflow.extensions import db
from workflow.models import AppealStatus, Path, Role
from workflow.models.types import utcnow
from workflow.path import access
from workflow.ranking import appeals as appeal_service
from workflow.refusal import Message
from workflow.web.helpers import add_reasons, programme_choices, role_required
from workflow.web.kept import Kept
from workflow.web.templating import number

bp = Blueprint("results", __name__)
STATUSES = tuple(AppealStatus)


def points(value: Any) -> str:
    """A score as people write it: 66 → '66', 62.5 → '62,5' (in Polish)."""
    return number(value)


def outcome_names() -> dict[str, str]:
    return {"awarded": _("dofinansowanie przyznane"), "reserve": _("lista rezerwowa"),
            "not_eligible": _("wniosek nie spełnił warunków dofinansowania")}


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


def render_town(path: Path, form: AppealForm, status: int = 200, refusal: Message | None = None,
                ) -> tuple[str, int]:
    found = appeal_service.outcome(path)
    now = utcnow()
    can_file, why_not = True, None
    try:
        appeal_service.check_can_file(found, now)
    except appeal_service.AppealRefused as refused:
        can_file, why_not = False, refused.message
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
    except appeal_service.AppealRefused as refused:
        if refused.field == "justification":
            add_reasons(form, refused)
            return render_town(path, form, refused.status)
        return render_town(path, form, refused.status, refusal=refused.message)
    flash(_("Złożono protest. Koordynator programu rozpatrzy go i powiadomi Was o rozstrzygnięciu."),
          "success")
    return redirect(url_for("results.town_path", path_id=path.id))


# --- the coordinator ---------------------------------------------------------------------------------

@bp.route("/coordinator/appeals/")
@role_required(Role.COORDINATOR)
def appeals() -> str:
    programmes = programme_choices()
    code = request.args.get("programme") or None
    programme = next((p for p in programmes if p.code == code), None)
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    rows = appeal_service.listing(programme.id if programme else None, status)
    return render_template("ranking/results/appeals.html", rows=rows, programmes=programmes,
                           programme=programme, status=status, statuses=STATUSES, status_names=status_names(),
                           decide_by=appeal_service.decide_by)


def _appeal_or_404(appeal_id: int) -> Any:
    """The appeal if the user may see it; AppealNotFound (the handler's 404) otherwise."""
    return appeal_service.get_for(current_user, appeal_id)


def render_appeal(appeal: Any, form: DecisionForm, status: int = 200, refusal: Message | None = None,
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
    upheld = form.decision.data == AppealStatus.UPHELD
    try:
        appeal_service.decide(appeal_row, current_user, upheld, form.note.data)
    except appeal_service.AppealRefused as refused:
        if refused.field == "note":
            add_reasons(form, refused)
            return render_appeal(appeal_row, form, refused.status)
        return render_appeal(appeal_row, form, refused.status, refusal=refused.message)
    if upheld:
        flash(_("Protest uwzględniony – miasto otrzymało powiadomienie, a wniosek wrócił do oceny "
                "merytorycznej w nowej rundzie. Przydziel oceniających; po złożeniu ich kart uruchom "
                "nowy ranking. Ogłoszony ranking pozostaje bez zmian."),
              "success")
    else:
        flash(_("Protest odrzucony – miasto otrzymało powiadomienie."), "success")
    return redirect(url_for("results.appeal", appeal_id=appeal_row.id))


# --- the public --------------------------------------------------------------------------------------

# The public results as drawn, kept in this process per version of the announcements and their
# lists and per language (decision 0046): a few KB to ~100 KB each; none older than five minutes.
PUBLIC = Kept(max_weight=100, max_age=300.0)


@bp.route("/public/results/")
def public() -> str:
    """Two statements (the announcements and who is on their lists); the results drawn from the
    ranking documents are kept for as long as those read the same."""
    found = appeal_service.announced()
    key = (db.engine.url.render_as_string(hide_password=True), g.locale, found.version)
    # A template's own output, escaped by Jinja as it was drawn: already HTML.
    drawn = PUBLIC.cached(key, lambda: Markup(render_template(  # noqa: S704  # nosec B704
        "ranking/results/_public.html", results=appeal_service.public_results(found=found), points=points,
        list_names=public_list_names())))
    return render_template("ranking/results/public.html", drawn=drawn)


def public_list_names() -> dict[str, str]:
    return {"awarded": _("dofinansowanie"), "reserve": _("lista rezerwowa")}


def public_table(result: appeal_service.PublicResult) -> tuple[list[str], list[list[object]]]:
    """The awarded towns, then the reserve list: one row each, the scores per part."""
    header = [_("Lista"), _("Miejsce"), _("Miasto"), _("Województwo"), _("Kwota (zł)"), *result.parts,
              _("Razem (pkt)")]
    names = public_list_names()
    rows: list[list[object]] = []
    for outcome, entries in (("awarded", result.awarded), ("reserve", result.reserve)):
        for e in entries:
            rows.append([names[outcome], e["rank"], e["town"], e["voivodeship"], e["amount"],
                         *(_decimal(e["parts"][c]) for c in result.parts), _decimal(e["total"])])
    return header, rows


def _decimal(value: Any) -> Any:
    return "" if value is None else Decimal(str(value))


def public_json(result: appeal_service.PublicResult) -> dict[str, Any]:
    def entry(e: dict[str, Any]) -> dict[str, Any]:
        return {"rank": e["rank"], "town": e["town"], "voivodeship": e["voivodeship"],
                "amount": str(e["amount"]), "total": e["total"], "parts": e["parts"]}
    return {"programme": result.programme.code, "title": result.programme.title(g.locale),
            "announced_at": result.announced_at.isoformat(), "ranking": result.snapshot_id,
            "budget": str(result.budget) if result.budget is not None else None,
            "awarded_sum": str(result.awarded_sum), "parts": result.parts,
            "awarded": [entry(e) for e in result.awarded], "reserve": [entry(e) for e in result.reserve]}


@bp.route("/public/results/<code>.<any(csv, xlsx, json):fmt>")
def public_download(code: str, fmt: str) -> Response:
    """The announced results of one programme as a file (no names of people)."""
    found = appeal_service.public_results(code)
    if not found:
        abort(404)
    result = found[0]
    stem = f"wyniki-{result.programme.code}"
    headers = {"Content-Disposition": f'attachment; filename="{stem}.{fmt}"'}
    if fmt == "json":
        body = json.dumps(public_json(result), ensure_ascii=False, indent=2) + "\n"
        return Response(body, mimetype="application/json; charset=utf-8", headers=headers)
    header, rows = public_table(result)
    if fmt == "csv":
        text = "".join(tabular.csv_stream(header, rows, locale=g.locale))
        return Response(text.encode("utf-8"), mimetype=MIMETYPES["csv"], headers=headers)
    return Response(tabular.xlsx_bytes([(_("Wyniki"), header, rows)]), mimetype=MIMETYPES["xlsx"],
                    headers=headers)

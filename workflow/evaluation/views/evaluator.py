"""The evaluator's pages: the assigned applications, the declaration, the application's
documents, the score sheet, and the other experts' sheets once they may be seen.

An application is found only through the evaluator's own assignment to it, so any other id
typed into a URL is a 404. After a declared conflict the application is closed to them
(a refusal page that says why); before an impartial declaration nothing of it is shown.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

import states
from forms.evaluation import DeclarationForm, ScoreSheetForm, sheet_form_class
from workflow.evaluation import criteria, sheets
from workflow.models import Declaration, EvaluatorAssignment, Role, ScoreSheet, SheetPart, SheetStatus
from workflow.path.deadlines import days_left
from workflow.refusal import Message
from workflow.web.helpers import add_reasons, role_required, show_refusal

bp = Blueprint("evaluator", __name__, url_prefix="/evaluator")

Page = Response | str | tuple[str, int]


def _assignment_or_404(path_id: int) -> EvaluatorAssignment:
    assignment = sheets.assignment_for(current_user, path_id)
    if assignment is None:
        abort(404)
    return assignment


def _closed(assignment: EvaluatorAssignment) -> tuple[str, int]:
    """The page an evaluator gets for an application they declared a conflict for."""
    return render_template("evaluation/evaluator/conflict.html", assignment=assignment), 403


@bp.route("/")
@role_required(Role.EVALUATOR)
def index() -> str:
    rows = sheets.assignments_of(current_user)
    return render_template("evaluation/evaluator/index.html",
                           rows=rows, conflict_labels=sheets.CONFLICT_LABELS,
                           **_to_do(rows))


def _to_do(rows: list[sheets.AssignmentRow]) -> dict[str, object]:
    """What the page says first: how many sheets are still to submit, and the nearest deadline
    among them with the days left (in the programme's time zone)."""
    open_rows = [r for r in rows if r.assignment.declaration != Declaration.CONFLICT
                 and r.sheet_status != SheetStatus.SUBMITTED]
    dated = sorted((r for r in open_rows if r.deadline), key=lambda r: r.deadline)
    nearest = dated[0].deadline if dated else None
    now = datetime.now(UTC)
    left = days_left(nearest, now, current_app.config["TIMEZONE"]) if nearest else None
    return {"to_do": open_rows, "nearest": nearest, "nearest_days": left,
            "nearest_overdue": bool(nearest and now > nearest)}


# --- the declaration --------------------------------------------------------------------------

def _declaration_form() -> DeclarationForm:
    form = DeclarationForm()
    form.conflict_type.choices = [(k, str(v)) for k, v in sheets.CONFLICT_LABELS.items()]
    return form


@bp.route("/applications/<int:path_id>/declaration", methods=["GET", "POST"])
@role_required(Role.EVALUATOR)
def declaration(path_id: int) -> Page:
    assignment = _assignment_or_404(path_id)
    if assignment.declaration == Declaration.CONFLICT:
        return _closed(assignment)
    submitted = assignment.sheet is not None and assignment.sheet.status == SheetStatus.SUBMITTED
    form = _declaration_form()
    status = 200
    if form.is_submitted():
        if form.validate():
            try:
                sheets.declare(assignment, form.declaration.data or "", form.conflict_type.data,
                               form.note.data or "")
            except sheets.SheetInvalid as invalid:
                add_reasons(form, invalid)
            except sheets.SheetRefused as refused:
                show_refusal(refused)  # the page again, the reason at its top
                return _declaration_page(assignment, form, submitted, refused.status)
            else:
                if form.declaration.data == Declaration.IMPARTIAL:
                    flash(_("Złożono deklarację bezstronności. Możesz teraz zapoznać się z wnioskiem "
                            "i go ocenić."), "success")
                    return redirect(url_for("evaluator.application", path_id=path_id))
                flash(_("Zgłoszono konflikt interesów. Nie będziesz oceniać tego wniosku; "
                        "koordynator przydzieli go innemu ekspertowi."), "success")
                return redirect(url_for("evaluator.index"))
        status = 422
    return _declaration_page(assignment, form, submitted, status)


def _declaration_page(assignment: EvaluatorAssignment, form: DeclarationForm, submitted: bool,
                      status: int) -> tuple[str, int]:
    return render_template("evaluation/evaluator/declaration.html", assignment=assignment, form=form,
                           submitted=submitted), status


# --- the application --------------------------------------------------------------------------

def _gate(assignment: EvaluatorAssignment) -> Page | None:
    """Where an evaluator who may not see the application goes instead, or None."""
    if assignment.declaration == Declaration.CONFLICT:
        return _closed(assignment)
    if assignment.declaration != Declaration.IMPARTIAL:
        flash(_("Zanim zobaczysz wniosek, złóż deklarację bezstronności albo zgłoś konflikt interesów."),
              "info")
        return redirect(url_for("evaluator.declaration", path_id=assignment.path_id))
    return None


def _scores_by_criterion(sheet: ScoreSheet | None) -> dict[int, object]:
    return {s.criterion_id: s for s in sheet.scores} if sheet else {}


def _part_totals(parts: list[SheetPart], sheet: ScoreSheet) -> dict[int, int]:
    scores = _scores_by_criterion(sheet)
    return {p.id: sum(getattr(scores.get(c.id), "points", None) or 0 for c in p.criteria) for p in parts}


@bp.route("/applications/<int:path_id>")
@role_required(Role.EVALUATOR)
def application(path_id: int) -> Page:
    assignment = _assignment_or_404(path_id)
    gate = _gate(assignment)
    if gate is not None:
        return gate
    path = assignment.path
    parts = criteria.parts_of(path.programme)
    others = sheets.visible_other_sheets(assignment)
    hidden = sheets.others_hidden_because(assignment)
    own = assignment.sheet
    return render_template(
        "evaluation/evaluator/application.html", assignment=assignment, path=path,
        documents=sheets.application_documents(path), parts=parts, own=own,
        stage_labels={s.code: s.label for s in states.get_definition(path.programme.path_code).stages},
        own_scores=_scores_by_criterion(own), own_totals=_part_totals(parts, own) if own else {},
        others=[(s, _scores_by_criterion(s), _part_totals(parts, s)) for s in others],
        hidden=hidden,
        can_declare_conflict=own is None or own.status != SheetStatus.SUBMITTED,
    )


# --- the score sheet --------------------------------------------------------------------------

def _initial(sheet: ScoreSheet | None) -> dict[str, object]:
    data: dict[str, object] = {"version": sheet.version if sheet else 1}
    if sheet:
        for s in sheet.scores:
            data[f"points_{s.criterion_id}"] = s.points
            data[f"justification_{s.criterion_id}"] = s.justification
    return data


def _render_sheet(assignment: EvaluatorAssignment, form: ScoreSheetForm, status: int = 200,
                  refusal: Message | None = None) -> tuple[str, int]:
    programme = assignment.path.programme
    late = sheets.past_deadline(programme, datetime.now(UTC))
    return render_template("evaluation/evaluator/sheet.html", assignment=assignment, path=assignment.path,
                           form=form, refusal=refusal, min_justification=sheets.MIN_JUSTIFICATION,
                           late=late, deadline=programme.evaluation_deadline), status


@bp.route("/applications/<int:path_id>/sheet", methods=["GET", "POST"])
@role_required(Role.EVALUATOR)
def sheet(path_id: int) -> Page:
    assignment = _assignment_or_404(path_id)
    gate = _gate(assignment)
    if gate is not None:
        return gate
    programme = assignment.path.programme
    own = assignment.sheet
    if own is not None and own.status == SheetStatus.SUBMITTED:
        if request.method != "POST":  # the submitted sheet is shown on the application page
            return redirect(url_for("evaluator.application", path_id=path_id))
        raise sheets.SheetRefused(sheets.ALREADY_SUBMITTED)
    parts = criteria.parts_of(programme)
    if not parts:  # the programme has no score sheet yet: the coordinator creates it
        raise sheets.SheetRefused(sheets.NO_SHEET)
    form_class = sheet_form_class(parts)
    if request.method != "POST":
        return _render_sheet(assignment, form_class(data=_initial(own)))

    form = form_class()
    valid = form.validate_on_submit()
    submit = form.submitting
    values = {cid: sheets.ScoreInput(points, text) for cid, (points, text) in form.values().items()}
    problems = sheets.check_values(parts, values, submit)
    form.add_errors(problems)
    if not valid or problems:
        return _render_sheet(assignment, form, 400)
    try:
        draft = sheets.get_or_create_draft(assignment)
        sheets.save(draft, values, submit, form.version.data)
    except sheets.SheetInvalid as invalid:
        form.add_errors(invalid.errors)
        return _render_sheet(assignment, form, 400)
    except sheets.SheetRefused as refused:
        if refused.stale:
            # Keep what was typed, and let a second save replace the other window's values
            # knowingly: nothing typed is lost, nothing is overwritten unseen.
            current = sheets.assignment_for(current_user, path_id)
            form.version.data = current.sheet.version if current and current.sheet else 1
            form.version.raw_data = None
            return _render_sheet(assignment, form, 409, _(
                "Karta została w międzyczasie zapisana w innym oknie lub na innym urządzeniu. "
                "Poniżej są wartości wpisane przez Ciebie w tym oknie – nic nie zostało zapisane. "
                "Zapisz je ponownie, jeśli mają zastąpić tamte."))
        return _render_sheet(assignment, form, refused.status, refused.reason)
    if submit:
        flash(_("Złożono kartę oceny. Dziękujemy!"), "success")
        return redirect(url_for("evaluator.application", path_id=path_id))
    flash(_("Zapisano szkic karty oceny. Możesz do niego wrócić w dowolnej chwili."), "success")
    return redirect(url_for("evaluator.sheet", path_id=path_id))

"""Evaluation (coordinator only): the applications in evaluation with their evaluators,
declarations, sheets, spreads, the third evaluator and the final score, every step shown;
assignment by hand, and the proposal, shown for approval before anything is saved."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import combinations
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import ColumnElement, and_, case, func, select, true
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from forms.evaluation import ApproveEvaluatorsForm, AssignEvaluatorForm
from workflow.advice.assignment import AssignmentRefused
from workflow.evaluation import manual_assignment, summary
from workflow.evaluation.conflicts import (
    CONFLICT_LABELS,
    NO_THIRD_CANDIDATE,
    THIRD_NOT_NEEDED,
    EvaluatorLoad,
    conflicts_of,
    conflicts_where,
    evaluated_states,
    evaluator_loads,
)
from workflow.evaluation.proposal import apply as apply_proposal
from workflow.evaluation.proposal import propose
from workflow.evaluation.scores import (
    ApplicationScore,
    application_score,
    earlier_rounds,
    eligible,
    evaluator_rows,
    scores_of,
    sheet_lines,
)
from workflow.extensions import db
from workflow.models import EvaluationSummary, EvaluatorRole, Path, Programme, Role, SheetPart, User
from workflow.path import access
from workflow.refusal import Message
from workflow.text import polish_key
from workflow.web import listing
from workflow.web.helpers import add_error, add_reasons, current_programme, programme_choices, role_required
from workflow.web.l10n import format_percent
from workflow.web.templating import number

bp = Blueprint("evaluation", __name__, url_prefix="/coordinator/evaluation")

Page = str | tuple[str, int] | Response



def _num(value: Decimal | int | None) -> str:
    """A score in the page's language: 90,5 in Polish, 90.5 in English; 96."""
    return number(value)


def _pct(value: Decimal | None) -> str:
    """A share in the page's language: '35,2 %' in Polish, '35.2%' in English."""
    return "–" if value is None else format_percent(value / 100, "#,##0.#%")


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"num": _num, "pct": _pct, "conflict_labels": CONFLICT_LABELS}



# --- the applications ----------------------------------------------------------------------------


# The overview's table (docs/decisions/0026, 0035): one page of the kept lines
# (workflow/evaluation/summary.py), searched, filtered, sorted and counted in SQL; the final
# score rule runs only for the page's applications.
_LINE = EvaluationSummary
APPLICATIONS = listing.Spec(
    columns=(
        listing.Column("town", _LINE.town_key),
        listing.Column("spread", _LINE.spread_pct, first=listing.DESC),
        listing.Column("third", _LINE.third_order),
        listing.Column("final", _LINE.final_total, first=listing.DESC),
    ),
    default="town", tiebreak=_LINE.path_id,
)
NEEDS = {
    "third": and_(_LINE.third == "needed", _LINE.in_evaluation.is_(True)),
    "evaluators": and_(_LINE.in_evaluation.is_(True), _LINE.missing_regular > 0),
    "final": _LINE.final_total.is_not(None),
}


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


@dataclass(frozen=True)
class Listed:
    """One page of the overview as the kept lines give it (never changed once made: kept)."""

    status: dict[str, int]
    found: int
    number: int
    rows: tuple[ApplicationScore, ...]


def _listed(programme: Programme, need: str, params: listing.Params) -> Listed:
    """The status line's counts, how many lines the search and filter keep, and the page's
    applications with the final score rule run for them only (seven statements)."""
    scope = [_LINE.programme_id == programme.id, _LINE.state.in_(evaluated_states(programme))]
    chosen = [NEEDS[need]] if need else []
    chosen += [_LINE.search.contains(word, autoescape=True) for word in params.words]
    # One statement: the status line's counts and how many lines the search and filter keep.
    counts = db.session.execute(select(
        func.count(), _count(_LINE.in_evaluation.is_(True)), _count(_LINE.complete.is_(True)),
        _count(and_(_LINE.in_evaluation.is_(True), _LINE.missing_regular > 0)),
        _count(_LINE.third == "needed"), _count(and_(true(), *chosen))).where(*scope)).one()
    total, in_evaluation, complete, lacking, thirds, found = (int(n) for n in counts)
    number = min(params.page, max(1, -(-found // APPLICATIONS.size)))
    ids = list(db.session.scalars(
        select(_LINE.path_id).where(*scope, *chosen).order_by(*listing.order_by(APPLICATIONS, params))
        .limit(APPLICATIONS.size).offset((number - 1) * APPLICATIONS.size)))
    by_id = {s.path_id: s for s in scores_of(programme, ids)}
    status = {"n": total, "e": in_evaluation, "c": complete, "l": lacking, "t": thirds}
    return Listed(status, found, number, tuple(by_id[i] for i in ids if i in by_id))


def _blocked(rows: tuple[ApplicationScore, ...], programme: Programme) -> frozenset[int]:
    """The page's applications that need a third evaluator nobody can be: read on every
    request (the evaluators' accounts and conflicts are not in the revision), and only when
    the page has an application waiting for one (two to four statements)."""
    waiting = [s for s in rows if s.third == "needed" and s.in_evaluation]
    if not waiting:
        return frozenset()
    evaluators = evaluator_loads(programme)
    conflicts = conflicts_where(Path.id.in_([s.path_id for s in waiting]))
    return frozenset(s.path_id for s in waiting if not eligible(s, evaluators, conflicts))


@bp.route("/")
@role_required(Role.COORDINATOR)
def index() -> Page:
    """The overview (decision 0044): the page of lines and the list as drawn are kept per
    revision of the programme's lines, read with the programme in the same statement."""
    programme = current_programme(*summary.revision_columns())
    revision = g.programme_also  # the number and its token (decision 0047)
    programmes = programme_choices()
    need = request.args.get("need") or ""
    if need not in NEEDS:
        need = ""
    params = listing.parse(request.args, APPLICATIONS)
    key = (db.engine.url.render_as_string(hide_password=True), programme.id, revision,
           programme.discrepancy_pct, programme.code, need, params)
    listed = summary.OVERVIEW.cached(("lines", *key), lambda: _listed(programme, need, params))
    blocked = _blocked(listed.rows, programme)
    drawn = ("drawn", *key, g.locale, blocked)
    applications = summary.OVERVIEW.peek(drawn)
    if applications is None:
        pages = max(1, -(-listed.found // APPLICATIONS.size))
        page = listing.Page(list(listed.rows), listed.found, listed.number, pages, APPLICATIONS.size,
                            params, APPLICATIONS, {"programme": programme.code, "need": need})
        # A template's own output, escaped by Jinja as it was drawn: already HTML.
        applications = Markup(render_template(  # noqa: S704  # nosec B704
            "evaluation/coordinator/_applications.html", programme=programme, status=listed.status,
            page=page, need=need, blocked=blocked, no_third=NO_THIRD_CANDIDATE))
        summary.OVERVIEW.put(drawn, applications)
    return render_template("evaluation/coordinator/index.html", programme=programme, programmes=programmes,
                           status=listed.status, applications=applications)


def _options(candidates: list[EvaluatorLoad]) -> list[tuple[Any, str]]:
    return [("", _("– wybierz oceniającego –"))] + [
        (e.id, _("%(name)s (wniosków w programie: %(load)d)", name=e.name, load=e.load)) for e in candidates]


def _steps(score: ApplicationScore) -> dict[str, Any]:
    """The arithmetic of the final score rule, for the page to show line by line."""
    totals = [s.total for s in score.sheets]
    steps: dict[str, Any] = {"totals": totals, "pairs": []}
    if len(totals) >= 2:
        a, b = totals[0], totals[1]
        steps["difference"] = abs(a - b)
        steps["allowed"] = Decimal(score.discrepancy_pct) * max(a, b) / 100
    if score.final.needs_third and len(totals) >= 3:
        steps["pairs"] = [(i, j, abs(totals[i] - totals[j]), Decimal(totals[i] + totals[j]) / 2)
                          for i, j in combinations(range(len(totals)), 2)]
    return steps


def _render_application(path: Path, *, regular_form: AssignEvaluatorForm | None = None,
                        third_form: AssignEvaluatorForm | None = None, errors: list[Message] | None = None,
                        status: int = 200) -> tuple[str, int]:
    """The application's page; a form given here keeps what was chosen and its errors."""
    score = application_score(path)
    evaluators = evaluator_loads(path.programme)
    conflicts = conflicts_of(path)
    candidates = eligible(score, evaluators, conflicts)
    conflicted = sorted(((evaluators[e], kind) for (_p, e), kind in conflicts.items()
                         if e in evaluators and e not in score.evaluator_ids),
                        key=lambda t: (polish_key(t[0].name), t[0].id))
    parts = list(db.session.scalars(
        select(SheetPart).options(selectinload(SheetPart.criteria))
        .where(SheetPart.programme_id == path.programme_id).order_by(SheetPart.position, SheetPart.id)))
    regular_form = regular_form or AssignEvaluatorForm(formdata=None, prefix="regular")
    regular_form.evaluator.choices = _options(candidates)
    third_form = third_form or AssignEvaluatorForm(formdata=None, prefix="third")
    third_form.evaluator.choices = _options(candidates)
    return render_template(
        "evaluation/coordinator/application.html",
        programme=path.programme, path=path, score=score, parts=parts,
        lines=sheet_lines(path), earlier=earlier_rounds(path),
        candidates=candidates, conflicted=conflicted, steps=_steps(score),
        regular_form=regular_form, third_form=third_form, no_third=NO_THIRD_CANDIDATE, errors=errors or [],
    ), status


@bp.route("/applications/<int:path_id>")
@role_required(Role.COORDINATOR)
def application(path_id: int) -> Page:
    return _render_application(access.get_path_or_404(current_user, path_id))


def _assign(path: Path, form: AssignEvaluatorForm, role: EvaluatorRole, render: dict[str, Any]) -> Page:
    """Validate the form, find the evaluator, let the service decide; 400 or 409 with the reason."""
    if not form.validate():
        return _render_application(path, status=400, **render)
    evaluator = db.session.get(User, form.evaluator.data) if form.evaluator.data else None
    if evaluator is None or evaluator.role != Role.EVALUATOR:
        add_error(form.evaluator, _("Wybierz oceniającego z listy."))
        return _render_application(path, status=400, **render)
    try:
        manual_assignment.assign(path, evaluator, current_user, role=role)
    except AssignmentRefused as exc:
        add_reasons(form, exc, "evaluator")
        return _render_application(path, status=exc.status, **render)
    flash(_("Przydzielono: %(name)s. Oceniający dostanie wiadomość.", name=evaluator.name), "success")
    return redirect(url_for("evaluation.application", path_id=path.id))


@bp.route("/applications/<int:path_id>/evaluators", methods=["POST"])
@role_required(Role.COORDINATOR)
def assign(path_id: int) -> Page:
    path = access.get_path_or_404(current_user, path_id)
    form = AssignEvaluatorForm(prefix="regular")
    return _assign(path, form, EvaluatorRole.REGULAR, {"regular_form": form})


@bp.route("/applications/<int:path_id>/third", methods=["POST"])
@role_required(Role.COORDINATOR)
def assign_third(path_id: int) -> Page:
    path = access.get_path_or_404(current_user, path_id)
    form = AssignEvaluatorForm(prefix="third")
    return _assign(path, form, EvaluatorRole.THIRD, {"third_form": form})


@bp.route("/applications/<int:path_id>/third/auto", methods=["POST"])
@role_required(Role.COORDINATOR)
def third_auto(path_id: int) -> Page:
    # CSRFProtect has already refused a POST without a valid token.
    path = access.get_path_or_404(current_user, path_id)
    result = manual_assignment.ensure_third(path, current_user)
    if result.assignment is not None:
        flash(_("Przydzielono trzeciego oceniającego: %(name)s. Dostanie wiadomość.",
                name=result.assignment.evaluator.name), "success")
    elif result.reason is not None:
        flash(str(result.reason), "error")
    else:
        flash(str(THIRD_NOT_NEEDED), "info")
    return redirect(url_for("evaluation.application", path_id=path.id))


@bp.route("/assignments/<int:assignment_id>/unassign", methods=["POST"])
@role_required(Role.COORDINATOR)
def unassign(assignment_id: int) -> Page:
    row = manual_assignment.get_assignment(assignment_id)
    if row is None:
        abort(404)
    path = access.get_path_or_404(current_user, row.path_id)
    name = row.evaluator.name
    try:
        manual_assignment.unassign(row, current_user)
    except AssignmentRefused as exc:
        return _render_application(path, errors=exc.messages, status=exc.status)
    flash(_("Zakończono przydział: %(name)s.", name=name), "info")
    return redirect(url_for("evaluation.application", path_id=path.id))


# --- the proposal and the evaluators ----------------------------------------------------------------


def _render_proposal(programme: Programme, reasons: list[Message] | None = None,
                     status: int = 200) -> tuple[str, int]:
    proposal = propose(programme)
    towns, evaluators = proposal.towns, proposal.evaluators
    pairs = sorted(proposal.pairs, key=lambda p: (polish_key(towns[p.path_id]), p.path_id,
                                                  polish_key(evaluators[p.evaluator_id].name)))
    loads = sorted(((evaluators[e], load, proposal.new.get(e, 0)) for e, load in proposal.loads.items()),
                   key=lambda t: (-t[2], polish_key(t[0].name), t[0].id))
    return render_template(
        "evaluation/coordinator/proposal.html",
        programme=programme, proposal=proposal, pairs=pairs, towns=towns,
        evaluators=evaluators, loads=loads, form=ApproveEvaluatorsForm(formdata=None),
        uncovered=sorted(proposal.uncovered, key=lambda u: (polish_key(towns[u.path_id]), u.path_id)),
        reasons=reasons or [],
    ), status


def _unknown(programme: Programme, pairs: list[tuple[int, int]]) -> bool:
    """Whether a posted pair names an application outside the programme or no evaluator:
    not something our page sends, so bad input (400) rather than a conflict (409)."""
    path_ids = {p for p, _e in pairs}
    evaluator_ids = {e for _p, e in pairs}
    known_paths = set(db.session.scalars(
        select(Path.id).where(Path.id.in_(path_ids), Path.programme_id == programme.id)))
    known_evaluators = set(db.session.scalars(
        select(User.id).where(User.id.in_(evaluator_ids), User.role == Role.EVALUATOR.value)))
    return known_paths != path_ids or known_evaluators != evaluator_ids


@bp.route("/proposal", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def proposal() -> Page:
    programme = current_programme()
    form = ApproveEvaluatorsForm()
    if not form.is_submitted():
        return _render_proposal(programme)
    if not form.validate():
        return _render_proposal(programme, [str(e) for e in form.pair.errors], 400)
    if _unknown(programme, form.pair.data):
        unknown = _("Propozycja wskazuje nieznany wniosek albo nieznanego oceniającego. Nic nie zapisano. "
                    "Poniżej nowa propozycja.")
        return _render_proposal(programme, [unknown], 400)
    try:
        saved = apply_proposal(programme, form.pair.data, current_user)
    except AssignmentRefused as exc:
        reasons = [_("Nic nie zapisano, bo przydziały zmieniły się od przygotowania propozycji. "
                     "Poniżej nowa propozycja.")] + exc.messages
        return _render_proposal(programme, reasons, exc.status)
    flash(_("Zapisano przydziały oceniających: %(n)d. Oceniający dostaną wiadomości.", n=len(saved)),
          "success")
    return redirect(url_for("evaluation.index", programme=programme.code))


@bp.route("/evaluators")
@role_required(Role.COORDINATOR)
def evaluators() -> Page:
    programme = current_programme()
    rows = sorted(evaluator_rows(programme), key=lambda r: (polish_key(r.evaluator.name), r.evaluator.id))
    return render_template("evaluation/coordinator/evaluators.html", programme=programme, rows=rows)

"""The score sheet's parts and criteria (coordinator): the sheet with its maxima and sums,
and, until the first sheet of the programme is submitted, the editor of its criteria."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from forms.evaluation import ConfirmForm, CriterionForm
from workflow.evaluation import criteria
from workflow.extensions import db
from workflow.models import Criterion, Programme, Role, SheetPart
from workflow.refusal import Message
from workflow.web.helpers import add_reasons, current_programme, programme_choices, role_required

bp = Blueprint("criteria", __name__, url_prefix="/coordinator/criteria")

Page = Response | str | tuple[str, int]


def _index_url(programme: Programme) -> str:
    return url_for("criteria.index", programme=programme.code)


def _locked_page(programme: Programme, reason: Message = criteria.LOCKED) -> tuple[str, int]:
    return render_template("evaluation/criteria/locked.html", programme=programme, reason=reason), 409


def _part_or_404(part_id: int) -> SheetPart:
    part = db.session.get(SheetPart, part_id)
    if part is None:
        abort(404)
    return part


def _criterion_or_404(criterion_id: int) -> Criterion:
    criterion = db.session.get(Criterion, criterion_id)
    if criterion is None:
        abort(404)
    return criterion


@bp.route("/")
@role_required(Role.COORDINATOR)
def index() -> str:
    programme = current_programme()
    parts = criteria.parts_of(programme)
    return render_template(
        "evaluation/criteria/index.html", programme=programme, parts=parts,
        programmes=programme_choices(),
        maxima=criteria.part_maxima(programme), locked=criteria.is_locked(programme),
        create_form=ConfirmForm(), template=criteria.template_of(programme),
    )


@bp.route("/create", methods=["POST"])
@role_required(Role.COORDINATOR)
def create() -> Response | tuple[str, int]:
    programme = current_programme()
    form = ConfirmForm()
    if not form.validate_on_submit() or criteria.template_of(programme) is None:
        abort(400)  # a programme whose path names no template has no sheet to create
    had = bool(criteria.parts_of(programme))
    criteria.ensure_sheet(programme)
    if had:
        flash(_("Program ma już kartę oceny; nic nie zmieniono."), "info")
    else:
        flash(_("Utworzono kartę oceny według wzoru RL-2020."), "success")
    return redirect(_index_url(programme))


def _input(form: CriterionForm) -> criteria.CriterionInput:
    return criteria.CriterionInput(
        code=form.code.data or "", title_pl=form.title_pl.data or "", title_en=form.title_en.data or "",
        description_pl=form.description_pl.data or "", description_en=form.description_en.data or "",
        max_points=form.max_points.data,
    )


def _edit_page(form: CriterionForm, part: SheetPart, programme: Programme, criterion: Criterion | None,
               status: int = 200) -> tuple[str, int]:
    return render_template("evaluation/criteria/form.html", form=form, part=part, programme=programme,
                           criterion=criterion), status


def _save(form: CriterionForm, part: SheetPart, programme: Programme,
          criterion: Criterion | None) -> Page:
    if not form.validate_on_submit():
        return _edit_page(form, part, programme, criterion, 400)
    try:
        if criterion is None:
            saved = criteria.add_criterion(part, _input(form))
            flash(_("Dodano kryterium %(code)s.", code=saved.code), "success")
        else:
            saved = criteria.update_criterion(criterion, _input(form))
            flash(_("Zapisano kryterium %(code)s.", code=saved.code), "success")
    except criteria.CriteriaLocked as locked:
        db.session.rollback()
        return _locked_page(programme, locked.reason)
    except criteria.CriterionInvalid as invalid:
        db.session.rollback()
        add_reasons(form, invalid)
        return _edit_page(form, part, programme, criterion, invalid.status)
    return redirect(_index_url(programme))


@bp.route("/parts/<int:part_id>/new", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def new(part_id: int) -> Page:
    part = _part_or_404(part_id)
    programme = criteria.part_programme(part)
    if criteria.is_locked(programme):
        return _locked_page(programme)
    form = CriterionForm()
    if request.method == "POST":
        return _save(form, part, programme, None)
    return _edit_page(form, part, programme, None)


@bp.route("/<int:criterion_id>/edit", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def edit(criterion_id: int) -> Page:
    criterion = _criterion_or_404(criterion_id)
    part = criterion.part
    programme = criteria.part_programme(part)
    if criteria.is_locked(programme):
        return _locked_page(programme)
    if request.method == "POST":
        return _save(CriterionForm(), part, programme, criterion)
    return _edit_page(CriterionForm(obj=criterion), part, programme, criterion)


@bp.route("/<int:criterion_id>/delete", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def delete(criterion_id: int) -> Page:
    criterion = _criterion_or_404(criterion_id)
    programme = criteria.part_programme(criterion.part)
    if criteria.is_locked(programme):
        return _locked_page(programme)
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        code = criterion.code
        try:
            criteria.remove_criterion(criterion)
        except criteria.CriteriaLocked as locked:
            db.session.rollback()
            return _locked_page(programme, locked.reason)
        flash(_("Usunięto kryterium %(code)s.", code=code), "success")
        return redirect(_index_url(programme))
    return render_template("evaluation/criteria/delete.html",
                           criterion=criterion, programme=programme, form=form)

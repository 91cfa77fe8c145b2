"""The town's pages: its path, deadlines, documents, and the submit button."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from forms.path import AmountForm, TransitionForm, UploadForm
from workflow.extensions import db
from workflow.models import Path, Role
from workflow.path import access, deadlines, documents
from workflow.path.summary import summary
from workflow.path.transitions import definition_of
from workflow.refusal import Refused
from workflow.web.helpers import add_reasons, role_required, show_again
from workflow.web.l10n import format_currency, format_decimal

bp = Blueprint("town", __name__, url_prefix="/town")

@bp.route("/")
@role_required(Role.TOWN)
def dashboard() -> tuple[str, int] | str:
    paths = list(db.session.scalars(access.visible_paths(current_user).order_by(Path.id)
                                    .options(joinedload(Path.programme), joinedload(Path.applicant))))
    if len(paths) == 1:
        return render_path(paths[0], UploadForm())
    rows = []
    now = datetime.now(UTC)
    for p in paths:  # a town takes part in a few programmes at most: a query or two each
        state = definition_of(p).state(p.state)
        due = None if state.final else deadlines.effective_deadline(p, state.stage)
        left = deadlines.days_left(due, now, current_app.config["TIMEZONE"]) if due else None
        rows.append({"path": p, "state": state, "open": not state.final, "due": due, "days_left": left,
                     "overdue": bool(due and now > due)})
    return render_template("path/town/choose.html", rows=rows)


@bp.route("/paths/<int:path_id>")
@role_required(Role.TOWN)
def path(path_id: int) -> tuple[str, int]:
    return render_path(access.get_path_or_404(current_user, path_id), UploadForm())


def render_path(path: Path, upload_form: UploadForm, status: int = 200,
                amount_form: AmountForm | None = None) -> tuple[str, int]:
    data = summary(path, current_user)
    if amount_form is None:
        amount_form = AmountForm()
        if path.requested_amount is not None:
            amount_form.amount.data = format_decimal(path.requested_amount, "#,##0.00")
    return render_template(
        "path/town/path.html", s=data, upload_form=upload_form, transition_form=TransitionForm(),
        amount_form=amount_form, can_set_amount=can_set_amount(path, data.state.step),
    ), status


def can_set_amount(path: Path, step: str) -> bool:
    """The amount is part of the application: set while the application is being prepared."""
    return definition_of(path).is_application_open(path.state)


@bp.route("/paths/<int:path_id>/amount", methods=["POST"])
@role_required(Role.TOWN)
def amount(path_id: int) -> Response | tuple[str, int]:
    path = access.get_path_or_404(current_user, path_id)
    form = AmountForm()
    if not can_set_amount(path, ""):
        refused = Refused([_("Kwotę można zmieniać tylko podczas przygotowania wniosku.")])
        return show_again(refused, "town.path", typed={"amount": form.amount.data or ""}, path_id=path.id)
    if not form.validate_on_submit():
        return render_path(path, UploadForm(), 400, amount_form=form)
    path.requested_amount = form.parsed
    db.session.commit()
    flash(_("Zapisano wnioskowaną kwotę: %(amount)s.", amount=format_currency(form.parsed, "PLN")),
          "success")
    return redirect(url_for("town.path", path_id=path.id))


@bp.route("/paths/<int:path_id>/documents", methods=["POST"])
@role_required(Role.TOWN)
def upload(path_id: int) -> Response | tuple[str, int]:
    path = access.get_path_or_404(current_user, path_id)
    form = UploadForm()
    if not form.validate_on_submit():
        return render_path(path, form, 400)
    data = summary(path, current_user)
    if not data.can_upload:
        return show_again(documents.UploadRefused("not_now"), "town.path", path_id=path.id)
    file = form.document.data
    try:
        document = documents.store_upload(
            path, data.state.stage, file.filename or "", file.stream, current_user,
            same_file_ok=bool(form.same_file.data),
        )
    except documents.UploadRefused as refused:
        add_reasons(form, refused, "document")
        form.offer_same_file = refused.code == "unchanged"
        return render_path(path, form, refused.status)
    flash(_("Dodano dokument „%(name)s”.", name=document.original_name), "success")
    return redirect(url_for("town.path", path_id=path.id))

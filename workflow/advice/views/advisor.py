"""The advisor's pages: assigned towns, a town's path, sign-off of documents."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from forms.path import SignoffForm, TransitionForm
from workflow.advice.consultation_queries import log_status
from workflow.extensions import db
from workflow.models import AdvisorAssignment, AdvisorKind, Applicant, Path, Role
from workflow.path import access, documents
from workflow.path.summary import PathSummary, summary
from workflow.path.transitions import definition_of
from workflow.refusal import Refused
from workflow.text import polish_key
from workflow.web.helpers import role_required, show_again

bp = Blueprint("advisor", __name__, url_prefix="/advisor")


@bp.route("/")
@role_required(Role.ADVISOR)
def index() -> str:
    rows = db.session.execute(
        select(Path, Applicant.name, AdvisorAssignment.kind)
        .join(Applicant, Applicant.id == Path.applicant_id)
        .join(AdvisorAssignment, AdvisorAssignment.path_id == Path.id)
        .where(AdvisorAssignment.advisor_id == current_user.id)
    ).all()
    towns = []
    for path, name, kind in sorted(rows, key=lambda r: polish_key(r[1])):
        state = definition_of(path).state(path.state)
        towns.append({"path": path, "name": name, "kind": kind, "state": state,
                      "waiting": kind == AdvisorKind.LEAD and state.step == "submitted"})
    waiting = [t for t in towns if t["waiting"]]
    return render_template("advice/advisor/index.html", towns=towns, waiting=waiting,
                           log=log_status(current_user))


@bp.route("/paths/<int:path_id>")
@role_required(Role.ADVISOR)
def path(path_id: int) -> str:
    p = access.get_path_or_404(current_user, path_id)
    data = summary(p, current_user)
    latest = documents.latest_document(p, data.state.stage)
    can_sign = (
        latest is not None
        and "advisor_signed_off" in _guards_ahead(data)
        and latest.id not in data.signed_document_ids
    )
    return render_template(
        "advice/advisor/path.html", s=data, transition_form=TransitionForm(),
        signoff_form=SignoffForm(), latest=latest, can_sign=can_sign,
    )


def _guards_ahead(data: PathSummary) -> set[str]:
    """Guards of every transition out of the current state (whoever fires it)."""
    return {g for t in data.definition.transitions_from(data.state.code) for g in t.guards}


@bp.route("/paths/<int:path_id>/signoff", methods=["POST"])
@role_required(Role.ADVISOR)
def signoff(path_id: int) -> Response | tuple[str, int]:
    p = access.get_path_or_404(current_user, path_id)
    form = SignoffForm()
    definition = definition_of(p)
    stage = definition.state(p.state).stage
    if not form.validate_on_submit() or "advisor" not in access.roles_for(current_user, p):
        refused = Refused([_("Nie można zatwierdzić tego dokumentu."),
                           *(m for errors in form.errors.values() for m in errors)], status=400)
        return show_again(refused, "advisor.path", path_id=p.id)
    try:
        documents.sign_off(p, stage, current_user, form.document_id.data)
    except documents.UploadRefused as refused:
        return show_again(refused, "advisor.path", path_id=p.id)
    flash(_("Zatwierdzono dokument. Miasto może teraz złożyć wniosek."), "success")
    return redirect(url_for("advisor.path", path_id=p.id))

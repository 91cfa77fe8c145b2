"""Actions on a path shared by every role: firing a transition, downloading a document.

Who may do what is decided by the access helper (which paths you see) and the engine
(which role may fire what); these views only translate the answers into HTTP.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from forms.path import TransitionForm
from states.definition import PathDefinition, Transition
from workflow.audit import log as audit
from workflow.extensions import db
from workflow.models import Path, Role
from workflow.path import access, documents
from workflow.path.transitions import (
    STALE,
    WRONG_STATE,
    TransitionRefused,
    available_actions,
    definition_of,
    fire,
)
from workflow.refusal import Refused, _l
from workflow.web.helpers import PATH_ENDPOINT, path_url, show_again, show_refusal

bp = Blueprint("paths", __name__)

ON_CONSULTATION_PAGE = _l("Konsultacje społeczne publikuje się i zamyka na stronie konsultacji ścieżki: "
                          "tam podaje się okres uwag, a zamknięcie wymaga odpowiedzi na każdą uwagę.")


def is_consultation_move(definition: PathDefinition, state: str, transition: Transition) -> bool:
    """Publishing a stage's draft for public consultation, or closing it (a withdrawal aside):
    made on the consultation page, which keeps the period, the comments and the report with
    the move (workflow/consultation/moves.py)."""
    return transition.style != "danger" and (definition.opens_consultation(transition)
                                             or definition.closes_consultation(state, transition))


@bp.route("/paths/<int:path_id>/events/<event>", methods=["POST"])
@login_required
def fire_event(path_id: int, event: str) -> Response | tuple[str, int]:
    path = access.get_path_or_404(current_user, path_id)
    form = TransitionForm()
    comment = form.comment.data or ""
    definition = definition_of(path)
    transition = definition.transition_from(path.state, event)
    irreversible = transition is not None and transition.style == "danger"
    if transition is not None and is_consultation_move(definition, path.state, transition):
        return _path_page_again(path, event, TransitionRefused([ON_CONSULTATION_PAGE]), comment)
    if not form.validate_on_submit():
        invalid = Refused([msg for errors in form.errors.values() for msg in errors], status=400)
        if irreversible and form.version.data == path.version:
            return _confirm_page(path, transition, form.version.data, comment, invalid)
        return _path_page_again(path, event, invalid, comment)
    if irreversible and request.form.get("confirmed") != "1":
        # An irreversible move is made only from its own confirmation page.
        if form.version.data != path.version:
            return _path_page_again(path, event, TransitionRefused([STALE], stale=True), comment)
        return _confirm_page(path, transition, form.version.data, comment)
    try:
        record = fire(path, event, current_user, comment, expected_version=form.version.data)
    except TransitionRefused as refused:
        if irreversible and not refused.stale:
            db.session.rollback()
            return _confirm_page(path, transition, form.version.data, comment, refused)
        return _path_page_again(path, event, refused, comment)
    state = definition_of(path).state(record.to_state)
    audience = state.applicant if current_user.role == Role.TOWN else state.staff
    flash(_("Zapisano. Obecny etap: %(state)s.", state=audience.get(g.locale)), "success")
    return redirect(path_url(path.id))


@bp.route("/paths/<int:path_id>/events/<event>/confirm")
@login_required
def confirm_event(path_id: int, event: str) -> tuple[str, int]:
    """The page of its own an irreversible move is made from: what will happen, the comment,
    the button. Only for a move the user may make now."""
    path = access.get_path_or_404(current_user, path_id)
    offered = {a.transition.event: a.transition for a in available_actions(path, current_user)}
    transition = offered.get(event)
    if transition is None or transition.style != "danger":
        raise TransitionRefused([WRONG_STATE])  # 409: not an irreversible move open to you now
    return _confirm_page(path, transition, path.version, "")


def _confirm_page(path: Path, transition: Transition, version: int, comment: str,
                  refused: Refused | None = None) -> tuple[str, int]:
    definition = definition_of(path)
    target = definition.state(transition.target)
    told = sorted({note.to for note in transition.notify})
    if refused is not None:
        show_refusal(refused, form="confirm", typed={"comment": comment})
    return render_template(
        "path/confirm_event.html", path=path, transition=transition, target=target,
        version=version, comment=comment, told=told, back=path_url(path.id),
        audience="applicant" if current_user.role == Role.TOWN else "staff",
    ), (refused.status if refused is not None else 200)


def _path_page_again(path: Path, event: str, refused: Refused, comment: str) -> Response:
    """The path page the user pressed the button on, with the reasons next to that button and
    the comment they typed still in its box; at the top of the page if the action is no
    longer offered there (the path moved meanwhile). A role without a path page gets the
    refusal page."""
    endpoint = PATH_ENDPOINT.get(Role(current_user.role))
    if endpoint is None:
        raise refused
    db.session.rollback()
    # An irreversible move has no form on the path page (only a link to its own page).
    offered = any(a.transition.event == event and a.transition.style != "danger"
                  for a in available_actions(path, current_user))
    return show_again(refused, endpoint, form=f"transition-{event}" if offered else None,
                      typed={"comment": comment}, path_id=path.id)


@bp.route("/documents/<int:document_id>")
@login_required
def download(document_id: int) -> Response:
    document = access.get_document_or_404(current_user, document_id)
    stored = documents.stored_path(document.content_hash)
    if not stored.exists():
        current_app.logger.error("document %s missing from the upload store", document.id)
        abort(410)
    audit.record("document_downloaded", actor=current_user, object_type="document",
                 object_id=document.id, programme_id=document.path.programme_id,
                 detail={"path_id": document.path_id, "name": document.original_name})
    db.session.commit()
    # Always an attachment (never rendered in our origin); werkzeug writes the Polish name
    # as RFC 5987 filename*=UTF-8'' next to an ASCII fallback.
    response = send_file(
        stored,
        mimetype=document.mime_type,
        as_attachment=True,
        download_name=document.original_name,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response

"""Actions on a path shared by every role: firing a transition, downloading a document.

Who may do what is decided by the access helper (which paths you see) and the engine
(which role may fire what); these views only translate the answers into HTTP.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, send_file
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from forms.path import TransitionForm
from workflow.audit import log as audit
from workflow.extensions import db
from workflow.path import access, documents
from workflow.path.transitions import TransitionRefused, definition_of, fire
from workflow.web.helpers import path_url

bp = Blueprint("paths", __name__)


@bp.route("/paths/<int:path_id>/events/<event>", methods=["POST"])
@login_required
def fire_event(path_id: int, event: str) -> Response | tuple[str, int]:
    path = access.get_path_or_404(current_user, path_id)
    form = TransitionForm()
    if not form.validate_on_submit():
        reasons = [msg for errors in form.errors.values() for msg in errors]
        return render_template("web/errors/refused.html", path=path, reasons=reasons,
                               back=path_url(path.id)), 400
    try:
        record = fire(path, event, current_user, form.comment.data or "",
                      expected_version=form.version.data)
    except TransitionRefused as refused:
        reasons = [r.get(g.locale) for r in refused.reasons]
        return render_template("web/errors/refused.html", path=path, reasons=reasons,
                               back=path_url(path.id)), 409
    state = definition_of(path).state(record.to_state)
    audience = state.applicant if current_user.role == "town" else state.staff
    flash(_("Zapisano. Obecny etap: %(state)s.", state=audience.get(g.locale)), "success")
    return redirect(path_url(path.id))


@bp.route("/documents/<int:document_id>")
@login_required
def download(document_id: int) -> Response:
    document = access.get_document_or_404(current_user, document_id)
    stored = documents.stored_path(document.content_hash)
    if not stored.exists():
        current_app.logger.error("document %s missing from the upload store", document.id)
        from flask import abort

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

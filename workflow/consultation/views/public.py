"""The public side of consultations: the list of open ones, a consultation's page with its
document, and the comment form, for anyone, without an account.

Every route finds the consultation through `find_open`: one that has not started, has ended,
was closed or never existed is the same 404. Nothing here shows a comment or anything a
person left: the pages name the applicant, the stage, the document and the period only.
Against spam: the CSRF token (a session is needed to post), a honeypot field, and a limit
per address (COMMENT_LIMIT_PER_ADDRESS) counted in the rate limiter's store.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from forms.consultation import CommentForm
from workflow.consultation import operations as consultations
from workflow.consultation import public
from workflow.consultation.operations import ConsultationRefused
from workflow.consultation.public import CommentInput
from workflow.models import PublicConsultation
from workflow.models.types import utcnow
from workflow.path import documents
from workflow.web.helpers import add_reasons

bp = Blueprint("public_consultation", __name__, url_prefix="/public/consultations")


@bp.route("/")
def index() -> str:
    now = utcnow()
    rows = [(c, consultations.stage_label(c.path, c.stage)) for c in public.open_now(now)]
    return render_template("consultation/public/index.html", rows=rows, last_day=_last_day)


def _last_day(consultation: PublicConsultation) -> object:
    return consultations.last_day(consultation, consultation.path.programme.timezone)


def _first_day(consultation: PublicConsultation) -> object:
    return consultations.first_day(consultation, consultation.path.programme.timezone)


@bp.route("/<int:consultation_id>")
def page(consultation_id: int) -> tuple[str, int]:
    return render_page(public.find_open(consultation_id), CommentForm())


def render_page(consultation: PublicConsultation, form: CommentForm, status: int = 200,
                headers: dict[str, str] | None = None) -> tuple[str, int, dict[str, str]]:
    return render_template(
        "consultation/public/page.html", c=consultation, form=form,
        stage=consultations.stage_label(consultation.path, consultation.stage),
        first_day=_first_day(consultation), last_day=_last_day(consultation),
        max_length=consultations.COMMENT_MAX,
    ), status, headers or {}


@bp.route("/<int:consultation_id>/document")
def document(consultation_id: int) -> Response:
    """The published version, while the consultation is open; always a download."""
    consultation = public.find_open(consultation_id)
    doc = consultation.document
    stored = documents.stored_path(doc.content_hash)
    if not stored.exists():
        current_app.logger.error("document %s missing from the upload store", doc.id)
        return Response(status=410)
    response = send_file(stored, mimetype=doc.mime_type, as_attachment=True,
                         download_name=doc.original_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:consultation_id>/comments", methods=["POST"])
def comment(consultation_id: int) -> Response | tuple[str, int, dict[str, str]]:
    consultation = public.find_open(consultation_id)
    form = CommentForm()
    if not form.validate_on_submit():
        return render_page(consultation, form, 400)
    throttle = public.comment_throttle()
    if throttle.exceeded():
        wait = max(1, (throttle.retry_after() + 59) // 60)
        form.body.errors = [_("Z tego adresu wysłano w krótkim czasie zbyt wiele uwag. Spróbuj "
                              "ponownie za %(minutes)d min. Twoja uwaga nie została jeszcze zapisana.",
                              minutes=wait)]
        return render_page(consultation, form, 429, {"Retry-After": str(throttle.retry_after())})
    typed = CommentInput(form.body.data or "", form.name.data or "", form.email.data or "")
    try:
        public.check_comment(typed)
    except ConsultationRefused as refused:
        add_reasons(form, refused, "body")
        return render_page(consultation, form, refused.status)
    throttle.hit()
    if not (form.website.data or "").strip():  # a robot fills the honeypot: thanked, not kept
        public.add_comment(consultation, typed)
    flash(_("Dziękujemy. Uwaga została przyjęta. Zespół odpowie na nią w raporcie z konsultacji."),
          "success")
    return redirect(url_for("public_consultation.page", consultation_id=consultation.id))

"""The progress of long work: prepared exports of the services report (ask, watch, download)
and the status of a ranking run, as JSON for the pages' progress bars (static/progress.js).

Without JavaScript the pages still work: each has a plain "Odśwież" link.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as WerkzeugResponse

from forms.advice import ReportFilterForm
from workflow.advice.report_tables import MIMETYPES, template_helpers
from workflow.audit.log import record_export
from workflow.exports import jobs as exports
from workflow.extensions import db, send_task
from workflow.models import ExportJob, ExportStatus, Programme, RankingSnapshot, RankingStatus, Role
from workflow.web.helpers import current_programme, role_required

bp = Blueprint("exports", __name__)



def status_names() -> dict[str, str]:
    return {"queued": _("w kolejce"), "running": _("w toku"), "done": _("gotowy"), "failed": _("nieudany")}


def error_messages() -> dict[str, str]:
    """The row keeps a code; the page says it in the reader's language."""
    return {"not_queued": _("Nie udało się zlecić przygotowania pliku (kolejka zadań nie odpowiada). "
                            "Spróbuj ponownie za chwilę."),
            "failed": _("Nie udało się przygotować pliku. Spróbuj ponownie; jeśli błąd się powtórzy, "
                        "zgłoś go.")}


def rows_text(done: int, total: int) -> str:
    """'1200 z 2700 wierszy' (after 'z' Polish takes the genitive: 'z 1 wiersza')."""
    return ngettext("%(done)d z %(num)d wiersza", "%(done)d z %(num)d wierszy", total, done=done)


def job_or_404(job_id: int) -> ExportJob:
    job = db.session.get(ExportJob, job_id)
    if job is None or not exports.may_see(current_user, job):
        abort(404)
    return job


def job_state(job: ExportJob) -> dict[str, Any]:
    status = job.status
    finished = status in (ExportStatus.DONE, ExportStatus.FAILED)
    return {"status": status, "status_text": status_names()[status], "finished": finished,
            "done": job.progress_done, "total": job.progress_total,
            "text": rows_text(job.progress_done, job.progress_total) if status != ExportStatus.QUEUED else "",
            "error": error_messages().get(job.error, "") if status == ExportStatus.FAILED else "",
            "download_url": (url_for("exports.download", job_id=job.id)
                             if status == ExportStatus.DONE else None)}


@bp.route("/coordinator/reports/consultations/<any(log, programme, town, advisor, field, month):table>"
          ".<any(csv, xlsx):fmt>/prepare", methods=["POST"])
@role_required(Role.COORDINATOR)
def prepare(table: str, fmt: str) -> WerkzeugResponse | tuple[str, int]:
    """Queue the same file the direct download gives, with the filters in the URL."""
    programme = current_programme()
    form = ReportFilterForm.for_programme(programme, g.locale, request.args)
    if not form.validate():
        return render_template("advice/reports/services.html", programme=programme, form=form,
                               report=None, **template_helpers()), 400
    job, new = exports.queue_once(programme, current_user, fmt, table, form.report_filters(), g.locale)
    if not new:
        flash(_("Ten plik jest już przygotowywany – to jego postęp."), "info")
        return redirect(url_for("exports.job", job_id=job.id))
    try:
        send_task("exports.run", job.id)
    except Exception:  # the broker is down, or (in-process) something failed: the row says so
        current_app.logger.exception("export job %s could not be queued", job.id)
        exports.mark_failed(job, "not_queued")
    else:
        flash(_("Zlecono przygotowanie pliku. Możesz zamknąć tę stronę i wrócić do niej później."), "success")
    return redirect(url_for("exports.job", job_id=job.id))


@bp.route("/coordinator/exports/<int:job_id>")
@login_required
def job(job_id: int) -> str:
    found = job_or_404(job_id)
    programme = db.session.get(Programme, found.programme_id)
    return render_template("exports/job.html", job=found, programme=programme, state=job_state(found))


@bp.route("/coordinator/exports/<int:job_id>.json")
@login_required
def status(job_id: int) -> Response:
    response = jsonify(job_state(job_or_404(job_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/coordinator/exports/<int:job_id>/file")
@login_required
def download(job_id: int) -> Response:
    found = job_or_404(job_id)
    path = exports.file_path(found) if found.status == ExportStatus.DONE else None
    if path is None or not path.is_file():
        abort(404)
    fmt = exports.FORMATS[found.kind]
    record_export(current_user, f"services/{exports.table_of(found)}", fmt, found.programme_id, job=found.id)
    return send_file(path, mimetype=MIMETYPES[fmt], as_attachment=True,
                     download_name=found.file_name, max_age=0)


@bp.route("/coordinator/ranking/<int:snapshot_id>.json")
@role_required(Role.COORDINATOR)
def ranking_status(snapshot_id: int) -> Response:
    """A ranking run has no rows to count: the page shows a bar without a value until done."""
    snap = db.session.get(RankingSnapshot, snapshot_id)
    if snap is None:
        abort(404)
    finished = snap.status in (RankingStatus.DONE, RankingStatus.FAILED)
    response = jsonify({"status": snap.status, "status_text": status_names()[snap.status],
                        "finished": finished, "done": None, "total": None, "text": ""})
    response.headers["Cache-Control"] = "no-store"
    return response

"""Consultations seen from inside: the applicant's team publishes a draft, reads the comments
(with the names and e-mail addresses people chose to give), answers each, closes the
consultation and exports its report; the path's advisors and the coordinator read the same.

Who sees what is the path's access (workflow/path/access.py): a consultation of a path the
user may not see is a 404. Acting (publishing, answering, closing) is the team's alone: staff
who may see the consultation get a 403 for it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from forms.consultation import AnswerForm, CloseForm, OpenConsultationForm
from workflow import tabular
from workflow.advice.report_tables import MIMETYPES
from workflow.audit import log as audit
from workflow.consultation import moves
from workflow.consultation import operations as consultations
from workflow.consultation.operations import ConsultationRefused
from workflow.extensions import db
from workflow.models import Document, Path, PublicConsultation
from workflow.models.types import utcnow
from workflow.path import access
from workflow.refusal import Refused
from workflow.web.helpers import add_reasons, path_url, show_refusal
from workflow.web.templating import label

bp = Blueprint("consultation_team", __name__)


def status_names() -> dict[str, str]:
    return {"scheduled": _("zaplanowane"), "open": _("trwają"), "ended": _("czas minął – do zamknięcia"),
            "closed": _("zamknięte, raport gotowy")}


def _team_only(path: Path) -> None:
    if not consultations.is_team(current_user, path):
        raise Refused([_("Tylko zespół wnioskodawcy może to zrobić.")], status=403)


# --- a path's consultations ---------------------------------------------------------------------------

@bp.route("/paths/<int:path_id>/public-consultations")
@login_required
def of_path(path_id: int) -> tuple[str, int]:
    return render_path(access.get_path_or_404(current_user, path_id), OpenConsultationForm())


def _documents(path: Path) -> list[Document]:
    return list(db.session.scalars(select(Document).where(Document.path_id == path.id)
                                   .order_by(Document.uploaded_at.desc(), Document.id.desc())))


def _choices(path: Path, form: OpenConsultationForm) -> bool:
    """The path's documents as the form's choices (newest first); whether there are any."""
    docs = _documents(path)
    form.document_id.choices = [("", _("– wybierz –"))] + [
        (d.id, f"{label(consultations.stage_label(path, d.stage))}: {d.original_name} "
               f"({format_datetime(d.uploaded_at, 'd MMM y, HH:mm')})") for d in docs]
    return bool(docs)


def render_path(path: Path, form: OpenConsultationForm, status: int = 200) -> tuple[str, int]:
    listed = consultations.consultations_of(path)
    team = consultations.is_team(current_user, path)
    has_documents = _choices(path, form) if team else False
    return render_template("consultation/team/path.html", path=path, listed=listed, back=path_url(path.id),
                           team=team, form=form,
                           has_documents=has_documents, now=utcnow(), status_names=status_names(),
                           tz=path.programme.timezone, first_day=consultations.first_day,
                           last_day=consultations.last_day), status


@bp.route("/town/paths/<int:path_id>/public-consultations", methods=["POST"])
@login_required
def publish(path_id: int) -> Response | tuple[str, int]:
    path = access.get_path_or_404(current_user, path_id)
    _team_only(path)
    form = OpenConsultationForm()
    if not form.validate_on_submit():
        return render_path(path, form, 400)
    document = db.session.scalar(select(Document).where(Document.id == form.document_id.data,
                                                        Document.path_id == path.id))
    try:
        if document is None:
            raise ConsultationRefused(errors={"document_id": [consultations.NOT_THIS_PATH]}, status=400)
        consultation = moves.publish(path, document, form.starts.data, form.ends.data, current_user)
    except Refused as refused:  # the consultation's (400, 409) or the path's move's (409)
        db.session.rollback()
        add_reasons(form, refused, "document_id")
        return render_path(access.get_path_or_404(current_user, path_id), form, refused.status)
    flash(_("Opublikowano dokument do konsultacji społecznych. Strona konsultacji jest publiczna."),
          "success")
    return redirect(url_for("consultation_team.detail", consultation_id=consultation.id))


# --- one consultation ---------------------------------------------------------------------------------

def _found(consultation_id: int) -> PublicConsultation:
    return consultations.get_for(current_user, consultation_id)


@bp.route("/public-consultations/<int:consultation_id>")
@login_required
def detail(consultation_id: int) -> tuple[str, int]:
    return render_detail(_found(consultation_id))


def render_detail(consultation: PublicConsultation, status: int = 200, answering: int | None = None,
                  answer_form: AnswerForm | None = None) -> tuple[str, int]:
    found = consultations.report(consultation)
    now = utcnow()
    listed = consultations.Listed(consultation, found.stage, len(found.comments),
                                  len(found.comments) - found.answered)
    team = consultations.is_team(current_user, consultation.path)
    return render_template(
        "consultation/team/detail.html", r=found, c=consultation, team=team, status=listed.status(now),
        status_names=status_names(), answering=answering, answer_form=answer_form or AnswerForm(),
        close_form=CloseForm(), can_close=team and moves.can_close(consultation, current_user, now),
        tz=consultation.path.programme.timezone, first_day=consultations.first_day(
            consultation, consultation.path.programme.timezone),
        last_day=consultations.last_day(consultation, consultation.path.programme.timezone),
    ), status


@bp.route("/town/public-consultations/<int:consultation_id>/comments/<int:number>/answer",
          methods=["POST"])
@login_required
def answer(consultation_id: int, number: int) -> Response | tuple[str, int]:
    consultation = _found(consultation_id)
    _team_only(consultation.path)
    form = AnswerForm()
    if not form.validate_on_submit():
        return render_detail(consultation, 400, number, form)
    try:
        consultations.answer(consultation, number, form.answer.data or "", current_user)
    except ConsultationRefused as refused:
        db.session.rollback()
        if refused.errors:
            add_reasons(form, refused)
            return render_detail(consultation, refused.status, number, form)
        show_refusal(refused, typed={"answer": form.answer.data or ""})
        return render_detail(consultation, refused.status)
    flash(_("Zapisano odpowiedź na uwagę nr %(number)d.", number=number), "success")
    return redirect(url_for("consultation_team.detail", consultation_id=consultation.id,
                            _anchor=f"comment-{number}"))


@bp.route("/town/public-consultations/<int:consultation_id>/close", methods=["POST"])
@login_required
def close(consultation_id: int) -> Response | tuple[str, int]:
    consultation = _found(consultation_id)
    _team_only(consultation.path)
    if not CloseForm().validate_on_submit():
        abort(400)
    try:
        moves.close(consultation, current_user)
    except Refused as refused:
        db.session.rollback()
        show_refusal(refused)
        return render_detail(consultation, refused.status)
    flash(_("Konsultacje zamknięte. Raport z uwagami i odpowiedziami jest gotowy do pobrania."), "success")
    return redirect(url_for("consultation_team.detail", consultation_id=consultation.id))


# --- the report -----------------------------------------------------------------------------------------

@bp.route("/public-consultations/<int:consultation_id>/report")
@login_required
def report(consultation_id: int) -> str:
    """The report as a page to read or print (the browser's print keeps only the report)."""
    consultation = _found(consultation_id)
    found = consultations.report(consultation)
    tz = consultation.path.programme.timezone
    return render_template("consultation/team/report.html", r=found, c=consultation, now=utcnow(),
                           first_day=consultations.first_day(consultation, tz),
                           last_day=consultations.last_day(consultation, tz))


def report_table(found: consultations.Report) -> tuple[list[str], list[list[object]]]:
    """One row per comment: its number, when it came, who (a name only if one was given),
    the comment, the answer and when it was given. No e-mail address."""
    header = [_("Nr"), _("Wpłynęła"), _("Autor"), _("Uwaga"), _("Odpowiedź"), _("Data odpowiedzi")]
    rows: list[list[object]] = [
        [c.number, _local(c.created_at), c.author_name or _("(bez podpisu)"), c.body, c.answer or "",
         _local(c.answered_at) if c.answered_at else ""] for c in found.comments]
    return header, rows


def _local(moment: datetime) -> str:
    return format_datetime(moment, "yyyy-MM-dd HH:mm")


def _stem(consultation: PublicConsultation) -> str:
    return f"konsultacje-{consultation.path_id}-{consultation.stage}-{consultation.id}"


@bp.route("/public-consultations/<int:consultation_id>/report.<any(csv, xlsx, pdf):fmt>")
@login_required
def report_file(consultation_id: int, fmt: str) -> Response:
    consultation = _found(consultation_id)
    found = consultations.report(consultation)
    audit.record_export(current_user, "consultation_report", fmt, consultation.path.programme_id,
                        consultation=consultation.id)
    headers = {"Content-Disposition": f'attachment; filename="{_stem(consultation)}.{fmt}"',
               "Cache-Control": "private, no-store"}
    if fmt == "pdf":
        return Response(_pdf(found), mimetype="application/pdf", headers=headers)
    header, rows = report_table(found)
    if fmt == "csv":
        text = "".join(tabular.csv_stream(header, rows, locale=g.locale))
        return Response(text.encode("utf-8"), mimetype=MIMETYPES["csv"], headers=headers)
    return Response(tabular.xlsx_bytes([(_("Uwagi i odpowiedzi"), header, rows)]),
                    mimetype=MIMETYPES["xlsx"], headers=headers)


def report_facts(found: consultations.Report) -> list[tuple[str, str]]:
    c = found.consultation
    tz = c.path.programme.timezone
    period = _("od %(first)s do %(last)s włącznie", first=format_date(consultations.first_day(c, tz), "long"),
               last=format_date(consultations.last_day(c, tz), "long"))
    return [
        (_("Wnioskodawca"), c.path.applicant.name),
        (_("Program"), c.path.programme.title(g.locale)),
        (_("Dokument"), f"{label(found.stage)}: {c.document.original_name}"),
        (_("Okres konsultacji"), period),
        (_("Uwagi"), _("%(count)d, z odpowiedzią: %(answered)d", count=len(found.comments),
                       answered=found.answered)),
        (_("Zamknięto"),
         _local(c.closed_at) if c.closed_at else _("jeszcze trwają lub czekają na zamknięcie")),
    ]


def _pdf(found: consultations.Report) -> bytes:
    # Imported here: fpdf costs ~0.5 s of CPU at import, paid by every process starting the app.
    from workflow.consultation import report_pdf

    entries = [report_pdf.Entry(
        heading=_("Uwaga nr %(number)d – %(when)s, %(who)s", number=c.number, when=_local(c.created_at),
                  who=c.author_name or _("bez podpisu")),
        body=c.body,
        answer_heading=(_("Odpowiedź (%(when)s)", when=_local(c.answered_at)) if c.answered_at
                        else _("Odpowiedź")),
        answer=c.answer or _("(jeszcze bez odpowiedzi)"),
    ) for c in found.comments]
    labels = report_pdf.Labels(
        title=_("Raport z konsultacji społecznych"), facts=report_facts(found),
        comments_title=_("Uwagi i odpowiedzi"), no_comments=_("Nie zgłoszono żadnej uwagi."),
        page=_("Strona {n} z {of}"), generated=_("Wygenerowano: {when}"))
    now = datetime.now(UTC)
    return report_pdf.render(labels, entries, found.consultation.path.applicant.name, _local(now), now)

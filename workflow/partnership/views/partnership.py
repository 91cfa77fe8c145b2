"""The partnership's pages: its members, legal form, council and records, for everyone who
sees its path; a member municipality's approval of a stage's document and the leader's
records, for the partnership's own people (under /town/).

Access is the path's (workflow/path/access.py): whoever may not see the path gets 404 for
everything here. Approving is for the municipality the person acts for, never another one;
adding a record is the leader's.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from forms.partnership import ApprovalForm, RecordForm
from workflow.extensions import db
from workflow.models import LegalForm, Path, RecordKind, Role, UnitKind
from workflow.partnership import records
from workflow.path import access, approvals, documents
from workflow.path.transitions import definition_of
from workflow.refusal import Refused
from workflow.web.helpers import add_reasons, path_url, role_required, show_again, show_refusal

bp = Blueprint("partnership", __name__)

LEGAL_FORMS = {
    LegalForm.AGREEMENT: _l("porozumienie międzygminne (art. 74 ustawy o samorządzie gminnym)"),
    LegalForm.ASSOCIATION: _l("stowarzyszenie jednostek samorządu terytorialnego (art. 84 ustawy "
                              "o samorządzie gminnym)"),
    LegalForm.MUNICIPAL_UNION: _l("związek międzygminny (art. 64 ustawy o samorządzie gminnym)"),
    LegalForm.POWIAT_GMINA_UNION: _l("związek powiatowo-gminny"),
}
UNIT_KINDS = {
    UnitKind.URBAN: _l("gmina miejska"),
    UnitKind.RURAL: _l("gmina wiejska"),
    UnitKind.URBAN_RURAL: _l("gmina miejsko-wiejska"),
    UnitKind.LAND_POWIAT: _l("powiat"),
    UnitKind.CITY_POWIAT: _l("miasto na prawach powiatu"),
}
RECORD_KINDS = {RecordKind.AGREEMENT: _l("Umowa partnerska"),
                RecordKind.RESOLUTION: _l("Uchwała Rady Partnerstwa")}


@bp.route("/partnerships/paths/<int:path_id>")
@login_required
def page(path_id: int) -> tuple[str, int]:
    return render_page(access.get_path_or_404(current_user, path_id), RecordForm())


def render_page(path: Path, form: RecordForm, status: int = 200) -> tuple[str, int]:
    partnership = records.partnership_of(path)
    if partnership is None:
        abort(404)
    seats = {seat.municipality_id: seat for seat in partnership.seats}
    chair = next((seat for seat in partnership.seats if seat.is_chair), None)
    return render_template(
        "partnership/page.html", path=path, partnership=partnership,
        legal_form=LEGAL_FORMS[partnership.legal_form], members=records.members_of(path),
        seats=seats, chair=chair, series=records.records_of(path), form=form,
        is_leader="leader" in access.roles_for(current_user, path), back=path_url(path.id),
        unit_kinds=UNIT_KINDS, record_kinds=RECORD_KINDS,
    ), status


@bp.route("/town/paths/<int:path_id>/approval", methods=["POST"])
@role_required(Role.TOWN)
def approve(path_id: int) -> Response:
    path = access.get_path_or_404(current_user, path_id)
    form = ApprovalForm()
    if not form.validate_on_submit():
        refused = Refused([_("Nie można zatwierdzić dokumentu: odśwież stronę i spróbuj ponownie."),
                           *(m for errors in form.errors.values() for m in errors)], status=400)
        return show_again(refused, "town.path", form=None, path_id=path.id)
    # The refusal is shown next to the list of approvals, if the page shows one now.
    where = "approval" if definition_of(path).collects_approvals(path.state) else None
    try:
        approvals.approve(path, current_user, form.document_id.data)
    except Refused as refused:
        return show_again(refused, "town.path", form=where, path_id=path.id)
    municipality = current_user.municipality.name if current_user.municipality else path.applicant.name
    flash(_("Zatwierdzono dokument w imieniu: %(name)s.", name=municipality), "success")
    return redirect(url_for("town.path", path_id=path.id))


@bp.route("/town/paths/<int:path_id>/records", methods=["POST"])
@role_required(Role.TOWN)
def add_record(path_id: int) -> Response | tuple[str, int]:
    path = access.get_path_or_404(current_user, path_id)
    if records.partnership_of(path) is None:
        abort(404)
    form = RecordForm()
    if not form.validate_on_submit():
        return render_page(path, form, 400)
    file = form.document.data
    try:
        record = records.add(path, current_user, kind=RecordKind(form.kind.data),
                             number=form.number.data or "", title=form.title.data or "",
                             adopted_on=form.adopted_on.data, filename=file.filename or "",
                             stream=file.stream)
    except documents.UploadRefused as refused:
        db.session.rollback()
        add_reasons(form, refused, "document")
        return render_page(path, form, refused.status)
    except Refused as refused:
        db.session.rollback()
        # Next to the form for the leader; at the top for anyone else (who has no form).
        show_refusal(refused, form=None if refused.status == 403 else "record")
        return render_page(path, form, refused.status)
    flash(_("Dodano dokument partnerstwa „%(title)s” (wersja %(version)d).",
            title=record.title, version=record.version), "success")
    return redirect(url_for("partnership.page", path_id=path.id))

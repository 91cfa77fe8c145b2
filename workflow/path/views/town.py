"""The town's pages: its path, deadlines, documents, and the submit button."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import format_currency, format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from forms.path import AmountForm, TransitionForm, UploadForm
from workflow.extensions import db
from workflow.models import Path, Role
from workflow.path import access, deadlines, documents
from workflow.path.summary import summary
from workflow.path.transitions import definition_of
from workflow.web.helpers import role_required

bp = Blueprint("town", __name__, url_prefix="/town")

def upload_message(code: str, mb: int) -> str:
    messages = {
        "empty": _("Wysłany plik jest pusty."),
        "too_large": _("Plik jest za duży. Największy dopuszczalny rozmiar to %(mb)d MB.", mb=mb),
        "type": _("Ten plik nie jest dokumentem PDF, DOCX, ODT, XLSX ani ODS. "
                  "Sprawdź, czy wybrano właściwy plik."),
        "mismatch": _("Zawartość pliku nie zgadza się z jego rozszerzeniem "
                      "(np. plik PDF nazwany .docx). Zapisz dokument ponownie we właściwym formacie."),
        "not_now": _("Na tym etapie nie można dodawać dokumentów."),
        "zip_bomb": _("Plik po rozpakowaniu byłby zbyt duży albo jest podejrzanie silnie "
                      "skompresowany (tzw. bomba ZIP), więc go nie przyjęliśmy. Zapisz dokument "
                      "ponownie w edytorze i wyślij jeszcze raz."),
        "zip_members": _("Plik składa się ze zbyt wielu części, by był zwykłym dokumentem. "
                         "Zapisz dokument ponownie w edytorze i wyślij jeszcze raz."),
        "zip_nested": _("Dokument zawiera w sobie inne archiwum (np. plik ZIP), a takich plików "
                        "nie przyjmujemy. Usuń osadzone archiwum i wyślij dokument ponownie."),
        "macros": _("Dokument zawiera makra (kod VBA, Basic lub skrypty), które mogłyby się "
                    "uruchomić u osób otwierających plik, więc go nie przyjęliśmy. Zapisz go bez "
                    "makr – jako zwykły plik DOCX, XLSX, ODT lub ODS – i wyślij ponownie."),
    }
    return messages.get(code, messages["type"])


@bp.route("/")
@role_required(Role.TOWN)
def dashboard() -> tuple[str, int] | str:
    paths = list(db.session.scalars(access.visible_paths(current_user).order_by(Path.id)))
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
        return render_template("web/errors/refused.html", path=path,
                               reasons=[_("Kwotę można zmieniać tylko podczas przygotowania wniosku.")],
                               back=url_for("town.path", path_id=path.id)), 409
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
        return render_template("web/errors/refused.html", path=path,
                               reasons=[upload_message("not_now", 0)],
                               back=url_for("town.path", path_id=path.id)), 409
    file = form.document.data
    try:
        document = documents.store_upload(
            path, data.state.stage, file.filename or "", file.stream, current_user
        )
    except documents.UploadRefused as refused:
        mb = current_app.config["UPLOAD_MAX_MB"]
        form.document.errors = [upload_message(refused.code, mb)]
        return render_path(path, form, 413 if refused.code == "too_large" else 400)
    flash(_("Dodano dokument „%(name)s”.", name=document.original_name), "success")
    return redirect(url_for("town.path", path_id=path.id))

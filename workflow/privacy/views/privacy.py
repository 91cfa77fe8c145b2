"""Personal data: the public privacy notice, and the coordinator's answers to a person's
request (find them, show and download what is held, erase it by pseudonymisation)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from forms.privacy import EraseForm, FindPersonForm
from workflow.audit import log as audit
from workflow.extensions import db
from workflow.models import Programme, Role
from workflow.privacy import erasure, retention, subjects
from workflow.web.helpers import add_reasons, role_required
from workflow.web.templating import moment

bp = Blueprint("privacy", __name__)

KIND = "<any(account, participant):kind>"
MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")  # a datetime's isoformat(), not a date's

# Headings of the page's tables: the keys of subjects.data(), in Polish (msgids).
SECTIONS: dict[str, Any] = {
    "advisor_profile": _l("Profil doradcy"),
    "evaluator_profile": _l("Profil oceniającego"),
    "login_attempts": _l("Próby logowania"),
    "notifications": _l("Powiadomienia"),
    "advisor_assignments": _l("Przydziały jako doradca"),
    "services_delivered": _l("Usługi doradcze przeprowadzone"),
    "declarations": _l("Deklaracje bezstronności i konflikty interesów"),
    "documents_uploaded": _l("Dodane dokumenty"),
    "transitions": _l("Zmiany etapów ścieżki"),
    "appeals_filed": _l("Złożone protesty"),
    "audit_events": _l("Dziennik zdarzeń"),
    "services": _l("Usługi doradcze, w których osoba uczestniczyła"),
}
COLUMNS: dict[str, Any] = {
    "id": _l("numer"), "email": _l("e-mail"), "name": _l("imię i nazwisko"), "role": _l("rola"),
    "town": _l("miasto"), "language": _l("język"), "active": _l("aktywne"),
    "created_at": _l("utworzono"), "password_changed_at": _l("zmiana hasła"),
    "two_factor_since": _l("weryfikacja dwuetapowa od"),
    "pseudonymised_at": _l("zastąpiono pseudonimem"), "institution": _l("instytucja"),
    "region": _l("województwo"), "capacity": _l("limit miast"), "available": _l("dostępny"),
    "note": _l("uwagi"), "fields": _l("dziedziny"), "municipality": _l("gmina"),
    "at": _l("kiedy"), "ip": _l("adres IP"), "success": _l("udana"), "reason": _l("wynik"),
    "kind": _l("rodzaj"), "subject": _l("temat"), "body": _l("treść"), "status": _l("stan"),
    "sent_at": _l("wysłano"), "read_at": _l("przeczytano"), "programme": _l("program"),
    "field": _l("dziedzina"), "since": _l("od"), "held_on": _l("data"), "topic": _l("temat"),
    "duration_minutes": _l("minuty"), "round": _l("runda"), "declaration": _l("deklaracja"),
    "conflict_type": _l("rodzaj konfliktu"), "conflict_note": _l("opis konfliktu"),
    "declared_at": _l("złożono"), "sheet": _l("karta oceny"), "submitted_at": _l("złożono kartę"),
    "uploaded_at": _l("dodano"), "stage": _l("etap"), "file": _l("plik"), "event": _l("zdarzenie"),
    "from_state": _l("z etapu"), "to_state": _l("do etapu"), "comment": _l("komentarz"),
    "filed_at": _l("złożono"), "justification": _l("uzasadnienie"), "action": _l("czynność"),
    "object_type": _l("rodzaj obiektu"), "object_id": _l("numer obiektu"),
}


def column(key: str) -> str:
    label = COLUMNS.get(key)
    return str(label) if label is not None else key


def shown(value: Any) -> str:
    """A value of subjects.data() for a reader: yes/no, a moment in the programme's time zone
    (the data hold ISO 8601 text, as the JSON file does), a dash for nothing."""
    if value is True:
        return _("tak")
    if value is False:
        return _("nie")
    if value in (None, ""):
        return "–"
    if isinstance(value, str) and MOMENT.match(value):
        return moment(datetime.fromisoformat(value), "d MMM y, HH:mm:ss")
    return str(value)


def _subject(kind: str, record_id: int) -> subjects.Subject:
    found = subjects.subject(kind, record_id)
    if found is None:
        abort(404)
    return found


# --- the public notice ---------------------------------------------------------------------------

@bp.route("/privacy")
def notice() -> str:
    config = current_app.config
    return render_template("privacy/notice.html",
                           attempts_days=config["LOGIN_ATTEMPTS_RETENTION_DAYS"],
                           exports_days=config["EXPORT_FILES_RETENTION_DAYS"],
                           archive_years=config["PARTICIPANTS_ARCHIVE_YEARS"],
                           controller=config.get("DATA_CONTROLLER", ""),
                           contact=config.get("DATA_PROTECTION_CONTACT", ""))


# --- the coordinator -----------------------------------------------------------------------------

@bp.route("/coordinator/privacy/")
@role_required(Role.COORDINATOR)
def index() -> tuple[str, int]:
    form = FindPersonForm(request.args)
    accounts: list[subjects.Match] = []
    participants: list[subjects.Match] = []
    status = 200
    searched = bool(request.args)
    if searched:
        if form.validate():
            accounts, participants = subjects.find(form.q.data or "")
        else:
            status = 422
    years = int(current_app.config["PARTICIPANTS_ARCHIVE_YEARS"])
    programmes = [(p, retention.archive_ends(p.ends_on, years) if p.ends_on else None)
                  for p in db.session.scalars(select(Programme).order_by(Programme.id))]
    return render_template("privacy/index.html", form=form, searched=searched and status == 200,
                           accounts=accounts, participants=participants, programmes=programmes,
                           limit=subjects.FOUND_MAX, config=current_app.config), status


@bp.route(f"/coordinator/privacy/{KIND}/<int:record_id>")
@role_required(Role.COORDINATOR)
def record(kind: str, record_id: int) -> str:
    found = _subject(kind, record_id)
    return render_template("privacy/record.html", found=found, data=subjects.data(found),
                           sections=SECTIONS, column=column, shown=shown)


@bp.route(f"/coordinator/privacy/{KIND}/<int:record_id>/data.json")
@role_required(Role.COORDINATOR)
def download(kind: str, record_id: int) -> Response:
    found = _subject(kind, record_id)
    audit.record_export(current_user, "personal_data", "json", None, kind=kind, record_id=record_id)
    body = json.dumps(subjects.data(found), ensure_ascii=False, indent=2)
    name = f"dane-osobowe-{kind}-{record_id}.json"
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "X-Content-Type-Options": "nosniff"})


@bp.route(f"/coordinator/privacy/{KIND}/<int:record_id>/erase", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def erase(kind: str, record_id: int) -> Response | tuple[str, int]:
    found = _subject(kind, record_id)
    form = EraseForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                count = erasure.erase(found, current_user._get_current_object(), form.reason.data or "")
            except erasure.ErasureRefused as refused:
                add_reasons(form, refused, "reason")
                status = refused.status
            else:
                flash(_("Dane osobowe zastąpiono pseudonimem (rekordy: %(n)d).", n=count), "success")
                return redirect(url_for("privacy.record", kind=kind, record_id=record_id))
        else:
            status = 422
    return render_template("privacy/erase.html", found=found, form=form), status

"""The consultation log: advisors log services for their towns, towns read what they
received, the coordinator corrects any logged service. Thin: the rules live in
workflow.advice.consultations; here forms are read and pages rendered."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from forms.advice import DeleteDraftForm, ServiceForm
from workflow.advice import consultations as log
from workflow.advice.consultation_history import RevisionView, history
from workflow.advice.consultation_queries import (
    SERVICES,
    active_fields,
    advisor_towns,
    drafts,
    find,
    logged_page,
    totals,
    town_people,
)
from workflow.advice.consultation_terms import (
    FORMAT_LABELS,
    KIND_LABELS,
    LOGGED_NOT_DELETED,
    STUDY_KIND_LABELS,
    STUDY_WORD,
    TOKEN_USED,
    ServiceInput,
    ServiceInvalid,
    ServiceRefused,
    window_closed,
)
from workflow.models import ExpertiseField, Path, Person, Role, Service, ServiceStatus
from workflow.path import access
from workflow.refusal import Message, _l
from workflow.text import polish_key
from workflow.web import listing
from workflow.web.helpers import add_reasons, role_required, show_again
from workflow.web.l10n import format_date

bp = Blueprint("consultations", __name__)


@bp.context_processor
def _vocabulary() -> dict[str, Any]:
    return {"kinds": KIND_LABELS, "formats": FORMAT_LABELS,
            "study_kinds": STUDY_KIND_LABELS, "duration_text": duration_text}


def duration_text(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return _("%(m)d min", m=rest)
    if not rest:
        return _("%(h)d godz.", h=hours)
    return _("%(h)d godz. %(m)d min", h=hours, m=rest)


def _find(service_id: int) -> Service:
    """The service if the user may see it; ServiceNotFound (the handler's 404) otherwise."""
    return find(current_user, service_id)


# --- the form -------------------------------------------------------------------------------

def _prepare(form: ServiceForm, path: Path, service: Service | None = None) -> None:
    """Choices of the form: the vocabulary, the active fields, and this town's people."""
    locale = g.locale
    form.kind.choices = [(k, str(label)) for k, label in KIND_LABELS.items()]
    form.format.choices = [(k, str(label)) for k, label in FORMAT_LABELS.items()]
    fields = active_fields(service.field_id if service else None)
    form.field_id.choices = [("", _("– wybierz dziedzinę –"))] + [(f.id, f.name(locale)) for f in fields]
    people = sorted(town_people(path.applicant_id), key=lambda p: (polish_key(p.name), p.id))
    form.participants.choices = [(p.id, person_text(p)) for p in people]


def person_text(person: Person) -> str:
    text = f"{person.name} – {person.institution}" if person.institution else person.name
    return f"{text} ({person.email})" if person.email else text


def _fill(form: ServiceForm, service: Service) -> None:
    form.kind.data, form.format.data = service.kind, service.format
    form.held_on.data = service.held_on.isoformat()
    form.duration.data = str(service.duration_minutes)
    form.field_id.data, form.topic.data = service.field_id, service.topic
    form.participants.data = [p.id for p in service.participants]
    form.studies.data = "\n".join(f"{s.title}; {STUDY_WORD[s.kind]}" for s in service.studies)
    form.version.data = service.version


def _input(form: ServiceForm) -> ServiceInput:
    return ServiceInput(
        kind=form.kind.data or "", held_on=form.held_on.data or "", duration=form.duration.data or "",
        field_id=form.field_id.data, topic=form.topic.data or "", format=form.format.data or "",
        person_ids=list(form.participants.data or []), new_people=form.new_people.data or "",
        studies=form.studies.data or "",
    )


def _render_form(form: ServiceForm, path: Path, mode: str, action: str, *, service: Service | None = None,
                 status: int = 200, refusal: Message | None = None) -> tuple[str, int]:
    return render_template(
        "advice/consultations/form.html", form=form, path=path, mode=mode, action=action, service=service,
        refusal=refusal, programme=path.programme,
        ends=log.correction_ends(service) if service else None,
    ), status


def _saved(service: Service, message: str) -> Response:
    flash(message, "success")
    if service.status == ServiceStatus.DRAFT:
        return redirect(url_for("consultations.edit", service_id=service.id))
    return redirect(url_for("consultations.detail", service_id=service.id))


def _detail_again(service: Service, refused: ServiceRefused) -> Response:
    """The entry's page with the reason at its top (what cannot be done to it, and why)."""
    coordinator = current_user.role == Role.COORDINATOR
    endpoint = "consultations.coordinator_detail" if coordinator else "consultations.detail"
    return show_again(refused, endpoint, service_id=service.id)


# --- the advisor ----------------------------------------------------------------------------

@bp.route("/advisor/consultations/")
@role_required(Role.ADVISOR)
def advisor_list() -> str:
    towns = advisor_towns(current_user)
    path_id = request.args.get("path", type=int)
    if path_id is not None and path_id not in {p.id for p in towns}:
        abort(404)
    page = logged_page(current_user, listing.parse(request.args, SERVICES), own=True, path_id=path_id,
                       keep={"path": str(path_id or "")})
    return render_template("advice/consultations/advisor_list.html", towns=towns, path_id=path_id,
                           drafts=drafts(current_user, path_id=path_id), page=page)


@bp.route("/advisor/consultations/new", methods=["GET", "POST"])
@role_required(Role.ADVISOR)
def new() -> Response | str | tuple[str, int]:
    path_id = request.args.get("path", type=int)
    if path_id is None:
        towns = advisor_towns(current_user)
        if len(towns) == 1:
            return redirect(url_for("consultations.new", path=towns[0].id))
        return render_template("advice/consultations/choose_town.html", towns=towns)
    path = access.get_path_or_404(current_user, path_id)
    form = ServiceForm()
    _prepare(form, path)
    action = url_for("consultations.new", path=path.id)
    if request.method == "GET":
        form.client_token.data = secrets.token_urlsafe(24)
        return _render_form(form, path, "new", action)
    if not form.validate_on_submit():
        return _render_form(form, path, "new", action, status=400)
    try:
        service, created = log.create(path, current_user, _input(form), log=bool(form.log.data),
                                      client_token=form.client_token.data or None)
    except ServiceInvalid as invalid:
        add_reasons(form, invalid)
        return _render_form(form, path, "new", action, status=invalid.status)
    except ServiceRefused as refused:
        if refused.reason is TOKEN_USED:  # let the next try go through with a fresh token
            form.client_token.data = secrets.token_urlsafe(24)
        return _render_form(form, path, "new", action, status=refused.status, refusal=refused.reason)
    if not created:
        flash(_("Ten formularz został już wysłany; nie utworzono drugiego wpisu."), "info")
        return redirect(url_for("consultations.edit" if service.status == ServiceStatus.DRAFT
                                else "consultations.detail", service_id=service.id))
    return _saved(service, _("Zapisano usługę w dzienniku.") if service.status == ServiceStatus.LOGGED
                  else _("Zapisano szkic. Nie jest jeszcze widoczny w dzienniku ani w raportach."))


@bp.route("/advisor/consultations/<int:service_id>")
@role_required(Role.ADVISOR)
def detail(service_id: int) -> str:
    return _detail_page(_find(service_id))


@bp.route("/advisor/consultations/<int:service_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADVISOR)
def edit(service_id: int) -> Response | str | tuple[str, int]:
    service = _find(service_id)
    if not log.is_author(current_user, service):
        abort(404)
    mode = "draft" if service.status == ServiceStatus.DRAFT else "correct"
    if mode == "correct" and not log.may_correct(current_user, service):
        return _detail_again(service, ServiceRefused(
            window_closed(service.path.programme.service_edit_days), 403))
    form = ServiceForm()
    _prepare(form, service.path, service)
    action = url_for("consultations.edit", service_id=service.id)
    if request.method == "GET":
        _fill(form, service)
        return _render_form(form, service.path, mode, action, service=service)
    if not form.validate_on_submit():
        return _render_form(form, service.path, mode, action, service=service, status=400)
    try:
        if mode == "draft":
            log.update_draft(service, current_user, _input(form), log=bool(form.log.data),
                             expected_version=form.version.data)
        else:
            log.correct(service, current_user, _input(form), reason=form.reason.data or "",
                        expected_version=form.version.data)
    except ServiceInvalid as invalid:
        add_reasons(form, invalid)
        return _render_form(form, service.path, mode, action, service=service, status=invalid.status)
    except ServiceRefused as refused:
        service = _find(service_id)  # the session was rolled back: read it again for the page
        return _render_form(form, service.path, mode, action, service=service, status=refused.status,
                            refusal=refused.reason)
    if mode == "correct":
        return _saved(service, _("Zapisano poprawkę. Poprzednie wartości są w historii wpisu."))
    return _saved(service, _("Zapisano usługę w dzienniku.") if service.status == ServiceStatus.LOGGED
                  else _("Zapisano szkic."))


@bp.route("/advisor/consultations/<int:service_id>/delete", methods=["GET", "POST"])
@role_required(Role.ADVISOR)
def delete(service_id: int) -> Response | str | tuple[str, int]:
    service = _find(service_id)
    if not log.is_author(current_user, service):
        abort(404)
    if service.status != ServiceStatus.DRAFT:
        return _detail_again(service, ServiceRefused(LOGGED_NOT_DELETED, 409))
    form = DeleteDraftForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            log.delete_draft(service, current_user, expected_version=form.version.data)
        except ServiceRefused as refused:
            return _detail_again(service, refused)
        flash(_("Usunięto szkic."), "success")
        return redirect(url_for("consultations.advisor_list"))
    form.version.data = service.version
    return render_template("advice/consultations/delete.html", service=service, form=form), \
        (400 if request.method == "POST" else 200)


# --- the town -------------------------------------------------------------------------------

@bp.route("/town/consultations/")
@role_required(Role.TOWN)
def town_list() -> str:
    page = logged_page(current_user, listing.parse(request.args, SERVICES))
    services, participations = totals(current_user)
    return render_template("advice/consultations/town_list.html", page=page, services=services,
                           participations=participations)


# --- the coordinator ------------------------------------------------------------------------

@bp.route("/coordinator/consultations/<int:service_id>")
@role_required(Role.COORDINATOR)
def coordinator_detail(service_id: int) -> str:
    return _detail_page(_find(service_id))


@bp.route("/coordinator/consultations/<int:service_id>/edit", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def coordinator_edit(service_id: int) -> Response | str | tuple[str, int]:
    service = _find(service_id)
    form = ServiceForm()
    _prepare(form, service.path, service)
    action = url_for("consultations.coordinator_edit", service_id=service.id)
    if request.method == "GET":
        _fill(form, service)
        return _render_form(form, service.path, "coordinator", action, service=service)
    if not form.validate_on_submit():
        return _render_form(form, service.path, "coordinator", action, service=service, status=400)
    try:
        log.correct(service, current_user, _input(form), reason=form.reason.data or "",
                    expected_version=form.version.data)
    except ServiceInvalid as invalid:
        add_reasons(form, invalid)
        return _render_form(form, service.path, "coordinator", action, service=service, status=invalid.status)
    except ServiceRefused as refused:
        service = _find(service_id)
        return _render_form(form, service.path, "coordinator", action, service=service,
                            status=refused.status, refusal=refused.reason)
    flash(_("Zapisano poprawkę. Poprzednie wartości są w historii wpisu."), "success")
    return redirect(url_for("consultations.coordinator_detail", service_id=service.id))


# --- the detail page and its history --------------------------------------------------------

CHANGE_NAMES = {
    "kind": _l("Rodzaj usługi"), "held_on": _l("Data"), "duration_minutes": _l("Czas trwania"),
    "field_id": _l("Dziedzina"), "topic": _l("Temat"), "format": _l("Forma"),
    "participant_ids": _l("Uczestnicy"), "studies": _l("Opracowania"),
}


def _value(key: str, value: Any, fields: dict[int, ExpertiseField]) -> str:
    locale = g.locale
    if value is None:
        return "–"
    if key == "kind":
        return str(KIND_LABELS.get(value, value))
    if key == "format":
        return str(FORMAT_LABELS.get(value, value))
    if key == "held_on":
        return format_date(date.fromisoformat(value), "long")
    if key == "duration_minutes":
        return duration_text(value)
    if key == "field_id":
        found = fields.get(value)
        return found.name(locale) if found else str(value)
    if key == "studies":
        return "; ".join(f"{s['title']} ({STUDY_KIND_LABELS[s['kind']]})"
                         for s in value) or "–"
    return str(value)


def _change_rows(views: list[RevisionView], people: dict[int, Person],
                 fields: dict[int, ExpertiseField]) -> list[dict[str, Any]]:
    """Each correction as rows of (what, before, after) ready to print."""
    result = []
    for view in views:
        rows = []
        for change in view.changes:
            name = str(CHANGE_NAMES[change.key])
            if change.key == "participant_ids":
                removed = [pid for pid in change.before or [] if pid not in (change.after or [])]
                added = [pid for pid in change.after or [] if pid not in (change.before or [])]
                names = [person_text(people[p]) if p in people else f"#{p}" for p in removed]
                before = _("usunięci: %(names)s", names=", ".join(names)) if removed else "–"
                names = [person_text(people[p]) if p in people else f"#{p}" for p in added]
                after = _("dodani: %(names)s", names=", ".join(names)) if added else "–"
            else:
                before = _value(change.key, change.before, fields)
                after = _value(change.key, change.after, fields)
            rows.append({"name": name, "before": before, "after": after})
        result.append({"revision": view.revision, "rows": rows})
    return result


def _detail_page(service: Service) -> str:
    views, people, fields = history(service)
    return render_template(
        "advice/consultations/detail.html", service=service, revisions=_change_rows(views, people, fields),
        is_author=log.is_author(current_user, service), ends=log.correction_ends(service),
        may_correct=log.may_correct(current_user, service),
        edit_days=service.path.programme.service_edit_days,
    )

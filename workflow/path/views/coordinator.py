"""The coordinator's pages: the programme overview, a town's path, deadlines, the diagram."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

import states
from forms.path import DeadlineForm, ExtensionForm, RevokeForm, ShortenForm, TransitionForm
from states.definition import StageStatus
from workflow.extensions import db
from workflow.models import Path, Programme, Role
from workflow.path import access, deadlines, store_check
from workflow.path.attention import attention
from workflow.path.overview import overview as build_overview
from workflow.path.overview import towns_spec
from workflow.path.summary import summary
from workflow.web import listing
from workflow.web.helpers import add_reasons, current_programme, programme_choices, role_required

bp = Blueprint("coordinator", __name__, url_prefix="/coordinator")
DeadlineFormT = TypeVar("DeadlineFormT", ExtensionForm, ShortenForm)


def to_utc(local: datetime, tz: str) -> datetime:
    """A wall-clock time typed in the programme's zone, as an aware moment."""
    return local.replace(tzinfo=ZoneInfo(tz))


def deadline_stages(programme: Programme) -> list[tuple[str, str]]:
    definition = states.get_definition(programme.path_code)
    return [(s.code, s.label.get(g.locale)) for s in definition.stages if s.has_deadline]


@bp.route("/")
@role_required(Role.COORDINATOR)
def overview() -> str:
    programme = current_programme()
    definition = states.get_definition(programme.path_code)
    stage = request.args.get("stage") or None
    if stage and stage not in {s.code for s in definition.stages}:
        stage = None
    voivodeship = request.args.get("voivodeship") or None
    params = listing.parse(request.args, towns_spec(definition))
    keep = {"programme": programme.code, "stage": stage or "", "voivodeship": voivodeship or ""}
    data = build_overview(programme, definition, params, stage=stage, voivodeship=voivodeship,
                          keep=keep)
    programmes = programme_choices()
    due = deadlines.programme_deadlines(programme.id)
    return render_template(
        "path/coordinator/overview.html", programme=programme, programmes=programmes,
        definition=definition, data=data, stage=stage, voivodeship=voivodeship,
        deadlines=due,
        # What is late and what waits for a decision: the whole programme, so only unfiltered.
        attention=None if stage or voivodeship or params.q else attention(programme, definition, due),
        # The last check that the upload store and the rows agree (no health page of its own).
        store_check=None if stage or voivodeship or params.q else {"last": store_check.latest()},
    )


def _deadline_form(p: Path, cls: type[DeadlineFormT]) -> DeadlineFormT:
    """A form choosing one of the programme's stages, starting on the town's current stage
    (else the first stage still ahead of it)."""
    form = cls()
    form.stage.choices = deadline_stages(p.programme)
    if not form.is_submitted():
        definition = states.get_definition(p.programme.path_code)
        ahead = [code for code, _name in form.stage.choices
                 if definition.stage_status(code, p.state) != StageStatus.DONE]
        form.stage.data = ahead[0] if ahead else None
    return form


def _path_page(p: Path, extension_form: ExtensionForm | None = None, status: int = 200) -> tuple[str, int]:
    return render_template("path/coordinator/path.html", s=summary(p, current_user),
                           transition_form=TransitionForm(),
                           extension_form=extension_form or _deadline_form(p, ExtensionForm)), status


@bp.route("/paths/<int:path_id>")
@role_required(Role.COORDINATOR)
def path(path_id: int) -> tuple[str, int]:
    return _path_page(access.get_path_or_404(current_user, path_id))


@bp.route("/paths/<int:path_id>/extensions", methods=["POST"])
@role_required(Role.COORDINATOR)
def extend(path_id: int) -> Response | tuple[str, int]:
    p = access.get_path_or_404(current_user, path_id)
    form = _deadline_form(p, ExtensionForm)
    if form.validate_on_submit():
        try:
            deadlines.extend(p, form.stage.data, to_utc(form.due_at.data, p.programme.timezone),
                             form.reason.data, current_user)
        except deadlines.DeadlineRefused as refused:
            db.session.rollback()
            add_reasons(form, refused, "due_at")
        else:
            flash(_("Przedłużono termin. Miasto dostało powiadomienie z uzasadnieniem."), "success")
            return redirect(url_for("coordinator.path", path_id=p.id))
    return _path_page(p, form, 422)


@bp.route("/paths/<int:path_id>/deadlines/shorten", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def shorten(path_id: int) -> Response | tuple[str, int]:
    """Moving a town's deadline earlier: the form, then a page that says what will happen
    and asks for a confirmation, then the change."""
    p = access.get_path_or_404(current_user, path_id)
    form = _deadline_form(p, ShortenForm)
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            due = to_utc(form.due_at.data, p.programme.timezone)
            try:
                if form.confirmed.data == "1":
                    deadlines.shorten(p, form.stage.data, due, form.reason.data, current_user)
                    flash(_("Skrócono termin. Miasto dostało powiadomienie z uzasadnieniem."), "success")
                    return redirect(url_for("coordinator.path", path_id=p.id))
                before = deadlines.check_change(p, form.stage.data, due, form.reason.data, later=False)
            except deadlines.DeadlineRefused as refused:
                db.session.rollback()
                add_reasons(form, refused, "due_at")
            else:
                form.confirmed.data = "1"
                return render_template(
                    "path/coordinator/confirm_deadline.html", form=form, path=p,
                    stage=dict(form.stage.choices)[form.stage.data], before=before, after=due,
                    action=url_for("coordinator.shorten", path_id=p.id),
                    back=url_for("coordinator.path", path_id=p.id), towns=1), 200
    return render_template("path/coordinator/shorten.html", form=form, s=summary(p, current_user)), status


@bp.route("/paths/<int:path_id>/extensions/<stage>/revoke", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def revoke(path_id: int, stage: str) -> Response | tuple[str, int]:
    """Taking back a town's extension: a page that says which deadline holds again, the
    reason, and the confirmation."""
    p = access.get_path_or_404(current_user, path_id)
    extension = deadlines.effective_deadlines(p).get(stage)
    if extension is None or not extension.extended:
        raise deadlines.DeadlineRefused([deadlines.NO_EXTENSION], status=409)
    form = RevokeForm()
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            try:
                deadlines.revoke_extension(p, stage, form.reason.data, actor=current_user)
            except deadlines.DeadlineRefused as refused:
                db.session.rollback()
                add_reasons(form, refused, "reason")
                status = refused.status
            else:
                flash(_("Cofnięto przedłużenie terminu. Miasto dostało powiadomienie."), "info")
                return redirect(url_for("coordinator.path", path_id=p.id))
    definition = states.get_definition(p.programme.path_code)
    return render_template("path/coordinator/revoke.html", form=form, path=p, extension=extension,
                           stage=definition.stage(stage).label.get(g.locale)), status


@bp.route("/deadlines", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def edit_deadlines() -> Response | str | tuple[str, int]:
    programme = current_programme()
    form = DeadlineForm()
    form.stage.choices = deadline_stages(programme)
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            due = to_utc(form.due_at.data, programme.timezone)
            try:
                before = deadlines.check_programme_change(programme, form.stage.data, due,
                                                          form.reason.data)
                if before is not None and due < before and form.confirmed.data != "1":
                    form.confirmed.data = "1"
                    return render_template(
                        "path/coordinator/confirm_deadline.html", form=form, path=None,
                        programme=programme, stage=dict(form.stage.choices)[form.stage.data],
                        before=before, after=due,
                        towns=len(deadlines.affected_paths(programme, form.stage.data)),
                        action=url_for("coordinator.edit_deadlines", programme=programme.code),
                        back=url_for("coordinator.edit_deadlines", programme=programme.code)), 200
                told = deadlines.set_programme_deadline(programme, form.stage.data, due,
                                                        form.reason.data, actor=current_user)
            except deadlines.DeadlineRefused as refused:
                db.session.rollback()
                add_reasons(form, refused, "due_at")
            else:
                flash(_("Zapisano termin. Powiadomiono miasta, których dotyczy: %(n)d.", n=told),
                      "success")
                return redirect(url_for("coordinator.edit_deadlines", programme=programme.code))
    current = deadlines.programme_deadlines(programme.id)
    return render_template("path/coordinator/deadlines.html", programme=programme, form=form,
                           stages=form.stage.choices, current=current), status


@bp.route("/diagram")
@role_required(Role.COORDINATOR)
def diagram() -> str:
    programme = current_programme()
    definition = states.get_definition(programme.path_code)
    role_names = {"applicant": _("miasto"), "advisor": _("doradca"),
                  "coordinator": _("koordynator"), "system": _("system")}
    return render_template("path/coordinator/diagram.html", programme=programme,
                           definition=definition, role_names=role_names, guards=states.GUARDS,
                           mermaid=states.to_mermaid(definition, g.locale))

"""The coordinator's pages: the programme overview, a town's path, deadlines, the diagram."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

import states
from forms.path import DeadlineForm, ExtensionForm, TransitionForm
from workflow.extensions import db
from workflow.models import Programme, Role
from workflow.path import access, deadlines, store_check
from workflow.path.attention import attention
from workflow.path.overview import overview as build_overview
from workflow.path.overview import towns_spec
from workflow.path.summary import summary
from workflow.web import listing
from workflow.web.helpers import current_programme, role_required

bp = Blueprint("coordinator", __name__, url_prefix="/coordinator")


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
    programmes = list(db.session.scalars(select(Programme).order_by(Programme.id)))
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


@bp.route("/paths/<int:path_id>")
@role_required(Role.COORDINATOR)
def path(path_id: int) -> str:
    p = access.get_path_or_404(current_user, path_id)
    form = ExtensionForm()
    form.stage.choices = deadline_stages(p.programme)
    return render_template("path/coordinator/path.html", s=summary(p, current_user),
                           transition_form=TransitionForm(), extension_form=form)


@bp.route("/paths/<int:path_id>/extensions", methods=["POST"])
@role_required(Role.COORDINATOR)
def extend(path_id: int) -> Response | tuple[str, int]:
    p = access.get_path_or_404(current_user, path_id)
    form = ExtensionForm()
    form.stage.choices = deadline_stages(p.programme)
    if not form.validate_on_submit():
        return render_template("path/coordinator/path.html", s=summary(p, current_user),
                               transition_form=TransitionForm(), extension_form=form), 400
    deadlines.grant_extension(p, form.stage.data, to_utc(form.due_at.data, p.programme.timezone),
                              form.reason.data.strip(), current_user.id, actor=current_user)
    flash(_("Przedłużono termin."), "success")
    return redirect(url_for("coordinator.path", path_id=p.id))


@bp.route("/paths/<int:path_id>/extensions/<stage>/revoke", methods=["POST"])
@role_required(Role.COORDINATOR)
def revoke(path_id: int, stage: str) -> Response:
    # CSRFProtect has already refused a POST without a valid token.
    p = access.get_path_or_404(current_user, path_id)
    deadlines.revoke_extension(p, stage, actor=current_user)
    flash(_("Cofnięto przedłużenie terminu."), "info")
    return redirect(url_for("coordinator.path", path_id=p.id))


@bp.route("/deadlines", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def edit_deadlines() -> Response | str | tuple[str, int]:
    programme = current_programme()
    form = DeadlineForm()
    form.stage.choices = deadline_stages(programme)
    if request.method == "POST":
        if form.validate_on_submit():
            deadlines.set_programme_deadline(
                programme, form.stage.data, to_utc(form.due_at.data, programme.timezone),
                actor=current_user,
            )
            flash(_("Zapisano termin."), "success")
            return redirect(url_for("coordinator.edit_deadlines", programme=programme.code))
        status = 400
    else:
        status = 200
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

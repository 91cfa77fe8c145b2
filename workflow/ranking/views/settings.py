"""The programme's settings screen (coordinator): see and change the settings of the
ranking, the evaluation, the appeals and the reminders, with the latest changes."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from forms.ranking import POLICY_HINT, ProgrammeSettingsForm
from workflow.audit.log import detail_of
from workflow.models import Programme, Role
from workflow.ranking import programme_settings
from workflow.ranking.programme_settings import SettingsRefused
from workflow.web.helpers import add_reasons, current_programme, programme_choices, role_required

bp = Blueprint("programme_settings", __name__, url_prefix="/coordinator/programme-settings")


def render(programme: Programme, form: ProgrammeSettingsForm, status: int = 200,
           refused: SettingsRefused | None = None) -> tuple[str, int]:
    approved = programme_settings.approved_ranking(programme.id)
    programmes = programme_choices()
    labels = {name: form[name].label.text for name in programme_settings.FIELDS}
    history = [(event, detail_of(event).get("changes", {}))
               for event in programme_settings.history(programme)]
    return render_template("ranking/settings.html", programme=programme, programmes=programmes,
                           form=form, approved=approved, locked=programme_settings.RANKING_FIELDS,
                           labels=labels, history=history, policy_hint=POLICY_HINT,
                           reasons=refused.reasons if refused else []), status


@bp.route("/", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def edit() -> Response | tuple[str, int]:
    programme = current_programme()
    if request.method == "GET":
        return render(programme, ProgrammeSettingsForm.of(programme))
    form = ProgrammeSettingsForm()
    if not form.validate():
        return render(programme, form, 422)
    try:
        changes = programme_settings.update(programme, form.values(programme.timezone), current_user)
    except SettingsRefused as refused:
        add_reasons(form, refused)
        return render(programme, form, refused.status, refused)
    if changes:
        flash(_("Zapisano ustawienia programu (zmienione: %(n)d).", n=len(changes)), "success")
    else:
        flash(_("Nic się nie zmieniło – ustawienia są takie jak wcześniej."), "info")
    return redirect(url_for("programme_settings.edit", programme=programme.code))

"""The coordinator's list of people with accounts, and switching an account off or on."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from forms.accounts import UserActiveForm
from workflow.accounts import operations as accounts
from workflow.extensions import db
from workflow.models import Role, User
from workflow.web import listing
from workflow.web.helpers import role_required

bp = Blueprint("users", __name__, url_prefix="/coordinator/users")

def _list(status: int = 200, error: str = "") -> tuple[str, int]:
    roles = {Role.TOWN: _("miasto"), Role.ADVISOR: _("doradca"),
             Role.EVALUATOR: _("oceniający"), Role.COORDINATOR: _("koordynator")}
    role = request.args.get("role") or ""
    if role not in roles:
        role = ""
    page = accounts.people(listing.parse(request.args, accounts.PEOPLE), role=role or None,
                           keep={"role": role})
    return render_template("accounts/users.html", page=page, roles=roles, role=role,
                           form=UserActiveForm(), error=error), status


@bp.route("/")
@role_required(Role.COORDINATOR)
def index() -> tuple[str, int]:
    return _list()


@bp.route("/<int:user_id>/deactivate", methods=["POST"])
@role_required(Role.COORDINATOR)
def deactivate(user_id: int) -> Response | tuple[str, int]:
    return _set_active(user_id, False)


@bp.route("/<int:user_id>/activate", methods=["POST"])
@role_required(Role.COORDINATOR)
def activate(user_id: int) -> Response | tuple[str, int]:
    return _set_active(user_id, True)


def _set_active(user_id: int, active: bool) -> Response | tuple[str, int]:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    form = UserActiveForm()
    if not form.validate_on_submit():
        abort(400)
    if user.id == current_user.id:
        return _list(400, _("Nie możesz wyłączyć własnego konta."))
    accounts.set_active(user, active, current_user._get_current_object())
    if active:
        flash(_("Konto %(email)s jest znów aktywne.", email=user.email), "success")
    else:
        flash(_("Konto %(email)s zostało wyłączone, a jego sesje zakończone.", email=user.email),
              "success")
    return redirect(url_for("users.index"))

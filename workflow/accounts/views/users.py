"""The coordinator's list of people with accounts, inviting a new person, and switching an
account off or on."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from forms.accounts import InviteForm, UserActiveForm
from workflow.accounts import invitations
from workflow.accounts import operations as accounts
from workflow.accounts.invitations import InvitationRefused
from workflow.extensions import db
from workflow.models import Role, User
from workflow.web import listing
from workflow.web.helpers import add_reasons, role_required
from workflow.web.templating import moment as format_moment

bp = Blueprint("users", __name__, url_prefix="/coordinator/users")


def role_names() -> dict[str, str]:
    return {Role.TOWN: _("miasto"), Role.ADVISOR: _("doradca"),
            Role.EVALUATOR: _("oceniający"), Role.COORDINATOR: _("koordynator"),
            Role.MODERATOR: _("moderator grupy")}


def _list(status: int = 200, error: str = "") -> tuple[str, int]:
    roles = role_names()
    role = request.args.get("role") or ""
    if role not in roles:
        role = ""
    page = accounts.people(listing.parse(request.args, accounts.PEOPLE), role=role or None,
                           keep={"role": role})
    pending = invitations.pending_by_user([person.id for person, _last in page.rows])
    return render_template("accounts/users.html", page=page, roles=roles, role=role,
                           pending=pending, form=UserActiveForm(), error=error), status


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


# --- inviting a person ---------------------------------------------------------------------

def _invite_form() -> InviteForm:
    roles = {role: str(name) for role, name in invitations.ROLE_NAMES.items()}
    return InviteForm(roles=roles, towns=invitations.applicant_choices())


def _invite_page(form: InviteForm, status: int = 200) -> tuple[str, int]:
    return render_template("accounts/invite.html", form=form,
                           days=invitations.days_valid()), status


@bp.route("/invite", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def invite() -> Response | tuple[str, int]:
    form = _invite_form()
    if request.method == "GET":
        return _invite_page(form)
    if not form.validate_on_submit():
        return _invite_page(form, 422)
    try:
        invited = invitations.invite(
            email=form.email.data or "", name=form.name.data or "", role=Role(form.role.data),
            locale=form.locale.data or "pl", applicant_id=form.applicant_id,
            municipality_id=form.municipality_id,
            by=current_user._get_current_object(),
            link_for=lambda token: url_for("invitations.accept", token=token, _external=True))
    except InvitationRefused as refused:
        db.session.rollback()
        add_reasons(form, refused)
        return _invite_page(form, refused.status)
    until = invited.invitation.expires_at
    if invited.created:
        flash(_("Wysłano zaproszenie do %(email)s. Odnośnik działa do %(until)s.",
                email=invited.user.email, until=format_moment(until)), "success")
    else:
        flash(_("Zaproszenie dla %(email)s już czeka (wysłane %(sent)s, ważne do %(until)s) – nie "
                "wysłano drugiego.", email=invited.user.email,
                sent=format_moment(invited.invitation.created_at), until=format_moment(until)), "info")
    if invited.created and invited.user.role == Role.ADVISOR:
        return redirect(url_for("assignments.profile", user_id=invited.user.id))
    return redirect(url_for("users.index"))

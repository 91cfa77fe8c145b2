"""The invited person's side: the one-time link of an invitation, where they set their own
password (workflow/accounts/invitations.py)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import logout_user
from werkzeug.wrappers import Response

from forms.accounts import SetPasswordForm
from workflow.accounts import invitations
from workflow.accounts import operations as accounts
from workflow.web.helpers import add_error

bp = Blueprint("invitations", __name__, url_prefix="/invitation")


def _gone() -> tuple[str, int]:
    return render_template("accounts/invitation_invalid.html"), 410


@bp.route("/<token>", methods=["GET", "POST"])
def accept(token: str) -> Response | tuple[str, int]:
    found = invitations.valid_invitation(token)
    if found is None:
        return _gone()
    invitation, user = found
    form = SetPasswordForm()
    if form.validate_on_submit():
        problems = accounts.password_problems(form.password.data, user.email)
        if not problems:
            if invitations.accept(invitation, form.password.data) is None:
                return _gone()  # spent by another click meanwhile
            logout_user()
            flash(_("Hasło zostało ustawione, a konto jest gotowe. Zaloguj się swoim adresem "
                    "e-mail i nowym hasłem."), "success")
            return redirect(url_for("auth.login"))
        for problem in problems:
            add_error(form.password, problem)
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/invitation.html", form=form, user=user,
                           expires_at=invitation.expires_at), status

"""The consultation log: advisors log services, towns read what they received. Stub."""

from __future__ import annotations

from flask import Blueprint, render_template

from workflow.models import Role
from workflow.views.helpers import role_required

bp = Blueprint("services", __name__)


@bp.route("/advisor/services/")
@role_required(Role.ADVISOR)
def advisor_list() -> str:
    return render_template("errors/error.html", code=200, title="Usługi", message="")


@bp.route("/town/services/")
@role_required(Role.TOWN)
def town_list() -> str:
    return render_template("errors/error.html", code=200, title="Usługi", message="")

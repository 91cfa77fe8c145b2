"""The score sheet's parts and criteria (coordinator). Stub: to be built."""

from __future__ import annotations

from flask import Blueprint, render_template

from workflow.models import Role
from workflow.views.helpers import role_required

bp = Blueprint("criteria", __name__, url_prefix="/coordinator/criteria")


@bp.route("/")
@role_required(Role.COORDINATOR)
def index() -> str:
    return render_template("errors/error.html", code=200, title="Kryteria", message="")

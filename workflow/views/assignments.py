"""Advisors: profiles, fields, and who advises which town (coordinator). Stub: to be built."""

from __future__ import annotations

from flask import Blueprint, render_template

from workflow.models import Role
from workflow.views.helpers import role_required

bp = Blueprint("assignments", __name__, url_prefix="/coordinator/advisors")


@bp.route("/")
@role_required(Role.COORDINATOR)
def index() -> str:
    return render_template("errors/error.html", code=200, title="Doradcy", message="")

"""Evaluator assignment, declarations, sheets and spreads (coordinator). Stub."""

from __future__ import annotations

from flask import Blueprint, render_template

from workflow.models import Role
from workflow.views.helpers import role_required

bp = Blueprint("evaluation", __name__, url_prefix="/coordinator/evaluation")


@bp.route("/")
@role_required(Role.COORDINATOR)
def index() -> str:
    return render_template("errors/error.html", code=200, title="Ocena", message="")

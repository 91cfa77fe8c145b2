"""Ranking runs: preview, approve, announce, compare, exports (coordinator). Stub."""

from __future__ import annotations

from flask import Blueprint, render_template

from workflow.models import Role
from workflow.views.helpers import role_required

bp = Blueprint("ranking", __name__, url_prefix="/coordinator/ranking")


@bp.route("/")
@role_required(Role.COORDINATOR)
def index() -> str:
    return render_template("errors/error.html", code=200, title="Ranking", message="")

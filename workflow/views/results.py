"""Results: the town's outcome and sheets, appeals, the public results page. Stub."""

from __future__ import annotations

from flask import Blueprint, render_template

from workflow.models import Role
from workflow.views.helpers import role_required

bp = Blueprint("results", __name__)


@bp.route("/town/results/")
@role_required(Role.TOWN)
def town() -> str:
    return render_template("errors/error.html", code=200, title="Wyniki", message="")


@bp.route("/coordinator/appeals/")
@role_required(Role.COORDINATOR)
def appeals() -> str:
    return render_template("errors/error.html", code=200, title="Protesty", message="")


@bp.route("/public/results/")
def public() -> str:
    return render_template("errors/error.html", code=200, title="Wyniki", message="")

"""Reports of the services delivered (coordinator), and the public summary. Stub."""

from __future__ import annotations

from flask import Blueprint, render_template

from workflow.models import Role
from workflow.views.helpers import role_required

bp = Blueprint("reports", __name__)


@bp.route("/coordinator/reports/services")
@role_required(Role.COORDINATOR)
def services() -> str:
    return render_template("errors/error.html", code=200, title="Raport", message="")


@bp.route("/public/")
def public() -> str:
    return render_template("errors/error.html", code=200, title="Statystyki", message="")

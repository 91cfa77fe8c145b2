"""The evaluator's pages. Scoring arrives with the evaluation issue; until then the
page says honestly that nothing is assigned yet."""

from __future__ import annotations

from flask import Blueprint, render_template

from workflow.models import Role
from workflow.views.helpers import role_required

bp = Blueprint("evaluator", __name__, url_prefix="/evaluator")


@bp.route("/")
@role_required(Role.EVALUATOR)
def index() -> str:
    return render_template("evaluator/index.html")

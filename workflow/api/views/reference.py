"""The API's OpenAPI document and its reference page, both generated from the code on each
request (workflow/api/openapi.py). The page is rendered on the server from the document, so
it needs no script, nothing from another site, and works under the app's CSP."""

from __future__ import annotations

from flask import Blueprint, current_app, g, render_template
from werkzeug.wrappers import Response

from workflow.api import http, openapi, reference, schemas
from workflow.monitoring.definitions import CREDIT

bp = Blueprint("api_reference", __name__)
bp.before_request(http.limited)


@bp.route("/api/v1/openapi.json", endpoint="openapi")
def openapi_document() -> Response:
    q = http.parse(schemas.OpenAPIQuery)
    response = http.json_response(openapi.document(current_app, q.get("lang") or g.locale or "pl"))
    response.headers["Vary"] = "Accept-Language, Cookie"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/api/v1/docs")
def docs() -> str:
    http.parse(schemas.NoQuery)
    document = openapi.document(current_app, g.locale or "pl")
    return render_template("api/reference.html", ref=reference.view(document), limit=http.limit_text(),
                           credit=CREDIT)

"""The HTTP side of the API, shared by its views: query parameters checked against their
schema, answers in JSON or CSV with an ETag and Cache-Control (304 on If-None-Match), links
to the next page, cross-origin reading, and the per-address limit.

The limit is the app's Flask-Limiter (workflow/accounts/security.Throttle, with its fallback
when Redis is down): every request to /api/v1 from one address counts, API_LIMIT_PER_ADDRESS
("120 per minute;3000 per hour" unless set). Over it: 429 with Retry-After and a message.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask import Response, current_app, request, url_for
from flask_babel import gettext as _
from limits import parse_many
from marshmallow import Schema, ValidationError
from marshmallow.fields import List

from workflow.accounts.security import Throttle
from workflow.refusal import Refused, _l
from workflow.web.errors import problem

CACHE_CONTROL = "public, max-age=300"
JSON = "application/json"
CSV = "text/csv; charset=utf-8; header=present"
EXPOSED = "ETag, Link, Retry-After, Content-Disposition"


class BadQuery(Refused):
    status = 400


def parse(schema: type[Schema], args: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The query's parameters, checked and typed by `schema`; BadQuery (400) names each wrong
    or unknown parameter with what it expects."""
    source = request.args if args is None else args
    known = schema().fields
    data: dict[str, Any] = {}
    for name in source:
        values = source.getlist(name) if hasattr(source, "getlist") else [source[name]]
        data[name] = values if isinstance(known.get(name), List) else values[-1]
    try:
        return schema().load(data)
    except ValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {}
        errors: dict[str, list[Any]] = {}
        for name in messages:
            if name not in known:
                errors[name] = [_l("Nieznany parametr %(name)s. Ta operacja przyjmuje: %(allowed)s.",
                                   name=name, allowed=", ".join(sorted(known)) or "–")]
                continue
            field = known[name]
            expects = field.metadata.get("description", "")
            if field.required and name not in data:
                errors[name] = [_l("Brakuje parametru %(name)s.", name=name), expects]
            else:
                errors[name] = [_l("Niepoprawna wartość parametru %(name)s: %(value)s.", name=name,
                                   value=_shown(data.get(name))), expects]
        raise BadQuery([_l("Popraw parametry zapytania.")], errors=errors) from None


def _shown(value: Any) -> str:
    text = ",".join(value) if isinstance(value, list) else str(value)
    return text if len(text) <= 80 else text[:80] + "…"


def refuse(field: str, message: Any) -> BadQuery:
    return BadQuery([_l("Popraw parametry zapytania.")], errors={field: [message]})


def page_url(endpoint: str, after: str | None, **values: Any) -> str | None:
    """The address of the page after `after` (None when there is none), with the request's
    other parameters as they were."""
    if after is None:
        return None
    args = {k: v for k, v in request.args.items(multi=False) if k != "after"}
    for key in request.args:
        if key != "after" and len(request.args.getlist(key)) > 1:
            args[key] = ",".join(request.args.getlist(key))
    return url_for(endpoint, **values, **args, after=after, _external=True)


def self_url() -> str:
    return request.url


def cached(response: Response) -> Response:
    """ETag (from the body) and Cache-Control; answers 304 when If-None-Match matches."""
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.add_etag()
    return response.make_conditional(request)


def json_response(payload: Any, next_url: str | None = None) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    response = Response(body, mimetype=JSON)
    return _finish(response, next_url)


def csv_response(text: str, name: str, next_url: str | None = None) -> Response:
    response = Response(text, content_type=CSV)
    response.headers["Content-Disposition"] = f'inline; filename="{name}.csv"'
    return _finish(response, next_url)


def _finish(response: Response, next_url: str | None) -> Response:
    if next_url:
        response.headers["Link"] = f'<{next_url}>; rel="next"'
    return cached(response)


def cross_origin(response: Response) -> Response:
    """Any site may read the API from a browser: it needs no key and sends no cookie."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = EXPOSED
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "If-None-Match, Accept-Language"
        response.headers["Access-Control-Max-Age"] = "86400"
    return response


def limit_text() -> str:
    """API_LIMIT_PER_ADDRESS as people read it: "120 / 60 s, 3000 / 3600 s"."""
    return ", ".join(f"{item.amount} / {item.get_expiry()} s"
                     for item in parse_many(current_app.config["API_LIMIT_PER_ADDRESS"]))


def limited() -> Response | None:
    """Count this request against its address's limit; a 429 answer when it is over."""
    throttle = Throttle("api-address", "API_LIMIT_PER_ADDRESS", (request.remote_addr or "")[:45])
    if throttle.hit():
        return None
    wait = throttle.retry_after()
    return problem(429, _("Zbyt wiele zapytań"),
                   _("Z tego adresu przyszło więcej zapytań, niż pozwala limit (%(limit)s). "
                     "Spróbuj ponownie za %(seconds)d s; odpowiedzi można też przechowywać "
                     "i odświeżać z nagłówkiem If-None-Match.", limit=limit_text(), seconds=wait),
                   headers={"Retry-After": str(wait)})

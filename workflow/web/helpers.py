"""Small pieces the blueprints share."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import abort, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.routing import IntegerConverter, Map

from workflow.extensions import db
from workflow.models import Programme, Role
from workflow.models.types import MAX_ROW_ID


class RowIdConverter(IntegerConverter):
    """`<int:…>` of every URL: an id an INTEGER column can hold. A larger number matches no
    route (404) rather than reaching PostgreSQL, which cannot compare it with a column (500)."""

    def __init__(self, url_map: Map, fixed_digits: int = 0, min: int | None = None,  # noqa: A002
                 max: int | None = MAX_ROW_ID, signed: bool = False) -> None:  # noqa: A002
        super().__init__(url_map, fixed_digits, min, max, signed)


def role_required(*roles: Role) -> Callable:
    """Log in first; then 404 (not 403) for another role, so URLs reveal nothing."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(404)
            return view(*args, **kwargs)

        return wrapped

    return decorator


HOME_ENDPOINT = {
    Role.TOWN: "town.dashboard",
    Role.ADVISOR: "advisor.index",
    Role.EVALUATOR: "evaluator.index",
    Role.COORDINATOR: "coordinator.overview",
}

PATH_ENDPOINT = {
    Role.TOWN: "town.path",
    Role.ADVISOR: "advisor.path",
    Role.COORDINATOR: "coordinator.path",
}


def home_url() -> str:
    return url_for(HOME_ENDPOINT[Role(current_user.role)])


def path_url(path_id: int) -> str:
    endpoint = PATH_ENDPOINT.get(Role(current_user.role))
    return url_for(endpoint, path_id=path_id) if endpoint else home_url()


def safe_next(target: str | None) -> str | None:
    """Only a local path may be a redirect target (no open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def find_programme() -> Programme | None:
    """The programme chosen by ?programme=CODE, else the first one."""
    code = request.args.get("programme")
    query = select(Programme).order_by(Programme.id)
    if code:
        query = query.where(Programme.code == code)
    return db.session.scalar(query.limit(1))


def current_programme() -> Programme:
    """The programme chosen by ?programme=CODE, else the first one; 404 for an unknown code."""
    programme = find_programme()
    if programme is None:
        abort(404)
    return programme


def add_error(form_field: Any, message: str) -> None:
    """Show `message` next to a form field, after any errors it already has."""
    form_field.errors = [*list(form_field.errors or []), message]

"""Small pieces the blueprints share."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import abort, current_app, g, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.routing import IntegerConverter, Map
from werkzeug.wrappers import Response

from workflow.extensions import db
from workflow.models import Programme, Role
from workflow.models.types import MAX_ROW_ID
from workflow.refusal import Message, Refused


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
    Role.MODERATOR: "exchange.index",
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


def find_programme(*also: Any) -> Programme | None:
    """The programme chosen by ?programme=CODE, else the first one.

    Every programme is read in the same one query (they are few): base.html shows them in
    the one programme picker of every page that is about a programme (`g.programme_choices`).
    `also`: columns (correlated with Programme.id) read in the same query; the chosen
    programme's are in `g.programme_also`.
    """
    code = request.args.get("programme")
    rows = db.session.execute(select(Programme, *also).order_by(Programme.id)).all()
    programmes = [row[0] for row in rows]
    found = next((row for row in rows if row[0].code == code), None) if code else next(iter(rows), None)
    g.programme_choices, g.programme = programmes, found[0] if found is not None else None
    g.programme_also = tuple(found[1:]) if found is not None else ()
    return g.programme


def programme_choices() -> list[Programme]:
    """Every programme, for a page's picker or list: the ones find_programme() read for this
    request (no second query), else read now."""
    found = g.get("programme_choices")
    if found is None:
        found = g.programme_choices = list(db.session.scalars(select(Programme).order_by(Programme.id)))
    return found


def forget_programmes() -> None:
    """Before each request: the programmes another request read in the same app context are not
    this one's (`g` outlives a request in a shared app context, as in the tests)."""
    g.pop("programme_choices", None)
    g.pop("programme", None)
    g.pop("programme_also", None)


def current_programme(*also: Any) -> Programme:
    """The programme chosen by ?programme=CODE, else the first one; 404 for an unknown code."""
    programme = find_programme(*also)
    if programme is None:
        abort(404)
    return programme


def add_error(form_field: Any, message: Message) -> None:
    """Show `message` next to a form field, after any errors it already has."""
    form_field.errors = [*list(form_field.errors or []), message]


# --- a refused action, shown where the user was ------------------------------------------------


def add_reasons(form: Any, refused: Refused, field_name: str | None = None) -> None:
    """Each message of `refused` next to the field of `form` it belongs to; the reasons about
    the action as a whole next to `field_name` (the form's main field)."""
    for key, messages in refused.errors.items():
        for message in messages:
            add_error(form[key], message)
    if field_name is not None:
        for message in refused.reasons:
            add_error(form[field_name], message)


@dataclass(frozen=True)
class Refusal:
    """A refused action on the page shown again: why (`reasons`); on which of the page's forms
    (`form`, which that form's template shows next to it; None: an alert at the top of the
    page); and what the user had typed into it (`typed`, by field name), so nothing is lost."""

    reasons: list[Message]
    form: str | None = None
    typed: dict[str, str] = field(default_factory=dict)

    def value(self, form: str, name: str) -> str:
        """What was typed into field `name` of `form`, if this refusal is about that form."""
        return self.typed.get(name, "") if self.form == form else ""


def shown_refusal() -> Refusal | None:
    """The refusal the page being rendered shows (templates: `shown_refusal()`)."""
    return g.get("refusal")


def forget_refusal() -> None:
    """Before each request: no refusal shown yet, and no programme picker (find_programme)."""
    g.pop("refusal", None)
    g.pop("programme_choices", None)
    g.pop("programme", None)
    g.pop("programme_also", None)


def show_refusal(refused: Refused, *, form: str | None = None,
                 typed: Mapping[str, str] | None = None) -> None:
    """Let the page rendered next show `refused` (next to `form`, or at the top) with what
    the user typed; for a view that renders its own page again."""
    g.refusal = Refusal(refused.messages, form, dict(typed or {}))


def show_again(refused: Refused, endpoint: str, *, form: str | None = None,
               typed: Mapping[str, str] | None = None, status: int | None = None,
               **view_args: Any) -> Response:
    """The page at `endpoint` (the one the user acted on) once more, rendered by its own view,
    with the reasons of `refused` next to `form` (or at the top), what the user typed kept,
    and the refusal's HTTP status (or `status`).

    Nothing the refused action began is kept: the session is rolled back first. A view that
    answers with a redirect has no page to show it on; the one handler shows the refusal."""
    db.session.rollback()
    show_refusal(refused, form=form, typed=typed)
    response = current_app.make_response(current_app.view_functions[endpoint](**view_args))
    if 300 <= response.status_code < 400:
        g.pop("refusal", None)
        raise refused
    if response.status_code < 400:
        response.status_code = status or refused.status
    return response

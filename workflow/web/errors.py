"""Error pages in the user's language: never a bare 500 for bad input.

Under /api/ the same errors are answered as problem details (RFC 9457, JSON), never as a
page: a program reads them (workflow/api/, docs/decisions/0033)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, Response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, NotFound

from workflow.extensions import db
from workflow.refusal import Refused
from workflow.web.helpers import safe_next


def back_link() -> str | None:
    """The page the user came from, if it is one of ours (a local path), else None."""
    referrer = urlsplit(request.referrer or "")
    if not referrer.path or (referrer.netloc and referrer.netloc != request.host):
        return None
    return safe_next(urlunsplit(("", "", referrer.path, referrer.query, "")))


API_PREFIX = "/api/"


def in_api() -> bool:
    return request.path.startswith(API_PREFIX)


def problem(status: int, title: str, detail: str = "", errors: dict[str, list[str]] | None = None,
            headers: dict[str, Any] | None = None) -> Response:
    """An error as RFC 9457 problem details, in the reader's language; never cached."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body, ensure_ascii=False), status=status,
                        mimetype="application/problem+json")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Vary"] = "Accept-Language"
    response.headers["Access-Control-Allow-Origin"] = "*"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return render_template(
            "web/errors/error.html",
            code=400,
            title=_("Formularz wygasł lub jest niepoprawny"),
            message=_("Odśwież stronę i spróbuj ponownie. Twoje dane nie zostały zapisane."),
        ), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int] | Response:
        code = error.code or 500
        titles = {
            400: _("Niepoprawne żądanie"),
            403: _("Brak dostępu"),
            404: _("Nie znaleziono strony"),
            405: _("Niedozwolona metoda"),
            410: _("Plik jest niedostępny"),
            413: _("Plik jest za duży"),
        }
        messages = {
            404: _("Strona nie istnieje albo nie masz do niej dostępu."),
            413: _("Największy dopuszczalny rozmiar pliku to %(mb)d MB.",
                   mb=app.config["UPLOAD_MAX_MB"]),
            410: _("Pliku nie ma w magazynie dokumentów. Powiadom koordynatora."),
        }
        if in_api():
            api_messages = {404: _("Nie ma takiego zasobu. Spis zasobów: /api/v1/."),
                            405: _("API przyjmuje tylko żądania GET (i HEAD).")}
            return problem(code, titles.get(code, _("Błąd")), api_messages.get(code, error.description or ""),
                           headers={k: v for k, v in error.get_headers() if k == "Allow"})
        return render_template(
            "web/errors/error.html",
            code=code,
            title=titles.get(code, _("Błąd")),
            message=messages.get(code, ""),
        ), code

    @app.errorhandler(Refused)
    def refused(error: Refused) -> tuple[str, int] | Response:
        """Any refusal a view did not show on its own page: the reasons, with its status.
        Nothing was changed, so whatever the session holds is rolled back."""
        db.session.rollback()
        if in_api():
            title = {404: _("Nie znaleziono"), 400: _("Niepoprawne żądanie")}.get(error.status, _("Błąd"))
            return problem(error.status, title, " ".join(str(m) for m in error.reasons),
                           {k: [str(m) for m in ms] for k, ms in error.errors.items()})
        if error.status == 404:  # not the user's to know about: the ordinary 404 page
            return http_error(NotFound())
        return render_template("web/errors/refused.html", reasons=error.messages,
                               back=back_link()), error.status

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[str, int] | Response:
        db.session.rollback()
        app.logger.exception("unhandled error")
        if in_api():
            return problem(500, _("Wystąpił nieoczekiwany błąd"), _("Spróbuj ponownie za chwilę."))
        return render_template(
            "web/errors/error.html",
            code=500,
            title=_("Wystąpił nieoczekiwany błąd"),
            message=_("Spróbuj ponownie za chwilę. Jeśli błąd się powtarza, powiadom koordynatora."),
        ), 500

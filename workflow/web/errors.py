"""Error pages in the user's language: never a bare 500 for bad input."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from flask import Flask, render_template, request
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
    def http_error(error: HTTPException) -> tuple[str, int]:
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
        return render_template(
            "web/errors/error.html",
            code=code,
            title=titles.get(code, _("Błąd")),
            message=messages.get(code, ""),
        ), code

    @app.errorhandler(Refused)
    def refused(error: Refused) -> tuple[str, int]:
        """Any refusal a view did not show on its own page: the reasons, with its status.
        Nothing was changed, so whatever the session holds is rolled back."""
        db.session.rollback()
        if error.status == 404:  # not the user's to know about: the ordinary 404 page
            return http_error(NotFound())
        return render_template("web/errors/refused.html", reasons=error.messages,
                               back=back_link()), error.status

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[str, int]:
        db.session.rollback()
        app.logger.exception("unhandled error")
        return render_template(
            "web/errors/error.html",
            code=500,
            title=_("Wystąpił nieoczekiwany błąd"),
            message=_("Spróbuj ponownie za chwilę. Jeśli błąd się powtarza, powiadom koordynatora."),
        ), 500

"""Error pages in the user's language: never a bare 500 for bad input."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from workflow.extensions import db


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

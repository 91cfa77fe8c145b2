"""Logging in and out, the landing redirect, the language switch, and one's own password
(the "forgotten password" link and the change of password). The rules live in
workflow/services/accounts.py; these views only show their answers."""

from __future__ import annotations

import math

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from forms.accounts import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    LogoutForm,
    ResetPasswordForm,
)
from workflow.accounts import operations as accounts
from workflow.accounts import two_factor
from workflow.accounts.operations import Outcome
from workflow.extensions import db
from workflow.web.helpers import add_error, home_url, safe_next

bp = Blueprint("auth", __name__)


@bp.route("/")
def home() -> Response:
    if current_user.is_authenticated:
        return redirect(home_url())
    return redirect(url_for("auth.login"))


def _minutes(seconds: int) -> str:
    """"5 min": an abbreviation needs no Polish plural forms."""
    return _("%(n)d min", n=max(1, math.ceil(seconds / 60)))


def _retry_headers(seconds: int) -> dict[str, str]:
    return {"Retry-After": str(max(1, seconds))}


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple:
    if current_user.is_authenticated:
        return redirect(home_url())
    form = LoginForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("accounts/login.html", form=form), status

    result = accounts.authenticate(form.email.data or "", form.password.data or "")
    if result.outcome == Outcome.OK and result.user.has_totp:
        # The password was right; the code comes next. Until then nobody is logged in.
        two_factor.hold(result.user, safe_next(request.args.get("next")))
        return redirect(url_for("two_factor.login_code"))
    if result.outcome == Outcome.OK:
        two_factor.release()
        login_user(result.user)
        accounts.start_session()
        session["lang"] = result.user.locale
        flash(_("Zalogowano."), "success")
        return redirect(safe_next(request.args.get("next")) or home_url())
    if result.outcome == Outcome.RATE_LIMITED:
        message = _("Zbyt wiele nieudanych prób logowania. Spróbuj ponownie za %(wait)s.",
                    wait=_minutes(result.retry_after))
        return _login_refused(form, message, 429, _retry_headers(result.retry_after))
    if result.outcome == Outcome.LOCKED:
        message = _("Po wielu nieudanych próbach logowanie na ten adres jest wstrzymane. "
                    "Spróbuj ponownie za %(wait)s albo ustaw nowe hasło odnośnikiem "
                    "„Nie pamiętam hasła”.", wait=_minutes(result.retry_after))
        return _login_refused(form, message, 429, _retry_headers(result.retry_after))
    if result.outcome == Outcome.INACTIVE:
        return _login_refused(form, _("To konto zostało wyłączone. Jeśli to pomyłka, "
                                      "skontaktuj się z koordynatorem programu."), 401)
    return _login_refused(form, _("Nieprawidłowy e-mail lub hasło."), 401)


def _login_refused(form: LoginForm, message: str, status: int,
                   headers: dict[str, str] | None = None) -> tuple:
    add_error(form.password, message)
    return render_template("accounts/login.html", form=form), status, headers or {}


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    form = LogoutForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            accounts.record_logout(current_user._get_current_object())
        logout_user()
        flash(_("Wylogowano."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/logout", methods=["POST"])
@login_required
def end_sessions() -> Response:
    """"Log out everywhere": for a device left logged in elsewhere (or a cookie stolen)."""
    form = LogoutForm()
    if form.validate_on_submit():
        accounts.end_all_sessions(current_user._get_current_object())
        logout_user()
        flash(_("Wylogowano na wszystkich urządzeniach."), "info")
        return redirect(url_for("auth.login"))
    return redirect(url_for("auth.change_password"))


@bp.route("/language", methods=["POST"])
def language() -> Response:
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.lang.data
        if current_user.is_authenticated:
            current_user.locale = form.lang.data
            db.session.commit()
    return redirect(safe_next(form.next.data) or url_for("auth.home"))


# --- the forgotten password ---------------------------------------------------------------

@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password() -> str | tuple:
    form = ForgotPasswordForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("accounts/forgot.html", form=form), status
    sent = accounts.request_reset(
        form.email.data or "", lambda token: url_for("auth.reset_password", token=token, _external=True))
    if not sent:
        add_error(form.email, _("Zbyt wiele próśb o odnośnik z tego adresu sieciowego. "
                                "Spróbuj ponownie później."))
        return render_template("accounts/forgot.html", form=form), 429, _retry_headers(3600)
    return render_template("accounts/forgot_sent.html")


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Response | str | tuple:
    found = accounts.valid_token(token)
    if found is None:
        return render_template("accounts/reset_invalid.html"), 410
    reset, user = found
    form = ResetPasswordForm()
    if form.validate_on_submit():
        problems = accounts.password_problems(form.password.data, user.email)
        if not problems:
            accounts.reset_password(reset, form.password.data)
            logout_user()
            flash(_("Hasło zostało ustawione. Zaloguj się nowym hasłem."), "success")
            return redirect(url_for("auth.login"))
        for problem in problems:
            add_error(form.password, problem)
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/reset.html", form=form, email=user.email), status


# --- changing one's password --------------------------------------------------------------

@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Response | str | tuple:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        problems = accounts.password_problems(form.password.data, user.email)
        for problem in problems:
            add_error(form.password, problem)
        if not problems:
            result = accounts.change_password(user, form.current.data, form.password.data)
            if result.outcome == Outcome.OK:
                login_user(user)  # this session goes on with the new session version
                flash(_("Hasło zostało zmienione. Inne zalogowane sesje zostały zakończone."),
                      "success")
                return redirect(home_url())
            if result.outcome == Outcome.RATE_LIMITED:
                add_error(form.current, _("Zbyt wiele błędnych haseł. Spróbuj ponownie za %(wait)s.",
                                          wait=_minutes(result.retry_after)))
                return (render_template("accounts/change_password.html", form=form,
                                        end_form=LogoutForm()),
                        429, _retry_headers(result.retry_after))
            add_error(form.current, _("Obecne hasło jest nieprawidłowe."))
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/change_password.html", form=form, end_form=LogoutForm()), status

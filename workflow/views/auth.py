"""Logging in and out, the landing redirect, and the language switch."""

from __future__ import annotations

from functools import cache

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.wrappers import Response

from forms.auth import LanguageForm, LoginForm, LogoutForm
from workflow.extensions import db
from workflow.models import User
from workflow.views.helpers import home_url, safe_next

bp = Blueprint("auth", __name__)


@cache
def _dummy_hash() -> str:
    """Checked when the e-mail is unknown, so a wrong e-mail and a wrong password take
    the same time and give the same answer."""
    return generate_password_hash("not-a-password")


@bp.route("/")
def home() -> Response:
    if current_user.is_authenticated:
        return redirect(home_url())
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(home_url())
    form = LoginForm()
    if form.validate_on_submit():
        email = (form.email.data or "").strip().lower()
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if user is not None and user.active and user.check_password(form.password.data or ""):
            login_user(user)
            session["lang"] = user.locale
            flash(_("Zalogowano."), "success")
            return redirect(safe_next(request.args.get("next")) or home_url())
        if user is None:
            check_password_hash(_dummy_hash(), form.password.data or "")
        form.password.errors.append(_("Nieprawidłowy e-mail lub hasło."))
        return render_template("auth/login.html", form=form), 401
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    form = LogoutForm()
    if form.validate_on_submit():
        logout_user()
        flash(_("Wylogowano."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language", methods=["POST"])
def language() -> Response:
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.lang.data
        if current_user.is_authenticated:
            current_user.locale = form.lang.data
            db.session.commit()
    return redirect(safe_next(form.next.data) or url_for("auth.home"))

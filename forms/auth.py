"""Logging in and out, and choosing the language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SubmitField
from wtforms.validators import AnyOf, DataRequired, Length


def email_field() -> EmailField:
    """The account's e-mail, as typed on the login and the forgotten-password forms."""
    return EmailField(
        _l("Adres e-mail"),
        validators=[DataRequired(_l("Podaj adres e-mail.")),
                    Length(max=254)],
        render_kw={"autocomplete": "username"},
    )


class LoginForm(FlaskForm):
    email = email_field()
    password = PasswordField(
        _l("Hasło"),
        validators=[DataRequired(_l("Podaj hasło.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Zaloguj się"))


class LogoutForm(FlaskForm):
    submit = SubmitField(_l("Wyloguj się"))


class LanguageForm(FlaskForm):
    lang = HiddenField(validators=[AnyOf(["pl", "en"])])
    next = HiddenField()

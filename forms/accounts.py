"""Forms of the accounts area: login, logout, language, passwords, users.

Logging in and out, and choosing the language.

Forms for one's own account (reset and change of password) and the coordinator's
switch that deactivates a person.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    ValidationError,
)
from wtforms.validators import AnyOf, DataRequired, EqualTo, InputRequired, Length, Regexp


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


def _new_password() -> PasswordField:
    return PasswordField(
        _l("Nowe hasło"),
        validators=[DataRequired(_l("Podaj nowe hasło.")), Length(max=200)],
        render_kw={"autocomplete": "new-password"},
    )


def _confirm() -> PasswordField:
    return PasswordField(
        _l("Powtórz nowe hasło"),
        validators=[DataRequired(_l("Powtórz nowe hasło.")),
                    EqualTo("password", _l("Hasła się różnią."))],
        render_kw={"autocomplete": "new-password"},
    )


class ForgotPasswordForm(FlaskForm):
    email = email_field()
    submit = SubmitField(_l("Wyślij odnośnik"))


class ResetPasswordForm(FlaskForm):
    password = _new_password()
    confirm = _confirm()
    submit = SubmitField(_l("Ustaw hasło"))


class ChangePasswordForm(FlaskForm):
    current = PasswordField(
        _l("Obecne hasło"),
        validators=[DataRequired(_l("Podaj obecne hasło.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    password = _new_password()
    confirm = _confirm()
    submit = SubmitField(_l("Zmień hasło"))


class UserActiveForm(FlaskForm):
    """Deactivate or activate one person (the button's label comes from the template)."""


# --- the second factor (workflow/accounts/two_factor.py) ------------------------------------

def _one_time_code(label: str, hint_required: str) -> StringField:
    return StringField(
        label,
        validators=[DataRequired(hint_required), Length(max=40)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "text", "spellcheck": "false",
                   "autocapitalize": "off"},
    )


class TwoFactorStartForm(FlaskForm):
    submit = SubmitField(_l("Włącz weryfikację dwuetapową"))


class TwoFactorConfirmForm(FlaskForm):
    code = StringField(
        _l("Kod z aplikacji"),
        validators=[DataRequired(_l("Wpisz 6-cyfrowy kod z aplikacji.")), Length(max=20)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    password = PasswordField(
        _l("Twoje hasło"),
        validators=[DataRequired(_l("Podaj swoje hasło.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Potwierdź i włącz"))


class LoginCodeForm(FlaskForm):
    """The login's second step: a code from the app or a recovery code."""

    code = _one_time_code(_l("Kod z aplikacji lub kod zapasowy"),
                          _l("Wpisz kod z aplikacji albo jeden z kodów zapasowych."))
    submit = SubmitField(_l("Dalej"))


class TwoFactorProofForm(FlaskForm):
    """Before new recovery codes or switching the factor off: a current code or the password.
    The two buttons say which of the two actions it is (the template names the form)."""

    proof = PasswordField(
        _l("Kod z aplikacji albo hasło"),
        validators=[DataRequired(_l("Wpisz aktualny kod z aplikacji albo swoje hasło.")),
                    Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )


def _stripped(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class InviteForm(FlaskForm):
    """The coordinator invites a person: a new account with a role, a town for a town's
    team member, and the language of the account (its e-mails and pages)."""

    name = StringField(_l("Imię i nazwisko"), filters=[_stripped], validators=[
        DataRequired(_l("Podaj imię i nazwisko.")), Length(max=200, message=_l("Najwyżej 200 znaków."))])
    email = EmailField(_l("Adres e-mail"), filters=[_stripped], validators=[
        DataRequired(_l("Podaj adres e-mail.")), Length(max=254),
        Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
               message=_l("To nie jest adres e-mail. Wpisz np. jan.kowalski@gmina.pl."))])
    role = SelectField(_l("Rola"), choices=[], validators=[InputRequired(_l("Wybierz rolę."))])
    applicant = SelectField(_l("Miasto lub gmina partnerstwa (dla członka zespołu)"), choices=[],
                            validate_choice=False)
    locale = SelectField(_l("Język konta"), choices=[], validators=[InputRequired(_l("Wybierz język."))])
    submit = SubmitField(_l("Wyślij zaproszenie"))

    def __init__(self, *args: Any, roles: dict[str, Any], towns: list[tuple[str, str]],
                 **kwargs: Any) -> None:
        """`towns`: (value, name) of each town ("<applicant id>") and of each municipality of a
        partnership ("<applicant id>-<municipality id>": its person acts for that municipality)."""
        super().__init__(*args, **kwargs)
        self.role.choices = list(roles.items())
        self.locale.choices = [("pl", "polski"), ("en", "English")]
        self.applicant.choices = [("", _l("– nie dotyczy –")), *towns]
        self.town_ids = {value for value, _n in towns}

    def validate_applicant(self, field: Any) -> None:
        if self.role.data == "town":
            if not field.data:
                raise ValidationError(_l("Wybierz miasto, do którego zespołu należy ta osoba."))
            if field.data not in self.town_ids:
                raise ValidationError(_l("Nie ma takiego miasta. Wybierz miasto z listy."))

    def _chosen(self) -> list[int]:
        if self.role.data != "town" or self.applicant.data not in self.town_ids:
            return []
        return [int(part) for part in self.applicant.data.split("-")]

    @property
    def applicant_id(self) -> int | None:
        chosen = self._chosen()
        return chosen[0] if chosen else None

    @property
    def municipality_id(self) -> int | None:
        """The municipality a partnership's person acts for (None: a town's team member)."""
        chosen = self._chosen()
        return chosen[1] if len(chosen) == 2 else None


class SetPasswordForm(FlaskForm):
    """The invited person's own password."""

    password = _new_password()
    confirm = _confirm()
    submit = SubmitField(_l("Ustaw hasło i zakończ zakładanie konta"))

"""The second factor: the login's code step, and one's own settings (enrol, new recovery
codes, switch off). The rules live in workflow/accounts/two_factor.py; these views only
show their answers. A user whose role must use the factor and who has not enrolled is
kept on the enrolment page (`_enrol_first`)."""

from __future__ import annotations

import math

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user
from werkzeug.wrappers import Response

from forms.accounts import LoginCodeForm, TwoFactorConfirmForm, TwoFactorProofForm, TwoFactorStartForm
from workflow.accounts import operations as accounts
from workflow.accounts import two_factor
from workflow.accounts.two_factor import Check, Checked
from workflow.models import User
from workflow.web.helpers import add_error, home_url, safe_next

bp = Blueprint("two_factor", __name__)

# What a user who must enrol first may still reach.
BEFORE_ENROLMENT = {"static", "two_factor.settings", "two_factor.start", "two_factor.confirm",
                    "auth.logout", "auth.end_sessions", "auth.language",
                    "help.index", "help.guide", "help.guide_source", "help.screenshot", "health.healthz"}
NO_STORE = {"Cache-Control": "no-store"}


@bp.before_app_request
def _enrol_first() -> Response | None:
    """Right after the password, a user whose role requires the second factor and who has
    none goes to the enrolment page, and stays there until it is done."""
    if request.endpoint is None or request.endpoint in BEFORE_ENROLMENT:
        return None
    if not current_user.is_authenticated or not two_factor.must_enrol(current_user):
        return None
    if request.method == "GET":
        flash(_("Twoja rola wymaga weryfikacji dwuetapowej. Włącz ją, aby korzystać z systemu."), "info")
    return redirect(url_for("two_factor.settings"))


def _me() -> User:
    return current_user._get_current_object()


def _wait(seconds: int) -> str:
    return _("%(n)d min", n=max(1, math.ceil(seconds / 60)))


def _limited(checked: Checked) -> str:
    return _("Zbyt wiele błędnych kodów. Spróbuj ponownie za %(wait)s.", wait=_wait(checked.retry_after))


def _retry(checked: Checked) -> dict[str, str]:
    return {"Retry-After": str(max(1, checked.retry_after))}


# --- the login's second step --------------------------------------------------------------

@bp.route("/login/code", methods=["GET", "POST"])
def login_code() -> Response | str | tuple:
    if current_user.is_authenticated:
        return redirect(home_url())
    found = two_factor.held()
    if found is None:
        two_factor.release()
        flash(_("Zaloguj się ponownie: czas na wpisanie kodu minął albo logowanie nie zostało rozpoczęte."),
              "info")
        return redirect(url_for("auth.login"))
    user, next_url = found
    form = LoginCodeForm()
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("accounts/login_code.html", form=form), status
    checked = two_factor.check_login(user, form.code.data or "")
    if checked.outcome == Check.RATE_LIMITED:
        add_error(form.code, _limited(checked))
        return render_template("accounts/login_code.html", form=form), 429, _retry(checked)
    if not checked.ok:
        add_error(form.code, _("Nieprawidłowy kod. Wpisz aktualny kod z aplikacji albo jeden z "
                               "nieużytych kodów zapasowych."))
        return render_template("accounts/login_code.html", form=form), 401
    two_factor.release()
    login_user(user)
    accounts.start_session()
    session["lang"] = user.locale
    flash(_("Zalogowano."), "success")
    if checked.outcome == Check.RECOVERY:
        flash(_("Użyto kodu zapasowego (każdy działa tylko raz). Pozostałe kody zapasowe: %(n)d. "
                "Nowe wygenerujesz w ustawieniach weryfikacji dwuetapowej.", n=checked.remaining),
              "info")
    return redirect(safe_next(next_url) or home_url())


# --- one's own settings -------------------------------------------------------------------

def _settings_page(status: int = 200, *, confirm_form: TwoFactorConfirmForm | None = None,
                   regen_form: TwoFactorProofForm | None = None,
                   disable_form: TwoFactorProofForm | None = None,
                   headers: dict[str, str] | None = None) -> tuple:
    user = _me()
    context: dict = {
        "user": user,
        "required": two_factor.required_for(user),
        "start_form": TwoFactorStartForm(),
    }
    if user.has_totp:
        context.update(left=two_factor.recovery_codes_left(user),
                       regen_form=regen_form or TwoFactorProofForm(prefix="regen"),
                       disable_form=disable_form or TwoFactorProofForm(prefix="disable"))
    elif user.totp_seed:
        context.update(enrolment=two_factor.enrolment(user),
                       confirm_form=confirm_form or TwoFactorConfirmForm())
    return (render_template("accounts/two_factor.html", **context), status,
            {**NO_STORE, **(headers or {})})


@bp.route("/account/two-factor")
@login_required
def settings() -> tuple:
    return _settings_page()


@bp.route("/account/two-factor/start", methods=["POST"])
@login_required
def start() -> Response:
    if TwoFactorStartForm().validate_on_submit():
        two_factor.begin(_me())
    return redirect(url_for("two_factor.settings"))


@bp.route("/account/two-factor/confirm", methods=["POST"])
@login_required
def confirm() -> Response | tuple:
    user = _me()
    if user.has_totp or not user.totp_seed:
        return redirect(url_for("two_factor.settings"))
    form = TwoFactorConfirmForm()
    if not form.validate_on_submit():
        return _settings_page(422, confirm_form=form)
    checked = two_factor.check_password(user, form.password.data or "")
    if checked.outcome == Check.RATE_LIMITED:
        add_error(form.password, _limited(checked))
        return _settings_page(429, confirm_form=form, headers=_retry(checked))
    if not checked.ok:
        add_error(form.password, _("Hasło jest nieprawidłowe."))
        return _settings_page(422, confirm_form=form)
    codes = two_factor.confirm(user, form.code.data or "")
    if codes is None:
        add_error(form.code, _("Ten kod się nie zgadza. Sprawdź, czy zegar telefonu jest "
                               "ustawiony automatycznie, i wpisz nowy kod z aplikacji."))
        return _settings_page(422, confirm_form=form)
    return _codes_page(codes, _("Weryfikacja dwuetapowa jest włączona."))


def _codes_page(codes: list[str], message: str) -> tuple:
    """The recovery codes, shown this once (the database keeps only their hashes)."""
    return render_template("accounts/recovery_codes.html", codes=codes, message=message), 200, NO_STORE


def _proved(form: TwoFactorProofForm, which: str) -> tuple | None:
    """None when the form carries a right code or password; else the settings page again."""
    if not form.validate_on_submit():
        return _settings_page(422, **{f"{which}_form": form})
    checked = two_factor.check_proof(_me(), form.proof.data or "")
    if checked.outcome == Check.RATE_LIMITED:
        add_error(form.proof, _limited(checked))
        return _settings_page(429, headers=_retry(checked), **{f"{which}_form": form})
    if not checked.ok:
        add_error(form.proof, _("Ani kod, ani hasło się nie zgadzają."))
        return _settings_page(422, **{f"{which}_form": form})
    return None


@bp.route("/account/two-factor/recovery-codes", methods=["POST"])
@login_required
def regenerate() -> Response | tuple:
    if not _me().has_totp:
        return redirect(url_for("two_factor.settings"))
    refused = _proved(TwoFactorProofForm(prefix="regen"), "regen")
    if refused is not None:
        return refused
    codes = two_factor.regenerate(_me())
    return _codes_page(codes, _("Nowe kody zapasowe są gotowe; poprzednie przestały działać."))


@bp.route("/account/two-factor/disable", methods=["POST"])
@login_required
def disable() -> Response | tuple:
    user = _me()
    if not user.has_totp:
        return redirect(url_for("two_factor.settings"))
    if two_factor.required_for(user):
        two_factor.disable(user)  # refused: the one handler shows why (403)
    refused = _proved(TwoFactorProofForm(prefix="disable"), "disable")
    if refused is not None:
        return refused
    two_factor.disable(_me())
    flash(_("Weryfikacja dwuetapowa jest wyłączona. Do logowania wystarczy teraz hasło."), "info")
    return redirect(url_for("two_factor.settings"))

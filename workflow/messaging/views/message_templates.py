"""The coordinator's pages about messages: a programme's wording of each kind of
notification (with a preview that needs no JavaScript), and the outbox: what is waiting,
what went out, and what failed, with a button to try a failed message again."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from forms.messaging import TemplateForm
from workflow.extensions import db
from workflow.messaging import inbox
from workflow.messaging import settings as notification_settings
from workflow.messaging.settings import LOCALES, Text
from workflow.messaging.texts import Kind
from workflow.models import Programme, Role
from workflow.web.helpers import add_error, current_programme, programme_choices

bp = Blueprint("message_templates", __name__, url_prefix="/coordinator")


def coordinator_only(view: Callable) -> Callable:
    """Log in first; a person of another role is refused (403): these pages exist for
    every programme, so saying so reveals nothing."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user.role != Role.COORDINATOR:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _programme(code: str) -> Programme:
    programme = db.session.scalar(select(Programme).where(Programme.code == code))
    if programme is None:
        abort(404)
    return programme


def _kind(value: str) -> Kind:
    kinds = {kind.value: kind for kind in notification_settings.programme_kinds()}
    if value not in kinds:
        abort(404)
    return kinds[value]


@bp.route("/messages/")
@coordinator_only
def index() -> str:
    programme = current_programme()
    programmes = programme_choices()
    changed = notification_settings.changed_kinds(programme)
    rows = [(kind, notification_settings.kind_name(kind), kind.value in changed)
            for kind in notification_settings.programme_kinds()]
    return render_template("messaging/texts/index.html", programme=programme,
                           programmes=programmes, rows=rows)


def _typed(form: TemplateForm) -> dict[str, Text]:
    return {locale: Text(form[f"subject_{locale}"].data or "", form[f"body_{locale}"].data or "")
            for locale in LOCALES}


def _check_placeholders(form: TemplateForm, kind: Kind) -> bool:
    ok = True
    for locale in LOCALES:
        for part in ("subject", "body"):
            field = form[f"{part}_{locale}"]
            error = notification_settings.text_error(kind, field.data or "")
            if error:
                add_error(field, error)
                ok = False
    return ok


@bp.route("/messages/<code>/<kind>", methods=["GET", "POST"])
@coordinator_only
def edit(code: str, kind: str) -> Response | str | tuple[str, int]:
    programme, k = _programme(code), _kind(kind)
    texts = notification_settings.texts(programme, k)
    form = TemplateForm(data={f"{part}_{locale}": getattr(texts[locale], part)
                              for locale in LOCALES for part in ("subject", "body")})
    if form.is_submitted():
        valid = form.validate()
        valid = _check_placeholders(form, k) and valid
        if not valid:
            return _edit_page(programme, k, form, texts, None), 400
        if form.save.data:
            notification_settings.save_template(programme, k, _typed(form), current_user)
            flash(_("Zapisano treść komunikatu „%(name)s”.",
                    name=notification_settings.kind_name(k)), "success")
            return redirect(url_for("message_templates.index", programme=programme.code))
    # The preview of what the form holds: the text in force when the page opens, the typed
    # one after "Podgląd".
    preview = notification_settings.preview(programme, k, _typed(form), current_user)
    programme = _programme(code)  # the preview rolled its session back
    return _edit_page(programme, k, form, texts, preview)


def _edit_page(programme: Programme, kind: Kind, form: TemplateForm,
               texts: dict[str, Text], preview: dict[str, tuple[str, str]] | None) -> str:
    return render_template(
        "messaging/texts/edit.html", programme=programme, kind=kind, form=form,
        name=notification_settings.kind_name(kind), preview=preview,
        changed=any(t.changed for t in texts.values()),
        allowed=", ".join("{" + name + "}"
                          for name in notification_settings.allowed_placeholders(kind)),
        mandatory=notification_settings.is_mandatory(kind),
    )


@bp.route("/messages/<code>/<kind>/reset", methods=["POST"])
@coordinator_only
def reset(code: str, kind: str) -> Response:
    programme, k = _programme(code), _kind(kind)
    notification_settings.reset_template(programme, k)
    flash(_("Przywrócono domyślną treść komunikatu „%(name)s”.",
            name=notification_settings.kind_name(k)), "success")
    return redirect(url_for("message_templates.index", programme=programme.code))


@bp.route("/outbox")
@coordinator_only
def outbox() -> str:
    return render_template("messaging/texts/outbox.html", counts=inbox.status_counts(),
                           failed=inbox.failed(), recent=inbox.recent(), logged_only=inbox.logged_only,
                           mail_server=bool(current_app.config.get("MAIL_SERVER")),
                           kind_name=notification_settings.kind_name)


@bp.route("/outbox/<int:notification_id>/retry", methods=["POST"])
@coordinator_only
def retry(notification_id: int) -> Response:
    inbox.retry(notification_id)
    flash(_("Wiadomość wróciła do kolejki i zostanie wysłana ponownie."), "success")
    return redirect(url_for("message_templates.outbox"))

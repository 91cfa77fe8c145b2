"""The in-app inbox of every logged-in person, the bell in the header, and the settings of
which messages come by e-mail and which to the inbox."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from forms.messaging import PreferencesForm
from workflow.messaging import inbox
from workflow.messaging import settings as notification_settings
from workflow.web.helpers import safe_next

bp = Blueprint("inbox", __name__, url_prefix="/inbox")


def unread_notifications() -> int:
    """The number on the bell: one COUNT per request, asked only when a page shows it."""
    if "unread_notifications" not in g:
        g.unread_notifications = (inbox.unread_count(current_user)
                                  if current_user.is_authenticated else 0)
    return g.unread_notifications


@bp.app_context_processor
def _bell() -> dict:
    return {"unread_notifications": unread_notifications}


def _page_number() -> int:
    """?page=, or ?strona= of the links made before the URLs became English."""
    raw = request.args.get("page") or request.args.get("strona", "1")
    return int(raw) if raw.isdigit() and len(raw) < 7 else 1


@bp.route("/")
@login_required
def index() -> str:
    page = inbox.page(current_user, _page_number())
    return render_template("messaging/inbox/index.html", page=page,
                           kind_name=notification_settings.kind_name)


@bp.route("/<int:notification_id>/read", methods=["POST"])
@login_required
def mark_read(notification_id: int) -> Response:
    inbox.mark_read(current_user, notification_id)
    return redirect(safe_next(request.form.get("next")) or url_for("inbox.index"))


@bp.route("/read", methods=["POST"])
@login_required
def mark_all_read() -> Response:
    n = inbox.mark_all_read(current_user)
    flash(_("Oznaczono jako przeczytane: %(n)d.", n=n), "success")
    return redirect(url_for("inbox.index"))


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings() -> Response | str:
    form = PreferencesForm()
    kinds = notification_settings.kinds(current_user)
    if form.validate_on_submit():
        wanted = form.choices(request.form, [k.value for k in kinds])
        notification_settings.save_preferences(current_user, wanted)
        flash(_("Zapisano ustawienia powiadomień."), "success")
        return redirect(url_for("inbox.settings"))
    rows = [(kind, notification_settings.kind_name(kind), choice,
             notification_settings.is_mandatory(kind))
            for kind, choice in notification_settings.preferences(current_user).items()]
    return render_template("messaging/inbox/settings.html", form=form, rows=rows)

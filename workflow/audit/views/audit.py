"""The coordinator's audit log: who did what and when, filtered, paged, exported to CSV.

The page only reads; every export from the app (this one included) is itself recorded
through `audit.record_export`, which the other blueprints' download views call too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, g, render_template, request, stream_with_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from forms.audit import AuditFilterForm
from workflow import tabular
from workflow.audit import log as audit
from workflow.models import Role
from workflow.models.audit import AuditEvent
from workflow.web import listing
from workflow.web.templating import moment

bp = Blueprint("audit", __name__, url_prefix="/coordinator/audit")

# Polish names of the actions (msgids are Polish; see docs/decisions/0001).
ACTION_LABELS: dict[str, Any] = {
    "transition": _l("Zmiana etapu ścieżki"),
    "advisor_assigned": _l("Przydzielenie doradcy"),
    "advisor_unassigned": _l("Odwołanie doradcy"),
    "evaluator_assigned": _l("Przydzielenie oceniającego"),
    "evaluator_unassigned": _l("Odwołanie oceniającego"),
    "declaration": _l("Deklaracja bezstronności albo konfliktu interesów"),
    "sheet_submitted": _l("Złożenie karty oceny"),
    "ranking_run": _l("Obliczenie rankingu"),
    "ranking_approved": _l("Zatwierdzenie rankingu"),
    "ranking_announced": _l("Ogłoszenie wyników"),
    "appeal_filed": _l("Złożenie protestu"),
    "appeal_decided": _l("Rozstrzygnięcie protestu"),
    "service_draft": _l("Zapisanie szkicu usługi doradczej"),
    "service_logged": _l("Zarejestrowanie usługi doradczej"),
    "service_corrected": _l("Poprawienie usługi doradczej"),
    "deadline_set": _l("Ustalenie terminu etapu"),
    "extension_granted": _l("Przedłużenie terminu miastu"),
    "extension_revoked": _l("Cofnięcie przedłużenia terminu"),
    "extension_shortened": _l("Skrócenie terminu miastu"),
    "document_uploaded": _l("Dodanie dokumentu"),
    "document_downloaded": _l("Pobranie dokumentu"),
    "export": _l("Eksport danych"),
    "login": _l("Logowanie"),
    "login_failed": _l("Nieudane logowanie"),
    "logout": _l("Wylogowanie"),
    "account_locked": _l("Zablokowanie konta po nieudanych logowaniach"),
    "password_changed": _l("Zmiana hasła"),
    "password_reset_requested": _l("Prośba o zresetowanie hasła"),
    "password_reset": _l("Zresetowanie hasła"),
    "user_deactivated": _l("Dezaktywacja konta"),
    "user_activated": _l("Aktywacja konta"),
    "totp_enabled": _l("Włączenie weryfikacji dwuetapowej"),
    "totp_disabled": _l("Wyłączenie weryfikacji dwuetapowej"),
    "totp_failed": _l("Błędny kod weryfikacji dwuetapowej"),
    "recovery_code_used": _l("Logowanie kodem zapasowym"),
    "recovery_codes_regenerated": _l("Nowe kody zapasowe"),
    "personal_data_erased": _l("Usunięcie danych osobowych (pseudonim)"),
    "retention": _l("Usunięcie lub pseudonimizacja danych po okresie przechowywania"),
    "user_invited": _l("Zaproszenie nowej osoby"),
    "user_reinvited": _l("Ponowne zaproszenie (poprzednie wygasło)"),
    "invitation_accepted": _l("Przyjęcie zaproszenia (ustawienie hasła)"),
    "programme_settings_changed": _l("Zmiana ustawień programu"),
}

OBJECT_LABELS: dict[str, Any] = {
    "path": _l("ścieżka miasta"),
    "document": _l("dokument"),
    "score_sheet": _l("karta oceny"),
    "ranking_snapshot": _l("ranking"),
    "appeal": _l("protest"),
    "service": _l("usługa doradcza"),
    "report": _l("raport"),
    "audit_log": _l("dziennik zdarzeń"),
    "user": _l("konto użytkownika"),
    "person": _l("uczestnik usług doradczych"),
    "personal_data": _l("dane osobowe"),
    "programme": _l("program"),
}


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def object_label(object_type: str) -> str:
    label = OBJECT_LABELS.get(object_type)
    return str(label) if label is not None else object_type


def coordinator_only() -> None:
    """Another role gets 403: the page exists, it is not theirs (logged-in users only)."""
    if current_user.role != Role.COORDINATOR:
        abort(403)


def _form() -> AuditFilterForm:
    form = AuditFilterForm(request.args)
    known = set(ACTION_LABELS) | set(audit.actions_in_log())
    form.action.choices = [("", _("wszystkie"))] + sorted(
        ((a, action_label(a)) for a in known), key=lambda c: c[1])
    form.object_type.choices = [("", _("wszystkie"))] + [(k, str(v)) for k, v in OBJECT_LABELS.items()]
    return form


def _filters(form: AuditFilterForm) -> audit.Filters:
    return audit.Filters(
        action=form.action.data or None,
        # No control characters (PostgreSQL refuses NUL in text); % and _ are matched literally.
        actor="".join(ch for ch in (form.actor.data or "") if ch.isprintable()).strip() or None,
        date_from=form.date_from.data,
        date_to=form.date_to.data,
        object_type=form.object_type.data or None,
        object_id=form.object_id.data,
        timezone=current_app.config.get("TIMEZONE", "Europe/Warsaw"),
    )


def detail_text(event: AuditEvent) -> str:
    """The event's detail as 'key: value' pairs, for the table and the CSV."""
    return "; ".join(f"{k}: {v}" for k, v in audit.detail_of(event).items() if v not in (None, ""))


FILTERS = ("action", "actor", "date_from", "date_to", "object_type", "object_id")


def _query_args() -> dict[str, str]:
    return {n: request.args[n] for n in FILTERS if request.args.get(n)}


def _render(form: AuditFilterForm, found: listing.Page[AuditEvent] | None, status: int) -> tuple[str, int]:
    args = _query_args() if found else {}
    if found and found.params.q:
        args["q"] = found.params.q
    return render_template("audit/index.html", form=form, page=found, args=args,
                           action_label=action_label, object_label=object_label,
                           detail_text=detail_text), status


@bp.route("/")
@login_required
def index() -> tuple[str, int]:
    coordinator_only()
    form = _form()
    if request.args and not form.validate():
        return _render(form, None, 400)
    params = listing.parse(request.args, audit.EVENTS)
    return _render(form, audit.page(_filters(form), params, keep=_query_args()), 200)


def _csv_rows(events: Iterable[AuditEvent]) -> Iterator[list[object]]:
    """The export's rows; each distinct action and object type is translated once per request
    (a large export repeats a few dozen labels hundreds of thousands of times)."""
    actions: dict[str, str] = {}
    objects: dict[str, str] = {}
    for e in events:
        action = actions.get(e.action)
        if action is None:
            action = actions[e.action] = action_label(e.action)
        object_type = objects.get(e.object_type)
        if object_type is None:
            object_type = objects[e.object_type] = object_label(e.object_type)
        yield [moment(e.created_at, "yyyy-MM-dd HH:mm:ss"), e.actor_label, action, object_type,
               e.object_id if e.object_id is not None else "", e.programme_id or "", e.ip,
               detail_text(e)]


@bp.route("/events.csv")
@login_required
def export() -> Response | tuple[str, int]:
    coordinator_only()
    form = _form()
    if not form.validate():
        return _render(form, None, 400)
    filters = _filters(form)
    audit.record_export(current_user, "audit_log", "csv", None)
    header = [_("kiedy"), _("kto"), _("czynność"), _("rodzaj obiektu"), _("numer obiektu"),
              _("program"), _("adres IP"), _("szczegóły")]
    rows = _csv_rows(audit.rows(filters))
    tz = ZoneInfo(current_app.config.get("TIMEZONE", "Europe/Warsaw"))
    filename = f"dziennik-zdarzen-{datetime.now(tz).date().isoformat()}.csv"
    lines = tabular.csv_stream(header, rows, locale=g.locale)
    body = stream_with_context(line.encode("utf-8") for line in lines)
    return Response(body, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "X-Content-Type-Options": "nosniff"})

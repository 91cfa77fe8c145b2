"""Experience-exchange groups (docs/decisions/0038): the list of one's groups, a group's page
(cities, delegates, meetings, the satisfaction survey), a meeting's page (agenda, minutes,
attendance) and the group's analysis as a page and a PDF.

Under /exchange/: three audiences use them (the cities' teams, the moderators, the analyst).
A group one may not see is a 404, as if it did not exist; an action of the moderator asked
by a city of the group is a 403.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from forms.diagnosis import parse_number
from workflow.extensions import db
from workflow.models import ExchangeGroup, ExchangeMeeting, Role
from workflow.models.improvement import GOALS_MAX
from workflow.monitoring import distribution, readings, targets
from workflow.monitoring import exchange as ex
from workflow.monitoring import plans as pl
from workflow.monitoring import questionnaire as qn
from workflow.path.documents import UploadRefused
from workflow.refusal import Refused
from workflow.web.helpers import role_required, show_refusal
from workflow.web.templating import moment, number

bp = Blueprint("exchange", __name__)
MEMBERS = (Role.TOWN, Role.MODERATOR, Role.COORDINATOR)


def _locale() -> str:
    return str(get_locale() or "pl")


def _group(group_id: int) -> ExchangeGroup:
    group = ex.group_for(current_user, group_id)
    if group is None:
        abort(404)
    return group


def _meeting(meeting_id: int) -> tuple[ExchangeMeeting, ExchangeGroup]:
    found = ex.meeting_for(current_user, meeting_id)
    if found is None:
        abort(404)
    return found


@bp.route("/exchange/groups")
@role_required(*MEMBERS)
def index() -> str:
    return render_template(
        "monitoring/exchange/index.html",
        groups=ex.groups_of(current_user),
        area_names=qn.area_names(),
        locale=_locale(),
    )


@bp.route("/exchange/groups/<int:group_id>")
@role_required(*MEMBERS)
def group(group_id: int) -> tuple[str, int]:
    return _group_page(_group(group_id), 200)


def _group_page(
    group: ExchangeGroup,
    status: int,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
) -> tuple[str, int]:
    cities = ex.cities(group)
    people = ex.delegates(group)
    own_unit = qn.city_unit_id(current_user) if current_user.role == Role.TOWN else None
    return render_template(
        "monitoring/exchange/group.html",
        group=group,
        cities=cities,
        people=people,
        by_city={c.unit_id: [p for p in people if p.unit_id == c.unit_id] for c in cities},
        meetings=ex.meetings(group),
        surveys=ex.surveys(group),
        names={c.unit_id: c.name for c in cities},
        moderates=ex.moderates(current_user, group),
        own_unit=own_unit,
        delegate_unit=ex.delegate_unit(current_user, group) if own_unit else None,
        accounts=ex.city_accounts(current_user) if own_unit else [],
        survey_area=group.area in ex.SURVEY_VARIABLES,
        area_names=qn.area_names(),
        locale=_locale(),
        errors=errors or {},
        typed=typed or {},
        this_year=datetime.now(ZoneInfo("UTC")).year,
    ), status


def _when(date_text: str, time_text: str) -> datetime | None:
    """A meeting's moment typed in the programme's time zone, as UTC; None if not a moment."""
    try:
        local = datetime.strptime(f"{date_text.strip()} {time_text.strip() or '10:00'}", "%Y-%m-%d %H:%M")
    except ValueError:
        return None
    return local.replace(tzinfo=ZoneInfo(current_app.config["TIMEZONE"])).astimezone(ZoneInfo("UTC"))


@bp.route("/exchange/groups/<int:group_id>/meetings", methods=["POST"])
@role_required(*MEMBERS)
def add_meeting(group_id: int) -> Response | tuple[str, int]:
    group = _group(group_id)
    typed = {k: request.form.get(k, "")[: ex.AGENDA_MAX + 1] for k in ("date", "time", "place", "agenda")}
    data = ex.MeetingInput(
        _when(typed["date"], typed["time"]), typed["place"].strip(), typed["agenda"].strip()
    )
    if data.held_at is None:
        data.errors["date"] = _("Podaj datę (RRRR-MM-DD) i godzinę (GG:MM) spotkania.")
    if not data.place or len(data.place) > ex.PLACE_MAX:
        data.errors["place"] = _("Podaj miejsce spotkania (najwyżej %(n)d znaków).", n=ex.PLACE_MAX)
    if not data.agenda or len(data.agenda) > ex.AGENDA_MAX:
        data.errors["agenda"] = _("Podaj program spotkania (najwyżej %(n)d znaków).", n=ex.AGENDA_MAX)
    try:
        meeting = ex.schedule(group, current_user, data)
    except Refused as refused:
        db.session.rollback()
        if refused.status == 403:
            abort(403)
        return _group_page(_group(group_id), 400, data.errors, typed)
    flash(_("Spotkanie zaplanowane."), "success")
    return redirect(url_for(".meeting", meeting_id=meeting.id))


@bp.route("/town/exchange/groups/<int:group_id>/delegates", methods=["POST"])
@role_required(Role.TOWN)
def delegates(group_id: int) -> Response | tuple[str, int]:
    group = _group(group_id)
    chosen = [int(v) for v in request.form.getlist("user") if v.isdigit() and len(v) < 10]
    try:
        ex.set_delegates(group, current_user, chosen)
    except Refused as refused:
        db.session.rollback()
        if refused.status == 403:
            abort(403)
        return _group_page(_group(group_id), 400, {"delegates": " ".join(map(str, refused.messages))})
    flash(_("Zapisano delegatów miasta."), "success")
    return redirect(url_for(".group", group_id=group.id) + "#delegates-h")


@bp.route("/town/exchange/groups/<int:group_id>/survey", methods=["POST"])
@role_required(Role.TOWN)
def survey(group_id: int) -> Response | tuple[str, int]:
    """A delegate enters the result of its city's residents' satisfaction survey."""
    group = _group(group_id)
    unit_id = ex.delegate_unit(current_user, group)
    if unit_id is None:
        abort(403)  # a city's account that is not its delegate in this group sees, does not enter
    typed = {k: request.form.get(k, "").strip()[:12] for k in ("year", "respondents", "satisfied")}
    figures, errors = ex.parse_survey(typed["year"], typed["respondents"], typed["satisfied"])
    if figures is None:
        return _group_page(group, 400, errors, typed)
    try:
        ex.record_survey(group, unit_id, *figures, current_user)
    except Refused as refused:
        db.session.rollback()
        return _group_page(_group(group_id), 400, {"year": " ".join(map(str, refused.messages))}, typed)
    db.session.commit()
    flash(_("Zapisano wynik badania zadowolenia mieszkańców."), "success")
    return redirect(url_for(".group", group_id=group.id) + "#survey-h")


@bp.route("/exchange/meetings/<int:meeting_id>")
@role_required(*MEMBERS)
def meeting(meeting_id: int) -> tuple[str, int]:
    found, group = _meeting(meeting_id)
    return _meeting_page(found, group, 200)


def _meeting_page(meeting: ExchangeMeeting, group: ExchangeGroup, status: int) -> tuple[str, int]:
    cities = ex.cities(group)
    return render_template(
        "monitoring/exchange/meeting.html",
        meeting=meeting,
        group=group,
        people=ex.delegates(group),
        names={c.unit_id: c.name for c in cities},
        attendance=ex.attendance(meeting),
        moderates=ex.moderates(current_user, group),
        locale=_locale(),
    ), status


@bp.route("/exchange/meetings/<int:meeting_id>/minutes")
@role_required(*MEMBERS)
def minutes_file(meeting_id: int) -> Response:
    found, _group = _meeting(meeting_id)
    data = ex.minutes_bytes(found)
    if data is None:
        abort(404)
    return send_file(
        io.BytesIO(data),
        mimetype=found.minutes_mime or "application/octet-stream",
        as_attachment=True,
        download_name=found.minutes_name or "protokol",
        max_age=0,
    )


@bp.route("/exchange/meetings/<int:meeting_id>/minutes/upload", methods=["POST"])
@role_required(*MEMBERS)
def minutes(meeting_id: int) -> Response | tuple[str, int]:
    """The moderator uploads the meeting's minutes (a new file replaces the previous one)."""
    found, group = _meeting(meeting_id)
    if not ex.moderates(current_user, group):
        abort(403)
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise UploadRefused("empty")
        ex.store_minutes(found, group, current_user, upload.filename, upload.stream)
    except Refused as refused:
        db.session.rollback()
        if refused.status == 403:
            abort(403)
        show_refusal(refused, form="minutes")
        found, group = _meeting(meeting_id)
        return _meeting_page(found, group, refused.status)
    flash(_("Dodano protokół spotkania."), "success")
    return redirect(url_for(".meeting", meeting_id=meeting_id))


@bp.route("/exchange/meetings/<int:meeting_id>/attendance", methods=["POST"])
@role_required(*MEMBERS)
def attendance(meeting_id: int) -> Response | tuple[str, int]:
    found, group = _meeting(meeting_id)
    present = [int(v) for v in request.form.getlist("present") if v.isdigit() and len(v) < 10]
    try:
        n = ex.set_attendance(found, group, current_user, present)
    except Refused as refused:
        db.session.rollback()
        if refused.status == 403:
            abort(403)
        show_refusal(refused, form="attendance")
        found, group = _meeting(meeting_id)
        return _meeting_page(found, group, refused.status)
    flash(_("Zapisano listę obecności: obecnych %(n)d.", n=n), "success")
    return redirect(url_for(".meeting", meeting_id=meeting_id))


def _year() -> int | None:
    raw = request.args.get("year", "")
    return int(raw) if raw.isdigit() and len(raw) == 4 else None


@bp.route("/exchange/groups/<int:group_id>/analysis")
@role_required(*MEMBERS)
def analysis(group_id: int) -> str:
    group = _group(group_id)
    result = ex.analysis(group, _year())
    return render_template(
        "monitoring/exchange/analysis.html",
        group=group,
        a=result,
        area_names=qn.area_names(),
        locale=_locale(),
    )


@bp.route("/exchange/groups/<int:group_id>/analysis.pdf")
@role_required(*MEMBERS)
def analysis_pdf(group_id: int) -> Response:
    # Imported here: fpdf costs ~0.5 s of CPU at import, paid by every process starting the app.
    from workflow.monitoring import exchange_pdf

    group = _group(group_id)
    result = ex.analysis(group, _year())
    locale = _locale()
    tables = [
        exchange_pdf.Table(
            f"{row.name(locale)} ({row.measure(locale)})",
            [
                (
                    c.name + (" *" if c.unit_id in result.provisional else ""),
                    number(row.values[c.unit_id], row.decimals) if c.unit_id in row.values else "—",
                )
                for c in result.cities
            ],
            number(row.median, row.decimals) if row.median is not None else "—",
        )
        for row in result.rows
    ]
    labels = exchange_pdf.Labels(
        title=_("Analiza grupy: %(name)s", name=group.name(locale)),
        facts=[
            (_("Obszar usług"), qn.area_names()[group.area.value]),
            (_("Edycja"), str(group.cohort)),
            (_("Rok danych"), str(result.year) if result.year else _("brak danych")),
            (_("Sporządzono"), moment(datetime.now(ZoneInfo("UTC")))),
        ],
        city=_("Miasto"),
        value=_("Wartość"),
        median=_("Mediana grupy"),
        note=_(
            "* wartości wstępne: widoczne dla miast grupy, publiczne dopiero po publikacji roku przez "
            "analityka."
        ),
        page=_("Strona {n} z {of}"),
    )
    content = exchange_pdf.render(labels, tables, current_user.name)
    return send_file(
        io.BytesIO(content),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=ex.pdf_name(group, result.year),
        max_age=0,
    )


# --- improvement plans (docs/decisions/0042) -----------------------------------------------------


@bp.route("/exchange/groups/<int:group_id>/plans")
@role_required(*MEMBERS)
def plans(group_id: int) -> str:
    """Every city's improvement plan in the group with its targets' progress: the group's
    cities, its moderator and the analyst read it; a city changes its own on `plan`."""
    group = _group(group_id)
    own = qn.city_unit_id(current_user) if current_user.role == Role.TOWN else None
    return render_template(
        "monitoring/exchange/plans.html",
        group=group,
        plans=pl.of_group(group, _locale()),
        own_unit=own,
        judgements=targets.judgement_names(),
        name=distribution.name,
        measure=distribution.measure_unit,
        locale=_locale(),
    )


def _plan_page(
    group: ExchangeGroup,
    unit_id: int,
    status: int,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
) -> tuple[str, int]:
    locale = _locale()
    versions = readings.current_by_code()
    own = pl.of_group(group, locale, unit_id, list(versions.values()))
    return render_template(
        "monitoring/exchange/plan.html",
        group=group,
        city=own[0] if own else None,
        choices=[(code, f"{distribution.name(v, locale)} ({distribution.measure_unit(v, locale)})")
                 for code, v in sorted(versions.items(), key=lambda kv: (kv[1].area != group.area, kv[0]))],
        judgements=targets.judgement_names(),
        name=distribution.name,
        measure=distribution.measure_unit,
        errors=errors or {},
        typed=typed or {},
        locale=locale,
    ), status


def _joined(refused: Refused) -> dict[str, str]:
    return {key: " ".join(map(str, messages)) for key, messages in refused.errors.items()}


PLAN_FIELDS = ("goals", "title", "owner", "due_on", "indicator", "baseline_year", "baseline_value",
               "target_year", "target_value")


@bp.route("/town/exchange/groups/<int:group_id>/plan", methods=["GET", "POST"])
@role_required(Role.TOWN)
def plan(group_id: int) -> Response | tuple[str, int]:
    """The city's own plan: its team writes the goals, adds and removes actions and targets."""
    group = _group(group_id)
    unit_id = qn.city_unit_id(current_user)
    if unit_id is None:  # not a city (the group's rule already said so): nothing to see
        abort(404)
    if request.method == "GET":
        return _plan_page(group, unit_id, 200)
    part = request.form.get("part", "")
    typed = {k: request.form.get(k, "")[: GOALS_MAX + 1] for k in PLAN_FIELDS}
    try:
        if part == "goals":
            pl.save_goals(group, unit_id, typed["goals"], current_user)
            done = _("Zapisano cele planu.")
        elif part == "action":
            pl.add_action(group, unit_id, typed["title"], typed["owner"], _day(typed["due_on"]), current_user)
            done = _("Dodano działanie do planu.")
        elif part == "target":
            pl.add_target(group, unit_id, _target(typed), current_user, readings.current_by_code())
            done = _("Dodano cel na wskaźniku.")
        elif part in ("action_remove", "target_remove") and request.form.get("id", "").isdigit():
            if not pl.remove(group, unit_id, part.removesuffix("_remove"), int(request.form["id"][:10]),
                             current_user):
                abort(404)
            done = _("Usunięto z planu.")
        else:
            expired = _("Formularz wygasł. Odśwież stronę i spróbuj ponownie.")
            return _plan_page(group, unit_id, 400, {"part": expired})
    except Refused as refused:
        db.session.rollback()
        return _plan_page(_group(group_id), unit_id, 400, _joined(refused), typed)
    flash(done, "success")
    return redirect(url_for(".plan", group_id=group.id))


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _target(typed: dict[str, str]) -> targets.ResultInput:
    """The typed target; what is not a number is refused by field before the rule's checks."""
    errors: dict[str, list[str]] = {}
    years = {}
    for key in ("baseline_year", "target_year"):
        text = typed[key].strip()
        years[key] = int(text) if text.isdigit() and len(text) == 4 else 0
    numbers = {}
    for key in ("baseline_value", "target_value"):
        numbers[key] = parse_number(typed[key])
        if numbers[key] is None:
            errors[key] = [_("To nie jest liczba. Wpisz np. 1250,5.")]
    if errors:
        raise pl.PlanRefused(errors=errors)
    return targets.ResultInput(typed["indicator"].strip(), years["baseline_year"],
                               numbers["baseline_value"] or 0.0, years["target_year"],
                               numbers["target_value"] or 0.0)

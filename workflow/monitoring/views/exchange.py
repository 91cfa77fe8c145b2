"""Experience-exchange groups (docs/decisions/0038): the list of one's groups, a group's page
(cities, delegates, meetings, the satisfaction survey), a meeting's page (agenda, minutes,
attendance) and the group's analysis as a page and a PDF.

Under /exchange/: three audiences use them (the cities' teams, the moderators, the analyst).
A group one may not see is a 404, as if it did not exist; an action of the moderator asked
by a city of the group is a 403.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from forms.exchange import (
    ActionForm,
    AttendanceForm,
    DelegatesForm,
    GoalsForm,
    MeetingForm,
    MinutesForm,
    PlanTargetForm,
    SurveyForm,
)
from workflow.extensions import db
from workflow.models import ExchangeGroup, ExchangeMeeting, Role
from workflow.models.types import row_id_or_none
from workflow.monitoring import distribution, readings, targets
from workflow.monitoring import exchange as ex
from workflow.monitoring import plans as pl
from workflow.monitoring import questionnaire as qn
from workflow.monitoring.exchange import ExchangeRefused
from workflow.path.documents import UploadRefused
from workflow.refusal import Refused
from workflow.web.helpers import add_reasons, role_required, show_refusal
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


def _group_page(group: ExchangeGroup, status: int, posted: FlaskForm | None = None) -> tuple[str, int]:
    """The group's page; `posted`, the form sent and refused, shown with its messages and what
    was typed (the page's other forms empty)."""
    cities = ex.cities(group)
    people = ex.delegates(group)
    own_unit = qn.city_unit_id(current_user) if current_user.role == Role.TOWN else None
    delegates_form = _posted(posted, DelegatesForm)
    if delegates_form is not posted and own_unit:
        delegates_form.user.data = [p.user_id for p in people if p.unit_id == own_unit]
    accounts = ex.city_accounts(current_user) if own_unit else []
    delegates_form.user.choices = [SelectChoice(i, n) for i, n in accounts]
    survey_form = _posted(posted, SurveyForm)
    if survey_form is not posted:
        survey_form.year.data = str(datetime.now(ZoneInfo("UTC")).year - 1)
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
        survey_area=group.area in ex.SURVEY_VARIABLES,
        area_names=qn.area_names(),
        locale=_locale(),
        delegates_form=delegates_form,
        meeting_form=_posted(posted, MeetingForm),
        survey_form=survey_form,
    ), status


Form = TypeVar("Form", bound=FlaskForm)


def _posted(posted: FlaskForm | None, kind: type[Form]) -> Form:
    """The form of `kind` that was posted, or an empty one (not read from this request)."""
    return posted if isinstance(posted, kind) else kind(formdata=None)


def _ids(checked: list[int | None] | None) -> list[int]:
    return [i for i in checked or [] if i is not None]


def _refused(refused: Refused, form: FlaskForm, main: str) -> None:
    """A refusal of the operation: 403 as itself; otherwise its messages on `form`'s fields
    (the reasons about the whole next to `main`), nothing of it kept."""
    db.session.rollback()
    if refused.status == 403:
        abort(403)
    add_reasons(form, refused, main)


@bp.route("/exchange/groups/<int:group_id>/meetings", methods=["POST"])
@role_required(*MEMBERS)
def add_meeting(group_id: int) -> Response | tuple[str, int]:
    group = _group(group_id)
    form = MeetingForm()
    form.validate_on_submit()  # nothing to check but the token; the operation checks the rest
    place, agenda = form.texts()
    try:
        meeting = ex.schedule(group, current_user,
                              ex.MeetingInput(form.moment(current_app.config["TIMEZONE"]), place, agenda))
    except Refused as refused:
        _refused(refused, form, "date")
        return _group_page(_group(group_id), 400, form)
    flash(_("Spotkanie zaplanowane."), "success")
    return redirect(url_for(".meeting", meeting_id=meeting.id))


@bp.route("/town/exchange/groups/<int:group_id>/delegates", methods=["POST"])
@role_required(Role.TOWN)
def delegates(group_id: int) -> Response | tuple[str, int]:
    group = _group(group_id)
    form = DelegatesForm()
    try:
        if not form.validate_on_submit():  # an id no row has
            raise ExchangeRefused()
        ex.set_delegates(group, current_user, _ids(form.user.data))
    except Refused as refused:
        _refused(refused, form, "user")
        return _group_page(_group(group_id), 400, form)
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
    form = SurveyForm()
    form.validate_on_submit()  # the token; exchange.parse_survey reads the figures
    figures, errors = ex.parse_survey(*form.figures())
    try:
        if figures is None:
            raise ExchangeRefused(errors={key: [message] for key, message in errors.items()})
        ex.record_survey(group, unit_id, *figures, current_user)
    except Refused as refused:
        _refused(refused, form, "year")
        return _group_page(_group(group_id), 400, form)
    db.session.commit()
    flash(_("Zapisano wynik badania zadowolenia mieszkańców."), "success")
    return redirect(url_for(".group", group_id=group.id) + "#survey-h")


@bp.route("/exchange/meetings/<int:meeting_id>")
@role_required(*MEMBERS)
def meeting(meeting_id: int) -> tuple[str, int]:
    found, group = _meeting(meeting_id)
    return _meeting_page(found, group, 200)


def _meeting_page(meeting: ExchangeMeeting, group: ExchangeGroup, status: int,
                  posted: FlaskForm | None = None) -> tuple[str, int]:
    cities = ex.cities(group)
    names = {c.unit_id: c.name for c in cities}
    people = ex.delegates(group)
    attendance = ex.attendance(meeting)
    attendance_form = _posted(posted, AttendanceForm)
    if attendance_form is not posted:
        attendance_form.present.data = [i for i, present in attendance.items() if present]
    attendance_form.present.choices = [SelectChoice(p.user_id, f"{p.name} ({names[p.unit_id]})")
                                       for p in people]
    return render_template(
        "monitoring/exchange/meeting.html",
        meeting=meeting,
        group=group,
        people=people,
        names=names,
        attendance=attendance,
        moderates=ex.moderates(current_user, group),
        locale=_locale(),
        minutes_form=_posted(posted, MinutesForm),
        attendance_form=attendance_form,
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
    form = MinutesForm()
    form.validate_on_submit()  # the token; the upload store checks the file
    upload = form.file.data
    try:
        if upload is None or not getattr(upload, "filename", None):
            raise UploadRefused("empty")
        ex.store_minutes(found, group, current_user, upload.filename, upload.stream)
    except Refused as refused:
        _refused(refused, form, "file")
        found, group = _meeting(meeting_id)
        return _meeting_page(found, group, refused.status, form)
    flash(_("Dodano protokół spotkania."), "success")
    return redirect(url_for(".meeting", meeting_id=meeting_id))


@bp.route("/exchange/meetings/<int:meeting_id>/attendance", methods=["POST"])
@role_required(*MEMBERS)
def attendance(meeting_id: int) -> Response | tuple[str, int]:
    found, group = _meeting(meeting_id)
    if not ex.moderates(current_user, group):
        abort(403)
    form = AttendanceForm()
    try:
        if not form.validate_on_submit():  # an id no row has
            raise ExchangeRefused()
        n = ex.set_attendance(found, group, current_user, _ids(form.present.data))
    except Refused as refused:
        _refused(refused, form, "present")
        found, group = _meeting(meeting_id)
        return _meeting_page(found, group, refused.status, form)
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


def _plan_page(group: ExchangeGroup, unit_id: int, status: int,
               posted: FlaskForm | None = None) -> tuple[str, int]:
    locale = _locale()
    versions = readings.current_by_code()
    own = pl.of_group(group, locale, unit_id, list(versions.values()))
    city = own[0] if own else None
    goals_form = _posted(posted, GoalsForm)
    if goals_form is not posted:
        goals_form.goals.data = city.plan.goals if city and city.plan else ""
    target_form = _posted(posted, PlanTargetForm)
    target_form.set_choices(
        [(code, f"{distribution.name(v, locale)} ({distribution.measure_unit(v, locale)})")
         for code, v in sorted(versions.items(), key=lambda kv: (kv[1].area != group.area, kv[0]))])
    return render_template(
        "monitoring/exchange/plan.html",
        group=group,
        city=city,
        judgements=targets.judgement_names(),
        name=distribution.name,
        measure=distribution.measure_unit,
        goals_form=goals_form,
        action_form=_posted(posted, ActionForm),
        target_form=target_form,
        locale=locale,
    ), status


# The plan's forms by the `part` they post, with the field a refusal's general reasons go next to.
PLAN_FORMS: dict[str, tuple[type[FlaskForm], str]] = {
    "goals": (GoalsForm, "goals"), "action": (ActionForm, "title"), "target": (PlanTargetForm, "indicator")}


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
    row = row_id_or_none(request.form.get("id"))  # an id no INTEGER column holds is none
    if part in ("action_remove", "target_remove") and row is not None:
        if not pl.remove(group, unit_id, part.removesuffix("_remove"), row, current_user):
            abort(404)
        flash(_("Usunięto z planu."), "success")
        return redirect(url_for(".plan", group_id=group.id))
    if part not in PLAN_FORMS:
        show_refusal(Refused([_("Formularz wygasł. Odśwież stronę i spróbuj ponownie.")], status=400))
        return _plan_page(group, unit_id, 400)
    kind, main = PLAN_FORMS[part]
    form = kind()
    if isinstance(form, PlanTargetForm):
        form.set_choices([(code, code) for code in readings.current_by_code()])
    try:
        if not form.validate_on_submit():  # a target's year or number that is none
            raise pl.PlanRefused()
        if isinstance(form, GoalsForm):
            pl.save_goals(group, unit_id, form.text(), current_user)
            done = _("Zapisano cele planu.")
        elif isinstance(form, ActionForm):
            pl.add_action(group, unit_id, form.title.data or "", form.owner.data or "", form.due(),
                          current_user)
            done = _("Dodano działanie do planu.")
        else:
            assert isinstance(form, PlanTargetForm)
            pl.add_target(group, unit_id, form.result(), current_user, readings.current_by_code())
            done = _("Dodano cel na wskaźniku.")
    except Refused as refused:
        _refused(refused, form, main)
        return _plan_page(_group(group_id), unit_id, 400, form)
    flash(done, "success")
    return redirect(url_for(".plan", group_id=group.id))

"""The diagnosis stage's indicator profile (page and PDF annex), a project's result
indicators, and the coordinator's monitoring of the awarded projects' indicators
(docs/decisions/0040).

Who sees a diagnosis or a project is the path's access (a path the user may not see is a 404:
a partnership's members see their own partnership's, no other town sees a town's); changing a
project's result indicators is the applicant's team's alone (403 for staff who may read it);
the monitoring page is the coordinator's (404 for anyone else, as every coordinator page).
"""

from __future__ import annotations

from flask import Blueprint, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from forms.diagnosis import RemoveForm, ResultIndicatorForm
from workflow.audit import log as audit
from workflow.diagnosis import profile, progress
from workflow.extensions import db
from workflow.models import IndicatorVersion, Path, Project, Role
from workflow.models.types import utcnow
from workflow.monitoring import charts
from workflow.monitoring.distribution import measure_unit, name
from workflow.monitoring.targets import judgement_names
from workflow.path import access
from workflow.projects import operations as projects
from workflow.refusal import Refused
from workflow.web.helpers import add_reasons, path_url, role_required

bp = Blueprint("diagnosis", __name__)


# --- the diagnosis ----------------------------------------------------------------------------------

@bp.route("/paths/<int:path_id>/diagnosis")
@login_required
def page(path_id: int) -> str:
    path = access.get_path_or_404(current_user, path_id)
    found = profile.of_path(path, request.args.get("year"), g.locale)
    return render_template("diagnosis/profile.html", path=path, d=found, back=path_url(path.id),
                           name=name, measure=measure_unit)


def _place(against: profile.Against) -> str:
    p = against.place
    return _("%(rank)d. z %(count)d", rank=p.rank, count=p.count) if p and p.rank else "–"


@bp.route("/paths/<int:path_id>/diagnosis/indicators.pdf")
@login_required
def annex(path_id: int) -> Response:
    # Imported here: fpdf costs ~0.5 s of CPU at import, paid by every process starting the app.
    from workflow.diagnosis import annex_pdf

    path = access.get_path_or_404(current_user, path_id)
    found = profile.of_path(path, request.args.get("year"), g.locale)
    locale = g.locale
    tables = []
    for m in found.members:
        if m.profile is None:
            continue
        rows = []
        for r in m.rows:
            fmt = found.fmt[r.version.indicator.code]
            unit = measure_unit(r.version, locale)
            for n, a in enumerate(r.against):
                first = n == 0
                rows.append([name(r.version, locale) if first else "",
                             f"{fmt(r.value)} {unit}" if first else "",
                             a.group.name(locale), _place(a), fmt(a.figures.median),
                             f"{fmt(a.figures.q1)} – {fmt(a.figures.q3)}"])
        tables.append(annex_pdf.Table(
            _("%(name)s (TERYT %(code)s) na tle swoich grup", name=m.municipality.name,
              code=m.profile.unit.code),
            [_("Wskaźnik"), _("Wartość"), _("Grupa"), _("Miejsce"), _("Mediana grupy"), _("Kwartyle grupy")],
            rows, (78, 34, 70, 22, 27, 42)))
    if found.area:
        rows = [[name(a.version, locale), f"{found.fmt[a.version.indicator.code](a.area.value)} "
                 f"{measure_unit(a.version, locale)}",
                 found.fmt[a.version.indicator.code](a.area.median),
                 f"{found.fmt[a.version.indicator.code](a.area.minimum)} – "
                 f"{found.fmt[a.version.indicator.code](a.area.maximum)}",
                 found.fmt[a.version.indicator.code](a.country.median if a.country else None)]
                for a in found.area]
        tables.append(annex_pdf.Table(
            _("Cały obszar partnerstwa"),
            [_("Wskaźnik"), _("Obszar (iloraz sum)"), _("Mediana członków"), _("Od – do wśród członków"),
             _("Mediana wszystkich gmin")], rows, (90, 45, 40, 50, 48)))
    now = utcnow()
    labels = annex_pdf.Labels(
        title=_("Załącznik do diagnozy: wskaźniki na tle grup porównawczych"),
        facts=[(_("Wnioskodawca"), path.applicant.name), (_("Program"), path.programme.title(locale)),
               (_("Rok danych"), str(found.year) if found.year else "–")],
        page=_("Strona {n} z {of}"),
        note=_("Miejsce 1 to najwyższa wartość w grupie, wśród gmin, które mają dane. Wartość obszaru "
               "partnerstwa to iloraz sum liczników i mianowników wskaźnika po gminach członkowskich. "
               "Źródło: GUS, Bank Danych Lokalnych."),
        generated=_("Wygenerowano {when} w systemie Ścieżka."))
    body = annex_pdf.render(labels, tables, current_user.name, format_datetime(now, "short"), now)
    audit.record("diagnosis_annex_downloaded", actor=current_user, object_type="path", object_id=path.id,
                 programme_id=path.programme_id)
    db.session.commit()
    response = make_response(body)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="diagnoza-wskazniki-{path.id}.pdf"'
    return response


# --- a project's result indicators ------------------------------------------------------------------

def _choices(versions: dict[str, IndicatorVersion]) -> list[tuple[str, str]]:
    return [(code, f"{name(v, g.locale)} ({measure_unit(v, g.locale)})") for code, v in versions.items()]


def render_results(project: Project, form: ResultIndicatorForm | None = None, status: int = 200,
                   versions: dict[str, IndicatorVersion] | None = None) -> tuple[str, int]:
    versions = versions if versions is not None else progress.indicator_choices()
    if form is None:
        form = ResultIndicatorForm(formdata=None)
    form.set_choices(_choices(versions))
    by_id = {v.indicator_id: v for v in versions.values()}
    team = projects.is_team(current_user, project.path)
    fmt = {v.indicator_id: charts.formatter(v.decimals, g.locale) for v in versions.values()}
    return render_template("diagnosis/results.html", p=project, path=project.path,
                           results=progress.of_project(project), by_id=by_id, form=form,
                           area=progress.area_latest(project.path.applicant_id, list(versions.values()))
                           if team else {},
                           fmt=fmt,
                           remove_form=RemoveForm(formdata=None),
                           team=team, name=name,
                           measure=measure_unit), status


@bp.route("/projects/<int:project_id>/indicators")
@login_required
def results(project_id: int) -> tuple[str, int]:
    return render_results(projects.get_for(current_user, project_id))


def _team_only(path: Path) -> None:
    if not projects.is_team(current_user, path):
        raise Refused([_("Tylko zespół wnioskodawcy może zmieniać wskaźniki rezultatu projektu.")],
                      status=403)


@bp.route("/town/projects/<int:project_id>/indicators", methods=["POST"])
@login_required
def add(project_id: int) -> Response | tuple[str, int]:
    found = projects.get_for(current_user, project_id)
    _team_only(found.path)
    versions = progress.indicator_choices()
    form = ResultIndicatorForm()
    form.set_choices(_choices(versions))
    if not form.validate_on_submit():
        return render_results(found, form, 400, versions)
    try:
        progress.add(found, form.result(), current_user, versions)
    except progress.ResultRefused as refused:
        db.session.rollback()
        add_reasons(form, refused, "indicator")
        return render_results(projects.get_for(current_user, project_id), form, refused.status, versions)
    flash(_("Dodano wskaźnik rezultatu projektu."), "success")
    return redirect(url_for("diagnosis.results", project_id=found.id))


@bp.route("/town/projects/<int:project_id>/indicators/<int:result_id>/delete", methods=["POST"])
@login_required
def remove(project_id: int, result_id: int) -> Response | tuple[str, int]:
    found = projects.get_for(current_user, project_id)
    _team_only(found.path)
    if not RemoveForm().validate_on_submit():
        raise Refused([_("Formularz wygasł. Odśwież stronę i spróbuj ponownie.")], status=400)
    if not progress.remove(found, result_id, current_user):
        raise Refused([_("Nie ma takiego wskaźnika rezultatu w tym projekcie.")], status=404)
    flash(_("Usunięto wskaźnik rezultatu projektu."), "success")
    return redirect(url_for("diagnosis.results", project_id=found.id))


# --- the coordinator's monitoring --------------------------------------------------------------------

@bp.route("/coordinator/monitoring/projects")
@role_required(Role.COORDINATOR)
def monitoring() -> str:
    rows = progress.followed(g.locale)
    counts = {j: sum(1 for r in rows if r.progress.judgement == j) for j in progress.Judgement}
    return render_template("diagnosis/monitoring.html", rows=rows, counts=counts,
                           judgements=judgement_names(), name=name, measure=measure_unit)

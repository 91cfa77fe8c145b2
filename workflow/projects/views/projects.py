"""The project package's pages: the package of a path, a project with its schedule and
feasibility analysis, and the key project's summary for the preliminary application.

Who sees a package is the path's access (a path the user may not see is a 404); editing it
is the applicant's team's alone (staff who may read it get a 403 for a change).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from forms.projects import (
    DeleteProjectForm,
    DeleteTaskForm,
    FeasibilityForm,
    ProjectForm,
    TaskForm,
    project_form_class,
    route_names,
    status_names,
)
from workflow.extensions import db
from workflow.models import Path, Project, ProjectStatus
from workflow.path import access, documents
from workflow.projects import operations as projects
from workflow.projects import timeline
from workflow.projects.operations import ProjectInput, ProjectRefused
from workflow.refusal import Message, Refused
from workflow.web.helpers import add_reasons, path_url, show_refusal

bp = Blueprint("projects", __name__)


def tasks_text(count: int) -> str:
    return ngettext("%(num)d zadanie", "%(num)d zadań", count)


def months_text(count: int) -> str:
    return ngettext("%(num)d miesiąc", "%(num)d miesięcy", count)


def _team_only(path: Path) -> None:
    if not projects.is_team(current_user, path):
        raise Refused([_("Tylko zespół wnioskodawcy może zmieniać pakiet projektów.")], status=403)


def _input(form: ProjectForm) -> ProjectInput:
    return ProjectInput(title=form.title.data or "", scope=form.scope.data or "",
                        estimated_cost=form.cost or Decimal("0"), funding_route=form.funding_route.data or "",
                        funding_note=form.funding_note.data or "", status=form.status.data or "",
                        is_key=bool(form.is_key.data), shares=form.shares())


def _reasons(form: ProjectForm, refused: Refused) -> list[Message]:
    """The refusal's messages next to the form's fields; those about the members' fields
    (who leads, the shares) returned, for the members' fieldset."""
    members: list[Message] = [*refused.errors.pop("leaders", []), *refused.errors.pop("shares", [])]
    add_reasons(form, refused, "title")
    return members


# --- the package ------------------------------------------------------------------------------------

@bp.route("/paths/<int:path_id>/projects")
@login_required
def package(path_id: int) -> tuple[str, int]:
    path = access.get_path_or_404(current_user, path_id)
    members = projects.members_of(path)
    form = project_form_class(members)(formdata=None, data={"status": ProjectStatus.PROPOSED.value})
    return render_package(path, form)


def render_package(path: Path, form: ProjectForm, status: int = 200,
                   member_errors: list[Message] | None = None) -> tuple[str, int]:
    found = projects.package(path)
    return render_template("projects/package.html", path=path, projects=found, form=form,
                           team=projects.is_team(current_user, path), route_names=route_names(),
                           status_names=status_names(), member_errors=member_errors or [],
                           back=path_url(path.id), months=projects.months_between, tasks_text=tasks_text,
                           total=sum((p.estimated_cost for p in found if p.status == ProjectStatus.CHOSEN),
                                     Decimal("0.00"))), status


@bp.route("/town/paths/<int:path_id>/projects", methods=["POST"])
@login_required
def create(path_id: int) -> Response | tuple[str, int]:
    path = access.get_path_or_404(current_user, path_id)
    _team_only(path)
    form = project_form_class(projects.members_of(path))()
    if not form.validate_on_submit():
        return render_package(path, form, 400)
    try:
        project = projects.create(path, _input(form), current_user)
    except ProjectRefused as refused:
        db.session.rollback()
        members = _reasons(form, refused)
        return render_package(path, form, refused.status, members)
    flash(_("Dodano projekt „%(title)s” do pakietu.", title=project.title), "success")
    return redirect(url_for("projects.project", project_id=project.id))


# --- one project ------------------------------------------------------------------------------------

def _found(project_id: int) -> Project:
    return projects.get_for(current_user, project_id)


def _edit_form(project: Project) -> ProjectForm:
    cls = project_form_class(projects.members_of(project.path))
    form = cls(formdata=None, data={
        "version": project.version, "title": project.title, "scope": project.scope,
        "estimated_cost": f"{project.estimated_cost:.2f}".replace(".", ","),
        "funding_route": project.funding_route.value, "funding_note": project.funding_note,
        "status": project.status.value, "is_key": project.is_key})
    form.fill_members({s.municipality_id: (s.leads, s.amount) for s in project.shares})
    return form


@bp.route("/projects/<int:project_id>")
@login_required
def project(project_id: int) -> tuple[str, int]:
    found = _found(project_id)
    return render_project(found)


def render_project(project: Project, status: int = 200, *, edit_form: ProjectForm | None = None,
                   task_form: TaskForm | None = None, feasibility_form: FeasibilityForm | None = None,
                   member_errors: list[Message] | None = None) -> tuple[str, int]:
    path = project.path
    tasks = [(t.name, t.starts_on, t.ends_on) for t in project.tasks]
    return render_template(
        "projects/project.html", p=project, path=path, team=projects.is_team(current_user, path),
        edit_form=edit_form or _edit_form(project), task_form=task_form or TaskForm(formdata=None),
        feasibility_form=feasibility_form or FeasibilityForm(formdata=None),
        delete_form=DeleteProjectForm(formdata=None, data={"version": project.version}),
        delete_task_form=DeleteTaskForm(formdata=None), route_names=route_names(),
        status_names=status_names(), member_errors=member_errors or [], chart=timeline.build(tasks),
        no_feasibility=projects.why_no_feasibility(path), months=projects.months_between,
        leaders=[s.municipality.name for s in project.shares if s.leads], tasks_text=tasks_text,
    ), status


@bp.route("/town/projects/<int:project_id>", methods=["POST"])
@login_required
def update(project_id: int) -> Response | tuple[str, int]:
    found = _found(project_id)
    _team_only(found.path)
    form = project_form_class(projects.members_of(found.path))()
    if not form.validate_on_submit():
        return render_project(found, 400, edit_form=form)
    try:
        projects.update(found, _input(form), current_user, form.version.data)
    except ProjectRefused as refused:
        db.session.rollback()
        if refused.stale:
            show_refusal(refused)
            return render_project(_found(project_id), refused.status)
        members = _reasons(form, refused)
        return render_project(_found(project_id), refused.status, edit_form=form, member_errors=members)
    flash(_("Zapisano projekt „%(title)s”.", title=found.title), "success")
    return redirect(url_for("projects.project", project_id=found.id))


@bp.route("/town/projects/<int:project_id>/delete", methods=["POST"])
@login_required
def delete(project_id: int) -> Response | tuple[str, int]:
    found = _found(project_id)
    _team_only(found.path)
    form = DeleteProjectForm()
    path_id, title = found.path_id, found.title
    if not form.validate_on_submit():
        show_refusal(Refused([m for errors in form.errors.values() for m in errors], status=400))
        return render_project(found, 400)
    try:
        projects.delete(found, current_user, form.version.data)
    except ProjectRefused as refused:
        db.session.rollback()
        show_refusal(refused)
        return render_project(_found(project_id), refused.status)
    flash(_("Usunięto projekt „%(title)s”.", title=title), "success")
    return redirect(url_for("projects.package", path_id=path_id))


@bp.route("/town/projects/<int:project_id>/tasks", methods=["POST"])
@login_required
def add_task(project_id: int) -> Response | tuple[str, int]:
    found = _found(project_id)
    _team_only(found.path)
    form = TaskForm()
    if not form.validate_on_submit():
        return render_project(found, 400, task_form=form)
    try:
        projects.add_task(found, form.name.data or "", form.starts.data, form.ends.data, current_user)
    except ProjectRefused as refused:
        db.session.rollback()
        add_reasons(form, refused, "name")
        return render_project(_found(project_id), refused.status, task_form=form)
    flash(_("Dodano zadanie do harmonogramu."), "success")
    return redirect(url_for("projects.project", project_id=found.id, _anchor="schedule-h"))


@bp.route("/town/projects/<int:project_id>/tasks/<int:task_id>/delete", methods=["POST"])
@login_required
def delete_task(project_id: int, task_id: int) -> Response | tuple[str, int]:
    found = _found(project_id)
    _team_only(found.path)
    if not DeleteTaskForm().validate_on_submit():
        show_refusal(Refused([_("Formularz wygasł. Odśwież stronę i spróbuj ponownie.")], status=400))
        return render_project(found, 400)
    projects.delete_task(found, task_id, current_user)
    flash(_("Usunięto zadanie z harmonogramu."), "success")
    return redirect(url_for("projects.project", project_id=found.id, _anchor="schedule-h"))


@bp.route("/town/projects/<int:project_id>/feasibility", methods=["POST"])
@login_required
def feasibility(project_id: int) -> Response | tuple[str, int]:
    found = _found(project_id)
    _team_only(found.path)
    form = FeasibilityForm()
    if not form.validate_on_submit():
        return render_project(found, 400, feasibility_form=form)
    file = form.document.data
    try:
        projects.attach_feasibility(found, file.filename or "", file.stream, current_user)
    except (ProjectRefused, documents.UploadRefused) as refused:
        db.session.rollback()
        add_reasons(form, refused, "document")
        return render_project(_found(project_id), refused.status, feasibility_form=form)
    flash(_("Dodano analizę wykonalności projektu."), "success")
    return redirect(url_for("projects.project", project_id=found.id))


# --- the key project --------------------------------------------------------------------------------

@bp.route("/paths/<int:path_id>/projects/key")
@login_required
def key(path_id: int) -> str:
    """The key project(s) as the preliminary application uses them; printable."""
    path = access.get_path_or_404(current_user, path_id)
    found = projects.key_projects(path)
    charts: dict[int, Any] = {s.id: timeline.build(s.tasks) for s in found}
    return render_template("projects/key.html", path=path, summaries=found, charts=charts,
                           route_names=route_names(), back=url_for("projects.package", path_id=path.id),
                           key_id=found[0].id if found else None, tasks_text=tasks_text,
                           months_text=months_text)

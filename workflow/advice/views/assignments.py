"""Advisors (coordinator only): profiles, the list of fields, who advises which town, and
the proposal of an assignment, shown for approval before anything is saved."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from forms.advice import ApproveForm, AssignForm, FieldForm, NeedsForm, ProfileForm, RenameFieldForm
from workflow.advice import assignment, profiles
from workflow.advice.assignment import AssignmentRefused
from workflow.advice.profiles import ProfileError
from workflow.extensions import db
from workflow.models import AdvisorKind, Applicant, ExpertiseField, Path, Programme, Role, User
from workflow.path import access
from workflow.refusal import Message
from workflow.text import polish_key
from workflow.web import listing
from workflow.web.helpers import add_error, add_reasons, programme_choices, role_required

bp = Blueprint("assignments", __name__, url_prefix="/coordinator/advisors")

Page = str | tuple[str, int] | Response




def _field_name(f: ExpertiseField) -> str:
    return f.name(getattr(g, "locale", "pl"))


# --- advisors and fields ---------------------------------------------------------------------


def _render_index(field_form: FieldForm | None = None, status: int = 200) -> tuple[str, int]:
    programmes = programme_choices()
    return render_template(
        "advice/assignments/index.html",
        advisors=profiles.advisor_page(listing.parse(request.args, profiles.ADVISORS)),
        fields=profiles.all_fields(),
        usage=profiles.field_usage(), programmes=programmes, field_form=field_form or FieldForm(),
    ), status


@bp.route("/")
@role_required(Role.COORDINATOR)
def index() -> Page:
    return _render_index()


@bp.route("/fields", methods=["POST"])
@role_required(Role.COORDINATOR)
def add_field() -> Page:
    form = FieldForm()
    if form.validate_on_submit():
        try:
            created = profiles.add_field(form.code.data, form.name_pl.data, form.name_en.data)
        except ProfileError as exc:
            add_error(getattr(form, exc.field or "code"), exc.message)
        else:
            flash(_("Dodano dziedzinę: %(name)s.", name=_field_name(created)), "success")
            return redirect(url_for("assignments.index"))
    return _render_index(form, 400)


def _field_or_404(field_id: int) -> ExpertiseField:
    found = db.session.get(ExpertiseField, field_id)
    if found is None:
        abort(404)
    return found


@bp.route("/fields/<int:field_id>", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def rename_field(field_id: int) -> Page:
    target = _field_or_404(field_id)
    form = RenameFieldForm(obj=target)
    status = 200
    if form.is_submitted():
        if form.validate():
            try:
                profiles.rename_field(target, form.name_pl.data, form.name_en.data)
            except ProfileError as exc:
                add_error(getattr(form, exc.field or "name_pl"), exc.message)
            else:
                flash(_("Zmieniono nazwę dziedziny."), "success")
                return redirect(url_for("assignments.index"))
        status = 400
    return render_template("advice/assignments/field.html", target=target, form=form), status


@bp.route("/fields/<int:field_id>/withdraw", methods=["POST"])
@role_required(Role.COORDINATOR)
def withdraw_field(field_id: int) -> Response:
    target = profiles.deactivate_field(_field_or_404(field_id))
    flash(_("Wycofano dziedzinę: %(name)s. Zostaje w dotychczasowych profilach i usługach.",
            name=_field_name(target)), "info")
    return redirect(url_for("assignments.index"))


@bp.route("/fields/<int:field_id>/restore", methods=["POST"])
@role_required(Role.COORDINATOR)
def restore_field(field_id: int) -> Response:
    target = profiles.set_field_active(_field_or_404(field_id), True)
    flash(_("Przywrócono dziedzinę: %(name)s.", name=_field_name(target)), "success")
    return redirect(url_for("assignments.index"))


def _advisor_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.role != Role.ADVISOR:
        abort(404)
    return user


@bp.route("/<int:user_id>/profile", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def profile(user_id: int) -> Page:
    advisor = _advisor_or_404(user_id)
    current = profiles.get_profile(advisor, create=False)
    held = {f.id for f in current.fields} if current else set()
    form = ProfileForm()
    form.fields.choices = [
        (f.id, _field_name(f) if f.active else _("%(name)s (wycofana)", name=_field_name(f)))
        for f in profiles.all_fields() if f.active or f.id in held
    ]
    form.region.choices = [("", _("– nie podano –"))] + [(v, v) for v in profiles.VOIVODESHIPS]
    if not form.is_submitted():
        form.fields.data = sorted(held)
        form.region.data = current.region or "" if current else ""
        form.capacity.data = current.capacity if current else profiles.DEFAULT_CAPACITY
        form.available.data = current.available if current else True
        form.note.data = current.note if current else ""
        return render_template("advice/assignments/profile.html", advisor=advisor, form=form,
                               load=profiles.current_load(advisor.id))
    if form.validate():
        try:
            saved = profiles.update_profile(
                advisor, field_ids=form.fields.data or [], region=form.region.data or None,
                capacity=form.capacity.data, available=form.available.data, note=form.note.data or "")
        except ProfileError as exc:
            add_error(getattr(form, exc.field or "fields"), exc.message)
        else:
            flash(_("Zapisano profil: %(name)s.", name=advisor.name), "success")
            load = profiles.current_load(advisor.id)
            if load > saved.capacity:
                flash(_("Doradca ma więcej miast (%(load)d) niż nowy limit: zachowuje te miasta, ale "
                        "nie dostanie nowych.", load=load), "info")
            return redirect(url_for("assignments.index"))
    return render_template("advice/assignments/profile.html", advisor=advisor, form=form,
                           load=profiles.current_load(advisor.id)), 400


# --- a programme's towns -----------------------------------------------------------------------


def _programme_or_404(programme_id: int) -> Programme:
    programme = db.session.get(Programme, programme_id)
    if programme is None:
        abort(404)
    return programme


@bp.route("/programmes/<int:programme_id>")
@role_required(Role.COORDINATOR)
def programme_board(programme_id: int) -> Page:
    programme = _programme_or_404(programme_id)
    page = assignment.board_page(programme, listing.parse(request.args, assignment.BOARD))
    return render_template("advice/assignments/programme.html", programme=programme, page=page,
                           counts=assignment.board_counts(programme))


def _choices(rows: list[Any]) -> list[tuple[Any, str]]:
    return [("", _("– wybierz doradcę –"))] + [
        (r.user.id, _("%(name)s (%(region)s; miast: %(load)d z %(capacity)d)", name=r.user.name,
                      region=r.profile.region if r.profile and r.profile.region else _("bez województwa"),
                      load=r.load, capacity=r.capacity))
        for r in rows
    ]


def _render_town(path: Path, *, needs_form: NeedsForm | None = None, lead_form: AssignForm | None = None,
                 expert_forms: dict[int, AssignForm] | None = None, status: int = 200) -> tuple[str, int]:
    """The town's assignment page; a form given here keeps what was typed and its errors."""
    row = assignment.board(path.programme, path)[0]
    advisors = profiles.advisor_rows()
    on_town = {a.advisor_id for a in [row.lead, *row.experts.values()] if a is not None}
    fields = profiles.all_fields()
    needed = {f.id for f in row.needs}
    needs_form = needs_form or NeedsForm(formdata=None, data={"fields": sorted(needed)})
    needs_form.fields.choices = [
        (f.id, _field_name(f) if f.active else _("%(name)s (wycofana)", name=_field_name(f)))
        for f in fields if f.active or f.id in needed
    ]
    lead_form = lead_form or AssignForm(formdata=None, prefix="lead")
    lead_form.advisor.choices = _choices(assignment.eligible(advisors, path.id, AdvisorKind.LEAD, None,
                                                             on_town))
    forms = dict(expert_forms or {})
    for f in row.missing:
        form = forms.setdefault(f.id, AssignForm(formdata=None, prefix=f"expert{f.id}"))
        form.advisor.choices = _choices(assignment.eligible(advisors, path.id, AdvisorKind.EXPERT, f.id,
                                                            on_town))
    return render_template("advice/assignments/town.html", row=row, programme=path.programme,
                           needs_form=needs_form, lead_form=lead_form, expert_forms=forms,
                           history=assignment.history(path)), status


@bp.route("/paths/<int:path_id>")
@role_required(Role.COORDINATOR)
def town(path_id: int) -> Page:
    return _render_town(access.get_path_or_404(current_user, path_id))


@bp.route("/paths/<int:path_id>/needs", methods=["POST"])
@role_required(Role.COORDINATOR)
def needs(path_id: int) -> Page:
    path = access.get_path_or_404(current_user, path_id)
    form = NeedsForm()
    needed = {f.id for f in profiles.needs_of(path)}
    form.fields.choices = [(f.id, _field_name(f)) for f in profiles.all_fields()
                           if f.active or f.id in needed]
    if form.validate():
        try:
            profiles.set_path_needs(path, form.fields.data or [])
        except ProfileError as exc:
            add_error(form.fields, exc.message)
        else:
            flash(_("Zapisano potrzeby miasta."), "success")
            return redirect(url_for("assignments.town", path_id=path.id))
    return _render_town(path, needs_form=form, status=400)


def _assign(path: Path, form: AssignForm, kind: AdvisorKind, target: ExpertiseField | None,
            render: dict[str, Any]) -> Page:
    """Validate the form, find the advisor, let the service decide; 400 or 409 with the reason."""
    if not form.validate():
        return _render_town(path, status=400, **render)
    advisor = db.session.get(User, form.advisor.data) if form.advisor.data else None
    if advisor is None or advisor.role != Role.ADVISOR:
        add_error(form.advisor, _("Wybierz doradcę z listy."))
        return _render_town(path, status=400, **render)
    try:
        assignment.assign(path, advisor, kind, target, current_user)
    except AssignmentRefused as exc:
        add_reasons(form, exc, "advisor")
        return _render_town(path, status=exc.status, **render)
    flash(_("Przydzielono: %(name)s. Doradca dostanie wiadomość.", name=advisor.name), "success")
    return redirect(url_for("assignments.town", path_id=path.id))


@bp.route("/paths/<int:path_id>/lead", methods=["POST"])
@role_required(Role.COORDINATOR)
def assign_lead(path_id: int) -> Page:
    path = access.get_path_or_404(current_user, path_id)
    form = AssignForm(prefix="lead")
    return _assign(path, form, AdvisorKind.LEAD, None, {"lead_form": form})


@bp.route("/paths/<int:path_id>/experts/<int:field_id>", methods=["POST"])
@role_required(Role.COORDINATOR)
def assign_expert(path_id: int, field_id: int) -> Page:
    path = access.get_path_or_404(current_user, path_id)
    target = _field_or_404(field_id)
    form = AssignForm(prefix=f"expert{field_id}")
    return _assign(path, form, AdvisorKind.EXPERT, target, {"expert_forms": {field_id: form}})


@bp.route("/assignments/<int:assignment_id>/unassign", methods=["POST"])
@role_required(Role.COORDINATOR)
def unassign(assignment_id: int) -> Response:
    # CSRFProtect has already refused a POST without a valid token.
    row = assignment.get_assignment(assignment_id)
    if row is None:
        abort(404)
    path = access.get_path_or_404(current_user, row.path_id)
    name = row.advisor.name
    assignment.unassign(row, current_user)
    flash(_("Zakończono przydział: %(name)s. Doradca dostanie wiadomość.", name=name), "info")
    return redirect(url_for("assignments.town", path_id=path.id))


# --- the proposal --------------------------------------------------------------------------------


def _render_proposal(programme: Programme, reasons: list[Message] | None = None,
                     status: int = 200) -> tuple[str, int]:
    proposal = assignment.propose(programme)
    towns = {pid: (name, voiv) for pid, name, voiv in db.session.execute(
        select(Path.id, Applicant.name, Applicant.voivodeship)
        .join(Applicant, Applicant.id == Path.applicant_id).where(Path.programme_id == programme.id))}
    fields = {f.id: f for f in profiles.all_fields()}
    advisors = {r.user.id: r for r in profiles.advisor_rows()}
    new_towns: dict[int, int] = {}
    for p in proposal.pairs:
        new_towns[p.advisor_id] = new_towns.get(p.advisor_id, 0) + 1

    def by_town(item: Any) -> tuple[Any, ...]:
        return (polish_key(towns[item.path_id][0]), item.path_id, item.field_id)

    loads = sorted(
        ((advisors[a], load, new_towns.get(a, 0)) for a, load in proposal.loads.items() if a in advisors),
        key=lambda t: (-t[2], polish_key(t[0].user.name)),
    )
    form = ApproveForm(formdata=None)
    return render_template(
        "advice/assignments/proposal.html", programme=programme, proposal=proposal, towns=towns,
        fields=fields, advisors=advisors, pairs=sorted(proposal.pairs, key=by_town),
        uncovered=sorted(proposal.uncovered, key=by_town), loads=loads, form=form,
        reasons=reasons or [],
    ), status


@bp.route("/programmes/<int:programme_id>/proposal", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def proposal(programme_id: int) -> Page:
    programme = _programme_or_404(programme_id)
    form = ApproveForm()
    if not form.is_submitted():
        return _render_proposal(programme)
    if not form.validate():
        return _render_proposal(programme, [str(e) for e in form.pair.errors], 400)
    try:
        saved = assignment.apply(programme, form.pair.data, current_user)
    except AssignmentRefused as exc:
        reasons = [_("Nic nie zapisano, bo przydziały zmieniły się od przygotowania propozycji. "
                     "Poniżej nowa propozycja.")] + exc.messages
        return _render_proposal(programme, reasons, exc.status)
    flash(_("Zapisano przydziały ekspertów: %(n)d. Doradcy dostaną wiadomości.", n=len(saved)), "success")
    return redirect(url_for("assignments.programme_board", programme_id=programme.id))

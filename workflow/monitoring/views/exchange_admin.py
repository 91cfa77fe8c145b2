"""The analyst's (coordinator's) page of the experience-exchange groups (decision 0043): every
group with a form for a new one, and a group's settings: its moderator, its cities (added by
TERYT code, removed) and its delegates (a member city's town accounts).

Under /coordinator/exchange/: the coordinator only (404 for any other role). Bad input is the
page again with the message next to the field and what was typed (400); every change is in the
audit log (workflow/monitoring/exchange_admin.py).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from forms.exchange_admin import (
    CityForm,
    DelegateForm,
    GroupForm,
    ModeratorForm,
    RemoveCityForm,
    RemoveDelegateForm,
)
from workflow.extensions import db
from workflow.models import ExchangeGroup, MonitoringArea, Role
from workflow.monitoring import exchange as ex
from workflow.monitoring import exchange_admin as admin
from workflow.monitoring import questionnaire as qn
from workflow.refusal import Refused
from workflow.web.helpers import add_reasons, role_required

bp = Blueprint("exchange_admin", __name__, url_prefix="/coordinator/exchange")


def _locale() -> str:
    return str(get_locale() or "pl")


def _moderator_choices() -> list[tuple[str, str]]:
    return [("", _("— bez moderatora —")), *((str(i), n) for i, n in admin.moderators())]


def _group_form(formdata: Any = None) -> GroupForm:
    form = GroupForm() if formdata is None else GroupForm(formdata=formdata)
    names = qn.area_names()
    form.area.choices = [(a.value, names[a.value]) for a in MonitoringArea]
    form.moderator.choices = _moderator_choices()
    return form


def _list_page(form: GroupForm, status: int = 200) -> tuple[str, int]:
    groups = ex.groups_of(current_user)
    return render_template("monitoring/exchange/admin_groups.html", groups=groups, form=form,
                           area_names=qn.area_names(), locale=_locale()), status


@bp.route("/groups", methods=["GET", "POST"])
@role_required(Role.COORDINATOR)
def groups() -> Response | tuple[str, int]:
    form = _group_form()
    if not form.is_submitted():
        return _list_page(form)
    if not form.validate():
        return _list_page(form, 400)
    data = admin.GroupInput(form.code.data or "", MonitoringArea(form.area.data), int(form.cohort.data or 0),
                            form.name_pl.data or "", form.name_en.data or "", form.moderator.data,
                            form.cities.data or "")
    try:
        group = admin.create(data, current_user)
    except Refused as refused:
        db.session.rollback()
        add_reasons(form, refused, "code")
        return _list_page(form, refused.status)
    flash(_("Utworzono grupę %(name)s.", name=group.name(_locale())), "success")
    return redirect(url_for(".group", group_id=group.id))


def _group(group_id: int) -> ExchangeGroup:
    group = db.session.get(ExchangeGroup, group_id)
    if group is None:
        abort(404)
    return group


def _page(group: ExchangeGroup, status: int = 200, **forms: Any) -> tuple[str, int]:
    cities = ex.cities(group)
    people = ex.delegates(group)
    sent = {p.user_id for p in people}
    accounts = admin.accounts_of([c.unit_id for c in cities])
    names = {c.unit_id: c.name for c in cities}
    moderator = forms.get("moderator") or ModeratorForm(formdata=None, moderator=group.moderator_id)
    moderator.moderator.choices = _moderator_choices()
    delegate = forms.get("delegate") or DelegateForm(formdata=None)
    delegate.user.choices = [("", _("— wybierz —"))] + [
        (str(a.user_id), f"{names[a.unit_id]}: {a.name} ({a.email})")
        for a in accounts if a.user_id not in sent]
    return render_template(
        "monitoring/exchange/admin_group.html", group=group, cities=cities, people=people,
        by_city={c.unit_id: [p for p in people if p.unit_id == c.unit_id] for c in cities},
        moderator_form=moderator, city_form=forms.get("city") or CityForm(formdata=None),
        delegate_form=delegate, remove_city=RemoveCityForm(formdata=None),
        remove_delegate=RemoveDelegateForm(formdata=None), problems=forms.get("problems", []),
        area_names=qn.area_names(), locale=_locale()), status


@bp.route("/groups/<int:group_id>")
@role_required(Role.COORDINATOR)
def group(group_id: int) -> tuple[str, int]:
    return _page(_group(group_id))


def _done(group: ExchangeGroup, message: str, anchor: str) -> Response:
    flash(message, "success")
    return redirect(url_for(".group", group_id=group.id) + anchor)


@bp.route("/groups/<int:group_id>/moderator", methods=["POST"])
@role_required(Role.COORDINATOR)
def moderator(group_id: int) -> Response | tuple[str, int]:
    group = _group(group_id)
    form = ModeratorForm()
    form.moderator.choices = _moderator_choices()
    try:
        if not form.validate():
            return _page(group, 400, moderator=form)
        admin.set_moderator(group, form.moderator.data, current_user)
    except Refused as refused:
        db.session.rollback()
        add_reasons(form, refused, "moderator")
        return _page(_group(group_id), refused.status, moderator=form)
    return _done(group, _("Zapisano moderatora grupy."), "#moderator-h")


@bp.route("/groups/<int:group_id>/cities", methods=["POST"])
@role_required(Role.COORDINATOR)
def add_city(group_id: int) -> Response | tuple[str, int]:
    group = _group(group_id)
    form = CityForm()
    if not form.validate():
        return _page(group, 400, city=form)
    try:
        unit = admin.add_city(group, form.code.data or "", current_user)
    except Refused as refused:
        db.session.rollback()
        add_reasons(form, refused, "code")
        return _page(_group(group_id), refused.status, city=form)
    return _done(group, _("Dodano miasto %(name)s.", name=unit.name), "#cities-h")


@bp.route("/groups/<int:group_id>/cities/remove", methods=["POST"])
@role_required(Role.COORDINATOR)
def remove_city(group_id: int) -> Response | tuple[str, int]:
    group = _group(group_id)
    form = RemoveCityForm()
    if not form.validate() or form.unit.data is None:
        return _page(group, 400, problems=[e for es in form.errors.values() for e in es])
    try:
        name = admin.remove_city(group, form.unit.data, current_user)
    except Refused as refused:
        db.session.rollback()
        return _page(_group(group_id), refused.status, problems=refused.messages)
    return _done(group, _("Usunięto miasto %(name)s z grupy.", name=name), "#cities-h")


@bp.route("/groups/<int:group_id>/delegates", methods=["POST"])
@role_required(Role.COORDINATOR)
def add_delegate(group_id: int) -> Response | tuple[str, int]:
    group = _group(group_id)
    form = DelegateForm()
    if not form.validate() or form.user.data is None:
        return _page(group, 400, delegate=form)
    try:
        account = admin.add_delegate(group, form.user.data, current_user)
    except Refused as refused:
        db.session.rollback()
        add_reasons(form, refused, "user")
        return _page(_group(group_id), refused.status, delegate=form)
    return _done(group, _("Dodano delegata: %(name)s.", name=account.name), "#delegates-h")


@bp.route("/groups/<int:group_id>/delegates/remove", methods=["POST"])
@role_required(Role.COORDINATOR)
def remove_delegate(group_id: int) -> Response | tuple[str, int]:
    group = _group(group_id)
    form = RemoveDelegateForm()
    if not form.validate() or form.user.data is None:
        return _page(group, 400, problems=[e for es in form.errors.values() for e in es])
    try:
        name = admin.remove_delegate(group, form.user.data, current_user)
    except Refused as refused:
        db.session.rollback()
        return _page(_group(group_id), refused.status, problems=refused.messages)
    return _done(group, _("Usunięto delegata: %(name)s.", name=name), "#delegates-h")

"""Ids in forms pass the guard ids in URLs pass (workflow.models.types.row_id): a number no
INTEGER column holds, a negative one or one that is no number at all, typed into any field
that carries the id of a row, is a 4xx with the page again, never a query that PostgreSQL
refuses (NumericValueOutOfRange: a 500). Found by probing the advisor's service form with
field_id=2147483648 (issue 12).

The forms are found by walking the app's POST routes (the matrix's table says as whom), and
their id fields by introspection; a check proves the walk reaches every id field of every form.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import pkgutil
import re
from typing import Any

import pytest
from factories.advice import form_data, open_new
from factories.authz import ROLES, build
from flask import Flask, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from support.authz import ENTRIES, OK, browsers, routes
from support.view_source import form_classes
from wtforms import IntegerField, SelectFieldBase
from wtforms.fields.core import UnboundField
from wtforms.validators import NumberRange

import forms
from forms import ROW_ID_MESSAGE, RowIdField, RowIdSelectField, RowIdsField
from forms.advice import CheckboxesField
from forms.advice import PairsField as AdvisorPairsField
from forms.audit import AuditFilterForm
from forms.evaluation import PairsField as EvaluatorPairsField
from forms.evaluation import ScoreSheetForm
from forms.projects import ProjectForm
from workflow.advice import consultations as log
from workflow.advice.consultation_terms import ServiceInput
from workflow.advice.consultations import ServiceInvalid
from workflow.extensions import db
from workflow.models import Service, User
from workflow.models.types import MAX_ROW_ID, row_id, row_id_or_none

BAD_IDS = [str(2**31), str(2**63), "-1", str(10**30), "abc"]
ID_TYPES = (RowIdField, RowIdSelectField, RowIdsField, AdvisorPairsField, EvaluatorPairsField)
# How many ids one value of a field carries ('path:field:advisor' for the advisors' proposal).
PARTS = {AdvisorPairsField: 3, EvaluatorPairsField: 2}
# Forms a view builds from a class made at run time (the score sheet adds a field per criterion).
BUILT_AT_RUN_TIME = {"evaluator.sheet": {ScoreSheetForm}, "projects.create": {ProjectForm},
                    "projects.update": {ProjectForm}}
# Forms a view builds only to show them (the town's page of needs shows the assign forms, which
# post to routes of their own): posting their fields to this route tests nothing.
SHOWN_ONLY = {("assignments.needs", "AssignForm"), ("coordinator.extend", "TransitionForm"),
              ("town.amount", "TransitionForm"), ("town.upload", "TransitionForm"),
              ("evaluation.unassign", "AssignEvaluatorForm"),
              # a project's page again, with its delete form, after a task or an analysis
              ("projects.add_task", "DeleteProjectForm"), ("projects.delete_task", "DeleteProjectForm"),
              ("projects.feasibility", "DeleteProjectForm")}
# The analyst's group settings (decision 0043): one page of six forms, each posted to its own route.
GROUP_SETTINGS = {"exchange_admin.moderator": "ModeratorForm", "exchange_admin.add_city": "CityForm",
                  "exchange_admin.remove_city": "RemoveCityForm",
                  "exchange_admin.add_delegate": "DelegateForm",
                  "exchange_admin.remove_delegate": "RemoveDelegateForm"}
SHOWN_ONLY |= {(route, form) for route in GROUP_SETTINGS for form in GROUP_SETTINGS.values()
               if form != GROUP_SETTINGS[route]}
# A form the view builds with a prefix (several on one page): its fields are posted as prefix-name.
PREFIX_RE = re.compile(r'\bprefix=f?"([^"]*)"')


# --- the forms and their id fields ---------------------------------------------------------------

def all_forms() -> list[type[FlaskForm]]:
    found = []
    for info in pkgutil.iter_modules(forms.__path__):
        module = importlib.import_module(f"forms.{info.name}")
        found += [cls for cls in vars(module).values() if isinstance(cls, type) and issubclass(cls, FlaskForm)
                  and cls.__module__ == module.__name__]
    return found


def unbound_fields(cls: type) -> dict[str, UnboundField]:
    return {name: getattr(cls, name) for name in dir(cls)
            if isinstance(getattr(cls, name, None), UnboundField)}


def id_fields(cls: type) -> dict[str, type]:
    return {name: f.field_class for name, f in unbound_fields(cls).items()
            if issubclass(f.field_class, ID_TYPES)}


def view_forms(app: Flask, endpoint: str) -> set[type]:
    """The form classes the view (or a helper of its module it calls) builds."""
    return form_classes(app, endpoint) | BUILT_AT_RUN_TIME.get(endpoint, set())


def messages(form_name: str, name: str) -> list[str]:
    """What the page may say about a bad id in the field: its own message or the general one."""
    cls = next(c for c in all_forms() if c.__name__ == form_name)
    field = unbound_fields(cls)[name]
    own = field.kwargs.get("message")
    if issubclass(field.field_class, CheckboxesField):
        own = "Wybierz dziedziny z listy."
    if issubclass(field.field_class, (AdvisorPairsField, EvaluatorPairsField)):
        own = "Propozycja jest niepoprawna. Przygotuj ją ponownie."
    return [str(m) for m in (own, ROW_ID_MESSAGE) if m]


def prefix_of(app: Flask, endpoint: str, values: dict[str, Any]) -> str:
    """'lead-' for AssignForm(prefix="lead"), 'expert7-' for prefix=f"expert{field_id}"."""
    found = PREFIX_RE.findall(inspect.getsource(inspect.unwrap(app.view_functions[endpoint])))
    assert len(found) <= 1, (endpoint, found)
    return f"{found[0].format(**values)}-" if found else ""


def allowed_role(endpoint: str) -> str:
    return next((role for role in ROLES if ENTRIES[endpoint].expect(role, "a") == OK), "anonymous")


def test_every_field_that_carries_an_id_is_guarded() -> None:
    """No form reads an id with a plain int(): a select or checkboxes coerced by int, or a
    number field named as an id or a version, would let 2**31 through to a query."""
    loose = []
    for cls in all_forms():
        for name, f in unbound_fields(cls).items():
            if issubclass(f.field_class, ID_TYPES):
                continue
            coerced = issubclass(f.field_class, SelectFieldBase) and f.kwargs.get("coerce") is int
            named = issubclass(f.field_class, IntegerField) and (name.endswith("_id") or name == "version")
            if named and any(isinstance(v, NumberRange) and v.min >= 1 and v.max <= MAX_ROW_ID
                             for v in f.kwargs.get("validators") or ()):
                continue  # a filter's number (the audit log's object id), refused by its range
            if coerced or named:
                loose.append(f"{cls.__name__}.{name}")
    assert not loose, loose
    assert "object_id" in unbound_fields(AuditFilterForm)
    assert sum(len(id_fields(cls)) for cls in all_forms()) >= 12


def test_row_id_takes_whole_numbers_an_integer_column_holds() -> None:
    assert row_id("1") == 1 and row_id(" 42 ") == 42 and row_id(MAX_ROW_ID) == MAX_ROW_ID
    for bad in [*BAD_IDS, 0, "0", MAX_ROW_ID + 1, "", "1.5", "+1", "١٢", "²", None, True, 2.0, "9" * 400]:
        with pytest.raises(ValueError):
            row_id(bad)
        assert row_id_or_none(bad) is None


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            self.seen.append(f"{type(record.exc_info[1]).__name__}: {record.exc_info[1]}"[:200])


@pytest.mark.slow  # every id field of every form, five values each, on its own route
def test_every_id_field_of_every_form_refuses_ids_no_row_has(app: Flask, world: Any) -> None:
    built = build(world)
    people = browsers(app)
    errors = _Errors()
    app.logger.addHandler(errors)
    reached: set[tuple[str, str]] = set()
    failures, tried = [], 0
    unexplained: set[str] = set()
    not_shown: set[str] = set()  # the page again, but without the form (so without its message)
    plan = sorted((e, m) for e, m in routes(app) if m == "POST" and e in ENTRIES)
    for endpoint, _method in plan:
        with app.app_context():
            fields = {(cls.__name__, name): kind for cls in view_forms(app, endpoint)
                      if (endpoint, cls.__name__) not in SHOWN_ONLY for name, kind in id_fields(cls).items()}
        if not fields:
            continue
        found = ENTRIES[endpoint].args(lambda kind: built.ids[kind]["a"])
        values = found[0] if isinstance(found, list) else found
        with app.test_request_context():
            url = url_for(endpoint, **values)
        browser = people[allowed_role(endpoint)]
        prefix = prefix_of(app, endpoint, values)
        for (form_name, name), kind in sorted(fields.items(), key=lambda item: item[0]):
            reached.add((form_name, name))
            for bad in BAD_IDS:
                value = ":".join([bad] + ["1"] * (PARTS[kind] - 1)) if kind in PARTS else bad
                response = browser.post(url, {prefix + name: value, "submit": "x", "log": "x"})
                tried += 1
                html = response.get_data(as_text=True)
                if not (400 <= response.status_code < 500 and response.status_code != 404
                        and response.mimetype == "text/html" and "<form" in html):
                    failures.append(f"POST {url} ({endpoint}) {name}={value} as {allowed_role(endpoint)}: "
                                    f"{response.status_code}")
                elif any(message in html for message in messages(form_name, name)):
                    pass
                elif f'name="{prefix}{name}"' not in html:
                    not_shown.add(f"{endpoint} {name}")  # e.g. no lead form once the town has a lead
                else:
                    unexplained.add(f"{endpoint} {name}")
    app.logger.removeHandler(errors)
    every = {(cls.__name__, name) for cls in all_forms() for name in id_fields(cls)}
    assert every - reached == set(), "id fields no POST route's walk reached"
    assert tried >= 5 * len(every)
    assert not errors.seen, errors.seen
    assert not failures, "\n".join(failures)
    assert not unexplained, "\n".join(sorted(unexplained))
    print(f"\nform ids: {tried} posts to {len(reached)} id fields; form not shown again: {sorted(not_shown)}")
    assert len(not_shown) <= len(reached) // 4, sorted(not_shown)


@pytest.mark.parametrize("bad", BAD_IDS)
def test_the_audit_log_filtered_by_an_object_no_row_has_says_why(world: Any, login: Any, bad: str) -> None:
    response = login("coordinator@example.pl").get(f"/coordinator/audit/?object_id={bad}")
    assert response.status_code == 400
    assert "<form" in response.get_data(as_text=True)


@pytest.mark.parametrize("bad", BAD_IDS)
def test_the_advisor_typing_a_field_no_row_has_reads_why_and_keeps_the_rest(
        world: Any, fields: dict[str, int], login: Any, bad: str) -> None:
    """The reproducer of issue 12: everything else right, field_id beyond any row."""
    advisor = login("advisor-a@example.pl")
    path_id = world.paths["a"].id
    token = open_new(advisor, path_id)
    response = advisor.post(f"/advisor/consultations/new?path={path_id}",
                            form_data(fields, client_token=token, field_id=bad, topic="Mój temat usługi"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Wybierz dziedzinę z listy." in html
    assert "Mój temat usługi" in html  # what was typed elsewhere is kept
    assert db.session.scalars(select(Service)).first() is None


@pytest.mark.parametrize("bad", [2**31, 2**63, -1, 10**30])
def test_the_log_refuses_a_field_no_row_has_before_any_query(world: Any, fields: dict[str, int],
                                                              bad: int) -> None:
    """The operation guards the ids it is given too (a caller other than the form)."""
    advisor = db.session.scalars(select(User).where(User.email == "advisor-a@example.pl")).one()
    data = ServiceInput(kind="consultation", held_on=form_data(fields)["held_on"], duration="90",
                        field_id=bad, topic="Temat", new_people="Anna Nowak; Urząd; a@um.pl")
    with pytest.raises(ServiceInvalid) as refused:
        log.create(world.paths["a"], advisor, data, log=True)
    assert "field_id" in refused.value.errors

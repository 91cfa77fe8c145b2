"""Flask-WTF forms, one module per area (path, advice, evaluation, ranking, messaging,
accounts, audit). Every form carries a CSRF token.

Importing this package also hardens two library pieces every form uses, for each was a 500
on every form that the fuzz tests (tests/test_fuzz_forms.py) found:
- what a form reads from a request (`_wrap_formdata`): Flask-WTF on its own hands an
  uploaded file to whichever field shares its name (TypeError on len()) and turns any JSON
  body into form data (ValueError while unpacking a JSON list);
- NumberRange on a number too large for a float (OverflowError in math.isnan());
- a NUL character, which PostgreSQL refuses in text (DataError), is dropped from the input.

It also holds the fields every form uses for the id of a row (RowIdField, RowIdSelectField,
RowIdsField, row_ids_of): an id no INTEGER column holds is an error on the form, not a 500.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from flask import has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.form import SUBMIT_METHODS, _Auto
from markupsafe import escape
from werkzeug.datastructures import CombinedMultiDict, ImmutableMultiDict, MultiDict
from wtforms import (
    FileField,  # Flask-WTF's FileField is a subclass
    IntegerField,
    SelectField,
    SelectMultipleField,
)
from wtforms.validators import NumberRange, StopValidation
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget, Select

from workflow.models.types import row_id, row_id_or_none


def _json_form(document: Any) -> ImmutableMultiDict | None:
    """A JSON object of text, numbers and lists of them, as form data; anything else none.
    Nothing of ours sends JSON, but a script may: it gets the answer an empty form gets."""
    if not isinstance(document, dict):
        return None
    pairs: list[tuple[str, str]] = []
    for key, value in document.items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str | int | float) and not isinstance(item, bool):
                pairs.append((key, str(item).replace("\x00", "")))
    return ImmutableMultiDict(pairs)


def _without_nul(data: MultiDict) -> ImmutableMultiDict:
    """The form's values without NUL characters: nobody types one, and PostgreSQL refuses
    them in text (a DataError, so a 500, on the login form's e-mail address)."""
    return ImmutableMultiDict([(k, v.replace("\x00", "") if isinstance(v, str) else v)
                               for k, v in data.items(multi=True)])


def _wrap_formdata(self: Any, form: Any, formdata: Any) -> Any:
    """Flask-WTF's own reading of the request (flask_wtf.form.FlaskForm.Meta), except that
    only file fields get files, only a JSON object becomes form data, and NULs are dropped."""
    if formdata is not _Auto:  # data given by the caller (request.args for a filter form)
        return _without_nul(formdata) if isinstance(formdata, MultiDict) else formdata
    if not (has_request_context() and request.method in SUBMIT_METHODS):
        return None
    if request.files:
        wanted = {name for name, field in form._fields.items() if isinstance(field, FileField)}
        files = ImmutableMultiDict([(k, v) for k, v in request.files.items(multi=True) if k in wanted])
        return CombinedMultiDict((files, _without_nul(request.form)))
    if request.form:
        return _without_nul(request.form)
    if request.is_json:
        return _json_form(request.get_json(silent=True))
    return None


FlaskForm.Meta.wrap_formdata = _wrap_formdata

_number_range = NumberRange.__call__
LARGEST = 2**63  # no column holds more; math.isnan() fails on ints no float holds (~1e308)


def _number_range_call(self: NumberRange, form: Any, field: Any) -> None:
    """wtforms' NumberRange, but a number with hundreds of digits is out of range with the
    field's own message, not an OverflowError from math.isnan() (a 500 the fuzz tests found)."""
    if isinstance(field.data, int) and not -LARGEST < field.data < LARGEST:
        field = SimpleNamespace(data=None, gettext=field.gettext)  # judged as no number at all
    _number_range(self, form, field)


NumberRange.__call__ = _number_range_call


# --- ids of rows ---------------------------------------------------------------------------------
# Every field that carries the id of a row (hidden ids, selects and checkboxes of rows, the pairs
# of a proposal) reads it through workflow.models.types.row_id: a value that is not a whole number
# from 1 to MAX_ROW_ID is an error shown on the form (the page again, 400), never a query with a
# number no INTEGER column holds (NumericValueOutOfRange on PostgreSQL: a 500).

ROW_ID_MESSAGE = _l("Formularz przesłał niepoprawny numer. Odśwież stronę i spróbuj ponownie.")


def _row_id_typed(raw: Any, message: Any) -> int | None:
    """A posted id: None when empty, else the id, or a ValueError with `message`."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        return row_id(raw)
    except ValueError:
        raise ValueError(str(message or ROW_ID_MESSAGE)) from None


class LongSelect(Select):
    """WTForms' Select, with each plain option (no attributes of its own) written in one
    step: the same HTML as Select's render_option, which passes every option through
    html_params and Markup.format (a select of 740 advisors cost more than the rest of the form).
    tests/test_forms_widgets.py compares the two."""

    @classmethod
    def render_option(cls, choice: Any, **kwargs: Any) -> Any:
        if kwargs or choice.render_kw:
            return super().render_option(choice, **kwargs)
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        selected = "selected " if choice.selected else ""
        return f'<option {selected}value="{escape(value)}">{escape(choice.label or choice.value)}</option>'


class RowIdField(IntegerField):
    """A hidden id (the document the page showed, the version it read); empty is None."""

    widget = HiddenInput()

    def __init__(self, label: Any = None, validators: Any = None, message: Any = None, **kw: Any) -> None:
        super().__init__(label, validators, **kw)
        self.message = message

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        if valuelist:
            self.data = _row_id_typed(valuelist[0], self.message)

    def pre_validate(self, form: Any) -> None:
        if self.process_errors:  # one message for a bad id, not another from InputRequired
            raise StopValidation()


class RowIdSelectField(SelectField):
    """A select of rows ('' for none chosen, read as None). The view or the operation checks
    that the id is one it may use, so the choice is not validated against the list here."""

    def __init__(self, label: Any = None, validators: Any = None, message: Any = None, **kw: Any) -> None:
        super().__init__(label, validators, coerce=row_id_or_none, validate_choice=False, **kw)
        self.message = message

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        if valuelist:
            self.data = _row_id_typed(valuelist[0], self.message)

    def pre_validate(self, form: Any) -> None:
        if self.process_errors:
            raise StopValidation()


class RowIdsField(SelectMultipleField):
    """Checkboxes of rows; every checked value must be an id (whether it is one of the choices
    is for a subclass or the operation to say)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, label: Any = None, validators: Any = None, message: Any = None, **kw: Any) -> None:
        kw.setdefault("validate_choice", False)
        super().__init__(label, validators, coerce=row_id_or_none, **kw)
        self.message = message

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            self.data = [_row_id_typed(v, self.message) for v in valuelist if str(v).strip()]
        except ValueError:
            self.data = []
            raise

    def pre_validate(self, form: Any) -> None:
        if self.process_errors:
            raise StopValidation()
        super().pre_validate(form)


def row_ids_of(value: str, count: int, message: Any) -> tuple[int, ...]:
    """`count` ids joined by ':' (the pairs of a proposal), or a ValueError with `message`."""
    parts = value.split(":")
    try:
        if len(parts) != count:
            raise ValueError(value)
        return tuple(row_id(p) for p in parts)
    except ValueError:
        raise ValueError(str(message)) from None

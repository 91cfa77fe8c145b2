"""Flask-WTF forms, one module per area (path, advice, evaluation, ranking, messaging,
accounts, audit). Every form carries a CSRF token.

Importing this package also hardens two library pieces every form uses, for each was a 500
on every form that the fuzz tests (tests/test_fuzz_forms.py) found:
- what a form reads from a request (`_wrap_formdata`): Flask-WTF on its own hands an
  uploaded file to whichever field shares its name (TypeError on len()) and turns any JSON
  body into form data (ValueError while unpacking a JSON list);
- NumberRange on a number too large for a float (OverflowError in math.isnan());
- a NUL character, which PostgreSQL refuses in text (DataError), is dropped from the input.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from flask import has_request_context, request
from flask_wtf import FlaskForm
from flask_wtf.form import SUBMIT_METHODS, _Auto
from werkzeug.datastructures import CombinedMultiDict, ImmutableMultiDict, MultiDict
from wtforms import FileField  # Flask-WTF's FileField is a subclass
from wtforms.validators import NumberRange


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

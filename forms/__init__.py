"""Flask-WTF forms, one module per audience. Every form carries a CSRF token.

Importing this package also narrows what any form reads from a request (see
`_wrap_formdata`): Flask-WTF on its own hands an uploaded file to whichever field shares its
name, and turns any JSON body into form data. A file sent in a text field (TypeError on
len()) or a JSON list (ValueError while unpacking) then ended as a 500; the fuzz tests
(tests/test_fuzz_forms.py) found both on every form.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_wtf import FlaskForm
from werkzeug.datastructures import CombinedMultiDict, ImmutableMultiDict
from wtforms import FileField  # Flask-WTF's FileField is a subclass

_flask_wtf_wrap = FlaskForm.Meta.wrap_formdata


def _json_form(document: Any) -> ImmutableMultiDict | None:
    """A JSON object of text, numbers and lists of them, as form data; anything else none.
    Nothing of ours sends JSON, but a script may: it gets the answer an empty form gets."""
    if not isinstance(document, dict):
        return None
    pairs: list[tuple[str, str]] = []
    for key, value in document.items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str | int | float) and not isinstance(item, bool):
                pairs.append((key, str(item)))
    return ImmutableMultiDict(pairs)


def _wrap_formdata(self: Any, form: Any, formdata: Any) -> Any:
    data = _flask_wtf_wrap(self, form, formdata)
    if data is None or data is formdata:  # nothing submitted, or data given by the caller
        return data
    if request.files:
        wanted = {name for name, field in form._fields.items() if isinstance(field, FileField)}
        files = ImmutableMultiDict([(k, v) for k, v in request.files.items(multi=True) if k in wanted])
        return CombinedMultiDict((files, request.form))
    if not request.form and request.is_json:
        return _json_form(request.get_json(silent=True))
    return data


FlaskForm.Meta.wrap_formdata = _wrap_formdata

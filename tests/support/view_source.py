"""What a view builds, read from its source: the form classes it (or a helper of its own
module it calls) instantiates, and the request arguments it reads by name. Used by the form
fuzzing and by the id-field walk, so both find a view's forms the same way."""

from __future__ import annotations

import inspect
import re

from flask import Flask

FORM_RE = re.compile(r"\b([A-Z]\w*Form)\(")
ARGS_RE = re.compile(r"request\.(?:args|form|values)\.get(?:list)?\(\s*[\"'](\w+)[\"']")


def view_source(app: Flask, endpoint: str) -> tuple[str, dict]:
    """The source of the view and of the helpers of its module it calls, and its globals."""
    view = inspect.unwrap(app.view_functions[endpoint])
    scope = view.__globals__
    sources = [inspect.getsource(view)]
    for name in view.__code__.co_names:
        helper = scope.get(name)
        if inspect.isfunction(helper) and helper.__module__ == view.__module__:
            sources.append(inspect.getsource(helper))
    return "\n".join(sources), scope


def form_classes(app: Flask, endpoint: str) -> set[type]:
    """The form classes the view builds."""
    source, scope = view_source(app, endpoint)
    return {scope[n] for n in FORM_RE.findall(source) if isinstance(scope.get(n), type)}


def read_args(app: Flask, endpoint: str) -> set[str]:
    """The request arguments the view reads by name."""
    source, _scope = view_source(app, endpoint)
    return set(ARGS_RE.findall(source))

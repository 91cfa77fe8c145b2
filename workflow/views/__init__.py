"""One blueprint per audience."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from workflow.views import advisor, auth, coordinator, evaluator, paths, town

    for module in (auth, town, advisor, evaluator, coordinator, paths):
        app.register_blueprint(module.bp)

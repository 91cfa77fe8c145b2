"""One blueprint per audience."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from workflow.views import (
        advisor,
        assignments,
        auth,
        coordinator,
        evaluator,
        paths,
        reports,
        services,
        town,
    )

    for module in (auth, town, advisor, evaluator, coordinator, paths, assignments, services,
                   reports):
        app.register_blueprint(module.bp)

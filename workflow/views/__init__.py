"""One blueprint per audience."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from workflow.views import (
        advisor,
        assignments,
        auth,
        coordinator,
        criteria,
        evaluation,
        evaluator,
        paths,
        ranking,
        reports,
        results,
        services,
        town,
    )

    for module in (auth, town, advisor, evaluator, coordinator, paths, assignments, services,
                   reports, criteria, evaluation, ranking, results):
        app.register_blueprint(module.bp)

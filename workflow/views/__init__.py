"""One blueprint per audience."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from workflow.views.helpers import RowIdConverter

    app.url_map.converters["int"] = RowIdConverter  # before any rule: every <int:…> is an id
    from workflow.views import (
        advisor,
        assignments,
        audit,
        auth,
        calendar,
        coordinator,
        criteria,
        evaluation,
        evaluator,
        exports,
        health,
        help,
        inbox,
        message_templates,
        paths,
        ranking,
        reports,
        results,
        services,
        town,
        users,
    )

    for module in (auth, town, advisor, evaluator, coordinator, paths, assignments, services,
                   reports, criteria, evaluation, ranking, results, inbox, message_templates,
                   calendar, exports, health, help, audit, users):
        app.register_blueprint(module.bp)

"""One blueprint per audience."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from workflow.web.helpers import RowIdConverter

    app.url_map.converters["int"] = RowIdConverter  # before any rule: every <int:…> is an id
    from workflow.accounts.views import auth, users
    from workflow.advice.views import advisor, assignments, reports
    from workflow.advice.views import consultations as services
    from workflow.audit.views import audit
    from workflow.evaluation.views import criteria, evaluation, evaluator
    from workflow.exports.views import exports
    from workflow.messaging.views import inbox, message_templates
    from workflow.path.views import calendar, coordinator, paths, town
    from workflow.ranking.views import ranking, results
    from workflow.web.views import health, help

    for module in (auth, town, advisor, evaluator, coordinator, paths, assignments, services,
                   reports, criteria, evaluation, ranking, results, inbox, message_templates,
                   calendar, exports, health, help, audit, users):
        app.register_blueprint(module.bp)

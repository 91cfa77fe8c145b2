"""One blueprint per audience: the only module that imports the blueprints, to register them.

It sits above the areas (workflow/app.py calls it), not in web/: every blueprint imports
web/'s helpers, so a registry inside web/ would make web/ and each area import each other.
"""

from __future__ import annotations

from flask import Flask

from workflow.accounts.views import auth, invitations, two_factor, users
from workflow.advice.views import advisor, assignments, consultations, reports
from workflow.api.views import reference as api_reference
from workflow.api.views import v1 as api_v1
from workflow.audit.views import audit
from workflow.consultation.views import public as public_consultation
from workflow.consultation.views import team as consultation_team
from workflow.diagnosis.views import diagnosis
from workflow.evaluation.views import criteria, evaluation, evaluator
from workflow.exports.views import exports
from workflow.messaging.views import inbox, message_templates
from workflow.monitoring.views import exchange, exchange_admin, indicators, questionnaire
from workflow.monitoring.views import groups as indicator_groups
from workflow.partnership.views import partnership
from workflow.partnership.views import reports as partnership_reports
from workflow.path.views import calendar, coordinator, paths, town
from workflow.privacy.views import privacy
from workflow.projects.views import projects
from workflow.ranking.views import ranking, results
from workflow.ranking.views import settings as programme_settings
from workflow.web.helpers import RowIdConverter
from workflow.web.redirects import register_redirects
from workflow.web.views import health, help


def register_blueprints(app: Flask) -> None:
    app.url_map.converters["int"] = RowIdConverter  # before any rule: every <int:…> is an id
    for module in (auth, town, advisor, evaluator, coordinator, paths, assignments, consultations,
                   reports, criteria, evaluation, ranking, results, inbox, message_templates,
                   calendar, exports, health, help, audit, users, two_factor, privacy, invitations,
                   programme_settings, partnership, public_consultation, consultation_team, projects,
                   api_v1, api_reference, indicators, indicator_groups, questionnaire, diagnosis,
                   exchange, exchange_admin, partnership_reports):
        app.register_blueprint(module.bp)
    register_redirects(app)  # the old addresses, once the rules they lead to exist

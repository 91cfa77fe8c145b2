"""workflow.monitoring.views: the public pages of the indicator base and the cities' questionnaire."""

"""workflow.web.views."""

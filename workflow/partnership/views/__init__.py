"""workflow.partnership.views."""

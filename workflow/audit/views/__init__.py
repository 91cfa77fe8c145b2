"""workflow.audit.views."""

"""workflow.path.views."""

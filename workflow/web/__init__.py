"""workflow.web."""

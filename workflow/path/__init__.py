"""workflow.path."""

"""workflow.messaging."""
